/**
 * Random secrets and their digests. Secrets are 256 random bits in base64url (URL-safe, no padding) behind a
 * recognisable prefix, so secret scanners can spot a leaked one. Postgres only ever sees the SHA-256.
 */

/** 256 random bits, base64url, after `prefix`. */
export function randomSecret(prefix: string, bytes = 32): string {
  return prefix + base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** A new client secret: `acs_` + 43 URL-safe characters. */
export function newClientSecret(): string {
  return randomSecret("acs_");
}

/** SHA-256 of the UTF-8 text: what the database stores and compares. */
export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

function base64url(data: Uint8Array): string {
  return btoa(String.fromCharCode(...data)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
