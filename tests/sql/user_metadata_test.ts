/**
 * A user's metadata (db/api/user_metadata.sql): astapa.json_merge_patch (RFC 7396, its appendix A examples),
 * api.user_metadata and api.patch_user_metadata — merged or replaced, capped at 8 KiB, audited by key, the
 * current project's users only, erased with the user and carried by the exports.
 */
import assert from "node:assert/strict";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { patchUserMetadata, userMetadata } from "@/db/user_metadata.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const { sql } = db;

Deno.test("astapa.json_merge_patch — RFC 7396 appendix A, example by example", async () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [["a", "b"], ["c", "d"], ["c", "d"]],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, expected] of cases) {
    const [row] = await sql`select astapa.json_merge_patch(${sql.json(target as never)}::jsonb,
      ${patch === null ? sql`'null'::jsonb` : sql`${sql.json(patch as never)}::jsonb`}) as merged`;
    assert.deepEqual(row.merged, expected, JSON.stringify([target, patch]));
  }
});

Deno.test("api.patch_user_metadata — merges, replaces, caps at 8 KiB, audits the keys and never another project's user", async () => {
  const p = await seedProject(sql);
  const user = await seedUser(sql, p.id, "meta@example.com", { verified: true });
  const as = <T>(work: Parameters<typeof asApp<T>>[2], projectId = p.id) => asApp(sql, projectId, work);
  assert.deepEqual(await as((tx) => userMetadata(tx, p.id, user)), {});
  assert.deepEqual(
    await as((tx) =>
      patchUserMetadata(tx, p.id, user, { stripe: "cus_1", onboarding: { step: 2, done: false } })
    ),
    { stripe: "cus_1", onboarding: { step: 2, done: false } },
  );
  assert.deepEqual(
    await as((tx) => patchUserMetadata(tx, p.id, user, { onboarding: { done: true }, stripe: null })),
    { onboarding: { step: 2, done: true } },
  );
  assert.deepEqual(await as((tx) => patchUserMetadata(tx, p.id, user, { note: "vip" }, true)), {
    note: "vip",
  });
  assert.deepEqual(await as((tx) => userMetadata(tx, p.id, user)), { note: "vip" });
  // The same patch again changes nothing and audits nothing.
  await as((tx) => patchUserMetadata(tx, p.id, user, { note: "vip" }));
  const audits = await sql`select details from astapa.audit_log where project_id = ${p.id}
    and action = 'user.metadata_updated' order by id`;
  assert.deepEqual(audits.map((a) => a.details), [
    { keys: ["onboarding", "stripe"] },
    { keys: ["onboarding", "stripe"] },
    { keys: ["note", "onboarding"] },
  ]);
  await rejectsAs(
    as((tx) => patchUserMetadata(tx, p.id, user, { big: "x".repeat(8200) })),
    "validation_failed",
  );
  await rejectsAs(
    as((tx) => tx`select api.patch_user_metadata(${p.id}, ${user}::bigint, '[1]'::jsonb)`),
    "validation_failed",
  );
  assert.deepEqual(
    await as((tx) => userMetadata(tx, p.id, user)),
    { note: "vip" },
    "a refused patch left it",
  );
  const other = await seedProject(sql);
  await rejectsAs(as((tx) => userMetadata(tx, p.id, user), other.id), "not_found");
  await rejectsAs(as((tx) => patchUserMetadata(tx, p.id, user, { x: 1 }), other.id), "not_found");
  await rejectsAs(as((tx) => patchUserMetadata(tx, p.id, "999999", { x: 1 })), "not_found");
  assert.equal(
    await appValue(sql, other.id, (tx) => tx`select count(*)::int from astapa.user_metadata`),
    0,
    "another project sees no row",
  );
});

Deno.test("user metadata — erased with the user; exported and imported whole", async () => {
  const p = await seedProject(sql);
  const user = await seedUser(sql, p.id, "gone@example.com", { verified: true });
  await asApp(sql, p.id, (tx) => patchUserMetadata(tx, p.id, user, { crm: "42" }));
  const [page] = await asApp(sql, p.id, (tx) => tx`select api.export_users(${p.id}) as users`);
  assert.deepEqual(page.users.map((u: { metadata?: unknown }) => u.metadata), [{ crm: "42" }]);
  await asApp(sql, p.id, (tx) => tx`select astapa.erase_user(${user}, 'admin')`);
  const [left] = await sql`select count(*)::int as n from astapa.user_metadata where user_id = ${user}`;
  assert.equal(left.n, 0);

  const q = await seedProject(sql);
  const rows = [{ email: "moved@example.com", metadata: { crm: "7", tags: ["a"] } }];
  const imported = await asApp(
    sql,
    q.id,
    (tx) => tx`select api.import_users(${q.id}, ${sql.json(rows)}) as r`,
  );
  assert.equal(imported[0].r.created, 1, JSON.stringify(imported[0].r));
  const [moved] = await sql`select m.metadata from astapa.user_metadata m join astapa.users u
    on u.project_id = m.project_id and u.id = m.user_id where u.email = 'moved@example.com'`;
  assert.deepEqual(moved.metadata, { crm: "7", tags: ["a"] });
  const refused = await asApp(
    sql,
    q.id,
    (tx) =>
      tx`select api.import_users(${q.id}, ${sql.json([{ email: "x@example.com", metadata: [1] }])}) as r`,
  );
  assert.equal(refused[0].r.created, 0, JSON.stringify(refused[0].r));
});
