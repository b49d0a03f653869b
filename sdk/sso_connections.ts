/**
 * The SDK's enterprise SSO helpers (`astapa.ssoConnections`): an organization's OpenID Connect connection
 * (docs/enterprise-sso.md), through the Platform API. The IdP client secret is write-only: reads say only that one
 * is kept (`idp_client_secret_set`).
 */

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;
type Call = (path: string, init: RequestInit) => Promise<Response>;

export type SsoConnection = {
  id: string;
  organization_id: string;
  issuer: string;
  idp_client_id: string;
  idp_client_secret_set: true;
  enabled: boolean;
  email_verified_required: boolean;
  /** The organization's verified domains: the addresses the connection signs in. */
  domains: string[];
  created_at: string;
  updated_at: string;
};

export type SsoConnectionInput = {
  /** The IdP's issuer (https); its discovery document is fetched when saved (400 when unusable). */
  issuer: string;
  idp_client_id: string;
  /** Required on create and with a new idp_client_id; left out, the current one is kept. */
  idp_client_secret?: string;
  enabled?: boolean;
  /** false: the IdP is authoritative for the organization's verified domains (no email_verified needed). */
  email_verified_required?: boolean;
};

export function ssoConnections(json: Json, call: Call) {
  const path = (org: string) => `/api/platform/organizations/${encodeURIComponent(org)}/sso-connection`;
  return {
    /** The organization's (id or slug) connection; 404 when it has none. */
    get: (org: string) => json<SsoConnection>(path(org)),
    /** Creates or replaces the organization's connection. */
    put: (org: string, input: SsoConnectionInput) => json<SsoConnection>(path(org), "PUT", input),
    /** Removes it: the organization's people sign in as before. */
    async remove(org: string): Promise<void> {
      await call(path(org), { method: "DELETE" }); // 204, no body
    },
  };
}
