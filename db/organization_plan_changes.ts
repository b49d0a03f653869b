/**
 * Typed calls to an organization's plan change from the next period (db/api/team_plans.sql, migration 4154):
 * schedule it, withdraw it, list them. The rows are a person's plan changes' (db/plan_changes.ts).
 */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { PlanChangeSchema } from "./plan_changes.ts";
import { result } from "./result.ts";

/** An organization's plan change: always scheduled for its next period, with the new plan's seats. */
export const OrganizationPlanChange = PlanChangeSchema.extend({
  sub: z.null(),
  organization_id: z.string(),
  seats: z.number().int(),
});
export type OrganizationPlanChange = z.infer<typeof OrganizationPlanChange>;

/**
 * Schedules the organization's move to another team plan from its next period; `sub` an owner or admin (null:
 * the app); `seats` for a per-seat plan (default: the seats the next period would have had).
 */
export const changeOrganizationPlan = (
  tx: Tx,
  projectId: string,
  organization: string,
  sub: string | null,
  plan: string,
  seats: number | null = null,
) =>
  result(
    tx`select api.change_organization_plan(${projectId}, ${organization}, ${sub}, ${plan}, ${seats}::integer)
      as result`,
    OrganizationPlanChange,
  );

/** Withdraws the organization's scheduled plan change; `sub` an owner or admin (null: the app). */
export const cancelOrganizationPlanChange = (
  tx: Tx,
  projectId: string,
  organization: string,
  sub: string | null,
) =>
  result(
    tx`select api.cancel_organization_plan_change(${projectId}, ${organization}, ${sub}) as result`,
    OrganizationPlanChange,
  );

/** The organization's plan changes, newest first. */
export const listOrganizationPlanChanges = (tx: Tx, projectId: string, organization: string) =>
  result(
    tx`select api.organization_plan_changes(${projectId}, ${organization}) as result`,
    z.array(OrganizationPlanChange),
  );
