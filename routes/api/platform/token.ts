import type { Handlers } from "../../../lib/router/routes.ts";
import { authenticateClient } from "../../../lib/oauth/authenticate_client.ts";
import { grantFor } from "../../../lib/oauth/grants.ts";
import { readOAuthParams, required } from "../../../lib/oauth/params.ts";

/** The token endpoint (RFC 6749 §3.2): form or JSON in, tokens out, never cached. */
export const handler: Handlers = {
  async POST(c) {
    const params = await readOAuthParams(c);
    const grant = grantFor(required(params, "grant_type"));
    const client = await authenticateClient(c, params);
    const tokens = await grant(c, client, params);
    return c.json(tokens, 200, { "cache-control": "no-store", pragma: "no-cache" });
  },
};
