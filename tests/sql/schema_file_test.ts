/** db/schema.sql is what a fresh migrate produces (the run's template database is one). */
import assert from "node:assert/strict";
import { dumpSchema, SCHEMA_FILE } from "@/db/schema_dump.ts";
import { testDatabase } from "../helpers/db.ts";

const REGENERATE = "ASTAPA_DATA_DIR=$(mktemp -d) deno task astapa db schema --write";

Deno.test("schema.sql — the checked-in file matches a fresh migrate", async () => {
  const db = await testDatabase();
  try {
    const fresh = (await dumpSchema(db.sql)).split("\n");
    const checkedIn = (await Deno.readTextFile(SCHEMA_FILE)).split("\n");
    const line = fresh.findIndex((text, i) => text !== checkedIn[i]);
    const differs = line !== -1 || fresh.length !== checkedIn.length;
    assert.ok(
      !differs,
      `db/schema.sql differs from a fresh migrate at line ${line + 1}:\n` +
        `  checked in: ${checkedIn[line]}\n  migrated:   ${fresh[line]}\n` +
        `Regenerate it with \`${REGENERATE}\` and commit it (docs/database.md).`,
    );
  } finally {
    await db.close();
  }
});

Deno.test("schema.sql — the dump shows what a DBA needs: RLS flags, policies, definitions, grants", async () => {
  const text = await Deno.readTextFile(SCHEMA_FILE);
  for (
    const expected of [
      "alter table astapa.refresh_tokens force row level security;",
      'create policy "a project rotates and revokes its own refresh tokens" on astapa.refresh_tokens',
      "CREATE OR REPLACE FUNCTION api.rotate_refresh_token(",
      "grant execute on function api.rotate_refresh_token(",
      "comment on table astapa.refresh_tokens is",
      "constraint refresh_tokens_pkey PRIMARY KEY",
    ]
  ) assert.ok(text.includes(expected), `db/schema.sql has ${expected}`);
});
