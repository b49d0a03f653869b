/**
 * The public keys a client signs its assertions with (private_key_jwt, RFC 7523 §2.2): a JWK Set registered
 * with the client (RFC 7591 `jwks`) or set on a machine client by its project. Only public asymmetric keys
 * for the algorithms Astapa accepts; each must import, so a broken key is refused when registered, not when
 * the client first signs in.
 */
import { importJWK, type JWK } from "jose";
import type { Jwks } from "@/db/client_assertions.ts";

/** Assertion algorithms accepted (pinned on verify): never `none`, never a shared-secret HS*. */
export const ASSERTION_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"] as const;

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"];
const DEFAULT_ALG: Record<string, string> = { RSA: "RS256", EC: "ES256", OKP: "EdDSA" };

/** A usable public JWK Set, or the reason it is not one (a sentence, for invalid_client_metadata / 400). */
export async function publicJwksProblem(value: unknown): Promise<{ jwks: Jwks } | { problem: string }> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { problem: "jwks must be a JWK Set object with a keys array" };
  }
  const keys = (value as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length < 1 || keys.length > 5) {
    return { problem: "jwks.keys must hold 1 to 5 keys" };
  }
  if (JSON.stringify(value).length > 8000) return { problem: "jwks is too large (8000 characters at most)" };
  for (const [i, key] of keys.entries()) {
    if (typeof key !== "object" || key === null || Array.isArray(key)) {
      return { problem: `jwks.keys[${i}] must be a JWK object` };
    }
    const jwk = key as JWK;
    if (PRIVATE_MEMBERS.some((member) => member in jwk)) {
      return { problem: `jwks.keys[${i}] must be a public key (no private or symmetric members)` };
    }
    if (!jwk.kty || !(jwk.kty in DEFAULT_ALG)) {
      return { problem: `jwks.keys[${i}].kty must be RSA, EC or OKP` };
    }
    if (jwk.use !== undefined && jwk.use !== "sig") return { problem: `jwks.keys[${i}].use must be sig` };
    const alg = jwk.alg ?? DEFAULT_ALG[jwk.kty];
    if (!(ASSERTION_ALGORITHMS as readonly string[]).includes(alg)) {
      return { problem: `jwks.keys[${i}].alg must be one of ${ASSERTION_ALGORITHMS.join(", ")}` };
    }
    const size = sizeProblem(jwk);
    if (size) return { problem: `jwks.keys[${i}] ${size}` };
    try {
      await importJWK(jwk, alg);
    } catch {
      return { problem: `jwks.keys[${i}] is not a valid ${alg} public key` };
    }
  }
  return { jwks: { keys: keys as Jwks["keys"] } };
}

const bytes = (value: unknown) => {
  if (typeof value !== "string" || !/^[A-Za-z0-9_-]+$/.test(value)) return 0;
  return Math.floor(value.length * 3 / 4);
};

/** Web Crypto imports some malformed keys without complaint, so sizes are checked here. */
function sizeProblem(jwk: JWK): string | null {
  if (jwk.kty === "RSA") {
    return bytes(jwk.n) >= 256 && bytes(jwk.e) >= 1 ? null : "is not a valid RSA key of 2048 bits or more";
  }
  if (jwk.kty === "EC") {
    return jwk.crv === "P-256" && bytes(jwk.x) === 32 && bytes(jwk.y) === 32
      ? null
      : "is not a valid P-256 key";
  }
  return jwk.crv === "Ed25519" && bytes(jwk.x) === 32 ? null : "is not a valid Ed25519 key";
}
