/**
 * A SAML connection's service provider, as its IdP is told about it: one entity ID per connection under the one
 * issuer (it is also the URL of the SP metadata), and the Assertion Consumer Service below it; an OpenID Connect
 * connection's back-channel logout URL and post-logout redirect URI. Built from the deployment's base URL, which
 * SQL does not know, so the app adds them to the connection it answers.
 */
import type { SsoConnection } from "@/db/sso_connections.ts";

export type SamlServiceProvider = {
  sp_entity_id: string;
  acs_url: string;
  sp_metadata_url: string;
  slo_url: string;
};

/**
 * An OpenID Connect connection's URLs to register at the IdP: its Back-Channel Logout URI, and the
 * post_logout_redirect_uri the IdP sends the browser back to after a sign-out at Astapa (RP-initiated logout).
 */
export type OidcRelyingParty = { backchannel_logout_url: string; post_logout_redirect_uri: string };

/** A connection as pages show it: with the URLs to copy into the IdP (withServiceProvider). */
export type ShownSsoConnection = SsoConnection & Partial<SamlServiceProvider> & Partial<OidcRelyingParty>;

/** The SP's entity ID (= metadata URL), ACS URL and single logout URL for a connection. */
export function samlServiceProvider(baseUrl: string, connectionId: string): SamlServiceProvider {
  const entityId = `${baseUrl}/auth/sso/saml/${connectionId}`;
  return {
    sp_entity_id: entityId,
    acs_url: `${entityId}/acs`,
    sp_metadata_url: entityId,
    slo_url: `${entityId}/slo`,
  };
}

/** The logout URLs of an OpenID Connect connection (routes/auth/sso/oidc/[connection]/…). */
export function oidcRelyingParty(baseUrl: string, connectionId: string): OidcRelyingParty {
  return {
    backchannel_logout_url: `${baseUrl}/auth/sso/oidc/${connectionId}/backchannel-logout`,
    post_logout_redirect_uri: `${baseUrl}/auth/sso/oidc/${connectionId}/signed-out`,
  };
}

/** The connection as answered: with the URLs to copy into the IdP (SAML's service provider, OIDC's logout URI). */
export function withServiceProvider<C extends SsoConnection>(
  baseUrl: string,
  connection: C,
): C & Partial<SamlServiceProvider> & Partial<OidcRelyingParty> {
  return connection.protocol === "saml"
    ? { ...connection, ...samlServiceProvider(baseUrl, connection.id) }
    : { ...connection, ...oidcRelyingParty(baseUrl, connection.id) };
}
