import type { Handlers } from "@/lib/router/routes.ts";
import { deleteMachineClient, getMachineClient, updateMachineClient } from "@/db/machine_clients.ts";
import { readBody } from "@/lib/http/body.ts";
import { MachineClientChangesBody } from "@/lib/platform/machine_client_body.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";

export const callers = clients("project");

/** One machine client: read, change (any subset of fields; `enabled: false` disables it), delete. */
export const handler: Handlers = {
  async GET(c) {
    const client = await asClient(c, (tx) => getMachineClient(tx, c.req.param("client_id")!));
    return c.json(client, 200, NO_STORE);
  },
  async PATCH(c) {
    const body = await readBody(c, MachineClientChangesBody, ["json"]);
    const client = await asClient(c, (tx) =>
      updateMachineClient(tx, c.req.param("client_id")!, {
        name: body.name,
        scopes: body.scopes,
        resources: body.resources,
        accessTokenTtl: body.access_token_ttl,
        enabled: body.enabled,
        dpopBoundAccessTokens: body.dpop_bound_access_tokens,
      }));
    return c.json(client, 200, NO_STORE);
  },
  async DELETE(c) {
    await asClient(c, (tx) => deleteMachineClient(tx, c.req.param("client_id")!));
    return c.body(null, 204);
  },
};
