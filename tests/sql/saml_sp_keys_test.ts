/**
 * SQL tests for a SAML connection's own service provider keys and its two settings (db/api/sso_connections.sql,
 * migrations 4277 and 4278): the key a save brings kept only when the connection has none, encryption and signing
 * refused without a key, a switch to OpenID Connect dropping both, api.saml_sp_key_needed, api.rotate_saml_sp_key and
 * api.remove_previous_saml_sp_key with their errors, the private key never in what the API answers (only in the
 * hosted login's read), the public metadata's lookup, and sso_saml_sp_keys' policies as the owner project, another
 * project and none.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Json = Record<string, unknown>;
type Key = {
  id: string;
  state: string;
  certificate: string;
  created_at?: string;
  private_key_sealed?: string;
};
const a = await seedProject(db.sql, { name: "A" });
const b = await seedProject(db.sql, { name: "B" });
const call = <T = Json>(
  project: string | null,
  query: (tx: Tx) => PromiseLike<readonly Record<string, unknown>[]>,
) => appValue<T>(db.sql, project, query);

let counter = 0;
/** A key as the app sends it: an id spk_ + 24 base32 characters, base64 DER, a base64url seal. */
const key = () => {
  const n = String(++counter).padStart(2, "a").replace(/[0-9]/g, (d) => "abcdefghij"[Number(d)]);
  return {
    id: `spk_${n.padEnd(24, "q")}`,
    certificate: `MII${n}${"A".repeat(400)}==`,
    sealed: `sealed-${n}_key`,
  };
};

async function org(slug: string): Promise<string> {
  const created = await call(a.id, (tx) => tx`select api.create_organization(${slug}, ${slug}, null)`);
  return created.id as string;
}

type PutOptions = {
  key?: ReturnType<typeof key> | null;
  encrypted?: boolean | null;
  signed?: boolean | null;
  project?: string;
};
const putSaml = (organization: string, o: PutOptions = {}) => {
  const k = o.key === undefined ? key() : o.key;
  return call(
    o.project ?? a.id,
    (tx) =>
      tx`select api.put_saml_sso_connection(${organization}, 'https://idp.example/saml', 'https://idp.example/sso',
           ${["MIIB" + "A".repeat(100)]}, null, null, ${o.encrypted ?? null}, ${o.signed ?? null},
           ${k?.id ?? null}, ${k?.certificate ?? null}, ${k?.sealed ?? null})`,
  );
};
const rotate = (organization: string, k = key(), project = a.id) =>
  call(
    project,
    (tx) => tx`select api.rotate_saml_sp_key(${organization}, ${k.id}, ${k.certificate}, ${k.sealed})`,
  );
const removePrevious = (organization: string, project = a.id) =>
  call(project, (tx) => tx`select api.remove_previous_saml_sp_key(${organization})`);

Deno.test("api.put_saml_sso_connection — a new connection keeps the key it is saved with, later saves keep it", async () => {
  const id = await org("keys-kept");
  const first = key();
  const created = await putSaml(id, { key: first, encrypted: true, signed: true });
  assert.equal(created.want_assertions_encrypted, true);
  assert.equal(created.sign_authn_requests, true);
  const keys = created.sp_certificates as Key[];
  assert.deepEqual(keys.map((k) => [k.id, k.state, k.certificate]), [[
    first.id,
    "current",
    first.certificate,
  ]]);
  // The private key is never in what the API answers.
  assert.doesNotMatch(JSON.stringify(created), /sealed-|private_key/);
  // A later save brings a fresh key (the app cannot know): dropped, the first is kept; null keeps the settings.
  const again = await putSaml(id);
  assert.deepEqual((again.sp_certificates as Key[]).map((k) => k.id), [first.id]);
  assert.equal(again.want_assertions_encrypted, true);
  const off = await putSaml(id, { encrypted: false, signed: false });
  assert.deepEqual([off.want_assertions_encrypted, off.sign_authn_requests], [false, false]);
  const [audit] = await db.sql`select details from astapa.audit_log where project_id = ${a.id}
    and action = 'sso_connection.updated' and target = ${id} order by id desc limit 1`;
  assert.equal(audit.details.want_assertions_encrypted, false);
  assert.doesNotMatch(JSON.stringify(audit.details), /sealed-/);
});

Deno.test("api.put_saml_sso_connection — a connection from before keys gets one at its next save; none, no encryption", async () => {
  const id = await org("keys-later");
  const bare = await putSaml(id, { key: null });
  assert.deepEqual(bare.sp_certificates, []);
  await rejectsAs(putSaml(id, { key: null, encrypted: true }), "validation_failed", /service provider key/);
  await rejectsAs(putSaml(id, { key: null, signed: true }), "validation_failed", /service provider key/);
  const later = key();
  const saved = await putSaml(id, { key: later, signed: true });
  assert.deepEqual((saved.sp_certificates as Key[]).map((k) => k.id), [later.id]);
  assert.equal(saved.sign_authn_requests, true);
});

Deno.test("api.put_saml_sso_connection — a bad key is a 400; nothing saved", async () => {
  const id = await org("keys-bad");
  const good = key();
  for (
    const bad of [
      { ...good, id: "spk_UPPER" + "a".repeat(19) },
      { ...good, certificate: "-----BEGIN CERTIFICATE-----" },
      { ...good, sealed: "not sealed!" },
    ]
  ) {
    await rejectsAs(putSaml(id, { key: bad }), "validation_failed");
  }
  const [n] = await db
    .sql`select count(*)::int as n from astapa.sso_connections where organization_id = ${id}`;
  assert.equal(n.n, 0);
});

Deno.test("api.put_sso_connection — a SAML connection turned OpenID Connect loses its keys and settings", async () => {
  const id = await org("keys-switch");
  const saml = await putSaml(id, { encrypted: true, signed: true });
  const oidc = await call(
    a.id,
    (tx) => tx`select api.put_sso_connection(${id}, 'https://op.example', 'c', 'c2VhbGVk', null, null)`,
  );
  assert.equal(oidc.id, saml.id);
  assert.ok(!("sp_certificates" in oidc) && !("want_assertions_encrypted" in oidc));
  const [row] = await db.sql`select want_assertions_encrypted, sign_authn_requests,
      (select count(*)::int from astapa.sso_saml_sp_keys k where k.connection_id = c.id) as keys
    from astapa.sso_connections c where c.id = ${saml.id as string}`;
  assert.deepEqual({ ...row }, { want_assertions_encrypted: false, sign_authn_requests: false, keys: 0 });
  // Back to SAML: both off, as for a new connection, and a new key.
  const back = await putSaml(id);
  assert.deepEqual([back.want_assertions_encrypted, back.sign_authn_requests], [false, false]);
  assert.equal((back.sp_certificates as Key[]).length, 1);
});

Deno.test("api.saml_sp_key_needed — true for no connection, one without a key or an OpenID Connect one; AS404 for a stranger's", async () => {
  const needed = (organization: string, project = a.id) =>
    call<boolean>(project, (tx) => tx`select api.saml_sp_key_needed(${organization})`);
  const id = await org("keys-needed");
  assert.equal(await needed(id), true, "no connection yet");
  await putSaml(id, { key: null });
  assert.equal(await needed(id), true, "a SAML connection without a key");
  await putSaml(id);
  assert.equal(await needed(id), false, "a SAML connection with its key");
  assert.equal(await needed("keys-needed"), false, "by slug too");
  await call(
    a.id,
    (tx) => tx`select api.put_sso_connection(${id}, 'https://op.example', 'c', 'c2VhbGVk', null, null)`,
  );
  assert.equal(await needed(id), true, "an OpenID Connect connection (its keys went with SAML)");
  await rejectsAs(needed(id, b.id), "not_found");
  await rejectsAs(needed("org_" + "z".repeat(24)), "not_found");
});

Deno.test("api.rotate_saml_sp_key / api.remove_previous_saml_sp_key — one rotation at a time, audited", async () => {
  const id = await org("keys-rotate");
  const first = key();
  await putSaml(id, { key: first });
  const second = key();
  const rotated = await rotate(id, second);
  assert.deepEqual(
    (rotated.sp_certificates as Key[]).map((k) => [k.id, k.state]),
    [[second.id, "current"], [first.id, "previous"]],
  );
  await rejectsAs(rotate(id), "conflict", /remove it first/);
  const ended = await removePrevious(id);
  assert.deepEqual((ended.sp_certificates as Key[]).map((k) => [k.id, k.state]), [[second.id, "current"]]);
  await rejectsAs(removePrevious(id), "not_found", /no previous/);
  const actions = await db.sql`select action, details ->> 'key' as key from astapa.audit_log
    where project_id = ${a.id} and target = ${id} and action like 'sso_connection.sp_key_%' order by id`;
  assert.deepEqual(actions.map((r) => [r.action, r.key]), [
    ["sso_connection.sp_key_rotated", second.id],
    ["sso_connection.sp_key_removed", first.id],
  ]);
  // A connection from before keys gets its first by a rotation.
  const bare = await org("keys-first-by-rotation");
  await putSaml(bare, { key: null });
  assert.equal(((await rotate(bare)).sp_certificates as Key[]).length, 1);
});

Deno.test("api.rotate_saml_sp_key — errors: no SAML connection, another project's, a bad key", async () => {
  const none = await org("keys-none");
  await rejectsAs(rotate(none), "not_found");
  await rejectsAs(removePrevious(none), "not_found");
  const oidc = await org("keys-oidc");
  await call(
    a.id,
    (tx) => tx`select api.put_sso_connection(${oidc}, 'https://op.example', 'c', 'c2VhbGVk', null, null)`,
  );
  await rejectsAs(rotate(oidc), "not_found", /no SAML/);
  const mine = await org("keys-mine");
  await putSaml(mine);
  await rejectsAs(rotate(mine, key(), b.id), "not_found");
  await rejectsAs(removePrevious(mine, b.id), "not_found");
  await rejectsAs(rotate(mine, { ...key(), sealed: "" }), "validation_failed");
});

Deno.test("api.sso_connection_for_sign_in — the hosted login's read carries the sealed keys, current first", async () => {
  const id = await org("keys-sign-in");
  const first = key();
  const connection = (await putSaml(id, { key: first })).id as string;
  const second = key();
  await rotate(id, second);
  const read = await call(a.id, (tx) => tx`select api.sso_connection_for_sign_in(${connection})`);
  assert.deepEqual(
    (read.sp_keys as Key[]).map((k) => [k.id, k.state, k.private_key_sealed]),
    [[second.id, "current", second.sealed], [first.id, "previous", first.sealed]],
  );
  assert.equal(await call(b.id, (tx) => tx`select api.sso_connection_for_sign_in(${connection})`), null);
  // The Platform API's reads never do.
  const shown = [
    await call(a.id, (tx) => tx`select api.get_sso_connection(${id})`),
    await call(a.id, (tx) => tx`select api.list_sso_connections()`),
  ];
  assert.doesNotMatch(JSON.stringify(shown), /sealed-|private_key/);
});

Deno.test("api.saml_service_provider — the certificates (current first) and settings, never a key", async () => {
  const id = await org("keys-metadata");
  const first = key();
  const connection = (await putSaml(id, { key: first, signed: true })).id as string;
  const second = key();
  await rotate(id, second);
  const facts = await call(null, (tx) => tx`select api.saml_service_provider(${connection})`);
  assert.deepEqual(facts, {
    sign_authn_requests: true,
    want_assertions_encrypted: false,
    certificates: [second.certificate, first.certificate],
  });
  assert.equal(await call<number>(null, (tx) => tx`select count(*)::int from astapa.sso_saml_sp_keys`), 0);
});

Deno.test("sso_saml_sp_keys — another project and no project see, add, change and remove none; RLS forced", async () => {
  const id = await org("keys-rls");
  const connection = (await putSaml(id)).id as string;
  const count = (project: string | null) =>
    call<number>(project, (tx) => tx`select count(*)::int from astapa.sso_saml_sp_keys`);
  assert.ok(await count(a.id) > 0);
  for (const project of [b.id, null]) {
    assert.equal(await count(project), 0);
    const changed = await asApp(
      db.sql,
      project,
      (tx) =>
        tx`update astapa.sso_saml_sp_keys set state = 'previous'
      returning 1`,
    );
    assert.equal(changed.length, 0);
    const deleted = await asApp(db.sql, project, (tx) => tx`delete from astapa.sso_saml_sp_keys returning 1`);
    assert.equal(deleted.length, 0);
  }
  const forged = key();
  await assert.rejects(
    asApp(
      db.sql,
      b.id,
      (tx) =>
        tx`insert into astapa.sso_saml_sp_keys (project_id, connection_id, id, state, certificate, private_key_sealed)
           values (${a.id}, ${connection}, ${forged.id}, 'previous', ${forged.certificate}, ${forged.sealed})`,
    ),
    /row-level security/,
  );
  const [rls] = await db.sql`select relrowsecurity and relforcerowsecurity as forced from pg_class
    where oid = 'astapa.sso_saml_sp_keys'::regclass`;
  assert.equal(rls.forced, true);
});
