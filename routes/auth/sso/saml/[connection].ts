/**
 * GET /auth/sso/saml/:connection — a SAML connection's service provider metadata (its entity ID is this URL): what
 * the organization's IT loads into their IdP. Public: IdPs fetch it unauthenticated, and it holds nothing secret
 * (two URLs derived from the connection id and the issuer, that assertions must be signed, and the connection's
 * certificates for request signing and assertion encryption — never a private key).
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { publicRoute } from "@/lib/router/callers.ts";
import { AppError } from "@/lib/http/errors.ts";
import { samlServiceProviderFacts } from "@/db/sso_connections.ts";
import { samlServiceProvider } from "@/lib/login/sso/saml_urls.ts";
import { spMetadataXml } from "@/lib/login/sso/saml_sp_metadata.ts";

export const callers = publicRoute("SAML service provider metadata: public by design, no secret in it");

export const handler: Handlers = {
  async GET(c) {
    const id = c.req.param("connection") ?? "";
    const facts = await samlServiceProviderFacts(c.var.deps.sql, id);
    if (!facts) throw new AppError("not_found");
    const xml = await spMetadataXml(id, samlServiceProvider(c.var.deps.config.baseUrl, id), facts);
    return c.body(xml, 200, { "content-type": "application/samlmetadata+xml; charset=utf-8" });
  },
};
