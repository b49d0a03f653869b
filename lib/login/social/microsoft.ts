/**
 * Sign in with Microsoft (personal and work/school accounts) as an OpenID Connect provider (oidc.ts: discovery,
 * authorization code + PKCE S256, state and nonce, a validated ID token), at `${authority}/${tenant}/v2.0`.
 *
 * The issuer: the multi-tenant endpoints (common, organizations) publish the template
 * `${authority}/{tenantid}/v2.0` as their issuer, and each ID token carries its own tenant's issuer. Microsoft's
 * rule for them: the token's `iss` must be the template with the token's own `tid` put in — exactly, no prefix
 * matching. consumers is the personal accounts' tenant (MSA_TENANT); a tenant ID is that tenant's issuer; a
 * domain's discovery names its tenant's ID. A fixed issuer is then required exactly of every token.
 *
 * The subject is `sub` (pairwise: per app registration, stable for the person in that app). The email is not
 * proof of a mailbox: a work/school tenant's admin can set any address on a user (the 2023 "nOAuth" takeovers).
 * It counts as verified only when Microsoft says the domain's owner verified it — the optional claim `xms_edov`
 * true — or for a personal Microsoft account (its tenant MSA_TENANT), whose address Microsoft confirmed itself.
 * An unverified address never links to an existing account (api.sign_in_with_identity).
 */
import type { ProviderIdentity } from "@/db/social.ts";
import { SocialSignInError } from "./errors.ts";
import type { Upstream } from "./upstream.ts";
import { type IssuerRule, oidcProvider } from "./oidc.ts";
import { requestOptions } from "./request_options.ts";
import type { ProviderCredentials } from "./providers.ts";

/** The tenant of personal Microsoft accounts (outlook.com, hotmail.com, live.com …). */
export const MSA_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Which issuer `tenant`'s discovery document may name, and the `iss` its ID tokens must then carry. */
export function microsoftIssuerRule(authority: string, tenant: string): IssuerRule {
  const tenantIssuer = (id: string) => `${authority}/${id}/v2.0`;
  const template = tenantIssuer("{tenantid}");
  const name = tenant.toLowerCase();
  return {
    discovered(issuer) {
      if (name === "common" || name === "organizations") return issuer === template;
      if (name === "consumers") return issuer === tenantIssuer(MSA_TENANT);
      if (GUID.test(name)) return issuer === tenantIssuer(name);
      // A domain: its tenant's own issuer, whichever tenant ID that is.
      const id = issuer.startsWith(`${authority}/`) && issuer.endsWith("/v2.0")
        ? issuer.slice(authority.length + 1, -"/v2.0".length)
        : "";
      return GUID.test(id);
    },
    idToken(discoveredIssuer, claims) {
      if (discoveredIssuer !== template) return discoveredIssuer;
      // Without a well-formed tid the template itself is expected, which no token's iss is: refused.
      return typeof claims.tid === "string" && GUID.test(claims.tid)
        ? tenantIssuer(claims.tid)
        : discoveredIssuer;
    },
  };
}

/** `authority`: MICROSOFT_AUTHORITY; `defaultTenant`: MICROSOFT_TENANT, for credentials that name none. */
export function microsoft(authority: string, defaultTenant: string, timeoutMs: number): Upstream {
  const oidcOf = (credentials: ProviderCredentials) => {
    const tenant = ("tenant" in credentials && credentials.tenant) || defaultTenant;
    const issuer = `${authority}/${tenant}/v2.0`;
    return oidcProvider(issuer, requestOptions(issuer, timeoutMs), {
      issuer: microsoftIssuerRule(authority, tenant),
    });
  };
  return {
    authorizationUrl: (credentials, redirectUri, flow) =>
      oidcOf(credentials).authorizationUrl(credentials.clientId, redirectUri, flow),

    async identity(credentials, redirectUri, callback, flow): Promise<ProviderIdentity> {
      const claims = await oidcOf(credentials).idTokenClaims(credentials, redirectUri, callback, flow);
      if (typeof claims.email !== "string" || !claims.email) {
        throw new SocialSignInError("socialNoEmail", 422);
      }
      return {
        provider: "microsoft",
        subject: claims.sub,
        email: claims.email,
        emailVerified: claims.xms_edov === true || claims.tid === MSA_TENANT,
        // preferred_username is left out: for work accounts it is the sign-in name (UPN), not a handle.
        profile: Object.fromEntries(
          (["name", "given_name", "family_name"] as const)
            .filter((claim) => typeof claims[claim] === "string")
            .map((claim) => [claim, claims[claim]]),
        ),
      };
    },
  };
}
