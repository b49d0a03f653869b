import type { Handlers } from "../../lib/router/routes.ts";
import { cacheableJson } from "../../lib/http/cacheable.ts";
import { authorizationServerMetadata } from "../../lib/oauth/metadata.ts";

/** OpenID Provider metadata (OIDC Discovery 1.0). */
export const handler: Handlers = {
  GET: (c) => cacheableJson(c, authorizationServerMetadata(c.var.deps.config.baseUrl)),
};
