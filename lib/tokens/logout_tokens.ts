/**
 * Logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.4): a JWT signed with the deployment's signing keys
 * (the ones ID tokens use), typ logout+jwt, naming the session (sid) and the person (sub) whose sign-in ended,
 * with the back-channel logout event and never a nonce. Short-lived: the app acts on it at once.
 */
import { signJwt } from "./jws.ts";
import type { SigningKey } from "./signing_keys.ts";

export const BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";

/** Seconds a logout token is valid for: long enough for a slow receiver, too short to be worth replaying. */
export const LOGOUT_TOKEN_TTL = 120;

/** The logout token for one app (aud: its client id) about one ended session. */
export function logoutToken(
  key: SigningKey,
  issuer: string,
  to: { clientId: string; sid: string; sub: string },
  now = Math.floor(Date.now() / 1000),
): Promise<string> {
  return signJwt(key, "logout+jwt", {
    iss: issuer,
    sub: to.sub,
    aud: to.clientId,
    iat: now,
    exp: now + LOGOUT_TOKEN_TTL,
    jti: crypto.randomUUID(),
    sid: to.sid,
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
  });
}
