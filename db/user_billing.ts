/** Typed wrapper around one user's billing as the dashboard's user page shows it (db/api/billing_portal.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { LinkedMethodSchema } from "./linked_methods.ts";
import { PlanChangeSchema } from "./plan_changes.ts";
import { result } from "./result.ts";

export const UserBillingSchema = z.object({
  trials: z.array(z.object({
    plan: z.string(),
    started_at: z.string(),
    ends_at: z.string(),
    state: z.enum(["trialing", "paid", "ended"]),
  })),
  plan_changes: z.array(PlanChangeSchema),
  linked_methods: z.array(LinkedMethodSchema),
  renewal_charges: z.array(z.object({
    charge_id: z.string(),
    checkout_id: z.string(),
    plan: z.string(),
    period_start: z.string().nullable(),
    amount: z.number().int(),
    status: z.enum(["charging", "pending", "paid", "failed"]),
    failure_code: z.string().nullable(),
    method_id: z.string(),
    method_label: z.string(),
    attempted_at: z.string().nullable(),
    mailed_at: z.string().nullable(),
    created_at: z.string(),
  })),
  payments: z.array(z.object({
    receipt_id: z.string(),
    number: z.string(),
    issued_at: z.string(),
    plan: z.string(),
    method: z.string(),
    bank: z.string().nullable(),
    amount: z.number().int(),
    coupon_code: z.string().nullable(),
    discount_idr: z.number().int().nullable(),
    refunded_idr: z.number().int(),
    refunds: z.array(z.object({
      refund_id: z.string(),
      amount: z.number().int(),
      status: z.enum(["requested", "pending", "succeeded", "failed"]),
      reason: z.string(),
      plan_effect: z.string(),
      failure_code: z.string().nullable(),
      created_at: z.string(),
      succeeded_at: z.string().nullable(),
    })),
  })),
});
export type UserBilling = z.infer<typeof UserBillingSchema>;

/** A user's trials, plan changes, linked methods, renewal charges and payments (newest 50 of each). */
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
