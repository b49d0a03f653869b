/**
 * SQL tests for SAML single logout (db/api/saml_single_logout.sql, migration 4285): idp_slo_url through
 * api.put_saml_sso_connection, api.record_saml_session, api.end_saml_sessions (exactly the NameID's sessions on
 * that connection, a SessionIndex narrowing them, as a sign-out ends them: refresh tokens revoked; never another
 * connection's or project's), api.sso_logout_of_session for a SAML sign-in, api.hold_saml_sign_in and
 * api.carry_sso_sign_in (through a second factor), the pending sign-in's SessionIndex, and the policies of
 * astapa.sso_saml_sign_ins (migration 4314) as the owner project, another project and none.
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
const a = await seedProject(db.sql, {
  name: "A",
  settings: { initiate_login_uri: "https://app.example/start" },
});
const b = await seedProject(db.sql, { name: "B" });
const call = <T = Json>(
  project: string | null,
  query: (tx: Tx) => PromiseLike<readonly Record<string, unknown>[]>,
) => appValue<T>(db.sql, project, query);
const CERT = "MII" + "A".repeat(600) + "==";
const SLO = "https://idp.example/slo";

/** A SAML connection of a new organization of `project`, with the IdP SLO URL given (null: left out). */
async function connection(project: string, slug: string, sloUrl: string | null = SLO): Promise<Json> {
  const org = await call(project, (tx) => tx`select api.create_organization(${slug}, ${slug}, null)`);
  return await call(
    project,
    (tx) =>
      tx`select api.put_saml_sso_connection(${org.id as string}, 'https://idp.example/saml',
           'https://idp.example/sso', ${[
        CERT,
      ]}, null, null, idp_initiated => true, idp_slo_url => ${sloUrl})`,
  );
}

const record = (
  project: string | null,
  session: Uint8Array,
  conn: string,
  nameId: string,
  index: string | null,
) =>
  call(
    project,
    (tx) =>
      tx`select api.record_saml_session(${session}, ${conn}, ${nameId},
           'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', ${index})`,
  );
const end = (project: string | null, conn: string, nameId: string, index: string | null = null) =>
  call<number>(project, (tx) => tx`select api.end_saml_sessions(${conn}, ${nameId}, ${index})`);
const live = async (project: string, session: Uint8Array) => {
  const [row] = await db.sql`select ended_at is null as live from astapa.login_sessions
    where project_id = ${project} and token_hash = ${session}`;
  return row.live as boolean;
};

/** A user of `project` with a live session a SAML sign-in through `conn` started. */
async function samlSession(project: string, conn: string, email: string, index: string | null) {
  const user = await seedUser(db.sql, project, email, { verified: true }).catch(async () => {
    const [row] = await db
      .sql`select id::text from astapa.users where project_id = ${project} and email = ${email}`;
    return row.id as string;
  });
  const session = await seedSession(db.sql, project, user);
  await record(project, session, conn, email, index);
  return { user, session };
}

Deno.test("api.put_saml_sso_connection — idp_slo_url: set, kept when left out, '' removes it, https only", async () => {
  const made = await connection(a.id, "slo-setting");
  assert.equal(made.idp_slo_url, SLO);
  const org = made.organization_id as string;
  const put = (value: string | null) =>
    call(
      a.id,
      (tx) =>
        tx`select api.put_saml_sso_connection(${org}, null, null, null, null, null, idp_slo_url => ${value})`,
    );
  assert.equal((await put(null)).idp_slo_url, SLO, "left out: kept");
  assert.equal((await put("")).idp_slo_url, undefined, "'' removes it");
  await rejectsAs(put("ftp://idp.example/slo"), "validation_failed", /idp_slo_url/);
  const [audit] = await db.sql`select details from astapa.audit_log
    where project_id = ${a.id} and action = 'sso_connection.updated' order by id desc limit 1`;
  assert.equal(audit.details.idp_slo_url, null);
});

Deno.test("api.end_saml_sessions — the NameID's sessions on that connection only, a SessionIndex narrowing them", async () => {
  const one = (await connection(a.id, "slo-one")).id as string;
  const two = (await connection(a.id, "slo-two")).id as string;
  const first = await samlSession(a.id, one, "dewi@one.test", "_i1");
  const second = await samlSession(a.id, one, "dewi@one.test", "_i2");
  const otherPerson = await samlSession(a.id, one, "budi@one.test", "_i1");
  const otherConnection = await samlSession(a.id, two, "dewi@one.test", "_i1");
  const plain = await seedSession(db.sql, a.id, first.user); // a password session of the same person
  assert.equal(await end(a.id, one, "dewi@one.test", "_i1"), 1);
  assert.deepEqual(
    await Promise.all([first, second, otherPerson, otherConnection].map((s) => live(a.id, s.session))),
    [false, true, true, true],
  );
  assert.equal(await end(a.id, one, "dewi@one.test"), 1, "no SessionIndex: the rest of the NameID's");
  assert.equal(await live(a.id, second.session), false);
  assert.equal(await live(a.id, plain), true, "a session SAML did not start stays");
  assert.equal(await end(a.id, one, "dewi@one.test"), 0, "nothing left: 0");
  const [audit] = await db.sql`select target, details from astapa.audit_log
    where project_id = ${a.id} and action = 'user.saml_logout' order by id desc limit 1`;
  assert.deepEqual(audit, { target: `user:${first.user}`, details: { connection: one, sessions: 1 } });
});

Deno.test("api.end_saml_sessions — as a sign-out: the session's refresh tokens are revoked (session_ended)", async () => {
  const conn = (await connection(a.id, "slo-refresh")).id as string;
  const { user, session } = await samlSession(a.id, conn, "ratna@refresh.test", "_r1");
  const [s] = await db.sql`select public_id from astapa.login_sessions
    where project_id = ${a.id} and token_hash = ${session}`;
  await db
    .sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, client_id, user_id, scope,
      expires_at, session_id)
    select ${a.id}, ${new Uint8Array(32).fill(7)}, gen_random_uuid(), client_id, ${user}, 'openid',
      now() + interval '1 day', ${s.public_id as string} from astapa.projects where id = ${a.id}`;
  assert.equal(await end(a.id, conn, "ratna@refresh.test"), 1);
  const [token] = await db.sql`select revoked_reason from astapa.refresh_tokens
    where project_id = ${a.id} and session_id = ${s.public_id as string}`;
  assert.equal(token.revoked_reason, "session_ended");
});

Deno.test("api.end_saml_sessions — another project's call ends nothing of this one; no project is refused", async () => {
  const conn = (await connection(a.id, "slo-isolated")).id as string;
  const { session } = await samlSession(a.id, conn, "sari@iso.test", null);
  assert.equal(await end(b.id, conn, "sari@iso.test"), 0);
  assert.equal(await live(a.id, session), true);
  await rejectsAs(end(null, conn, "sari@iso.test"), "forbidden");
});

Deno.test("api.record_saml_session — a live session of the project only; bad fields refused", async () => {
  const conn = (await connection(a.id, "slo-record")).id as string;
  const user = await seedUser(db.sql, a.id, "eka@record.test", { verified: true });
  const session = await seedSession(db.sql, a.id, user);
  await rejectsAs(record(b.id, session, conn, "eka@record.test", "_x"), "not_found");
  await rejectsAs(record(null, session, conn, "eka@record.test", "_x"), "forbidden");
  await rejectsAs(record(a.id, session, conn, "", "_x"), "validation_failed");
  await rejectsAs(record(a.id, session, conn, "eka@record.test", "x".repeat(257)), "validation_failed");
  await record(a.id, session, conn, "eka@record.test", "_x");
  await db
    .sql`update astapa.login_sessions set ended_at = now() where project_id = ${a.id} and token_hash = ${session}`;
  const again = await seedSession(db.sql, a.id, user);
  await db
    .sql`update astapa.login_sessions set ended_at = now() where project_id = ${a.id} and token_hash = ${again}`;
  await rejectsAs(record(a.id, again, conn, "eka@record.test", "_y"), "not_found", /live session/);
});

Deno.test("api.sso_logout_of_session — the live SAML session's facts while its connection has an SLO URL", async () => {
  const made = await connection(a.id, "slo-facts");
  const conn = made.id as string;
  const { session } = await samlSession(a.id, conn, "tari@facts.test", "_f1");
  const facts = (project: string) =>
    call<Json | null>(project, (tx) => tx`select api.sso_logout_of_session(${session})`);
  assert.deepEqual(await facts(a.id), {
    protocol: "saml",
    connection_id: conn,
    name_id: "tari@facts.test",
    name_id_format: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    session_index: "_f1",
  });
  assert.equal(await facts(b.id), null, "another project sees nothing");
  await call(
    a.id,
    (tx) =>
      tx`select api.put_saml_sso_connection(${made.organization_id as string}, null, null, null, null, null,
           idp_slo_url => '')`,
  );
  assert.equal(await facts(a.id), null, "no SLO URL: nothing to tell the IdP");
});

Deno.test("api.record_sso_pending_sign_in — keeps the NameID format and SessionIndex for the session to come", async () => {
  const conn = (await connection(a.id, "slo-pending")).id as string;
  const token = new Uint8Array(32).fill(9);
  await call(
    a.id,
    (tx) =>
      tx`select api.record_sso_pending_sign_in(${conn}, ${token}, 'wulan@pending.test', 'wulan@pending.test',
           ${tx.json({})}, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', '_p1')`,
  );
  const used = await call<Json>(a.id, (tx) => tx`select api.use_sso_pending_sign_in(${token})`);
  assert.equal(used.session_index, "_p1");
  assert.equal(used.name_id_format, "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress");
});

Deno.test("sso_saml_sign_ins policies — the owner project reads its rows, another project and none see nothing", async () => {
  const conn = (await connection(a.id, "slo-policies")).id as string;
  await samlSession(a.id, conn, "putri@policies.test", "_q1");
  const count = (project: string | null) =>
    call<number>(
      project,
      (tx) => tx`select count(*)::int from astapa.sso_saml_sign_ins where connection_id = ${conn}`,
    );
  assert.equal(await count(a.id), 1);
  assert.equal(await count(b.id), 0);
  assert.equal(await count(null), 0);
  const { session } = await samlSession(a.id, conn, "putri@policies.test", "_q2");
  await rejectsAs(
    call(
      b.id,
      (tx) =>
        tx`insert into astapa.sso_saml_sign_ins (project_id, session_hash, connection_id, name_id)
         values (${a.id}, ${session}, ${conn}, 'x') returning 1`,
    ),
    "forbidden",
  );
});

Deno.test("api.hold_saml_sign_in / api.carry_sso_sign_in — through a second factor, onto the session it starts", async () => {
  const conn = (await connection(a.id, "slo-mfa")).id as string;
  const user = await seedUser(db.sql, a.id, "indah@mfa.test", { verified: true });
  const challenge = new Uint8Array(32).fill(11);
  await db.sql`insert into astapa.mfa_challenges (project_id, token_hash, user_id, amr, expires_at)
    values (${a.id}, ${challenge}, ${user}, '{fed}', now() + interval '10 minutes')`;
  const hold = (project: string | null, hash: Uint8Array) =>
    call(
      project,
      (tx) => tx`select api.hold_saml_sign_in(${hash}, ${conn}, 'indah@mfa.test', null, '_m1')`,
    );
  await rejectsAs(hold(b.id, challenge), "not_found");
  await rejectsAs(hold(null, challenge), "forbidden");
  await rejectsAs(hold(a.id, new Uint8Array(32).fill(12)), "not_found", /challenge/);
  await hold(a.id, challenge);
  const session = await seedSession(db.sql, a.id, user);
  const carry = (project: string, hash: Uint8Array) =>
    call<boolean>(project, (tx) => tx`select api.carry_sso_sign_in(${hash}, ${session})`);
  assert.equal(await carry(b.id, challenge), false, "another project carries nothing");
  assert.equal(await carry(a.id, challenge), true);
  assert.equal(await carry(a.id, challenge), false, "once");
  assert.equal(await end(a.id, conn, "indah@mfa.test", "_m1"), 1, "the session is the SAML sign-in's");
  assert.equal(await live(a.id, session), false);
});

Deno.test("api.carry_sso_sign_in — a second factor met by a phone code carries the SAML sign-in to its session too", async () => {
  const phoned = await seedProject(db.sql, {
    name: "P",
    settings: { mfa: { policy: "required", phone: true } },
  });
  const conn = (await connection(phoned.id, "slo-phone")).id as string;
  const user = await seedUser(db.sql, phoned.id, "wulan@phone.test", { verified: true });
  await call(phoned.id, (tx) => tx`select api.set_user_phone(${phoned.id}, ${user}, '+6281255550101', true)`);
  await db.sql`insert into astapa.user_factors (project_id, user_id, kind, confirmed_at)
    values (${phoned.id}, ${user}, 'phone', now())`;
  const challenge = await sha256("phone-challenge");
  await call(phoned.id, (tx) => tx`select api.start_mfa_challenge(${user}, ${challenge}, '{fed}', true)`);
  await call(
    phoned.id,
    (tx) => tx`select api.hold_saml_sign_in(${challenge}, ${conn}, 'wulan@phone.test', null, '_phone1')`,
  );
  const code = { tokenHash: await sha256("phone-code"), codeHash: await sha256("phone-code:135790") };
  const sent = await startMfaPhoneCode(db.sql, phoned.id, challenge, {
    country: "ID",
    channel: "sms",
    ...code,
  }, "10.7.7.7");
  assert.equal(sent.sent, true, JSON.stringify(sent));
  const session = await sha256("phone-session");
  const met = await meetChallengeByPhone(db.sql, phoned.id, challenge, code, null, {
    tokenHash: session,
    ttlSeconds: 3600,
  }, null);
  assert.ok("userId" in met, JSON.stringify(met));
  const [kept] = await db.sql`select connection_id, name_id, session_index from astapa.sso_saml_sign_ins
    where project_id = ${phoned.id} and session_hash = ${session}`;
  assert.deepEqual(kept, { connection_id: conn, name_id: "wulan@phone.test", session_index: "_phone1" });
  // So the IdP's LogoutRequest for the person ends it, as any SAML sign-in's session.
  assert.equal(await end(phoned.id, conn, "wulan@phone.test", "_phone1"), 1);
  assert.equal(await live(phoned.id, session), false);
});
