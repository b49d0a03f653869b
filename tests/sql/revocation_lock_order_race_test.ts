/**
 * The revocations of a family or of one client's tokens against a reuse detection in the same family (db/api:
 * tokens.sql, device_authorization.sql, consents.sql, account.sql, self_registered_tokens.sql). A rotation of the
 * family's newest token holds it while a second refresh of that token (a stolen copy) waits for it; the
 * revocation arrives in between. Before the fix the revocation locked the family's first token, then waited for
 * the newest; the second refresh, once the rotation committed, found its token used, held it and locked the
 * family from the first token: a circle, Postgres aborted one (40P01, a 500). Now every revocation locks the
 * owner's row for update first, so it waits for both refreshes, and revokes what is left.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";
import { lockRace, waitForLockWaiter } from "../helpers/lock_race.ts";
import { pkcePair } from "../helpers/oauth.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const RESOURCE = "https://locks.example/mcp";
// No grace window: a used token presented again with another successor is a reuse at once.
const project = await seedProject(db.sql, {
  name: "Lock order",
  settings: { refresh_grace_seconds: 0, dynamic_clients: true },
});
await seedRegistry(db.sql, project.id, { resources: [RESOURCE], scopes: ["a"] });
const CLIENT = "dcl_" + "l".repeat(24);
await db.sql`insert into astapa.dynamic_clients (client_id, client_name, redirect_uris, grant_types,
    token_endpoint_auth_method, metadata, registered_from)
  values (${CLIENT}, 'Agent', ${["https://agent.example/cb"]}, ${[
  "authorization_code",
  "refresh_token",
]}, 'none',
    '{}', '127.0.0.1')`;

type Case = { user: string; family: string; name: string };

/** A user whose sign-in with the client rotated once: `${name}-0` used a minute ago, `${name}-1` live. */
async function signedIn(name: string): Promise<Case> {
  const user = await seedUser(db.sql, project.id, `${name}@example.com`, { verified: true });
  const family = crypto.randomUUID();
  let parent: string | null = null;
  for (const i of [0, 1]) {
    const [row]: { id: string }[] = await db.sql`insert into astapa.refresh_tokens (project_id, token_hash,
        family_id, parent_id, user_id, client_id, scope, resource, expires_at, auth_time, used_at)
      values (${project.id}, ${await sha256(`${name}-${i}`)}, ${family}, ${parent}, ${user}, ${CLIENT}, 'a',
        ${RESOURCE}, now() + interval '1 day', now() - interval '5 minutes',
        case when ${i === 0} then now() - interval '1 minute' end)
      returning id::text`;
    parent = row.id;
  }
  await db.sql`insert into astapa.consents (project_id, user_id, client_id, resource, scopes)
    values (${project.id}, ${user}, ${CLIENT}, ${RESOURCE}, '{a}')`;
  return { user, family, name };
}

const rotate = async (tx: Tx, token: string, successor: string) =>
  (await tx`select api.rotate_refresh_token(${await sha256(token)}, ${CLIENT}, ${await sha256(successor)},
    null) as grant`)[0].grant as Record<string, unknown>;

/**
 * The race: the newest token rotates (held, uncommitted) while a stolen copy of it is presented (it waits for
 * the token) and `revoke` runs; then the rotation commits. Returns the stolen copy's and the revocation's ends.
 */
async function duringReuseDetection(
  of: Case,
  revoke: (tx: Tx) => Promise<unknown>,
): Promise<[PromiseSettledResult<Record<string, unknown>>, PromiseSettledResult<unknown>]> {
  let racing:
    | Promise<[PromiseSettledResult<Record<string, unknown>>, PromiseSettledResult<unknown>]>
    | undefined;
  await asApp(db.sql, project.id, async (tx) => {
    await rotate(tx, `${of.name}-1`, `${of.name}-2`);
    const stolen = Promise.allSettled([
      asApp(db.sql, project.id, (app) => rotate(app, `${of.name}-1`, `${of.name}-stolen`)),
    ]);
    await waitForLockWaiter(db.sql, 1);
    const revocation = Promise.allSettled([asApp(db.sql, project.id, revoke)]);
    await waitForLockWaiter(db.sql, 2);
    racing = Promise.all([stolen, revocation]).then(([[a], [b]]) => [a, b]);
  });
  return await racing!;
}

async function assertOneOutcome(
  of: Case,
  [stolen, revocation]: [PromiseSettledResult<Record<string, unknown>>, PromiseSettledResult<unknown>],
): Promise<void> {
  for (const result of [stolen, revocation]) {
    assert.equal(
      result.status,
      "fulfilled",
      `no deadlock: ${result.status === "rejected" ? (result.reason as { code?: string }).code : ""}`,
    );
  }
  assert.equal((stolen as PromiseFulfilledResult<Record<string, unknown>>).value.error, "invalid_grant");
  assert.deepEqual(await familyTokens(of), { all: 3, live: 0 }, "the rotation's successor revoked too");
}

/** How many tokens the family has, and how many of them are live. */
async function familyTokens(of: Case): Promise<{ all: number; live: number }> {
  const [row] = await db
    .sql`select count(*)::int as all, count(*) filter (where revoked_at is null)::int as live
    from astapa.refresh_tokens where project_id = ${project.id} and family_id = ${of.family}`;
  return { all: row.all, live: row.live };
}

Deno.test("api.redeem_authorization_code — a code replayed during a reuse detection: no deadlock", async () => {
  const of = await signedIn("code-replay");
  const code = await sha256("code-replay-code");
  await db
    .sql`insert into astapa.authorization_codes (project_id, code_hash, client_id, user_id, redirect_uri,
      scope, resource, auth_time, expires_at, redeemed_at, refresh_family)
    values (${project.id}, ${code}, ${CLIENT}, ${of.user}, 'https://agent.example/cb', 'a', ${RESOURCE},
      now(), now() + interval '1 minute', now(), ${of.family})`;
  const results = await duringReuseDetection(
    of,
    async (tx) =>
      (await tx`select api.redeem_authorization_code(${code}, ${CLIENT}, 'https://agent.example/cb',
      ${"v".repeat(43)}, ${await sha256("code-replay-again")}) as grant`)[0].grant,
  );
  await assertOneOutcome(of, results);
  assert.equal((results[1] as PromiseFulfilledResult<{ error: string }>).value.error, "invalid_grant");
});

Deno.test("api.poll_device_authorization — a replay during a reuse detection: no deadlock", async () => {
  const of = await signedIn("device-replay");
  const device = await sha256("device-replay-code");
  await db.sql`insert into astapa.device_authorizations (project_id, device_code_hash, user_code, client_id,
      scope, resource, status, user_id, auth_time, expires_at, decided_at, refresh_family)
    values (${project.id}, ${device}, 'BCDFGHJK', ${CLIENT}, 'a', ${RESOURCE}, 'redeemed', ${of.user}, now(),
      now() + interval '10 minutes', now(), ${of.family})`;
  const results = await duringReuseDetection(
    of,
    async (tx) =>
      (await tx`select api.poll_device_authorization(${device}, ${CLIENT},
      ${await sha256("device-replay-again")}) as grant`)[0].grant,
  );
  await assertOneOutcome(of, results);
  assert.equal((results[1] as PromiseFulfilledResult<{ error: string }>).value.error, "invalid_grant");
});

Deno.test("api.revoke_consent — during a reuse detection: no deadlock", async () => {
  const of = await signedIn("consent-revoke");
  await assertOneOutcome(
    of,
    await duringReuseDetection(
      of,
      (tx) => tx`select api.revoke_consent(${of.user}, ${CLIENT}, ${RESOURCE}, true)`,
    ),
  );
});

Deno.test("api.account_revoke_app — during a reuse detection: no deadlock", async () => {
  const of = await signedIn("app-revoke");
  const session = await sha256("app-revoke-session");
  await db.sql`insert into astapa.login_sessions (project_id, token_hash, user_id, expires_at)
    values (${project.id}, ${session}, ${of.user}, now() + interval '1 day')`;
  await assertOneOutcome(
    of,
    await duringReuseDetection(of, (tx) => tx`select api.account_revoke_app(${session}, ${CLIENT})`),
  );
});

Deno.test("api.revoke_self_registered_tokens — a family, during its reuse detection: no deadlock", async () => {
  const of = await signedIn("client-revoke");
  await assertOneOutcome(
    of,
    await duringReuseDetection(
      of,
      async (tx) =>
        tx`select api.revoke_self_registered_tokens(${CLIENT}, ${await sha256(
          "client-revoke-0",
        )}, null, null)`,
    ),
  );
});

Deno.test("api.revoke_self_registered_tokens — a grant, during a reuse detection: no deadlock", async () => {
  const of = await signedIn("grant-revoke");
  await assertOneOutcome(
    of,
    await duringReuseDetection(
      of,
      (tx) => tx`select api.revoke_self_registered_tokens(${CLIENT}, null, ${of.user}, ${RESOURCE})`,
    ),
  );
});

Deno.test("api.revoke_consent — during a rotation: it waits, and the successor is revoked too", async () => {
  const of = await signedIn("consent-rotation");
  const [rotation, revocation] = await lockRace(
    db.sql,
    project.id,
    (tx) => rotate(tx, `${of.name}-1`, `${of.name}-2`),
    () =>
      asApp(
        db.sql,
        project.id,
        (tx) => tx`select api.revoke_consent(${of.user}, ${CLIENT}, ${RESOURCE}, false)`,
      ),
  );
  assert.equal(rotation.status, "fulfilled");
  assert.equal(revocation.status, "fulfilled");
  assert.deepEqual(await familyTokens(of), { all: 3, live: 0 });
});

Deno.test("api.account_revoke_app — during a rotation: it waits, and the successor is revoked too", async () => {
  const of = await signedIn("app-rotation");
  const session = await sha256("app-rotation-session");
  await db.sql`insert into astapa.login_sessions (project_id, token_hash, user_id, expires_at)
    values (${project.id}, ${session}, ${of.user}, now() + interval '1 day')`;
  const [rotation, revocation] = await lockRace(
    db.sql,
    project.id,
    (tx) => rotate(tx, `${of.name}-1`, `${of.name}-2`),
    () => asApp(db.sql, project.id, (tx) => tx`select api.account_revoke_app(${session}, ${CLIENT}) as n`),
  );
  assert.equal(rotation.status, "fulfilled");
  assert.equal(
    (revocation as PromiseFulfilledResult<{ n: number }[]>).value[0].n,
    3,
    "both and the successor",
  );
  assert.deepEqual(await familyTokens(of), { all: 3, live: 0 });
});

Deno.test("api.redeem_authorization_code — two redemptions at once: the second revokes the first's", async () => {
  const user = await seedUser(db.sql, project.id, "redeemed.twice@example.com", { verified: true });
  const code = await sha256("redeemed-twice-code");
  const pkce = await pkcePair();
  await db
    .sql`insert into astapa.authorization_codes (project_id, code_hash, client_id, user_id, redirect_uri,
      scope, resource, auth_time, expires_at, code_challenge, code_challenge_method)
    values (${project.id}, ${code}, ${CLIENT}, ${user}, 'https://agent.example/cb', 'a', ${RESOURCE},
      now(), now() + interval '1 minute', ${pkce.challenge}, 'S256')`;
  const redeem = async (tx: Tx, refresh: string) =>
    (await tx`select api.redeem_authorization_code(${code}, ${CLIENT}, 'https://agent.example/cb',
      ${pkce.verifier}, ${await sha256(refresh)}) as grant`)[0].grant as Record<string, unknown>;
  const [first, second] = await lockRace(
    db.sql,
    project.id,
    (tx) => redeem(tx, "redeemed-twice-first"),
    () => asApp(db.sql, project.id, (tx) => redeem(tx, "redeemed-twice-second")),
  );
  assert.equal(first.status, "fulfilled");
  assert.ok(
    (first as PromiseFulfilledResult<Record<string, unknown>>).value.refresh_token_id,
    "the first: a grant",
  );
  assert.equal(second.status, "fulfilled");
  const replay = (second as PromiseFulfilledResult<Record<string, unknown>>).value;
  assert.equal(replay.error, "invalid_grant");
  assert.equal(replay.revoked, 1, "the first redemption's token");
  const [row] = await db.sql`select count(*) filter (where revoked_at is null)::int as live
    from astapa.refresh_tokens where project_id = ${project.id} and user_id = ${user}`;
  assert.equal(row.live, 0);
});
