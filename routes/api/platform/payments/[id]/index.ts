/** The Platform API's read of one payment (a checkout by its public id), as the payments list shows it. */
import type { Handlers } from "@/lib/router/routes.ts";
import { getPayment } from "@/db/dashboard_payments.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { checkoutParam, NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

/** Payments name the project's customers and what they paid: the project's own client only. */
export const callers = clients("project");

/** GET answers api.get_payment: the list's row for this checkout, in either mode. */
export const handler: Handlers = {
  async GET(c) {
    const id = checkoutParam(c);
    const payment = await asClient(c, (tx, projectId) => getPayment(tx, projectId, id));
    return c.json(payment, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Payments",
    summary: "One payment (checkout)",
    description:
      "`{id}` is the payment's `checkout_id` (as in GET /api/platform/payments), sandbox or production. The same " +
      "object as the list's items: status, method, amount, user, plan and, for a pending one, its reconciliation " +
      "(`reconcile_errors`, `reconcile_stopped_at`, `reconcile_resumed_at`, `reconcile_last_error`), and a " +
      "charge ended here, not by Xendit (`abandoned`: when, its horizon, why).",
    auth: "client",
    responses: { 200: { description: "The payment", schema: BILLING_ANSWERS.payment }, ...COMMON_ERRORS },
  },
};
