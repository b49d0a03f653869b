/** Typed wrappers around the renewal, reconciliation and mail functions in `api` (db/api/billing.sql, db/api/mail.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { CheckoutSchema, XenditAccountSchema } from "./payments.ts";
import { type PaymentRow, PaymentRowSchema } from "./dashboard_payments.ts";
import { SubscriptionSchema } from "./plans.ts";
import { type ReconcileErrorRecord, ReconcileLastErrorSchema } from "./reconcile_errors.ts";
import { result } from "./result.ts";

export const RenewalStepSchema = z.object({
  action: z.enum(["renew", "past_due", "expire", "end", "trial_reminder", "trial_end", "none"]),
  sub: z.string(),
  plan: z.string().optional(),
  subscription: SubscriptionSchema.nullable().optional(),
  checkout: CheckoutSchema.nullable().optional(),
  /** A linked e-wallet is charged for this renewal (db/renewal_charges.ts): its pay-link mail waits. */
  linked_charge: z.object({
    charge_id: z.string(),
    method_id: z.string(),
    channel: z.string(),
    label: z.string(),
    /** renewal, or trial (a trial's first paid period); organizations' charges are in their own step. */
    purpose: z.enum(["renewal", "trial", "organization"]).optional(),
  }).nullable().optional(),
  email: z.string().nullable().optional(),
}).nullable();
export type RenewalStep = NonNullable<z.infer<typeof RenewalStepSchema>>;

/**
 * One step of the renewal pass at `now` (null when nothing is left). `xenditAccount` is the account a renewal
 * checkout pays through; null when the project cannot take payments (no renewal is opened then).
 */
export function renewalStep(
  tx: Tx,
  projectId: string,
  now: Date,
  xenditAccount: z.infer<typeof XenditAccountSchema> | null,
): Promise<z.infer<typeof RenewalStepSchema>> {
  return result(
    tx`select api.renewal_step(${projectId}, ${now.toISOString()}::timestamptz, ${xenditAccount}) as result`,
    RenewalStepSchema,
  );
}

/** Cancels the user's paid subscription at the end of what is paid. */
export function cancelSubscription(tx: Tx, projectId: string, userId: string) {
  return result(
    tx`select api.cancel_subscription(${projectId}, ${userId}::bigint) as result`,
    SubscriptionSchema,
  );
}

/** Undoes a cancel while the paid period runs. */
export function resumeSubscription(tx: Tx, projectId: string, userId: string, now = new Date()) {
  return result(
    tx`select api.resume_subscription(${projectId}, ${userId}::bigint, ${now.toISOString()}::timestamptz)
      as result`,
    SubscriptionSchema,
  );
}

/** Projects with paid subscriptions or unpaid checkouts (runs with no project set). */
export async function projectsWithBillingWork(tx: Tx): Promise<string[]> {
  const [row] = await tx`select api.projects_with_billing_work() as result`;
  return z.array(z.string()).parse(row.result);
}

export const StalePaymentSchema = z.object({
  checkout_id: z.string(),
  kind: z.enum(["payment_request", "invoice"]),
  provider_id: z.string(),
  method: z.string(),
  amount: z.number().int(),
  xendit_account: XenditAccountSchema,
  environment: z.enum(["sandbox", "production"]),
  /** Errors of ours while the billing pass reconciled it; the third stops that (reconcile_stopped_at). */
  reconcile_errors: z.number().int(),
  /** Past its horizon (astapa.charge_horizon): a pending answer now ends it (abandonCharge). */
  past_horizon: z.boolean(),
});
export type StalePayment = z.infer<typeof StalePaymentSchema>;

/** Claims pending charges older than `olderThanSeconds` for a check with Xendit. */
export function claimStalePayments(
  tx: Tx,
  projectId: string,
  now: Date,
  olderThanSeconds: number,
  maxRows = 50,
): Promise<StalePayment[]> {
  return result(
    tx`select api.claim_stale_payments(${projectId}, ${now.toISOString()}::timestamptz, ${olderThanSeconds},
      ${maxRows}) as result`,
    z.array(StalePaymentSchema),
  );
}

export const AbandonedChargeSchema = z.object({
  event_id: z.coerce.number().nullable(),
  duplicate: z.boolean(),
  checkout_id: z.string(),
  provider_id: z.string(),
  horizon: z.string(),
  reason: z.string(),
});
export type AbandonedCharge = z.infer<typeof AbandonedChargeSchema>;

/**
 * Ends a pending charge Xendit still calls pending past its horizon: an EXPIRED payment event (abandoned, with
 * the reason) for the worker to apply; null when it was settled meanwhile.
 */
export function abandonCharge(
  tx: Tx,
  projectId: string,
  providerId: string,
  now: Date,
): Promise<AbandonedCharge | null> {
  return result(
    tx`select api.abandon_charge(${projectId}, ${providerId}, ${now.toISOString()}::timestamptz) as result`,
    AbandonedChargeSchema.nullable(),
  );
}

export const PaymentReconcileErrorSchema = z.object({
  checkout_id: z.string(),
  provider_id: z.string(),
  reconcile_errors: z.number().int(),
  /** When the billing pass stopped asking Xendit about the charge (its callback still settles it), or null. */
  reconcile_stopped_at: z.string().nullable(),
  /** The error just recorded (kept until the next one). */
  reconcile_last_error: ReconcileLastErrorSchema,
});
export type PaymentReconcileError = z.infer<typeof PaymentReconcileErrorSchema>;

/**
 * Records the error met reconciling a pending charge as its last; one of ours or Xendit's refusal also counts
 * (the wait before its next claim doubles; the third stops its reconciliation): the charge's state as now, or
 * null when it was settled meanwhile or had stopped already.
 */
export function recordPaymentReconcileError(
  tx: Tx,
  projectId: string,
  providerId: string,
  now: Date,
  error: ReconcileErrorRecord,
): Promise<PaymentReconcileError | null> {
  return result(
    tx`select api.record_payment_reconcile_error(${projectId}, ${providerId}, ${now.toISOString()}::timestamptz,
      ${error.code}, ${error.message}) as result`,
    PaymentReconcileErrorSchema.nullable(),
  );
}

/**
 * Resumes a payment's stopped reconciliation (its checkout's public id): its stopped charges start over and the
 * billing pass is woken for them. Answers the payment as the payments list shows it.
 */
export function resumePaymentReconciliation(
  tx: Tx,
  projectId: string,
  checkoutId: string,
): Promise<PaymentRow> {
  return result(
    tx`select api.resume_payment_reconciliation(${projectId}, ${checkoutId}) as result`,
    PaymentRowSchema,
  );
}

/** Marks checkouts past their expires_at expired (their charges stay pending, still reconciled); returns how many. */
export async function expireCheckouts(tx: Tx, projectId: string, now: Date): Promise<number> {
  const [row] =
    await tx`select api.expire_checkouts(${projectId}, ${now.toISOString()}::timestamptz) as result`;
  return z.number().int().parse(row.result);
}

export type Mail = { to: string; template: string; subject: string; text: string; html?: string };

export const QueuedMailSchema = z.object({
  id: z.coerce.number(),
  to: z.string(),
  template: z.string(),
  subject: z.string(),
  text: z.string(),
  html: z.string().nullable(),
  created_at: z.string(),
  sent_at: z.string().nullable(),
});

/** Puts a mail in the outbox inside the caller's transaction. */
export async function queueMail(tx: Tx, projectId: string, mail: Mail): Promise<number> {
  const [row] = await tx`select api.queue_mail(${projectId}, ${JSON.stringify(mail)}::text::jsonb) as result`;
  return z.coerce.number().parse(row.result);
}

/** A dashboard test of a mail text, to the developer's own address; AS429 past ten an hour per address. */
export async function sendTestMail(tx: Tx, projectId: string, mail: Omit<Mail, "template">): Promise<number> {
  const [row] = await tx`select api.send_test_mail(${projectId}, ${
    JSON.stringify(mail)
  }::text::jsonb) as result`;
  return z.coerce.number().parse(row.result);
}

export function listMail(tx: Tx, projectId: string, max = 50) {
  return result(tx`select api.list_mail(${projectId}, ${max}) as result`, z.array(QueuedMailSchema));
}
