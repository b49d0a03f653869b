/**
 * Typed calls to the renewal functions of team plans (db/api/team_plans.sql, migration 3970): the organizations'
 * renewal pass, and cancelling or resuming an organization's plan at the end of its period.
 */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { Organization } from "./organizations.ts";
import type { XenditAccount } from "./payments.ts";
import { result } from "./result.ts";
import { OrganizationCheckout } from "./team_plans.ts";

export const OrganizationRenewalStep = z.object({
  action: z.enum(["remind", "end", "expire", "none"]),
  organization: z.string(),
  name: z.string().optional(),
  plan: z.string().optional(),
  plan_name: z.string().optional(),
  /** remind: the next period's checkout, and where its pay link goes (owners and admins). */
  checkout: OrganizationCheckout.optional(),
  period_start: z.string().optional(),
  emails: z.array(z.string()).optional(),
  /** The organization's chosen linked method is charged for this renewal (db/renewal_charges.ts): no mail yet. */
  linked_charge: z.object({ charge_id: z.string(), method_id: z.string(), label: z.string() }).nullable()
    .optional(),
}).nullable();
export type OrganizationRenewalStep = NonNullable<z.infer<typeof OrganizationRenewalStep>>;

/** One step of the organizations' renewal pass at `now` (null when nothing is left). */
export const organizationRenewalStep = (
  tx: Tx,
  projectId: string,
  now: Date,
  account: XenditAccount | null,
) =>
  result(
    tx`select api.organization_renewal_step(${projectId}, ${now.toISOString()}::timestamptz, ${account}) as result`,
    OrganizationRenewalStep,
  );

/** Projects with organizations on a paid team plan (runs with no project set). */
export async function projectsWithOrganizationRenewals(tx: Tx): Promise<string[]> {
  const [row] = await tx`select api.projects_with_organization_renewals() as result`;
  return z.array(z.string()).parse(row.result);
}

/** Cancels an organization's team plan at its period's end; `sub` an owner or admin, null for the app. */
export const cancelOrganizationPlan = (tx: Tx, projectId: string, organization: string, sub: string | null) =>
  result(
    tx`select api.cancel_organization_plan(${projectId}, ${organization}, ${sub}) as result`,
    Organization,
  );

/** Undoes a cancel while the period runs; `sub` an owner or admin, null for the app. */
export const resumeOrganizationPlan = (tx: Tx, projectId: string, organization: string, sub: string | null) =>
  result(
    tx`select api.resume_organization_plan(${projectId}, ${organization}, ${sub}) as result`,
    Organization,
  );

/** An owner or admin chooses one of their own active linked methods to pay the team plan's renewals (null: none). */
export const setOrganizationBillingMethod = (
  tx: Tx,
  projectId: string,
  userId: string,
  organizationId: string,
  methodId: string | null,
) =>
  result(
    tx`select api.set_organization_billing_method(${projectId}, ${userId}::bigint, ${organizationId}, ${methodId})
      as result`,
    z.object({
      organization: z.string(),
      method_id: z.string().nullable(),
      label: z.string().nullable(),
      payer: z.string().nullable(),
    }),
  );
