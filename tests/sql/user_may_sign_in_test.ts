/**
 * astapa.user_may_sign_in (db/api/tokens.sql): a browser session or a second-step challenge is used only while its
 * user may sign in (enabled, not deleted, of the project's current environment), not only because a disable or an
 * erasure voided it (astapa.void_ways_back). The rows here are left behind on purpose — inserted as the owner, the
 * user then disabled or marked deleted by an owner's edit, as a missed path would leave them: every session read
 * treats the person as signed out, every challenge is as dead as an expired one (AS4G0), nothing new starts; a
 * re-enable brings back what was never ended.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedSession, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql, { settings: { mfa: { policy: "optional", phone: true } } });

let seeded = 0;
const name = (what: string) => `may-sign-in-${what}-${++seeded}`;

/** An owner's edit of the user's row, with none of api.disable_user's or astapa.erase_user's voiding. */
const edit = {
  disable: (user: string) => db.sql`update astapa.users set disabled = true where id = ${user}`,
  erase: (user: string) => db.sql`update astapa.users set deleted_at = now() where id = ${user}`,
  enable: (user: string) => db.sql`update astapa.users set disabled = false where id = ${user}`,
};

/** An open sign-in challenge of the user, inserted as the owner: the SHA-256 of its token. */
async function seedChallenge(user: string, session?: Uint8Array): Promise<Uint8Array> {
  const hash = await sha256(name("challenge"));
  await db.sql`insert into astapa.mfa_challenges (project_id, token_hash, user_id, amr, expires_at,
      step_up_session_hash)
    values (${project.id}, ${hash}, ${user}, '{pwd}', now() + interval '10 minutes', ${session ?? null})`;
  return hash;
}

/** Every read of a session the hosted pages make: each one's answer for this session. */
async function sessionReads(session: Uint8Array) {
  const reads = await asApp(db.sql, project.id, async (tx) => {
    const [row] = await tx`select api.login_session(${session}) is not null as login_session,
      api.login_session_user(${session}) is not null as login_session_user,
      api.account_overview(${session}) is not null as account_overview,
      api.own_factor(${session}) is not null as own_factor,
      astapa.passkey_session_user(${session}, false) is not null as passkey_session_user`;
    return { ...row };
  });
  const held = await asApp(db.sql, project.id, (tx) => tx`select astapa.hold_live_login_session(${session})`)
    .then(() => true, () => false);
  return { ...reads, hold_live_login_session: held };
}
const signedIn = (live: boolean) => ({
  login_session: live,
  login_session_user: live,
  account_overview: live,
  own_factor: live,
  passkey_session_user: live,
  hold_live_login_session: live,
});

function meetByEnrolling(challenge: Uint8Array) {
  return asApp(db.sql, project.id, async (tx) => {
    const hashes = await Promise.all(Array.from({ length: 10 }, () => sha256(name("recovery"))));
    const hex = hashes.map((h) => Array.from(h, (b) => b.toString(16).padStart(2, "0")).join(""));
    const [row] = await tx`select api.meet_mfa_challenge(${challenge}, 'enrol', 1000, null, '\\x01',
      (select array_agg(decode(h, 'hex')) from unnest(${hex}::text[]) h)) as met`;
    return row.met as { accepted: boolean };
  });
}
/**
 * Every use of a challenge, each expected to be refused as a dead challenge (AS4G0, invalid_grant: the page says
 * to sign in again); a step-up's is refused as its session's end.
 */
async function assertChallengeDead(challenge: Uint8Array, why: string, dead = /expired/) {
  assert.equal(
    await appValue(db.sql, project.id, (tx) => tx`select api.mfa_challenge(${challenge})`),
    null,
    `${why}: the page says the step expired`,
  );
  await rejectsAs(meetByEnrolling(challenge), "invalid_grant", dead);
  await rejectsAs(
    asApp(
      db.sql,
      project.id,
      async (tx) =>
        tx`select api.meet_mfa_challenge_by_passkey(${challenge}, ${await sha256("no-key")}, 1, false, true)`,
    ),
    "invalid_grant",
    dead,
  );
  await rejectsAs(
    asApp(
      db.sql,
      project.id,
      async (tx) =>
        tx`select api.meet_mfa_challenge_by_phone(${challenge}, ${await sha256("no-code")}, ${await sha256(
          "x",
        )})`,
    ),
    "invalid_grant",
    dead,
  );
  for (const send of ["start_mfa_phone_code", "start_mfa_new_phone_code"]) {
    await rejectsAs(
      asApp(
        db.sql,
        project.id,
        async (tx) =>
          send === "start_mfa_phone_code"
            ? tx`select api.start_mfa_phone_code(${challenge}, 'ID', 'sms', ${await sha256(name("code"))},
              ${await sha256("c")}, '10.9.9.9')`
            : tx`select api.start_mfa_new_phone_code(${challenge}, '+6281355509999', 'ID', 'sms',
              ${await sha256(name("code"))}, ${await sha256("c")}, '10.9.9.9')`,
      ),
      "invalid_grant",
      dead,
    );
  }
  const [sent] = await db.sql`select count(*)::int as n from astapa.phone_codes where purpose = 'mfa'
    and user_id = (select user_id from astapa.mfa_challenges where token_hash = ${challenge})`;
  assert.equal(sent.n, 0, `${why}: no code sent`);
  const [left] = await db.sql`select used_at is null as open from astapa.mfa_challenges
    where token_hash = ${challenge}`;
  assert.equal(left.open, true, `${why}: refused, not used`);
}

Deno.test("astapa.user_may_sign_in — an enabled user yes; disabled, deleted, the other environment or unknown no", async () => {
  const may = (user: string) =>
    appValue<boolean>(db.sql, project.id, (tx) => tx`select astapa.user_may_sign_in(${project.id}, ${user})`);
  const user = await seedUser(db.sql, project.id, "may@example.com", { verified: true });
  assert.equal(await may(user), true);
  await edit.disable(user);
  assert.equal(await may(user), false, "disabled");
  await edit.enable(user);
  await db.sql`update astapa.users set environment = 'sandbox' where id = ${user}`;
  await db.sql`update astapa.projects set mode = 'production' where id = ${project.id}`;
  assert.equal(await may(user), false, "of the other environment");
  await db.sql`update astapa.projects set mode = 'sandbox' where id = ${project.id}`;
  assert.equal(await may(user), true);
  await edit.erase(user);
  assert.equal(await may(user), false, "deleted");
  assert.equal(await may("999999999"), false, "unknown");
});

Deno.test("a session left by a missed path — a disabled user is signed out on every read; a re-enable brings it back", async () => {
  const user = await seedUser(db.sql, project.id, "may-session@example.com", { verified: true });
  const session = await seedSession(db.sql, project.id, user);
  assert.deepEqual(await sessionReads(session), signedIn(true));
  await edit.disable(user);
  assert.deepEqual(
    await sessionReads(session),
    signedIn(false),
    "disabled: signed out everywhere it is read",
  );
  await rejectsAs(
    asApp(db.sql, project.id, (tx) => tx`select astapa.account_user(${session})`),
    "invalid_grant",
    /sign in again/,
  );
  // A re-enable (the session was never ended): the same browser is signed in again.
  await asApp(db.sql, project.id, (tx) => tx`select api.disable_user(${project.id}, ${user}, false)`);
  assert.deepEqual(await sessionReads(session), signedIn(true), "re-enabled: the session works again");
});

Deno.test("a session left by a missed path — an erased user (deleted, even if not disabled) is signed out on every read", async () => {
  const user = await seedUser(db.sql, project.id, "may-session-erased@example.com", { verified: true });
  const session = await seedSession(db.sql, project.id, user);
  await edit.erase(user);
  assert.deepEqual(await sessionReads(session), signedIn(false));
});

Deno.test("a challenge left by a missed path — a disabled user's is dead everywhere; after a re-enable it is met", async () => {
  const user = await seedUser(db.sql, project.id, "may-challenge@example.com", { verified: true });
  const challenge = await seedChallenge(user);
  await edit.disable(user);
  await assertChallengeDead(challenge, "disabled");
  const [factor] = await db.sql`select count(*)::int as n from astapa.user_factors where user_id = ${user}`;
  assert.equal(factor.n, 0, "no app set up");
  await edit.enable(user);
  assert.notEqual(
    await appValue(db.sql, project.id, (tx) => tx`select api.mfa_challenge(${challenge})`),
    null,
  );
  assert.equal((await meetByEnrolling(challenge)).accepted, true, "re-enabled: the open challenge is met");
});

Deno.test("a challenge left by a missed path — an erased user's (deleted, even if not disabled) is dead everywhere", async () => {
  const user = await seedUser(db.sql, project.id, "may-challenge-erased@example.com", { verified: true });
  const challenge = await seedChallenge(user);
  const stepUp = await seedChallenge(user, await seedSession(db.sql, project.id, user));
  await edit.erase(user);
  await assertChallengeDead(challenge, "erased");
  await assertChallengeDead(stepUp, "erased, a step-up's", /expired|session has ended/);
});

Deno.test("api.start_mfa_challenge — nothing starts for a disabled or erased user (AS4G0)", async () => {
  for (const [why, end] of Object.entries({ disabled: edit.disable, erased: edit.erase })) {
    const user = await seedUser(db.sql, project.id, `may-challenge-start-${why}@example.com`, {
      verified: true,
    });
    await end(user);
    const challenge = await sha256(name("challenge"));
    for (const required of [true, false]) {
      await rejectsAs(
        asApp(
          db.sql,
          project.id,
          (tx) => tx`select api.start_mfa_challenge(${user}, ${challenge}, '{pwd}', ${required})`,
        ),
        "invalid_grant",
        /sign in again/,
      );
    }
    const [made] = await db.sql`select count(*)::int as n from astapa.mfa_challenges where user_id = ${user}`;
    assert.equal(made.n, 0, why);
  }
});

Deno.test("api.start_login_session — a session started for a disabled or erased user is never live; no code for it", async () => {
  // Without a password hash the start judges nothing (tests/sql/password_sign_in_race_test.ts pins it: the first
  // factors judge the user in their own statements); every read of the session judges it instead.
  for (const [why, end] of Object.entries({ disabled: edit.disable, erased: edit.erase })) {
    const user = await seedUser(db.sql, project.id, `may-start-${why}@example.com`, { verified: true });
    await end(user);
    const session = await sha256(name("session"));
    await asApp(db.sql, project.id, (tx) => tx`select api.start_login_session(${user}, ${session})`);
    assert.deepEqual(await sessionReads(session), signedIn(false), why);
    await rejectsAs(
      asApp(
        db.sql,
        project.id,
        async (tx) =>
          tx`select api.issue_authorization_code(${await sha256(name("code"))}, ${project.clientId}, ${user},
          ${project.redirectUri}, 'openid', null, null, null, null, null, session_hash => ${session})`,
      ),
      "invalid_grant",
      /sign in again/,
    );
    const [codes] = await db
      .sql`select count(*)::int as n from astapa.authorization_codes where user_id = ${user}`;
    assert.equal(codes.n, 0, `${why}: no code`);
  }
});
