/**
 * Whether the project requires DPoP (RFC 9449) of every client (settings.dpop, docs/tokens.md "DPoP"): when on,
 * a token request of any of its clients — its own, its machine clients, self-registered clients acting for it —
 * without a valid proof is 400 invalid_dpop_proof, whatever the grant. The switch the dashboard's Settings →
 * DPoP sets, through the same setter (api.update_project_settings: validated, audited).
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
import { dpopRequiredChange, dpopSettingsOf } from "@/lib/oauth/dpop_settings.ts";

const DpopSettings = z.object({
  required: z.boolean().describe(
    "Every token request of the project's clients must carry a DPoP proof (default false).",
  ),
});

const Changes = z.strictObject({ required: z.boolean() });

/** Whether tokens may be used without a key is the project's own business: its own client only. */
export const callers = clients("project");

/** GET the switch; PATCH it. */
export const handler: Handlers = {
  async GET(c) {
    const project = await asClient(c, (tx, projectId) => getProject(tx, projectId));
    return c.json(dpopSettingsOf(project.settings), 200, NO_STORE);
  },
  async PATCH(c) {
    const { required } = validate(Changes, await bodyWithoutCredentials(c));
    const project = await asClient(
      c,
      (tx, projectId) => updateProjectSettings(tx, projectId, dpopRequiredChange(required)),
    );
    return c.json(dpopSettingsOf(project.settings), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Tokens",
    summary: "Whether the project requires DPoP-bound tokens of every client",
    description: "settings.dpop (docs/tokens.md, DPoP).",
    auth: "client",
    responses: { 200: { description: "The switch", schema: DpopSettings }, ...COMMON_ERRORS },
  },
  patch: {
    tag: "Tokens",
    summary: "Require DPoP (RFC 9449) of every client of the project, or stop requiring it",
    description:
      "On: every token request (every grant, every kind of client) without a valid DPoP proof is 400 " +
      "invalid_dpop_proof. Refresh tokens bound to a key stay bound either way. Audited as project.settings.",
    auth: "client",
    body: { schema: Changes, media: ["json"] },
    responses: { 200: { description: "The switch", schema: DpopSettings }, ...COMMON_ERRORS },
  },
};
