import type { Handlers } from "@/lib/router/routes.ts";
import { removeScope } from "@/db/resources.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

/** Withdraws a declared scope: every machine client loses it at once. */
export const handler: Handlers = {
  async DELETE(c) {
    await asClient(c, (tx) => removeScope(tx, c.req.param("name")!));
    return c.body(null, 204);
  },
};

export const openapi: RouteDoc = {
  delete: {
    tag: "Machine clients",
    summary: "Withdraw a scope",
    auth: "client",
    responses: { 204: { description: "Withdrawn" }, ...COMMON_ERRORS },
  },
};
