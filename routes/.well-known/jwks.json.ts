import type { Handlers } from "@/lib/router/routes.ts";
import { cachedJson } from "@/lib/http/cacheable.ts";

/**
 * The public keys that verify Astapa's tokens: next, active and recently retired. The key store hands out
 * the same key list until it reloads the keys, so the body and ETag are built once per load.
 */
export const handler: Handlers = {
  GET: async (c) => {
    const jwks = await c.var.deps.keys.jwks();
    return cachedJson(c, jwks.keys, () => jwks);
  },
};
