import assert from "node:assert/strict";
import { createLocalJWKSet, jwtVerify } from "jose";
import { testApp } from "../helpers/app.ts";
import { basic, seedProject } from "../helpers/oauth.ts";
import { postForm } from "../helpers/token_client.ts";
import { signJwt } from "@/lib/tokens/jws.ts";
import { open } from "@/lib/tokens/master_key.ts";
import { importNativeRsaKey, openLibcrypto } from "@/lib/tokens/openssl_rsa.ts";

const signerLines = (logs: Record<string, unknown>[]) => logs.filter((line) => line.msg === "rs256 signer");

/** Issues a client_credentials token through the real endpoint and verifies it with jose against JWKS. */
async function issueAndVerify(t: Awaited<ReturnType<typeof testApp>>) {
  const project = await seedProject(t.db.sql, { settings: { client_credentials_scopes: ["reports:read"] } });
  const { res, body } = await postForm(t, "/api/platform/token", { grant_type: "client_credentials" }, {
    authorization: basic(project.clientId, project.secret),
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  const jwks = createLocalJWKSet(await (await t.app.request("/.well-known/jwks.json")).json());
  const { payload } = await jwtVerify(body.access_token, jwks, {
    issuer: t.origin,
    audience: project.clientId,
    typ: "at+jwt",
    algorithms: ["RS256"],
  });
  assert.equal(payload.sub, project.clientId);
  return body.access_token as string;
}

Deno.test("signer — by default OpenSSL signs, says so in the log, and its tokens verify with jose", async () => {
  const t = await testApp();
  try {
    const key = await t.deps.keys.active();
    assert.ok(key.native && !key.native.closed, "the active key has a native copy");
    assert.deepEqual(
      signerLines(t.logs).map(({ signer, kid }) => ({ signer, kid })),
      [{ signer: "openssl", kid: key.kid }],
    );
    await issueAndVerify(t);
  } finally {
    await t.close();
  }
});

Deno.test("signer — ASTAPA_RS256_SIGNER=webcrypto never loads OpenSSL and signs the same bytes", async () => {
  const web = await testApp({ env: { ASTAPA_RS256_SIGNER: "webcrypto" } });
  try {
    const key = await web.deps.keys.active();
    assert.equal(key.native, null);
    assert.equal(signerLines(web.logs)[0].signer, "webcrypto");
    await issueAndVerify(web);
    // The same key through both paths: identical JWTs (PKCS#1 v1.5 is deterministic).
    const claims = { sub: "7", iat: 1_700_000_000, exp: 1_700_003_600 };
    const viaWebCrypto = await signJwt(key, "at+jwt", claims);
    const opened = openLibcrypto();
    assert.ok("lib" in opened);
    const [row] = await web.db.sql`select private_key from astapa.signing_keys where kid = ${key.kid}`;
    const pkcs8 = await open(web.deps.masterKeys.sealing, row.private_key, key.kid);
    const loaded = await importNativeRsaKey(opened.lib, pkcs8, key.privateKey);
    assert.ok("key" in loaded);
    try {
      assert.equal(await signJwt({ ...key, native: loaded.key }, "at+jwt", claims), viaWebCrypto);
    } finally {
      loaded.key.close();
    }
  } finally {
    await web.close();
  }
});

Deno.test("signer — with libcrypto missing the server falls back to WebCrypto with a warning", async () => {
  const t = await testApp({ env: { ASTAPA_LIBCRYPTO: "/nonexistent/libcrypto.so.3" } });
  try {
    const key = await t.deps.keys.active();
    assert.equal(key.native, null);
    const [line] = signerLines(t.logs);
    assert.equal(line.level, "warn");
    assert.equal(line.signer, "webcrypto");
    assert.match(String(line.reason), /libcrypto unavailable/);
    await issueAndVerify(t);
  } finally {
    await t.close();
  }
});

Deno.test("signer — rotation loads the new key natively and frees the old one; old holders still sign", async () => {
  const t = await testApp();
  try {
    const before = await t.deps.keys.active();
    assert.ok(before.native);
    const again = await t.deps.keys.active();
    assert.equal(again, before, "the loaded key is reused, not re-imported");

    await t.deps.keys.rotate();
    const after = await t.deps.keys.active();
    assert.notEqual(after.kid, before.kid);
    assert.ok(after.native && !after.native.closed);
    assert.equal(before.native.closed, true, "the replaced key's native memory is released");
    assert.deepEqual(signerLines(t.logs).map((line) => line.kid), [before.kid, after.kid]);

    // A request that picked up the old key before rotation still gets a valid token (WebCrypto signs it).
    const now = Math.floor(Date.now() / 1000);
    const late = await signJwt(before, "at+jwt", { sub: "1", iat: now, exp: now + 60 });
    const jwks = createLocalJWKSet(await (await t.app.request("/.well-known/jwks.json")).json());
    await jwtVerify(late, jwks, { algorithms: ["RS256"] });
    await issueAndVerify(t);
  } finally {
    await t.close();
  }
});

Deno.test("signer — closing the key store frees the native key", async () => {
  const t = await testApp();
  const key = await t.deps.keys.active();
  await t.close();
  assert.equal(key.native?.closed, true);
});
