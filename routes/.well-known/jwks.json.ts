import type { Handlers } from "../../lib/router/routes.ts";
import { cacheableJson } from "../../lib/http/cacheable.ts";

/** The public keys that verify Astapa's tokens: next, active and recently retired. */
export const handler: Handlers = {
  GET: async (c) => cacheableJson(c, await c.var.deps.keys.jwks()),
};
