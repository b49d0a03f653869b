/**
 * SQL tests for SAML SSO connections (db/api/sso_connections.sql, migration 4234): api.put_saml_sso_connection
 * (create, switch protocols both ways, errors), api.saml_service_provider (the metadata's definer lookup) and
 * api.record_sso_message_id for assertion IDs (once per connection and ID, pruned), and astapa.sso_message_ids'
 * policies as the owner project, another project and none.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Json = Record<string, unknown>;
const a = await seedProject(db.sql, { name: "A" });
const b = await seedProject(db.sql, { name: "B" });
const call = <T = Json>(
  project: string | null,
  query: (tx: Tx) => PromiseLike<readonly Record<string, unknown>[]>,
) => appValue<T>(db.sql, project, query);
const CERT = "MII" + "A".repeat(600) + "==";
const sealed = "c2VhbGVkLXNlY3JldA";

async function org(slug: string): Promise<string> {
  const created = await call(a.id, (tx) => tx`select api.create_organization(${slug}, ${slug}, null)`);
  return created.id as string;
}

const putSaml = (
  organization: string,
  fields: { entity?: string; url?: string; certs?: string[]; project?: string } = {},
) =>
  call(
    fields.project ?? a.id,
    (tx) =>
      tx`select api.put_saml_sso_connection(${organization}, ${fields.entity ?? "https://idp.example/saml"},
           ${fields.url ?? "https://idp.example/sso?app=1"}, ${fields.certs ?? [CERT]}, null, null)`,
  );

Deno.test("api.put_saml_sso_connection — creates a SAML connection, its fields only; switches protocol both ways", async () => {
  const id = await org("saml-put");
  const created = await putSaml(id);
  assert.deepEqual(
    [created.protocol, created.idp_entity_id, created.idp_sso_url, created.idp_certificates, created.enabled],
    ["saml", "https://idp.example/saml", "https://idp.example/sso?app=1", [CERT], true],
  );
  assert.ok(!("issuer" in created) && !("idp_client_secret_set" in created), "no OpenID Connect fields");
  // Certificate rotation: two at once.
  assert.deepEqual((await putSaml(id, { certs: [CERT, "MIIB" + CERT.slice(4)] })).idp_certificates, [
    CERT,
    "MIIB" + CERT.slice(4),
  ]);
  // Turned OpenID Connect it needs its secret; then SAML again drops the secret.
  await rejectsAs(
    call(
      a.id,
      (tx) => tx`select api.put_sso_connection(${id}, 'https://op.example', 'c1', null, null, null)`,
    ),
    "validation_failed",
    /needs its client_secret/,
  );
  const oidc = await call(
    a.id,
    (tx) => tx`select api.put_sso_connection(${id}, 'https://op.example', 'c1', ${sealed}, null, null)`,
  );
  assert.deepEqual([oidc.id, oidc.protocol, oidc.issuer, "idp_entity_id" in oidc], [
    created.id,
    "oidc",
    "https://op.example",
    false,
  ]);
  assert.equal((await putSaml(id)).protocol, "saml");
  const [row] = await db
    .sql`select client_secret_sealed, issuer from astapa.sso_connections where id = ${created.id as string}`;
  assert.deepEqual([row.client_secret_sealed, row.issuer], [null, null]);
  const [audit] = await db
    .sql`select array_agg(details ->> 'protocol' order by id) as protocols from astapa.audit_log
    where project_id = ${a.id} and target = ${id} and action like 'sso_connection.%'`;
  assert.deepEqual(audit.protocols, ["saml", "saml", "oidc", "saml"]);
});

Deno.test("api.put_saml_sso_connection — pending: saved without its IdP, disabled, completed later; the IdP kept", async () => {
  const id = await org("saml-pending");
  const pending = (enabled: boolean | null = null) =>
    call(a.id, (tx) => tx`select api.put_saml_sso_connection(${id}, null, null, null, ${enabled}, null)`);
  await rejectsAs(pending(true), "validation_failed", /enabled once it has its identity provider's metadata/);
  const created = await pending();
  assert.deepEqual([created.protocol, created.enabled, "idp_entity_id" in created], ["saml", false, false]);
  assert.equal(
    await call(a.id, (tx) => tx`select api.sso_connection_for_sign_in(${created.id as string})`),
    null,
  );
  // The IdP's metadata completes it, switched on unless told otherwise; the id (so the SP URLs) stays.
  const completed = await putSaml(id);
  assert.deepEqual([completed.id, completed.enabled, completed.idp_entity_id], [
    created.id,
    true,
    "https://idp.example/saml",
  ]);
  // No IdP given again: the SAML connection keeps its own (a toggle of enabled alone).
  const off = await pending(false);
  assert.deepEqual([off.enabled, off.idp_entity_id, off.idp_certificates], [
    false,
    "https://idp.example/saml",
    [CERT],
  ]);
  // Partly given is an error, not a pending connection.
  await rejectsAs(
    call(
      a.id,
      (tx) => tx`select api.put_saml_sso_connection(${id}, 'https://idp.example', null, null, null, null)`,
    ),
    "validation_failed",
    /idp_sso_url/,
  );
  // The table refuses an enabled connection without its IdP, whoever writes it.
  await assert.rejects(
    db.sql`update astapa.sso_connections set idp_entity_id = null, idp_sso_url = null, idp_certificates = null,
           enabled = true where id = ${created.id as string}`,
    /sso_connections_protocol_check/,
  );
});

Deno.test("api.put_saml_sso_connection — errors: entity id, URL, certificates, organization", async () => {
  const id = await org("saml-errors");
  await rejectsAs(putSaml(id, { entity: "" }), "validation_failed", /idp_entity_id/);
  await rejectsAs(putSaml(id, { entity: "a\nb" }), "validation_failed", /idp_entity_id/);
  await rejectsAs(putSaml(id, { url: "ftp://idp.example" }), "validation_failed", /idp_sso_url/);
  await rejectsAs(putSaml(id, { url: "https://idp.example/#x" }), "validation_failed", /idp_sso_url/);
  await rejectsAs(putSaml(id, { certs: [] }), "validation_failed", /1 to 3/);
  await rejectsAs(putSaml(id, { certs: [CERT, CERT, CERT, CERT] }), "validation_failed", /1 to 3/);
  await rejectsAs(putSaml(id, { certs: ["-----BEGIN CERTIFICATE-----"] }), "validation_failed", /base64/);
  await rejectsAs(putSaml("org_missing"), "not_found");
  await rejectsAs(putSaml(id, { project: b.id }), "not_found");
  const [n] = await db
    .sql`select count(*)::int as n from astapa.sso_connections where organization_id = ${id}`;
  assert.equal(n.n, 0);
});

Deno.test("api.saml_service_provider — a SAML connection's public facts by id, before any project is chosen", async () => {
  const saml = (await putSaml(await org("saml-exists"))).id as string;
  const other = await org("oidc-exists");
  const oidc = (await call(
    a.id,
    (tx) => tx`select api.put_sso_connection(${other}, 'https://op.example', 'c', ${sealed}, null, null)`,
  )).id as string;
  const facts = (id: string) => call<Json | null>(null, (tx) => tx`select api.saml_service_provider(${id})`);
  assert.deepEqual(await facts(saml), {
    sign_authn_requests: false,
    want_assertions_encrypted: false,
    certificates: [],
  });
  assert.equal(await facts(oidc), null, "an OpenID Connect connection has no SAML metadata");
  assert.equal(await facts("sso_aaaaaaaaaaaaaaaaaaaaaaaa"), null);
  assert.equal(await facts("'; drop table x; --"), null);
  await rejectsAs(call(a.id, (tx) => tx`select api.saml_service_provider(${saml})`), "forbidden");
  // The lookup shows nothing afterwards: no project still sees no connection.
  assert.equal(await call<number>(null, (tx) => tx`select count(*)::int from astapa.sso_connections`), 0);
});

Deno.test("api.record_sso_message_id — once per connection and ID; a replay is a conflict; expired IDs are pruned", async () => {
  const connection = (await putSaml(await org("saml-replay"))).id as string;
  const record = (
    assertion: string,
    expires = "now() + interval '5 minutes'",
    project: string | null = a.id,
  ) =>
    call(
      project,
      (tx) => tx`select api.record_sso_message_id(${connection}, ${assertion}, ${tx.unsafe(expires)})`,
    );
  await record("_a1");
  await rejectsAs(record("_a1"), "conflict", /already used/);
  await record("_old", "now() - interval '1 minute'");
  await record("_a2");
  const ids = await db.sql`select message_id from astapa.sso_message_ids
    where connection_id = ${connection} order by message_id`;
  assert.deepEqual(ids.map((r) => r.message_id), ["_a1", "_a2"], "the expired one was pruned");
  await rejectsAs(record(""), "validation_failed");
  await rejectsAs(record("x".repeat(257)), "validation_failed");
  await rejectsAs(record("_a\n3"), "validation_failed");
  // The same ID at another connection of the project is another message.
  const other = (await putSaml(await org("saml-replay-other"))).id as string;
  await call(
    a.id,
    (tx) => tx`select api.record_sso_message_id(${other}, '_a1', now() + interval '5 minutes')`,
  );
  await rejectsAs(record("_x", "now()", null), "forbidden");
  // Another project cannot record against this project's connection (its foreign key names project B's).
  await assert.rejects(record("_b", "now() + interval '1 minute'", b.id));
});

Deno.test("sso_message_ids — another project and no project see, add and remove none; RLS forced", async () => {
  const connection = (await putSaml(await org("saml-rls"))).id as string;
  await call(
    a.id,
    (tx) => tx`select api.record_sso_message_id(${connection}, '_rls', now() + interval '1 hour')`,
  );
  const count = (project: string | null) =>
    call<number>(project, (tx) => tx`select count(*)::int from astapa.sso_message_ids`);
  assert.ok(await count(a.id) > 0);
  for (const project of [b.id, null]) {
    assert.equal(await count(project), 0);
    const deleted = await asApp(
      db.sql,
      project,
      (tx) => tx`delete from astapa.sso_message_ids returning 1`,
    );
    assert.equal(deleted.length, 0);
  }
  await assert.rejects(
    asApp(
      db.sql,
      b.id,
      (tx) =>
        tx`insert into astapa.sso_message_ids (project_id, connection_id, message_id, expires_at)
           values (${a.id}, ${connection}, '_forged', now() + interval '1 hour')`,
    ),
    /row-level security/,
  );
  const [rls] = await db.sql`select relrowsecurity and relforcerowsecurity as forced from pg_class
    where oid = 'astapa.sso_message_ids'::regclass`;
  assert.equal(rls.forced, true);
});
