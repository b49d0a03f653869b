/** A user's hosted-login sessions over the Platform API: list them, or sign the user out everywhere ([sid].ts: one). */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { listLoginSessions, LoginSessionSchema, signOutEverywhere, SignOutSchema } from "@/db/user_admin.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const Query = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).describe(
    "Sessions, newest first, 1 to 100 (20).",
  ),
});

export const callers = clients("project");

export const handler: Handlers = {
  async GET(c) {
    const sub = subParam(c);
    const { limit } = validate(Query, c.req.query());
    const sessions = await asClient(c, (tx, id) => listLoginSessions(tx, id, sub, limit));
    return c.json({ sessions }, 200, NO_STORE);
  },

  async DELETE(c) {
    const sub = subParam(c);
    return c.json(await asClient(c, (tx, id) => signOutEverywhere(tx, id, sub)), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Users",
    summary: "A user's hosted-login sessions, newest first",
    auth: "client",
    query: Query,
    responses: {
      200: { description: "Sessions", schema: z.object({ sessions: z.array(LoginSessionSchema) }) },
      ...COMMON_ERRORS,
    },
  },
  delete: {
    tag: "Users",
    summary: "Sign a user out everywhere",
    description: "Ends every hosted-login session, revokes every refresh token and voids unredeemed codes, " +
      "approved devices, pending address changes and open second-step challenges; answers the counts. Access " +
      "tokens already issued live out their lifetime (at most an hour).",
    auth: "client",
    responses: { 200: { description: "What ended, counted", schema: SignOutSchema }, ...COMMON_ERRORS },
  },
};
