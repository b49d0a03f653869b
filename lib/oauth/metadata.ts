/**
 * Authorization server metadata (RFC 8414) and OpenID Provider metadata: one document, served at both
 * well-known addresses. Every URL derives from the issuer, which is the deployment's origin.
 */
import { ACR_VALUES_SUPPORTED } from "@/lib/login/factors/policy.ts";
import { ASSERTION_ALGORITHMS } from "./client_keys.ts";
import { DPOP_ALGORITHMS } from "./dpop.ts";
import { PROFILE_CLAIM_NAMES } from "@/db/token_claims.ts";

export const SCOPES = ["openid", "email", "profile", "phone", "offline_access"] as const;

export function authorizationServerMetadata(issuer: string) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/auth/login`,
    token_endpoint: `${issuer}/api/platform/token`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    revocation_endpoint: `${issuer}/api/platform/revoke`,
    introspection_endpoint: `${issuer}/api/platform/introspect`,
    userinfo_endpoint: `${issuer}/api/platform/userinfo`,
    registration_endpoint: `${issuer}/api/platform/register`,
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    device_authorization_endpoint: `${issuer}/api/platform/device_authorization`,
    grant_types_supported: [
      "authorization_code",
      "refresh_token",
      "client_credentials",
      "urn:ietf:params:oauth:grant-type:device_code",
      "urn:ietf:params:oauth:grant-type:token-exchange",
      // Identity assertions (ID-JAG) from a project's trusted enterprise IdP (lib/oauth/identity_assertion_grant.ts).
      "urn:ietf:params:oauth:grant-type:jwt-bearer",
    ],
    code_challenge_methods_supported: ["S256"],
    // "none": public clients registered dynamically (RFC 7591), always with PKCE. private_key_jwt (RFC 7523):
    // self-registered clients with jwks and machine clients given keys.
    token_endpoint_auth_methods_supported: [
      "client_secret_basic",
      "client_secret_post",
      "private_key_jwt",
      "none",
    ],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
    // "none": a public self-registered client revokes with its client_id alone (RFC 7009 §2.1); introspection
    // needs an authenticated client (RFC 7662 §2.1), so it does not list it.
    revocation_endpoint_auth_methods_supported: [
      "client_secret_basic",
      "client_secret_post",
      "private_key_jwt",
      "none",
    ],
    revocation_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
    introspection_endpoint_auth_methods_supported: [
      "client_secret_basic",
      "client_secret_post",
      "private_key_jwt",
    ],
    introspection_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
    scopes_supported: [...SCOPES],
    claims_supported: [
      "sub",
      "email",
      "email_verified",
      "phone_number",
      "phone_number_verified",
      ...PROFILE_CLAIM_NAMES,
      "project_id",
      "custom_claims",
      "iss",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "amr",
      "acr",
      "sid",
    ],
    acr_values_supported: ACR_VALUES_SUPPORTED,
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    authorization_response_iss_parameter_supported: true,
    // DPoP proofs (RFC 9449 §5.1) at the token endpoint and userinfo (lib/oauth/dpop.ts).
    dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
    // RP-Initiated Logout 1.0 (routes/auth/logout.tsx) and Back-Channel Logout 1.0 (docs/tokens.md).
    end_session_endpoint: `${issuer}/auth/logout`,
    frontchannel_logout_supported: false,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    // Client ID Metadata Documents: an https client_id is fetched (lib/oauth/client_metadata_document.ts).
    client_id_metadata_document_supported: true,
    service_documentation: `${issuer}/docs`,
  };
}
