/** Support staff sign in as a user (docs/impersonation.md): the Platform API makes the one-time link. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { createImpersonation, ImpersonationSchema, listImpersonations } from "@/db/impersonations.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials, clientOf } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";
import { ErrorResponse } from "@/lib/openapi.ts";

const NewImpersonation = z.strictObject({
  actor: z.string().trim().min(1).max(200).regex(/^\P{Cc}+$/u, "No control characters."),
  reason: z.string().max(500).optional(),
  minutes: z.number().int().min(1).max(60).optional(),
});

const Created = ImpersonationSchema.extend({ url: z.string() });

/** A way into a user's account: the project's own client only (machine and self-registered clients get 403). */
export const callers = clients("project");

/**
 * POST makes a one-time link (5 minutes) that signs the browser opening it in as the user until ends_at (201);
 * the token is in the url only, never stored or shown again. GET lists the user's live impersonations.
 */
export const handler: Handlers = {
  async POST(c) {
    const sub = subParam(c);
    const input = validate(NewImpersonation, await bodyWithoutCredentials(c));
    const token = randomSecret();
    const created = await asClient(
      c,
      async (tx, projectId) =>
        createImpersonation(tx, projectId, sub, { ...input, tokenHash: await sha256(token) }),
    );
    const link = new URLSearchParams({ client_id: clientOf(c).clientId, token });
    const url = `${c.var.deps.config.baseUrl}/auth/impersonate?${link}`;
    return c.json({ ...created, url }, 201, NO_STORE);
  },
  async GET(c) {
    const sub = subParam(c);
    const live = await asClient(c, (tx, projectId) => listImpersonations(tx, projectId, sub));
    return c.json({ impersonations: live }, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Users",
    summary: "Sign in as a user: a one-time link for support staff",
    description:
      "`actor` (1-200 characters) names who acts, e.g. `support:dewi@shop.example`; `reason` (up to 500) is kept " +
      "in the audit log; `minutes` (1-60, default 15) is how long the impersonation lasts from now (`ends_at`). " +
      "`url` opens once, within 5 minutes (`expires_at`): the browser is then signed in as the user until " +
      "`ends_at`, and every token issued from that session carries `act: {sub: actor}`. 404 for an unknown or " +
      "deleted user, 409 for a disabled one. Audited `user.impersonation_created`.",
    auth: "client",
    body: { schema: NewImpersonation, media: ["json"] },
    responses: {
      201: { description: "The impersonation and its one-time url", schema: Created },
      ...COMMON_ERRORS,
      409: { description: "conflict: the user is disabled", schema: ErrorResponse },
    },
  },
  get: {
    tag: "Users",
    summary: "A user's live impersonations",
    description: "Not ended, before `ends_at`, and opened or with a link still usable; newest first.",
    auth: "client",
    responses: {
      200: {
        description: "{impersonations: [...]}",
        schema: z.object({ impersonations: z.array(ImpersonationSchema) }),
      },
      ...COMMON_ERRORS,
    },
  },
};
