import type { Handlers } from "../../lib/router/routes.ts";

/** The public keys that verify Astapa's tokens: next, active and recently retired. */
export const handler: Handlers = {
  async GET(c) {
    const jwks = await c.var.deps.keys.jwks();
    return c.json(jwks, 200, { "cache-control": "public, max-age=300", "access-control-allow-origin": "*" });
  },
};
