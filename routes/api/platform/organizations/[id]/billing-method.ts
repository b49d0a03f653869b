/**
 * The Platform API's stop of an organization's automatic renewal: the method an owner or admin chose is no longer
 * charged (DELETE). There is no PUT: the chooser pays, so only they choose (on /billing/organizations).
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { ClearedMethodSchema, clearOrganizationBillingMethod } from "@/db/organization_renewal_billing.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { organizationParam } from "@/lib/organizations/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

/** How the organization's renewals are paid is the project's own business: its own client only. */
export const callers = clients("project");

/** DELETE answers api.clear_organization_billing_method (audited; again is a no-op). */
export const handler: Handlers = {
  async DELETE(c) {
    const id = organizationParam(c);
    return c.json(
      await asClient(c, (tx, projectId) => clearOrganizationBillingMethod(tx, projectId, id)),
      200,
      NO_STORE,
    );
  },
};

export const openapi: RouteDoc = {
  delete: {
    tag: "Organizations",
    summary: "Stop charging an organization's renewals to the chosen linked method (pay links again)",
    description: "Clears the method an owner or admin chose (audited `organization.billing_method_set`); " +
      "`cleared` names it, null when none was chosen. Choosing one is only the chooser's own act, on " +
      "`/billing/organizations`: the chooser pays.",
    auth: "client",
    responses: {
      200: { description: "Cleared", schema: ClearedMethodSchema },
      401: COMMON_ERRORS[401],
      404: COMMON_ERRORS[404],
    },
  },
};
