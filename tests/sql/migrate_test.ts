import assert from "node:assert/strict";
import { join } from "node:path";
import { createPool } from "@/db/client.ts";
import { migrate, MigrationError, MIGRATIONS_DIR, migrationStatus, readMigrations } from "@/db/migrate.ts";
import { testDatabase } from "../helpers/db.ts";

/** A private copy of db/migrations that a test may edit. */
async function copyOfMigrations(): Promise<URL> {
  const dir = await Deno.makeTempDir({ prefix: "astapa-migrations-" });
  for (const migration of await readMigrations()) {
    await Deno.writeTextFile(join(dir, `${migration.version}_${migration.name}.sql`), migration.sql);
  }
  return new URL(`file://${dir}/`);
}

Deno.test("migrate — applies every file once, in order, and records checksums", async () => {
  const db = await testDatabase({ empty: true });
  try {
    const files = await readMigrations();
    const applied = await migrate(db.sql);
    assert.deepEqual(applied.map((m) => m.version), files.map((m) => m.version));
    assert.deepEqual(await migrate(db.sql), [], "a second run applies nothing");
    const status = await migrationStatus(db.sql);
    assert.equal(status.pending.length, 0);
    assert.deepEqual(status.problems, []);
    assert.deepEqual(status.applied.map((m) => m.checksum), files.map((m) => m.checksum));
    const [owner] = await db
      .sql`select nspowner::regrole::text as owner from pg_namespace where nspname = 'api'`;
    assert.equal(owner.owner, "astapa_owner", "later migrations run as the owner role");
  } finally {
    await db.close();
  }
});

Deno.test("migrate — every run adds the zones Postgres knows that astapa.time_zones lacks (after an upgrade)", async () => {
  const db = await testDatabase({ empty: true });
  try {
    await migrate(db.sql);
    const [before] = await db.sql`select count(*)::int as n from astapa.time_zones`;
    await db.sql`delete from astapa.time_zones where name in ('Asia/Jayapura', 'Pacific/Kanton')`;
    assert.deepEqual(await migrate(db.sql), [], "nothing else to apply");
    const back = await db.sql`select name from astapa.time_zones
                              where name in ('Asia/Jayapura', 'Pacific/Kanton') order by name`;
    assert.deepEqual(back.map((z) => z.name), ["Asia/Jayapura", "Pacific/Kanton"]);
    const [after] = await db.sql`select count(*)::int as n from astapa.time_zones`;
    assert.equal(after.n, before.n);
  } finally {
    await db.close();
  }
});

Deno.test("migrate — instances starting together apply each migration exactly once", async () => {
  const db = await testDatabase({ empty: true });
  const pools = Array.from({ length: 4 }, () => createPool(db.url, { max: 2 }));
  try {
    const results = await Promise.all(pools.map((pool) => migrate(pool)));
    const total = results.reduce((sum, applied) => sum + applied.length, 0);
    assert.equal(total, (await readMigrations()).length, "every file applied by exactly one instance");
    const [count] = await db.sql`select count(*)::int as n from astapa_meta.schema_migrations`;
    assert.equal(count.n, total);
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
    await db.close();
  }
});

Deno.test("migrate — an edited landed migration is refused with a clear message", async () => {
  const db = await testDatabase({ empty: true });
  const dir = await copyOfMigrations();
  try {
    await migrate(db.sql, dir);
    const [first] = await readMigrations(dir);
    const file = new URL(`${first.version}_${first.name}.sql`, dir);
    await Deno.writeTextFile(file, first.sql + "\n-- an innocent edit\n");
    await assert.rejects(() => migrate(db.sql, dir), (error: Error) => {
      assert.ok(error instanceof MigrationError);
      assert.match(error.message, /was edited after it was applied/);
      assert.match(error.message, /forward-only/);
      return true;
    });
    const status = await migrationStatus(db.sql, dir);
    assert.equal(status.problems.length, 1);
  } finally {
    await Deno.remove(dir.pathname, { recursive: true });
    await db.close();
  }
});

Deno.test("migrate — a failing migration rolls back whole and names itself", async () => {
  const db = await testDatabase({ empty: true });
  const dir = await copyOfMigrations();
  try {
    await Deno.writeTextFile(
      new URL("9990_create_half_table.sql", dir),
      "create table astapa.half (id int);\nselect 1/0;",
    );
    await assert.rejects(() => migrate(db.sql, dir), /9990_create_half_table.sql failed: division by zero/);
    const [table] = await db.sql`select to_regclass('astapa.half') as name`;
    assert.equal(table.name, null, "nothing of the failed file remains");
    const status = await migrationStatus(db.sql, dir);
    assert.deepEqual(status.pending.map((m) => m.version), ["9990"]);
  } finally {
    await Deno.remove(dir.pathname, { recursive: true });
    await db.close();
  }
});

Deno.test("migrate — a database newer than this build is refused", async () => {
  const db = await testDatabase({ empty: true });
  const dir = await copyOfMigrations();
  try {
    await Deno.writeTextFile(new URL("9991_create_later.sql", dir), "select 1;");
    await migrate(db.sql, dir);
    await assert.rejects(() => migrate(db.sql), /has migration 9991_create_later, which this build lacks/);
  } finally {
    await Deno.remove(dir.pathname, { recursive: true });
    await db.close();
  }
});

Deno.test("migrate — migrations numbered below applied ones are applied, in number order (an upgrade)", async () => {
  // The release before session 16 ended at 4153; 4081 and 4082 came after it. A database it migrated upgrades.
  const db = await testDatabase({ empty: true });
  const dir = await copyOfMigrations();
  try {
    for (
      const name of ["4081_drop_old_passkey_removals.sql", "4082_drop_project_keys_implied_by_users.sql"]
    ) {
      await Deno.remove(new URL(name, dir));
    }
    await Deno.writeTextFile(new URL("9991_create_later.sql", dir), "create table astapa.later (id int);");
    await migrate(db.sql, dir);
    const tokenKeyToProjects = async () =>
      (await db.sql`
        select count(*)::int as n from pg_constraint
        where conrelid = 'astapa.refresh_tokens'::regclass and conname = 'refresh_tokens_project_id_fkey'`)[0]
        .n;
    assert.equal(await tokenKeyToProjects(), 1, "the older release's key is there");
    for (
      const file of ["4081_drop_old_passkey_removals.sql", "4082_drop_project_keys_implied_by_users.sql"]
    ) {
      await Deno.copyFile(new URL(file, MIGRATIONS_DIR), new URL(file, dir));
    }
    await Deno.writeTextFile(
      new URL("9000_create_earlier.sql", dir),
      "create table astapa.earlier (id int);",
    );
    const status = await migrationStatus(db.sql, dir);
    assert.deepEqual(status.problems, []);
    assert.deepEqual(status.pending.map((m) => m.version), ["4081", "4082", "9000"]);

    const applied = await migrate(db.sql, dir);
    assert.deepEqual(applied.map((m) => m.version), ["4081", "4082", "9000"]);
    const [tables] = await db.sql`
      select to_regclass('astapa.earlier') is not null as earlier, to_regclass('astapa.later') is not null as later`;
    assert.deepEqual({ ...tables }, { earlier: true, later: true });
    assert.equal(await tokenKeyToProjects(), 0, "4082 ran");
    assert.deepEqual(await migrate(db.sql, dir), [], "a second run applies nothing");
  } finally {
    await Deno.remove(dir.pathname, { recursive: true });
    await db.close();
  }
});

Deno.test("migrate — a history file slotted in below applied migrations is refused", async () => {
  const db = await testDatabase({ empty: true });
  const dir = await copyOfMigrations();
  try {
    await migrate(db.sql, dir);
    await Deno.mkdir(new URL("history/", dir));
    await Deno.writeTextFile(new URL("history/0999_create_late_history.sql", dir), "select 1;");
    await assert.rejects(
      () => migrate(db.sql, dir),
      /history\/0999_create_late_history.sql is older than \d{4}, which is already applied: the history is read-only/,
    );
  } finally {
    await Deno.remove(dir.pathname, { recursive: true });
    await db.close();
  }
});

Deno.test("migrate — badly named files are refused", async () => {
  const dir = await copyOfMigrations();
  try {
    await Deno.writeTextFile(new URL("12_whatever.sql", dir), "select 1;");
    await assert.rejects(() => readMigrations(dir), /must be named NNNN_verb_object.sql/);
  } finally {
    await Deno.remove(dir.pathname, { recursive: true });
  }
});
