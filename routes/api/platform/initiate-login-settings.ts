/**
 * The project's own client's initiate_login_uri (settings.initiate_login_uri; OIDC Core §4, docs/hosted-login.md
 * "Sign-ins the app did not start"): the app's route that starts its own sign-in when a link Astapa mailed (an
 * admin's password reset, a waitlist approval) begins one. The field a self-registered client sends in its
 * registration instead. Set through api.update_project_settings (validated, audited as project.settings).
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { getProject } from "@/db/projects.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";
import { InitiateLoginUri } from "@/lib/oauth/initiate_login_uri.ts";

const InitiateLoginSettings = z.object({ initiate_login_uri: InitiateLoginUri.nullable() });

const Changes = z.strictObject({ initiate_login_uri: InitiateLoginUri.nullable() });

const shown = (settings: Record<string, unknown>) => ({
  initiate_login_uri: typeof settings.initiate_login_uri === "string" ? settings.initiate_login_uri : null,
});

/** Where mailed links send people is the project's own business: its own client only. */
export const callers = clients("project");

/** GET the URI; PATCH it (null removes it). */
export const handler: Handlers = {
  async GET(c) {
    const project = await asClient(c, (tx, projectId) => getProject(tx, projectId));
    return c.json(shown(project.settings), 200, NO_STORE);
  },
  async PATCH(c) {
    const changes = validate(Changes, await bodyWithoutCredentials(c));
    const project = await asClient(c, (tx, projectId) => updateProjectSettings(tx, projectId, changes));
    return c.json(shown(project.settings), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Users",
    summary: "The project client's initiate_login_uri",
    description: "settings.initiate_login_uri (docs/hosted-login.md, Sign-ins the app did not start).",
    auth: "client",
    responses: { 200: { description: "The URI, or null", schema: InitiateLoginSettings }, ...COMMON_ERRORS },
  },
  patch: {
    tag: "Users",
    summary: "Set or remove the project client's initiate_login_uri",
    description:
      "https only, no fragment. Mailed links that start a sign-in (an admin's password reset, a waitlist " +
      "approval) send the browser there with iss and login_hint; the app starts its own authorization " +
      "request. null removes it. Audited as project.settings.",
    auth: "client",
    body: { schema: Changes, media: ["json"] },
    responses: { 200: { description: "The URI, or null", schema: InitiateLoginSettings }, ...COMMON_ERRORS },
  },
};
