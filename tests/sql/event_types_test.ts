/**
 * The events table's list of types (astapa.event_types) against what db/api emits and what apps may subscribe
 * to, and the refresh tokens' revocation reasons (astapa.refresh_token_revocation_reasons) against what db/api
 * writes. Both were check constraints that branches restated and so dropped one another's values (3080, 3800,
 * 3900); they are tables now, and these tests catch a value written but never added.
 */
import assert from "node:assert/strict";
import { rolledBack, testDatabase } from "../helpers/db.ts";
import { seedProject } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

/** Every event type named in an astapa.emit_event(project, 'type', …) call in db/api. */
async function emittedTypes(): Promise<string[]> {
  const found = new Set<string>();
  for await (const file of Deno.readDir(new URL("../../db/api/", import.meta.url))) {
    if (!file.name.endsWith(".sql")) continue;
    const text = await Deno.readTextFile(new URL(`../../db/api/${file.name}`, import.meta.url));
    for (const match of text.matchAll(/astapa\.emit_event\([^,]+,\s*'([a-z_.]+)'/g)) found.add(match[1]);
  }
  return [...found].sort();
}

Deno.test("events — every type db/api emits and every webhook type is one the events table takes", async () => {
  const project = await seedProject(db.sql);
  const [subscribable] = await db.sql`select astapa.webhook_event_types() as types`;
  const types = [...new Set([...await emittedTypes(), ...subscribable.types])];
  assert.ok(types.length >= 10, `found ${types.join(", ")}`);
  for (const type of types) {
    await rolledBack(db.sql, (tx) =>
      tx`insert into astapa.events (project_id, type, data)
                                         values (${project.id}, ${type}, '{}')`);
  }
  await assert.rejects(
    rolledBack(db.sql, (tx) =>
      tx`insert into astapa.events (project_id, type, data)
                                   values (${project.id}, 'user.invented', '{}')`),
    /events_type_fkey/,
  );
});

/** Every revocation reason db/api writes: `revoked_reason = '…'` (or a case of them) and revoke_user_refresh_tokens(…, '…'). */
async function revocationReasons(): Promise<string[]> {
  const found = new Set<string>();
  for await (const file of Deno.readDir(new URL("../../db/api/", import.meta.url))) {
    if (!file.name.endsWith(".sql")) continue;
    const text = await Deno.readTextFile(new URL(`../../db/api/${file.name}`, import.meta.url));
    for (const match of text.matchAll(/revoked_reason = (case .*? end|'[a-z_]+')/g)) {
      for (const literal of match[1].matchAll(/'([a-z_]+)'/g)) found.add(literal[1]);
    }
    for (
      const match of text.matchAll(/revoke_(?:user_refresh_tokens|refresh_family)\([^,]+,\s*'([a-z_]+)'\)/g)
    ) {
      found.add(match[1]);
    }
  }
  return [...found].sort();
}

Deno.test("refresh tokens — every revocation reason db/api writes is one the table takes", async () => {
  const reasons = await revocationReasons();
  assert.ok(reasons.length >= 6, `found ${reasons.join(", ")}`);
  const known = (await db.sql`select reason from astapa.refresh_token_revocation_reasons`).map((r) =>
    r.reason
  );
  for (const reason of reasons) assert.ok(known.includes(reason), reason);
});
