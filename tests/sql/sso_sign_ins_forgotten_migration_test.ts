/**
 * Migration 4317 on a database that kept SSO sign-ins past their sessions: the sign-in of a session that ended
 * and one held a day with a challenge nobody met are deleted; a live session's and a recent challenge's stay.
 */
import assert from "node:assert/strict";
import { migrate, MIGRATIONS_DIR } from "@/db/migrate.ts";
import { databaseBefore } from "../helpers/migrations.ts";
import { OIDC, SAML, seedSsoConnections, seedSsoUser } from "../helpers/sso_migrations.ts";

const FIRST = "4317";
const PROJECT = "proj_forgottenforgott";

Deno.test("migration 4317 — SSO sign-ins of ended sessions and of day-old unmet challenges go; live ones stay", async () => {
  const db = await databaseBefore(FIRST);
  try {
    await seedSsoConnections(db.sql, PROJECT);
    const user = await seedSsoUser(db.sql, PROJECT, "dewi@forgotten.test");
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
    await keep("session_hash", await user.session("live"), "live");
    await keep("session_hash", await user.session("ended", true), "ended");
    await keep("challenge_hash", await user.challenge("recent"), "recent", "1 hour");
    await keep("challenge_hash", await user.challenge("old"), "old", "25 hours");

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
