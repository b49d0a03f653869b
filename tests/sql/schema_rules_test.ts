/**
 * Rules every migration must keep, checked against the real catalog. They apply to tables and functions
 * added later without anyone remembering to add a test.
 */
import assert from "node:assert/strict";
import { rolledBack, rows, testDatabase } from "../helpers/db.ts";
import { asApp } from "@/db/client.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const TABLES_WITHOUT_FORCED_RLS = `
  select format('%I.%I', n.nspname, c.relname) as name
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p')
    and n.nspname not in ('pg_catalog', 'information_schema')
    and exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'project_id' and not a.attisdropped)
    and not (c.relrowsecurity and c.relforcerowsecurity)
  order by 1`;

Deno.test("schema — every table with a project_id column has RLS enabled and forced", async () => {
  assert.deepEqual(rows(await db.sql.unsafe(TABLES_WITHOUT_FORCED_RLS)), []);
});

Deno.test("schema — the RLS check itself catches a table that forgets to force RLS", async () => {
  await rolledBack(db.sql, async (tx) => {
    await tx.unsafe(`create table astapa.forgetful (project_id text primary key)`);
    await tx.unsafe(`alter table astapa.forgetful enable row level security`);
    assert.deepEqual((await tx.unsafe(TABLES_WITHOUT_FORCED_RLS)).map((r) => r.name), ["astapa.forgetful"]);
    await tx.unsafe(`alter table astapa.forgetful force row level security`);
    assert.deepEqual(rows(await tx.unsafe(TABLES_WITHOUT_FORCED_RLS)), []);
  });
});

Deno.test("schema — every table in astapa has a comment", async () => {
  const rows = await db.sql`
    select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'astapa' and c.relkind in ('r', 'p') and obj_description(c.oid, 'pg_class') is null`;
  assert.deepEqual(rows.map((r) => r.relname), []);
});

Deno.test("schema — no function in astapa or api is executable by PUBLIC", async () => {
  const rows = await db.sql`
    select p.oid::regprocedure::text as name
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname in ('astapa', 'api') and has_function_privilege('public', p.oid, 'execute')`;
  assert.deepEqual(rows.map((r) => r.name), []);
});

/**
 * Functions Postgres inlines into the statements that call them, which a SET clause would prevent: each is a
 * one-expression SQL function that names nothing a search_path could redirect (db/api/context.sql says why).
 */
const INLINED = ["astapa.current_project_id()"];

Deno.test("schema — functions pin search_path to empty; definer functions say why in a comment", async () => {
  const rows = await db.sql`
    select p.oid::regprocedure::text as name, p.prosecdef as definer,
           coalesce(p.proconfig, '{}') as config, obj_description(p.oid, 'pg_proc') as comment
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname in ('astapa', 'api') and p.prokind = 'f'`;
  assert.ok(rows.length > 0);
  for (const row of rows) {
    if (INLINED.includes(row.name)) {
      assert.deepEqual([row.config, row.definer], [[], false], `${row.name} is inlined: no SET, no definer`);
      continue;
    }
    assert.ok(row.config.includes('search_path=""'), `${row.name} sets search_path = ''`);
    if (row.definer) assert.ok(row.comment, `${row.name} is security definer and needs a comment saying why`);
  }
});

Deno.test("schema — the functions kept without a SET clause are inlined, whatever the search_path", async () => {
  for (const name of INLINED) {
    // A search_path naming pg_catalog last would let an operator or unqualified function of `public` win.
    const plans = await db.sql.begin(async (tx) => {
      await tx.unsafe("set local search_path = public, pg_catalog");
      return await tx.unsafe(`explain (verbose, costs off) select ${name}`);
    });
    const plan = plans.map((row) => String(row["QUERY PLAN"])).join("\n");
    assert.match(plan, /pg_catalog\.current_setting|current_setting\(/, plan);
    assert.doesNotMatch(plan, new RegExp(name.replace(/[().]/g, "\\$&")), plan);
  }
});

Deno.test("schema — a column is compared with (select astapa.current_project_id()), evaluated once per statement", async () => {
  // Inlined, the function is an expression of two current_setting calls: bare in a predicate on a table the
  // planner scans (a hundred projects fit three pages), it was evaluated for every row (docs/performance.md,
  // "Session 18"). As a scalar subquery it is computed once and compared as a parameter, in an index condition
  // as in a filter — as the row policies have always written it.
  const rows = await db.sql`
    select p.oid::regprocedure::text as name
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname in ('astapa', 'api') and p.prokind = 'f'
      and p.prosrc ~ '[a-z_]+\.[a-z_]+ = astapa\.current_project_id\(\)'`;
  assert.deepEqual(rows.map((row) => row.name), []);
});

Deno.test("schema — a SQL function names its parameters with the function's name where a table it reads has such a column", async () => {
  // In a `language sql` body a column wins over a parameter of the same name, silently: a bare `lookup_id`
  // beside astapa.refresh_tokens was the column, and the function matched every row (session 19). PL/pgSQL
  // refuses the ambiguity itself (plpgsql.variable_conflict = error), so only SQL bodies are read here: a bare
  // use of a parameter is refused when any table the body names has a column of that name, whatever the scope
  // (a reader cannot tell at a glance either). The left side of a SET list is the column, and is skipped.
  const functions = await db.sql`
    select p.oid::regprocedure::text as name, p.prosrc as body, coalesce(p.proargnames, '{}') as args
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
    where n.nspname in ('astapa', 'api') and p.prokind = 'f' and l.lanname = 'sql'`;
  const columns = await db.sql`
    select c.relname as table, a.attname as column
    from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'astapa' and c.relkind in ('r', 'p', 'v') and a.attnum > 0 and not a.attisdropped`;
  const columnsOf = new Map<string, Set<string>>();
  for (const { table, column } of columns) {
    if (!columnsOf.has(table)) columnsOf.set(table, new Set());
    columnsOf.get(table)!.add(column);
  }
  const bare: string[] = [];
  for (const f of functions) {
    const body = String(f.body).replace(/--[^\n]*/g, "").replace(/'(?:[^']|'')*'/g, "''");
    const tables = [...body.matchAll(/astapa\.([a-z_]+)\b(?!\s*\()/g)].map((m) => m[1]);
    for (const arg of (f.args as string[]).filter(Boolean)) {
      if (!tables.some((table) => columnsOf.get(table)?.has(arg))) continue;
      const uses = new RegExp(`(?<![.\\w"])${arg}(?![\\w"]|\\s*\\.|\\s*=>|\\s*\\()`, "g");
      const assigned = new RegExp(`(?:\\bset|,)\\s*$`);
      for (const use of body.matchAll(uses)) {
        const before = body.slice(0, use.index);
        const after = body.slice(use.index! + arg.length);
        if (assigned.test(before) && /^\s*=(?!=)/.test(after)) continue;
        bare.push(`${f.name}: ${arg}`);
      }
    }
  }
  assert.deepEqual([...new Set(bare)], [], "qualify each with the function's name, e.g. f.user_id");
});

Deno.test("roles — the app role owns nothing, cannot bypass RLS, and is not a superuser", async () => {
  const [role] = await db.sql`
    select rolsuper, rolbypassrls, rolcanlogin from pg_roles where rolname = 'astapa_app'`;
  assert.deepEqual({ ...role }, { rolsuper: false, rolbypassrls: false, rolcanlogin: false });
  const owned = await db.sql`
    select c.relname from pg_class c join pg_roles r on r.oid = c.relowner where r.rolname = 'astapa_app'`;
  assert.deepEqual(rows(owned), []);
  const [owner] = await db.sql`select rolbypassrls, rolsuper from pg_roles where rolname = 'astapa_owner'`;
  assert.deepEqual({ ...owner }, { rolbypassrls: false, rolsuper: false });
});

Deno.test("request context — the project setting is per transaction and absent by default", async () => {
  const seen = await asApp(db.sql, "proj_abc", async (tx) => {
    const [row] = await tx`select current_user as role, astapa.current_project_id() as project`;
    return { ...row };
  });
  assert.deepEqual(seen, { role: "astapa_app", project: "proj_abc" });
  const none = await asApp(db.sql, null, async (tx) => {
    const [row] = await tx`select astapa.current_project_id() as project`;
    return row.project;
  });
  assert.equal(none, null);
  const [after] = await db
    .sql`select current_user as role, current_setting('astapa.project_id', true) as project`;
  assert.notEqual(after.role, "astapa_app");
  assert.ok(!after.project, "the setting did not leak past the transaction");
});
