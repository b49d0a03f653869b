/** The two halves of an upstream sign-in every provider implements, and the provider for a name. */
import type { Config } from "@/config.ts";
import type { ProviderIdentity } from "@/db/social.ts";
import type { ProviderCredentials, ProviderId } from "./providers.ts";
import { google } from "./google.ts";
import { github } from "./github.ts";
import { apple } from "./apple.ts";
import { microsoft } from "./microsoft.ts";

export type UpstreamFlow = { state: string; nonce: string; verifier: string };

export type Upstream = {
  /** Where to send the browser to sign in upstream. */
  authorizationUrl(credentials: ProviderCredentials, redirectUri: string, flow: UpstreamFlow): Promise<URL>;
  /** Checks the callback (its query, or Apple's posted fields), redeems the code and returns who signed in;
   * throws on any failure. */
  identity(
    credentials: ProviderCredentials,
    redirectUri: string,
    callback: URL | URLSearchParams,
    flow: UpstreamFlow,
  ): Promise<ProviderIdentity>;
};

export function upstream(config: Config, provider: ProviderId): Upstream {
  switch (provider) {
    case "google":
      return google(config.google.issuer, config.socialTimeoutMs);
    case "apple":
      return apple(config.apple.issuer, config.socialTimeoutMs);
    case "github":
      return github(config.github.baseUrl, config.github.apiUrl, config.socialTimeoutMs);
    case "microsoft":
      return microsoft(config.microsoft.authority, config.microsoft.tenant, config.socialTimeoutMs);
  }
}

/** Whether the provider answers by a cross-site form POST to the callback (Apple's form_post), not a redirect. */
export function answersByPost(provider: ProviderId): boolean {
  return provider === "apple";
}

/** The one callback URL per provider registered with Google / GitHub / Apple / Microsoft. */
export function callbackUrl(config: Config, provider: ProviderId): string {
  return `${config.baseUrl}/auth/social/${provider}/callback`;
}
