/**
 * Revoking every way into an account while a refresh token rotates or a session starts (db/api/tokens.sql,
 * users.sql): api.revoke_user_refresh_tokens and api.sign_out_everywhere lock the user's row before they scan,
 * api.rotate_refresh_token holds it for key share before it locks the token. A successor or session committed
 * while the revocation waited is revoked or ended too; a rotation that comes second is refused. The two
 * transactions overlap for certain (tests/helpers/lock_race.ts).
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { lockRace } from "../helpers/lock_race.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql);

/** A user with one live refresh token (its hash), as a sign-in leaves it. */
async function withRefreshToken(email: string, token: string) {
  const user = await seedUser(db.sql, project.id, email, { verified: true });
  await db
    .sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, scope,
      expires_at, auth_time)
    values (${project.id}, ${await sha256(token)}, gen_random_uuid(), ${user}, ${project.clientId}, 'openid',
      now() + interval '1 day', now())`;
  return user;
}

const rotate = async (tx: Parameters<Parameters<typeof asApp>[2]>[0], from: string, to: string) => {
  const [row] = await tx`select api.rotate_refresh_token(${await sha256(from)}, ${project.clientId},
    ${await sha256(to)}, null) as grant`;
  return row.grant as Record<string, unknown>;
};

async function liveTokens(user: string): Promise<number> {
  const [row] = await db.sql`select count(*)::int as n from astapa.refresh_tokens
    where project_id = ${project.id} and user_id = ${user} and revoked_at is null`;
  return row.n;
}

Deno.test("api.sign_out_everywhere — during a rotation: it waits, and the successor is revoked too", async () => {
  const user = await withRefreshToken("rotating@example.com", "rt-a0");
  const [rotation, signOut] = await lockRace(
    db.sql,
    project.id,
    (tx) => rotate(tx, "rt-a0", "rt-a1"),
    () => asApp(db.sql, project.id, (tx) => tx`select api.sign_out_everywhere(${project.id}, ${user}) as r`),
  );
  assert.equal(rotation.status, "fulfilled");
  assert.equal(signOut.status, "fulfilled");
  assert.equal(await liveTokens(user), 0, "no token of the user survives, the successor included");
});

Deno.test("api.revoke_user_refresh_tokens — during a rotation: it waits, and the successor is revoked too", async () => {
  const user = await withRefreshToken("revoked.rotating@example.com", "rt-b0");
  const [rotation, revoke] = await lockRace(
    db.sql,
    project.id,
    (tx) => rotate(tx, "rt-b0", "rt-b1"),
    () => asApp(db.sql, project.id, (tx) => tx`select api.revoke_user_refresh_tokens(${user}) as n`),
  );
  assert.equal(rotation.status, "fulfilled");
  assert.equal(revoke.status, "fulfilled");
  assert.equal(
    (revoke as PromiseFulfilledResult<{ n: number }[]>).value[0].n,
    2,
    "the token and its successor",
  );
  assert.equal(await liveTokens(user), 0);
});

Deno.test("api.rotate_refresh_token — during a revocation: it waits, then finds the token revoked", async () => {
  const user = await withRefreshToken("late.rotation@example.com", "rt-c0");
  const [signOut, rotation] = await lockRace(
    db.sql,
    project.id,
    (tx) => tx`select api.sign_out_everywhere(${project.id}, ${user})`,
    () => asApp(db.sql, project.id, (tx) => rotate(tx, "rt-c0", "rt-c1")),
  );
  assert.equal(signOut.status, "fulfilled");
  assert.equal(rotation.status, "rejected");
  assert.equal((rotation as PromiseRejectedResult).reason.code, "AS4G0", "unknown, expired or revoked");
  assert.equal(await liveTokens(user), 0);
});

Deno.test("api.sign_out_everywhere — during a session start: it waits, and ends that session too", async () => {
  const user = await seedUser(db.sql, project.id, "starting@example.com", { verified: true });
  const [start, signOut] = await lockRace(
    db.sql,
    project.id,
    async (tx) => tx`select api.start_login_session(${user}, ${await sha256("starting-session")})`,
    () => asApp(db.sql, project.id, (tx) => tx`select api.sign_out_everywhere(${project.id}, ${user}) as r`),
  );
  assert.equal(start.status, "fulfilled", "the session started (the sign-out waited for it)");
  assert.equal(signOut.status, "fulfilled");
  const [row] = await db.sql`select count(*)::int as n from astapa.login_sessions
    where project_id = ${project.id} and user_id = ${user} and ended_at is null`;
  assert.equal(row.n, 0);
});

Deno.test("api.rotate_refresh_token — reuse detected during a rotation of the family's newest token: its successor is revoked too", async () => {
  const reused = await seedProject(db.sql, { settings: { refresh_grace_seconds: 0 } });
  const user = await seedUser(db.sql, reused.id, "reused.family@example.com", { verified: true });
  await db
    .sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, scope,
      expires_at, auth_time)
    values (${reused.id}, ${await sha256("rt-d0")}, gen_random_uuid(), ${user}, ${reused.clientId}, 'openid',
      now() + interval '1 day', now())`;
  const rotateIn = async (tx: Parameters<Parameters<typeof asApp>[2]>[0], from: string, to: string) =>
    (await tx`select api.rotate_refresh_token(${await sha256(from)}, ${reused.clientId}, ${await sha256(to)},
      null, null, (select r.lookup_id from astapa.refresh_tokens r where r.token_hash = ${await sha256(
      from,
    )}))
      as grant`)[0].grant as Record<string, unknown>;
  await asApp(db.sql, reused.id, (tx) => rotateIn(tx, "rt-d0", "rt-d1"));
  // The newest token rotates (its successor inserted, not yet committed) while the first one is presented again.
  const [rotation, reuse] = await lockRace(
    db.sql,
    reused.id,
    (tx) => rotateIn(tx, "rt-d1", "rt-d2"),
    () => asApp(db.sql, reused.id, (tx) => rotateIn(tx, "rt-d0", "rt-d1-again")),
  );
  assert.equal(rotation.status, "fulfilled");
  assert.equal(reuse.status, "fulfilled");
  assert.equal((reuse as PromiseFulfilledResult<Record<string, unknown>>).value.error, "invalid_grant");
  const [row] = await db.sql`select count(*)::int as live from astapa.refresh_tokens
    where project_id = ${reused.id} and user_id = ${user} and revoked_at is null`;
  assert.equal(row.live, 0, "no token of the family survives, the successor committed meanwhile included");
});
