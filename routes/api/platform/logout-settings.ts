/**
 * The project's own client's logout metadata (settings.logout, docs/hosted-login.md and docs/tokens.md): the
 * post_logout_redirect_uris the sign-out page may return to, the backchannel_logout_uri logout tokens go to, and
 * backchannel_logout_session_required — the fields OIDC RP-Initiated and Back-Channel Logout name, which a
 * self-registered client sends in its registration instead. GET shows them with the latest logout tokens sent.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { getProject } from "@/db/projects.ts";
import { BackchannelLogoutSchema, listLogouts, updateLogoutSettings } from "@/db/backchannel_logouts.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { urlVerdict } from "@/lib/platform/webhook_endpoint_input.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";
import { LogoutMetadata } from "@/lib/oauth/logout_metadata.ts";

const Changes = z.strictObject({
  post_logout_redirect_uris: LogoutMetadata.shape.post_logout_redirect_uris.unwrap().nullable().optional(),
  backchannel_logout_uri: LogoutMetadata.shape.backchannel_logout_uri.unwrap().nullable().optional(),
  backchannel_logout_session_required: z.boolean().nullable().optional(),
}).refine((body) => Object.keys(body).length > 0, {
  message: "Send at least one of post_logout_redirect_uris, backchannel_logout_uri and " +
    "backchannel_logout_session_required (null removes one).",
});

const LogoutSettings = LogoutMetadata.extend({
  recent_logouts: z.array(BackchannelLogoutSchema).describe("The latest logout tokens sent (newest first)."),
});

/** Where the browser and logout tokens go is the project's own business: its own client only. */
export const callers = clients("project");

/** GET the logout settings and the latest logout tokens; PATCH some of them. */
export const handler: Handlers = {
  async GET(c) {
    const body = await asClient(c, async (tx, projectId) => {
      const project = await getProject(tx, projectId);
      return {
        ...LogoutMetadata.parse(project.settings.logout ?? {}),
        recent_logouts: await listLogouts(tx),
      };
    });
    return c.json(body, 200, NO_STORE);
  },
  async PATCH(c) {
    const changes = validate(Changes, await bodyWithoutCredentials(c));
    const internalReason = await urlVerdict(c, changes.backchannel_logout_uri ?? undefined);
    const project = await asClient(
      c,
      (tx, projectId) => updateLogoutSettings(tx, projectId, changes, internalReason),
    );
    return c.json(LogoutMetadata.parse(project.settings.logout ?? {}), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Tokens",
    summary: "Logout settings: post-logout redirect URIs and the back-channel logout URI",
    description: "settings.logout, and the latest logout tokens sent to the apps with how each went.",
    auth: "client",
    responses: { 200: { description: "The logout settings", schema: LogoutSettings }, ...COMMON_ERRORS },
  },
  patch: {
    tag: "Tokens",
    summary: "Change the logout settings",
    description:
      "Key by key; null removes one. post_logout_redirect_uris: exact URLs the sign-out page may return to " +
      "(none registered: the client's redirect URIs, as before). backchannel_logout_uri: https (http only on a " +
      "loopback host); a production project's must reach a public address. Audited as project.settings.",
    auth: "client",
    body: { schema: Changes, media: ["json"] },
    responses: { 200: { description: "The logout settings", schema: LogoutMetadata }, ...COMMON_ERRORS },
  },
};
