/**
 * The IdP's ID token of an OpenID Connect SSO sign-in, kept with the session it starts so that a sign-out at Astapa
 * can send it back as the id_token_hint of RP-initiated logout (oidc_rp_logout.ts). It says who the person is to
 * anyone who holds it, so it is sealed under the master key (AES-GCM, bound to the project and the connection)
 * before it reaches the database, like the connection's client secret (secret.ts).
 */
import type { Ctx } from "@/lib/app_env.ts";
import { open, seal } from "@/lib/tokens/master_key.ts";
import { base64url } from "@/lib/secrets.ts";

/** What an SSO sign-in's ID token is sealed for. */
export const idTokenContext = (projectId: string, connectionId: string) =>
  `astapa sso ${projectId} ${connectionId} id_token`;

/** The value for sso_oidc_sign_ins.id_token_sealed. */
export async function sealIdToken(key: CryptoKey, projectId: string, connectionId: string, idToken: string) {
  return base64url.encode(
    await seal(key, new TextEncoder().encode(idToken), idTokenContext(projectId, connectionId)),
  );
}

/** The ID token again, or null when it does not open (sealed under a master key no longer listed). */
export async function openIdToken(key: CryptoKey, projectId: string, connectionId: string, sealed: string) {
  try {
    return new TextDecoder().decode(
      await open(key, base64url.decode(sealed), idTokenContext(projectId, connectionId)),
    );
  } catch {
    return null;
  }
}

/** Longer ID tokens are not kept (the column holds 32 KiB sealed): that sign-out then ends Astapa's session only. */
const MAX_ID_TOKEN = 16_384;

/** The sealed value to keep for a sign-in's ID token, or null when it is too long to keep. */
export async function keptIdToken(c: Ctx, projectId: string, connectionId: string, idToken: string) {
  if (idToken.length > MAX_ID_TOKEN) return null;
  return await sealIdToken(c.var.deps.masterKeys.social, projectId, connectionId, idToken);
}
