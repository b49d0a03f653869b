/**
 * Migration 4220 (several endpoints a project) on a database with an endpoint and deliveries already: the
 * endpoint keeps its url, secret, events and enabled and gets an id; its deliveries name it; a delivery whose
 * project has no endpoint left keeps no endpoint; a second endpoint can then be added.
 */
import assert from "node:assert/strict";
import { migrate, MIGRATIONS_DIR } from "@/db/migrate.ts";
import { databaseBefore } from "../helpers/migrations.ts";

const ENDPOINT_IDS = "4220";
const KEPT = "proj_keptkeptkeptkept";
const GONE = "proj_gonegonegonegone";

Deno.test("migration 4220 — the existing endpoint keeps everything and gets an id; its deliveries name it", async () => {
  const db = await databaseBefore(ENDPOINT_IDS);
  try {
    for (const id of [KEPT, GONE]) {
      await db.sql`insert into astapa.projects (id, name, client_id, client_secret_hash)
                   values (${id}, ${id}, ${id.replace("proj_", "cid_").padEnd(28, "a")}, sha256('secret'))`;
      await db
        .sql`insert into astapa.webhook_endpoints (project_id, url, secret_sealed, all_events, events, enabled)
                   values (${id}, ${`https://${id}.example/hooks`}, ${new Uint8Array(40).fill(7)}, false,
                           array['user.created'], true)`;
      await db.sql`insert into astapa.events (project_id, type, data) values (${id}, 'user.created', '{}')`;
    }
    await db.sql`delete from astapa.webhook_endpoints where project_id = ${GONE}`;

    const applied = await migrate(db.sql, MIGRATIONS_DIR);
    assert.ok(applied.some((m) => m.version === ENDPOINT_IDS), "4220 ran on this database");
    const [endpoint] = await db.sql`select public_id, url, secret_sealed, all_events, events, enabled, id
                                    from astapa.webhook_endpoints where project_id = ${KEPT}`;
    assert.match(endpoint.public_id, /^wep_[a-z2-7]{24}$/);
    assert.deepEqual(
      [endpoint.url, [...endpoint.secret_sealed], endpoint.all_events, endpoint.events, endpoint.enabled],
      [`https://${KEPT}.example/hooks`, [...new Uint8Array(40).fill(7)], false, ["user.created"], true],
    );
    const deliveries = await db
      .sql`select project_id, endpoint_id, endpoint_url from astapa.webhook_deliveries
                                    order by project_id`;
    assert.deepEqual(deliveries.map((d) => ({ ...d })), [
      { project_id: GONE, endpoint_id: null, endpoint_url: null },
      { project_id: KEPT, endpoint_id: endpoint.id, endpoint_url: `https://${KEPT}.example/hooks` },
    ]);
    await db.sql`insert into astapa.webhook_endpoints (project_id, url, secret_sealed)
                 values (${KEPT}, 'https://second.example/hooks', ${new Uint8Array(40)})`;
    const [{ n }] = await db
      .sql`select count(*)::int as n from astapa.webhook_endpoints where project_id = ${KEPT}`;
    assert.equal(n, 2, "a second endpoint fits the new key");
  } finally {
    await db.close();
  }
});
