import type { Handlers } from "@/lib/router/routes.ts";
import { listResources, removeResource } from "@/db/resources.ts";
import { proofOptions, registerResource } from "@/lib/oauth/resource_registration.ts";
import { readBody, validate } from "@/lib/http/body.ts";
import { ResourceBody, ResourceQuery } from "@/lib/platform/registry_body.ts";
import { asClient, clientOf } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

/** The project's protected resources (APIs, MCP servers), with the project's own credentials (HTTP Basic). */
export const handler: Handlers = {
  async GET(c) {
    return c.json(await asClient(c, (tx) => listResources(tx)), 200, NO_STORE);
  },
  async POST(c) {
    const body = await readBody(c, ResourceBody, ["json"]);
    const { sql, config } = c.var.deps;
    const client = clientOf(c);
    const added = await registerResource({ sql, proof: proofOptions(config) }, client.projectId, body, {
      actor: "api",
      clientKind: client.kind,
    });
    return c.json(added, 201, NO_STORE);
  },
  /** ?uri=…: a URI does not fit in a path segment. */
  async DELETE(c) {
    const { uri } = validate(ResourceQuery, { uri: c.req.query("uri") });
    await asClient(c, (tx) => removeResource(tx, uri));
    return c.body(null, 204);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Machine clients",
    summary: "List the project's protected resources",
    auth: "client",
    responses: { 200: { description: "Resources" }, 401: COMMON_ERRORS[401] },
  },
  post: {
    tag: "Machine clients",
    summary: "Register a protected resource (unique across the deployment; becomes a token's aud)",
    auth: "client",
    body: { schema: ResourceBody, media: ["json"] },
    responses: {
      201: { description: "The resource, in canonical form" },
      403: { description: "forbidden: a production project has not proved control (docs/mcp.md)" },
      409: { description: "conflict: already registered (by this or another project)" },
      ...COMMON_ERRORS,
    },
  },
  delete: {
    tag: "Machine clients",
    summary: "Remove a protected resource (?uri=…); machine clients lose it at once",
    auth: "client",
    query: ResourceQuery,
    responses: { 204: { description: "Removed" }, ...COMMON_ERRORS },
  },
};
