/**
 * Two reuse detections in one refresh-token family at once (db/api/tokens.sql, api.rotate_refresh_token): two
 * used tokens of a sign-in presented again together, as two stolen copies replayed at the same moment. Each
 * revokes the whole family; before the fix each held the token it presented while it locked the others, and the
 * two waited for each other in a circle (Postgres aborted one: a deadlock, a 500). Now a detection locks the
 * owner's row for update before the family, so the second waits for the first and finds its token revoked.
 */
import assert from "node:assert/strict";
import { asApp, createPool, type Tx } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { waitForLockWaiter } from "../helpers/lock_race.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
// No grace window: a used token presented again is a reuse at once.
const project = await seedProject(db.sql, { settings: { refresh_grace_seconds: 0 } });

/** A sign-in rotated along `names` (in insertion order): every token but the last used a minute ago. */
async function family(user: string, names: string[]): Promise<Map<string, string>> {
  const familyId = crypto.randomUUID();
  const ids = new Map<string, string>();
  let parent: string | null = null;
  for (const [i, name] of names.entries()) {
    const used = i < names.length - 1;
    const [row]: { id: string }[] = await db
      .sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, parent_id,
        user_id, client_id, scope, expires_at, auth_time, used_at)
      values (${project.id}, ${await sha256(name)}, ${familyId}, ${parent}, ${user}, ${project.clientId},
        'openid', now() + interval '1 day', now() - interval '5 minutes',
        case when ${used} then now() - interval '1 minute' end)
      returning id::text`;
    ids.set(name, row.id);
    parent = row.id;
  }
  return ids;
}

const replay = async (tx: Tx, token: string) =>
  (await tx`select api.rotate_refresh_token(${await sha256(token)}, ${project.clientId},
    ${await sha256(`${token}-successor`)}, null) as grant`)[0].grant as Record<string, unknown>;

/** invalid_grant either way: the error object of a detection, or AS4G0 for a token found revoked. */
function invalidGrant(result: PromiseSettledResult<Record<string, unknown>>): boolean {
  if (result.status === "fulfilled") return result.value.error === "invalid_grant";
  return (result.reason as { code?: string }).code === "AS4G0";
}

Deno.test("api.rotate_refresh_token — two reuses in one family at once: no deadlock, both invalid_grant", async () => {
  const user = await seedUser(db.sql, project.id, "replayed.twice@example.com", { verified: true });
  const ids = await family(user, ["rt-0", "rt-1", "rt-2", "rt-3"]);
  // Something holds the family's first token (another revocation of the family, say) while both replays arrive:
  // both are under way, each past the token it presented, before either revokes the rest. Without a common
  // order, each then holds its own token and waits for the other's.
  let replays: Promise<PromiseSettledResult<Record<string, unknown>>[]> | undefined;
  await db.sql.begin(async (tx) => {
    await tx`select from astapa.refresh_tokens where id = ${ids.get("rt-0")!} for update`;
    replays = Promise.allSettled([
      asApp(db.sql, project.id, (app) => replay(app, "rt-1")),
      asApp(db.sql, project.id, (app) => replay(app, "rt-2")),
    ]);
    await waitForLockWaiter(db.sql, 2);
  });
  const results = await replays!;
  for (const result of results) {
    assert.ok(
      invalidGrant(result),
      `invalid_grant, not ${JSON.stringify(result.status === "fulfilled" ? result.value : result.reason)}`,
    );
  }
  assert.ok(results.some((r) => r.status === "fulfilled"), "one of them detected the reuse and revoked");
  const [row] = await db.sql`select count(*) filter (where revoked_at is null)::int as live,
      count(*) filter (where revoked_reason = 'reuse_detected')::int as reused
    from astapa.refresh_tokens where project_id = ${project.id} and user_id = ${user}`;
  assert.equal(row.live, 0, "no token of the family is left live");
  assert.equal(row.reused, 4, "every token of the family revoked as reuse_detected");
});

/** Resolves once `count` sessions of this database wait for a lock not granted yet (pg_locks, not a sampled state). */
async function waitForUngranted(count: number): Promise<void> {
  for (let asked = 0; asked < 1000; asked++) {
    const [row] = await wide`select count(distinct l.pid)::int as waiting,
        pg_sleep(case when count(distinct l.pid) < ${count} then 0.01 else 0 end)
      from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where not l.granted and a.datname = current_database()`;
    if (row.waiting === count) return;
  }
  throw new Error(`${count} transaction(s) never waited for a lock`);
}

/** A rotation of `token` (found by its lookup id when it has one) to the successor `successor`. */
const rotate = async (tx: Tx, token: string, successor: string, lookupId: string | null) =>
  (await tx`select api.rotate_refresh_token(${await sha256(token)}, ${project.clientId},
    ${await sha256(successor)}, null, null, ${lookupId}) as grant`)[0].grant as Record<string, unknown>;

/** A rotation by the token's rightful holder, its transaction held open until `release` is called. */
function heldRotation(token: string, successor: string, lookupId: string | null) {
  let release!: () => void;
  let held!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  const rotated = new Promise<void>((resolve) => held = resolve);
  const done = asApp(wide, project.id, async (tx) => {
    const grant = await rotate(tx, token, successor, lookupId);
    held();
    await gate;
    return grant;
  });
  return { rotated, done, release };
}

// Two connections more than the tests above: the family's first token held, two rotations and two replays.
const wide = createPool(db.url, { max: 8, applicationName: "astapa-test" });
Deno.test.afterAll(() => wide.end({ timeout: 5 }));

Deno.test("api.rotate_refresh_token — two copies that each find their token used while waiting for it: no deadlock", async () => {
  const user = await seedUser(db.sql, project.id, "waited.twice@example.com", { verified: true });
  const ids = await family(user, ["kw-0", "kw-1"]);
  // A stolen copy of kw-1 is presented while its owner rotates it (to kw-2), and a stolen copy of kw-2 while its
  // owner rotates that (to kw-3). Each copy found its token unused and took the user's row for key share, then
  // waited for the token and found it used: a reuse, which revokes the family in id order. Before, each still
  // held the token it had waited for, and the two waited for each other's. Something holds the family's first
  // token meanwhile, so both are under way before either revokes.
  let replays: Promise<PromiseSettledResult<Record<string, unknown>>[]> | undefined;
  const owners = await wide.begin(async (tx) => {
    await tx`select from astapa.refresh_tokens where id = ${ids.get("kw-0")!} for update`;
    const first = heldRotation("kw-1", "kw-2", null);
    await first.rotated;
    const firstCopy = asApp(wide, project.id, (app) => rotate(app, "kw-1", "kw-1-copy", null));
    await waitForUngranted(1); // the copy waits for kw-1
    first.release();
    await first.done;
    await waitForUngranted(1); // … and then for kw-0, revoking the family
    const kw2 = (await first.done).refresh_token_id as string;
    const second = heldRotation("kw-2", "kw-3", kw2);
    await second.rotated;
    const secondCopy = asApp(wide, project.id, (app) => rotate(app, "kw-2", "kw-2-copy", kw2));
    await waitForUngranted(2); // the second copy waits for kw-2
    second.release();
    await second.done;
    await waitForUngranted(2); // … and then for kw-0 too
    replays = Promise.allSettled([firstCopy, secondCopy]);
    return [await first.done, await second.done];
  });
  assert.ok(owners.every((grant) => typeof grant.refresh_token_id === "string"), "both owners rotated");
  const results = await replays!;
  for (const result of results) {
    assert.ok(
      invalidGrant(result),
      `invalid_grant, not ${JSON.stringify(result.status === "fulfilled" ? result.value : result.reason)}`,
    );
  }
  const [row] = await db.sql`select count(*) filter (where revoked_at is null)::int as live
    from astapa.refresh_tokens where project_id = ${project.id} and user_id = ${user}`;
  assert.equal(row.live, 0, "no token of the family is left live, kw-3 included");
});
