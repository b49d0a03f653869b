/**
 * The hosted login's OpenID Connect side of an enterprise SSO sign-in: `startSsoSignIn` sends the browser to the
 * organization's IdP (authorization code + PKCE, state and nonce, sealed in the social flow cookie with the
 * connection's id; a SAML connection is handed to saml_sign_in.ts), and `ssoProvider` / `ssoCredentials` serve
 * the callback (routes/auth/sso/callback.tsx), which validates the ID token (issuer, audience, nonce, signature
 * against the IdP's JWKS — social/oidc.ts) before finish.ts signs the person in.
 */
import * as oauth from "oauth4webapi";
import type { Ctx } from "@/lib/app_env.ts";
import type { SsoSignInConnection } from "@/db/sso_connections.ts";
import { metadataFetchOptions } from "@/lib/oauth/metadata_document_clients.ts";
import { type AuthorizeRequest, requestQuery } from "../authorize_request.ts";
import type { Lang } from "../i18n.ts";
import { oidcProvider } from "../social/oidc.ts";
import { writeFlow } from "../social/flow_cookie.ts";
import type { UpstreamFlow } from "../social/upstream.ts";
import { SocialSignInError } from "../social/errors.ts";
import { idpRequestOptions } from "./guarded_fetch.ts";
import { openSsoSecret } from "./secret.ts";
import { ssoFailure, ssoProblemPage } from "./problem.ts";
import { startSamlSignIn } from "./saml_sign_in.ts";

/** The one redirect URI every connection registers at its IdP. */
export const ssoCallbackUrl = (c: Ctx) => `${c.var.deps.config.baseUrl}/auth/sso/callback`;

/** An OpenID Connect connection: its issuer and client are set (api.sso_connection_json). */
export type OidcConnection = SsoSignInConnection & {
  issuer: string;
  idp_client_id: string;
  client_secret_sealed: string;
};

export function isOidc(connection: SsoSignInConnection): connection is OidcConnection {
  return connection.protocol === "oidc" && !!connection.issuer && !!connection.idp_client_id &&
    !!connection.client_secret_sealed;
}

/** What every request to the connection's IdP carries: a deadline, and a fetch through the SSRF guard. */
export function ssoRequestOptions(c: Ctx, connection: OidcConnection) {
  const { deps } = c.var;
  return idpRequestOptions(metadataFetchOptions(deps), connection.issuer, deps.config.socialTimeoutMs);
}

/** The connection's IdP as an OpenID Connect provider, every request through the SSRF guard. */
export function ssoProvider(c: Ctx, connection: OidcConnection) {
  return oidcProvider(connection.issuer, ssoRequestOptions(c, connection));
}

/** The IdP client credentials; null when the secret does not open (sealed under another master key). */
export async function ssoCredentials(c: Ctx, projectId: string, connection: OidcConnection) {
  try {
    const clientSecret = await openSsoSecret(
      c.var.deps.masterKeys.social,
      projectId,
      connection.idp_client_id,
      connection.client_secret_sealed,
    );
    return { clientId: connection.idp_client_id, clientSecret };
  } catch {
    return null;
  }
}

/** Sends the browser to the connection's IdP, or renders why it cannot (the IdP down: 502). */
export async function startSsoSignIn(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  connection: SsoSignInConnection,
  lang: Lang,
) {
  if (connection.protocol === "saml") return await startSamlSignIn(c, request, query, connection, lang);
  const flow: UpstreamFlow = {
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    verifier: oauth.generateRandomCodeVerifier(),
  };
  const shown = {
    lang,
    organizationName: connection.organization_name,
    appName: request.project.name,
    backHref: `/auth/login?${requestQuery(query)}&lang=${lang}`,
  };
  const credentials = isOidc(connection) ? await ssoCredentials(c, request.project.id, connection) : null;
  if (!credentials || !isOidc(connection)) {
    return ssoProblemPage(c, new SocialSignInError("ssoUnavailable", 409), shown);
  }
  let target: URL;
  try {
    target = await ssoProvider(c, connection).authorizationUrl(credentials.clientId, ssoCallbackUrl(c), flow);
  } catch (error) {
    return ssoProblemPage(c, ssoFailure(error), shown);
  }
  await writeFlow(c, {
    provider: "sso",
    connection: connection.id,
    projectId: request.project.id,
    ...flow,
    request: requestQuery(query),
    lang,
  });
  return c.redirect(target.toString(), 303);
}
