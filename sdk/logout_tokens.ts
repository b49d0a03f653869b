/**
 * Back-channel logout for apps (OpenID Connect Back-Channel Logout 1.0 §2.6): when a person's Astapa session
 * ends — they signed out, signed out everywhere, reset their password, were disabled or deleted — Astapa POSTs
 * a logout token to the app's registered backchannel_logout_uri (`logout_token=…`, form-encoded).
 * `verifyLogoutToken` checks it as the spec asks; the app then ends its own sessions with that `sid` (or, when
 * it keeps no sid, every session of `sub`) and answers 200. It should also remember each `jti` until `exp`, so a
 * replayed token is refused.
 */
import { type JWTPayload, jwtVerify, type JWTVerifyGetKey } from "jose";
import { AstapaAuthError } from "./errors.ts";

export const BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";

/** What a valid logout token says: which session (sid) and which person (sub) ended, and its id. */
export type LogoutClaims = JWTPayload & {
  sid?: string;
  sub?: string;
  jti: string;
  events: Record<string, unknown>;
};

/**
 * Verifies a logout token: RS256 signature against Astapa's JWKS, `typ: logout+jwt`, issuer, audience (the
 * app's client id), iat and exp, the back-channel logout event, sid or sub, a jti, and no nonce. Throws
 * AstapaAuthError (invalid_token, 400: answer the request with 400) when any check fails.
 */
export async function verifyLogoutToken(
  token: string,
  options: { issuer: string; clientId: string; jwks: JWTVerifyGetKey; maxAgeSeconds?: number },
): Promise<LogoutClaims> {
  try {
    const { payload } = await jwtVerify(token, options.jwks, {
      issuer: options.issuer,
      audience: options.clientId,
      algorithms: ["RS256"],
      typ: "logout+jwt",
      requiredClaims: ["iat", "exp", "jti"],
      maxTokenAge: options.maxAgeSeconds ?? 300,
    });
    const events = payload.events as Record<string, unknown> | undefined;
    const event = events?.[BACKCHANNEL_LOGOUT_EVENT];
    if (typeof event !== "object" || event === null || Array.isArray(event)) {
      throw new Error("the token has no back-channel logout event");
    }
    if (typeof payload.sid !== "string" && typeof payload.sub !== "string") {
      throw new Error("the token names neither a session (sid) nor a person (sub)");
    }
    // §2.4: a nonce would let an ID token pass as a logout token; a logout token never has one.
    if ("nonce" in payload) throw new Error("a logout token must not contain a nonce");
    return payload as LogoutClaims;
  } catch (cause) {
    throw new AstapaAuthError(
      "invalid_token",
      `The logout token is not valid: ${(cause as Error).message}`,
      400,
    );
  }
}
