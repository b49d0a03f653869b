/**
 * The SDK's helpers for an organization's team plan: its automatic renewal (`astapa.billing.organizationRenewal`,
 * `.stopOrganizationAutoRenewal`): the linked method an owner or admin chose and the charges made, and stopping
 * it (choosing a method is the chooser's own act on `/billing/organizations`: the chooser pays); and its plan
 * changed from the next period (`.changeOrganizationPlan`, `.cancelOrganizationPlanChange`,
 * `.organizationPlanChanges`), as a person's `.changePlan`, `.cancelPlanChange` and `.planChanges`.
 */
import type { RenewalCharge } from "./billing_accounts.ts";
import type { PlanChange } from "./billing_plans.ts";

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;

/** An organization's automatic renewal (docs/billing.md "Team plans: whose method"). */
export type OrganizationRenewal = {
  organization_id: string;
  plan: string | null;
  plan_paid_through: string | null;
  /** The chosen method; `sub` is its owner, the payer. Null: renewals are paid by link. */
  billing_method: {
    method_id: string;
    sub: string;
    channel: string;
    label: string;
    status: string;
    /** Renewals are charged to it: active, and its chooser still an owner or admin. */
    charged: boolean;
    [key: string]: unknown;
  } | null;
  renewal_charges: RenewalCharge[];
};

/**
 * An organization's team plan change (docs/organizations.md): always scheduled for the end of its paid period
 * (`effective_at`), with the seats the new plan will have. The organization's own answer has the open one as
 * `open_change`.
 */
export type OrganizationPlanChange = PlanChange & { organization_id: string; seats: number };

/** Who asks for an organization's plan change: `user`, an owner or admin (checked); omitted, the app. */
export type OrganizationPlanChangeOptions = {
  /** A per-seat plan's seats (default: the seats the next period would have had); a flat plan has its own. */
  seats?: number;
  user?: string;
};

/** The helpers, given the client's authenticated JSON call. */
export function billingOrganizations(json: Json) {
  const org = (id: string) => `/api/platform/organizations/${encodeURIComponent(id)}`;
  return {
    /** The method chosen to pay an organization's renewals and the charges made (newest `limit`, 50). */
    organizationRenewal: (organization: string, limit?: number) =>
      json<OrganizationRenewal>(
        `${org(organization)}/billing${limit === undefined ? "" : `?limit=${limit}`}`,
      ),
    /** Stops charging the chosen method (renewals go back to pay links); `cleared` names it, null if none. */
    stopOrganizationAutoRenewal: (organization: string) =>
      json<{ organization: string; cleared: string | null }>(`${org(organization)}/billing-method`, "DELETE"),
    /**
     * Schedules an organization's move to another team plan from its next period (the renewal charges the new
     * plan); asking again for the same plan and seats answers the open change, another replaces it.
     */
    changeOrganizationPlan: (
      organization: string,
      plan: string,
      options: OrganizationPlanChangeOptions = {},
    ) => json<OrganizationPlanChange>(`${org(organization)}/plan-change`, "POST", { plan, ...options }),
    /** Withdraws the organization's scheduled plan change (`user`: the owner or admin asking, else the app). */
    cancelOrganizationPlanChange: (organization: string, user?: string) =>
      json<OrganizationPlanChange>(
        `${org(organization)}/plan-change${user === undefined ? "" : `?user=${encodeURIComponent(user)}`}`,
        "DELETE",
      ),
    /** The organization's plan changes, newest first. */
    organizationPlanChanges: (organization: string) =>
      json<{ changes: OrganizationPlanChange[] }>(`${org(organization)}/plan-change`),
  };
}
