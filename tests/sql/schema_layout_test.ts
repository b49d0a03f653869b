/**
 * Where SQL may live (docs/database.md): every function, trigger and policy in exactly one db/api file;
 * versioned migrations from 3000 on define none; the history folder holds only what landed before 3000.
 */
import assert from "node:assert/strict";
import { API_DIR, FIRST_LAYOUT_VERSION, readCurrentFiles } from "@/db/current_files.ts";
import { MIGRATIONS_DIR, readMigrations } from "@/db/migrate.ts";
import { readDefinitions } from "@/db/tools/sql_definitions.ts";
import { normalise, splitStatements } from "@/db/tools/sql_statements.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const DEFINES =
  /^(create (or replace )?(function|procedure|trigger|view|policy)|comment on function|(grant|revoke) .* on function|alter (function|policy))\b/i;

async function sqlFileNames(dir: URL): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).filter((e) => e.name.endsWith(".sql")).map((e) => e.name);
}

Deno.test("layout — the history folder holds migrations below 3000 only, db/migrations those from 3000 on", async () => {
  const history = await sqlFileNames(new URL("history/", MIGRATIONS_DIR));
  assert.ok(history.length >= 75);
  assert.deepEqual(history.filter((name) => name.slice(0, 4) >= FIRST_LAYOUT_VERSION), []);
  const versioned = await sqlFileNames(MIGRATIONS_DIR);
  assert.deepEqual(versioned.filter((name) => name.slice(0, 4) < FIRST_LAYOUT_VERSION), []);
});

Deno.test("layout — versioned migrations from 3000 on define no function, trigger, view or policy", async () => {
  const offending = (await readMigrations())
    .filter((m) => m.version >= FIRST_LAYOUT_VERSION)
    .flatMap((m) =>
      splitStatements(m.sql).map((s) => normalise(s.text)).filter((words) => DEFINES.test(words))
        .map((words) => `${m.version}_${m.name}.sql: ${words.slice(0, 70)}`)
    );
  assert.deepEqual(offending, [], "put these in their db/api file (docs/database.md)");
});

Deno.test("layout — every function, trigger and policy of the database is defined once, in one db/api file", async () => {
  const restated: string[] = [];
  const files = (await readCurrentFiles(API_DIR)).files;
  const perFile = files.map((file) =>
    readDefinitions(
      [{ version: "db/api", name: file.name.replace(".sql", ""), sql: file.sql }],
      () => file.name,
      (key) => {
        restated.push(`${key} again in ${file.name}`);
      },
    )
  );
  const seen = new Map<string, string>();
  for (const [i, definitions] of perFile.entries()) {
    for (const { key } of definitions) {
      if (seen.has(key)) restated.push(`${key} in ${seen.get(key)} and ${files[i].name}`);
      seen.set(key, files[i].name);
    }
  }
  assert.deepEqual(restated, []);
  const catalog = await db.sql.begin(async (tx) => {
    await tx`set local search_path = pg_catalog`;
    return await tx<{ key: string }[]>`
      select format('function %s', replace(p.oid::regprocedure::text, ', ', ',')) as key
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname in ('astapa', 'api')
      union all
      select format('policy %I.%I %s', schemaname, tablename, quote_ident(policyname)) from pg_policies
      where schemaname in ('astapa', 'api')
      union all
      select format('trigger %s.%s', t.tgrelid::regclass, t.tgname) from pg_trigger t where not t.tgisinternal`;
  });
  assert.deepEqual([...seen.keys()].sort(), catalog.map((r) => r.key).sort());
});
