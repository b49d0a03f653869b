/** api.* project functions: each happy path and each error it raises, in SQL as a DBA would call them. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { giveLiveXenditKeys } from "../helpers/live_keys.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const HASH = "sha256(convert_to('acs_secret', 'UTF8'))";

Deno.test("api.create_project — sandbox project with public ids; acts for it; audited", async () => {
  const created = await asApp(db.sql, null, async (tx) => {
    const [row] = await tx.unsafe(`
      select api.create_project('  Shop  ', array['https://shop.example/cb', 'http://127.0.0.1:8080/cb'], ${HASH}) as p,
             astapa.current_project_id() as acting`);
    const [audit] = await tx`select actor, action, target from astapa.audit_log`;
    return { p: row.p, acting: row.acting as string, audit: { ...audit } };
  }, { actor: "cli" });
  assert.match(created.p.project_id, /^proj_[a-z2-7]{16}$/);
  assert.match(created.p.client_id, /^cid_[a-z2-7]{24}$/);
  assert.equal(created.p.name, "Shop");
  assert.equal(created.p.mode, "sandbox");
  assert.deepEqual(created.p.settings, {});
  assert.equal(created.acting, created.p.project_id);
  assert.ok(!("client_secret_hash" in created.p));
  assert.deepEqual(created.audit, { actor: "cli", action: "project.create", target: created.p.project_id });
});

Deno.test("api.create_project — refuses bad names, redirect URIs, hashes, and an already-set project", async () => {
  const create = (name: string, uris: string, hash = HASH, project: string | null = null) =>
    asApp(db.sql, project, (tx) => tx.unsafe(`select api.create_project(${name}, ${uris}, ${hash})`));
  await rejectsAs(
    create("''", "array['https://a.example/cb']"),
    "validation_failed",
    /name must be 1 to 100/,
  );
  for (
    const uri of [
      "http://a.example/cb",
      "https://a.example/cb#frag",
      "/relative",
      "javascript:alert(1)",
      "https://user@a.example/cb",
      "https://a.example/a b",
    ]
  ) {
    await rejectsAs(create("'A'", `array['${uri}']`), "validation_failed", /Redirect URI .* is not allowed/);
  }
  await rejectsAs(
    create("'A'", "array['https://a.example/cb', 'https://a.example/cb']"),
    "validation_failed",
    /distinct/,
  );
  await rejectsAs(
    create("'A'", "array['https://a.example/cb']", "'\\x00'::bytea"),
    "validation_failed",
    /32 bytes/,
  );
  await rejectsAs(
    create("'A'", "array['https://a.example/cb']", HASH, "proj_aaaaaaaaaaaaaaaa"),
    "forbidden",
    /while acting for another project/,
  );
});

Deno.test("api.get_project — the acting project; another project's id is not found", async () => {
  const a = await seedProject(db.sql, { name: "A" });
  const b = await seedProject(db.sql, { name: "B" });
  assert.equal(await appValue(db.sql, a.id, (tx) => tx`select api.get_project(${a.id}) ->> 'name'`), "A");
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.get_project(${b.id})`),
    "not_found",
    /was not found/,
  );
  await rejectsAs(asApp(db.sql, null, (tx) => tx`select api.get_project(${a.id})`), "not_found");
});

Deno.test("api.list_projects — every project for the operator, refused while acting for one", async () => {
  const a = await seedProject(db.sql, { name: "Listed" });
  const listed = await appValue<{ project_id: string }[]>(
    db.sql,
    null,
    (tx) => tx`select api.list_projects()`,
  );
  assert.ok(listed.some((p) => p.project_id === a.id));
  assert.ok(listed.every((p) => !("client_secret_hash" in p)));
  await rejectsAs(asApp(db.sql, a.id, (tx) => tx`select api.list_projects()`), "forbidden");
  // The lookup setting is off again after the call: the owner-only policy does not linger.
  const lingering = await appValue(
    db.sql,
    null,
    (tx) =>
      tx`select api.list_projects() is not null and current_setting('astapa.list_all_projects', true) = 'on'`,
  );
  assert.equal(lingering, false);
});

Deno.test("api.update_project — name, mode, settings; each refusal", async () => {
  const a = await seedProject(db.sql);
  await giveLiveXenditKeys(db.sql, a.id);
  const updated = await appValue<Record<string, unknown>>(
    db.sql,
    a.id,
    (tx) =>
      tx`select api.update_project(${a.id}, name => 'Renamed', mode => 'production',
                                 settings => '{"access_token_ttl": 600}')`,
  );
  assert.deepEqual(
    [updated.name, updated.mode, updated.settings],
    ["Renamed", "production", { access_token_ttl: 600 }],
  );
  const kept = await appValue<Record<string, unknown>>(
    db.sql,
    a.id,
    (tx) => tx`select api.update_project(${a.id}, name => 'Again')`,
  );
  assert.deepEqual([kept.mode, kept.settings], ["production", { access_token_ttl: 600 }]);
  const update = (args: string) =>
    asApp(db.sql, a.id, (tx) => tx.unsafe(`select api.update_project('${a.id}', ${args})`));
  await rejectsAs(update("mode => 'staging'"), "validation_failed", /sandbox or production/);
  await rejectsAs(update("name => ''"), "validation_failed");
  await rejectsAs(update("settings => '[]'"), "validation_failed", /JSON object/);
  await rejectsAs(
    asApp(db.sql, null, (tx) => tx`select api.update_project(${a.id}, name => 'X')`),
    "not_found",
  );
});

Deno.test("api.add_redirect_uri / api.remove_redirect_uri — exact strings; duplicates and unknowns refused", async () => {
  const a = await seedProject(db.sql);
  const uris = await appValue(
    db.sql,
    a.id,
    (tx) => tx`select api.add_redirect_uri(${a.id}, 'http://localhost:3000/cb') -> 'redirect_uris'`,
  );
  assert.deepEqual(uris, ["https://app.example/callback", "http://localhost:3000/cb"]);
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.add_redirect_uri(${a.id}, 'http://localhost:3000/cb')`),
    "conflict",
    /already allowed/,
  );
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.add_redirect_uri(${a.id}, 'http://example.com/cb')`),
    "validation_failed",
  );
  const after = await appValue(
    db.sql,
    a.id,
    (tx) => tx`select api.remove_redirect_uri(${a.id}, 'https://app.example/callback') -> 'redirect_uris'`,
  );
  assert.deepEqual(after, ["http://localhost:3000/cb"]);
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.remove_redirect_uri(${a.id}, 'https://app.example/callback')`),
    "not_found",
    /nothing to remove/,
  );
  await rejectsAs(
    asApp(
      db.sql,
      a.id,
      (tx) => tx`select api.add_redirect_uri('proj_aaaaaaaaaaaaaaaa', 'https://x.example/')`,
    ),
    "not_found",
  );
});

Deno.test("api.verify_client_credentials — matches only the right pair; rotation retires the old secret", async () => {
  const a = await seedProject(db.sql);
  const b = await seedProject(db.sql);
  const verify = (clientId: string, secret: string) =>
    appValue(
      db.sql,
      null,
      (tx) => tx`select api.verify_client_credentials(${clientId}, sha256(convert_to(${secret}, 'UTF8')))`,
    );
  assert.equal(await verify(a.clientId, a.secret), a.id);
  assert.equal(await verify(a.clientId, b.secret), null, "another project's secret");
  assert.equal(await verify(a.clientId, a.secret + "x"), null);
  assert.equal(await verify("cid_unknown", a.secret), null);
  await rejectsAs(
    asApp(db.sql, null, (tx) => tx`select api.verify_client_credentials(${a.clientId}, '\\x01'::bytea)`),
    "validation_failed",
  );

  await asApp(
    db.sql,
    a.id,
    (tx) => tx`select api.rotate_client_secret(${a.id}, sha256(convert_to('acs_rotated', 'UTF8')))`,
  );
  assert.equal(await verify(a.clientId, a.secret), null);
  assert.equal(await verify(a.clientId, "acs_rotated"), a.id);
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.rotate_client_secret(${b.id}, sha256(''::bytea))`),
    "not_found",
  );
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.rotate_client_secret(${a.id}, '\\x00'::bytea)`),
    "validation_failed",
  );
});

Deno.test("api.verify_client_credentials — the app role cannot select the hash it checks", async () => {
  const a = await seedProject(db.sql);
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select client_secret_hash from astapa.projects`),
    "forbidden",
  );
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select id from astapa.projects where client_secret_hash is not null`),
    "forbidden",
  );
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`update astapa.projects set name = name returning client_secret_hash`),
    "forbidden",
  );
});

Deno.test("astapa.apple_provider_problem — null for a valid entry; otherwise the reason, field by field", async () => {
  const problem = (entry: unknown) =>
    appValue<string | null>(
      db.sql,
      null,
      (tx) => tx`select astapa.apple_provider_problem(${tx.json(entry as never)})`,
    );
  const full = {
    enabled: true,
    client_id: "com.example.signin",
    team_id: "ABCDE12345",
    key_id: "KEY1234567",
    private_key_sealed: "a".repeat(40),
  };
  assert.equal(await problem(full), null);
  assert.equal(await problem({ enabled: false }), null, "enabled alone");
  assert.equal(await problem({}), null);
  assert.match((await problem([]))!, /takes enabled, client_id/);
  assert.match((await problem({ ...full, secret: "x" }))!, /takes enabled, client_id/);
  assert.match((await problem({ enabled: "yes" }))!, /enabled must be true or false/);
  assert.match((await problem({ enabled: true, client_id: "com.example.signin" }))!, /needs all of/);
  assert.match((await problem({ ...full, client_id: ".bad" }))!, /Services ID looks like/);
  assert.match((await problem({ ...full, team_id: "abcde12345" }))!, /Team ID is 10 capital/);
  assert.match((await problem({ ...full, key_id: "SHORT" }))!, /Key ID is 10 capital/);
  assert.match((await problem({ ...full, private_key_sealed: "not sealed" }))!, /sealed by the server/);
  assert.match((await problem({ ...full, private_key_sealed: "a".repeat(4001) }))!, /sealed by the server/);
});
