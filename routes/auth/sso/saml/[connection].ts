/**
 * GET /auth/sso/saml/:connection — a SAML connection's service provider metadata (its entity ID is this URL): what
 * the organization's IT loads into their IdP. Public: IdPs fetch it unauthenticated, and it holds nothing secret
 * (two URLs derived from the connection id and the issuer, and that assertions must be signed).
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { publicRoute } from "@/lib/router/callers.ts";
import { AppError } from "@/lib/http/errors.ts";
import { samlConnectionExists } from "@/db/sso_connections.ts";
import { samlServiceProvider } from "@/lib/login/sso/saml_urls.ts";
import { nodeSaml } from "@/lib/login/sso/saml_library.ts";

export const callers = publicRoute("SAML service provider metadata: public by design, no secret in it");

export const handler: Handlers = {
  async GET(c) {
    const id = c.req.param("connection") ?? "";
    if (!await samlConnectionExists(c.var.deps.sql, id)) throw new AppError("not_found");
    const sp = samlServiceProvider(c.var.deps.config.baseUrl, id);
    const { generateServiceProviderMetadata } = await nodeSaml();
    const xml = generateServiceProviderMetadata({
      issuer: sp.sp_entity_id,
      callbackUrl: sp.acs_url,
      identifierFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
      wantAssertionsSigned: true,
      generateUniqueId: () => `_${id}`,
    });
    return c.body(xml, 200, { "content-type": "application/samlmetadata+xml; charset=utf-8" });
  },
};
