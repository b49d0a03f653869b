/** Typed wrapper around the customer portal's read (db/api/billing_portal.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { LINK_CHANNELS, LinkedMethodSchema } from "./linked_methods.ts";
import { PlanChangeSchema } from "./plan_changes.ts";
import { PlanSchema, SubscriptionSchema } from "./plans.ts";
import { ReceiptedPaymentSchema } from "./receipts.ts";
import { RenewalChargeSchema } from "./renewal_charges.ts";
import { result } from "./result.ts";

const Interval = z.enum(["month", "year", "one_time"]);

export const BillingAccountSchema = z.object({
  sub: z.string(),
  email: z.string().nullable(),
  plan: PlanSchema,
  subscription: SubscriptionSchema.nullable(),
  next_renewal: z.object({
    at: z.string(),
    plan: z.string(),
    plan_name: z.string(),
    amount: z.number().int(),
    interval: Interval,
  }).nullable(),
  open_change: PlanChangeSchema.nullable(),
  open_checkouts: z.array(z.object({
    checkout_id: z.string(),
    plan: z.string(),
    amount: z.number().int(),
    status: z.enum(["open", "pending"]),
    period_start: z.string().nullable(),
    expires_at: z.string(),
  })),
  payments: z.array(ReceiptedPaymentSchema.extend({
    plan_name: z.string(),
    period_start: z.string().nullable(),
    period_end: z.string().nullable(),
  })),
  renewal_charges: z.array(RenewalChargeSchema),
  linked_methods: z.array(LinkedMethodSchema),
  linkable_channels: z.array(z.enum(LINK_CHANNELS)),
  trials: z.array(z.string()),
  plans: z.array(z.object({
    key: z.string(),
    name: z.string(),
    description: z.string(),
    price_idr: z.number().int(),
    interval: Interval,
    trial_days: z.number().int(),
  })),
});
export type BillingAccount = z.infer<typeof BillingAccountSchema>;

/** Everything the portal shows one user of their own billing (only their rows), as of `now`. */
export function billingAccount(
  tx: Tx,
  projectId: string,
  userId: string,
  now = new Date(),
): Promise<BillingAccount> {
  return result(
    tx`select api.billing_account(${projectId}, ${userId}::bigint, ${now.toISOString()}::timestamptz) as result`,
    BillingAccountSchema,
  );
}
