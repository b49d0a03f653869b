/** The Platform API's view of an organization's automatic renewal: the chosen method and the charges made. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import {
  organizationRenewalBilling,
  OrganizationRenewalBillingSchema,
} from "@/db/organization_renewal_billing.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { organizationParam } from "@/lib/organizations/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const Query = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).optional().describe("Renewal charges to list (1-200, 50)."),
});

/** What the organization's renewals are charged to: the project's own client only. */
export const callers = clients("project");

/** GET answers api.organization_renewal_billing. */
export const handler: Handlers = {
  async GET(c) {
    const id = organizationParam(c);
    const { limit } = validate(Query, c.req.query());
    return c.json(
      await asClient(c, (tx, projectId) => organizationRenewalBilling(tx, projectId, id, limit ?? 50)),
      200,
      NO_STORE,
    );
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Organizations",
    summary: "An organization's automatic renewal: the chosen linked method and its renewal charges",
    description:
      "`billing_method`: the linked method an owner or admin chose to pay the team plan's renewals " +
      "(masked label; `sub` is the chooser, the payer; `charged` while it is active and they are still an " +
      "owner or admin), or null (pay links). `renewal_charges`: each charge made for the team plan with its " +
      "outcome, newest first. Choosing a method is the chooser's own act on `/billing/organizations`; " +
      "`DELETE …/billing-method` stops it.",
    auth: "client",
    query: Query,
    responses: {
      200: { description: "The organization's renewal billing", schema: OrganizationRenewalBillingSchema },
      ...COMMON_ERRORS,
    },
  },
};
