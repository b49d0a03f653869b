import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { AppleRevocationSchema, listRevocations } from "@/db/apple_revocations.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const Query = z.object({
  limit: z.coerce.number().int().min(1).max(200).optional().describe("How many, 1 to 200 (50)."),
});

export const callers = clients("project");

/**
 * The project's Apple token revocations still waiting (pending, sending) or given up (failed), newest first,
 * without their tokens: what an App Store review or a support question about a deleted account needs to see.
 * Revoked tokens leave no row (docs/social-login.md, "Revoking Apple's tokens").
 */
export const handler: Handlers = {
  async GET(c) {
    const { limit } = validate(Query, c.req.query());
    return c.json(await asClient(c, (tx) => listRevocations(tx, limit)), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Users",
    summary: "Apple token revocations still waiting or given up, newest first (revoked ones leave no row)",
    auth: "client",
    query: Query,
    responses: {
      200: { description: "Revocations", schema: z.array(AppleRevocationSchema) },
      ...COMMON_ERRORS,
    },
  },
};
