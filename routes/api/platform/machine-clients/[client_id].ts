import type { Handlers } from "../../../../lib/router/routes.ts";
import { asApp } from "../../../../db/client.ts";
import {
  deleteMachineClient,
  getMachineClient,
  updateMachineClient,
} from "../../../../db/machine_clients.ts";
import { readBody } from "../../../../lib/http/body.ts";
import { MachineClientChangesBody } from "../../../../lib/http/machine_client_body.ts";
import { authenticateProject } from "../../../../lib/oauth/authenticate_client.ts";

const NO_STORE = { "cache-control": "no-store" };

/** One machine client: read, change (any subset of fields; `enabled: false` disables it), delete. */
export const handler: Handlers = {
  async GET(c) {
    const projectId = await authenticateProject(c);
    const client = await asApp(
      c.var.deps.sql,
      projectId,
      (tx) => getMachineClient(tx, c.req.param("client_id")!),
    );
    return c.json(client, 200, NO_STORE);
  },
  async PATCH(c) {
    const projectId = await authenticateProject(c);
    const body = await readBody(c, MachineClientChangesBody, ["json"]);
    const client = await asApp(
      c.var.deps.sql,
      projectId,
      (tx) =>
        updateMachineClient(tx, c.req.param("client_id")!, {
          name: body.name,
          scopes: body.scopes,
          resources: body.resources,
          accessTokenTtl: body.access_token_ttl,
          enabled: body.enabled,
        }),
      { actor: "api" },
    );
    return c.json(client, 200, NO_STORE);
  },
  async DELETE(c) {
    const projectId = await authenticateProject(c);
    await asApp(c.var.deps.sql, projectId, (tx) => deleteMachineClient(tx, c.req.param("client_id")!), {
      actor: "api",
    });
    return c.body(null, 204);
  },
};
