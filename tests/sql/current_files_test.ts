/**
 * The SQL layout (docs/database.md): db/api current files re-applied when they change, after the versioned
 * migrations, once, whole or not at all; an older build refused; an old database upgraded cleanly.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createPool } from "@/db/client.ts";
import { API_DIR, FIRST_LAYOUT_VERSION, readCurrentFiles } from "@/db/current_files.ts";
import { migrate, MIGRATIONS_DIR, migrationStatus, readMigrations } from "@/db/migrate.ts";
import { dumpSchema } from "@/db/schema_dump.ts";
import { testDatabase } from "../helpers/db.ts";

/** A private copy of db/api that a test may edit. */
async function copyOfCurrentFiles(): Promise<URL> {
  const dir = await Deno.makeTempDir({ prefix: "astapa-api-" });
  for await (const entry of Deno.readDir(API_DIR)) {
    await Deno.copyFile(new URL(entry.name, API_DIR), join(dir, entry.name));
  }
  return new URL(`file://${dir}/`);
}

/** The migrations as the previous main carried them: the history only, in one folder. */
async function historyOnly(extra: Record<string, string> = {}): Promise<URL> {
  const dir = await Deno.makeTempDir({ prefix: "astapa-history-" });
  for (const m of await readMigrations()) {
    if (m.version < FIRST_LAYOUT_VERSION) {
      await Deno.writeTextFile(join(dir, `${m.version}_${m.name}.sql`), m.sql);
    }
  }
  for (const [name, sql] of Object.entries(extra)) await Deno.writeTextFile(join(dir, name), sql);
  return new URL(`file://${dir}/`);
}

/** The versioned migrations after the adopting one: tables the current db/api files put policies on. */
async function laterMigrations(): Promise<Record<string, string>> {
  const later: Record<string, string> = {};
  for (const m of await readMigrations()) {
    if (m.version > FIRST_LAYOUT_VERSION) later[`${m.version}_${m.name}.sql`] = m.sql;
  }
  return later;
}

async function edit(dir: URL, file: string, change: (sql: string) => string): Promise<void> {
  const path = new URL(file, dir);
  await Deno.writeTextFile(path, change(await Deno.readTextFile(path)));
}

const remove = (dir: URL) => Deno.remove(dir.pathname, { recursive: true });

async function functionComment(sql: ReturnType<typeof createPool>, name: string): Promise<string> {
  const [row] = await sql`select obj_description(${name}::regprocedure, 'pg_proc') as comment`;
  return row.comment;
}

Deno.test("upgrade — a database the previous main migrated applies 3000 and db/api, re-runs nothing, ends as a fresh one", async () => {
  const old = await testDatabase({ empty: true });
  const fresh = await testDatabase();
  const history = await historyOnly();
  try {
    await migrate(old.sql, history, null);
    await old.sql`drop table astapa_meta.current_file_sets`; // the previous main's runner had no such table
    const before = await old
      .sql`select version, applied_at from astapa_meta.schema_migrations order by version`;
    const applied = await migrate(old.sql);
    // 3000 first, then every later versioned migration of this build, each once.
    const layout = (await readMigrations()).map((m) => m.version).filter((v) => v >= FIRST_LAYOUT_VERSION);
    assert.equal(layout[0], FIRST_LAYOUT_VERSION);
    assert.deepEqual(applied.map((m) => m.version), layout);
    const after = await old
      .sql`select version, applied_at from astapa_meta.schema_migrations order by version`;
    assert.deepEqual(after.slice(0, before.length).map((r) => ({ ...r })), before.map((r) => ({ ...r })));
    assert.equal((await migrationStatus(old.sql)).currentFiles?.pending, false);
    assert.equal(await dumpSchema(old.sql), await dumpSchema(fresh.sql));
  } finally {
    await remove(history);
    await Promise.all([old.close(), fresh.close()]);
  }
});

Deno.test("current files — instances starting together apply a set once", async () => {
  const db = await testDatabase({ empty: true });
  const migrations = await historyOnly({
    [`${FIRST_LAYOUT_VERSION}_adopt_current_sql_files.sql`]: "select 1;",
    ...await laterMigrations(),
    "9992_create_apply_counter.sql": "create table astapa.apply_counter (set_name text);",
  });
  const api = await copyOfCurrentFiles();
  await edit(api, "dashboard.sql", (sql) => `${sql}\ninsert into astapa.apply_counter values ('first');\n`);
  const pools = Array.from({ length: 4 }, () => createPool(db.url, { max: 2 }));
  try {
    await Promise.all(pools.map((pool) => migrate(pool, migrations, api)));
    await edit(api, "dashboard.sql", (sql) => sql.replace("'first'", "'second'"));
    await Promise.all(pools.map((pool) => migrate(pool, migrations, api)));
    const counts = await db
      .sql`select set_name, count(*)::int as n from astapa.apply_counter group by 1 order by 1`;
    assert.deepEqual(counts.map((r) => ({ ...r })), [{ set_name: "first", n: 1 }, {
      set_name: "second",
      n: 1,
    }]);
    const sets = await db
      .sql`select replaced_at is null as live from astapa_meta.current_file_sets order by 1`;
    assert.deepEqual(sets.map((r) => r.live), [false, true], "two sets recorded, the second live");
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
    await Promise.all([remove(migrations), remove(api)]);
    await db.close();
  }
});

Deno.test("current files — an edited file is re-applied on the next start and status says so before", async () => {
  const db = await testDatabase();
  const api = await copyOfCurrentFiles();
  try {
    const name = "astapa.current_project_id()";
    await edit(api, "context.sql", (sql) => `${sql}\ncomment on function ${name} is 'Edited in place.';\n`);
    const status = await migrationStatus(db.sql, MIGRATIONS_DIR, api);
    assert.deepEqual(status.currentFiles, { pending: true, changed: ["context.sql"], problem: null });
    assert.deepEqual(await migrate(db.sql, MIGRATIONS_DIR, api), [], "no versioned migration ran");
    assert.equal(await functionComment(db.sql, name), "Edited in place.");
    assert.equal((await migrationStatus(db.sql, MIGRATIONS_DIR, api)).currentFiles?.pending, false);
  } finally {
    await remove(api);
    await db.close();
  }
});

Deno.test("current files — a failing file rolls the whole set back, names itself, and keeps the old definitions", async () => {
  const db = await testDatabase();
  const api = await copyOfCurrentFiles();
  try {
    const name = "astapa.current_project_id()";
    const before = await functionComment(db.sql, name);
    const [live] = await db.sql`select checksum from astapa_meta.current_file_sets where replaced_at is null`;
    await edit(api, "context.sql", (sql) => `${sql}\ncomment on function ${name} is 'Half applied.';\n`);
    await edit(api, "dashboard.sql", (sql) => `${sql}\nselect 1/0;\n`);
    await assert.rejects(
      () => migrate(db.sql, MIGRATIONS_DIR, api),
      /db\/api\/dashboard.sql failed: division by zero \(nothing of db\/api was applied\)/,
    );
    assert.equal(await functionComment(db.sql, name), before, "the earlier file's change was rolled back");
    const [still] = await db
      .sql`select checksum from astapa_meta.current_file_sets where replaced_at is null`;
    assert.equal(still.checksum, live.checksum);
    assert.equal((await migrationStatus(db.sql, MIGRATIONS_DIR, api)).currentFiles?.pending, true);
  } finally {
    await remove(api);
    await db.close();
  }
});

Deno.test("current files — an older build meeting a newer database refuses to start and says why", async () => {
  const db = await testDatabase();
  const newer = await copyOfCurrentFiles();
  const preLayout = await historyOnly();
  try {
    await edit(newer, "context.sql", (sql) => `${sql}\ncomment on schema astapa is 'Newer.';\n`);
    await migrate(db.sql, MIGRATIONS_DIR, newer);
    await assert.rejects(() => migrate(db.sql), /replaced on .* by a newer Astapa's: run a newer Astapa/);
    const status = await migrationStatus(db.sql);
    assert.equal(status.problems.length, 1);
    await assert.rejects(
      () => migrate(db.sql, preLayout, null),
      new RegExp(`has migration ${FIRST_LAYOUT_VERSION}_adopt_current_sql_files, which this build lacks`),
    );
    const [comment] = await db.sql`select obj_description('astapa'::regnamespace, 'pg_namespace') as text`;
    assert.equal(comment.text, "Newer.", "the refused builds changed nothing");

    // An operator who means it (a rollback; an older branch in development) puts this build's set back.
    assert.deepEqual(await migrate(db.sql, MIGRATIONS_DIR, API_DIR, { reapply: true }), []);
    assert.deepEqual((await migrationStatus(db.sql)).problems, []);
    const live = await db.sql`select checksum from astapa_meta.current_file_sets where replaced_at is null`;
    assert.deepEqual(live.map((r) => r.checksum), [(await readCurrentFiles()).checksum]);
    await assert.rejects(
      () => migrate(db.sql, MIGRATIONS_DIR, newer),
      /by a newer Astapa's/,
      "now the edit is older",
    );
  } finally {
    await Promise.all([remove(newer), remove(preLayout)]);
    await db.close();
  }
});

Deno.test("current files — a file missing from apply_order.txt, or listed but absent, is refused", async () => {
  const api = await copyOfCurrentFiles();
  try {
    await Deno.writeTextFile(new URL("extra.sql", api), "select 1;");
    await assert.rejects(() => readCurrentFiles(api), /db\/api\/extra.sql is not listed in apply_order.txt/);
    await Deno.remove(new URL("extra.sql", api));
    await Deno.remove(new URL("mail.sql", api));
    await assert.rejects(() => readCurrentFiles(api), /lists mail.sql, which is not in db\/api/);
  } finally {
    await remove(api);
  }
});
