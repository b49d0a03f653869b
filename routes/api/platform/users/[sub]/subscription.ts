import type { Handlers } from "@/lib/router/routes.ts";
import { currentSubscription } from "@/db/plans.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

/** The plan a user's tokens name now, their current subscription (null: the default plan) and history. */
export const handler: Handlers = {
  async GET(c) {
    const sub = subParam(c);
    const state = await asClient(c, (tx, projectId) => currentSubscription(tx, projectId, sub));
    return c.json(state, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Plans",
    summary: "A user's current subscription",
    auth: "client",
    responses: {
      200: { description: "The subscription", schema: BILLING_ANSWERS.planState },
      401: COMMON_ERRORS[401],
      404: COMMON_ERRORS[404],
    },
  },
};
