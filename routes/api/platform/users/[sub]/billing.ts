/** The Platform API's view of one user's billing: what the customer portal shows them, in one read. */
import type { Handlers } from "@/lib/router/routes.ts";
import { billingAccount } from "@/db/billing_portal.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

/** A user's payments, refunds and linked accounts: the project's own client only. */
export const callers = clients("project");

/**
 * GET answers api.billing_account: plan, subscription, next renewal, open plan change, unpaid pay links,
 * payment history (receipts with their refunds), linked e-wallets, trials had and the plans on offer.
 */
export const handler: Handlers = {
  async GET(c) {
    const sub = subParam(c);
    const account = await asClient(c, (tx, projectId) => billingAccount(tx, projectId, sub));
    return c.json(account, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Plans",
    summary: "A user's billing: subscription state, next renewal, payment history, linked methods",
    description:
      "What the customer portal (/billing/account) shows the user: `subscription`, `next_renewal` (date, " +
      "plan, amount), `open_change`, `open_checkouts` (unpaid pay links), `payments` (their newest 100 " +
      "receipts with `refunded_idr` and `refunds`), `linked_methods`, `trials` and the `plans` on offer. " +
      "404 for a disabled or unknown user.",
    auth: "client",
    responses: {
      200: { description: "The user's billing", schema: BILLING_ANSWERS.account },
      401: COMMON_ERRORS[401],
      404: COMMON_ERRORS[404],
    },
  },
};
