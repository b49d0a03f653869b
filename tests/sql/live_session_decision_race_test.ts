/**
 * What a signed-in browser's session decides in a later transaction than the one that found it live
 * (astapa.hold_live_login_session, db/api/login.sql): a code for a returning person (api.issue_authorization_code
 * with session_hash), a step-up's second-factor challenge (api.start_mfa_challenge with session_hash) and a device
 * approval at /device (api.decide_device_authorization). A sign-out everywhere, a password reset, a claim or a
 * disable that ended the session in between — committed before, or holding the user's row while the decision
 * waits for it (tests/helpers/lock_race.ts) — leaves nothing behind: AS4G0, no code, no challenge, no approval.
 * One that comes after the decision waits for it, then voids the code or approval it made.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { lockRace, type Settled } from "../helpers/lock_race.ts";
import { appValue, rejectsAs, seedProject, seedSession, seedUser } from "../helpers/identity.ts";
import { enders, waysLeft } from "../helpers/enders.ts";
import { redeemCode } from "../helpers/oauth.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql, { settings: { mfa: { policy: "optional" } } });

type Grant = Record<string, unknown>;

const ENDERS = enders(project.id).all;

let people = 0;
/** A user signed in by a live session (its token's SHA-256), verified or not as the ender needs. */
async function signedIn(verified = true): Promise<{ user: string; session: Uint8Array }> {
  const user = await seedUser(db.sql, project.id, `live-${++people}@example.com`, { verified });
  return { user, session: await seedSession(db.sql, project.id, user) };
}

/** The code a returning person's browser asks for, for `session`; returns the code. */
async function issueFor(user: string, session: Uint8Array): Promise<string> {
  const code = crypto.randomUUID();
  await asApp(db.sql, project.id, async (tx) => {
    await tx`select api.issue_authorization_code(${await sha256(code)}, ${project.clientId}, ${user},
      ${project.redirectUri}, '', null, null, null, null, now(), 60, '{pwd}', null, ${session})`;
  });
  return code;
}

/** A step-up of the session's person: the challenge's token hash, or the error. */
async function stepUp(user: string, session: Uint8Array): Promise<boolean> {
  return await appValue<boolean>(
    db.sql,
    project.id,
    async (tx) =>
      tx`select api.start_mfa_challenge(${user}, ${await sha256(
        `step-up-${user}`,
      )}, '{pwd}', true, null, null,
        null, ${session})`,
  );
}

let devices = 0;
/** A pending device authorization's user code (8 letters of the alphabet, one per start). */
async function pendingDevice(): Promise<string> {
  const letters = "BCDFGHJKLMNPQRSTVWXZ";
  let n = ++devices;
  let userCode = "";
  for (let i = 0; i < 8; i++, n = Math.floor(n / 20)) userCode = letters[n % 20] + userCode;
  const started = await appValue<Grant>(
    db.sql,
    project.id,
    async (tx) =>
      tx`select api.start_device_authorization(${await sha256(`device-${userCode}`)}, ${userCode},
        ${project.clientId}, '', null, 600, 1000)`,
  );
  assert.equal(started.expires_in, 600, JSON.stringify(started));
  return userCode;
}

function approve(userCode: string, session: Uint8Array): Promise<boolean> {
  return appValue<boolean>(
    db.sql,
    project.id,
    (tx) => tx`select api.decide_device_authorization(${userCode}, ${session}, true)`,
  );
}

/** What the ended session's decisions left: nothing, once an ender ran. */
function rows(user: string) {
  return waysLeft(db.sql, project.id, user);
}

/** The decision refused as a session that ended: AS4G0, "sign in again". */
async function refusedAsEnded(settled: Settled) {
  assert.equal(settled.status, "rejected", "the decision was refused");
  await rejectsAs(
    Promise.reject((settled as PromiseRejectedResult).reason),
    "invalid_grant",
    /session has ended/,
  );
}

Deno.test("api.issue_authorization_code — for a live session of the user; refused once it ended, expired, or is another person's", async () => {
  const { user, session } = await signedIn();
  const grant = await redeemCode(db.sql, project, await issueFor(user, session), "live-rt");
  assert.equal(grant.error, undefined, JSON.stringify(grant));

  const other = await signedIn();
  await rejectsAs(issueFor(user, other.session), "forbidden", /another person/);
  await rejectsAs(issueFor(user, await sha256("no such session")), "invalid_grant", /session has ended/);
  const expired = await seedSession(db.sql, project.id, user);
  await db
    .sql`update astapa.login_sessions set created_at = now() - interval '1 day',
    expires_at = now() - interval '1 second' where token_hash = ${expired}`;
  await rejectsAs(issueFor(user, expired), "invalid_grant", /session has ended/);
  await asApp(db.sql, project.id, (tx) => tx`select api.end_login_session(${session})`);
  await rejectsAs(issueFor(user, session), "invalid_grant", /session has ended/);
  assert.equal((await rows(user)).codes, 0, "nothing issued after the first");
});

Deno.test("api.start_mfa_challenge and api.decide_device_authorization — a step-up and an approval for a live session only", async () => {
  const { user, session } = await signedIn();
  assert.equal(await stepUp(user, session), true);
  const other = await signedIn();
  await rejectsAs(stepUp(user, other.session), "forbidden", /another person/);
  const code = await pendingDevice();
  assert.equal(await approve(code, session), true);
  await asApp(db.sql, project.id, (tx) => tx`select api.end_login_session(${other.session})`);
  await rejectsAs(approve(await pendingDevice(), other.session), "invalid_grant", /session has ended/);
  await rejectsAs(
    appValue(
      db.sql,
      project.id,
      async (tx) =>
        tx`select api.decide_device_authorization(${await pendingDevice()}, ${other.session}, false)`,
    ),
    "invalid_grant",
    /session has ended/,
  );
  assert.deepEqual(await rows(other.user), { codes: 0, challenges: 0, approvals: 0 });
});

for (const [ender, { verified, end }] of Object.entries(ENDERS)) {
  Deno.test(`live session decisions — ${ender} committed after the session was found live: no code, challenge or approval`, async () => {
    const { user, session } = await signedIn(verified);
    const found = await appValue<Grant | null>(
      db.sql,
      project.id,
      (tx) => tx`select api.login_session(${session})`,
    );
    assert.equal(found?.user_id, user, "the page found the session live");
    await asApp(db.sql, project.id, (tx) => end(tx, user));
    if (ender === "a disable") {
      await asApp(db.sql, project.id, (tx) => tx`select api.disable_user(${project.id}, ${user}, false)`);
      // Re-enabled, the session is live again (a disable never ended it) and decides as before; disabled, not.
      await asApp(db.sql, project.id, (tx) => end(tx, user));
    }
    await rejectsAs(issueFor(user, session), "invalid_grant", /session has ended/);
    await rejectsAs(stepUp(user, session), "invalid_grant", /session has ended/);
    const device = await pendingDevice();
    await rejectsAs(approve(device, session), "invalid_grant", /session has ended/);
    assert.deepEqual(await rows(user), { codes: 0, challenges: 0, approvals: 0 });
  });

  Deno.test(`live session decisions — during ${ender}: each waits for the user's row, then is refused`, async () => {
    for (const decide of ["code", "step-up", "device"] as const) {
      const { user, session } = await signedIn(verified);
      const device = decide === "device" ? await pendingDevice() : "";
      const [ended, decided] = await lockRace(
        db.sql,
        project.id,
        (tx) => end(tx, user),
        () =>
          decide === "code"
            ? issueFor(user, session)
            : decide === "step-up"
            ? stepUp(user, session)
            : approve(device, session),
      );
      assert.equal(ended.status, "fulfilled", String((ended as PromiseRejectedResult).reason));
      await refusedAsEnded(decided);
      assert.deepEqual(await rows(user), { codes: 0, challenges: 0, approvals: 0 }, decide);
    }
  });
}

Deno.test("live session decisions — a sign-out everywhere after a code or an approval waits for it, then voids it", async () => {
  const { user, session } = await signedIn();
  const code = crypto.randomUUID();
  const [issued, signedOut] = await lockRace(
    db.sql,
    project.id,
    async (tx) =>
      tx`select api.issue_authorization_code(${await sha256(code)}, ${project.clientId}, ${user},
        ${project.redirectUri}, '', null, null, null, null, now(), 60, '{pwd}', null, ${session})`,
    () =>
      appValue<Grant>(db.sql, project.id, (tx) => tx`select api.sign_out_everywhere(${project.id}, ${user})`),
  );
  assert.equal(issued.status, "fulfilled");
  assert.equal((signedOut as PromiseFulfilledResult<Grant>).value.authorization_codes, 1);
  const grant = await redeemCode(db.sql, project, code, "late-rt");
  assert.equal(grant.error, "invalid_grant");
  assert.match(String(grant.error_description), /void/);

  const again = await signedIn();
  const device = await pendingDevice();
  const [approved, signedOutAgain] = await lockRace(
    db.sql,
    project.id,
    (tx) => tx`select api.decide_device_authorization(${device}, ${again.session}, true)`,
    () =>
      appValue<Grant>(
        db.sql,
        project.id,
        (tx) => tx`select api.sign_out_everywhere(${project.id}, ${again.user})`,
      ),
  );
  assert.equal(approved.status, "fulfilled");
  assert.equal((signedOutAgain as PromiseFulfilledResult<Grant>).value.device_authorizations, 1);
  assert.deepEqual(await rows(again.user), { codes: 0, challenges: 0, approvals: 0 });
});
