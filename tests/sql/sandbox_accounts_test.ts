/** SQL tests for the offline sandbox's per-project simulator accounts (db/api/payments.sql). */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const bytes = (fill: number, length = 32) => new Uint8Array(length).fill(fill);
const create = (projectId: string | null, fill: number) =>
  appValue<Record<string, string>>(
    db.sql,
    projectId,
    (tx) =>
      tx`select api.create_sandbox_account(${bytes(fill)}, ${bytes(fill + 100)}, ${bytes(fill, 40)}, ${
        bytes(fill + 1, 40)
      })`,
  );

Deno.test("api.create_sandbox_account / api.sandbox_account — one account per project, the first one wins", async () => {
  const a = await seedProject(db.sql);
  assert.equal(await appValue(db.sql, a.id, (tx) => tx`select api.sandbox_account()`), null);
  const made = await create(a.id, 1);
  const again = await create(a.id, 2); // a second instance racing: answered with the first account
  assert.deepEqual(again, made);
  assert.deepEqual(await appValue(db.sql, a.id, (tx) => tx`select api.sandbox_account()`), made);
  const b = await seedProject(db.sql);
  assert.equal(await appValue(db.sql, b.id, (tx) => tx`select api.sandbox_account()`), null, "RLS: not A's");
  await rejectsAs(create(null, 3), "not_found");
});

Deno.test("api.sandbox_account_project / api.is_sandbox_callback_token — by hash, before a project is chosen", async () => {
  const a = await seedProject(db.sql);
  await create(a.id, 7);
  assert.equal(
    await appValue(db.sql, null, (tx) => tx`select api.sandbox_account_project(${bytes(7)})`),
    a.id,
  );
  assert.equal(
    await appValue(db.sql, null, (tx) => tx`select api.sandbox_account_project(${bytes(8)})`),
    null,
  );
  assert.equal(
    await appValue(db.sql, null, (tx) => tx`select api.sandbox_account_project(${bytes(7, 3)})`),
    null,
  );
  assert.equal(
    await appValue(db.sql, null, (tx) => tx`select api.is_sandbox_callback_token(${bytes(107)})`),
    true,
  );
  assert.equal(
    await appValue(db.sql, null, (tx) => tx`select api.is_sandbox_callback_token(${bytes(7)})`),
    false,
  );
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.sandbox_account_project(${bytes(7)})`),
    "forbidden",
  );
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.is_sandbox_callback_token(${bytes(107)})`),
    "forbidden",
  );
  // Outside the definer, the app role sees no account without its project.
  assert.equal(
    await appValue(db.sql, null, (tx) => tx`select count(*)::int from astapa.sandbox_accounts`),
    0,
  );
});
