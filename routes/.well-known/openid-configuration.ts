import type { Handlers } from "@/lib/router/routes.ts";
import { respondPrepared } from "@/lib/http/cacheable.ts";
import { discoveryDocument } from "@/lib/http/public_documents.ts";

/**
 * OpenID Provider metadata (OIDC Discovery 1.0): built once per issuer. A plain GET is answered before the
 * router (lib/http/public_documents.ts) from the same document; this serves HEAD and the rest.
 */
export const handler: Handlers = {
  GET: async (c) => respondPrepared(c, await discoveryDocument(c.var.deps)),
};
