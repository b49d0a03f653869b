/**
 * Authenticator-app codes (RFC 6238 as Google Authenticator, Microsoft Authenticator, Authy and 1Password read
 * them: SHA-1, 6 digits, 30 s). The arithmetic is otpauth's (its comparison is constant-time); this module
 * adds the sealing — a secret is only ever stored or put in a form AES-GCM-sealed under the master key, bound to
 * whom it belongs — and the time step a code was accepted for, which SQL refuses to accept twice.
 */
import { lazyImport } from "@/lib/lazy_import.ts";
import { open, openFromBrowser, seal } from "@/lib/tokens/master_key.ts";
import { base64url } from "@/lib/secrets.ts";

const PERIOD = 30;

/** Loaded on the first second step by app (a server whose users never set one up does not hold it). */
const otpauth = lazyImport("otpauth", () => import("otpauth"));

/** A fresh 160-bit secret (RFC 4226 §4 recommends 160 bits), in base32 as authenticator apps take it. */
export async function newTotpSecret(): Promise<string> {
  return new (await otpauth()).Secret({ size: 20 }).base32;
}

async function totp(secret: string, issuer = "", label = "") {
  const OTPAuth = await otpauth();
  return new OTPAuth.TOTP({
    issuer,
    label,
    algorithm: "SHA1",
    digits: 6,
    period: PERIOD,
    secret: OTPAuth.Secret.fromBase32(secret),
  });
}

/** The otpauth:// URI the QR code carries: issuer = the app's name, label = the person's email. */
export async function otpauthUri(secret: string, appName: string, email: string): Promise<string> {
  return (await totp(secret, appName, email)).toString();
}

/** The time step a code is valid for (±1 step of clock drift), or null. Malformed input is simply null. */
export async function matchingStep(secret: string, code: string, now = Date.now()): Promise<number | null> {
  const token = code.replace(/\s+/g, "");
  if (!/^\d{6}$/.test(token)) return null;
  const delta = (await totp(secret)).validate({ token, timestamp: now, window: 1 });
  return delta === null ? null : Math.floor(now / 1000 / PERIOD) + delta;
}

/** The secret shown as text: groups of four, easier to type into an app by hand. */
export function groupedSecret(secret: string): string {
  return secret.replace(/(.{4})/g, "$1 ").trim();
}

/** The additional data a secret is sealed with: `context` (storedContext or enrolmentContext), marked as TOTP. */
export const totpContext = (context: string) => `astapa totp ${context}`;

/** Seals a secret for `context` (who it belongs to), as base64url. */
export async function sealTotpSecret(key: CryptoKey, secret: string, context: string): Promise<Uint8Array> {
  return await seal(key, new TextEncoder().encode(secret), totpContext(context));
}

/**
 * Opens a sealed secret; null when it was sealed for something else or under another key. One the enrolment form
 * brings back (`fromBrowser`) opens with the current master key only, as cookies do: a leaked earlier key must not
 * let anyone choose the secret a person enrols.
 */
export async function openTotpSecret(
  key: CryptoKey,
  sealed: Uint8Array,
  context: string,
  { fromBrowser = false } = {},
): Promise<string | null> {
  try {
    const plain = await (fromBrowser ? openFromBrowser : open)(key, sealed, totpContext(context));
    const secret = new TextDecoder().decode(plain);
    return /^[A-Z2-7]+=*$/.test(secret) ? secret : null;
  } catch {
    return null;
  }
}

/** What a sealed secret is bound to once stored: the project and the user. */
export const storedContext = (projectId: string, userId: string) => `${projectId} user ${userId}`;
/** What it is bound to while it travels in the enrolment form: the challenge (its hash, hex). */
export const enrolmentContext = (projectId: string, challengeHashHex: string) =>
  `${projectId} enrolment ${challengeHashHex}`;

export { base64url };
