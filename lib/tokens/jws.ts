/**
 * Compact JWS with RS256 (RFC 7515). Signing sits behind `rs256` so a faster RSA implementation replaces
 * WebCrypto's without touching token code; PKCS#1 v1.5 is deterministic, so both give identical bytes.
 */
import { base64url } from "../secrets.ts";
import type { SigningKey } from "./signing_keys.ts";
import { traced, tracingEnabled } from "../tracing.ts";

export type JwtHeader = { alg: "RS256"; typ: string; kid: string };

const encoder = new TextEncoder();

/**
 * RSASSA-PKCS1-v1_5 with SHA-256 over `data`: OpenSSL when the key has a native copy that is still open
 * (lib/tokens/openssl_rsa.ts), else WebCrypto. Both give the same bytes.
 */
export function rs256(key: SigningKey, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  if (!tracingEnabled) return sign(key, data);
  return traced("rs256.sign", {
    "astapa.signer": key.native ? "openssl" : "webcrypto",
    "astapa.kid": key.kid,
  }, () => sign(key, data));
}

async function sign(key: SigningKey, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const native = key.native?.sign(data);
  if (native) return await native;
  return new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key.privateKey, data));
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
  return `${input}.${base64url.encode(await rs256(key, encoder.encode(input)))}`;
}
