/**
 * The Platform API's enterprise SSO connection of an organization (docs/enterprise-sso.md): GET shows it (never the
 * secret; a SAML one with the service provider URLs to give the IdP), PUT creates or replaces it — OpenID Connect
 * after fetching the issuer's discovery document through the SSRF guard, SAML (`protocol: "saml"`) from the IdP's
 * metadata or its fields (lib/login/sso/saml_config.ts), with its own service provider key pair made on the first
 * SAML save only (lib/login/sso/saml_sp_key.ts; later saves keep it), either with its attribute mapping and group
 * roles (lib/login/sso/mapping_body.ts) — and DELETE removes it. The IdP's client credentials are
 * `idp_client_id` / `idp_client_secret`: `client_id` and `client_secret` in a body are the caller's own.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import {
  deleteSsoConnection,
  getSsoConnection,
  putSamlSsoConnection,
  putSsoConnection,
} from "@/db/sso_connections.ts";
import { validate } from "@/lib/http/body.ts";
import { AppError } from "@/lib/http/errors.ts";
import { asClient, bodyWithoutCredentials, clientOf } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { organizationParam } from "@/lib/organizations/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";
import { issuerProblem } from "@/lib/login/sso/guarded_fetch.ts";
import { sealSsoSecret } from "@/lib/login/sso/secret.ts";
import { makeSpKey } from "@/lib/login/sso/saml_sp_key.ts";
import { metadataFetchOptions } from "@/lib/oauth/metadata_document_clients.ts";
import { SamlConnectionBody, samlIdpOf, samlSloUrlOf } from "@/lib/login/sso/saml_config.ts";
import { withServiceProvider } from "@/lib/login/sso/saml_urls.ts";
import { mappingOf, OidcMappingFields } from "@/lib/login/sso/mapping_body.ts";

const SsoConnectionBody = z.strictObject({
  protocol: z.literal("oidc").optional().describe('"oidc" (the default) or "saml" (see SamlConnectionBody).'),
  issuer: z.string().max(500).describe("The identity provider's OpenID Connect issuer (https)."),
  idp_client_id: z.string().min(1).max(500).describe("The client id Astapa is registered as at the IdP."),
  idp_client_secret: z.string().min(1).max(1000).optional()
    .describe("Its client secret: required on create, kept when left out (write-only: never answered)."),
  enabled: z.boolean().optional(),
  email_verified_required: z.boolean().optional()
    .describe(
      "false: the IdP is authoritative for the organization's verified domains (no email_verified needed).",
    ),
  ...OidcMappingFields,
});

export const callers = clients("project");

export const handler: Handlers = {
  async GET(c) {
    const id = organizationParam(c);
    const connection = await asClient(c, (tx) => getSsoConnection(tx, id));
    return c.json(withServiceProvider(c.var.deps.config.baseUrl, connection), 200, NO_STORE);
  },
  async PUT(c) {
    const id = organizationParam(c);
    const raw = await bodyWithoutCredentials(c);
    const { deps } = c.var;
    if (raw.protocol === "saml") {
      const body = validate(SamlConnectionBody, raw);
      const idp = await samlIdpOf(body, metadataFetchOptions(deps), deps.config.socialTimeoutMs);
      const projectId = clientOf(c).projectId;
      const connection = await asClient(c, (tx) =>
        putSamlSsoConnection(tx, id, {
          entityId: idp?.entityId ?? null,
          ssoUrl: idp?.ssoUrl ?? null,
          certificates: idp?.certificates ?? null,
          enabled: body.enabled ?? null,
          emailVerifiedRequired: body.email_verified_required ?? null,
          wantAssertionsEncrypted: body.want_assertions_encrypted ?? null,
          signAuthnRequests: body.sign_authn_requests ?? null,
          idpInitiated: body.idp_initiated ?? null,
          sloUrl: samlSloUrlOf(body, idp, metadataFetchOptions(deps).allowHttp),
          // Only for a connection without one: SQL cannot make keys.
          makeSpKey: () => makeSpKey(deps.masterKeys.social, projectId),
          ...mappingOf(body),
        }));
      return c.json(withServiceProvider(deps.config.baseUrl, connection), 200, NO_STORE);
    }
    const body = validate(SsoConnectionBody, raw);
    const problem = await issuerProblem(metadataFetchOptions(deps), body.issuer, deps.config.socialTimeoutMs);
    if (problem) {
      throw new AppError("validation_failed", { description: `${problem}.`, fields: { issuer: [problem] } });
    }
    const projectId = clientOf(c).projectId;
    const sealed = body.idp_client_secret === undefined
      ? null
      : await sealSsoSecret(deps.masterKeys.social, projectId, body.idp_client_id, body.idp_client_secret);
    const connection = await asClient(c, (tx) =>
      putSsoConnection(tx, id, {
        issuer: body.issuer,
        clientId: body.idp_client_id,
        clientSecretSealed: sealed,
        enabled: body.enabled ?? null,
        emailVerifiedRequired: body.email_verified_required ?? null,
        ...mappingOf(body),
      }));
    return c.json(withServiceProvider(deps.config.baseUrl, connection), 200, NO_STORE);
  },
  async DELETE(c) {
    const id = organizationParam(c);
    await asClient(c, (tx) => deleteSsoConnection(tx, id));
    return c.body(null, 204);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Organizations",
    summary: "An organization's enterprise SSO connection (without its secret)",
    auth: "client",
    responses: { 200: { description: "The connection" }, 401: COMMON_ERRORS[401], 404: COMMON_ERRORS[404] },
  },
  put: {
    tag: "Organizations",
    summary:
      "Create or replace an organization's SSO connection: OpenID Connect (the issuer is checked now) or SAML",
    auth: "client",
    body: { schema: z.union([SsoConnectionBody, SamlConnectionBody]), media: ["json"] },
    responses: { 200: { description: "The connection" }, ...COMMON_ERRORS },
  },
  delete: {
    tag: "Organizations",
    summary: "Remove an organization's SSO connection (its people sign in as before)",
    auth: "client",
    responses: { 204: { description: "Removed" }, 401: COMMON_ERRORS[401], 404: COMMON_ERRORS[404] },
  },
};
