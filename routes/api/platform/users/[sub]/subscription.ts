import type { Handlers } from "../../../../../lib/router/routes.ts";
import { asApp } from "../../../../../db/client.ts";
import { currentSubscription } from "../../../../../db/plans.ts";
import { authenticateProject, NO_STORE, subParam } from "../../../../../lib/http/project_client.ts";
import { COMMON_ERRORS, type RouteDoc } from "../../../../../lib/openapi.ts";

/** The plan a user's tokens name now, their current subscription (null: the default plan) and history. */
export const handler: Handlers = {
  async GET(c) {
    const projectId = await authenticateProject(c);
    const sub = subParam(c);
    const state = await asApp(c.var.deps.sql, projectId, (tx) => currentSubscription(tx, projectId, sub));
    return c.json(state, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Plans",
    summary: "A user's current subscription",
    auth: "client",
    responses: { 200: { description: "The subscription" }, 401: COMMON_ERRORS[401], 404: COMMON_ERRORS[404] },
  },
};
