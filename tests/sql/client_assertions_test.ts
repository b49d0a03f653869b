/** SQL tests for client assertions (db/api/client_assertions.sql): public keys, the jti replay check, audits. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedMachineClient } from "../helpers/machine_clients.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const a = await seedProject(db.sql, { name: "A" });
const b = await seedProject(db.sql, { name: "B" });
const clientA = await seedMachineClient(db.sql, a.id);
const KEY = { kty: "EC", crv: "P-256", x: "x".repeat(43), y: "y".repeat(43), kid: "k1" };
const jwks = (keys: unknown[]) => db.sql.json({ keys } as never);

Deno.test("api.set_machine_client_jwks — sets, audits and clears public keys; refuses private ones and other projects", async () => {
  const set = await appValue<{ jwks: { keys: { kid: string }[] } }>(
    db.sql,
    a.id,
    (tx) => tx`select api.set_machine_client_jwks(${clientA.clientId}, ${jwks([KEY])})`,
  );
  assert.equal(set.jwks.keys[0].kid, "k1");
  const audit = await appValue<Record<string, unknown>>(
    db.sql,
    a.id,
    (tx) =>
      tx`select details from astapa.audit_log where action = 'machine_client.set_keys' order by id desc limit 1`,
  );
  assert.deepEqual(audit, { kids: ["k1"] });
  for (const bad of [[{ ...KEY, d: "secret" }], [{ kty: "oct", k: "abc" }], [], Array(6).fill(KEY)]) {
    await rejectsAs(
      asApp(db.sql, a.id, (tx) => tx`select api.set_machine_client_jwks(${clientA.clientId}, ${jwks(bad)})`),
      "validation_failed",
    );
  }
  await rejectsAs(
    asApp(db.sql, b.id, (tx) => tx`select api.set_machine_client_jwks(${clientA.clientId}, ${jwks([KEY])})`),
    "not_found",
  );
  const cleared = await appValue<Record<string, unknown>>(
    db.sql,
    a.id,
    (tx) => tx`select api.set_machine_client_jwks(${clientA.clientId}, null)`,
  );
  assert.equal(cleared.jwks, undefined);
});

Deno.test("api.machine_client_keys — a client's keys and project before any project is set; null without keys", async () => {
  const client = await seedMachineClient(db.sql, b.id);
  assert.equal(
    await appValue(db.sql, null, (tx) => tx`select api.machine_client_keys(${client.clientId})`),
    null,
  );
  await asApp(
    db.sql,
    b.id,
    (tx) => tx`select api.set_machine_client_jwks(${client.clientId}, ${jwks([KEY])})`,
  );
  const keys = await appValue<Record<string, unknown>>(
    db.sql,
    null,
    (tx) => tx`select api.machine_client_keys(${client.clientId})`,
  );
  assert.deepEqual(keys, { project_id: b.id, enabled: true, jwks: { keys: [KEY] }, dpop_required: false });
  assert.equal(await appValue(db.sql, null, (tx) => tx`select api.machine_client_keys('cid_nope')`), null);
  // The lookup leaves no client visible behind it.
  assert.equal(
    await appValue(db.sql, null, (tx) =>
      tx`select api.machine_client_keys(${client.clientId}) is not null and
                (select count(*) from astapa.machine_clients) = 0`),
    true,
  );
});

Deno.test("api.consume_client_assertion — first use true, replay false, bounds AS400, expired rows swept", async () => {
  const soon = new Date(Date.now() + 60_000);
  const consume = (jti: string, at: Date, client = "mcl_x") =>
    appValue<boolean>(
      db.sql,
      null,
      (tx) => tx`select api.consume_client_assertion(${client}, ${jti}, ${at})`,
    );
  assert.equal(await consume("j1", soon), true);
  assert.equal(await consume("j1", soon), false);
  assert.equal(await consume("j1", soon, "mcl_y"), true, "jti is per client");
  await rejectsAs(consume("j2", new Date(Date.now() + 3_600_000)), "validation_failed");
  await rejectsAs(consume("", soon), "validation_failed");
  await db
    .sql`insert into astapa.client_assertion_jtis values ('mcl_old', 'gone', now() - interval '1 hour')`;
  await consume("j3", soon);
  const [{ left }] = await db.sql`select count(*)::int as left from astapa.client_assertion_jtis
                                  where client_id = 'mcl_old'`;
  assert.equal(left, 0);
});

Deno.test("api.record_client_assertion_refused — audits in the current project; none set is AS400", async () => {
  await asApp(
    db.sql,
    a.id,
    (tx) => tx`select api.record_client_assertion_refused('mcl_z', 'replayed', '/t')`,
  );
  const row = await appValue<Record<string, unknown>>(
    db.sql,
    a.id,
    (tx) =>
      tx`select pg_catalog.jsonb_build_object('target', target, 'details', details) from astapa.audit_log
       where action = 'client.assertion_refused' order by id desc limit 1`,
  );
  assert.deepEqual(row, { target: "mcl_z", details: { reason: "replayed", path: "/t" } });
  await rejectsAs(
    asApp(db.sql, null, (tx) => tx`select api.record_client_assertion_refused('mcl_z', 'replayed', '/t')`),
    "validation_failed",
  );
});
