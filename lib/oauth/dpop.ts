/**
 * DPoP proofs (RFC 9449 §4): the one JWT a client sends in the `DPoP` header to show it holds the private key a
 * token is (or is to be) bound to. Checked here with jose — typ, an asymmetric algorithm from a short list, a
 * public `jwk` that verifies the signature, htm/htu naming this request, a fresh iat, a jti, and `ath` when an
 * access token comes with it. Whether the jti was used before is Postgres's to say (api.use_dpop_proof), in
 * the grant's own statement. Server nonces are not used (docs/tokens.md, "DPoP").
 */
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify } from "jose";
import { AppError } from "../http/errors.ts";
import { base64url, sha256 } from "../secrets.ts";
import type { DpopProof } from "@/db/dpop.ts";

export type { DpopProof };

/** The proof algorithms accepted (and advertised as dpop_signing_alg_values_supported). */
export const DPOP_ALGORITHMS = ["ES256", "RS256", "PS256", "EdDSA"] as const;

/** How old a proof's iat may be, and how far ahead of our clock. */
export const PROOF_MAX_AGE_SECONDS = 60;
export const PROOF_CLOCK_SKEW_SECONDS = 10;

/** JWK members that only a private (or symmetric) key has: a proof must carry the public key alone. */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/** What a proof must name: the request's method and URL (RFC 9449 §4.3), and the access token presented with it. */
export type ProofTarget = { method: string; url: string; accessToken?: string };

const refuse = (description: string): never => {
  throw new AppError("invalid_dpop_proof", { description });
};

/**
 * The request's DPoP proof text, or null when it sends none. Two DPoP header fields reach us joined by a
 * comma (a compact JWS has none), and are refused (RFC 9449 §4.3, check 1).
 */
export function dpopHeader(headers: Headers): string | null {
  const value = headers.get("dpop");
  if (value === null) return null;
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value) || value.length > 8192) {
    refuse("Send exactly one DPoP header holding one compact JWT.");
  }
  return value;
}

/** RFC 3986 §6.2.2–6.2.3 normalization (case, default port, dot segments), without query and fragment. */
export function normalizedHtu(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
    parsed.search = "";
    parsed.hash = "";
    parsed.username = "";
    parsed.password = "";
    return parsed.href;
  } catch {
    return null;
  }
}

/** base64url(SHA-256(access token)): the `ath` a proof sent with that token carries (RFC 9449 §4.2). */
export async function accessTokenHash(token: string): Promise<string> {
  return base64url.encode(await sha256(token));
}

/** Checks a proof against the request it came with; throws invalid_dpop_proof saying what is wrong. */
export async function verifyDpopProof(proof: string, target: ProofTarget): Promise<DpopProof> {
  let header;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    return refuse("The DPoP proof is not a JWT.");
  }
  if (header.typ !== "dpop+jwt") refuse('The DPoP proof\'s typ must be "dpop+jwt".');
  if (!DPOP_ALGORITHMS.includes(header.alg as typeof DPOP_ALGORITHMS[number])) {
    refuse(`The DPoP proof's alg must be one of ${DPOP_ALGORITHMS.join(", ")}.`);
  }
  const jwk = header.jwk;
  if (typeof jwk !== "object" || jwk === null || PRIVATE_MEMBERS.some((member) => member in jwk)) {
    refuse("The DPoP proof's jwk must be a public key.");
  }
  let payload;
  try {
    // EmbeddedJWK verifies with the header's own key and refuses a private or symmetric one.
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, {
      typ: "dpop+jwt",
      algorithms: [...DPOP_ALGORITHMS],
    }));
  } catch {
    return refuse("The DPoP proof's signature does not verify with its jwk.");
  }
  const { jti, htm, htu, iat, ath } = payload as Record<string, unknown>;
  if (typeof jti !== "string" || jti.length === 0 || jti.length > 256) refuse("The DPoP proof needs a jti.");
  if (htm !== target.method) refuse(`The DPoP proof's htm must be ${target.method}.`);
  if (typeof htu !== "string" || normalizedHtu(htu) !== normalizedHtu(target.url)) {
    refuse(`The DPoP proof's htu must be ${normalizedHtu(target.url)}.`);
  }
  const now = Math.floor(Date.now() / 1000);
  if (
    typeof iat !== "number" || iat < now - PROOF_MAX_AGE_SECONDS || iat > now + PROOF_CLOCK_SKEW_SECONDS
  ) {
    refuse(`The DPoP proof's iat must be within ${PROOF_MAX_AGE_SECONDS} seconds of now.`);
  }
  if (target.accessToken !== undefined && ath !== await accessTokenHash(target.accessToken)) {
    refuse("The DPoP proof's ath must be the hash of the access token sent with it.");
  }
  const jkt = await calculateJwkThumbprint(jwk!, "sha256");
  return {
    jkt,
    proofHash: await sha256(`${jkt}.${jti}`),
    expiresAt: new Date(((iat as number) + PROOF_MAX_AGE_SECONDS + PROOF_CLOCK_SKEW_SECONDS) * 1000),
  };
}
