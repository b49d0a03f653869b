/**
 * A SAML connection's service provider, as its IdP is told about it: one entity ID per connection under the one
 * issuer (it is also the URL of the SP metadata), and the Assertion Consumer Service below it. Built from the
 * deployment's base URL, which SQL does not know, so the app adds them to the connection it answers.
 */
import type { SsoConnection } from "@/db/sso_connections.ts";

export type SamlServiceProvider = {
  sp_entity_id: string;
  acs_url: string;
  sp_metadata_url: string;
  slo_url: string;
};

/** A connection as pages show it: a SAML one with its service provider URLs (withServiceProvider). */
export type ShownSsoConnection = SsoConnection & Partial<SamlServiceProvider>;

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

/** The connection as answered: a SAML one with the URLs to copy into the IdP. */
export function withServiceProvider<C extends SsoConnection>(baseUrl: string, connection: C) {
  return connection.protocol === "saml"
    ? { ...connection, ...samlServiceProvider(baseUrl, connection.id) }
    : connection;
}
