/**
 * astapa.void_ways_back (db/api/users.sql): the one function that closes every way back into an account — live
 * sessions, refresh tokens, unredeemed codes, approved and unpolled devices, pending address changes and open
 * second-step challenges, a sign-in's and a step-up's, and support's impersonation links not yet opened — counting each; another user's, and what is expired or
 * used already, left alone; sign_out false (a disable) keeps the sessions and refresh tokens. Then its five
 * callers, each answering or auditing the same seven counts (an erasure revoking as user_disabled), and a sign-in's
 * challenge that a sign-out everywhere, a disable or an erasure now ends: it cannot be met after (and an erased
 * user cannot be re-enabled); and a challenge being met as an ender holds the user's row, which waits for it
 * instead of closing a cycle with it.
 */
import assert from "node:assert/strict";
import { asApp, type Sql } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedSession, seedUser } from "../helpers/identity.ts";
import { enders } from "../helpers/enders.ts";
import { waitForLockWaiter } from "../helpers/lock_race.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql);
const { signOutEverywhere, reset, claim, disable } = enders(project.id);

type Counts = Record<string, number>;
const NONE = {
  sessions: 0,
  refresh_tokens: 0,
  authorization_codes: 0,
  device_authorizations: 0,
  email_changes: 0,
  mfa_challenges: 0,
  impersonation_links: 0,
};

let seeded = 0;
/** A fresh token hash (unique across tests). */
function hash(): Promise<Uint8Array> {
  return sha256(`void-ways-back-${++seeded}`);
}
/** A fresh device user code (8 letters of the alphabet, unique across tests). */
function userCode(): string {
  const letters = "BCDFGHJKLMNPQRSTVWXZ";
  let n = ++seeded;
  let code = "";
  for (let i = 0; i < 8; i++, n = Math.floor(n / 20)) code = letters[n % 20] + code;
  return code;
}

/**
 * One live way back of each kind (two challenges: a sign-in's and a step-up's), plus an expired or used one of
 * each kind that can be, which no ender counts.
 */
async function everyWayBack(sql: Sql, user: string) {
  const session = await seedSession(sql, project.id, user);
  await seedSession(sql, project.id, user);
  await sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, expires_at)
    values (${project.id}, ${await hash()}, gen_random_uuid(), ${user}, ${project.clientId}, now() + interval '1 day')`;
  for (const expired of [false, true]) {
    await sql`insert into astapa.authorization_codes (project_id, code_hash, client_id, user_id, redirect_uri,
        auth_time, created_at, expires_at)
      values (${project.id}, ${await hash()}, ${project.clientId}, ${user}, ${project.redirectUri}, now(),
        now() - interval '2 minutes', now() + ${expired ? "-1 minute" : "1 minute"}::interval)`;
    await sql`insert into astapa.device_authorizations (project_id, device_code_hash, user_code, client_id, status,
        user_id, created_at, expires_at)
      values (${project.id}, ${await hash()}, ${userCode()}, ${project.clientId}, 'approved', ${user},
        now() - interval '20 minutes', now() + ${expired ? "-1 minute" : "10 minutes"}::interval)`;
    await sql`insert into astapa.email_changes (project_id, token_hash, user_id, new_email, created_at, expires_at)
      values (${project.id}, ${await hash()}, ${user}, 'elsewhere@example.com', now() - interval '2 hours',
        now() + ${expired ? "-1 minute" : "1 hour"}::interval)`;
    await sql`insert into astapa.mfa_challenges (project_id, token_hash, user_id, amr, created_at, expires_at)
      values (${project.id}, ${await hash()}, ${user}, '{pwd}', now() - interval '20 minutes',
        now() + ${expired ? "-1 minute" : "10 minutes"}::interval)`;
  }
  // Support's links: one still usable, one whose 5 minutes are up (dead already, not counted).
  for (const expired of [false, true]) {
    await sql`insert into astapa.impersonations (project_id, user_id, actor, token_hash, created_at,
        link_expires_at, ends_at)
      values (${project.id}, ${user}, 'support:ways', ${await hash()}, now() - ${
      expired ? "10" : "1"
    } * interval '1 minute',
        now() + ${expired ? "-5 minutes" : "4 minutes"}::interval, now() + interval '30 minutes')`;
  }
  await sql`insert into astapa.mfa_challenges (project_id, token_hash, user_id, amr, expires_at,
      step_up_session_hash)
    values (${project.id}, ${await hash()}, ${user}, '{pwd}', now() + interval '10 minutes', ${session})`;
  // Used already: a challenge met, a code redeemed.
  await sql`insert into astapa.mfa_challenges (project_id, token_hash, user_id, amr, expires_at, used_at)
    values (${project.id}, ${await hash()}, ${user}, '{pwd}', now() + interval '10 minutes', now())`;
  await sql`insert into astapa.authorization_codes (project_id, code_hash, client_id, user_id, redirect_uri,
      auth_time, expires_at, redeemed_at)
    values (${project.id}, ${await hash()}, ${project.clientId}, ${user}, ${project.redirectUri}, now(),
      now() + interval '1 minute', now())`;
}

/** What is still live of each kind, counted as the owner sees it. */
async function live(user: string): Promise<Counts> {
  const [row] = await db.sql`select
    (select count(*)::int from astapa.login_sessions where user_id = ${user} and ended_at is null) as sessions,
    (select count(*)::int from astapa.refresh_tokens where user_id = ${user} and revoked_at is null)
      as refresh_tokens,
    (select count(*)::int from astapa.authorization_codes where user_id = ${user} and redeemed_at is null
      and expires_at > now()) as authorization_codes,
    (select count(*)::int from astapa.device_authorizations where user_id = ${user} and status = 'approved'
      and expires_at > now()) as device_authorizations,
    (select count(*)::int from astapa.email_changes where user_id = ${user} and used_at is null
      and expires_at > now()) as email_changes,
    (select count(*)::int from astapa.mfa_challenges where user_id = ${user} and used_at is null
      and expires_at > now()) as mfa_challenges,
    (select count(*)::int from astapa.impersonations where user_id = ${user} and opened_at is null
      and ended_at is null and link_expires_at > now()) as impersonation_links`;
  return { ...row };
}

const EVERY = {
  sessions: 2,
  refresh_tokens: 1,
  authorization_codes: 1,
  device_authorizations: 1,
  email_changes: 1,
  mfa_challenges: 2,
  impersonation_links: 1,
};

function voidWaysBack(user: string, signOut = true): Promise<Counts> {
  return appValue<Counts>(
    db.sql,
    project.id,
    (tx) => tx`select astapa.void_ways_back(${user}, sign_out => ${signOut})`,
  );
}

async function audited(user: string, action: string): Promise<Record<string, unknown>> {
  const [row] = await db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and target = ${`user:${user}`} and action = ${action} order by id desc limit 1`;
  return row.details;
}

Deno.test("astapa.void_ways_back — ends every kind, counted; another user's stay; a second call finds nothing", async () => {
  const user = await seedUser(db.sql, project.id, "ways-every@example.com", { verified: true });
  const neighbour = await seedUser(db.sql, project.id, "ways-neighbour@example.com", { verified: true });
  await everyWayBack(db.sql, user);
  await everyWayBack(db.sql, neighbour);
  assert.deepEqual(await live(user), EVERY);

  assert.deepEqual(await voidWaysBack(user), EVERY);
  assert.deepEqual(await live(user), NONE);
  assert.deepEqual(await live(neighbour), EVERY, "another user's ways stay");
  const [revoked] = await db
    .sql`select distinct revoked_reason from astapa.refresh_tokens where user_id = ${user}`;
  assert.equal(revoked.revoked_reason, "revoked_by_admin");
  const [device] = await db.sql`select status from astapa.device_authorizations where user_id = ${user}
    and expires_at > now()`;
  assert.equal(device.status, "voided", "kept, voided: the poll answers access_denied");
  assert.deepEqual(await voidWaysBack(user), NONE);
});

Deno.test("astapa.void_ways_back — sign_out false keeps the sessions and refresh tokens, voids the rest", async () => {
  const user = await seedUser(db.sql, project.id, "ways-keep@example.com", { verified: true });
  await everyWayBack(db.sql, user);
  assert.deepEqual(
    await voidWaysBack(user, false),
    { ...EVERY, sessions: 0, refresh_tokens: 0 },
    "links too",
  );
  assert.deepEqual(await live(user), { ...NONE, sessions: 2, refresh_tokens: 1 });
});

Deno.test("astapa.void_ways_back — another project's user: nothing found, nothing ended", async () => {
  const other = await seedProject(db.sql);
  const stranger = await seedUser(db.sql, other.id, "ways-stranger@example.com", { verified: true });
  await db.sql`insert into astapa.login_sessions (project_id, token_hash, user_id, expires_at)
    values (${other.id}, ${await hash()}, ${stranger}, now() + interval '1 day')`;
  assert.deepEqual(await voidWaysBack(stranger), NONE);
  const [row] = await db.sql`select count(*)::int as n from astapa.login_sessions where user_id = ${stranger}
    and ended_at is null`;
  assert.equal(row.n, 1);
});

Deno.test("api.sign_out_everywhere — answers and audits the seven counts, open challenges among them", async () => {
  const user = await seedUser(db.sql, project.id, "ways-sign-out@example.com", { verified: true });
  await everyWayBack(db.sql, user);
  const [answer] = await asApp(db.sql, project.id, (tx) => signOutEverywhere(tx, user)) as {
    sign_out_everywhere: Counts;
  }[];
  assert.deepEqual(answer.sign_out_everywhere, EVERY);
  assert.deepEqual(await audited(user, "user.sign_out_everywhere"), EVERY);
  assert.deepEqual(await live(user), NONE);
});

Deno.test("api.reset_password — audits the seven counts", async () => {
  const user = await seedUser(db.sql, project.id, "ways-reset@example.com", { verified: true });
  await everyWayBack(db.sql, user);
  await asApp(db.sql, project.id, (tx) => reset(tx, user));
  assert.deepEqual(await audited(user, "user.password_reset"), EVERY);
  assert.deepEqual(await live(user), NONE);
});

Deno.test("astapa.claim_unproven_account — the seven counts among what it removed; address changes deleted", async () => {
  const user = await seedUser(db.sql, project.id, "ways-claim@example.com", { verified: false });
  await everyWayBack(db.sql, user);
  await asApp(db.sql, project.id, (tx) => claim(tx, user));
  const details = await audited(user, "user.claimed") as { removed: Counts };
  const ways = Object.fromEntries(Object.keys(NONE).map((k) => [k, details.removed[k]]));
  assert.deepEqual(ways, EVERY);
  assert.deepEqual(await live(user), NONE);
  const [row] = await db.sql`select count(*)::int as n from astapa.email_changes where user_id = ${user}`;
  assert.equal(row.n, 0, "the claim removes the rows, used or not: each names an address someone else typed");
});

Deno.test("api.disable_user — audits the seven counts; sessions and refresh tokens kept for a re-enable", async () => {
  const user = await seedUser(db.sql, project.id, "ways-disable@example.com", { verified: true });
  await everyWayBack(db.sql, user);
  await asApp(db.sql, project.id, (tx) => disable(tx, user));
  assert.deepEqual(await audited(user, "user.disable"), { ...EVERY, sessions: 0, refresh_tokens: 0 });
  await asApp(db.sql, project.id, (tx) => tx`select api.disable_user(${project.id}, ${user}, false)`);
  assert.deepEqual(await audited(user, "user.enable"), { sessions: 0 }, "none started while disabled");
  assert.deepEqual(await live(user), { ...NONE, sessions: 2, refresh_tokens: 1 });
});

/** A sign-in's challenge after the password, one a new authenticator app is set up at (MFA required). */
async function signInChallenge(user: string, token: string) {
  assert.equal(
    await appValue<boolean>(
      db.sql,
      project.id,
      async (tx) => tx`select api.start_mfa_challenge(${user}, ${await sha256(token)}, '{pwd}', true)`,
    ),
    true,
  );
}
function meetByEnrolling(token: string) {
  return asApp(db.sql, project.id, async (tx) => {
    const hashes = await Promise.all(Array.from({ length: 10 }, (_, i) => sha256(`${token}-recovery-${i}`)));
    const hex = hashes.map((h) => Array.from(h, (b) => b.toString(16).padStart(2, "0")).join(""));
    const [row] = await tx`select api.meet_mfa_challenge(${await sha256(token)}, 'enrol', 1000, null, '\\x01',
      (select array_agg(decode(h, 'hex')) from unnest(${hex}::text[]) h)) as met`;
    return row.met as { accepted: boolean };
  });
}

Deno.test("api.sign_out_everywhere and api.disable_user — a sign-in's challenge left open cannot be met after", async () => {
  const ended = {
    "a sign-out everywhere": signOutEverywhere,
    "a disable (then a re-enable)": async (tx: Parameters<typeof disable>[0], user: string) => {
      await disable(tx, user);
      return await tx`select api.disable_user(${project.id}, ${user}, false)`;
    },
  };
  for (const [name, end] of Object.entries(ended)) {
    const user = await seedUser(db.sql, project.id, `ways-challenge-${seeded}@example.com`, {
      verified: true,
    });
    const token = `ways-challenge-${++seeded}`;
    await signInChallenge(user, token);
    await asApp(db.sql, project.id, (tx) => end(tx, user));
    const shown = await appValue(
      db.sql,
      project.id,
      async (tx) => tx`select api.mfa_challenge(${await sha256(token)})`,
    );
    assert.equal(shown, null, `${name}: the challenge page says the step expired`);
    await rejectsAs(meetByEnrolling(token), "invalid_grant", /expired/);
    const [factor] = await db.sql`select count(*)::int as n from astapa.user_factors where user_id = ${user}`;
    assert.equal(factor.n, 0, `${name}: no app set up`);
    // A sign-in after it starts its own challenge, which is met.
    const again = `ways-challenge-again-${++seeded}`;
    await signInChallenge(user, again);
    assert.equal((await meetByEnrolling(again)).accepted, true, name);
  }
});

Deno.test("api.meet_mfa_challenge — while an ender holds the user's row: waits, then finds its challenge used", async () => {
  // The ender's order: the user's row for update, then the challenges. A meet that locked its challenge first and
  // the user's row after (the new factor's foreign key) closed a cycle with it, which Postgres broke by aborting one.
  const user = await seedUser(db.sql, project.id, "ways-meet-race@example.com", { verified: true });
  const token = `ways-meet-race-${++seeded}`;
  await signInChallenge(user, token);
  let meeting: Promise<PromiseSettledResult<unknown>> | undefined;
  const counts = await asApp(db.sql, project.id, async (tx) => {
    await tx`select from astapa.users where project_id = ${project.id} and id = ${user} for update`;
    meeting = Promise.allSettled([meetByEnrolling(token)]).then(([settled]) => settled);
    await waitForLockWaiter(db.sql);
    const [row] = await signOutEverywhere(tx, user) as { sign_out_everywhere: Counts }[];
    return row.sign_out_everywhere;
  });
  assert.equal(counts.mfa_challenges, 1);
  const met = await meeting!;
  assert.equal(met.status, "rejected", "the meet waited and found its challenge used");
  await rejectsAs(Promise.reject((met as PromiseRejectedResult).reason), "invalid_grant", /expired/);
  const [factor] = await db.sql`select count(*)::int as n from astapa.user_factors where user_id = ${user}`;
  assert.equal(factor.n, 0);
});

Deno.test("astapa.erase_user — closes every way back (refresh tokens as user_disabled), audited with the counts", async () => {
  const user = await seedUser(db.sql, project.id, "ways-erase@example.com", { verified: true });
  await everyWayBack(db.sql, user);
  assert.equal(await appValue(db.sql, project.id, (tx) => tx`select astapa.erase_user(${user})`), true);
  assert.deepEqual(await audited(user, "user.deleted"), { by: "user", ...EVERY, payment_methods: 0 });
  assert.deepEqual(await live(user), NONE);
  const reasons = await db
    .sql`select distinct revoked_reason from astapa.refresh_tokens where user_id = ${user}`;
  assert.deepEqual(reasons.map((r) => r.revoked_reason), ["user_disabled"], "erasure's reason, as before");
  const [device] = await db.sql`select status from astapa.device_authorizations where user_id = ${user}
    and expires_at > now()`;
  assert.equal(device.status, "voided", "the poll answers access_denied, not a token");
  // A second erasure changes nothing and audits nothing more.
  assert.equal(await appValue(db.sql, project.id, (tx) => tx`select astapa.erase_user(${user})`), false);
});

Deno.test("astapa.erase_user — a sign-in's challenge left open cannot be met after: no session for the tombstone", async () => {
  const user = await seedUser(db.sql, project.id, `ways-erase-challenge@example.com`, { verified: true });
  const token = `ways-erase-challenge-${++seeded}`;
  await signInChallenge(user, token);
  assert.equal(await appValue(db.sql, project.id, (tx) => tx`select astapa.erase_user(${user})`), true);
  // The page had shown it before the erasure; meeting it now is refused, so no session is started for the user.
  await rejectsAs(meetByEnrolling(token), "invalid_grant", /expired/);
  const [left] = await db.sql`select
    (select count(*)::int from astapa.user_factors where user_id = ${user}) as factors,
    (select count(*)::int from astapa.recovery_codes where user_id = ${user}) as recovery_codes`;
  assert.deepEqual(left, { factors: 0, recovery_codes: 0 });
  // And no admin can re-enable the tombstone: it is not found, and stays disabled.
  await rejectsAs(
    asApp(db.sql, project.id, (tx) => tx`select api.disable_user(${project.id}, ${user}, false)`),
    "not_found",
  );
  const [row] = await db.sql`select disabled from astapa.users where id = ${user}`;
  assert.equal(row.disabled, true);
  assert.equal(
    await appValue(db.sql, project.id, async (tx) => tx`select api.mfa_challenge(${await sha256(token)})`),
    null,
  );
  await rejectsAs(meetByEnrolling(token), "invalid_grant", /expired/);
});
