/**
 * Compact JWS with RS256 (RFC 7515). Signing sits behind `sign` so a faster RSA implementation can replace
 * WebCrypto's without touching token code; PKCS#1 v1.5 is deterministic, so both must give identical bytes.
 */
import { base64url } from "../secrets.ts";
import type { SigningKey } from "./signing_keys.ts";

export type JwtHeader = { alg: "RS256"; typ: string; kid: string };

const encoder = new TextEncoder();

/** RSASSA-PKCS1-v1_5 with SHA-256 over `data`. */
export async function rs256(key: CryptoKey, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, data));
}

/** Signs a JWT: header and claims as JSON, base64url, then the RS256 signature. */
export async function signJwt(
  key: SigningKey,
  typ: string,
  claims: Record<string, unknown>,
): Promise<string> {
  const header: JwtHeader = { alg: "RS256", typ, kid: key.kid };
  const input = `${base64url.encode(encoder.encode(JSON.stringify(header)))}.${
    base64url.encode(encoder.encode(JSON.stringify(claims)))
  }`;
  return `${input}.${base64url.encode(await rs256(key.privateKey, encoder.encode(input)))}`;
}
