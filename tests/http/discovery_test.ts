import assert from "node:assert/strict";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { testApp } from "../helpers/app.ts";
import { signJwt } from "@/lib/tokens/jws.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

Deno.test("discovery — both well-known documents agree and every URL derives from the issuer", async () => {
  const oidc = await (await t.app.request("/.well-known/openid-configuration")).json();
  const oauth = await (await t.app.request("/.well-known/oauth-authorization-server")).json();
  assert.deepEqual(oidc, oauth);
  assert.equal(oidc.issuer, "http://astapa.test");
  for (const [name, value] of Object.entries(oidc)) {
    if (name.endsWith("_endpoint") || name.endsWith("_uri")) {
      assert.ok(String(value).startsWith("http://astapa.test/"), `${name} is under the issuer`);
    }
  }
  assert.equal(oidc.authorization_endpoint, "http://astapa.test/auth/login");
  assert.equal(oidc.token_endpoint, "http://astapa.test/api/platform/token");
  assert.deepEqual(oidc.code_challenge_methods_supported, ["S256"]);
  assert.deepEqual(oidc.response_types_supported, ["code"]);
  assert.equal(oidc.authorization_response_iss_parameter_supported, true);
  assert.ok(!Object.values(oidc).includes(null), "no null fields");
  // MCP clients ask for refresh tokens with it (the 2026-07-28 revision).
  assert.ok(oidc.scopes_supported.includes("offline_access"));
  // OIDC Core §5.4: phone asks for phone_number and phone_number_verified (issue 27).
  assert.ok(oidc.scopes_supported.includes("phone"));
  // Public clients may revoke (RFC 7009 §2.1) but not introspect (RFC 7662 §2.1).
  assert.ok(oidc.revocation_endpoint_auth_methods_supported.includes("none"));
  assert.ok(!oidc.introspection_endpoint_auth_methods_supported.includes("none"));
});

Deno.test("jwks — RSA signing keys with kid, use and alg, and never a private part", async () => {
  const res = await t.app.request("/.well-known/jwks.json");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  const { keys } = await res.json();
  assert.equal(keys.length, 2, "the active key and the next one");
  for (const key of keys) {
    assert.equal(key.kty, "RSA");
    assert.equal(key.alg, "RS256");
    assert.equal(key.use, "sig");
    assert.match(key.kid, /^[A-Za-z0-9_-]{43}$/);
    for (const part of ["d", "p", "q", "dp", "dq", "qi"]) assert.ok(!(part in key), `no ${part}`);
  }
  assert.equal(res.headers.get("cache-control"), "public, max-age=300");
  const etag = res.headers.get("etag")!;
  const again = await t.app.request("/.well-known/jwks.json", { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304, "unchanged keys revalidate by ETag");
});

Deno.test("jwks — a token signed with the active key verifies with jose against the published set", async () => {
  const jwks = createLocalJWKSet(await (await t.app.request("/.well-known/jwks.json")).json());
  const key = await t.deps.keys.active();
  const now = Math.floor(Date.now() / 1000);
  const token = await signJwt(key, "at+jwt", {
    iss: "http://astapa.test",
    sub: "42",
    iat: now,
    exp: now + 60,
  });
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer: "http://astapa.test",
    algorithms: ["RS256"],
    typ: "at+jwt",
  });
  assert.equal(payload.sub, "42");
  assert.equal(protectedHeader.kid, key.kid);
});

Deno.test("keys — rotation publishes the successor first and keeps the retired key verifiable", async () => {
  const before = await t.deps.keys.active();
  const now = Math.floor(Date.now() / 1000);
  const oldToken = await signJwt(before, "at+jwt", { sub: "1", iat: now, exp: now + 60 });
  const { keys: published } = await t.deps.keys.jwks();
  const successor = published.find((key) => key.kid !== before.kid)!;

  const promoted = await t.deps.keys.rotate();
  assert.equal(promoted, successor.kid, "the key published as next is the one that now signs");
  const after = await t.deps.keys.active();
  assert.equal(after.kid, successor.kid);
  const newToken = await signJwt(after, "at+jwt", { sub: "1", iat: now, exp: now + 60 });
  assert.equal(decodeProtectedHeader(newToken).kid, successor.kid);

  const { keys } = await (await t.app.request("/.well-known/jwks.json")).json();
  assert.equal(keys.length, 3, "retired, active and a new next key");
  const jwks = createLocalJWKSet({ keys });
  await jwtVerify(oldToken, jwks, { algorithms: ["RS256"] });
  await jwtVerify(newToken, jwks, { algorithms: ["RS256"] });
});

Deno.test("keys — private keys are stored sealed, bound to their kid", async () => {
  const rows = await t.db.sql`select kid, state, private_key from astapa.signing_keys`;
  for (const row of rows) {
    const bytes: Uint8Array = row.private_key;
    // A clear PKCS#8 RSA key starts with the DER bytes 30 82; sealed bytes start with a random IV.
    const text = new TextDecoder().decode(bytes);
    assert.ok(!text.includes("BEGIN"), "not PEM");
    assert.ok(bytes.length > 1200, "ciphertext carries a whole RSA-2048 key");
  }
  // Another key's ciphertext in the active row does not decrypt: the kid is authenticated data.
  const active = rows.find((row) => row.state === "active")!;
  const other = rows.find((row) => row.kid !== active.kid)!;
  await t.db.sql`update astapa.signing_keys set private_key = ${other.private_key} where kid = ${active.kid}`;
  t.deps.keys.invalidate();
  await assert.rejects(() => t.deps.keys.active(), /decrypt|operation/i);
  await t.db
    .sql`update astapa.signing_keys set private_key = ${active.private_key} where kid = ${active.kid}`;
  t.deps.keys.invalidate();
  await t.deps.keys.active();
});

Deno.test("keys — scheduled rotation waits for the key to age, then rotates once", async () => {
  assert.equal(await t.deps.keys.rotateIfOlder(30), null);
  await t.db
    .sql`update astapa.signing_keys set activated_at = now() - interval '31 days' where state = 'active'`;
  const kid = await t.deps.keys.rotateIfOlder(30);
  assert.ok(kid);
  assert.equal((await t.deps.keys.active()).kid, kid);
  assert.equal(await t.deps.keys.rotateIfOlder(30), null, "the new key is young");
});
