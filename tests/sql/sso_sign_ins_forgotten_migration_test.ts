/**
 * Migration 4317 on a database that kept SSO sign-ins past their sessions: the sign-in of a session that ended
 * and one held a day with a challenge nobody met are deleted; a live session's and a recent challenge's stay.
 */
import assert from "node:assert/strict";
import { migrate, MIGRATIONS_DIR } from "@/db/migrate.ts";
import { sha256 } from "@/lib/secrets.ts";
import { databaseBefore } from "../helpers/migrations.ts";

const FIRST = "4317";
const PROJECT = "proj_forgottenforgott";
const SAML = "sso_" + "s".repeat(24);
const OIDC = "sso_" + "o".repeat(24);

Deno.test("migration 4317 — SSO sign-ins of ended sessions and of day-old unmet challenges go; live ones stay", async () => {
  const db = await databaseBefore(FIRST);
  try {
    await db.sql`insert into astapa.projects (id, name, client_id, client_secret_hash)
                 values (${PROJECT}, 'Forgotten', ${"cid_".padEnd(28, "f")}, sha256('secret'))`;
    await db.sql`insert into astapa.organizations (project_id, id, name, slug)
                 values (${PROJECT}, ${"org_" + "a".repeat(24)}, 'Acme', 'acme')`;
    await db.sql`insert into astapa.sso_connections (project_id, id, organization_id, protocol, idp_entity_id,
                   idp_sso_url, idp_certificates)
                 values (${PROJECT}, ${SAML}, ${"org_" + "a".repeat(24)}, 'saml', 'https://idp.example/saml',
                         'https://idp.example/sso', ${["MIIC" + "A".repeat(60)]})`;
    await db.sql`insert into astapa.organizations (project_id, id, name, slug)
                 values (${PROJECT}, ${"org_" + "b".repeat(24)}, 'Beta', 'beta')`;
    await db.sql`insert into astapa.sso_connections (project_id, id, organization_id, issuer, client_id,
                   client_secret_sealed)
                 values (${PROJECT}, ${OIDC}, ${
      "org_" + "b".repeat(24)
    }, 'https://idp.example', 'c', 'sealed')`;
    const [user] = await db.sql`insert into astapa.users (project_id, email, environment)
                                values (${PROJECT}, 'dewi@forgotten.test', 'production') returning id`;
    const session = async (name: string, ended: boolean) => {
      const hash = await sha256(name);
      await db.sql`insert into astapa.login_sessions (project_id, token_hash, user_id, expires_at, ended_at)
                   values (${PROJECT}, ${hash}, ${user.id}, now() + interval '1 day',
                           ${ended ? new Date() : null})`;
      return hash;
    };
    const challenge = async (name: string) => {
      const hash = await sha256(name);
      await db.sql`insert into astapa.mfa_challenges (project_id, token_hash, user_id, amr, expires_at)
                   values (${PROJECT}, ${hash}, ${user.id}, '{fed}', now() + interval '10 minutes')`;
      return hash;
    };
    const keep = async (
      key: "session_hash" | "challenge_hash",
      hash: Uint8Array,
      name: string,
      age = "0",
    ) => {
      await db.sql`insert into astapa.sso_saml_sign_ins (project_id, ${db.sql(key)}, connection_id, name_id,
                     session_index, created_at)
                   values (${PROJECT}, ${hash}, ${SAML}, 'dewi@forgotten.test', ${name}, now() - ${age}::interval)`;
      await db.sql`insert into astapa.sso_oidc_sign_ins (project_id, ${db.sql(key)}, connection_id, subject,
                     idp_sid, id_token_sealed, created_at)
                   values (${PROJECT}, ${hash}, ${OIDC}, 'sub-dewi', ${name}, 'sealed', now() - ${age}::interval)`;
    };
    await keep("session_hash", await session("live", false), "live");
    await keep("session_hash", await session("ended", true), "ended");
    await keep("challenge_hash", await challenge("recent"), "recent", "1 hour");
    await keep("challenge_hash", await challenge("old"), "old", "25 hours");

    const applied = (await migrate(db.sql, MIGRATIONS_DIR)).map((m) => m.version);
    assert.ok(applied.includes(FIRST), "4317 ran on this database");
    const left = await db.sql`select 'saml' as protocol, session_index as name from astapa.sso_saml_sign_ins
      union all select 'oidc', idp_sid from astapa.sso_oidc_sign_ins order by 1, 2`;
    assert.deepEqual(left.map((r) => `${r.protocol}:${r.name}`), [
      "oidc:live",
      "oidc:recent",
      "saml:live",
      "saml:recent",
    ]);
    const [forced] = await db.sql`select bool_and(relforcerowsecurity) as forced from pg_catalog.pg_class
      where oid in ('astapa.sso_saml_sign_ins'::regclass, 'astapa.sso_oidc_sign_ins'::regclass,
                    'astapa.login_sessions'::regclass)`;
    assert.equal(forced.forced, true, "RLS forced again");
  } finally {
    await db.close();
  }
});
