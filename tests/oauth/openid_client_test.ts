/**
 * openid-client (v6, on oauth4webapi) — a strict, widely used client — against a served Astapa, unmodified:
 * discovery, the authorization code flow with PKCE, refresh, userinfo, introspection, revocation and
 * client_credentials. The code comes from the SQL API, as the hosted login issues it.
 */
import assert from "node:assert/strict";
import * as oidc from "openid-client";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { testApp } from "../helpers/app.ts";
import { issueCode, seedProject, seedUser } from "../helpers/oauth.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { settings: { client_credentials_scopes: ["reports:read"] } });
const userId = await seedUser(t.db.sql, project.id, "strict@example.com");

// Loopback HTTP only for the test; every other check openid-client makes stays on.
const discover = (auth = oidc.ClientSecretPost(project.secret)) =>
  oidc.discovery(new URL(t.origin), project.clientId, undefined, auth, {
    execute: [oidc.allowInsecureRequests],
  });

async function codeFlow(config: oidc.Configuration) {
  const verifier = oidc.randomPKCECodeVerifier();
  const challenge = await oidc.calculatePKCECodeChallenge(verifier);
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const code = await issueCode(t.db.sql, project, {
    userId,
    scope: "openid email",
    codeChallenge: challenge,
    nonce,
  });
  const callback = new URL(project.redirectUri);
  callback.search = new URLSearchParams({ code, state, iss: t.origin }).toString();
  return await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
}

Deno.test("openid-client — discovery, code + PKCE, ID token, refresh, userinfo", async () => {
  const config = await discover();
  assert.equal(config.serverMetadata().issuer, t.origin);
  const tokens = await codeFlow(config);
  assert.equal(tokens.token_type, "bearer");
  assert.equal(
    tokens.expires_in,
    3600,
    "the token response says one hour (expiresIn() counts down from receipt)",
  );
  assert.equal(tokens.claims()?.sub, userId);

  const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
  const { payload } = await jwtVerify(tokens.access_token, jwks, {
    issuer: t.origin,
    audience: project.clientId,
    typ: "at+jwt",
    algorithms: ["RS256"],
  });
  assert.deepEqual(payload.custom_claims, { plan: "free", feature_flags: [] });

  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
  const info = await oidc.fetchUserInfo(config, refreshed.access_token, userId);
  assert.equal(info.email, "strict@example.com");
});

Deno.test("openid-client — client_secret_basic, introspection and revocation", async () => {
  const config = await discover(oidc.ClientSecretBasic(project.secret));
  const tokens = await codeFlow(config);
  const active = await oidc.tokenIntrospection(config, tokens.refresh_token!);
  assert.equal(active.active, true);
  assert.equal(active.sub, userId);
  await oidc.tokenRevocation(config, tokens.refresh_token!);
  assert.equal((await oidc.tokenIntrospection(config, tokens.refresh_token!)).active, false);
  await assert.rejects(
    () => oidc.refreshTokenGrant(config, tokens.refresh_token!),
    (error: Error & { error?: string }) => {
      assert.equal(error.error, "invalid_grant");
      return true;
    },
  );
});

Deno.test("openid-client — client_credentials", async () => {
  const config = await discover();
  const tokens = await oidc.clientCredentialsGrant(config, { scope: "reports:read" });
  assert.equal(tokens.scope, "reports:read");
  await assert.rejects(
    () => oidc.clientCredentialsGrant(config, { scope: "everything" }),
    (error: Error & { error?: string }) => error.error === "invalid_scope",
  );
});
