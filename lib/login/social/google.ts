/**
 * Google as an OpenID Connect provider through oauth4webapi: discovery, authorization code + PKCE (S256),
 * state and nonce, and a validated ID token (claims by processAuthorizationCodeResponse, signature against
 * the discovered JWKS). The person's email and Google's email_verified come from the ID token.
 */
import * as oauth from "oauth4webapi";
import type { ProviderIdentity } from "@/db/social.ts";
import type { ProviderCredentials } from "./providers.ts";
import { SocialSignInError } from "./errors.ts";
import type { Upstream } from "./upstream.ts";
import { answered, atEndpoint } from "./endpoint.ts";
import { requestOptions } from "./request_options.ts";

// Discovery documents per issuer, kept for an hour; a failed fetch is not kept.
const discovered = new Map<string, { at: number; as: Promise<oauth.AuthorizationServer> }>();

function discover(issuer: string, timeoutMs: number): Promise<oauth.AuthorizationServer> {
  const cached = discovered.get(issuer);
  if (cached && Date.now() - cached.at < 3600_000) return cached.as;
  const as = atEndpoint("discovery", async () => {
    const url = new URL(issuer);
    const response = await oauth.discoveryRequest(url, {
      algorithm: "oidc",
      ...requestOptions(issuer, timeoutMs),
    });
    return await oauth.processDiscoveryResponse(url, await answered(response));
  });
  discovered.set(issuer, { at: Date.now(), as });
  as.catch(() => discovered.delete(issuer));
  return as;
}

/** `timeoutMs`: each request's deadline (discovery, token, JWKS). */
export function google(issuer: string, timeoutMs: number): Upstream {
  const options = requestOptions(issuer, timeoutMs);
  return {
    async authorizationUrl(credentials, redirectUri, flow) {
      const as = await discover(issuer, timeoutMs);
      const url = new URL(as.authorization_endpoint!);
      url.search = new URLSearchParams({
        client_id: credentials.clientId,
        redirect_uri: redirectUri,
        response_type: "code",
        scope: "openid email profile",
        state: flow.state,
        nonce: flow.nonce,
        code_challenge: await oauth.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: "S256",
      }).toString();
      return url;
    },

    async identity(credentials: ProviderCredentials, redirectUri, callback, flow): Promise<ProviderIdentity> {
      const as = await discover(issuer, timeoutMs);
      const client: oauth.Client = { client_id: credentials.clientId };
      const auth = oauth.ClientSecretPost(credentials.clientSecret);
      const params = await atEndpoint(
        "authorization",
        () => oauth.validateAuthResponse(as, client, callback, flow.state),
      );
      const { response, result } = await atEndpoint("token", async () => {
        const response = await answered(
          await oauth.authorizationCodeGrantRequest(
            as,
            client,
            auth,
            params,
            redirectUri,
            flow.verifier,
            options,
          ),
        );
        const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
          expectedNonce: flow.nonce,
          requireIdToken: true,
        });
        return { response, result };
      });
      // The ID token's signature, against the keys at the discovered jwks_uri (fetched and kept by oauth4webapi).
      await atEndpoint("jwks", () => oauth.validateApplicationLevelSignature(as, response, options));
      const claims = oauth.getValidatedIdTokenClaims(result)!;
      if (typeof claims.email !== "string" || !claims.email) {
        throw new SocialSignInError("socialNoEmail", 422);
      }
      return {
        provider: "google",
        subject: claims.sub,
        email: claims.email,
        emailVerified: claims.email_verified === true,
      };
    },
  };
}
