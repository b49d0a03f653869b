import type { Handlers } from "@/lib/router/routes.ts";
import { declareScope, listScopes } from "@/db/resources.ts";
import { readBody } from "@/lib/http/body.ts";
import { ScopeBody } from "@/lib/platform/registry_body.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

/** The scopes a project declares for machine clients and its resources, with the project's own credentials. */
export const handler: Handlers = {
  async GET(c) {
    return c.json(await asClient(c, (tx) => listScopes(tx)), 200, NO_STORE);
  },
  /** Declares a scope, or redescribes one already declared. */
  async POST(c) {
    const body = await readBody(c, ScopeBody, ["json"]);
    const scope = await asClient(c, (tx) => declareScope(tx, body.name, body.description));
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
