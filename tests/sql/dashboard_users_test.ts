/**
 * The dashboard's user functions (db/api/users.sql, db/api/dashboard.sql): users of the current environment, sign-in methods
 * and unlinking, sessions and signing out everywhere, own claims, the audit log and mail outbox listings.
 */
import assert from "node:assert/strict";
import { giveLiveXenditKeys } from "../helpers/live_keys.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedPasskey, seedProject, seedUser } from "../helpers/identity.ts";
import { asApp, setDeploymentSocial, type Sql } from "@/db/client.ts";
import {
  endUserSession,
  getEnvironmentUser,
  listEnvironmentUsers,
  listLoginSessions,
  signInMethods,
  signOutEverywhere,
  unlinkSignInMethod,
  userOwnClaims,
} from "@/db/user_admin.ts";
import { listAudit, listMailOutbox } from "@/db/project_logs.ts";
import { patchUserClaims } from "@/db/users.ts";
import { updateProject } from "@/db/projects.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const { sql } = db;
// As a deployment with Google and GitHub credentials (db/client.ts): identities are ways in unless a test says.
const BOTH_PROVIDERS = ["google", "github"];
setDeploymentSocial(sql, BOTH_PROVIDERS);

const ARGON = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

async function setMode(projectId: string, mode: "sandbox" | "production") {
  if (mode === "production") await giveLiveXenditKeys(sql, projectId); // going live needs them
  return await asApp(sql, projectId, (tx) => updateProject(tx, projectId, { mode }));
}

async function passwordUser(projectId: string, email: string): Promise<string> {
  return await appValue<string>(
    sql,
    projectId,
    (tx) => tx`select api.create_user(${projectId}, ${email}, ${ARGON}, true) ->> 'id'`,
  );
}

async function linkIdentity(s: Sql, projectId: string, userId: string, provider: string, subject: string) {
  // As the database owner: the way a social sign-in links one is not what these tests are about.
  await s`insert into astapa.identities (project_id, provider, subject, user_id, email)
          values (${projectId}, ${provider}, ${subject}, ${userId}, ${`${subject}@mail.example`})`;
}

async function liveRefreshTokens(projectId: string, userId: string): Promise<number> {
  const [row] = await sql`select count(*)::int as n from astapa.refresh_tokens
    where project_id = ${projectId} and user_id = ${userId} and revoked_at is null`;
  return row.n;
}

const in_ = <T>(projectId: string | null, work: Parameters<typeof asApp<T>>[2]) =>
  asApp(sql, projectId, work, { actor: "account:1" });

Deno.test("api.get_environment_user / list_environment_users — only the project's current mode", async () => {
  const p = await seedProject(sql);
  const sandboxUser = await seedUser(sql, p.id, "sandbox@example.com");
  await setMode(p.id, "production");
  const liveUser = await seedUser(sql, p.id, "live@example.com");
  const live = await in_(p.id, (tx) => listEnvironmentUsers(tx, p.id, { size: 50 }));
  assert.deepEqual(live.map((u) => u.email), ["live@example.com"]);
  assert.equal((await in_(p.id, (tx) => getEnvironmentUser(tx, p.id, liveUser))).email, "live@example.com");
  await rejectsAs(in_(p.id, (tx) => getEnvironmentUser(tx, p.id, sandboxUser)), "not_found", /not found/);
  await setMode(p.id, "sandbox");
  const sandbox = await in_(p.id, (tx) => listEnvironmentUsers(tx, p.id, { size: 50 }));
  assert.deepEqual(sandbox.map((u) => u.email), ["sandbox@example.com"]);
  await rejectsAs(in_(p.id, (tx) => getEnvironmentUser(tx, p.id, liveUser)), "not_found");
  // Keyset: after the last id there is nothing more.
  assert.deepEqual(
    await in_(p.id, (tx) => listEnvironmentUsers(tx, p.id, { size: 1, afterId: sandboxUser })),
    [],
  );
  await rejectsAs(
    in_(p.id, (tx) => listEnvironmentUsers(tx, p.id, { size: 0 })),
    "validation_failed",
    /1 to 1000/,
  );
  const other = await seedProject(sql);
  await rejectsAs(in_(other.id, (tx) => getEnvironmentUser(tx, other.id, sandboxUser)), "not_found");
  await rejectsAs(in_(other.id, (tx) => listEnvironmentUsers(tx, p.id, { size: 5 })), "not_found");
  await rejectsAs(in_(null, (tx) => listEnvironmentUsers(tx, p.id, { size: 5 })), "not_found");
});

Deno.test("api.user_sign_in_methods — password and identities, oldest first; only the acting project", async () => {
  const p = await seedProject(sql);
  const ayu = await passwordUser(p.id, "ayu@example.com");
  await linkIdentity(sql, p.id, ayu, "github", "gh-1");
  const methods = await in_(p.id, (tx) => signInMethods(tx, p.id, ayu));
  assert.deepEqual(methods.map((m) => [m.provider, m.subject]), [["password", null], ["github", "gh-1"]]);
  assert.equal(methods[1].email, "gh-1@mail.example");
  const noPassword = await seedUser(sql, p.id, "budi@example.com");
  assert.deepEqual(await in_(p.id, (tx) => signInMethods(tx, p.id, noPassword)), []);
  await rejectsAs(in_(p.id, (tx) => signInMethods(tx, p.id, "999999")), "not_found");
  const other = await seedProject(sql);
  await rejectsAs(in_(other.id, (tx) => signInMethods(tx, p.id, ayu)), "forbidden", /acts for/);
  await rejectsAs(in_(other.id, (tx) => signInMethods(tx, other.id, ayu)), "not_found");
  await rejectsAs(in_(null, (tx) => signInMethods(tx, p.id, ayu)), "forbidden");
});

Deno.test("api.unlink_sign_in_method — a working passkey is a way in: the last password may go; a cloned one or passkeys off do not count", async () => {
  const p = await seedProject(sql, { settings: { passkeys: true } });
  let keys = 60;
  const addPasskey = (userId: string, cloned = false) =>
    seedPasskey(sql, p.id, userId, keys++, {
      synced: true,
      clonedAt: cloned ? new Date().toISOString() : undefined,
    });
  const only = (userId: string) =>
    in_(p.id, (tx) => unlinkSignInMethod(tx, p.id, userId, { provider: "password" }));

  const cloned = await passwordUser(p.id, "cloned.key@example.com");
  await addPasskey(cloned, true);
  await rejectsAs(only(cloned), "conflict", /only way this user can sign in/);

  const keyed = await passwordUser(p.id, "keyed@example.com");
  await addPasskey(keyed);
  assert.deepEqual(await only(keyed), [], "the passkey is left");
  const [{ has }] = await sql`select password_hash is not null as has from astapa.users where id = ${keyed}`;
  assert.equal(has, false);

  // The project turns passkeys off: they sign no one in, so the last password stays.
  const off = await passwordUser(p.id, "keyed.off@example.com");
  await addPasskey(off);
  await sql`update astapa.projects set settings = settings - 'passkeys' where id = ${p.id}`;
  await rejectsAs(only(off), "conflict", /only way this user can sign in/);
});

Deno.test("api.user_sign_in_methods — a verified number with phone sign-in and a verified address with email codes are read-only ways in", async () => {
  const p = await seedProject(sql, { settings: { phone: { enabled: true }, email_codes: true } });
  const ayu = await passwordUser(p.id, "ayu.codes@example.com");
  await sql`update astapa.users set phone_number = '+6281234567890', phone_number_verified = true where id = ${ayu}`;
  const methods = await in_(p.id, (tx) => signInMethods(tx, p.id, ayu));
  assert.deepEqual(
    methods.map((m) => [m.provider, m.email, m.phone_number ?? null, m.linked_at === null, m.removable]),
    [
      ["password", "ayu.codes@example.com", null, false, true],
      ["email_code", "ayu.codes@example.com", null, true, false],
      ["phone", null, "+6281234567890", true, false],
    ],
  );
  // An unproven number or address may not be theirs: not a way in.
  await sql`update astapa.users set phone_number_verified = false, email_verified = false where id = ${ayu}`;
  assert.deepEqual(
    (await in_(p.id, (tx) => signInMethods(tx, p.id, ayu))).map((m) => [m.provider, m.removable]),
    [
      ["password", false],
    ],
  );
  // Proven, but the project offers neither: not a way in either.
  await sql`update astapa.users set phone_number_verified = true, email_verified = true where id = ${ayu}`;
  await sql`update astapa.projects set settings = '{"phone": {"enabled": false}}' where id = ${p.id}`;
  assert.deepEqual((await in_(p.id, (tx) => signInMethods(tx, p.id, ayu))).map((m) => m.provider), [
    "password",
  ]);
});

Deno.test("api.unlink_sign_in_method — phone sign-in or an email code is a way in: the last password or identity may go, never leaving none", async () => {
  const p = await seedProject(sql, { settings: { phone: { enabled: true } } });
  const byPhone = await passwordUser(p.id, "by.phone@example.com");
  await sql`update astapa.users set phone_number = '+6281234500001', phone_number_verified = true
            where id = ${byPhone}`;
  const left = await in_(p.id, (tx) => unlinkSignInMethod(tx, p.id, byPhone, { provider: "password" }));
  assert.deepEqual(left.map((m) => [m.provider, m.removable]), [["phone", false]]);
  // The phone row is read-only: nothing here removes it.
  await rejectsAs(
    in_(p.id, (tx) => unlinkSignInMethod(tx, p.id, byPhone, { provider: "phone" })),
    "validation_failed",
  );

  // A number never proven by a code signs no one in, so the last identity stays.
  const unproven = await seedUser(sql, p.id, "unproven@example.com");
  await linkIdentity(sql, p.id, unproven, "google", "g-unproven");
  await sql`update astapa.users set phone_number = '+6281234500002' where id = ${unproven}`;
  await rejectsAs(
    in_(p.id, (tx) => unlinkSignInMethod(tx, p.id, unproven, { provider: "google", subject: "g-unproven" })),
    "conflict",
    /only way this user can sign in/,
  );

  // Email codes on and the address proven: the identity may go; the email code stays as the way in.
  await sql`update astapa.projects set settings = settings || '{"email_codes": true}' where id = ${p.id}`;
  await sql`update astapa.users set email_verified = true where id = ${unproven}`;
  const byCode = await in_(
    p.id,
    (tx) => unlinkSignInMethod(tx, p.id, unproven, { provider: "google", subject: "g-unproven" }),
  );
  assert.deepEqual(byCode.map((m) => m.provider), ["email_code"]);
  const [{ n }] = await sql`select count(*)::int as n from astapa.identities where user_id = ${unproven}`;
  assert.equal(n, 0);
});

Deno.test("astapa.social_provider_offered — the project's own switch or app first, else the deployment's credentials", async () => {
  const sealed = "s".repeat(43);
  const cases: [Record<string, unknown>, string[], boolean, boolean][] = [
    // [settings, deployment providers, google offered, github offered]
    [{}, [], false, false],
    [{}, ["google"], true, false],
    [{ social_login: { google: { enabled: true } } }, ["google", "github"], true, true],
    [{ social_login: { google: { enabled: false } } }, ["google", "github"], false, true],
    [{ social_login: { github: { client_id: "own", client_secret_sealed: sealed } } }, [], false, true],
    [
      { social_login: { github: { enabled: false, client_id: "own", client_secret_sealed: sealed } } },
      [
        "github",
      ],
      false,
      false,
    ],
  ];
  try {
    for (const [settings, deployment, google, github] of cases) {
      const p = await seedProject(sql, { settings });
      setDeploymentSocial(sql, deployment);
      const offered = await appValue<boolean[]>(
        sql,
        p.id,
        (tx) =>
          tx`select array[astapa.social_provider_offered(${p.id}, 'google'),
                          astapa.social_provider_offered(${p.id}, 'github')]`,
      );
      assert.deepEqual(offered, [google, github], JSON.stringify([settings, deployment]));
    }
    assert.equal(
      await appValue(sql, null, (tx) => tx`select astapa.social_provider_offered('nope', 'google')`),
      false,
    );
  } finally {
    setDeploymentSocial(sql, BOTH_PROVIDERS);
  }
});

Deno.test("api.user_sign_in_methods — passwords off or a provider not offered: listed, not usable, and counted for nothing", async () => {
  const p = await seedProject(sql, { settings: { social_login: { google: { enabled: false } } } });
  const ayu = await passwordUser(p.id, "ayu.dormant@example.com");
  await linkIdentity(sql, p.id, ayu, "google", "g-dormant");
  const listed = () =>
    in_(p.id, (tx) => signInMethods(tx, p.id, ayu)).then((ms) =>
      ms.map((m) => [m.provider, m.usable, m.removable])
    );
  const wayIn = () =>
    appValue<boolean>(sql, p.id, (tx) => tx`select astapa.has_way_in(${p.id}, ${ayu}::bigint)`);
  // Google is off: the password is the only way in, so it stays; the dormant identity may go beside it.
  assert.deepEqual(await listed(), [["password", true, false], ["google", false, true]]);
  assert.equal(await wayIn(), true);
  await rejectsAs(
    in_(p.id, (tx) => unlinkSignInMethod(tx, p.id, ayu, { provider: "password" })),
    "conflict",
    /only way this user can sign in/,
  );

  // Passwords off too: nothing signs Ayu in; nothing listed may go (each would still work once offered again).
  await sql`update astapa.projects set settings = settings || '{"passwords": false, "passkeys": true}'
            where id = ${p.id}`;
  assert.deepEqual(await listed(), [["password", false, false], ["google", false, false]]);
  assert.equal(await wayIn(), false);
  await rejectsAs(
    in_(p.id, (tx) => unlinkSignInMethod(tx, p.id, ayu, { provider: "google", subject: "g-dormant" })),
    "conflict",
  );

  // The deployment has no Google credentials: a project that turns Google back on without its own app offers
  // no Google either.
  await sql`update astapa.projects set settings = settings - 'social_login' where id = ${p.id}`;
  setDeploymentSocial(sql, ["github"]);
  try {
    assert.equal(await wayIn(), false);
    setDeploymentSocial(sql, BOTH_PROVIDERS);
    assert.deepEqual(await listed(), [["password", false, true], ["google", true, false]]);
    assert.equal(await wayIn(), true);
  } finally {
    setDeploymentSocial(sql, BOTH_PROVIDERS);
  }

  // Email codes on, and Ayu's address proven: a way in; both may go now, one at a time.
  await sql`update astapa.projects set settings = settings || '{"email_codes": true}' where id = ${p.id}`;
  assert.deepEqual(await listed(), [["password", false, true], ["google", true, true], [
    "email_code",
    true,
    false,
  ]]);
  const left = await in_(p.id, (tx) => unlinkSignInMethod(tx, p.id, ayu, { provider: "password" }));
  assert.deepEqual(left.map((m) => [m.provider, m.removable]), [["google", true], ["email_code", false]]);
  // A password set on a user without an email address is typed nowhere.
  const [{ id: phoneOnly }] =
    await sql`insert into astapa.users (project_id, phone_number, environment, password_hash)
    values (${p.id}, '+6281234500077', 'sandbox', ${ARGON}) returning id::text`;
  await sql`update astapa.projects set settings = settings - 'passwords' where id = ${p.id}`;
  assert.deepEqual(
    (await in_(p.id, (tx) => signInMethods(tx, p.id, phoneOnly))).map((m) => [m.provider, m.usable]),
    [["password", false]],
  );
});

Deno.test("astapa.has_way_in — a usable listed way or a working passkey; refusals as api.user_sign_in_methods", async () => {
  const p = await seedProject(sql, { settings: { passkeys: true } });
  const nobody = await seedUser(sql, p.id, "no.way@example.com");
  const way = (projectId: string | null, user: string) =>
    appValue<boolean>(sql, projectId, (tx) => tx`select astapa.has_way_in(${p.id}, ${user}::bigint)`);
  assert.equal(await way(p.id, nobody), false);
  await seedPasskey(sql, p.id, nobody, 90, { synced: true });
  assert.equal(await way(p.id, nobody), true);
  const withPassword = await passwordUser(p.id, "with.password@example.com");
  assert.equal(await way(p.id, withPassword), true);
  await rejectsAs(way(p.id, "999999"), "not_found");
  await rejectsAs(way(null, withPassword), "forbidden");
});

Deno.test("api.unlink_sign_in_method — removes one, never the last; audited; each refusal", async () => {
  const p = await seedProject(sql);
  const ayu = await passwordUser(p.id, "ayu@example.com");
  await linkIdentity(sql, p.id, ayu, "google", "g-1");
  await linkIdentity(sql, p.id, ayu, "github", "gh-1");
  const left = await in_(
    p.id,
    (tx) => unlinkSignInMethod(tx, p.id, ayu, { provider: "google", subject: "g-1" }),
  );
  assert.deepEqual(left.map((m) => m.provider), ["password", "github"]);
  const afterPassword = await in_(p.id, (tx) => unlinkSignInMethod(tx, p.id, ayu, { provider: "password" }));
  assert.deepEqual(afterPassword.map((m) => m.provider), ["github"]);
  const [{ has }] = await sql`select password_hash is not null as has from astapa.users where id = ${ayu}`;
  assert.equal(has, false);
  await rejectsAs(
    in_(p.id, (tx) => unlinkSignInMethod(tx, p.id, ayu, { provider: "github", subject: "gh-1" })),
    "conflict",
    /only way this user can sign in/,
  );
  await rejectsAs(
    in_(p.id, (tx) => unlinkSignInMethod(tx, p.id, ayu, { provider: "password" })),
    "not_found",
    /no password/,
  );
  await rejectsAs(
    in_(p.id, (tx) => unlinkSignInMethod(tx, p.id, ayu, { provider: "google", subject: "nope" })),
    "not_found",
    /no google identity nope/,
  );
  await rejectsAs(
    in_(p.id, (tx) => unlinkSignInMethod(tx, p.id, ayu, { provider: "facebook" })),
    "validation_failed",
    /password, google, github, apple or microsoft/,
  );
  await rejectsAs(
    in_(p.id, (tx) => unlinkSignInMethod(tx, p.id, "999999", { provider: "password" })),
    "not_found",
  );
  const other = await seedProject(sql);
  await rejectsAs(
    in_(other.id, (tx) => unlinkSignInMethod(tx, p.id, ayu, { provider: "password" })),
    "forbidden",
  );
  const audit = await in_(p.id, (tx) =>
    tx`select actor, details from astapa.audit_log
    where action = 'identity.unlink' order by id`);
  assert.deepEqual(audit.map((a) => [a.actor, a.details.provider]), [
    ["account:1", "google"],
    ["account:1", "password"],
  ]);
});

Deno.test("api.list_login_sessions / sign_out_everywhere — sessions end, refresh tokens are revoked, audited", async () => {
  const p = await seedProject(sql);
  const ayu = await passwordUser(p.id, "ayu@example.com");
  const budi = await passwordUser(p.id, "budi@example.com");
  for (const [user, byte] of [[ayu, 1], [ayu, 2], [budi, 3]] as const) {
    await in_(p.id, (tx) => tx`select api.start_login_session(${user}, ${new Uint8Array(32).fill(byte)})`);
    await sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, expires_at)
      values (${p.id}, ${new Uint8Array(32).fill(byte)}, gen_random_uuid(), ${user}, ${p.clientId},
              now() + interval '1 day')`;
  }
  const before = await in_(p.id, (tx) => listLoginSessions(tx, p.id, ayu));
  assert.equal(before.length, 2);
  assert.ok(before.every((s) => s.live && s.ended_at === null));
  assert.ok(!("token_hash" in before[0]));
  const counts = await in_(p.id, (tx) => signOutEverywhere(tx, p.id, ayu));
  assert.deepEqual(counts, {
    sessions: 2,
    refresh_tokens: 2,
    authorization_codes: 0,
    device_authorizations: 0,
    email_changes: 0,
    mfa_challenges: 0,
    impersonation_links: 0,
  });
  const after = await in_(p.id, (tx) => listLoginSessions(tx, p.id, ayu));
  assert.ok(after.every((s) => !s.live && s.ended_at !== null));
  assert.equal(await liveRefreshTokens(p.id, ayu), 0);
  assert.equal(await liveRefreshTokens(p.id, budi), 1, "another user's tokens stay");
  const session = await appValue(
    sql,
    p.id,
    (tx) => tx`select api.login_session_user(${new Uint8Array(32).fill(1)})`,
  );
  assert.equal(session, null, "the cookie no longer signs anyone in");
  const [audit] = await in_(p.id, (tx) =>
    tx`select actor, target, details from astapa.audit_log
    where action = 'user.sign_out_everywhere'`);
  assert.deepEqual({ ...audit }, {
    actor: "account:1",
    target: `user:${ayu}`,
    details: {
      sessions: 2,
      refresh_tokens: 2,
      authorization_codes: 0,
      device_authorizations: 0,
      email_changes: 0,
      mfa_challenges: 0,
      impersonation_links: 0,
    },
  });
  assert.deepEqual(await in_(p.id, (tx) => signOutEverywhere(tx, p.id, ayu)), {
    sessions: 0,
    refresh_tokens: 0,
    authorization_codes: 0,
    device_authorizations: 0,
    email_changes: 0,
    mfa_challenges: 0,
    impersonation_links: 0,
  });
  await rejectsAs(in_(p.id, (tx) => signOutEverywhere(tx, p.id, "999999")), "not_found");
  await rejectsAs(in_(p.id, (tx) => listLoginSessions(tx, p.id, "999999")), "not_found");
  const other = await seedProject(sql);
  await rejectsAs(in_(other.id, (tx) => signOutEverywhere(tx, p.id, budi)), "not_found");
  await rejectsAs(in_(other.id, (tx) => listLoginSessions(tx, p.id, budi)), "not_found");
  assert.equal(await liveRefreshTokens(p.id, budi), 1);
});

Deno.test("api.end_user_session — one session ends by sid, its online refresh tokens with it; audited once", async () => {
  const p = await seedProject(sql);
  const ayu = await passwordUser(p.id, "ayu@example.com");
  const budi = await passwordUser(p.id, "budi@example.com");
  for (const [user, byte] of [[ayu, 11], [ayu, 12], [budi, 13]] as const) {
    await in_(p.id, (tx) => tx`select api.start_login_session(${user}, ${new Uint8Array(32).fill(byte)})`);
  }
  const sessions = await in_(p.id, (tx) => listLoginSessions(tx, p.id, ayu));
  assert.equal(sessions.length, 2);
  assert.ok(sessions.every((s) => /^ses_[a-z2-7]{24}$/.test(s.sid)), "each session lists its sid");
  const [phone, laptop] = sessions;
  // Refresh tokens started from the phone's session: an online one and an offline_access one; one from the laptop.
  const token = async (byte: number, sid: string, scope: string) =>
    await sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, expires_at,
        session_id, scope)
      values (${p.id}, ${new Uint8Array(32).fill(byte)}, gen_random_uuid(), ${ayu}, ${p.clientId},
              now() + interval '1 day', ${sid}, ${scope})`;
  await token(21, phone.sid, "openid");
  await token(22, phone.sid, "openid offline_access");
  await token(23, laptop.sid, "openid");
  const ended = await in_(p.id, (tx) => endUserSession(tx, p.id, ayu, phone.sid));
  assert.equal(ended.sid, phone.sid);
  assert.equal(ended.live, false);
  assert.ok(ended.ended_at);
  const revoked = await sql`select get_byte(token_hash, 0) as byte, revoked_reason from astapa.refresh_tokens
    where user_id = ${ayu} order by 1`;
  assert.deepEqual(revoked.map((r) => [r.byte, r.revoked_reason]), [[21, "session_ended"], [22, null], [
    23,
    null,
  ]]);
  const after = await in_(p.id, (tx) => listLoginSessions(tx, p.id, ayu));
  assert.deepEqual(after.map((s) => [s.sid, s.live]), [[phone.sid, false], [laptop.sid, true]]);
  // A second call answers the ended session as it is and audits nothing more.
  const again = await in_(p.id, (tx) => endUserSession(tx, p.id, ayu, phone.sid));
  assert.equal(again.ended_at, ended.ended_at);
  const audits = await in_(
    p.id,
    (tx) => tx`select target, details from astapa.audit_log where action = 'user.session_ended'`,
  );
  assert.deepEqual(audits.map((a) => ({ ...a })), [
    { target: `user:${ayu}`, details: { by: "admin", sid: phone.sid } },
  ]);
  // Another user's sid, an unknown sid, another project: not found, nothing ended.
  const [budiSession] = await in_(p.id, (tx) => listLoginSessions(tx, p.id, budi));
  await rejectsAs(in_(p.id, (tx) => endUserSession(tx, p.id, ayu, budiSession.sid)), "not_found");
  await rejectsAs(in_(p.id, (tx) => endUserSession(tx, p.id, ayu, "ses_" + "a".repeat(24))), "not_found");
  await rejectsAs(in_(p.id, (tx) => endUserSession(tx, p.id, "999999", laptop.sid)), "not_found");
  const other = await seedProject(sql);
  await rejectsAs(in_(other.id, (tx) => endUserSession(tx, p.id, ayu, laptop.sid)), "not_found");
  assert.ok((await in_(p.id, (tx) => listLoginSessions(tx, p.id, budi)))[0].live);
  assert.ok((await in_(p.id, (tx) => listLoginSessions(tx, p.id, ayu)))[1].live);
});

Deno.test("api.user_own_claims — the user's own role, flags and custom claims, not the plan's", async () => {
  const p = await seedProject(sql);
  const ayu = await seedUser(sql, p.id, "ayu@example.com");
  assert.deepEqual(await in_(p.id, (tx) => userOwnClaims(tx, p.id, ayu)), {
    role: null,
    feature_flags: [],
    extra: {},
  });
  await in_(
    p.id,
    (tx) => patchUserClaims(tx, p.id, ayu, { role: "admin", feature_flags: ["beta"], seats: 5 }),
  );
  assert.deepEqual(await in_(p.id, (tx) => userOwnClaims(tx, p.id, ayu)), {
    role: "admin",
    feature_flags: ["beta"],
    extra: { seats: 5 },
  });
  await rejectsAs(in_(p.id, (tx) => userOwnClaims(tx, p.id, "999999")), "not_found");
  const other = await seedProject(sql);
  await rejectsAs(in_(other.id, (tx) => userOwnClaims(tx, p.id, ayu)), "not_found");
});

Deno.test("api.list_audit — newest first, keyset pages, filters, developer emails, other mode's users left out", async () => {
  const p = await seedProject(sql);
  const [account] =
    await sql`insert into astapa.accounts (email) values ('dev@dev.example') returning id::text`;
  const ayu = await seedUser(sql, p.id, "ayu@example.com");
  await asApp(sql, p.id, (tx) => tx`select api.disable_user(${p.id}, ${ayu})`, {
    actor: `account:${account.id}`,
  });
  await setMode(p.id, "production");
  const live = await seedUser(sql, p.id, "live@example.com");
  const all = await in_(p.id, (tx) => listAudit(tx, p.id, { size: 200 }));
  assert.ok(all.length >= 3);
  assert.ok(all.every((e, i) => i === 0 || BigInt(all[i - 1].id) > BigInt(e.id)), "newest first");
  assert.ok(
    !all.some((e) => e.target === `user:${ayu}`),
    "the sandbox user's entries are not shown in production",
  );
  assert.ok(all.some((e) => e.target === `user:${live}` && e.action === "user.create"));
  assert.ok(all.some((e) => e.action === "project.update"), "project entries show in every mode");
  await setMode(p.id, "sandbox");
  const disable = await in_(
    p.id,
    (tx) => listAudit(tx, p.id, { filters: { action: "user.disable" }, size: 10 }),
  );
  assert.equal(disable.length, 1);
  assert.deepEqual([disable[0].actor, disable[0].actor_email], [`account:${account.id}`, "dev@dev.example"]);
  const byEmail = await in_(
    p.id,
    (tx) => listAudit(tx, p.id, { filters: { actor: "DEV@dev.example" }, size: 10 }),
  );
  assert.deepEqual(byEmail.map((e) => e.id), [disable[0].id]);
  const byPrefix = await in_(p.id, (tx) => listAudit(tx, p.id, { filters: { action: "user." }, size: 10 }));
  assert.deepEqual(byPrefix.map((e) => e.action).sort(), ["user.create", "user.disable"]);
  const byUser = await in_(p.id, (tx) => listAudit(tx, p.id, { filters: { user: ayu }, size: 10 }));
  assert.ok(byUser.length === 2 && byUser.every((e) => e.target === `user:${ayu}`));
  const first = await in_(p.id, (tx) => listAudit(tx, p.id, { size: 1 }));
  const second = await in_(p.id, (tx) => listAudit(tx, p.id, { size: 1, beforeId: first[0].id }));
  assert.ok(BigInt(second[0].id) < BigInt(first[0].id));
  assert.deepEqual(
    await in_(p.id, (tx) => listAudit(tx, p.id, { filters: { actor: "nobody@dev.example" }, size: 5 })),
    [],
  );
  await rejectsAs(in_(p.id, (tx) => listAudit(tx, p.id, { size: 0 })), "validation_failed", /1 to 200/);
  await rejectsAs(
    in_(p.id, (tx) => listAudit(tx, p.id, { filters: { user: "abc" }, size: 5 })),
    "validation_failed",
    /digits/,
  );
  await rejectsAs(
    in_(p.id, (tx) => listAudit(tx, p.id, { filters: { action: "DROP" }, size: 5 })),
    "validation_failed",
    /user\.create/,
  );
  await rejectsAs(
    in_(p.id, (tx) => listAudit(tx, p.id, { filters: { colour: "red" } as never, size: 5 })),
    "validation_failed",
    /actor, action and user/,
  );
  const other = await seedProject(sql);
  await rejectsAs(in_(other.id, (tx) => listAudit(tx, p.id, { size: 5 })), "not_found");
  await rejectsAs(in_(null, (tx) => listAudit(tx, p.id, { size: 5 })), "not_found");
});

Deno.test("api.list_mail_outbox — no bodies; status, locale and environment; keyset pages; refusals", async () => {
  const p = await seedProject(sql);
  const queue = (to: string, html: string | null) =>
    appValue<string>(
      sql,
      p.id,
      (tx) =>
        tx`select api.queue_mail(${p.id}, ${
          tx.json({
            to,
            template: "verify_email",
            subject: "Confirm",
            text: "https://x.example/secret-link",
            html,
          })
        })`,
    );
  const sent = await queue("ayu@example.com", '<!doctype html><html lang="id"><body>…</body></html>');
  const failed = await queue("budi@example.com", null);
  await queue("citra@example.com", null);
  await sql`update astapa.mail_outbox set sent_at = now() where id = ${sent}`;
  await sql`update astapa.mail_outbox set attempts = 8, last_error = '550 mailbox unavailable' where id = ${failed}`;
  await setMode(p.id, "production");
  const liveMail = await queue("live@example.com", null);
  const production = await in_(p.id, (tx) => listMailOutbox(tx, p.id, { size: 50 }));
  assert.deepEqual(
    production.map((m) => m.id),
    [String(liveMail)],
    "sandbox mail is not shown in production",
  );
  await setMode(p.id, "sandbox");
  const mails = await in_(p.id, (tx) => listMailOutbox(tx, p.id, { size: 50 }));
  assert.deepEqual(mails.map((m) => m.to), ["citra@example.com", "budi@example.com", "ayu@example.com"]);
  assert.ok(!JSON.stringify(mails).includes("secret-link"), "never the body");
  assert.ok(!JSON.stringify(mails).includes("Confirm"), "never the subject");
  const byTo = Object.fromEntries(mails.map((m) => [m.to, m]));
  assert.deepEqual(
    [byTo["ayu@example.com"].status, byTo["ayu@example.com"].locale, byTo["ayu@example.com"].kind],
    ["sent", "id", "verify_email"],
  );
  assert.deepEqual(
    [byTo["budi@example.com"].status, byTo["budi@example.com"].last_error, byTo["budi@example.com"].attempts],
    ["failed", "550 mailbox unavailable", 8],
  );
  assert.equal(byTo["citra@example.com"].status, "queued");
  assert.deepEqual(
    (await in_(p.id, (tx) => listMailOutbox(tx, p.id, { status: "failed", size: 5 }))).map((m) => m.to),
    [
      "budi@example.com",
    ],
  );
  const older = await in_(p.id, (tx) => listMailOutbox(tx, p.id, { size: 2, beforeId: mails[0].id }));
  assert.deepEqual(older.map((m) => m.to), ["budi@example.com", "ayu@example.com"]);
  await rejectsAs(
    in_(p.id, (tx) => listMailOutbox(tx, p.id, { status: "lost" as never, size: 5 })),
    "validation_failed",
    /queued, sent or failed/,
  );
  await rejectsAs(
    in_(p.id, (tx) => listMailOutbox(tx, p.id, { size: 500 })),
    "validation_failed",
    /1 to 200/,
  );
  const other = await seedProject(sql);
  await rejectsAs(in_(other.id, (tx) => listMailOutbox(tx, p.id, { size: 5 })), "not_found");
  assert.deepEqual(await in_(other.id, (tx) => listMailOutbox(tx, other.id, { size: 5 })), []);
});
