/**
 * The codes of the device authorization grant (RFC 8628 §6.1): a device code of 256 random bits (kept as
 * SHA-256) and a user code a person can read and type — 8 letters from 20 consonants (no vowels, so no words;
 * about 34.5 bits), shown as BCDF-GHJK and read back case-insensitively, with any dashes or spaces.
 */
export const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";
export const USER_CODE_LENGTH = 8;
/** How long the codes live, and the polling interval the client starts with (RFC 8628 §3.2). */
export const DEVICE_CODE_SECONDS = 600;
export const POLL_INTERVAL_SECONDS = 5;
/** Device authorization requests per client per minute (each one stores a row). */
export const DEVICE_REQUESTS_PER_MINUTE = 30;
/** Failed user-code entries per address before it waits (RFC 8628 §5.1: brute force). */
export const USER_CODE_FAILURES = { perAddress: 10, windowSeconds: 900 };

/** A fresh user code, uniformly drawn (rejection sampling keeps every letter equally likely). */
export function newUserCode(): string {
  const limit = 256 - (256 % USER_CODE_ALPHABET.length);
  let code = "";
  while (code.length < USER_CODE_LENGTH) {
    for (const byte of crypto.getRandomValues(new Uint8Array(16))) {
      if (byte < limit && code.length < USER_CODE_LENGTH) {
        code += USER_CODE_ALPHABET[byte % USER_CODE_ALPHABET.length];
      }
    }
  }
  return code;
}

/** BCDFGHJK → BCDF-GHJK, as shown to the person. */
export function displayUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** What the person typed, as stored: upper case, separators dropped; null when it cannot be a user code. */
export function normalizeUserCode(typed: string): string | null {
  const code = typed.toUpperCase().replace(/[\s-]/g, "");
  const allowed = new RegExp(`^[${USER_CODE_ALPHABET}]{${USER_CODE_LENGTH}}$`);
  return allowed.test(code) ? code : null;
}
