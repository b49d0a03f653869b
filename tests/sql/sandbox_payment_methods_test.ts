/** SQL tests for the offline simulator's shared payment methods (db/api/sandbox_payment_methods.sql). */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const save = (projectId: string | null, id: string, status = "REQUIRES_ACTION") =>
  asApp(
    db.sql,
    projectId,
    (tx) => tx`select api.save_sandbox_payment_method(${id}, ${status}, ${tx.json({ id, status })})`,
  );
const read = (projectId: string, id: string) =>
  appValue<{ id: string; status: string } | null>(
    db.sql,
    projectId,
    (tx) => tx`select api.sandbox_payment_method(${id})`,
  );

Deno.test("api.save_sandbox_payment_method / api.sandbox_payment_method — per project, ids unique", async () => {
  const a = await seedProject(db.sql);
  const b = await seedProject(db.sql);
  await save(a.id, "pm-sql-1");
  assert.deepEqual(await read(a.id, "pm-sql-1"), { id: "pm-sql-1", status: "REQUIRES_ACTION" });
  assert.equal(await read(b.id, "pm-sql-1"), null, "another project does not see it");
  await rejectsAs(save(null, "pm-sql-2"), "not_found");
  await rejectsAs(save(b.id, "pm-sql-1"), "conflict", undefined);
});

Deno.test("api.transition_sandbox_payment_method — compare and set: one approval, one callback", async () => {
  const a = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  await save(a.id, "pm-sql-3");
  const move = (projectId: string) =>
    appValue<boolean>(
      db.sql,
      projectId,
      (tx) =>
        tx`select api.transition_sandbox_payment_method('pm-sql-3', array['REQUIRES_ACTION'], 'ACTIVE',
          ${tx.json({ id: "pm-sql-3", status: "ACTIVE" })})`,
    );
  assert.equal(await move(other.id), false, "another project cannot move it");
  const both = await Promise.all([move(a.id), move(a.id)]);
  assert.deepEqual(both.sort(), [false, true], "two instances approving at once: one moves it");
  assert.deepEqual(await read(a.id, "pm-sql-3"), { id: "pm-sql-3", status: "ACTIVE" });
});

Deno.test("api.sandbox_payment_method_owner — by id before a project is chosen; refused once one is", async () => {
  const a = await seedProject(db.sql);
  await save(a.id, "pm-sql-4");
  assert.equal(
    await appValue(db.sql, null, (tx) => tx`select api.sandbox_payment_method_owner('pm-sql-4')`),
    a.id,
  );
  assert.equal(
    await appValue(db.sql, null, (tx) => tx`select api.sandbox_payment_method_owner('pm-none')`),
    null,
  );
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.sandbox_payment_method_owner('pm-sql-4')`),
    "forbidden",
  );
  // The lookup shows only the method it names: the owner's setting is cleared after it.
  const rowsSeen = await asApp(db.sql, null, async (tx) => {
    await tx`select api.sandbox_payment_method_owner('pm-sql-4')`;
    return await tx`select id from astapa.sandbox_payment_methods`;
  });
  assert.equal(rowsSeen.length, 0, "no project, no rows");
});
