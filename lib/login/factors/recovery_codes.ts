/**
 * Recovery codes: ten single-use codes shown once when an authenticator app is set up. Each carries 59 random
 * bits (12 characters of an unambiguous 32-letter alphabet, in three groups), so like other high-entropy secrets
 * only its SHA-256 is stored (over the normalised form: case, spaces and dashes do not matter).
 */
import { sha256 } from "@/lib/secrets.ts";

const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"; // no i, l, o, 0, 1: read aloud or copied by hand
export const RECOVERY_CODE_COUNT = 10;

function randomCode(): string {
  let code = "";
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  // Rejection sampling keeps every letter equally likely (256 is not a multiple of 31).
  for (const byte of bytes) {
    if (code.length === 12) break;
    if (byte < 248) code += ALPHABET[byte % 31];
  }
  return code.length === 12 ? code.replace(/(.{4})(.{4})(.{4})/, "$1-$2-$3") : randomCode();
}

/** Ten new codes, to show once. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, randomCode);
}

/** The code as stored: lower case, without spaces or dashes; null when it cannot be a recovery code. */
export function normaliseRecoveryCode(text: string): string | null {
  const code = text.toLowerCase().replace(/[\s-]+/g, "");
  return /^[a-z2-9]{12}$/.test(code) ? code : null;
}

/** The SHA-256 Postgres compares. */
export async function recoveryCodeHash(code: string): Promise<Uint8Array<ArrayBuffer>> {
  return await sha256(normaliseRecoveryCode(code) ?? code);
}
