import type { Handlers } from "@/lib/router/routes.ts";
import { projectBranding } from "@/db/branding.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials, clientOf } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";
import { brandingOf } from "@/lib/branding/brand.ts";
import { BrandingChanges, brandingView } from "@/lib/branding/api_body.ts";

export const callers = clients("project");

/** GET the project's branding; PATCH some of it (null removes a field). The logo has its own endpoint. */
export const handler: Handlers = {
  async GET(c) {
    const base = c.var.deps.config.baseUrl;
    const found = await asClient(c, (tx, projectId) => projectBranding(tx, projectId));
    const projectId = clientOf(c).projectId;
    return c.json(brandingView(projectId, found?.branding ?? {}, (p) => base + p), 200, NO_STORE);
  },
  async PATCH(c) {
    const changes = validate(BrandingChanges, await bodyWithoutCredentials(c));
    const base = c.var.deps.config.baseUrl;
    const project = await asClient(
      c,
      (tx, projectId) => updateProjectSettings(tx, projectId, { branding: changes }),
    );
    return c.json(
      brandingView(project.project_id, brandingOf(project.settings), (p) => base + p),
      200,
      NO_STORE,
    );
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Projects",
    summary: "The project's branding (name, logo, colour, theme, links, support address)",
    auth: "client",
    responses: { 200: { description: "Branding" }, ...COMMON_ERRORS },
  },
  patch: {
    tag: "Projects",
    summary: "Change branding; a colour on which white text fails WCAG AA is refused",
    auth: "client",
    body: { schema: BrandingChanges, media: ["json"] },
    responses: { 200: { description: "Branding" }, ...COMMON_ERRORS },
  },
};
