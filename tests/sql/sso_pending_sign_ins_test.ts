/**
 * SQL tests for IdP-initiated SAML sign-in (db/api/sso_connections.sql, db/api/login.sql, migration 4284): the
 * connection's idp_initiated setting (api.put_saml_sso_connection), api.sso_connection_project (saml) (the ACS's definer
 * lookup), api.record_sso_pending_sign_in and api.use_sso_pending_sign_in (single use, ten minutes, only while the
 * connection accepts them), api.pending_login's sso_sign_in, and the pending sign-ins' policies as the owner project,
 * another project and none.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Json = Record<string, unknown>;
const START = "https://app.example/start";
const a = await seedProject(db.sql, { name: "A", settings: { initiate_login_uri: START } });
const b = await seedProject(db.sql, {
  name: "B",
  settings: { initiate_login_uri: "https://b.example/start" },
});
const c = await seedProject(db.sql, { name: "C, no initiate_login_uri" });
const call = <T = Json>(
  project: string | null,
  query: (tx: Tx) => PromiseLike<readonly Record<string, unknown>[]>,
) => appValue<T>(db.sql, project, query);
const CERT = "MII" + "A".repeat(600) + "==";

/** A SAML connection of a new organization of `project`, idp_initiated as given (null: left out). */
async function connection(project: string, slug: string, idpInitiated: boolean | null): Promise<Json> {
  const org = await call(project, (tx) => tx`select api.create_organization(${slug}, ${slug}, null)`);
  return await call(
    project,
    (tx) =>
      tx`select api.put_saml_sso_connection(${org.id as string}, 'https://idp.example/saml',
           'https://idp.example/sso', ${[CERT]}, null, null, idp_initiated => ${idpInitiated})`,
  );
}

const hash = (n: number) => new Uint8Array(32).fill(n);
const record = (
  project: string | null,
  connectionId: string,
  tokenHash: Uint8Array,
  email = "wulan@acme.test",
) =>
  call(
    project,
    (tx) =>
      tx`select api.record_sso_pending_sign_in(${connectionId}, ${tokenHash}, 'subject-1', ${email},
           ${tx.json({ given_name: "Wulan" })})`,
  );
const use = (project: string, tokenHash: Uint8Array) =>
  call<Json | null>(project, (tx) => tx`select api.use_sso_pending_sign_in(${tokenHash})`);
const pending = (project: string, tokenHash: Uint8Array) =>
  call<Json | null>(project, (tx) => tx`select api.pending_login(${tokenHash})`);

Deno.test("api.put_saml_sso_connection — idp_initiated: off by default, set, kept when left out, off once OpenID Connect", async () => {
  const made = await connection(a.id, "idp-setting", null);
  assert.equal(made.idp_initiated, false);
  const org = made.organization_id as string;
  const put = (value: boolean | null) =>
    call(
      a.id,
      (tx) =>
        tx`select api.put_saml_sso_connection(${org}, null, null, null, null, null, idp_initiated => ${value})`,
    );
  assert.equal((await put(true)).idp_initiated, true);
  assert.equal((await put(null)).idp_initiated, true, "left out: kept");
  const [audit] = await db.sql`select details from astapa.audit_log
    where project_id = ${a.id} and action = 'sso_connection.updated' order by id desc limit 1`;
  assert.equal(audit.details.idp_initiated, true);
  const oidc = await call(
    a.id,
    (tx) => tx`select api.put_sso_connection(${org}, 'https://op.example', 'c1', 'c2VhbGVk', null, null)`,
  );
  assert.equal(oidc.idp_initiated, undefined, "no SAML fields on an OpenID Connect connection");
  const [row] = await db.sql`select idp_initiated from astapa.sso_connections where id = ${made
    .id as string}`;
  assert.equal(row.idp_initiated, false);
  assert.equal((await put(null)).idp_initiated, false, "turned SAML again, it starts off");
  await assert.rejects(
    db.sql`update astapa.sso_connections set protocol = 'oidc', idp_initiated = true where id = ${made
      .id as string}`,
  );
});

Deno.test("api.sso_connection_project (saml) — the project of a SAML connection, before any project is chosen", async () => {
  const made = await connection(a.id, "idp-lookup", true);
  const project = (id: string) =>
    call<string | null>(null, (tx) => tx`select api.sso_connection_project(${id}, 'saml')`);
  assert.equal(await project(made.id as string), a.id);
  assert.equal(await project("sso_aaaaaaaaaaaaaaaaaaaaaaaa"), null);
  assert.equal(await project("'; drop table x; --"), null);
  await rejectsAs(
    call(a.id, (tx) => tx`select api.sso_connection_project(${made.id as string}, 'saml')`),
    "forbidden",
  );
  assert.equal(await call<number>(null, (tx) => tx`select count(*)::int from astapa.sso_connections`), 0);
});

Deno.test("api.record_sso_pending_sign_in / api.use_sso_pending_sign_in — kept, named by pending_login, used once", async () => {
  const made = await connection(a.id, "idp-use", true);
  const id = made.id as string;
  const next = await record(a.id, id, hash(1));
  assert.deepEqual(next, { initiate_login_uri: START, redirect_uris: [a.redirectUri] });
  assert.deepEqual(await pending(a.id, hash(1)), {
    kind: "sso_sign_in",
    email: "wulan@acme.test",
    initiate_login_uri: START,
  });
  assert.equal(await pending(b.id, hash(1)), null, "another project sees nothing");
  assert.equal(await use(b.id, hash(1)), null, "nor uses it");
  assert.deepEqual(await use(a.id, hash(1)), {
    connection_id: id,
    subject: "subject-1",
    email: "wulan@acme.test",
    profile: { given_name: "Wulan" },
    // Single logout's facts, none given here (tests/sql/saml_single_logout_test.ts gives them).
    name_id_format: null,
    session_index: null,
    // No groups given here (tests/sql/sso_group_roles_test.ts gives them).
    groups: [],
  });
  assert.equal(await use(a.id, hash(1)), null, "single use");
  assert.equal(await pending(a.id, hash(1)), null);

  // Expired, or the connection turned off (or disabled) meanwhile: nothing.
  await record(a.id, id, hash(2));
  await db.sql`update astapa.sso_pending_sign_ins set expires_at = now() - interval '1 second'
    where token_hash = ${hash(2)}`;
  assert.equal(await pending(a.id, hash(2)), null);
  assert.equal(await use(a.id, hash(2)), null);
  await record(a.id, id, hash(3));
  await db.sql`update astapa.sso_connections set idp_initiated = false where id = ${id}`;
  assert.equal(await pending(a.id, hash(3)), null);
  assert.equal(await use(a.id, hash(3)), null);
  await db.sql`update astapa.sso_connections set idp_initiated = true where id = ${id}`;
  // Recording prunes the used and the expired.
  await record(a.id, id, hash(4));
  const kept = await db.sql`select token_hash from astapa.sso_pending_sign_ins where connection_id = ${id}`;
  assert.deepEqual(kept.map((r) => r.token_hash[0]).sort(), [3, 4]);
});

Deno.test("api.record_sso_pending_sign_in — refused: setting off, no initiate_login_uri, bad fields, no project, another project's connection", async () => {
  const off = await connection(a.id, "idp-off", false);
  await rejectsAs(record(a.id, off.id as string, hash(10)), "not_found", /portal/);
  const noApp = await connection(c.id, "idp-no-app", true);
  await rejectsAs(record(c.id, noApp.id as string, hash(11)), "initiate_login_uri_missing");
  const on = await connection(a.id, "idp-bad", true);
  await rejectsAs(record(a.id, on.id as string, new Uint8Array(5)), "validation_failed");
  await rejectsAs(record(a.id, on.id as string, hash(12), ""), "validation_failed");
  await rejectsAs(record(null, on.id as string, hash(13)), "forbidden");
  await rejectsAs(record(b.id, on.id as string, hash(14)), "not_found");
  const [none] = await db.sql`select count(*)::int as n from astapa.sso_pending_sign_ins
    where get_byte(token_hash, 0) between 10 and 14`;
  assert.equal(none.n, 0);
});

Deno.test("sso_pending_sign_ins — another project and no project see, add, use and remove none; RLS forced", async () => {
  const made = await connection(a.id, "idp-rls", true);
  await record(a.id, made.id as string, hash(20));
  const count = (project: string | null) =>
    call<number>(project, (tx) => tx`select count(*)::int from astapa.sso_pending_sign_ins`);
  assert.ok(await count(a.id) > 0);
  for (const project of [b.id, null]) {
    assert.equal(await count(project), 0);
    const changed = await asApp(
      db.sql,
      project,
      (tx) => tx`update astapa.sso_pending_sign_ins set used_at = now() returning 1`,
    );
    assert.equal(changed.length, 0);
    const deleted = await asApp(
      db.sql,
      project,
      (tx) => tx`delete from astapa.sso_pending_sign_ins returning 1`,
    );
    assert.equal(deleted.length, 0);
  }
  await assert.rejects(
    asApp(
      db.sql,
      b.id,
      (tx) =>
        tx`insert into astapa.sso_pending_sign_ins (project_id, token_hash, connection_id, subject, email, expires_at)
           values (${a.id}, ${hash(21)}, ${made
          .id as string}, 's', 'x@acme.test', now() + interval '1 hour')`,
    ),
    /row-level security/,
  );
  assert.equal(await use(a.id, hash(20)) !== null, true, "the owner's pending sign-in is untouched");
  const [rls] = await db.sql`select relrowsecurity and relforcerowsecurity as forced from pg_class
    where oid = 'astapa.sso_pending_sign_ins'::regclass`;
  assert.equal(rls.forced, true);
});
