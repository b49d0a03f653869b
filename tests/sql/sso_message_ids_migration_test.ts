/**
 * Migration 4310 on a database whose SSO connections already accepted messages: the SAML assertion IDs
 * (astapa.sso_saml_assertions) and the OpenID Connect logout tokens' jti (astapa.sso_oidc_logout_tokens) move to
 * astapa.sso_message_ids unchanged, the two tables are gone, and a moved ID is still refused as a replay.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { migrate, MIGRATIONS_DIR } from "@/db/migrate.ts";
import { rejectsAs } from "../helpers/identity.ts";
import { databaseBefore } from "../helpers/migrations.ts";
import { OIDC, SAML, seedSsoConnections } from "../helpers/sso_migrations.ts";

const MERGE = "4310";
const PROJECT = "proj_messagesmessages";

Deno.test("migration 4310 — SAML assertion IDs and logout token jtis move to one store; a moved ID is still a replay", async () => {
  const db = await databaseBefore(MERGE);
  try {
    await seedSsoConnections(db.sql, PROJECT);
    await db.sql`insert into astapa.sso_saml_assertions (project_id, connection_id, assertion_id, expires_at)
                 values (${PROJECT}, ${SAML}, '_assertion', now() + interval '1 hour'),
                        (${PROJECT}, ${SAML}, 'shared-id', now() + interval '2 hours')`;
    await db.sql`insert into astapa.sso_oidc_logout_tokens (project_id, connection_id, jti, expires_at)
                 values (${PROJECT}, ${OIDC}, 'shared-id', now() + interval '3 hours')`;

    const applied = await migrate(db.sql, MIGRATIONS_DIR);
    assert.ok(applied.some((m) => m.version === MERGE), "4310 ran on this database");
    const moved = await db.sql`select connection_id, message_id from astapa.sso_message_ids
      order by connection_id, message_id`;
    assert.deepEqual(moved.map((r) => [r.connection_id, r.message_id]), [
      [OIDC, "shared-id"],
      [SAML, "_assertion"],
      [SAML, "shared-id"],
    ]);
    const [gone] = await db.sql`select to_regclass('astapa.sso_saml_assertions') as saml,
      to_regclass('astapa.sso_oidc_logout_tokens') as oidc,
      to_regprocedure('api.record_saml_assertion(text, text, timestamptz)') as record`;
    assert.deepEqual(gone, { saml: null, oidc: null, record: null });
    await rejectsAs(
      asApp(db.sql, PROJECT, (tx) => tx`select api.record_sso_message_id(${SAML}, '_assertion', now())`),
      "conflict",
    );
  } finally {
    await db.close();
  }
});
