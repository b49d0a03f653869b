/** SQL tests for the offline simulator's shared charges and idempotency keys (db/api/payments.sql). */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const save = (projectId: string | null, id: string, status = "PENDING") =>
  asApp(
    db.sql,
    projectId,
    (tx) =>
      tx`select api.save_sandbox_charge(${id}, 'invoice', 'chk_x', ${status}, ${
        tx.json({ id, status, externalId: "chk_x" })
      })`,
  );

Deno.test("api.save_sandbox_charge / api.sandbox_charge / api.sandbox_invoices — per project", async () => {
  const a = await seedProject(db.sql);
  const b = await seedProject(db.sql);
  await save(a.id, "aaaaaaaaaaaaaaaaaaaaaaa1");
  await save(a.id, "aaaaaaaaaaaaaaaaaaaaaaa2");
  const charge = await appValue<{ kind: string; record: { id: string } }>(
    db.sql,
    a.id,
    (tx) => tx`select api.sandbox_charge('aaaaaaaaaaaaaaaaaaaaaaa1')`,
  );
  assert.deepEqual({ kind: charge.kind, id: charge.record.id }, {
    kind: "invoice",
    id: "aaaaaaaaaaaaaaaaaaaaaaa1",
  });
  assert.equal(
    await appValue(db.sql, b.id, (tx) => tx`select api.sandbox_charge('aaaaaaaaaaaaaaaaaaaaaaa1')`),
    null,
  );
  const listed = await appValue<{ id: string }[]>(
    db.sql,
    a.id,
    (tx) => tx`select api.sandbox_invoices('chk_x', 10)`,
  );
  assert.deepEqual(listed.map((r) => r.id).sort(), ["aaaaaaaaaaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaaaaaaaaaa2"]);
  assert.deepEqual(await appValue(db.sql, b.id, (tx) => tx`select api.sandbox_invoices(null, 10)`), []);
  await rejectsAs(save(null, "aaaaaaaaaaaaaaaaaaaaaaa3"), "not_found");
  await rejectsAs(save(b.id, "aaaaaaaaaaaaaaaaaaaaaaa1"), "conflict", undefined); // ids are unique everywhere
});

Deno.test("api.transition_sandbox_charge — compare and set: the second payment does not happen", async () => {
  const a = await seedProject(db.sql);
  await save(a.id, "bbbbbbbbbbbbbbbbbbbbbbb1");
  const move = (projectId: string) =>
    appValue<boolean>(
      db.sql,
      projectId,
      (tx) =>
        tx`select api.transition_sandbox_charge('bbbbbbbbbbbbbbbbbbbbbbb1', array['PENDING'], 'PAID',
        ${tx.json({ id: "bbbbbbbbbbbbbbbbbbbbbbb1", status: "PAID" })})`,
    );
  const other = await seedProject(db.sql);
  assert.equal(await move(other.id), false, "another project cannot move it");
  assert.equal(await move(a.id), true);
  assert.equal(await move(a.id), false, "already paid");
});

Deno.test("api.sandbox_charge_owner — by id before a project is chosen; refused once one is", async () => {
  const a = await seedProject(db.sql);
  await save(a.id, "ccccccccccccccccccccccc1");
  assert.equal(
    await appValue(db.sql, null, (tx) => tx`select api.sandbox_charge_owner('ccccccccccccccccccccccc1')`),
    a.id,
  );
  assert.equal(await appValue(db.sql, null, (tx) => tx`select api.sandbox_charge_owner('nope')`), null);
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.sandbox_charge_owner('ccccccccccccccccccccccc1')`),
    "forbidden",
  );
  assert.equal(await appValue(db.sql, null, (tx) => tx`select count(*)::int from astapa.sandbox_charges`), 0);
});

Deno.test("api.save_sandbox_idempotency / api.sandbox_idempotency — the first answer is kept, per project", async () => {
  const a = await seedProject(db.sql);
  const b = await seedProject(db.sql);
  const remember = (projectId: string, hash: string) =>
    appValue<{ request_hash: string }>(
      db.sql,
      projectId,
      (tx) => tx`select api.save_sandbox_idempotency('k1', ${hash}, 201, ${tx.json({ id: hash })})`,
    );
  assert.equal((await remember(a.id, "first")).request_hash, "first");
  assert.equal((await remember(a.id, "second")).request_hash, "first");
  assert.equal((await remember(b.id, "other")).request_hash, "other", "keys are per project");
  assert.equal(await appValue(db.sql, a.id, (tx) => tx`select api.sandbox_idempotency('k2')`), null);
});
