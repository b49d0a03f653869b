/**
 * DELETE /api/platform/organizations/:id/sso-connection/sp-certificates/previous — ends a rotation of a SAML
 * connection's key pair: the previous certificate leaves the SP metadata and its key decrypts no more. Answers the
 * connection; 404 when there is no previous certificate.
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { removePreviousSamlSpKey } from "@/db/sso_connections.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { organizationParam } from "@/lib/organizations/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";
import { withServiceProvider } from "@/lib/login/sso/saml_urls.ts";

export const callers = clients("project");

export const handler: Handlers = {
  async DELETE(c) {
    const id = organizationParam(c);
    const connection = await asClient(c, (tx) => removePreviousSamlSpKey(tx, id));
    return c.json(withServiceProvider(c.var.deps.config.baseUrl, connection), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  delete: {
    tag: "Organizations",
    summary: "End a SAML certificate rotation: the previous service provider certificate is removed",
    auth: "client",
    responses: { 200: { description: "The connection" }, 401: COMMON_ERRORS[401], 404: COMMON_ERRORS[404] },
  },
};
