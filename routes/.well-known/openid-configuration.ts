import type { Handlers } from "../../lib/router/routes.ts";
import { authorizationServerMetadata } from "../../lib/oauth/metadata.ts";

/** OpenID Provider metadata (OIDC Discovery 1.0). */
export const handler: Handlers = {
  GET: (c) =>
    c.json(authorizationServerMetadata(c.var.deps.config.baseUrl), 200, {
      "cache-control": "public, max-age=300",
      "access-control-allow-origin": "*",
    }),
};
