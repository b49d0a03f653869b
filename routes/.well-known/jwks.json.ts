import type { Handlers } from "@/lib/router/routes.ts";
import { respondPrepared } from "@/lib/http/cacheable.ts";
import { jwksDocument } from "@/lib/http/public_documents.ts";

/**
 * The public keys that verify Astapa's tokens: next, active and recently retired. A plain GET is answered
 * before the router (lib/http/public_documents.ts) from the same document; this serves HEAD and the rest.
 */
export const handler: Handlers = {
  GET: async (c) => respondPrepared(c, await jwksDocument(c.var.deps)),
};
