/** The Platform API's resume of a refund's stopped reconciliation (after three errors of ours asking Xendit). */
import type { Handlers } from "@/lib/router/routes.ts";
import { resumeRefundReconciliation } from "@/db/refunds.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE, refundParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, ErrorResponse, type RouteDoc } from "@/lib/openapi.ts";

/** Refunds move money out of the project's Xendit account: the project's own client only. */
export const callers = clients("project");

/**
 * POST resumes it (api.resume_refund_reconciliation): 200 with the refund, reconcile_errors 0 and
 * reconcile_stopped_at null; the billing pass asks Xendit about it at once.
 */
export const handler: Handlers = {
  async POST(c) {
    const id = refundParam(c);
    const refund = await asClient(c, (tx, projectId) => resumeRefundReconciliation(tx, projectId, id));
    return c.json(refund, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Payments",
    summary: "Resume a refund's stopped reconciliation with Xendit",
    description:
      "For a requested or pending refund whose `reconcile_stopped_at` is set (`reconcile_last_error` says why): " +
      "its errors are forgotten and Xendit is asked about it again now (a refund Xendit never answered is asked " +
      "for again under the same idempotency key), then every 15 minutes (three more errors of ours stop it " +
      "again). Audited, with the cause it had; the cause stays in `reconcile_last_error`.",
    auth: "client",
    responses: {
      200: {
        description:
          "The refund (reconcile_stopped_at null, reconcile_resumed_at now; reconcile_last_error kept)",
        schema: BILLING_ANSWERS.refund,
      },
      ...COMMON_ERRORS,
      409: {
        description: "reconciliation_not_stopped (still reconciled), or already_final (succeeded or failed)",
        schema: ErrorResponse,
      },
    },
  },
};
