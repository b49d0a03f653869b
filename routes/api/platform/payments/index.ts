/** The Platform API's payments list: every checkout of the project (open, pending, paid, expired), newest first. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { CheckoutStatusSchema, listPayments } from "@/db/dashboard_payments.ts";
import { StoredMethodSchema } from "@/db/payments.ts";
import { validate } from "@/lib/http/body.ts";
import { UserIdSchema } from "@/lib/http/user_id.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const Query = z.object({
  status: CheckoutStatusSchema.optional(),
  method: StoredMethodSchema.optional(),
  user: UserIdSchema.optional().describe("Only this user's checkouts (their sub)."),
  before: z.string().regex(/^[1-9]\d{0,17}$/, "The `id` of the last row of the previous page.").optional(),
  limit: z.coerce.number().int().min(1).max(200).optional().describe("Rows per page (50)."),
});

/** Payments name the project's customers and what they paid: the project's own client only. */
export const callers = clients("project");

/** GET answers api.list_payments (the dashboard's Payments list) for the project's current mode. */
export const handler: Handlers = {
  async GET(c) {
    const query = validate(Query, {
      status: c.req.query("status"),
      method: c.req.query("method"),
      user: c.req.query("user"),
      before: c.req.query("before"),
      limit: c.req.query("limit"),
    });
    const payments = await asClient(c, (tx, projectId) =>
      listPayments(tx, projectId, {
        ...(query.status ? { status: query.status } : {}),
        ...(query.method ? { method: query.method } : {}),
        ...(query.user ? { user: query.user } : {}),
        ...(query.before ? { before: query.before } : {}),
        size: query.limit ?? 50,
      }));
    return c.json({ payments }, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Payments",
    summary: "List the project's payments (checkouts), newest first",
    description:
      "Each checkout with its status, method, amount, user (sub, email) and plan; filter by `status`, " +
      "`method` and `user` (a sub), page with `before` (the last row's `id`). Paid ones also have a receipt (/api/platform/receipts). " +
      "A pending one's reconciliation: `reconcile_errors`, `reconcile_stopped_at` (the billing pass stopped asking " +
      "Xendit), `reconcile_resumed_at` and `reconcile_last_error` ({code, message, at}: why). A charge Astapa " +
      "ended itself (Xendit still called it pending past its horizon): `abandoned` ({provider_id, method, at, " +
      "horizon, reason}), else null.",
    auth: "client",
    query: Query,
    responses: {
      200: { description: "{payments: […]}", schema: BILLING_ANSWERS.payments },
      400: COMMON_ERRORS[400],
      401: COMMON_ERRORS[401],
    },
  },
};
