import assert from "node:assert/strict";
import { createLocalJWKSet, jwtVerify } from "jose";
import { testApp } from "../helpers/app.ts";
import { basic, issueCode, pkcePair, seedProject, seedUser } from "../helpers/oauth.ts";
import { sha256 } from "@/lib/secrets.ts";
import { claimsOf, credentials, postForm, postJson } from "../helpers/token_client.ts";
import { takeLive } from "../helpers/live_keys.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql);
const userId = await seedUser(t.db.sql, project.id, "Ayu@Example.com", { verified: true });
const TOKEN = "/api/platform/token";

const exchange = (code: string, extra: Record<string, string> = {}) =>
  postJson(t, TOKEN, {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    ...credentials(project),
    ...extra,
  });

Deno.test("authorization_code — the product page's JSON exchange returns the promised token", async () => {
  const code = await issueCode(t.db.sql, project, { userId });
  const { res, body } = await exchange(code);
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.equal(res.headers.get("pragma"), "no-cache");
  assert.deepEqual(Object.keys(body).sort(), ["access_token", "expires_in", "refresh_token", "token_type"]);
  assert.equal(body.token_type, "Bearer");
  assert.equal(body.expires_in, 3600);
  // Its row's lookup id (22 characters) and a 256-bit secret (43): tests/oauth/refresh_token_lookup_test.ts.
  assert.match(body.refresh_token, /^[A-Za-z0-9_-]{65}$/);

  const jwks = createLocalJWKSet(await (await t.app.request("/.well-known/jwks.json")).json());
  const { payload, protectedHeader } = await jwtVerify(body.access_token, jwks, {
    issuer: t.origin,
    audience: project.clientId,
    algorithms: ["RS256"],
    typ: "at+jwt",
  });
  assert.equal(protectedHeader.typ, "at+jwt");
  assert.ok(protectedHeader.kid);
  assert.deepEqual(
    Object.keys(payload).sort(),
    [
      "acr",
      "amr",
      "aud",
      "auth_time",
      "client_id",
      "custom_claims",
      "email",
      "email_verified",
      "environment",
      "exp",
      "iat",
      "iss",
      "jti",
      "project_id",
      "sub",
    ],
  );
  assert.equal(payload.sub, userId);
  assert.equal(typeof payload.sub, "string");
  assert.equal(payload.email, "Ayu@Example.com");
  assert.equal(payload.email_verified, true);
  assert.equal(payload.project_id, project.id);
  assert.equal(payload.environment, "sandbox", "projects start in sandbox, and their tokens say so");
  assert.deepEqual(payload.custom_claims, { plan: "free", feature_flags: [] });
  assert.equal(payload.client_id, project.clientId);
  assert.equal(payload.exp! - payload.iat!, 3600);
  // How and when the person signed in (issue 19): a password alone here, so no multi-factor acr.
  assert.deepEqual(payload.amr, ["pwd"]);
  assert.equal(payload.acr, "0");
  assert.ok(typeof payload.auth_time === "number" && payload.auth_time <= payload.iat!);
});

Deno.test("authorization_code — form body with HTTP Basic works too", async () => {
  const code = await issueCode(t.db.sql, project, { userId });
  const { res, body } = await postForm(
    t,
    TOKEN,
    { grant_type: "authorization_code", code, redirect_uri: project.redirectUri },
    { authorization: basic(project.clientId, project.secret) },
  );
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(claimsOf(body.access_token).sub, userId);
});

Deno.test("authorization_code — a code works once; the second use revokes what the first issued", async () => {
  const code = await issueCode(t.db.sql, project, { userId });
  const first = await exchange(code);
  assert.equal(first.res.status, 200);
  const second = await exchange(code);
  assert.equal(second.res.status, 400);
  assert.equal(second.body.error, "invalid_grant");
  assert.match(second.body.error_description, /already used/);
  const refresh = await postJson(t, TOKEN, {
    grant_type: "refresh_token",
    refresh_token: first.body.refresh_token,
    ...credentials(project),
  });
  assert.equal(refresh.res.status, 400);
  assert.equal(refresh.body.error, "invalid_grant", "the first redemption's refresh token is revoked");
});

Deno.test("authorization_code — expired, unknown, wrong redirect_uri or another client's code: invalid_grant", async () => {
  const other = await seedProject(t.db.sql);
  const expired = await issueCode(t.db.sql, project, { userId, ttlSeconds: 1 });
  await t.db.sql`update astapa.authorization_codes set expires_at = now() - interval '1 second'
                 where code_hash = ${await sha256(expired)}`;
  const cases: [string, Promise<{ body: Record<string, string> }>][] = [
    ["expired", exchange(expired)],
    ["unknown", exchange("not-a-real-code")],
    [
      "redirect_uri",
      exchange(await issueCode(t.db.sql, project, { userId }), { redirect_uri: "https://evil.example/cb" }),
    ],
  ];
  for (const [name, call] of cases) {
    const { body } = await call;
    assert.equal(body.error, "invalid_grant", name);
  }
  // A code of this project presented by another project's client is unknown there (RLS, not a where clause).
  const code = await issueCode(t.db.sql, project, { userId });
  const { body } = await postJson(t, TOKEN, {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    ...credentials(other),
  });
  assert.equal(body.error, "invalid_grant");
});

Deno.test("authorization_code — PKCE S256: required when challenged, must match, refused when unasked", async () => {
  const { verifier, challenge } = await pkcePair();
  const missing = await exchange(await issueCode(t.db.sql, project, { userId, codeChallenge: challenge }));
  assert.equal(missing.body.error, "invalid_grant");
  const wrong = await exchange(await issueCode(t.db.sql, project, { userId, codeChallenge: challenge }), {
    code_verifier: (await pkcePair()).verifier,
  });
  assert.equal(wrong.body.error, "invalid_grant");
  const unasked = await exchange(await issueCode(t.db.sql, project, { userId }), { code_verifier: verifier });
  assert.equal(unasked.body.error, "invalid_grant");
  const right = await exchange(await issueCode(t.db.sql, project, { userId, codeChallenge: challenge }), {
    code_verifier: verifier,
  });
  assert.equal(right.res.status, 200);
});

Deno.test("authorization_code — openid scope adds an ID token with the nonce", async () => {
  const code = await issueCode(t.db.sql, project, { userId, scope: "openid email", nonce: "n-0S6_WzA2Mj" });
  const { res, body } = await exchange(code);
  assert.equal(res.status, 200);
  assert.equal(body.scope, "openid email");
  const jwks = createLocalJWKSet(await (await t.app.request("/.well-known/jwks.json")).json());
  const { payload } = await jwtVerify(body.id_token, jwks, { issuer: t.origin, audience: project.clientId });
  assert.equal(payload.nonce, "n-0S6_WzA2Mj");
  assert.equal(payload.sub, userId);
  assert.equal(typeof payload.auth_time, "number");
  assert.equal(claimsOf(body.access_token).scope, "openid email");
});

Deno.test("authorization_code — the project's access token lifetime shows in expires_in and exp", async () => {
  const short = await seedProject(t.db.sql, { settings: { access_token_ttl: 900 } });
  const user = await seedUser(t.db.sql, short.id);
  const code = await issueCode(t.db.sql, short, { userId: user });
  const { body } = await postJson(t, TOKEN, {
    grant_type: "authorization_code",
    code,
    redirect_uri: short.redirectUri,
    ...credentials(short),
  });
  assert.equal(body.expires_in, 900);
  const claims = claimsOf(body.access_token) as { exp: number; iat: number };
  assert.equal(claims.exp - claims.iat, 900);
});

Deno.test("authorization_code — a disabled user gets no tokens", async () => {
  const blocked = await seedUser(t.db.sql, project.id, "blocked@example.com");
  const code = await issueCode(t.db.sql, project, { userId: blocked });
  await t.db.sql`update astapa.users set disabled = true where id = ${blocked}`;
  const { body } = await exchange(code);
  assert.equal(body.error, "invalid_grant");
});

Deno.test("authorization_code — a project restricted to other grants answers unauthorized_client", async () => {
  const restricted = await seedProject(t.db.sql, { settings: { grant_types: ["client_credentials"] } });
  const user = await seedUser(t.db.sql, restricted.id);
  const code = await issueCode(t.db.sql, restricted, { userId: user });
  const { res, body } = await postJson(t, TOKEN, {
    grant_type: "authorization_code",
    code,
    redirect_uri: restricted.redirectUri,
    ...credentials(restricted),
  });
  assert.equal(res.status, 400);
  assert.equal(body.error, "unauthorized_client");
});

Deno.test("environments — going live: production tokens carry no environment claim; sandbox users get none", async () => {
  const shop = await seedProject(t.db.sql);
  const tester = await seedUser(t.db.sql, shop.id, "tester@example.com");
  const sandboxSession = await postJson(t, TOKEN, {
    grant_type: "authorization_code",
    code: await issueCode(t.db.sql, shop, { userId: tester }),
    redirect_uri: shop.redirectUri,
    ...credentials(shop),
  });
  assert.equal(claimsOf(sandboxSession.body.access_token).environment, "sandbox");

  await takeLive(t.db.sql, shop.id);
  const refresh = await postJson(t, TOKEN, {
    grant_type: "refresh_token",
    refresh_token: sandboxSession.body.refresh_token,
    ...credentials(shop),
  });
  assert.equal(refresh.body.error, "invalid_grant");
  assert.match(refresh.body.error_description, /sandbox data, and the project is in production mode/);
  const userinfo = await t.app.request("/api/platform/userinfo", {
    headers: { authorization: `Bearer ${sandboxSession.body.access_token}` },
  });
  assert.equal(userinfo.status, 401, "a sandbox token is not accepted by a live project");

  const customer = await seedUser(t.db.sql, shop.id, "customer@example.com");
  const live = await postJson(t, TOKEN, {
    grant_type: "authorization_code",
    code: await issueCode(t.db.sql, shop, { userId: customer }),
    redirect_uri: shop.redirectUri,
    ...credentials(shop),
  });
  assert.equal(live.res.status, 200);
  assert.equal(claimsOf(live.body.access_token).environment, undefined, "exactly the documented claims");
});
