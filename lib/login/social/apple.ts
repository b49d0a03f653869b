/**
 * Sign in with Apple as an OpenID Connect provider (oidc.ts: discovery, state and nonce, a validated ID token
 * — issuer, audience, expiry, nonce, and the signature against Apple's JWKS).
 *
 * Apple's ways: it asks for `name email` (no `openid`), and then answers only by `response_mode=form_post` — a
 * cross-site POST to the callback (routes/auth/social/[provider]/callback.tsx). Its authorization endpoint
 * takes no `code_challenge` (Apple's documented parameters are client_id, redirect_uri, response_type, scope,
 * response_mode, state and nonce), so there is no PKCE: what binds the code to this browser and this request
 * is the nonce in the ID token plus a confidential client (the code is worth nothing without a client secret
 * signed by the app's key, apple_key.ts). Its ID token says `email_verified` and `is_private_email` as booleans
 * or as the strings "true"/"false"; a private-relay address (…@privaterelay.appleid.com) is a real, verified
 * address that forwards to the person. Apple sends the email in every ID token it can, but a returning person
 * may come without one: the linked identity's subject finds them (api.sign_in_with_identity).
 */
import type { ProviderIdentity } from "@/db/social.ts";
import type { Upstream } from "./upstream.ts";
import { oidcProvider } from "./oidc.ts";
import { requestOptions } from "./request_options.ts";

/** Apple's boolean claims: true, or the string "true". */
export function appleTrue(claim: unknown): boolean {
  return claim === true || claim === "true";
}

/** `issuer`: APPLE_ISSUER (https://appleid.apple.com, or a local fake); `timeoutMs` per request. */
export function apple(issuer: string, timeoutMs: number): Upstream {
  const oidc = oidcProvider(issuer, requestOptions(issuer, timeoutMs), {
    scope: "name email",
    responseMode: "form_post",
    pkce: false,
  });
  return {
    authorizationUrl: (credentials, redirectUri, flow) =>
      oidc.authorizationUrl(credentials.clientId, redirectUri, flow),

    async identity(credentials, redirectUri, callback, flow): Promise<ProviderIdentity> {
      const { claims, refreshToken } = await oidc.exchange(credentials, redirectUri, callback, flow);
      const email = typeof claims.email === "string" && claims.email ? claims.email : null;
      // The name comes in the first callback's `user` form field, not here: the callback route adds it.
      return {
        provider: "apple",
        subject: claims.sub,
        email,
        emailVerified: appleTrue(claims.email_verified),
        // Kept (sealed) to revoke when the account or the link goes: apple_revocation.ts.
        refreshToken,
      };
    },
  };
}
