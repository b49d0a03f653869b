import type { Handlers } from "../../../../lib/router/routes.ts";
import { asApp } from "../../../../db/client.ts";
import { removeScope } from "../../../../db/resources.ts";
import { authenticateProject } from "../../../../lib/oauth/authenticate_client.ts";
import { COMMON_ERRORS, type RouteDoc } from "../../../../lib/openapi.ts";

/** Withdraws a declared scope: every machine client loses it at once. */
export const handler: Handlers = {
  async DELETE(c) {
    const projectId = await authenticateProject(c);
    await asApp(c.var.deps.sql, projectId, (tx) => removeScope(tx, c.req.param("name")!), { actor: "api" });
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
