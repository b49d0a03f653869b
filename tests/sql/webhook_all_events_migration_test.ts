/**
 * Migration 4202 (all_events) on a database with endpoints already set: each keeps exactly the list it had —
 * including one listing every type there was, which may have meant "all" but is not widened — and a new
 * endpoint set without a list receives all events.
 */
import assert from "node:assert/strict";
import { migrate, MIGRATIONS_DIR } from "@/db/migrate.ts";
import { databaseBefore } from "../helpers/migrations.ts";

const ALL_EVENTS = "4202";
const EVERY = "proj_everyeveryeveryy";
const ONE = "proj_oneoneoneoneoneo";

Deno.test("migration 4202 — existing endpoints keep their lists; none is widened to all events", async () => {
  const db = await databaseBefore(ALL_EVENTS);
  try {
    const [{ types }] = await db.sql`select astapa.webhook_event_types() as types`;
    for (const [id, events] of [[EVERY, types], [ONE, ["user.created"]]] as const) {
      await db.sql`insert into astapa.projects (id, name, client_id, client_secret_hash)
                   values (${id}, ${id}, ${id.replace("proj_", "cid_").padEnd(28, "a")}, sha256('secret'))`;
      await db.sql`insert into astapa.webhook_endpoints (project_id, url, secret_sealed, events)
                   values (${id}, 'https://app.example/hooks', ${new Uint8Array(40)}, ${events})`;
    }

    const applied = await migrate(db.sql, MIGRATIONS_DIR);
    assert.ok(applied.some((m) => m.version === ALL_EVENTS), "4202 ran on this database");
    const rows = await db
      .sql`select project_id, all_events, events, astapa.webhook_endpoint_json(project_id) -> 'events' as shown
                              from astapa.webhook_endpoints order by project_id`;
    assert.deepEqual(rows.map((r) => ({ ...r })), [
      { project_id: EVERY, all_events: false, events: types, shown: types },
      { project_id: ONE, all_events: false, events: ["user.created"], shown: ["user.created"] },
    ]);
    const [{ column_default }] = await db.sql`select column_default from information_schema.columns
      where table_schema = 'astapa' and table_name = 'webhook_endpoints' and column_name = 'all_events'`;
    assert.equal(column_default, "true", "an endpoint inserted from now on without a list gets all events");
  } finally {
    await db.close();
  }
});
