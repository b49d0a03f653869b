/**
 * An SSO connection's client secret, sealed under the master key (AES-GCM) before it is stored, as a project's own
 * Google/GitHub secret is (social/providers.ts). The seal is bound to the project and the client id: a sealed value
 * copied to another project's row, or kept for another client id, does not open.
 */
import { open, seal } from "@/lib/tokens/master_key.ts";
import { base64url } from "@/lib/secrets.ts";

/** What an SSO connection's client secret is sealed for. */
export const ssoSecretContext = (projectId: string, clientId: string) =>
  `astapa sso ${projectId} ${clientId} client_secret`;

/** The value for sso_connections.client_secret_sealed. */
export async function sealSsoSecret(key: CryptoKey, projectId: string, clientId: string, secret: string) {
  return base64url.encode(
    await seal(key, new TextEncoder().encode(secret), ssoSecretContext(projectId, clientId)),
  );
}

/** The secret again; throws when it was sealed under another master key, project or client id. */
export async function openSsoSecret(key: CryptoKey, projectId: string, clientId: string, sealed: string) {
  const plain = await open(key, base64url.decode(sealed), ssoSecretContext(projectId, clientId));
  return new TextDecoder().decode(plain);
}
