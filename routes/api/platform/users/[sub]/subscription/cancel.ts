/** The Platform API's cancel: a paying user's plan runs to the end of what is paid, then is not renewed. */
import type { Handlers } from "@/lib/router/routes.ts";
import { cancelSubscription } from "@/db/billing.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, ErrorResponse, type RouteDoc } from "@/lib/openapi.ts";

/** Canceling ends what a user pays for: the project's own client only. */
export const callers = clients("project");

/**
 * POST cancels at the end of the paid period (api.cancel_subscription, the function the portal and the
 * dashboard use): 200 with the subscription, status canceled; again is a no-op; nothing paid is 409.
 */
export const handler: Handlers = {
  async POST(c) {
    const sub = subParam(c);
    const canceled = await asClient(c, (tx, projectId) => cancelSubscription(tx, projectId, sub));
    return c.json(canceled, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Plans",
    summary: "Cancel a user's paid plan at the end of what is paid",
    description:
      "The plan stays until `current_period_end` (= paid_through), no renewal is opened, then the user goes " +
      "back to the default plan. Canceling again answers the same subscription. Undo with …/subscription/resume.",
    auth: "client",
    responses: {
      200: { description: "The subscription (status canceled)", schema: BILLING_ANSWERS.subscription },
      ...COMMON_ERRORS,
      409: { description: "conflict: no paid subscription to cancel", schema: ErrorResponse },
    },
  },
};
