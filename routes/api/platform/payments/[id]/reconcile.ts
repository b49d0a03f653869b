/** The Platform API's resume of a payment's stopped reconciliation (after three errors of ours asking Xendit). */
import type { Handlers } from "@/lib/router/routes.ts";
import { resumePaymentReconciliation } from "@/db/billing.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { checkoutParam, NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, ErrorResponse, type RouteDoc } from "@/lib/openapi.ts";

/** Payments name the project's customers and what they paid: the project's own client only. */
export const callers = clients("project");

/**
 * POST resumes it (api.resume_payment_reconciliation): 200 with the payment as the payments list shows it,
 * reconcile_errors 0 and reconcile_stopped_at null; the billing pass asks Xendit about its charge at once.
 */
export const handler: Handlers = {
  async POST(c) {
    const id = checkoutParam(c);
    const payment = await asClient(c, (tx, projectId) => resumePaymentReconciliation(tx, projectId, id));
    return c.json(payment, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Payments",
    summary: "Resume a payment's stopped reconciliation with Xendit",
    description:
      "`{id}` is the payment's `checkout_id` (as in GET /api/platform/payments). For a payment whose " +
      "`reconcile_stopped_at` is set (`reconcile_last_error` says why): its errors are forgotten and Xendit is " +
      "asked about its charge again now, then every 15 minutes as for any pending charge (three more errors of " +
      "ours stop it again). Audited, with the cause it had; the cause stays in `reconcile_last_error`.",
    auth: "client",
    responses: {
      200: {
        description:
          "The payment (reconcile_stopped_at null, reconcile_resumed_at now; reconcile_last_error kept)",
        schema: BILLING_ANSWERS.payment,
      },
      ...COMMON_ERRORS,
      409: {
        description: "reconciliation_not_stopped (still reconciled), or already_final (paid or expired)",
        schema: ErrorResponse,
      },
    },
  },
};
