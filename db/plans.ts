/** Typed wrappers around the plan and subscription functions in `api` (db/api/plans.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import type { Json, PlanSource } from "./users.ts";
import { result } from "./result.ts";

export const IntervalSchema = z.enum(["month", "year", "one_time"]);

export const PlanSchema = z.object({
  key: z.string(),
  name: z.string(),
  description: z.string(),
  price_idr: z.number().int(),
  interval: IntervalSchema,
  trial_days: z.number().int(),
  claims: z.record(z.string(), z.unknown()),
  default: z.boolean(),
  sort_order: z.number().int(),
  /** A team plan sold to organizations (per_seat or flat, db/api/team_plans.sql); null: a personal plan. */
  seat_pricing: z.enum(["per_seat", "flat"]).nullable(),
  included_seats: z.number().int().nullable(),
  archived: z.boolean(),
  archived_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Plan = z.infer<typeof PlanSchema>;

/** A plan to create; the database checks every field and names the ones at fault. */
export type NewPlan = {
  key: string;
  name: string;
  description?: string;
  price_idr?: number;
  interval?: z.infer<typeof IntervalSchema>;
  trial_days?: number;
  claims?: { [key: string]: Json };
  default?: true;
  sort_order?: number;
  archived?: boolean;
};
export type PlanChanges = Partial<Omit<NewPlan, "key">>;

export const SubscriptionSchema = z.object({
  sub: z.string(),
  plan: z.string(),
  status: z.enum(["trialing", "active", "past_due", "canceled", "expired"]),
  source: z.enum(["payment", "claims_api", "dashboard", "cli", "default", "trial"]),
  current_period_start: z.string(),
  current_period_end: z.string().nullable(),
  paid_through: z.string().nullable(),
  created_at: z.string(),
  ended_at: z.string().nullable(),
  /** Only while the subscription is a free trial: when it ends. */
  trial_ends_at: z.string().nullable(),
});
export type Subscription = z.infer<typeof SubscriptionSchema>;

export const PlanStateSchema = z.object({
  plan: z.string(),
  subscription: SubscriptionSchema.nullable(),
  history: z.array(SubscriptionSchema),
});

export function createPlan(tx: Tx, projectId: string, plan: NewPlan): Promise<Plan> {
  return result(
    tx`select api.create_plan(${projectId}, ${JSON.stringify(plan)}::text::jsonb) as result`,
    PlanSchema,
  );
}

export function updatePlan(tx: Tx, projectId: string, key: string, changes: PlanChanges): Promise<Plan> {
  return result(
    tx`select api.update_plan(${projectId}, ${key}, ${JSON.stringify(changes)}::text::jsonb) as result`,
    PlanSchema,
  );
}

export function getPlan(tx: Tx, projectId: string, key: string): Promise<Plan> {
  return result(tx`select api.get_plan(${projectId}, ${key}) as result`, PlanSchema);
}

export function listPlans(tx: Tx, projectId: string, includeArchived = false): Promise<Plan[]> {
  return result(tx`select api.list_plans(${projectId}, ${includeArchived}) as result`, z.array(PlanSchema));
}

/** Puts a user on a plan (the one way plans change); `period` as [start, end) ISO timestamps. */
export function assignPlan(
  tx: Tx,
  projectId: string,
  userId: string,
  planKey: string,
  source: PlanSource,
  period?: { start: string; end?: string },
): Promise<Subscription> {
  const range = period ? `[${period.start},${period.end ?? ""})` : null;
  return result(
    tx`select api.assign_plan(${projectId}, ${userId}::bigint, ${planKey}, ${source}, ${range}::tstzrange)
      as result`,
    SubscriptionSchema,
  );
}

/** The plan a user's tokens name now, their current subscription and the earlier ones. */
export function currentSubscription(tx: Tx, projectId: string, userId: string) {
  return result(
    tx`select api.current_subscription(${projectId}, ${userId}::bigint) as result`,
    PlanStateSchema,
  );
}
