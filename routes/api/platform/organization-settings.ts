/**
 * The project's organization settings (docs/organizations.md): `domain_join` (settings.organization_domain_join:
 * off, suggest or automatic — what a verified domain does) and `required` (settings.organization_required: every
 * sign-in chooses an organization).
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { getProject, updateProject } from "@/db/projects.ts";
import { readBody } from "@/lib/http/body.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const OrganizationSettings = z.object({
  domain_join: z.enum(["off", "suggest", "automatic"]).optional(),
  required: z.boolean().optional(),
}).refine((body) => body.domain_join !== undefined || body.required !== undefined, {
  message: "Send domain_join, required or both.",
});

export const callers = clients("project");

const shown = (settings: Record<string, unknown>) => ({
  domain_join: settings.organization_domain_join ?? "off",
  required: settings.organization_required === true,
});

export const handler: Handlers = {
  async GET(c) {
    const project = await asClient(c, (tx, projectId) => getProject(tx, projectId));
    return c.json(shown(project.settings), 200, NO_STORE);
  },
  async PUT(c) {
    const body = await readBody(c, OrganizationSettings, ["json"]);
    const project = await asClient(c, async (tx, projectId) => {
      const { settings } = await getProject(tx, projectId);
      return await updateProject(tx, projectId, {
        settings: {
          ...settings,
          ...(body.domain_join ? { organization_domain_join: body.domain_join } : {}),
          ...(body.required === undefined ? {} : { organization_required: body.required }),
        },
      });
    });
    return c.json(shown(project.settings), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Organizations",
    summary: "The project's organization settings: domain_join (off|suggest|automatic) and required",
    auth: "client",
    responses: { 200: { description: "{domain_join, required}" }, 401: COMMON_ERRORS[401] },
  },
  put: {
    tag: "Organizations",
    summary: "Change what a verified domain does, and whether every sign-in must choose an organization",
    auth: "client",
    body: { schema: OrganizationSettings, media: ["json"] },
    responses: { 200: { description: "{domain_join, required}" }, ...COMMON_ERRORS },
  },
};
