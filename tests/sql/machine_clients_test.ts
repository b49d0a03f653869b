/** SQL tests for protected resources, scopes, machine clients and client verification (db/api/resources.sql, db/api/clients.sql). */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject } from "../helpers/identity.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { seedMachineClient, seedRegistry } from "../helpers/machine_clients.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const a = await seedProject(db.sql, { name: "A" });
const b = await seedProject(db.sql, { name: "B" });
await seedRegistry(db.sql, a.id, {
  resources: ["https://mcp.a.example"],
  scopes: ["notes:read", "notes:write"],
});
await seedRegistry(db.sql, b.id, { resources: ["https://mcp.b.example/mcp"], scopes: ["notes:read"] });
const clientA = await seedMachineClient(db.sql, a.id, {
  scopes: ["notes:read"],
  resources: ["https://mcp.a.example"],
});
const clientB = await seedMachineClient(db.sql, b.id, { scopes: ["notes:read"] });

const inA = <T>(query: Parameters<typeof appValue>[2]) => appValue<T>(db.sql, a.id, query);
const hash = (secret: string) =>
  new Uint8Array(Array.from(secret.padEnd(32, "x").slice(0, 32), (c) => c.charCodeAt(0)));

Deno.test("api.add_resource — canonical URIs only; unique across the deployment", async () => {
  const added = await inA<Record<string, string>>((tx) =>
    tx`select api.add_resource('https://api.a.example/v1', 'API')`
  );
  assert.equal(added.uri, "https://api.a.example/v1");
  assert.equal(added.name, "API");
  for (
    const bad of [
      "http://mcp.example.com",
      "https://mcp.example.com/",
      "https://MCP.example.com",
      "https://mcp.example.com/#x",
      "https://user@mcp.example.com",
      "mcp.example.com",
    ]
  ) {
    await rejectsAs(
      asApp(db.sql, a.id, (tx) => tx`select api.add_resource(${bad})`),
      "validation_failed",
      /not allowed/,
    );
  }
  assert.equal(
    (await inA<Record<string, string>>((tx) => tx`select api.add_resource('http://127.0.0.1:8123/mcp')`)).uri,
    "http://127.0.0.1:8123/mcp",
    "http on loopback is allowed",
  );
  await rejectsAs(
    asApp(db.sql, b.id, (tx) => tx`select api.add_resource('https://mcp.a.example')`),
    "conflict",
    /already registered/,
  );
  await rejectsAs(asApp(db.sql, null, (tx) => tx`select api.add_resource('https://x.example')`), "not_found");
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.add_resource('https://y.example', ${"n".repeat(101)})`),
    "validation_failed",
  );
});

Deno.test("api.declare_scope — scope tokens only, OpenID scopes reserved, redeclaring redescribes", async () => {
  const scope = await inA<Record<string, string>>((tx) =>
    tx`select api.declare_scope('reports:read', 'Read')`
  );
  assert.deepEqual(scope, { name: "reports:read", description: "Read" });
  const again = await inA<Record<string, string>>((tx) =>
    tx`select api.declare_scope('reports:read', 'Read all')`
  );
  assert.equal(again.description, "Read all");
  for (const bad of ["has space", 'quote"', "openid", "", "x".repeat(101)]) {
    await rejectsAs(asApp(db.sql, a.id, (tx) => tx`select api.declare_scope(${bad})`), "validation_failed");
  }
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.declare_scope('long', ${"d".repeat(501)})`),
    "validation_failed",
  );
  await rejectsAs(asApp(db.sql, null, (tx) => tx`select api.declare_scope('x')`), "not_found");
  const names = await inA<{ name: string }[]>((tx) => tx`select api.list_scopes()`);
  assert.ok(names.some((s) => s.name === "reports:read"));
});

Deno.test("api.remove_scope / api.remove_resource — take the name off clients too; unknown is not_found", async () => {
  await seedRegistry(db.sql, a.id, { resources: ["https://gone.a.example"], scopes: ["gone"] });
  const client = await seedMachineClient(db.sql, a.id, {
    scopes: ["gone", "notes:read"],
    resources: ["https://gone.a.example"],
  });
  await asApp(db.sql, a.id, async (tx) => {
    await tx`select api.remove_scope('gone')`;
    await tx`select api.remove_resource('https://gone.a.example')`;
  });
  const after = await inA<Record<string, unknown>>((tx) =>
    tx`select api.get_machine_client(${client.clientId})`
  );
  assert.deepEqual(after.scopes, ["notes:read"]);
  assert.deepEqual(after.resources, []);
  await rejectsAs(asApp(db.sql, a.id, (tx) => tx`select api.remove_scope('gone')`), "not_found");
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.remove_resource('https://gone.a.example')`),
    "not_found",
  );
  await rejectsAs(asApp(db.sql, b.id, (tx) => tx`select api.remove_scope('notes:write')`), "not_found");
  const resources = await inA<{ uri: string }[]>((tx) => tx`select api.list_resources()`);
  assert.ok(resources.every((r) => r.uri !== "https://gone.a.example"));
});

Deno.test("api.create_machine_client — declared scopes and registered resources only; sane lifetimes", async () => {
  const created = await inA<Record<string, unknown>>((tx) =>
    tx`select api.create_machine_client(' Agent ', ${
      hash("s")
    }, array['notes:write', 'notes:read', 'notes:read'],
                                        array['https://mcp.a.example'], 600)`
  );
  assert.match(String(created.client_id), /^mcl_[a-z2-7]{24}$/);
  assert.equal(created.name, "Agent");
  assert.deepEqual(created.scopes, ["notes:read", "notes:write"], "sorted, without duplicates");
  assert.equal(created.access_token_ttl, 600);
  assert.equal(created.enabled, true);
  assert.equal(created.secret_hash, undefined);
  const refusals: [string, () => Promise<unknown>, RegExp][] = [
    ["undeclared scope", () => create("x", ["admin"], []), /Scope admin is not declared/],
    ["another project's resource", () => create("x", [], ["https://mcp.b.example/mcp"]), /not registered/],
    ["empty name", () => create(" ", [], []), /name/],
    ["short ttl", () => create("x", [], [], 10), /access_token_ttl/],
  ];
  for (const [_case, attempt, message] of refusals) await rejectsAs(attempt(), "validation_failed", message);
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.create_machine_client('x', '\\x01'::bytea)`),
    "validation_failed",
  );
  await rejectsAs(
    asApp(db.sql, null, (tx) => tx`select api.create_machine_client('x', ${hash("s")})`),
    "not_found",
  );
});

const create = (name: string, scopes: string[], resources: string[], ttl: number | null = null) =>
  asApp(
    db.sql,
    a.id,
    (tx) =>
      tx`select api.create_machine_client(${name}, ${
        hash("s")
      }, ${scopes}::text[], ${resources}::text[], ${ttl})`,
  );

Deno.test("api.update_machine_client — changes given fields only; ttl 0 returns to the project's", async () => {
  const client = await seedMachineClient(db.sql, a.id, { scopes: ["notes:read"], accessTokenTtl: 900 });
  const updated = await inA<Record<string, unknown>>((tx) =>
    tx`select api.update_machine_client(${client.clientId}, scopes => array['notes:write'], enabled => false)`
  );
  assert.deepEqual(updated.scopes, ["notes:write"]);
  assert.equal(updated.enabled, false);
  assert.equal(updated.name, "Test agent");
  assert.equal(updated.access_token_ttl, 900);
  const reset = await inA<Record<string, unknown>>((tx) =>
    tx`select api.update_machine_client(${client.clientId}, access_token_ttl => 0, name => 'Renamed')`
  );
  assert.equal(reset.access_token_ttl, undefined);
  assert.equal(reset.name, "Renamed");
  await rejectsAs(
    asApp(
      db.sql,
      a.id,
      (tx) => tx`select api.update_machine_client(${client.clientId}, scopes => array['nope'])`,
    ),
    "validation_failed",
  );
  await rejectsAs(
    asApp(db.sql, b.id, (tx) => tx`select api.update_machine_client(${client.clientId}, name => 'x')`),
    "not_found",
    /not found/,
  );
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.get_machine_client(${clientB.clientId})`),
    "not_found",
  );
});

Deno.test("api.verify_client — either kind of client, by id and secret hash; rotation retires the old secret", async () => {
  const verify = (clientId: string, secret: string) =>
    appValue(
      db.sql,
      null,
      (tx) => tx`select api.verify_client(${clientId}, sha256(convert_to(${secret}, 'UTF8')))`,
    );
  assert.deepEqual(await verify(clientA.clientId, clientA.secret), {
    project_id: a.id,
    kind: "machine",
    enabled: true,
    dpop_required: false,
  });
  assert.deepEqual(await verify(a.clientId, a.secret), {
    project_id: a.id,
    kind: "project",
    enabled: true,
    dpop_required: false,
  });
  assert.equal(await verify(clientA.clientId, clientB.secret), null);
  assert.equal(await verify("mcl_unknown", clientA.secret), null);
  await rejectsAs(
    asApp(db.sql, null, (tx) => tx`select api.verify_client(${clientA.clientId}, '\\x01'::bytea)`),
    "validation_failed",
  );

  const rotating = await seedMachineClient(db.sql, a.id);
  await asApp(
    db.sql,
    a.id,
    (tx) =>
      tx`select api.rotate_machine_client_secret(${rotating.clientId}, sha256(convert_to('acs_new', 'UTF8')))`,
  );
  assert.equal(await verify(rotating.clientId, rotating.secret), null);
  assert.equal((await verify(rotating.clientId, "acs_new") as { kind: string }).kind, "machine");
  await rejectsAs(
    asApp(
      db.sql,
      b.id,
      (tx) => tx`select api.rotate_machine_client_secret(${rotating.clientId}, ${hash("x")})`,
    ),
    "not_found",
  );
  await rejectsAs(
    asApp(
      db.sql,
      a.id,
      (tx) => tx`select api.rotate_machine_client_secret(${rotating.clientId}, '\\x00'::bytea)`,
    ),
    "validation_failed",
  );

  await asApp(
    db.sql,
    a.id,
    (tx) => tx`select api.update_machine_client(${rotating.clientId}, enabled => false)`,
  );
  assert.deepEqual(await verify(rotating.clientId, "acs_new"), {
    project_id: a.id,
    kind: "machine",
    enabled: false,
    dpop_required: false,
  });
  const legacy = await appValue(
    db.sql,
    null,
    (tx) =>
      tx`select api.verify_client_credentials(${rotating.clientId}, sha256(convert_to('acs_new', 'UTF8')))`,
  );
  assert.equal(legacy, null, "verify_client_credentials refuses disabled clients");
  assert.equal(
    await appValue(
      db.sql,
      null,
      (tx) =>
        tx`select api.verify_client_credentials(${clientA.clientId}, sha256(convert_to(${clientA.secret}, 'UTF8')))`,
    ),
    a.id,
  );

  await asApp(db.sql, a.id, (tx) => tx`select api.delete_machine_client(${rotating.clientId})`);
  assert.equal(await verify(rotating.clientId, "acs_new"), null);
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.delete_machine_client(${rotating.clientId})`),
    "not_found",
  );
});

Deno.test("api.machine_client_grant — scope within the client's, resource among its own; errors by RFC code", async () => {
  const grant = (scope: string | null, resource: string | null, client = clientA.clientId) =>
    asApp(db.sql, a.id, (tx) => tx`select api.machine_client_grant(${client}, ${scope}, ${resource}) as g`)
      .then((r) => r[0].g);
  assert.deepEqual(await grant(null, "https://mcp.a.example"), {
    project_id: a.id,
    scope: "notes:read",
    resource: "https://mcp.a.example",
    access_ttl: 3600,
  });
  await rejectsAs(grant("notes:write", null), "invalid_scope", /none of the requested scopes/);
  // Wider than the client's: narrowed to them (RFC 6749 §3.3), which the token response then names.
  assert.equal((await grant("notes:write notes:read", null)).scope, "notes:read");
  await rejectsAs(grant(null, "https://mcp.b.example/mcp"), "invalid_target");
  await rejectsAs(grant(null, "https://elsewhere.example"), "invalid_target");
  await rejectsAs(grant(null, null, clientB.clientId), "unauthorized_client", /unknown or disabled/);
  const short = await seedMachineClient(db.sql, a.id, { accessTokenTtl: 300 });
  assert.deepEqual(await grant(null, null, short.clientId), { project_id: a.id, access_ttl: 300 });
});

Deno.test("machine clients — policies: the owning project sees its rows; another project or none sees and changes nothing", async () => {
  const tables = ["astapa.machine_clients", "astapa.resources", "astapa.scopes"];
  for (const table of tables) {
    const seen = (project: string | null) =>
      asApp(db.sql, project, async (tx) => rows(await tx.unsafe(`select project_id from ${table}`)));
    assert.ok((await seen(a.id)).every((r) => r.project_id === a.id) && (await seen(a.id)).length > 0, table);
    assert.ok((await seen(b.id)).every((r) => r.project_id === b.id), table);
    assert.deepEqual(await seen(null), [], `${table}: no project, no rows`);
  }
  const touched = await asApp(db.sql, b.id, async (tx) => [
    (await tx`update astapa.machine_clients set enabled = false where project_id = ${a.id}`).count,
    (await tx`delete from astapa.machine_clients where project_id = ${a.id}`).count,
    (await tx`delete from astapa.resources where project_id = ${a.id}`).count,
    (await tx`update astapa.scopes set description = 'x' where project_id = ${a.id}`).count,
    (await tx`delete from astapa.scopes where project_id = ${a.id}`).count,
  ]);
  assert.deepEqual(touched, [0, 0, 0, 0, 0]);
  const inserts = [
    `insert into astapa.resources (project_id, uri) values ('${a.id}', 'https://sneaky.example')`,
    `insert into astapa.scopes (project_id, name) values ('${a.id}', 'sneaky')`,
    `insert into astapa.machine_clients (project_id, client_id, name, secret_hash)
       values ('${a.id}', 'mcl_aaaaaaaaaaaaaaaaaaaaaaaa', 'x', sha256(''::bytea))`,
  ];
  for (const statement of inserts) {
    await rejectsAs(asApp(db.sql, b.id, (tx) => tx.unsafe(statement)), "forbidden");
    await rejectsAs(asApp(db.sql, null, (tx) => tx.unsafe(statement)), "forbidden");
  }
});

Deno.test("machine clients — the app role cannot read secret hashes, nor find clients through the lookup setting", async () => {
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select secret_hash from astapa.machine_clients`),
    "forbidden",
  );
  await rejectsAs(asApp(db.sql, a.id, (tx) => tx`select * from astapa.machine_clients`), "forbidden");
  const visible = await asApp(db.sql, null, async (tx) => {
    await tx`select set_config('astapa.lookup_client_id', ${clientB.clientId}, true)`;
    return rows(await tx`select client_id from astapa.machine_clients`);
  });
  assert.deepEqual(visible, []);
});

Deno.test("api.list_machine_clients — the current project's clients, oldest first, never a secret; none without a project", async () => {
  const c = await seedProject(db.sql, { name: "C" });
  await seedRegistry(db.sql, c.id, { scopes: ["notes:read"] });
  const first = await seedMachineClient(db.sql, c.id, { name: "First", scopes: ["notes:read"] });
  const second = await seedMachineClient(db.sql, c.id, { name: "Second" });
  const listed = await appValue<Record<string, unknown>[]>(
    db.sql,
    c.id,
    (tx) => tx`select api.list_machine_clients()`,
  );
  assert.deepEqual(listed.map((m) => [m.client_id, m.project_id, m.name, m.scopes, m.enabled]), [
    [first.clientId, c.id, "First", ["notes:read"], true],
    [second.clientId, c.id, "Second", [], true],
  ]);
  assert.ok(
    listed.every((m) =>
      !Object.keys(m).some((key) => key.includes("secret_hash") || key === "client_secret")
    ),
  );
  const inB = await appValue<Record<string, unknown>[]>(
    db.sql,
    b.id,
    (tx) => tx`select api.list_machine_clients()`,
  );
  assert.deepEqual(inB.map((m) => m.client_id), [clientB.clientId], "project B sees only its own");
  assert.deepEqual(await appValue(db.sql, null, (tx) => tx`select api.list_machine_clients()`), []);
});
