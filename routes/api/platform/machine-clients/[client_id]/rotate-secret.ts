import type { Handlers } from "@/lib/router/routes.ts";
import { rotateMachineClientSecret } from "@/db/machine_clients.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";

export const callers = clients("project");

/** Issues a new secret (shown once in the answer); the old one stops working at once. */
export const handler: Handlers = {
  async POST(c) {
    const client = await asClient(c, (tx) => rotateMachineClientSecret(tx, c.req.param("client_id")!));
    return c.json(client, 200, NO_STORE);
  },
};
