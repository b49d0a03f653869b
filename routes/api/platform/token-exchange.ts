import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { allowTokenExchange, disallowTokenExchange, listTokenExchangePolicies } from "@/db/token_exchange.ts";
import { readBody, validate } from "@/lib/http/body.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";

export const callers = clients("project");

const Permission = z.object({
  // Not client_id: that names the calling client's own credentials in a body.
  actor: z.string().max(100).describe("cid_…, mcl_… or dcl_…: the client that may exchange."),
  resource: z.string().max(2000).describe("A registered resource of the project: the new token's aud."),
});

/**
 * The project's token exchange policy (RFC 8693): which client may exchange a person's access token for one to
 * which resource. GET lists it, PUT adds one permission, DELETE (?actor=&resource=) withdraws one.
 */
export const handler: Handlers = {
  async GET(c) {
    return c.json(await asClient(c, listTokenExchangePolicies), 200, NO_STORE);
  },
  async PUT(c) {
    const body = await readBody(c, Permission, ["json"]);
    const policy = await asClient(c, (tx) => allowTokenExchange(tx, body.actor, body.resource));
    return c.json(policy, 200, NO_STORE);
  },
  async DELETE(c) {
    const query = validate(Permission, Object.fromEntries(new URL(c.req.url).searchParams));
    await asClient(c, (tx) => disallowTokenExchange(tx, query.actor, query.resource));
    return c.body(null, 204);
  },
};
