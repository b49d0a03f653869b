/**
 * DPoP (RFC 9449) for apps. A resource server accepts a DPoP-bound access token (its `cnf.jkt`) only as
 * `Authorization: DPoP <token>` with a proof made with that key for this very request — `htm`, `htu`, `ath`,
 * a fresh `iat`, a `jti` not seen before (by this process, or by every instance sharing a DpopReplayStore);
 * every gate of middleware.ts checks it. A client makes its proofs with dpopProof().
 */
import {
  base64url,
  calculateJwkThumbprint,
  EmbeddedJWK,
  exportJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from "jose";
import { AstapaAuthError } from "./errors.ts";

/** The proof algorithms Astapa accepts (its discovery's dpop_signing_alg_values_supported). */
export const DPOP_ALGORITHMS = ["ES256", "RS256", "PS256", "EdDSA"];
const MAX_AGE_SECONDS = 60;
const CLOCK_SKEW_SECONDS = 10;

/** What a proof must name: the request as the client sent it. `url`: the URL the client called. */
export type DpopRequest = { method: string; url: string; dpop?: string | null };

/** A refusal under the DPoP scheme: errorResponse answers it with a `WWW-Authenticate: DPoP` challenge. */
export class DpopAuthError extends AstapaAuthError {
  override name = "DpopAuthError";
  constructor(code: "invalid_token" | "invalid_dpop_proof", message: string) {
    super(code, message, 401);
  }
}

/**
 * Where the gates remember the proofs they accepted, for apps running several instances (RFC 9449 §11.1): a
 * store shared by all of them (Redis `SET key 1 NX EXAT exp`, a Postgres primary key) refuses a proof replayed
 * at another instance. `seen(jti, exp)` answers true when `jti` was recorded before; otherwise it records it
 * until `exp` (seconds since the epoch) and answers false. `jti` is the proof key's thumbprint and the proof's
 * jti, joined by a dot. Without one, each process remembers on its own.
 */
export type DpopReplayStore = { seen(jti: string, exp: number): Promise<boolean> };

/** jti's seen in the acceptance window, by this process: a replayed request is refused. */
const seen = new Map<string, number>();

function remember(id: string, expires: number, now: number): boolean {
  if (seen.size > 10_000) {
    for (const [key, until] of seen) if (until < now) seen.delete(key);
  }
  if ((seen.get(id) ?? 0) >= now) return false;
  seen.set(id, expires);
  return true;
}

async function sha256Base64url(text: string): Promise<string> {
  return base64url.encode(
    new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
    ),
  );
}

function normalizedUrl(url: string): string | null {
  try {
    const parsed = new URL(url);
    parsed.search = "";
    parsed.hash = "";
    return parsed.href;
  } catch {
    return null;
  }
}

const proofRefused = (message: string): never => {
  throw new DpopAuthError("invalid_dpop_proof", message);
};

/**
 * Checks that a token is presented as its binding asks (RFC 9449 §7): a bound token only under the DPoP
 * scheme with a valid proof of its key; an unbound one only as Bearer. Throws DpopAuthError.
 */
export async function checkSenderConstraint(
  claims: { cnf?: { jkt?: string } },
  scheme: string,
  token: string,
  request: DpopRequest | undefined,
  replays?: DpopReplayStore,
): Promise<void> {
  const jkt = claims.cnf?.jkt;
  const dpopScheme = scheme.toLowerCase() === "dpop";
  if (typeof jkt !== "string") {
    if (dpopScheme) {
      throw new DpopAuthError(
        "invalid_token",
        "This access token is not DPoP-bound: send it as Bearer.",
      );
    }
    return;
  }
  if (!dpopScheme) {
    throw new DpopAuthError(
      "invalid_token",
      "This access token is DPoP-bound: send it as Authorization: DPoP <token> with a DPoP proof.",
    );
  }
  if (!request) {
    throw new DpopAuthError(
      "invalid_token",
      "This gate cannot check a DPoP proof.",
    );
  }
  const proof = request.dpop ?? null;
  if (proof === null || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(proof)) {
    return proofRefused("Send exactly one DPoP proof with a DPoP-bound token.");
  }
  let payload;
  let header;
  try {
    ({ payload, protectedHeader: header } = await jwtVerify(
      proof,
      EmbeddedJWK,
      {
        typ: "dpop+jwt",
        algorithms: DPOP_ALGORITHMS,
      },
    ));
  } catch (cause) {
    return proofRefused(
      `The DPoP proof is not valid: ${(cause as Error).message}`,
    );
  }
  const { jti, htm, htu, iat, ath } = payload as Record<string, unknown>;
  const now = Math.floor(Date.now() / 1000);
  if (typeof jti !== "string" || jti.length === 0) {
    proofRefused("The DPoP proof needs a jti.");
  }
  if (htm !== request.method) {
    proofRefused(`The DPoP proof's htm must be ${request.method}.`);
  }
  if (
    typeof htu !== "string" || normalizedUrl(htu) !== normalizedUrl(request.url)
  ) {
    proofRefused("The DPoP proof's htu must be this request's URL.");
  }
  if (
    typeof iat !== "number" || iat < now - MAX_AGE_SECONDS ||
    iat > now + CLOCK_SKEW_SECONDS
  ) {
    proofRefused(
      `The DPoP proof's iat must be within ${MAX_AGE_SECONDS} seconds of now.`,
    );
  }
  if (ath !== await sha256Base64url(token)) {
    proofRefused("The DPoP proof's ath must be the access token's hash.");
  }
  if (await calculateJwkThumbprint(header.jwk as JWK) !== jkt) {
    throw new DpopAuthError(
      "invalid_token",
      "The DPoP proof was made with another key than the token's.",
    );
  }
  const id = `${jkt}.${jti}`;
  // Past this, the iat check refuses the proof anyway.
  const until = (iat as number) + MAX_AGE_SECONDS;
  const replayed = replays ? await replays.seen(id, until) : !remember(id, until, now);
  if (replayed) proofRefused("This DPoP proof was used before.");
}

/**
 * A DPoP proof for one request (client side): `keys` is the client's key pair (its public key extractable),
 * `url` the URL called (query and fragment are left out), `accessToken` the token sent with it, if any.
 */
export async function dpopProof(
  keys: CryptoKeyPair,
  request: {
    method: string;
    url: string;
    accessToken?: string;
    nonce?: string;
  },
  alg = "ES256",
): Promise<string> {
  const jwk = await exportJWK(keys.publicKey);
  const htu = normalizedUrl(request.url) ?? request.url;
  return await new SignJWT({
    jti: crypto.randomUUID(),
    htm: request.method,
    htu,
    ...(request.accessToken ? { ath: await sha256Base64url(request.accessToken) } : {}),
    ...(request.nonce ? { nonce: request.nonce } : {}),
  })
    .setProtectedHeader({
      alg,
      typ: "dpop+jwt",
      jwk: {
        kty: jwk.kty,
        crv: jwk.crv,
        x: jwk.x,
        y: jwk.y,
        n: jwk.n,
        e: jwk.e,
      },
    })
    .setIssuedAt()
    .sign(keys.privateKey);
}
