/** `astapa resource|scope|machine-client …` as an operator runs them: subprocesses against this file's database. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { verifyClient } from "@/db/client_authentication.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedProject } from "../helpers/identity.ts";
import { run } from "../helpers/process.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql);

const astapa = async (...args: string[]) => {
  const result = await run(["cli.ts", ...args], { DATABASE_URL: db.url });
  return { ...result, json: () => JSON.parse(result.stdout) };
};
const verify = async (clientId: string, secret: string) =>
  await asApp(db.sql, null, async (tx) => verifyClient(tx, clientId, await sha256(secret)));

Deno.test("cli resource/scope — register (canonical form), declare, list, remove", async () => {
  const added = await astapa(
    "resource",
    "add",
    "--project",
    project.id,
    "https://MCP.example.com/",
    "--json",
  );
  assert.equal(added.code, 0, added.stderr);
  assert.equal(added.json().uri, "https://mcp.example.com");
  assert.equal((await astapa("resource", "add", "--project", project.id, "https://mcp.example.com")).code, 1);
  const declared = await astapa(
    "scope",
    "add",
    "--project",
    project.id,
    "notes:read",
    "--description",
    "Read notes",
  );
  assert.equal(declared.code, 0, declared.stderr);
  await astapa("scope", "add", "--project", project.id, "notes:write");
  const scopes = await astapa("scope", "list", "--project", project.id, "--json");
  assert.deepEqual(scopes.json().map((s: { name: string }) => s.name), ["notes:read", "notes:write"]);
  await astapa("resource", "add", "--project", project.id, "https://temp.example.com");
  assert.equal(
    (await astapa("resource", "remove", "--project", project.id, "https://temp.example.com/")).code,
    0,
  );
  const listed = await astapa("resource", "list", "--project", project.id);
  assert.equal(listed.stdout.trim(), "https://mcp.example.com");
  const bad = await astapa("resource", "add", "--project", project.id, "not a uri");
  assert.equal(bad.code, 2, "a malformed URI is a usage error");
});

Deno.test("cli machine-client — create prints a secret that verifies; disable, rotate-secret, delete", async () => {
  const created = await astapa(
    "machine-client",
    "create",
    "--project",
    project.id,
    "--name",
    "Agent",
    "--scope",
    "notes:read",
    "--resource",
    "https://mcp.example.com/",
    "--ttl",
    "600",
    "--json",
  );
  assert.equal(created.code, 0, created.stderr);
  const client = created.json();
  assert.match(client.client_id, /^mcl_/);
  assert.match(client.client_secret, /^acs_[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(client.resources, ["https://mcp.example.com"]);
  assert.equal(client.access_token_ttl, 600);
  assert.deepEqual(await verify(client.client_id, client.client_secret), {
    project_id: project.id,
    kind: "machine",
    enabled: true,
    dpop_required: false,
  });

  const list = await astapa("machine-client", "list", "--project", project.id);
  assert.match(list.stdout, new RegExp(`${client.client_id}\\s+enabled\\s+Agent`));
  assert.equal(
    (await astapa("machine-client", "disable", "--project", project.id, client.client_id)).code,
    0,
  );
  assert.equal((await verify(client.client_id, client.client_secret))?.enabled, false);
  const updated = await astapa(
    "machine-client",
    "update",
    "--project",
    project.id,
    client.client_id,
    "--scope",
    "notes:write",
    "--ttl",
    "0",
    "--json",
  );
  assert.deepEqual(updated.json().scopes, ["notes:write"]);
  assert.equal(updated.json().access_token_ttl, undefined);

  const rotated = await astapa(
    "machine-client",
    "rotate-secret",
    "--project",
    project.id,
    client.client_id,
    "--json",
  );
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.equal(await verify(client.client_id, client.client_secret), null);
  assert.equal((await verify(client.client_id, rotated.json().client_secret))?.kind, "machine");

  assert.equal((await astapa("machine-client", "delete", "--project", project.id, client.client_id)).code, 0);
  const gone = await astapa("machine-client", "show", "--project", project.id, client.client_id);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /not_found/);
});

Deno.test("cli machine-client — usage errors exit 2, refusals exit 1 with the catalogue code", async () => {
  assert.equal((await astapa("machine-client", "create", "--project", project.id)).code, 2, "no --name");
  assert.equal((await astapa("machine-client", "list")).code, 2, "no --project");
  const ttl = await astapa(
    "machine-client",
    "create",
    "--project",
    project.id,
    "--name",
    "x",
    "--ttl",
    "soon",
  );
  assert.equal(ttl.code, 2);
  const undeclared = await astapa(
    "machine-client",
    "create",
    "--project",
    project.id,
    "--name",
    "x",
    "--scope",
    "admin",
  );
  assert.equal(undeclared.code, 1);
  assert.match(undeclared.stderr, /validation_failed: Scope admin is not declared/);
  assert.equal((await astapa("machine-client", "frobnicate", "--project", project.id)).code, 2);
  const dpop = await astapa(
    "machine-client",
    "create",
    "--project",
    project.id,
    "--name",
    "x",
    "--dpop",
    "yes",
  );
  assert.equal(dpop.code, 2);
  assert.match(dpop.stderr, /--dpop must be bound or unbound/);
});

Deno.test("cli machine-client — --dpop bound marks a client DPoP-bound, unbound clears it", async () => {
  const created = await astapa(
    "machine-client",
    "create",
    "--project",
    project.id,
    "--name",
    "Bound agent",
    "--dpop",
    "bound",
    "--json",
  );
  assert.equal(created.code, 0, created.stderr);
  const client = created.json();
  assert.equal(client.dpop_bound_access_tokens, true);
  const shown = await astapa("machine-client", "show", "--project", project.id, client.client_id);
  assert.match(shown.stdout, /dpop\s+bound \(every token request sends a DPoP proof\)/);
  const [row] = await db.sql`select dpop_bound_access_tokens from astapa.machine_clients
    where client_id = ${client.client_id}`;
  assert.equal(row.dpop_bound_access_tokens, true);
  const cleared = await astapa(
    "machine-client",
    "update",
    "--project",
    project.id,
    client.client_id,
    "--dpop",
    "unbound",
    "--json",
  );
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.equal(cleared.json().dpop_bound_access_tokens, false);
});

Deno.test("cli resource dynamic-clients — the per-project switch for self-registered clients", async () => {
  const settings = async () =>
    (await asApp(db.sql, project.id, (tx) => tx`select settings from astapa.projects`))[0].settings;
  const on = await astapa("resource", "dynamic-clients", "on", "--project", project.id, "--json");
  assert.equal(on.code, 0, on.stderr);
  assert.deepEqual(on.json(), { project_id: project.id, dynamic_clients: true });
  assert.equal((await settings()).dynamic_clients, true);
  const off = await astapa("resource", "dynamic-clients", "off", "--project", project.id);
  assert.equal(off.code, 0, off.stderr);
  assert.match(off.stdout, /refused/);
  assert.equal((await settings()).dynamic_clients, false);
  assert.equal((await astapa("resource", "dynamic-clients", "maybe", "--project", project.id)).code, 2);
});

Deno.test("cli resource client-metadata-documents — the switch beside it, for clients known by a metadata URL", async () => {
  const settings = async () =>
    (await asApp(db.sql, project.id, (tx) => tx`select settings from astapa.projects`))[0].settings;
  const on = await astapa("resource", "client-metadata-documents", "on", "--project", project.id, "--json");
  assert.equal(on.code, 0, on.stderr);
  assert.deepEqual(on.json(), { project_id: project.id, client_metadata_documents: true });
  assert.equal((await settings()).client_metadata_documents, true);
  const off = await astapa("resource", "client-metadata-documents", "off", "--project", project.id);
  assert.equal(off.code, 0, off.stderr);
  assert.match(off.stdout, /metadata document URL for .*: refused/);
  assert.equal((await settings()).client_metadata_documents, false);
  assert.equal(
    (await astapa("resource", "client-metadata-documents", "yes", "--project", project.id)).code,
    2,
  );
});
