import type { Handlers } from "@/lib/router/routes.ts";
import { createMachineClient, listMachineClients } from "@/db/machine_clients.ts";
import { readBody } from "@/lib/http/body.ts";
import { MachineClientBody } from "@/lib/platform/machine_client_body.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

/** A project's machine clients, with the project's own credentials (HTTP Basic). */
export const handler: Handlers = {
  async GET(c) {
    return c.json(await asClient(c, (tx) => listMachineClients(tx)), 200, NO_STORE);
  },
  /** 201 with the client secret: the only time it is shown. */
  async POST(c) {
    const body = await readBody(c, MachineClientBody, ["json"]);
    const client = await asClient(c, (tx) =>
      createMachineClient(tx, {
        name: body.name,
        scopes: body.scopes,
        resources: body.resources,
        accessTokenTtl: body.access_token_ttl,
        dpopBoundAccessTokens: body.dpop_bound_access_tokens,
      }));
    return c.json(client, 201, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Machine clients",
    summary: "List the project's machine clients (agents, MCP clients)",
    auth: "client",
    responses: { 200: { description: "Machine clients" }, 401: COMMON_ERRORS[401] },
  },
  post: {
    tag: "Machine clients",
    summary: "Create a machine client; its secret is in this answer only",
    auth: "client",
    responses: { 201: { description: "The client, with client_secret" }, ...COMMON_ERRORS },
  },
};
