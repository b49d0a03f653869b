/**
 * The SDK's helpers for an organization's automatic renewal (`astapa.billing.organizationRenewal`,
 * `.stopOrganizationAutoRenewal`): the linked method an owner or admin chose and the charges made, and stopping
 * it. Choosing a method is the chooser's own act on `/billing/organizations` (the chooser pays).
 */
import type { RenewalCharge } from "./billing_accounts.ts";

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
  };
}
