/**
 * db/api/factors.sql: challenges after a first factor, meeting them (enrolment, a time step once, a recovery
 * code once), the admin's view and reset, amr carried from sessions into codes and refresh tokens, and the
 * policies of the three new tables tried as the owner project, another project and no project.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql);
const other = await seedProject(db.sql);
const hashes = await Promise.all(Array.from({ length: 10 }, (_, i) => sha256(`recovery-${i}`)));
const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

const start = (user: string, token: string, required = false, projectId = project.id) =>
  appValue<boolean>(
    db.sql,
    projectId,
    async (tx) => tx`select api.start_mfa_challenge(${user}, ${await sha256(token)}, '{pwd}', ${required})`,
  );
const meet = (
  token: string,
  method: string,
  args: { step?: number; code?: string; recovery?: boolean } = {},
) =>
  appValue<{ accepted: boolean; amr?: string[] }>(
    db.sql,
    project.id,
    async (tx) =>
      tx`select api.meet_mfa_challenge(${await sha256(token)}, ${method}, ${args.step ?? null},
      ${args.code ? await sha256(args.code) : null}, ${method === "enrol" ? new Uint8Array([1, 2, 3]) : null},
      (select array_agg(decode(h, 'hex')) from unnest(${
        method === "enrol" ? hashes.map(hex) : null
      }::text[]) h),
      ${args.recovery ? tx.json({ template: "recovery_code_used", subject: "s", text: "t" }) : null})`,
  );

async function enrolled(email: string) {
  const user = await seedUser(db.sql, project.id, email);
  assert.equal(await start(user, `${email}-enrol`, true), true);
  const met = await meet(`${email}-enrol`, "enrol", { step: 1000 });
  assert.deepEqual(met.amr, ["mfa", "otp", "pwd"]);
  return user;
}

Deno.test("api.start_mfa_challenge — only for a user with a factor, or when required; never without amr", async () => {
  const user = await seedUser(db.sql, project.id, "start@example.com");
  assert.equal(await start(user, "not-needed"), false);
  assert.equal(
    await appValue(
      db.sql,
      project.id,
      async (tx) => tx`select api.mfa_challenge(${await sha256("not-needed")})`,
    ),
    null,
  );
  assert.equal(await start(user, "needed", true), true);
  const challenge = await appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    async (tx) => tx`select api.mfa_challenge(${await sha256("needed")})`,
  );
  assert.equal(challenge.enrolled, false);
  assert.equal(challenge.email, "start@example.com");
  assert.deepEqual(challenge.amr, ["pwd"]);
  await rejectsAs(
    asApp(
      db.sql,
      project.id,
      async (tx) => tx`select api.start_mfa_challenge(${user}, ${await sha256("x")}, '{}', true)`,
    ),
    "validation_failed",
  );
});

Deno.test("api.meet_mfa_challenge — enrol stores the factor and 10 codes once; the challenge is single use", async () => {
  const user = await enrolled("enrol@example.com");
  const view = await appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    (tx) => tx`select api.user_factors(${project.id}, ${user})`,
  );
  assert.equal(view.mfa_enrolled, true);
  assert.equal(view.recovery_codes_left, 10);
  await rejectsAs(meet("enrol@example.com-enrol", "totp", { step: 1001 }), "invalid_grant");
  // A second enrolment for the same user is refused.
  assert.equal(await start(user, "enrol-again", true), true);
  await rejectsAs(meet("enrol-again", "enrol", { step: 1002 }), "conflict");
  const [event] = await asApp(
    db.sql,
    project.id,
    (tx) => tx`select count(*)::int as n from astapa.events where type = 'user.mfa_enrolled'`,
  );
  assert.equal(event.n, 1);
});

Deno.test("api.meet_mfa_challenge — a time step is accepted once, never an earlier one", async () => {
  const user = await enrolled("steps@example.com");
  await start(user, "s1");
  assert.equal((await meet("s1", "totp", { step: 1000 })).accepted, false, "the enrolment's step");
  assert.equal((await meet("s1", "totp", { step: 999 })).accepted, false);
  assert.equal((await meet("s1", "totp", { step: 1001 })).accepted, true);
  await start(user, "s2");
  assert.equal((await meet("s2", "totp", { step: 1001 })).accepted, false, "a replay");
});

Deno.test("api.reset_password — a second step begun before the reset is void; one begun after works", async () => {
  const user = await enrolled("reset-mid-step@example.com");
  await db.sql`update astapa.users set email_verified = true where id = ${user}`;
  assert.equal(await start(user, "before-reset"), true);
  const token = await sha256("reset-mid-step");
  await asApp(db.sql, project.id, async (tx) => {
    await tx`select api.issue_email_token(${user}, 'reset_password', ${token})`;
    await tx`select api.reset_password(${token}, '$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3')`;
  });
  assert.equal(
    await appValue(
      db.sql,
      project.id,
      async (tx) => tx`select api.mfa_challenge(${await sha256("before-reset")})`,
    ),
    null,
  );
  await rejectsAs(meet("before-reset", "totp", { step: 1001 }), "invalid_grant");
  assert.equal(await start(user, "after-reset"), true);
  assert.equal((await meet("after-reset", "totp", { step: 1001 })).accepted, true);
});

Deno.test("api.meet_mfa_challenge — a recovery code works once and queues the mail", async () => {
  const user = await enrolled("recovery@example.com");
  await start(user, "r1");
  assert.equal((await meet("r1", "recovery", { code: "recovery-4", recovery: true })).accepted, true);
  await start(user, "r2");
  assert.equal((await meet("r2", "recovery", { code: "recovery-4" })).accepted, false);
  assert.equal((await meet("r2", "recovery", { code: "not-a-code" })).accepted, false);
  await rejectsAs(meet("r2", "sms"), "validation_failed");
  const [mail] = await asApp(
    db.sql,
    project.id,
    (tx) => tx`select to_address from astapa.mail_outbox where kind = 'recovery_code_used'`,
  );
  assert.equal(mail.to_address, "recovery@example.com");
});

Deno.test("api.mfa_challenge — expired or used challenges are null", async () => {
  const user = await seedUser(db.sql, project.id, "expire@example.com");
  await start(user, "old", true);
  await db.sql`update astapa.mfa_challenges set created_at = now() - interval '1 hour',
    expires_at = now() - interval '50 minutes' where token_hash = ${await sha256("old")}`;
  assert.equal(
    await appValue(db.sql, project.id, async (tx) => tx`select api.mfa_challenge(${await sha256("old")})`),
    null,
  );
  await rejectsAs(meet("old", "enrol", { step: 1 }), "invalid_grant");
});

Deno.test("api.reset_user_factors — removes factors and codes, audited, event and mail; unknown user AS404", async () => {
  const user = await enrolled("reset@example.com");
  const result = await appValue<{ removed: number }>(
    db.sql,
    project.id,
    (tx) =>
      tx`select api.reset_user_factors(${project.id}, ${user},
      ${tx.json({ template: "mfa_removed", subject: "s", text: "t" })})`,
  );
  assert.deepEqual(result, { removed: 1, mailed: true });
  const view = await appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    (tx) => tx`select api.user_factors(${project.id}, ${user})`,
  );
  assert.deepEqual(view, { mfa_enrolled: false, second_factors: [], factors: [], recovery_codes_left: 0 });
  const [row] = await asApp(
    db.sql,
    project.id,
    (tx) =>
      tx`select (select count(*)::int from astapa.audit_log where action = 'user.mfa_removed') as audits,
              (select count(*)::int from astapa.events where type = 'user.mfa_removed') as events,
              (select count(*)::int from astapa.mail_outbox where kind = 'mfa_removed') as mails`,
  );
  assert.deepEqual(row, { audits: 1, events: 1, mails: 1 });
  await rejectsAs(
    asApp(db.sql, project.id, (tx) => tx`select api.reset_user_factors(${project.id}, 999999999)`),
    "not_found",
  );
});

Deno.test("api.reset_user_factors — a phone-only user's factor is reset too; there is no one to mail", async () => {
  const [{ id }] = await db.sql`
    insert into astapa.users (project_id, phone_number, phone_number_verified, environment)
    values (${project.id}, '+6281399990001', true, 'sandbox') returning id::text`;
  await db.sql`insert into astapa.user_factors (project_id, user_id, kind, confirmed_at)
               values (${project.id}, ${id}, 'phone', now())`;
  const mailsBefore = await db
    .sql`select count(*)::int as n from astapa.mail_outbox where kind = 'mfa_removed'`;
  const result = await appValue<{ removed: number; mailed: boolean }>(
    db.sql,
    project.id,
    (tx) =>
      tx`select api.reset_user_factors(${project.id}, ${id},
      ${tx.json({ template: "mfa_removed", subject: "s", text: "t" })})`,
  );
  assert.deepEqual(result, { removed: 1, mailed: false });
  const [left] = await db.sql`select count(*)::int as n from astapa.user_factors where user_id = ${id}`;
  assert.equal(left.n, 0);
  const mailsAfter = await db
    .sql`select count(*)::int as n from astapa.mail_outbox where kind = 'mfa_removed'`;
  assert.equal(mailsAfter[0].n, mailsBefore[0].n);
});

Deno.test("factor tables — each project sees only its own rows; no project sees none", async () => {
  await enrolled("rls@example.com");
  for (const table of ["user_factors", "recovery_codes", "mfa_challenges"]) {
    const own = await appValue<number>(
      db.sql,
      project.id,
      (tx) => tx`select count(*)::int from ${tx("astapa." + table)}`,
    );
    const theirs = await appValue<number>(
      db.sql,
      other.id,
      (tx) => tx`select count(*)::int from ${tx("astapa." + table)}`,
    );
    const nobody = await appValue<number>(
      db.sql,
      null,
      (tx) => tx`select count(*)::int from ${tx("astapa." + table)}`,
    );
    assert.ok(own > 0, table);
    assert.equal(theirs, 0, table);
    assert.equal(nobody, 0, table);
  }
  const user = await seedUser(db.sql, other.id, "cross@example.com");
  // A user of another project cannot be challenged here (the foreign key finds no such user in this project).
  await assert.rejects(start(user, "cross", true, project.id));
});

Deno.test("amr — a session's amr goes into its codes and refresh tokens, and api.login_session reports it", async () => {
  const user = await seedUser(db.sql, project.id, "amr@example.com");
  await asApp(db.sql, project.id, async (tx) => {
    await tx`select api.start_login_session(${user}, ${await sha256("amr-session")}, 3600, '{mfa,otp,pwd}')`;
  });
  const live = await appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    async (tx) => tx`select api.login_session(${await sha256("amr-session")})`,
  );
  assert.equal(live.user_id, user);
  assert.deepEqual(live.amr, ["mfa", "otp", "pwd"]);
  assert.equal(typeof live.auth_time, "number");
  const grant = await appValue<Record<string, unknown>>(db.sql, project.id, async (tx) => {
    await tx`select api.issue_authorization_code(${await sha256("amr-code")}, ${project.clientId}, ${user},
      ${project.redirectUri}, '', null, null, null, null, null, 60, '{mfa,otp,pwd}')`;
    return tx`select api.redeem_authorization_code(${await sha256("amr-code")}, ${project.clientId},
      ${project.redirectUri}, null, ${await sha256("amr-refresh")})`;
  });
  assert.deepEqual(grant.amr, ["mfa", "otp", "pwd"]);
  assert.equal(typeof grant.auth_time, "number", "auth_time defaults to now");
  const rotated = await appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    async (tx) =>
      tx`select api.rotate_refresh_token(${await sha256("amr-refresh")}, ${project.clientId},
      ${await sha256("amr-refresh-2")}, null, null, ${grant.refresh_token_id as string})`,
  );
  assert.deepEqual(rotated.amr, ["mfa", "otp", "pwd"]);
});

Deno.test("api.update_project_settings — mfa takes a policy (and remember_days 0–90); anything else is AS400", async () => {
  const change = (mfa: unknown) =>
    asApp(
      db.sql,
      other.id,
      (tx) =>
        tx`select api.update_project_settings(${other.id}, ${
          JSON.stringify({ mfa })
        }::text::jsonb) -> 'settings' as s`,
    );
  const [saved] = await change({ policy: "required" });
  assert.deepEqual(saved.s.mfa, { policy: "required" });
  await change({ policy: "optional", remember_days: 30 });
  for (
    const bad of [{ policy: "always" }, {}, "required", { policy: "off", remember_days: 91 }, {
      policy: "off",
      x: 1,
    }]
  ) {
    await rejectsAs(change(bad), "validation_failed", /mfa/);
  }
});

const signedIn = async (user: string, token: string) => {
  await asApp(db.sql, project.id, async (tx) => {
    await tx`select api.start_login_session(${user}, ${await sha256(token)}, 3600, '{mfa,otp,pwd}')`;
  });
};
const manage = (
  session: string,
  action: string,
  proof: { step?: number; code?: string },
  fresh: Uint8Array[] | null = null,
) =>
  appValue<{ accepted: boolean; user_id?: string }>(
    db.sql,
    project.id,
    async (tx) =>
      tx`select api.manage_own_factor(${await sha256(session)}, ${action}, ${
        proof.code ? "recovery" : "totp"
      },
      ${proof.step ?? null}, ${proof.code ? await sha256(proof.code) : null},
      (select array_agg(decode(h, 'hex')) from unnest(${fresh ? fresh.map(hex) : null}::text[]) h),
      ${tx.json({ template: `own_${action}`, subject: "s", text: "t" })})`,
  );
const counts = (user: string) =>
  appValue<Record<string, number>>(
    db.sql,
    project.id,
    (tx) =>
      tx`select jsonb_build_object(
        'regenerated', (select count(*)::int from astapa.audit_log
          where action = 'user.recovery_codes_regenerated' and target = ${`user:${user}`}),
        'removed', (select count(*)::int from astapa.audit_log
          where action = 'user.mfa_removed' and target = ${`user:${user}`}),
        'events', (select count(*)::int from astapa.events
          where type = 'user.mfa_removed' and data -> 'user' ->> 'id' = ${user}),
        'mails', (select count(*)::int from astapa.mail_outbox where kind like 'own_%'
          and to_address = (select email from astapa.users where id = ${user}::bigint)))`,
  );

Deno.test("api.own_factor — the live session's person and their factor; null without a live session", async () => {
  const user = await enrolled("own@example.com");
  await signedIn(user, "own-session");
  const own = await appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    async (tx) => tx`select api.own_factor(${await sha256("own-session")})`,
  );
  assert.equal(own.user_id, user);
  assert.equal(own.enrolled, true);
  assert.equal(own.secret_sealed, "010203");
  assert.equal(own.recovery_codes_left, 10);
  for (const [projectId, token] of [[project.id, "no-session"], [other.id, "own-session"]]) {
    const none = await appValue(
      db.sql,
      projectId,
      async (tx) => tx`select api.own_factor(${await sha256(token)})`,
    );
    assert.equal(none, null, `${projectId} ${token}`);
  }
});

Deno.test("api.manage_own_factor — regenerate needs a fresh proof; old codes stop working, new ones work once", async () => {
  const user = await enrolled("regen@example.com");
  await signedIn(user, "regen-session");
  const fresh = await Promise.all(Array.from({ length: 10 }, (_, i) => sha256(`fresh-${i}`)));
  // A used time step (1000, at enrolment) and an unknown recovery code are refused, nothing changed.
  assert.deepEqual(await manage("regen-session", "regenerate", { step: 1000 }, fresh), { accepted: false });
  assert.deepEqual(await manage("regen-session", "regenerate", { code: "nope" }, fresh), { accepted: false });
  assert.deepEqual(await counts(user), { regenerated: 0, removed: 0, events: 0, mails: 0 });
  assert.deepEqual(await manage("regen-session", "regenerate", { step: 1001 }, fresh), {
    accepted: true,
    user_id: user,
  });
  assert.deepEqual(await counts(user), { regenerated: 1, removed: 0, events: 0, mails: 1 });
  // The old codes are gone; the new ones are proofs (and regenerating with a recovery code spends it).
  assert.deepEqual(await manage("regen-session", "regenerate", { code: "recovery-0" }, fresh), {
    accepted: false,
  });
  assert.equal(
    (await manage("regen-session", "regenerate", { code: "fresh-0" }, hashes)).accepted,
    true,
  );
  assert.equal((await manage("regen-session", "regenerate", { code: "recovery-1" }, fresh)).accepted, true);
  assert.deepEqual(await manage("regen-session", "regenerate", { code: "recovery-1" }, fresh), {
    accepted: false,
  });
  await rejectsAs(manage("regen-session", "regenerate", { step: 2000 }, fresh.slice(1)), "validation_failed");
  await rejectsAs(manage("no-such-session", "regenerate", { step: 2000 }, fresh), "invalid_grant");
  await rejectsAs(manage("regen-session", "rename", { step: 2000 }), "validation_failed");
});

Deno.test("api.manage_own_factor — remove deletes the app, codes and remembered browsers; audited, emitted, mailed", async () => {
  const user = await enrolled("remove@example.com");
  await signedIn(user, "remove-session");
  await asApp(db.sql, project.id, async (tx) => {
    await tx`insert into astapa.remembered_browsers (project_id, token_hash, user_id, expires_at)
      values (${project.id}, ${await sha256("remove-browser")}, ${user}, now() + interval '1 day')`;
  });
  assert.deepEqual(await manage("remove-session", "remove", { step: 999 }), { accepted: false });
  assert.equal((await manage("remove-session", "remove", { code: "recovery-3" })).accepted, true);
  assert.deepEqual(await counts(user), { regenerated: 0, removed: 1, events: 1, mails: 1 });
  const view = await appValue(
    db.sql,
    project.id,
    (tx) => tx`select api.user_factors(${project.id}, ${user})`,
  );
  assert.deepEqual(view, { mfa_enrolled: false, second_factors: [], factors: [], recovery_codes_left: 0 });
  const live = await appValue<number>(
    db.sql,
    project.id,
    (tx) =>
      tx`select count(*)::int from astapa.remembered_browsers where user_id = ${user} and revoked_at is null`,
  );
  assert.equal(live, 0);
  // Nothing is left to remove, and the next sign-in asks for no code unless required.
  await rejectsAs(manage("remove-session", "remove", { step: 5000 }), "conflict");
  assert.equal(await start(user, "after-remove"), false);
  assert.equal(await start(user, "after-remove-required", true), true);
});
