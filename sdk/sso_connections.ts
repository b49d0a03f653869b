/**
 * The SDK's enterprise SSO helpers (`astapa.ssoConnections`): an organization's OpenID Connect or SAML 2.0
 * connection (docs/enterprise-sso.md), through the Platform API. An OpenID Connect client secret is write-only:
 * reads say only that one is kept (`idp_client_secret_set`). A SAML connection answers the service provider's
 * entity ID and ACS URL to give the IdP, and its own certificates (for encrypted assertions and signed requests;
 * never a private key), which `rotateCertificate` rolls and `removePreviousCertificate` ends.
 */

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;
type Call = (path: string, init: RequestInit) => Promise<Response>;

/**
 * The SAML attribute or OpenID Connect claim names a connection reads; a name
 * left out is read under the well-known names (docs/enterprise-sso.md,
 * "Attribute mapping and groups").
 */
export type SsoAttributeMapping = {
  email?: string;
  given_name?: string;
  family_name?: string;
  groups?: string;
};

/**
 * The IdP's group values (names or ids, matched exactly) → the organization
 * role they give at sign-in (admin, member or the project's own; never
 * owner). The highest role of a person's mapped groups wins; none: member.
 */
export type SsoGroupRoles = Record<string, string>;

/** What a save may set of the mapping: replaced when given, kept when not. */
export type SsoMappingInput = {
  /** The whole mapping; a name left out or null: the well-known names. */
  attribute_mapping?: { [K in keyof SsoAttributeMapping]?: string | null };
  /** The whole map (at most 100 groups); `{}`: groups change no role. */
  group_roles?: SsoGroupRoles;
};

type SsoConnectionCommon = {
  id: string;
  organization_id: string;
  enabled: boolean;
  email_verified_required: boolean;
  /** The organization's verified domains: the addresses the connection signs in. */
  domains: string[];
  /** The names set (`{}`: the well-known names). */
  attribute_mapping: SsoAttributeMapping;
  /** `{}`: sign-ins through the connection change no role. */
  group_roles: SsoGroupRoles;
  created_at: string;
  updated_at: string;
};

export type OidcSsoConnection = SsoConnectionCommon & {
  protocol: "oidc";
  issuer: string;
  idp_client_id: string;
  idp_client_secret_set: true;
  /**
   * What the IdP is told: the Back-Channel Logout URI, where its logout tokens end the sessions its sign-ins
   * started (docs/enterprise-sso.md, "Back-channel logout from the IdP").
   */
  backchannel_logout_url: string;
  /**
   * The post-logout redirect URI to register at the IdP: a sign-out at Astapa goes by the IdP's end_session_endpoint
   * and comes back here (docs/enterprise-sso.md, "Sign-out at the IdP").
   */
  post_logout_redirect_uri: string;
};

export type SamlSsoConnection = SsoConnectionCommon & {
  protocol: "saml";
  /** The IdP's fields: absent while the connection is pending (saved without them, disabled). */
  idp_entity_id?: string;
  idp_sso_url?: string;
  /** The IdP's signing certificates (base64 DER), 1 to 3. */
  idp_certificates?: string[];
  /** What the IdP is told: Astapa's entity ID (also its metadata URL) and Assertion Consumer Service URL. */
  sp_entity_id: string;
  acs_url: string;
  sp_metadata_url: string;
  /** Refuse an assertion that is not encrypted to the connection's certificate. */
  want_assertions_encrypted: boolean;
  /** Sign the AuthnRequest (HTTP-Redirect binding, rsa-sha256) with the connection's key. */
  sign_authn_requests: boolean;
  /**
   * Accept sign-ins started from the IdP's app portal: handed to the project client's initiate_login_uri, where
   * the app starts its own sign-in (docs/enterprise-sso.md, "Sign-in from the IdP's portal").
   */
  idp_initiated: boolean;
  /** The IdP's single logout URL (HTTP-Redirect); absent: no single logout. */
  idp_slo_url?: string;
  /** The connection's own certificates (base64 DER), current first; a previous one during a rotation. */
  sp_certificates: SamlSpCertificate[];
};

export type SamlSpCertificate = {
  id: string;
  state: "current" | "previous";
  certificate: string;
  created_at: string;
};

export type SsoConnection = OidcSsoConnection | SamlSsoConnection;

export type OidcSsoConnectionInput = SsoMappingInput & {
  protocol?: "oidc";
  /** The IdP's issuer (https); its discovery document is fetched when saved (400 when unusable). */
  issuer: string;
  idp_client_id: string;
  /** Required on create and with a new idp_client_id; left out, the current one is kept. */
  idp_client_secret?: string;
  enabled?: boolean;
  /** false: the IdP is authoritative for the organization's verified domains (no email_verified needed). */
  email_verified_required?: boolean;
};

/**
 * A SAML IdP: its metadata XML, or the URL it is published at, or its entity ID, SSO URL and certificate(s) — or
 * none of them: a SAML connection keeps its IdP, another is saved pending to learn the URLs to give the IdP.
 */
export type SamlSsoConnectionInput =
  & SsoMappingInput
  & {
    protocol: "saml";
    enabled?: boolean;
    email_verified_required?: boolean;
    /** Left out: kept (false for a new connection). */
    want_assertions_encrypted?: boolean;
    sign_authn_requests?: boolean;
    idp_initiated?: boolean;
    /**
     * The IdP's single logout URL (https); null: no single logout. Left out: the metadata's SingleLogoutService
     * when metadata is given, else kept.
     */
    idp_slo_url?: string | null;
  }
  & (
    | Record<never, never>
    | { idp_metadata_xml: string }
    | { idp_metadata_url: string }
    | { idp_entity_id: string; idp_sso_url: string; idp_certificate: string }
    | { idp_entity_id: string; idp_sso_url: string; idp_certificates: string[] }
  );

/** Kept for callers of the OpenID Connect-only SDK. */
export type SsoConnectionInput =
  | OidcSsoConnectionInput
  | SamlSsoConnectionInput;

export function ssoConnections(json: Json, call: Call) {
  const path = (org: string) => `/api/platform/organizations/${encodeURIComponent(org)}/sso-connection`;
  return {
    /** The organization's (id or slug) connection; 404 when it has none. */
    get: (org: string) => json<SsoConnection>(path(org)),
    /** Creates or replaces the organization's connection (either protocol; switching drops the other's fields). */
    put: <I extends SsoConnectionInput>(org: string, input: I) =>
      json<
        I extends SamlSsoConnectionInput ? SamlSsoConnection : OidcSsoConnection
      >(path(org), "PUT", input),
    /** Rolls a SAML connection's certificate: the old one stays published and decrypting until removed (409 while
     * a previous one is kept). */
    rotateCertificate: (org: string) => json<SamlSsoConnection>(`${path(org)}/sp-certificates`, "POST"),
    /** Ends a rotation: the previous certificate is neither published nor decrypting any more. */
    removePreviousCertificate: (org: string) =>
      json<SamlSsoConnection>(`${path(org)}/sp-certificates/previous`, "DELETE"),
    /** Removes it: the organization's people sign in as before. */
    async remove(org: string): Promise<void> {
      await call(path(org), { method: "DELETE" }); // 204, no body
    },
  };
}
