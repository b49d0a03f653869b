/** The Platform API's view of a user's linked e-wallets (automatic renewal, docs/billing.md "Linked methods"). */
import type { Handlers } from "@/lib/router/routes.ts";
import { listLinkedMethods } from "@/db/linked_methods.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

/** A user's payment accounts: the project's own client only. */
export const callers = clients("project");

/** GET lists the user's active and waiting linked methods, newest first (labels are masked). */
export const handler: Handlers = {
  async GET(c) {
    const sub = subParam(c);
    const methods = await asClient(c, (tx, projectId) => listLinkedMethods(tx, projectId, sub));
    return c.json({ linked_methods: methods }, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Payments",
    summary: "A user's linked e-wallets (automatic renewal)",
    description:
      "Active and waiting-for-approval methods, newest first: method_id, channel, masked label, status, and " +
      "unlink_requested_at when an unlink is under way (not charged meanwhile; unlink again to retry).",
    auth: "client",
    responses: {
      200: { description: "{linked_methods: [...]}", schema: BILLING_ANSWERS.linkedMethods },
      ...COMMON_ERRORS,
    },
  },
};
