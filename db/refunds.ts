/** Typed wrappers around the refund functions in `api` (db/api/refunds.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { XenditAccountSchema } from "./payments.ts";
import { type ReconcileErrorRecord, ReconcileLastErrorSchema } from "./reconcile_errors.ts";
import { result } from "./result.ts";

export const PLAN_EFFECTS = ["end_now", "keep_to_period_end", "none"] as const;
export const REFUND_REASONS = [
  "REQUESTED_BY_CUSTOMER",
  "CANCELLATION",
  "DUPLICATE",
  "FRAUDULENT",
  "OTHERS",
] as const;

const Idr = z.coerce.number().int();

export const RefundSchema = z.object({
  refund_id: z.string(),
  amount: Idr,
  currency: z.literal("IDR"),
  reason: z.enum(REFUND_REASONS),
  plan_effect: z.enum(PLAN_EFFECTS),
  status: z.enum(["requested", "pending", "succeeded", "failed"]),
  provider_id: z.string().nullable(),
  failure_code: z.string().nullable(),
  requested_by: z.string(),
  created_at: z.string(),
  succeeded_at: z.string().nullable(),
  /** Errors of ours while the billing pass reconciled it; the third stops that (reconcile_stopped_at). */
  reconcile_errors: z.number().int(),
  /** When the billing pass stopped asking Xendit about it (its callback still settles it), or null. */
  reconcile_stopped_at: z.string().nullable(),
  /** When that stop was last resumed, or null. */
  reconcile_resumed_at: z.string().nullable().describe(
    "When a stopped reconciliation was last resumed (POST …/reconcile, the dashboard, the CLI), or null.",
  ),
  /** The last error met asking Xendit about it (kept until the next one, a resume too), or null. */
  reconcile_last_error: ReconcileLastErrorSchema.nullable(),
  payment: z.object({
    kind: z.enum(["payment_request", "invoice"]),
    provider_id: z.string(),
    method: z.string(),
    amount: Idr,
    refunded: Idr,
  }),
  receipt_id: z.string().nullable(),
  receipt_number: z.string().nullable(),
  checkout: z.object({
    checkout_id: z.string(),
    sub: z.string(),
    plan: z.string(),
    xendit_account: XenditAccountSchema,
    environment: z.enum(["sandbox", "production"]),
  }),
});
export type Refund = z.infer<typeof RefundSchema>;

export type RefundRequest = {
  /** The receipt (id or number) of the payment to refund. */
  receipt: string;
  amount?: number;
  reason?: typeof REFUND_REASONS[number];
  plan_effect: typeof PLAN_EFFECTS[number];
  requested_by?: string;
};

/** Reserves a refund of a receipted payment (never more than is left); the caller then asks Xendit. */
export function requestRefund(tx: Tx, projectId: string, request: RefundRequest): Promise<Refund> {
  return result(
    tx`select api.request_refund(${projectId}, ${JSON.stringify(request)}::text::jsonb) as result`,
    RefundSchema,
  );
}

/** Records Xendit's answer: accepted ({provider_id}) or refused ({failure}). */
export function recordRefundAnswer(
  tx: Tx,
  projectId: string,
  refundId: string,
  answer: { provider_id: string } | { failure: string },
): Promise<Refund> {
  return result(
    tx`select api.record_refund_answer(${projectId}, ${refundId}, ${
      JSON.stringify(answer)
    }::text::jsonb) as result`,
    RefundSchema,
  );
}

/** One refund of the project, by its public id. */
export function getRefund(tx: Tx, projectId: string, refundId: string): Promise<Refund> {
  return result(tx`select api.get_refund(${projectId}, ${refundId}) as result`, RefundSchema);
}

/** The project's refunds, newest first, or one receipt's. */
export function listRefunds(
  tx: Tx,
  projectId: string,
  receipt: string | null = null,
  max = 50,
): Promise<Refund[]> {
  return result(
    tx`select api.list_refunds(${projectId}, ${receipt}, ${max}) as result`,
    z.array(RefundSchema),
  );
}

/** Resumes a refund's stopped reconciliation (it starts over; the billing pass is woken for it). */
export function resumeRefundReconciliation(tx: Tx, projectId: string, refundId: string): Promise<Refund> {
  return result(
    tx`select api.resume_refund_reconciliation(${projectId}, ${refundId}) as result`,
    RefundSchema,
  );
}

/** The checkout of the payment a refund callback names (runs with no project set), or null. */
export function refundAccount(tx: Tx, refundId: string): Promise<{ checkout_id: string | null } | null> {
  return result(
    tx`select api.refund_account(${refundId}) as result`,
    z.object({ checkout_id: z.string().nullable() }).nullable(),
  );
}

/** Claims requested or pending refunds older than `olderThanSeconds` for a check with Xendit. */
export function claimStaleRefunds(
  tx: Tx,
  projectId: string,
  now: Date,
  olderThanSeconds: number,
  maxRows = 50,
): Promise<Refund[]> {
  return result(
    tx`select api.claim_stale_refunds(${projectId}, ${now.toISOString()}::timestamptz, ${olderThanSeconds},
      ${maxRows}) as result`,
    z.array(RefundSchema),
  );
}

/**
 * Records the error met reconciling a refund as its last; one of ours or Xendit's refusal also counts (the wait
 * before its next claim doubles; the third stops its reconciliation): the refund as now, or null when it was
 * settled meanwhile or had stopped already.
 */
export function recordRefundReconcileError(
  tx: Tx,
  projectId: string,
  refundId: string,
  now: Date,
  error: ReconcileErrorRecord,
): Promise<Refund | null> {
  return result(
    tx`select api.record_refund_reconcile_error(${projectId}, ${refundId}, ${now.toISOString()}::timestamptz,
      ${error.code}, ${error.message}) as result`,
    RefundSchema.nullable(),
  );
}
