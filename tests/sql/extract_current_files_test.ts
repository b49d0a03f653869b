/**
 * The extractor behind db/api (db/tools): it keeps the last definition of each function, trigger and policy
 * across migrations, so db/api can be regenerated after more history-style migrations land.
 */
import assert from "node:assert/strict";
import { FIRST_LAYOUT_VERSION } from "@/db/current_files.ts";
import { readMigrations } from "@/db/migrate.ts";
import { areaOfMigration } from "@/db/tools/areas.ts";
import { readDefinitions } from "@/db/tools/sql_definitions.ts";
import { normalise, splitStatements } from "@/db/tools/sql_statements.ts";

const history = (await readMigrations()).filter((m) => m.version < FIRST_LAYOUT_VERSION);

Deno.test("extractor — statements split on top-level semicolons only", () => {
  const sql = `create function a() returns text as $body$ select 'x;y' $body$ language sql; -- c;
    /* d; */ comment on function a() is 'it''s; fine';\nselect "we;ird" from t`;
  assert.deepEqual(splitStatements(sql).map((s) => s.text.split("\n")[0].slice(0, 26)), [
    "create function a() return",
    "/* d; */ comment on functi",
    'select "we;ird" from t',
  ]);
  assert.match(normalise(splitStatements(sql)[1].text), /^comment on function a\(\) is/);
});

Deno.test("extractor — a later migration's restatement, comment, drop and recreated policy win", () => {
  const later = {
    version: "2001",
    name: "restate_things",
    sql: `
      create or replace function api.rotate_refresh_token(
        token_hash bytea, client_id text, successor_hash bytea, requested_scope text, resource text default null)
        returns jsonb language sql set search_path = '' as $$ select '{"restated": true}'::jsonb $$;
      comment on function api.rotate_refresh_token(bytea, text, bytea, text, text) is 'Restated.';
      drop function api.revoke_user_refresh_tokens(bigint, text);
      drop policy "a project reads its own row" on astapa.projects;
      create policy "a project reads its own row" on astapa.projects for select using (false);`,
  };
  const base = readDefinitions(history, areaOfMigration);
  const restated: string[] = [];
  const after = readDefinitions([...history, later], areaOfMigration, (key) => restated.push(key));
  const rotate = after.find((d) => d.key === "function api.rotate_refresh_token(bytea,text,bytea,text,text)");
  assert.match(rotate!.create, /"restated": true/);
  assert.equal(rotate!.comment?.endsWith("'Restated.'"), true);
  assert.equal(rotate!.area, "tokens", "a restated function stays in its area");
  assert.ok(rotate!.privileges.some((p) => p.startsWith("grant execute")), "earlier grants still apply");
  assert.equal(after.length, base.length - 1, "the dropped function is gone");
  assert.ok(!after.some((d) => d.key.startsWith("function api.revoke_user_refresh_tokens(")));
  const policy = after.find((d) => d.key === 'policy astapa.projects "a project reads its own row"');
  assert.match(policy!.create, /^drop policy if exists "a project reads its own row" on astapa.projects;\n/);
  assert.match(policy!.create, /using \(false\)$/);
  assert.equal(policy!.area, "projects", "a recreated policy stays in its area");
  assert.ok(restated.includes("function api.rotate_refresh_token(bytea,text,bytea,text,text)"));
});

Deno.test("extractor — a new function from an unmapped migration asks for its area", () => {
  const later = {
    version: "2002",
    name: "create_new_thing",
    sql: "create function api.new_thing() returns int language sql set search_path = '' as $$ select 1 $$;",
  };
  assert.throws(
    () => readDefinitions([...history, later], areaOfMigration),
    /Migration 2002 defines function api.new_thing\(\), a new object: add "2002" to the area/,
  );
});

Deno.test("extractor — what it cannot carry over stops it instead of being lost", () => {
  const later = {
    version: "2003",
    name: "alter_policy",
    sql: `alter policy "x" on astapa.projects using (true);`,
  };
  assert.throws(() => readDefinitions([...history, later], areaOfMigration), /cannot carry "alter policy/);
});
