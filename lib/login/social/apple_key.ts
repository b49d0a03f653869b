/**
 * Sign in with Apple's client authentication. Apple has no static client secret: the client secret is an ES256
 * JWT signed with the developer's private key (the .p8 file), `kid` = Key ID, `iss` = Team ID, `sub` = the
 * Services ID (client_id), `aud` = Apple's issuer. Apple accepts up to six months; Astapa makes a fresh one for
 * each token request, valid five minutes, so a leaked secret is worth little and nothing needs refreshing.
 */
import { importPKCS8, SignJWT } from "jose";
import { z } from "zod";
import { SocialSignInError } from "./errors.ts";

/** Apple's Team ID and Key ID: ten capital letters and digits. */
export const APPLE_TEN_CHARACTER_ID = /^[A-Z0-9]{10}$/;
/** A Services ID is a reverse-DNS identifier (com.example.signin). */
export const APPLE_SERVICES_ID = /^[A-Za-z0-9][A-Za-z0-9.-]{0,254}$/;
/** The five minutes each client secret is valid (Apple allows at most six months). */
const CLIENT_SECRET_SECONDS = 300;

export type AppleKey = { teamId: string; keyId: string; privateKey: string };

/** `settings.social_login.apple` (also checked in SQL by astapa.apple_provider_problem). */
export const AppleSettings = z.object({
  enabled: z.boolean().optional(),
  client_id: z.string().regex(APPLE_SERVICES_ID).optional(),
  team_id: z.string().regex(APPLE_TEN_CHARACTER_ID).optional(),
  key_id: z.string().regex(APPLE_TEN_CHARACTER_ID).optional(),
  private_key_sealed: z.string().regex(/^[A-Za-z0-9_-]+$/).optional(),
});

/**
 * The PEM as the .p8 file holds it. An env var or a form field often carries its line breaks as the two
 * characters `\n` (or as CRLF); both become real newlines.
 */
export function applePem(text: string): string {
  return text.replaceAll("\\n", "\n").replaceAll("\r\n", "\n").trim();
}

/** Whether `pem` is a PKCS#8 P-256 private key Apple's client secrets can be signed with. */
export async function isApplePrivateKey(pem: string): Promise<boolean> {
  try {
    await importPKCS8(applePem(pem), "ES256");
    return true;
  } catch {
    return false;
  }
}

/** The deployment's own Apple key (APPLE_*), or null when any part is missing. */
export function deploymentAppleKey(
  apple: { clientId?: string; teamId?: string; keyId?: string; privateKey?: string },
): AppleKey | null {
  const { clientId, teamId, keyId, privateKey } = apple;
  return clientId && teamId && keyId && privateKey ? { teamId, keyId, privateKey } : null;
}

/**
 * A fresh client secret for `clientId`, audience Apple's issuer. A key that does not import (not PKCS#8, not
 * P-256) stops the sign-in with a page saying the app is misconfigured; the log names the cause by kind only,
 * never the key.
 */
export async function appleClientSecret(clientId: string, key: AppleKey, audience: string): Promise<string> {
  let privateKey: CryptoKey;
  try {
    privateKey = await importPKCS8(applePem(key.privateKey), "ES256");
  } catch {
    throw new SocialSignInError("socialMisconfigured", 500, {
      reason: "socialMisconfigured",
      endpoint: "token",
      cause: new Error("the Apple private key does not import as a PKCS#8 P-256 key"),
    });
  }
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid: key.keyId })
    .setIssuer(key.teamId)
    .setSubject(clientId)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + CLIENT_SECRET_SECONDS)
    .sign(privateKey);
}
