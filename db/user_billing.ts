/** Typed wrapper around one user's billing as the dashboard's user page shows it (db/api/billing_portal.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { LinkedMethodSchema } from "./linked_methods.ts";
import { PlanChangeSchema } from "./plan_changes.ts";
import { PaymentRefundSchema, ReceiptedPaymentSchema } from "./receipts.ts";
import { RenewalChargeSchema } from "./renewal_charges.ts";
import { result } from "./result.ts";

export const UserBillingSchema = z.object({
  trials: z.array(z.object({
    plan: z.string(),
    started_at: z.string(),
    ends_at: z.string(),
    /** other_account: this account never had it, another of its address or number did (one per address). */
    state: z.enum(["trialing", "paid", "ended", "other_account"]),
  })),
  plan_changes: z.array(PlanChangeSchema),
  linked_methods: z.array(LinkedMethodSchema),
  renewal_charges: z.array(RenewalChargeSchema),
  /** Every status: a receipt (and refunds) only once paid. */
  payments: z.array(ReceiptedPaymentSchema.extend({
    provider_id: z.string(),
    checkout_id: z.string(),
    status: z.enum(["pending", "paid", "failed", "expired"]),
    created_at: z.string(),
    paid_at: z.string().nullable(),
    receipt_id: z.string().nullable(),
    number: z.string().nullable(),
    issued_at: z.string().nullable(),
    refunds: z.array(PaymentRefundSchema.extend({
      reason: z.string(),
      plan_effect: z.string(),
      failure_code: z.string().nullable(),
    })),
  })),
});
export type UserBilling = z.infer<typeof UserBillingSchema>;

/** A user's trials, plan changes, linked methods, renewal charges and payments of every status (newest 50 of each). */
export function userBilling(
  tx: Tx,
  projectId: string,
  userId: string,
  now = new Date(),
): Promise<UserBilling> {
  return result(
    tx`select api.user_billing(${projectId}, ${userId}::bigint, ${now.toISOString()}::timestamptz) as result`,
    UserBillingSchema,
  );
}
