/**
 * Astapa's own protected resources (userinfo) taking access tokens as RFC 6750 Bearer or RFC 9449 §7 DPoP: a
 * token bound to a key (cnf.jkt) is accepted only as `Authorization: DPoP <token>` with a proof made with that
 * key for this request (htm, htu, ath). Failures are 401 with a DPoP challenge beside the Bearer one (§7.1):
 * invalid_dpop_proof when the proof itself fails, invalid_token when the token or its key binding does.
 */
import type { Ctx } from "../app_env.ts";
import { AppError } from "../http/errors.ts";
import { type AccessTokenClaims, verifyAccessToken } from "../tokens/verify_access_token.ts";
import { DPOP_ALGORITHMS, dpopHeader, type DpopProof, verifyDpopProof } from "./dpop.ts";

const ALGS = `algs="${DPOP_ALGORITHMS.join(" ")}"`;

/** The challenges a 401 carries: both schemes, the error on the one the request used (RFC 9449 §7.2). */
function challenges(scheme: "Bearer" | "DPoP", error: string, description: string): string {
  const detail = `error="${error}", error_description="${description.replace(/["\\]/g, "'")}"`;
  return scheme === "DPoP"
    ? `DPoP ${detail}, ${ALGS}, Bearer realm="astapa"`
    : `Bearer realm="astapa", ${detail}, DPoP ${ALGS}`;
}

/** 401 with the error named in the challenge of `scheme`. */
export function refuseToken(
  scheme: "Bearer" | "DPoP",
  description: string,
  error: "invalid_token" | "invalid_dpop_proof" = "invalid_token",
): never {
  throw new AppError(error, {
    status: 401,
    description,
    headers: { "WWW-Authenticate": challenges(scheme, error, description) },
  });
}

export type PresentedToken = { claims: AccessTokenClaims; proof: DpopProof | null };

/** The request's access token, checked with its DPoP proof when it is bound to a key; 401 otherwise. */
export async function presentedAccessToken(c: Ctx): Promise<PresentedToken> {
  const match = /^(Bearer|DPoP) ([A-Za-z0-9._~+/-]+=*)$/i.exec(c.req.header("authorization") ?? "");
  if (!match) {
    throw new AppError("unauthorized", {
      description:
        "Send the access token as Authorization: Bearer <token> (or DPoP <token> with a DPoP proof).",
      // The Bearer challenge alone, as before DPoP: a client holding a DPoP-bound token knows to send it so.
      headers: { "WWW-Authenticate": 'Bearer realm="astapa"' },
    });
  }
  const scheme = match[1].toLowerCase() === "dpop" ? "DPoP" : "Bearer";
  const token = match[2];
  const { keys, config } = c.var.deps;
  const claims = await verifyAccessToken(keys, config.baseUrl, token);
  if (!claims) return refuseToken(scheme, "The access token is invalid or expired.");
  const jkt = (claims.cnf as { jkt?: unknown } | undefined)?.jkt;
  if (typeof jkt !== "string") {
    if (scheme === "DPoP") refuseToken(scheme, "This access token is not DPoP-bound: send it as Bearer.");
    return { claims, proof: null };
  }
  if (scheme === "Bearer") {
    refuseToken("DPoP", "This access token is DPoP-bound: send it as Authorization: DPoP with a DPoP proof.");
  }
  let proof: DpopProof;
  try {
    const header = dpopHeader(c.req.raw.headers);
    if (header === null) {
      refuseToken("DPoP", "Send a DPoP proof with a DPoP-bound token.", "invalid_dpop_proof");
    }
    proof = await verifyDpopProof(header!, {
      method: c.req.method,
      url: `${config.baseUrl}${c.req.path}`,
      accessToken: token,
    });
  } catch (error) {
    if (error instanceof AppError && error.code === "invalid_dpop_proof" && error.status !== 401) {
      refuseToken("DPoP", error.description, "invalid_dpop_proof");
    }
    throw error;
  }
  if (proof.jkt !== jkt) refuseToken("DPoP", "The DPoP proof was made with another key than the token's.");
  return { claims, proof };
}
