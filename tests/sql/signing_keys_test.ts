import assert from "node:assert/strict";
import { rolledBack, testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const jwk = (kid: string) => ({ kty: "RSA", kid, n: "AQAB", e: "AQAB", alg: "RS256", use: "sig" });
const KID_A = "a".repeat(43);
const KID_B = "b".repeat(43);
const KID_C = "c".repeat(43);

Deno.test("api.install_signing_keys — installs once; a second install (another instance) is a no-op", async () => {
  await rolledBack(db.sql, async (tx) => {
    await tx`set local role astapa_app`;
    const install = (kid: string, next: string) =>
      tx`select api.install_signing_keys(${kid}, ${tx.json(jwk(kid))}, ${new Uint8Array([1])},
                                         ${next}, ${tx.json(jwk(next))}, ${new Uint8Array([
        2,
      ])}) as installed`;
    assert.equal((await install(KID_A, KID_B))[0].installed, true);
    assert.equal((await install(KID_C, KID_C.replace(/c/g, "d")))[0].installed, false);
    const keys = await tx`select kid, state from api.signing_keys()`;
    assert.deepEqual(keys.map((k) => [k.kid, k.state]), [[KID_A, "active"], [KID_B, "next"]]);
  });
});

Deno.test("api.rotate_signing_keys — promotes next, retires active, publishes retired keys for a day", async () => {
  await rolledBack(db.sql, async (tx) => {
    await tx`set local role astapa_app`;
    await tx`select api.install_signing_keys(${KID_A}, ${tx.json(jwk(KID_A))}, ${new Uint8Array([1])},
                                             ${KID_B}, ${tx.json(jwk(KID_B))}, ${new Uint8Array([2])})`;
    const [row] = await tx`select api.rotate_signing_keys(${KID_C}, ${tx.json(jwk(KID_C))}, ${new Uint8Array([
      3,
    ])}) as kid`;
    assert.equal(row.kid, KID_B);
    const keys = await tx`select kid, state from api.signing_keys()`;
    assert.deepEqual(keys.map((k) => [k.kid, k.state]), [[KID_B, "active"], [KID_C, "next"], [
      KID_A,
      "retired",
    ]]);
    const recent = await tx`select kid from api.signing_keys(interval '0 seconds')`;
    assert.ok(!recent.some((k) => k.kid === KID_A), "a retired key drops out after the window");
  });
});

Deno.test("api.rotate_signing_keys — without a next key it raises AS409", async () => {
  await assert.rejects(
    () =>
      rolledBack(db.sql, async (tx) => {
        await tx`delete from astapa.signing_keys`;
        await tx`set local role astapa_app`;
        await tx`select api.rotate_signing_keys(${KID_C}, ${tx.json(jwk(KID_C))}, ${new Uint8Array([3])})`;
      }),
    (error: { code?: string; message: string }) =>
      error.code === "AS409" && /no next key/.test(error.message),
  );
});

Deno.test("signing_keys — a published key with a private part, or two active keys, are refused", async () => {
  await assert.rejects(
    () =>
      rolledBack(db.sql, (tx) =>
        tx`insert into astapa.signing_keys (kid, state, public_jwk, private_key)
           values (${KID_A}, 'next', ${tx.json({ ...jwk(KID_A), d: "secret" })}, '\\x01')`),
    /signing_keys_public_jwk_check/,
  );
  await assert.rejects(
    () =>
      rolledBack(
        db.sql,
        (tx) =>
          tx`insert into astapa.signing_keys (kid, state, public_jwk, private_key) values
           (${KID_A}, 'active', ${tx.json(jwk(KID_A))}, '\\x01'),
           (${KID_B}, 'active', ${tx.json(jwk(KID_B))}, '\\x01')`,
      ),
    /signing_keys_one_active_idx/,
  );
});

Deno.test("api.rotate_signing_keys_if_older — rotates only when the active key is older than the limit", async () => {
  await rolledBack(db.sql, async (tx) => {
    await tx`set local role astapa_app`;
    await tx`select api.install_signing_keys(${KID_A}, ${tx.json(jwk(KID_A))}, ${new Uint8Array([1])},
                                             ${KID_B}, ${tx.json(jwk(KID_B))}, ${new Uint8Array([2])})`;
    const young = await tx`select api.rotate_signing_keys_if_older(interval '1 day', ${KID_C},
                             ${tx.json(jwk(KID_C))}, ${new Uint8Array([3])}) as kid`;
    assert.equal(young[0].kid, null, "a fresh key is not due");
    await tx`reset role`;
    await tx`update astapa.signing_keys set activated_at = now() - interval '2 days' where state = 'active'`;
    await tx`set local role astapa_app`;
    const due = await tx`select api.rotate_signing_keys_if_older(interval '1 day', ${KID_C},
                           ${tx.json(jwk(KID_C))}, ${new Uint8Array([3])}) as kid`;
    assert.equal(due[0].kid, KID_B, "the next key took over");
  });
});

Deno.test("api.list_signing_keys — every key with its history, next then active then retired, never key material", async () => {
  await rolledBack(db.sql, async (tx) => {
    await tx`set local role astapa_app`;
    assert.deepEqual([...await tx`select * from api.list_signing_keys()`], [], "none before install");
    await tx`select api.install_signing_keys(${KID_A}, ${tx.json(jwk(KID_A))}, ${new Uint8Array([1])},
                                             ${KID_B}, ${tx.json(jwk(KID_B))}, ${new Uint8Array([2])})`;
    await tx`select api.rotate_signing_keys(${KID_C}, ${tx.json(jwk(KID_C))}, ${new Uint8Array([3])})`;
    const listed = await tx`select * from api.list_signing_keys()`;
    assert.deepEqual(listed.columns.map((c) => c.name), [
      "kid",
      "state",
      "created_at",
      "activated_at",
      "retired_at",
    ]);
    assert.deepEqual(
      listed.map((k) => [k.kid, k.state, k.activated_at !== null, k.retired_at !== null]),
      [[KID_C, "next", false, false], [KID_B, "active", true, false], [KID_A, "retired", true, true]],
      "retired keys stay listed, unlike api.signing_keys after its window",
    );
  });
});
