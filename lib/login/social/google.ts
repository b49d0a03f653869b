/**
 * Google as an OpenID Connect provider (oidc.ts: discovery, authorization code + PKCE, state and nonce, a
 * validated ID token). The person's email and Google's email_verified come from the ID token, and with the
 * profile scope their name, given and family name, picture and locale (filled into an empty profile).
 */
import type { ProviderIdentity } from "@/db/social.ts";
import { SocialSignInError } from "./errors.ts";
import type { Upstream } from "./upstream.ts";
import { oidcProvider } from "./oidc.ts";
import { requestOptions } from "./request_options.ts";
import { oidcProfile } from "./profile_claims.ts";

/** `timeoutMs`: each request's deadline (discovery, token, JWKS). */
export function google(issuer: string, timeoutMs: number): Upstream {
  const oidc = oidcProvider(issuer, requestOptions(issuer, timeoutMs));
  return {
    authorizationUrl: (credentials, redirectUri, flow) =>
      oidc.authorizationUrl(credentials.clientId, redirectUri, flow),

    async identity(credentials, redirectUri, callback, flow): Promise<ProviderIdentity> {
      const claims = await oidc.idTokenClaims(credentials, redirectUri, callback, flow);
      if (typeof claims.email !== "string" || !claims.email) {
        throw new SocialSignInError("socialNoEmail", 422);
      }
      return {
        provider: "google",
        subject: claims.sub,
        email: claims.email,
        emailVerified: claims.email_verified === true,
        profile: oidcProfile(claims),
      };
    },
  };
}
