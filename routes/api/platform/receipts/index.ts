import { UserIdSchema } from "@/lib/http/user_id.ts";
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { listReceipts } from "@/db/receipts.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const Query = z.object({
  limit: z.coerce.number().int().min(1).max(200).optional(),
  before: z.string().regex(/^rcp_[a-z2-7]{24}$/).optional(),
  user: UserIdSchema.optional()
    .describe("Only this user's receipts (their sub)."),
});

/** Receipts carry buyers' tax ids: the project's own client only. */
export const callers = clients("project");

/** GET lists the project's receipts, newest first (`before` = the last receipt id of the previous page), or one user's. */
export const handler: Handlers = {
  async GET(c) {
    const query = validate(Query, {
      limit: c.req.query("limit"),
      before: c.req.query("before"),
      user: c.req.query("user"),
    });
    const receipts = await asClient(
      c,
      (tx, projectId) =>
        listReceipts(tx, projectId, query.limit ?? 50, query.before ?? null, query.user ?? null),
    );
    return c.json({ receipts }, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Payments",
    summary: "List the project's receipts",
    description:
      "Newest first, with the PPN split (docs/receipts.md). Page with `before`; `user` keeps one user's.",
    auth: "client",
    query: Query,
    responses: { 200: { description: "Receipts", schema: BILLING_ANSWERS.receipts }, ...COMMON_ERRORS },
  },
};
