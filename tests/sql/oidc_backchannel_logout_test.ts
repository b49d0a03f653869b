/**
 * SQL tests for OpenID Connect back-channel logout received from an SSO IdP (db/api/oidc_backchannel_logout.sql,
 * migrations 4302, 4304, 4315): api.record_oidc_session, api.sso_logout_of_session for an OpenID Connect sign-in,
 * api.end_oidc_sessions (the jti once; by sid, by sub, both; as a
 * sign-out ends them: refresh tokens revoked; never another connection's or project's; a disabled or SAML
 * connection refused), api.hold_oidc_sign_in and api.carry_sso_sign_in (through a second factor, by an app code and
 * by a phone code), api.sso_connection_project (oidc), and the policies of astapa.sso_oidc_sign_ins and
 * astapa.sso_message_ids as the owner project, another project and none.
 */
import assert from "node:assert/strict";
import type { Tx } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject, seedSession, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { meetChallengeByPhone, startMfaPhoneCode } from "@/db/phone_factor.ts";
import { sha256 } from "@/lib/secrets.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Json = Record<string, unknown>;
const a = await seedProject(db.sql, { name: "A" });
const b = await seedProject(db.sql, { name: "B" });
const call = <T = Json>(
  project: string | null,
  query: (tx: Tx) => PromiseLike<readonly Record<string, unknown>[]>,
) => appValue<T>(db.sql, project, query);

/** An OpenID Connect connection of a new organization of `project`: its id. */
async function connection(project: string, slug: string): Promise<string> {
  const org = await call(project, (tx) => tx`select api.create_organization(${slug}, ${slug}, null)`);
  const made = await call(
    project,
    (tx) =>
      tx`select api.put_sso_connection(${org
        .id as string}, 'https://idp.example', 'client-1', 'sealed', null, null)`,
  );
  return made.id as string;
}

const record = (project: string | null, session: Uint8Array, conn: string, sub: string, sid: string | null) =>
  call(project, (tx) => tx`select api.record_oidc_session(${session}, ${conn}, ${sub}, ${sid}, null)`);
let jtis = 0;
const end = (
  project: string | null,
  conn: string,
  sub: string | null,
  sid: string | null,
  jti = `jti-${++jtis}`,
) =>
  call<number>(
    project,
    (tx) => tx`select api.end_oidc_sessions(${conn}, ${jti}, now() + interval '10 minutes', ${sub}, ${sid})`,
  );
const live = async (project: string, session: Uint8Array) => {
  const [row] = await db.sql`select ended_at is null as live from astapa.login_sessions
    where project_id = ${project} and token_hash = ${session}`;
  return row.live as boolean;
};

/** A user of `project` with a live session an OIDC sign-in through `conn` started. */
async function oidcSession(project: string, conn: string, email: string, sub: string, sid: string | null) {
  const user = await seedUser(db.sql, project, email, { verified: true }).catch(async () => {
    const [row] = await db
      .sql`select id::text from astapa.users where project_id = ${project} and email = ${email}`;
    return row.id as string;
  });
  const session = await seedSession(db.sql, project, user);
  await record(project, session, conn, sub, sid);
  return { user, session };
}

Deno.test("api.end_oidc_sessions — a sid, a sub, or both: exactly those sessions of that connection", async () => {
  const conn = await connection(a.id, "bcl-match");
  const other = await connection(a.id, "bcl-other");
  const one = await oidcSession(a.id, conn, "dewi@a.test", "sub-dewi", "sid-1");
  const two = await oidcSession(a.id, conn, "dewi@a.test", "sub-dewi", "sid-2");
  const none = await oidcSession(a.id, conn, "dewi@a.test", "sub-dewi", null);
  const budi = await oidcSession(a.id, conn, "budi@a.test", "sub-budi", "sid-3");
  const elsewhere = await oidcSession(a.id, other, "dewi@a.test", "sub-dewi", "sid-1");
  assert.equal(await end(a.id, conn, null, "sid-1"), 1);
  assert.deepEqual(
    [await live(a.id, one.session), await live(a.id, two.session), await live(a.id, elsewhere.session)],
    [false, true, true],
  );
  assert.equal(await end(a.id, conn, "sub-budi", "sid-2"), 0, "sid and sub must both match");
  assert.equal(await end(a.id, conn, "sub-dewi", null), 2, "sub alone: every session of the subject");
  assert.deepEqual(
    [await live(a.id, two.session), await live(a.id, none.session), await live(a.id, budi.session)],
    [false, false, true],
  );
  assert.equal(await live(a.id, elsewhere.session), true, "another connection's session stays");
  assert.equal(await end(a.id, conn, "sub-nobody", null), 0, "nothing to end is no error");
  const [audit] = await db.sql`select details from astapa.audit_log
    where project_id = ${a.id} and action = 'user.idp_backchannel_logout' order by id desc limit 1`;
  assert.deepEqual(audit.details, { connection: conn, sessions: 2 });
});

Deno.test("api.end_oidc_sessions — as a sign-out: the session's refresh tokens are revoked (session_ended)", async () => {
  const conn = await connection(a.id, "bcl-refresh");
  const { user, session } = await oidcSession(a.id, conn, "sari@a.test", "sub-sari", "sid-r");
  const [s] = await db.sql`select public_id from astapa.login_sessions
    where project_id = ${a.id} and token_hash = ${session}`;
  await db
    .sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, client_id, user_id, scope,
      expires_at, session_id)
    select ${a.id}, ${new Uint8Array(32).fill(9)}, gen_random_uuid(), client_id, ${user}, 'openid',
      now() + interval '1 day', ${s.public_id as string} from astapa.projects where id = ${a.id}`;
  assert.equal(await end(a.id, conn, null, "sid-r"), 1);
  const [token] = await db.sql`select revoked_reason from astapa.refresh_tokens
    where project_id = ${a.id} and session_id = ${s.public_id as string}`;
  assert.equal(token.revoked_reason, "session_ended");
});

Deno.test("api.end_oidc_sessions — a jti once per connection; refusals end nothing", async () => {
  const conn = await connection(a.id, "bcl-jti");
  const { session } = await oidcSession(a.id, conn, "wati@a.test", "sub-wati", "sid-w");
  assert.equal(await end(a.id, conn, "sub-nobody", null, "same-jti"), 0);
  await rejectsAs(end(a.id, conn, "sub-wati", null, "same-jti"), "conflict", /already used/);
  assert.equal(await live(a.id, session), true, "a replay ends nothing");
  await rejectsAs(end(a.id, conn, null, null), "validation_failed");
  await rejectsAs(end(a.id, conn, "sub-wati", null, ""), "validation_failed");
  await rejectsAs(end(a.id, conn, "sub-wati", null, "x".repeat(257)), "validation_failed");
  await rejectsAs(end(b.id, conn, "sub-wati", null), "not_found", /enabled OpenID Connect/);
  await rejectsAs(end(null, conn, "sub-wati", null), "forbidden");
  const org = await call<string>(
    a.id,
    (tx) => tx`select organization_id from astapa.sso_connections where id = ${conn}`,
  );
  await call(
    a.id,
    (tx) => tx`select api.put_sso_connection(${org}, 'https://idp.example', 'client-1', null, false, null)`,
  );
  await rejectsAs(end(a.id, conn, "sub-wati", null), "not_found", /enabled OpenID Connect/);
  assert.equal(await live(a.id, session), true);
  // An expired jti is pruned by the next token's record.
  await db.sql`update astapa.sso_message_ids set expires_at = now() - interval '1 minute'
    where project_id = ${a.id} and message_id = 'same-jti'`;
  const conn2 = await connection(a.id, "bcl-prune");
  await end(a.id, conn2, "sub-nobody", null);
  const [left] = await db.sql`select count(*)::int as n from astapa.sso_message_ids
    where project_id = ${a.id} and message_id = 'same-jti'`;
  assert.equal(left.n, 0);
});

Deno.test("api.record_oidc_session — a live session of the project only; bad fields refused", async () => {
  const conn = await connection(a.id, "bcl-record");
  const user = await seedUser(db.sql, a.id, "rec@a.test", { verified: true });
  const session = await seedSession(db.sql, a.id, user);
  await rejectsAs(record(b.id, session, conn, "s", null), "not_found");
  await rejectsAs(record(null, session, conn, "s", null), "forbidden");
  await rejectsAs(record(a.id, session, conn, "", null), "validation_failed");
  await rejectsAs(record(a.id, session, conn, "s".repeat(256), null), "validation_failed");
  await rejectsAs(record(a.id, session, conn, "s", "x".repeat(256)), "validation_failed");
  await rejectsAs(record(a.id, session, conn, "s", ""), "validation_failed");
  await record(a.id, session, conn, "s", "sid");
  await db
    .sql`update astapa.login_sessions set ended_at = now() where project_id = ${a.id} and token_hash = ${session}`;
  const again = await seedSession(db.sql, a.id, user);
  await db
    .sql`update astapa.login_sessions set ended_at = now() where project_id = ${a.id} and token_hash = ${again}`;
  await rejectsAs(record(a.id, again, conn, "s", null), "not_found", /live session/);
});

Deno.test("api.sso_connection_project (oidc) — an OIDC connection's project before one is chosen; SAML and junk are null", async () => {
  const conn = await connection(a.id, "bcl-lookup");
  assert.equal(
    await call<string>(null, (tx) => tx`select api.sso_connection_project(${conn}, 'oidc')`),
    a.id,
  );
  assert.equal(await call(null, (tx) => tx`select api.sso_connection_project('nope', 'oidc')`), null);
  assert.equal(
    await call(null, (tx) => tx`select api.sso_connection_project(${"sso_" + "a".repeat(24)}, 'oidc')`),
    null,
  );
  const org = await call(a.id, (tx) => tx`select api.create_organization('bcl-saml', 'bcl-saml', null)`);
  const saml = await call(
    a.id,
    (tx) =>
      tx`select api.put_saml_sso_connection(${org
        .id as string}, 'https://idp.example/saml', 'https://idp.example/sso',
           ${["MII" + "A".repeat(600) + "=="]}, null, null)`,
  );
  assert.equal(
    await call(null, (tx) => tx`select api.sso_connection_project(${saml.id as string}, 'oidc')`),
    null,
  );
  await rejectsAs(call(a.id, (tx) => tx`select api.sso_connection_project(${conn}, 'oidc')`), "forbidden");
});

Deno.test("api.hold_oidc_sign_in / api.carry_sso_sign_in — through a second factor, onto the session it starts", async () => {
  const conn = await connection(a.id, "bcl-mfa");
  const user = await seedUser(db.sql, a.id, "indah@a.test", { verified: true });
  const challenge = await sha256("bcl-challenge");
  await call(a.id, (tx) => tx`select api.start_mfa_challenge(${user}, ${challenge}, '{fed}', true)`);
  await rejectsAs(
    call(a.id, (tx) => tx`select api.hold_oidc_sign_in(${challenge}, ${conn}, '', null, null)`),
    "validation_failed",
  );
  await rejectsAs(
    call(b.id, (tx) => tx`select api.hold_oidc_sign_in(${challenge}, ${conn}, 'sub-indah', null, null)`),
    "not_found",
  );
  await call(
    a.id,
    (tx) =>
      tx`select api.hold_oidc_sign_in(${challenge}, ${conn}, 'sub-indah', 'sid-m', 'sealed-id-token-m')`,
  );
  const session = await seedSession(db.sql, a.id, user);
  assert.equal(
    await call<boolean>(b.id, (tx) => tx`select api.carry_sso_sign_in(${challenge}, ${session})`),
    false,
  );
  assert.equal(
    await call<boolean>(a.id, (tx) => tx`select api.carry_sso_sign_in(${challenge}, ${session})`),
    true,
  );
  assert.equal(
    await call<boolean>(a.id, (tx) => tx`select api.carry_sso_sign_in(${challenge}, ${session})`),
    false,
  );
  assert.deepEqual(
    await call(a.id, (tx) => tx`select api.sso_logout_of_session(${session})`),
    { protocol: "oidc", connection_id: conn, id_token_sealed: "sealed-id-token-m" },
    "the held ID token went with the session",
  );
  assert.equal(await end(a.id, conn, null, "sid-m"), 1, "the session is the OIDC sign-in's");
});

Deno.test("api.sso_logout_of_session — the sealed ID token of a live OIDC session of an enabled connection, else null", async () => {
  const conn = await connection(a.id, "rp-logout");
  const user = await seedUser(db.sql, a.id, "rp@a.test", { verified: true });
  const session = await seedSession(db.sql, a.id, user);
  const logoutOf = (project: string | null, hash: Uint8Array) =>
    call(project, (tx) => tx`select api.sso_logout_of_session(${hash})`);
  assert.equal(await logoutOf(a.id, session), null, "not an OIDC sign-in's session");
  await call(
    a.id,
    (tx) => tx`select api.record_oidc_session(${session}, ${conn}, 'sub-rp', null, 'sealed-rp')`,
  );
  assert.deepEqual(await logoutOf(a.id, session), {
    protocol: "oidc",
    connection_id: conn,
    id_token_sealed: "sealed-rp",
  });
  assert.equal(await logoutOf(b.id, session), null, "another project sees none");
  assert.equal(await logoutOf(null, session), null, "no project sees none");
  const tokenless = await seedSession(db.sql, a.id, user);
  await record(a.id, tokenless, conn, "sub-rp", null);
  assert.equal(await logoutOf(a.id, tokenless), null, "a session that kept no ID token tells nothing");
  await db.sql`update astapa.sso_connections set enabled = false where project_id = ${a.id} and id = ${conn}`;
  assert.equal(await logoutOf(a.id, session), null, "a disabled connection tells nothing");
  await db.sql`update astapa.sso_connections set enabled = true where project_id = ${a.id} and id = ${conn}`;
  await db
    .sql`update astapa.login_sessions set ended_at = now() where project_id = ${a.id} and token_hash = ${session}`;
  assert.equal(await logoutOf(a.id, session), null, "an ended session tells nothing");
});

Deno.test("api.carry_sso_sign_in — a second factor met by a phone code carries the OIDC sign-in to its session", async () => {
  const phoned = await seedProject(db.sql, {
    name: "P",
    settings: { mfa: { policy: "required", phone: true } },
  });
  const conn = await connection(phoned.id, "bcl-phone");
  const user = await seedUser(db.sql, phoned.id, "wulan@phone.test", { verified: true });
  await call(phoned.id, (tx) => tx`select api.set_user_phone(${phoned.id}, ${user}, '+6281255550102', true)`);
  await db.sql`insert into astapa.user_factors (project_id, user_id, kind, confirmed_at)
    values (${phoned.id}, ${user}, 'phone', now())`;
  const challenge = await sha256("bcl-phone-challenge");
  await call(phoned.id, (tx) => tx`select api.start_mfa_challenge(${user}, ${challenge}, '{fed}', true)`);
  await call(
    phoned.id,
    (tx) =>
      tx`select api.hold_oidc_sign_in(${challenge}, ${conn}, 'sub-wulan', 'sid-p', 'sealed-id-token-p')`,
  );
  const code = { tokenHash: await sha256("bcl-phone-code"), codeHash: await sha256("bcl-phone-code:135790") };
  const sent = await startMfaPhoneCode(db.sql, phoned.id, challenge, {
    country: "ID",
    channel: "sms",
    ...code,
  }, "10.7.7.8");
  assert.equal(sent.sent, true, JSON.stringify(sent));
  const session = await sha256("bcl-phone-session");
  const met = await meetChallengeByPhone(db.sql, phoned.id, challenge, code, null, {
    tokenHash: session,
    ttlSeconds: 3600,
  }, null);
  assert.ok("userId" in met, JSON.stringify(met));
  const [kept] = await db
    .sql`select connection_id, subject, idp_sid, id_token_sealed from astapa.sso_oidc_sign_ins
    where project_id = ${phoned.id} and session_hash = ${session}`;
  assert.deepEqual(kept, {
    connection_id: conn,
    subject: "sub-wulan",
    idp_sid: "sid-p",
    id_token_sealed: "sealed-id-token-p",
  });
  assert.equal(await end(phoned.id, conn, null, "sid-p"), 1);
  assert.equal(await live(phoned.id, session), false);
});

Deno.test("astapa.sso_oidc_sign_ins and sso_message_ids — a project reads its own rows, another project and none see nothing", async () => {
  const conn = await connection(a.id, "bcl-rls");
  await oidcSession(a.id, conn, "rls@a.test", "sub-rls", "sid-rls");
  await end(a.id, conn, "sub-nobody", null, "rls-jti");
  for (const table of ["sso_oidc_sign_ins", "sso_message_ids"]) {
    const count = (project: string | null) =>
      call<number>(
        project,
        (tx) => tx`select count(*)::int from ${tx("astapa." + table)} where connection_id = ${conn}`,
      );
    assert.equal(await count(a.id), 1, `${table}: the owner`);
    assert.equal(await count(b.id), 0, `${table}: another project`);
    assert.equal(await count(null), 0, `${table}: no project`);
  }
  const challenges = (project: string | null) =>
    call<number>(
      project,
      (tx) => tx`select count(*)::int from astapa.sso_oidc_sign_ins where challenge_hash is not null`,
    );
  assert.equal(await challenges(b.id), 0);
  assert.equal(await challenges(null), 0);
});
