/** Typed wrappers around the plan-change functions in `api` (db/api/plan_changes.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { CheckoutSchema, type XenditAccount } from "./payments.ts";
import { result } from "./result.ts";

export const PlanChangeSchema = z.object({
  id: z.coerce.number(),
  sub: z.string(),
  from_plan: z.string(),
  to_plan: z.string(),
  kind: z.enum(["upgrade", "scheduled"]),
  status: z.enum(["awaiting_payment", "scheduled", "applied", "canceled"]),
  /** Upgrades: the full price asked (list_amount), the unused credit taken off, what is charged. */
  list_amount: z.number().int(),
  credit_idr: z.number().int(),
  amount_idr: z.number().int(),
  period_end: z.string().nullable(),
  effective_at: z.string().nullable(),
  created_at: z.string(),
  resolved_at: z.string().nullable(),
  checkout_id: z.string().nullable(),
});
export type PlanChange = z.infer<typeof PlanChangeSchema>;

export const PlanChangeResultSchema = z.object({
  change: PlanChangeSchema,
  checkout: CheckoutSchema.nullable(),
});
export type PlanChangeResult = z.infer<typeof PlanChangeResultSchema>;

/**
 * Changes a paying user's plan at `now`: an upgrade comes back with the checkout to pay; a downgrade or a
 * cheaper interval is scheduled for the period end (no checkout). `xenditAccount` pays an upgrade's charge.
 */
export function changePlan(
  tx: Tx,
  projectId: string,
  userId: string,
  planKey: string,
  xenditAccount: XenditAccount | null,
  options: { successUrl?: string; now?: Date } = {},
): Promise<PlanChangeResult> {
  return result(
    tx`select api.change_plan(${projectId}, ${userId}::bigint, ${planKey}, ${xenditAccount},
      ${options.successUrl ?? null}, ${(options.now ?? new Date()).toISOString()}::timestamptz) as result`,
    PlanChangeResultSchema,
  );
}

/** Withdraws the user's open plan change. */
export function cancelPlanChange(tx: Tx, projectId: string, userId: string): Promise<PlanChange> {
  return result(
    tx`select api.cancel_plan_change(${projectId}, ${userId}::bigint) as result`,
    PlanChangeSchema,
  );
}

/** The user's plan changes, newest first. */
export function listPlanChanges(tx: Tx, projectId: string, userId: string): Promise<PlanChange[]> {
  return result(
    tx`select api.plan_changes(${projectId}, ${userId}::bigint) as result`,
    z.array(PlanChangeSchema),
  );
}
