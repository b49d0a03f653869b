import type { Handlers } from "@/lib/router/routes.ts";
import { cachedJson } from "@/lib/http/cacheable.ts";
import { authorizationServerMetadata } from "@/lib/oauth/metadata.ts";

/** OpenID Provider metadata (OIDC Discovery 1.0): built once per issuer. */
export const handler: Handlers = {
  GET: (c) => {
    const issuer = c.var.deps.config.baseUrl;
    return cachedJson(c, `discovery:${issuer}`, () => authorizationServerMetadata(issuer));
  },
};
