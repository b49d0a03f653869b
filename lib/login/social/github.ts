/**
 * GitHub as an OAuth 2.0 provider through oauth4webapi (GitHub has no OpenID Connect for people): the
 * authorization code flow with state and PKCE (S256, which GitHub supports), then `GET /user` for the stable
 * numeric id (and the display name and avatar, for an empty profile) and `GET /user/emails` for the primary
 * address and whether GitHub verified it. A GitHub account without a verified primary email cannot sign in: the
 * email is what identifies the person to the app.
 */
import * as oauth from "oauth4webapi";
import { z } from "zod";
import type { ProviderIdentity } from "@/db/social.ts";
import { SocialSignInError } from "./errors.ts";
import type { Upstream } from "./upstream.ts";
import { answered, atEndpoint, type Endpoint } from "./endpoint.ts";
import { requestOptions } from "./request_options.ts";
import { clientAuthentication } from "./client_auth.ts";
import { githubProfile } from "./profile_claims.ts";

const GitHubUser = z.object({
  id: z.number().int(),
  name: z.unknown(),
  avatar_url: z.unknown(),
  login: z.unknown(),
  blog: z.unknown(),
});
const GitHubEmails = z.array(z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() }));

/** `timeoutMs`: each request's deadline (access token, /user, /user/emails). */
export function github(baseUrl: string, apiUrl: string, timeoutMs: number): Upstream {
  const as: oauth.AuthorizationServer = {
    issuer: baseUrl,
    authorization_endpoint: `${baseUrl}/login/oauth/authorize`,
    token_endpoint: `${baseUrl}/login/oauth/access_token`,
  };

  /** One REST call at the provider's `endpoint`, its answer checked against `schema`. */
  function api<T>(accessToken: string, path: string, endpoint: Endpoint, schema: z.ZodType<T>): Promise<T> {
    return atEndpoint(endpoint, async () => {
      const headers = new Headers({
        accept: "application/vnd.github+json",
        "user-agent": "Astapa",
        "x-github-api-version": "2022-11-28",
      });
      const response = await answered(
        await oauth.protectedResourceRequest(
          accessToken,
          "GET",
          new URL(`${apiUrl}${path}`),
          headers,
          null,
          requestOptions(apiUrl, timeoutMs),
        ),
      );
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`GitHub ${path} answered ${response.status}`);
      }
      return schema.parse(await response.json());
    });
  }

  return {
    async authorizationUrl(credentials, redirectUri, flow) {
      const url = new URL(as.authorization_endpoint!);
      url.search = new URLSearchParams({
        client_id: credentials.clientId,
        redirect_uri: redirectUri,
        scope: "read:user user:email",
        state: flow.state,
        code_challenge: await oauth.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: "S256",
        allow_signup: "true",
      }).toString();
      return url;
    },

    async identity(credentials, redirectUri, callback, flow): Promise<ProviderIdentity> {
      const client: oauth.Client = { client_id: credentials.clientId };
      const params = await atEndpoint(
        "authorization",
        () => oauth.validateAuthResponse(as, client, callback, flow.state),
      );
      const tokens = await atEndpoint("token", async () => {
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          await clientAuthentication(credentials, baseUrl),
          params,
          redirectUri,
          flow.verifier,
          requestOptions(baseUrl, timeoutMs),
        );
        return await oauth.processAuthorizationCodeResponse(as, client, await answered(response));
      });
      const user = await api(tokens.access_token, "/user", "user", GitHubUser);
      const primary = (await api(tokens.access_token, "/user/emails", "user_emails", GitHubEmails))
        .find((entry) => entry.primary && entry.verified);
      if (!primary) throw new SocialSignInError("socialNoEmail", 422);
      return {
        provider: "github",
        subject: String(user.id),
        email: primary.email,
        emailVerified: true,
        profile: githubProfile(user),
      };
    },
  };
}
