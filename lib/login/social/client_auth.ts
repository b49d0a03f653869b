/** How Astapa authenticates to a provider's token endpoint (client_secret_post), whichever kind of secret it has. */
import * as oauth from "oauth4webapi";
import type { ProviderCredentials } from "./providers.ts";
import { appleClientSecret } from "./apple_key.ts";

/** `audience`: the provider's issuer, which an Apple client secret names as its `aud`. */
export async function clientAuthentication(
  credentials: ProviderCredentials,
  audience: string,
): Promise<oauth.ClientAuth> {
  return oauth.ClientSecretPost(
    "appleKey" in credentials
      ? await appleClientSecret(credentials.clientId, credentials.appleKey, audience)
      : credentials.clientSecret,
  );
}
