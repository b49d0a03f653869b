import type { Handlers } from "../../../../lib/router/routes.ts";
import { asApp } from "../../../../db/client.ts";
import { declareScope, listScopes } from "../../../../db/resources.ts";
import { readBody } from "../../../../lib/http/body.ts";
import { ScopeBody } from "../../../../lib/http/registry_body.ts";
import { authenticateProject } from "../../../../lib/oauth/authenticate_client.ts";
import { COMMON_ERRORS, type RouteDoc } from "../../../../lib/openapi.ts";

const NO_STORE = { "cache-control": "no-store" };

/** The scopes a project declares for machine clients and its resources, with the project's own credentials. */
export const handler: Handlers = {
  async GET(c) {
    const projectId = await authenticateProject(c);
    return c.json(await asApp(c.var.deps.sql, projectId, (tx) => listScopes(tx)), 200, NO_STORE);
  },
  /** Declares a scope, or redescribes one already declared. */
  async POST(c) {
    const projectId = await authenticateProject(c);
    const body = await readBody(c, ScopeBody, ["json"]);
    const scope = await asApp(
      c.var.deps.sql,
      projectId,
      (tx) => declareScope(tx, body.name, body.description),
      {
        actor: "api",
      },
    );
    return c.json(scope, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Machine clients",
    summary: "List the project's declared scopes",
    auth: "client",
    responses: { 200: { description: "Scopes" }, 401: COMMON_ERRORS[401] },
  },
  post: {
    tag: "Machine clients",
    summary: "Declare a scope (or change its description)",
    auth: "client",
    body: { schema: ScopeBody, media: ["json"] },
    responses: { 200: { description: "The scope" }, ...COMMON_ERRORS },
  },
};
