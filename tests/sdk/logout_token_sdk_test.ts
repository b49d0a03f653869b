/**
 * The SDK's verifyLogoutToken (sdk/logout_tokens.ts) accepts the logout tokens Astapa signs and refuses what
 * Back-Channel Logout 1.0 §2.6 says an app must refuse: no event, a nonce, neither sid nor sub, an ID token's
 * typ, another audience or issuer, a stale iat, another key.
 */
import assert from "node:assert/strict";
import { createLocalJWKSet, generateKeyPair, SignJWT } from "jose";
import { verifyLogoutToken } from "@/sdk/logout_tokens.ts";
import { AstapaAuthError } from "@/sdk/errors.ts";
import { signJwt } from "@/lib/tokens/jws.ts";
import { logoutToken } from "@/lib/tokens/logout_tokens.ts";
import { testApp } from "../helpers/app.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const jwks = createLocalJWKSet(await t.deps.keys.jwks());
const key = await t.deps.keys.active();
const options = { issuer: "http://astapa.test", clientId: "cid_app", jwks };
const now = Math.floor(Date.now() / 1000);
const EVENT = { "http://schemas.openid.net/event/backchannel-logout": {} };
const claims = {
  iss: options.issuer,
  aud: "cid_app",
  iat: now,
  exp: now + 120,
  jti: "j1",
  sid: "ses_a",
  events: EVENT,
};

Deno.test("verifyLogoutToken — Astapa's logout token passes, with its sid and sub", async () => {
  const token = await logoutToken(key, options.issuer, { clientId: "cid_app", sid: "ses_a", sub: "42" });
  const verified = await verifyLogoutToken(token, options);
  assert.equal(verified.sid, "ses_a");
  assert.equal(verified.sub, "42");
});

Deno.test("verifyLogoutToken — every token §2.6 refuses is refused as invalid_token (400)", async () => {
  const { privateKey } = await generateKeyPair("RS256");
  const { sid: _sid, ...withoutSid } = claims;
  const cases: Record<string, Promise<string>> = {
    "no event": signJwt(key, "logout+jwt", { ...claims, events: {} }),
    "a nonce": signJwt(key, "logout+jwt", { ...claims, nonce: "n" }),
    "neither sid nor sub": signJwt(key, "logout+jwt", withoutSid),
    "an ID token's typ": signJwt(key, "JWT", claims),
    "another audience": signJwt(key, "logout+jwt", { ...claims, aud: "cid_other" }),
    "another issuer": signJwt(key, "logout+jwt", { ...claims, iss: "https://evil.example" }),
    "an old iat": signJwt(key, "logout+jwt", { ...claims, iat: now - 3600 }),
    "no jti": signJwt(key, "logout+jwt", { ...claims, jti: undefined }),
    "another key": new SignJWT(claims).setProtectedHeader({ alg: "RS256", typ: "logout+jwt", kid: key.kid })
      .sign(privateKey),
  };
  for (const [name, token] of Object.entries(cases)) {
    await assert.rejects(verifyLogoutToken(await token, options), (error: unknown) => {
      assert.ok(error instanceof AstapaAuthError, name);
      assert.equal(error.code, "invalid_token", name);
      assert.equal(error.status, 400, name);
      return true;
    }, name);
  }
});
