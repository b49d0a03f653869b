/**
 * POST /api/platform/organizations/:id/sso-connection/sp-certificates — rolls a SAML connection's own key pair
 * (docs/enterprise-sso.md, "Rotating the service provider certificate"): a new key and certificate become current
 * (they sign requests from now on, and decrypt), the current one becomes previous — still in the SP metadata and
 * still decrypting, so the IdP can be moved to the new certificate without a failed sign-in — until
 * DELETE …/sp-certificates/previous ends the rotation. A rotation while a previous certificate is kept is a 409.
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { rotateSamlSpKey } from "@/db/sso_connections.ts";
import { asClient, clientOf } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { organizationParam } from "@/lib/organizations/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";
import { makeSpKey } from "@/lib/login/sso/saml_sp_key.ts";
import { withServiceProvider } from "@/lib/login/sso/saml_urls.ts";

export const callers = clients("project");

export const handler: Handlers = {
  async POST(c) {
    const id = organizationParam(c);
    const { deps } = c.var;
    const key = await makeSpKey(deps.masterKeys.social, clientOf(c).projectId);
    const connection = await asClient(c, (tx) => rotateSamlSpKey(tx, id, key));
    return c.json(withServiceProvider(deps.config.baseUrl, connection), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Organizations",
    summary:
      "Roll a SAML connection's service provider certificate (the old one kept beside it until removed)",
    auth: "client",
    responses: {
      200: { description: "The connection, its sp_certificates current first" },
      ...COMMON_ERRORS,
      409: { description: "A previous certificate is still kept: remove it first" },
    },
  },
};
