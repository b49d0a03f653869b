/**
 * Typed calls for an organization's automatic renewal as the project's backend reads and stops it
 * (db/api/team_plans.sql): the method an owner or admin chose, the charges made for the team plan, and clearing
 * the choice. Choosing stays the chooser's own act (the org billing page), since the chooser pays.
 */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { LinkedMethodSchema } from "./linked_methods.ts";
import { RenewalChargeSchema } from "./renewal_charges.ts";
import { result } from "./result.ts";

export const OrganizationRenewalBillingSchema = z.object({
  organization_id: z.string(),
  plan: z.string().nullable(),
  plan_paid_through: z.string().nullable(),
  /** `sub` is the owner or admin who chose it: the payer, in whose name the renewal checkout is opened. */
  billing_method: LinkedMethodSchema.extend({
    charged: z.boolean().describe(
      "Renewals are charged to it: active, and its chooser still owner or admin.",
    ),
  }).nullable(),
  renewal_charges: z.array(RenewalChargeSchema),
});
export type OrganizationRenewalBilling = z.infer<typeof OrganizationRenewalBillingSchema>;

export const ClearedMethodSchema = z.object({
  organization: z.string(),
  method_id: z.null(),
  label: z.null(),
  payer: z.null(),
  cleared: z.string().nullable().describe("The method no longer charged (null: none was chosen)."),
});

/** An organization's chosen renewal method and its renewal charges (newest `max` first). */
export const organizationRenewalBilling = (tx: Tx, projectId: string, organizationId: string, max = 50) =>
  result(
    tx`select api.organization_renewal_billing(${projectId}, ${organizationId}, ${max}) as result`,
    OrganizationRenewalBillingSchema,
  );

/** Stops charging the organization's renewals to the chosen method (audited); again is a no-op. */
export const clearOrganizationBillingMethod = (tx: Tx, projectId: string, organizationId: string) =>
  result(
    tx`select api.clear_organization_billing_method(${projectId}, ${organizationId}) as result`,
    ClearedMethodSchema,
  );
