/**
 * Migrations 4314 and 4315 on a database whose SSO sign-ins were kept in the four tables before them: the SAML
 * and OpenID Connect sessions' and challenges' rows move to astapa.sso_saml_sign_ins and astapa.sso_oidc_sign_ins
 * unchanged, each under its session or its challenge; the four tables and the functions only they served are
 * gone; a moved session's sign-in is still ended by its IdP's logout and told to the IdP at sign-out, and a moved
 * challenge's is still carried to the session the met challenge starts.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { migrate, MIGRATIONS_DIR } from "@/db/migrate.ts";
import { databaseBefore } from "../helpers/migrations.ts";
import { OIDC, SAML, seedSsoConnections, seedSsoUser } from "../helpers/sso_migrations.ts";

const FIRST = "4314";
const PROJECT = "proj_signinsssigninss";

Deno.test("migrations 4314, 4315 — SSO sessions and challenges move to one table per protocol, keyed by session or challenge", async () => {
  const db = await databaseBefore(FIRST);
  try {
    await seedSsoConnections(db.sql, PROJECT);
    const user = await seedSsoUser(db.sql, PROJECT, "dewi@sign-ins.test");
    const hashes = {
      samlSession: await user.session("saml-session"),
      samlChallenge: await user.challenge("saml-challenge"),
      oidcSession: await user.session("oidc-session"),
      oidcChallenge: await user.challenge("oidc-challenge"),
    };
    await db.sql`insert into astapa.sso_saml_sessions (project_id, session_hash, connection_id, name_id,
                   name_id_format, session_index)
                 values (${PROJECT}, ${hashes.samlSession}, ${SAML}, 'dewi@sign-ins.test', 'urn:format', '_s1')`;
    await db.sql`insert into astapa.sso_saml_challenges (project_id, challenge_hash, connection_id, name_id,
                   session_index)
                 values (${PROJECT}, ${hashes.samlChallenge}, ${SAML}, 'dewi@sign-ins.test', '_c1')`;
    await db
      .sql`insert into astapa.sso_oidc_sessions (project_id, session_hash, connection_id, subject, idp_sid,
                   id_token_sealed)
                 values (${PROJECT}, ${hashes.oidcSession}, ${OIDC}, 'sub-dewi', 'sid-1', 'sealed-1')`;
    await db.sql`insert into astapa.sso_oidc_challenges (project_id, challenge_hash, connection_id, subject,
                   idp_sid, id_token_sealed)
                 values (${PROJECT}, ${hashes.oidcChallenge}, ${OIDC}, 'sub-dewi', 'sid-2', 'sealed-2')`;

    const applied = (await migrate(db.sql, MIGRATIONS_DIR)).map((m) => m.version);
    assert.ok(applied.includes("4314") && applied.includes("4315"), "4314 and 4315 ran on this database");
    const saml = await db.sql`select session_hash, challenge_hash, connection_id, name_id, name_id_format,
      session_index from astapa.sso_saml_sign_ins order by session_index`;
    assert.deepEqual(saml.map((r) => ({ ...r })), [
      {
        session_hash: null,
        challenge_hash: Buffer.from(hashes.samlChallenge),
        connection_id: SAML,
        name_id: "dewi@sign-ins.test",
        name_id_format: null,
        session_index: "_c1",
      },
      {
        session_hash: Buffer.from(hashes.samlSession),
        challenge_hash: null,
        connection_id: SAML,
        name_id: "dewi@sign-ins.test",
        name_id_format: "urn:format",
        session_index: "_s1",
      },
    ]);
    const oidc = await db
      .sql`select session_hash, challenge_hash, connection_id, subject, idp_sid, id_token_sealed
      from astapa.sso_oidc_sign_ins order by idp_sid`;
    assert.deepEqual(oidc.map((r) => ({ ...r })), [
      {
        session_hash: Buffer.from(hashes.oidcSession),
        challenge_hash: null,
        connection_id: OIDC,
        subject: "sub-dewi",
        idp_sid: "sid-1",
        id_token_sealed: "sealed-1",
      },
      {
        session_hash: null,
        challenge_hash: Buffer.from(hashes.oidcChallenge),
        connection_id: OIDC,
        subject: "sub-dewi",
        idp_sid: "sid-2",
        id_token_sealed: "sealed-2",
      },
    ]);
    const [gone] = await db.sql`select to_regclass('astapa.sso_saml_sessions') as saml_sessions,
      to_regclass('astapa.sso_saml_challenges') as saml_challenges,
      to_regclass('astapa.sso_oidc_sessions') as oidc_sessions,
      to_regclass('astapa.sso_oidc_challenges') as oidc_challenges,
      to_regprocedure('api.carry_saml_sign_in(bytea, bytea)') as carry_saml,
      to_regprocedure('api.saml_logout_of_session(bytea)') as saml_logout,
      to_regprocedure('api.oidc_logout_of_session(bytea)') as oidc_logout`;
    assert.deepEqual({ ...gone }, {
      saml_sessions: null,
      saml_challenges: null,
      oidc_sessions: null,
      oidc_challenges: null,
      carry_saml: null,
      saml_logout: null,
      oidc_logout: null,
    });

    // A row names its session or its challenge: never both, never neither.
    for (const table of ["sso_saml_sign_ins", "sso_oidc_sign_ins"]) {
      const subject = table === "sso_saml_sign_ins" ? "name_id" : "subject";
      const connection = table === "sso_saml_sign_ins" ? SAML : OIDC;
      for (const [session, challenge] of [[null, null], [hashes.samlSession, hashes.samlChallenge]]) {
        await assert.rejects(
          db.sql`insert into ${
            db.sql("astapa." + table)
          } (project_id, session_hash, challenge_hash, connection_id,
                   ${db.sql(subject)})
                 values (${PROJECT}, ${session}, ${challenge}, ${connection}, 'x')`,
          new RegExp(`${table}_session_hash_challenge_hash_check`),
        );
      }
    }

    // The moved rows serve as before: a sign-out tells the IdP, a met challenge carries its sign-in on, and the
    // IdP's logout ends the sessions.
    const app = <T>(query: (tx: Tx) => Promise<T>) => asApp(db.sql, PROJECT, query);
    const [told] = await app((tx) => tx`select api.sso_logout_of_session(${hashes.samlSession}) as told`);
    assert.deepEqual(told.told, {
      protocol: "saml",
      connection_id: SAML,
      name_id: "dewi@sign-ins.test",
      name_id_format: "urn:format",
      session_index: "_s1",
    });
    const samlLater = await user.session("saml-later");
    const oidcLater = await user.session("oidc-later");
    const [carried] = await app((tx) =>
      tx`select api.carry_sso_sign_in(${hashes.samlChallenge}, ${samlLater}) as saml,
                api.carry_sso_sign_in(${hashes.oidcChallenge}, ${oidcLater}) as oidc`
    );
    assert.deepEqual({ ...carried }, { saml: true, oidc: true });
    const [ended] = await app((tx) =>
      tx`select api.end_saml_sessions(${SAML}, 'dewi@sign-ins.test', '_c1') as saml,
                api.end_oidc_sessions(${OIDC}, 'jti-1', now() + interval '1 hour', null, 'sid-1') as oidc`
    );
    assert.deepEqual({ ...ended }, { saml: 1, oidc: 1 });
    const live = await db.sql`select token_hash from astapa.login_sessions
      where project_id = ${PROJECT} and ended_at is null order by token_hash`;
    assert.deepEqual(
      live.map((r) => r.token_hash),
      [Buffer.from(hashes.samlSession), Buffer.from(oidcLater)].sort(Buffer.compare),
    );
  } finally {
    await db.close();
  }
});
