/**
 * astapa.lock_password_sign_in (db/api/users.sql) through api.start_login_session and api.start_mfa_challenge:
 * a password sign-in reads the hash (api.user_for_sign_in), verifies the password in the app, and only then
 * starts the session in another transaction. A reset, a claim (the password removed), a password change or a
 * disable that commits in between must leave the old password with nothing: AS4C0 (credentials_changed) and
 * no session or challenge. Without a hash (other first factors) nothing is checked, as before.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject } from "../helpers/identity.ts";
import { lockRace } from "../helpers/lock_race.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const OLD = "$argon2id$v=19$m=19456,t=2,p=1$b2xkc2FsdHNhbHQ$b2xkaGFzaG9sZGhhc2hvbGRoYXNo";
const NEW = "$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdHNhbHQ$bmV3aGFzaG5ld2hhc2huZXdoYXNo";
const project = await seedProject(db.sql);
const other = await seedProject(db.sql);

/** A user with the OLD password, and the hash the hosted login reads for them (step one). */
async function signingIn(email: string, verified = true) {
  const id = await appValue<string>(
    db.sql,
    project.id,
    (tx) => tx`select api.create_user(${project.id}, ${email}, ${OLD}, ${verified}) ->> 'id'`,
  );
  const read = await appValue<{ password_hash: string }>(
    db.sql,
    project.id,
    (tx) => tx`select api.user_for_sign_in(${project.id}, ${email})`,
  );
  return { id, hash: read.password_hash };
}

/** Step two, as db/login.ts writes it: the session start with the hash the app verified. */
async function startSession(user: string, hash: string | null, token: string) {
  await asApp(
    db.sql,
    project.id,
    async (tx) => tx`select api.start_login_session(${user}, ${await sha256(token)}, 3600, '{pwd}', ${hash})`,
  );
}

async function sessions(user: string): Promise<number> {
  const [row] = await db.sql`select count(*)::int as n from astapa.login_sessions
    where project_id = ${project.id} and user_id = ${user} and ended_at is null`;
  return row.n;
}

async function reset(user: string, token: string) {
  await asApp(db.sql, project.id, async (tx) => {
    await tx`select api.issue_email_token(${user}, 'reset_password', ${await sha256(token)})`;
    await tx`select api.reset_password(${await sha256(token)}, ${NEW})`;
  });
}

Deno.test("api.start_login_session — with the hash the app verified and nothing changed since, the session starts", async () => {
  const { id, hash } = await signingIn("steady@example.com");
  assert.equal(hash, OLD);
  await startSession(id, hash, "steady");
  assert.equal(await sessions(id), 1);
  const [user] = await db
    .sql`select last_sign_in_at from astapa.users where project_id = ${project.id} and id = ${id}`;
  assert.ok(user.last_sign_in_at, "the sign-in time is recorded");
});

Deno.test("api.start_login_session — a reset committed after the password check refuses the old password: credentials_changed", async () => {
  const { id, hash } = await signingIn("reset.race@example.com");
  await reset(id, "reset-race-link");
  await rejectsAs(startSession(id, hash, "reset-race"), "credentials_changed", /changed after the password/);
  assert.equal(await sessions(id), 0, "no session for the old password");
  // The new password's sign-in goes through.
  await startSession(id, NEW, "reset-race-new");
  assert.equal(await sessions(id), 1);
});

Deno.test("api.start_login_session — a claim (the password removed) after the password check refuses it", async () => {
  const { id, hash } = await signingIn("claim.race@example.com", false);
  const claimed = await appValue(
    db.sql,
    project.id,
    (tx) => tx`select astapa.claim_unproven_account(${project.id}, ${id}, 'email')`,
  );
  assert.ok(claimed, "the address was unproven: the account was claimed");
  await rejectsAs(startSession(id, hash, "claim-race"), "credentials_changed");
  assert.equal(await sessions(id), 0);
});

Deno.test("api.start_login_session — a password changed or a user disabled after the check refuses it; re-enabled, the hash is current again", async () => {
  const changed = await signingIn("change.race@example.com");
  await db
    .sql`update astapa.users set password_hash = ${NEW} where project_id = ${project.id} and id = ${changed.id}`;
  await rejectsAs(startSession(changed.id, changed.hash, "change-race"), "credentials_changed");

  const { id, hash } = await signingIn("disable.race@example.com");
  await asApp(db.sql, project.id, (tx) => tx`select api.disable_user(${project.id}, ${id}, true)`);
  await rejectsAs(startSession(id, hash, "disable-race"), "credentials_changed");
  assert.equal(await sessions(id), 0);
  await asApp(db.sql, project.id, (tx) => tx`select api.disable_user(${project.id}, ${id}, false)`);
  await startSession(id, hash, "disable-race-enabled");
  assert.equal(await sessions(id), 1);
});

Deno.test("api.start_login_session — a reset in flight when the session starts: the start waits for its row lock and refuses", async () => {
  const { id, hash } = await signingIn("inflight.race@example.com");
  const [resetting, start] = await lockRace(
    db.sql,
    project.id,
    async (tx) => {
      await tx`select api.issue_email_token(${id}, 'reset_password', ${await sha256("inflight-link")})`;
      await tx`select api.reset_password(${await sha256("inflight-link")}, ${NEW})`;
    },
    () => startSession(id, hash, "inflight"),
  );
  assert.equal(resetting.status, "fulfilled");
  await rejectsAs(
    start.status === "rejected" ? Promise.reject(start.reason) : Promise.resolve(),
    "credentials_changed",
  );
  assert.equal(await sessions(id), 0);
});

Deno.test("api.start_login_session — without a hash (other first factors) nothing is checked; another project's guard", async () => {
  const { id } = await signingIn("no.hash@example.com");
  await asApp(db.sql, project.id, (tx) => tx`select api.disable_user(${project.id}, ${id}, true)`);
  // Social, passkey and code sign-ins judge the user in their own statements; the session start stays as it was.
  await startSession(id, null, "no-hash");
  assert.equal(await sessions(id), 1);
  await rejectsAs(
    asApp(db.sql, other.id, (tx) => tx`select astapa.lock_password_sign_in(${project.id}, ${id}, ${OLD})`),
    "forbidden",
  );
});

/** The user's sessions not ended, each with whether it started while the user was disabled. */
async function liveSessions(user: string): Promise<boolean[]> {
  const rows = await db.sql`select started_while_disabled from astapa.login_sessions
    where project_id = ${project.id} and user_id = ${user} and ended_at is null order by created_at, token_hash`;
  return rows.map((r) => r.started_while_disabled);
}

const setDisabled = (user: string, disabled: boolean) =>
  asApp(db.sql, project.id, (tx) => tx`select api.disable_user(${project.id}, ${user}, ${disabled})`);

async function auditedEnable(user: string) {
  const [row] = await db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'user.enable' and target = ${`user:${user}`} order by id desc limit 1`;
  return row.details;
}

Deno.test("api.disable_user — a re-enable ends the sessions started while disabled, and gives back the ones from before", async () => {
  const { id } = await signingIn("revive.none@example.com");
  await startSession(id, null, "before-disable");
  await setDisabled(id, true);
  // A first factor that judged the user a moment before the disable (social, passkey, code): started, marked.
  await startSession(id, null, "while-disabled");
  assert.deepEqual(await liveSessions(id), [false, true]);
  const live = async (token: string) =>
    await appValue<string | null>(
      db.sql,
      project.id,
      async (tx) => tx`select api.login_session_user(${await sha256(token)})::text`,
    );
  assert.equal(await live("while-disabled"), null, "inert while disabled");
  await setDisabled(id, false);
  assert.deepEqual(await liveSessions(id), [false], "only the session from before the disable is left");
  assert.equal(await live("before-disable"), id, "given back");
  assert.equal(await live("while-disabled"), null, "ended, not revived");
  assert.deepEqual(await auditedEnable(id), { sessions: 1 });
  // Enabled now: a session starts unmarked, and a second re-enable has nothing to end.
  await startSession(id, null, "after-enable");
  assert.deepEqual(await liveSessions(id), [false, false]);
  await setDisabled(id, false);
  assert.deepEqual(await auditedEnable(id), { sessions: 0 });
  assert.deepEqual(await liveSessions(id), [false, false]);
});

Deno.test("api.start_login_session — a disable in flight when the session starts: the start waits for it and is marked", async () => {
  const { id } = await signingIn("inflight.disable@example.com");
  const [disabling, start] = await lockRace(
    db.sql,
    project.id,
    (tx) => tx`select api.disable_user(${project.id}, ${id}, true)`,
    () => startSession(id, null, "inflight-disable"),
  );
  assert.equal(disabling.status, "fulfilled");
  assert.equal(start.status, "fulfilled", "not refused: the first factor judged the user");
  assert.deepEqual(await liveSessions(id), [true], "read after the disable committed: marked");
  await setDisabled(id, false);
  assert.deepEqual(await liveSessions(id), []);
});

Deno.test("astapa.end_sessions_started_while_disabled — another project's user: nothing ended", async () => {
  const { id } = await signingIn("other.project.end@example.com");
  await setDisabled(id, true);
  await startSession(id, null, "other-project-end");
  const ended = await appValue<number>(
    db.sql,
    other.id,
    (tx) => tx`select astapa.end_sessions_started_while_disabled(${project.id}, ${id})`,
  );
  assert.equal(ended, 0, "RLS: the other project sees none of them");
  assert.deepEqual(await liveSessions(id), [true]);
});

Deno.test("api.start_mfa_challenge — a claim after the password check starts no challenge (no factor would be set up by the old password)", async () => {
  const { id, hash } = await signingIn("mfa.claim.race@example.com", false);
  const challenge = async (token: string) =>
    await appValue<boolean>(
      db.sql,
      project.id,
      async (tx) =>
        tx`select api.start_mfa_challenge(${id}, ${await sha256(token)}, '{pwd}', true, null, null, ${hash})`,
    );
  // Nothing changed: the challenge starts.
  assert.equal(await challenge("mfa-claim-1"), true);
  await asApp(
    db.sql,
    project.id,
    (tx) => tx`select astapa.claim_unproven_account(${project.id}, ${id}, 'email')`,
  );
  await rejectsAs(challenge("mfa-claim-2"), "credentials_changed");
  const [row] = await db.sql`select count(*)::int as n from astapa.mfa_challenges
    where project_id = ${project.id} and user_id = ${id} and used_at is null`;
  assert.equal(row.n, 0, "the claim used the first challenge; none started after it");
});
