import type { Handlers } from "../../../../../lib/router/routes.ts";
import { asApp } from "../../../../../db/client.ts";
import { rotateMachineClientSecret } from "../../../../../db/machine_clients.ts";
import { authenticateProject } from "../../../../../lib/oauth/authenticate_client.ts";

/** Issues a new secret (shown once in the answer); the old one stops working at once. */
export const handler: Handlers = {
  async POST(c) {
    const projectId = await authenticateProject(c);
    const client = await asApp(
      c.var.deps.sql,
      projectId,
      (tx) => rotateMachineClientSecret(tx, c.req.param("client_id")!),
      { actor: "api" },
    );
    return c.json(client, 200, { "cache-control": "no-store" });
  },
};
