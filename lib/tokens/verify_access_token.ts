/**
 * Verifies one of our own access tokens: RS256 only, our issuer, `typ: at+jwt`, against the published keys.
 * Returns null for anything that is not a valid, unexpired Astapa access token.
 */
import { createLocalJWKSet, type JWTPayload, jwtVerify } from "jose";
import type { KeyStore } from "./signing_keys.ts";

export type AccessTokenClaims = JWTPayload & {
  sub: string;
  client_id: string;
  project_id: string;
  scope?: string;
};

/**
 * The longest access token accepted back: longer than any Astapa issues. The largest claims a project may grant
 * (a plan's and a user's custom claims, 4 KiB of JSON each; 50 feature flags each of the plan, the user and the
 * active organization's plan; an impersonation's act) make about 20,000 characters, past the 8 KiB bound this
 * used to be, so such a user's own tokens were refused by /userinfo, introspection and token exchange.
 */
export const MAX_ACCESS_TOKEN_LENGTH = 32_768;

export async function verifyAccessToken(
  keys: KeyStore,
  issuer: string,
  token: string,
): Promise<AccessTokenClaims | null> {
  if (token.length > MAX_ACCESS_TOKEN_LENGTH) return null;
  try {
    const jwks = createLocalJWKSet(await keys.jwks());
    const { payload } = await jwtVerify(token, jwks, { issuer, algorithms: ["RS256"], typ: "at+jwt" });
    if (typeof payload.sub !== "string" || typeof payload.client_id !== "string") return null;
    if (typeof payload.project_id !== "string") return null;
    return payload as AccessTokenClaims;
  } catch {
    return null;
  }
}

/** User tokens carry a numeric sub; machine tokens carry the client id. */
export const isUserToken = (claims: AccessTokenClaims) => /^\d+$/.test(claims.sub);

/**
 * The impersonation an access token was issued under (docs/impersonation.md), or null: the innermost act's
 * impersonation_id, as a token exchange nests the act of the token it exchanged under its own.
 */
export function impersonationOf(claims: AccessTokenClaims): string | null {
  let act: unknown = claims.act;
  // A token of ours nests one act per exchange; the bound only keeps a forged depth from looping long.
  for (let depth = 0; depth < 32 && act !== null && typeof act === "object"; depth++) {
    const { act: inner, impersonation_id: id } = act as { act?: unknown; impersonation_id?: unknown };
    if (inner === undefined) return typeof id === "string" ? id : null;
    act = inner;
  }
  return null;
}
