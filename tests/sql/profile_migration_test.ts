/**
 * Migration 4261 (the profile) on a database whose account pages kept names as the `name` custom claim: a name
 * that meets the profile's rules becomes the profile's (trimmed, dated as the claim was), one that does not
 * (too long, a control or bidi character, not a string) is left out; the custom claims stay as they were, and
 * nothing is emitted for it.
 */
import assert from "node:assert/strict";
import { migrate, MIGRATIONS_DIR } from "@/db/migrate.ts";
import { databaseBefore } from "../helpers/migrations.ts";

const PROFILE = "4261";
const PROJECT = "proj_namenamenamename";

Deno.test("migration 4261 — a valid name custom claim becomes the profile's name; the claims stay", async () => {
  const db = await databaseBefore(PROFILE);
  try {
    await db.sql`insert into astapa.projects (id, name, client_id, client_secret_hash)
                 values (${PROJECT}, 'Names', ${"cid_".padEnd(28, "n")}, sha256('secret'))`;
    const claims: [number, unknown][] = [
      [1, "  Ayu Lestari "],
      [2, "x".repeat(300)],
      [3, "Mallory\u202Egnp.exe"],
      [4, 42],
      [5, null],
    ];
    for (const [id, name] of claims) {
      await db.sql`insert into astapa.users (project_id, id, email, environment)
                   values (${PROJECT}, ${id}, ${`u${id}@example.com`}, 'sandbox')`;
      const extra = name === null ? { tier: 1 } : { name, tier: 1 };
      await db.sql`insert into astapa.user_claims (project_id, user_id, extra, updated_at)
                   values (${PROJECT}, ${id}, ${JSON.stringify(extra)}::text::jsonb, '2025-01-02T03:04:05Z')`;
    }
    const applied = await migrate(db.sql, MIGRATIONS_DIR);
    assert.ok(applied.some((m) => m.version === PROFILE), "4261 ran on this database");
    const users = await db.sql`select u.id::int, u.name, u.profile_updated_at, c.extra from astapa.users u
      join astapa.user_claims c on c.project_id = u.project_id and c.user_id = u.id order by u.id`;
    assert.deepEqual(users.map((u) => [u.id, u.name]), [[1, "Ayu Lestari"], [2, null], [3, null], [4, null], [
      5,
      null,
    ]]);
    assert.equal(users[0].profile_updated_at.toISOString(), "2025-01-02T03:04:05.000Z");
    assert.deepEqual(users[0].extra, { name: "  Ayu Lestari ", tier: 1 }, "the custom claim stays as it was");
    const [events] = await db.sql`select count(*)::int as n from astapa.events where type = 'user.updated'`;
    assert.equal(events.n, 0);
  } finally {
    await db.close();
  }
});
