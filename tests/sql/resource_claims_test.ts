/**
 * SQL tests for resource claims (db/api/resources.sql): variants are one resource, production claims need proof,
 * a proven claim displaces an unproven one, and only the deployment owner assigns a disputed resource.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { takeLive } from "../helpers/live_keys.ts";
import { seedMachineClient } from "../helpers/machine_clients.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Resource = { uri: string; verified: boolean };
const add = (projectId: string, uri: string, proven = false) =>
  appValue<Resource>(db.sql, projectId, (tx) => tx`select api.add_resource(${uri}, '', ${proven})`);
const list = (projectId: string) =>
  appValue<Resource[]>(db.sql, projectId, (tx) => tx`select api.list_resources()`);
const live = async (name: string) => {
  const project = await seedProject(db.sql, { name });
  await takeLive(db.sql, project.id);
  return project;
};

Deno.test("api.add_resource — a case or trailing-slash variant of another project's resource is the same resource", async () => {
  const a = await seedProject(db.sql);
  const b = await seedProject(db.sql);
  await add(a.id, "https://squat.example/mcp");
  for (
    const variant of [
      "https://squat.example/MCP",
      "https://squat.example/mcp/",
      "https://squat.example/Mcp//",
    ]
  ) {
    await rejectsAs(
      asApp(db.sql, b.id, (tx) => tx`select api.add_resource(${variant})`),
      "conflict",
      /already registered/,
    );
  }
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.add_resource('https://squat.example/MCP')`),
    "conflict",
  );
  assert.deepEqual(await list(b.id), []);
});

Deno.test("api.add_resource — production projects need proof; a proven claim displaces a sandbox's unproven one", async () => {
  const sandbox = await seedProject(db.sql);
  const client = await seedMachineClient(db.sql, sandbox.id, { resources: [] });
  await add(sandbox.id, "https://notes.example/mcp");
  await asApp(
    db.sql,
    sandbox.id,
    (tx) =>
      tx`select api.update_machine_client(${client.clientId}, resources => array['https://notes.example/mcp'])`,
  );
  const owner = await live("Owner");
  await rejectsAs(
    asApp(db.sql, owner.id, (tx) => tx`select api.add_resource('https://notes.example/mcp')`),
    "forbidden",
    /proof of control/,
  );
  const claimed = await add(owner.id, "https://notes.example/mcp", true);
  assert.deepEqual({ uri: claimed.uri, verified: claimed.verified }, {
    uri: "https://notes.example/mcp",
    verified: true,
  });
  assert.deepEqual(await list(sandbox.id), [], "the sandbox lost its unproven registration");
  const kept = await appValue<{ resources: string[] }>(
    db.sql,
    sandbox.id,
    (tx) => tx`select api.get_machine_client(${client.clientId})`,
  );
  assert.deepEqual(kept.resources, [], "and its machine client lost the resource");
  const audit = await appValue<number>(
    db.sql,
    sandbox.id,
    (tx) =>
      tx`select count(*)::int from astapa.audit_log where action = 'resource.displaced' and target = 'https://notes.example/mcp'`,
  );
  assert.equal(audit, 1);
  // A proven registration stays: another production project, even with its own proof, gets 409.
  const rival = await live("Rival");
  await rejectsAs(
    asApp(db.sql, rival.id, (tx) => tx`select api.add_resource('https://notes.example/MCP/', '', true)`),
    "conflict",
  );
  await rejectsAs(
    asApp(db.sql, sandbox.id, (tx) => tx`select api.add_resource('https://notes.example/mcp')`),
    "conflict",
  );
});

Deno.test("api.assign_resource — the deployment owner settles a dispute; a project cannot call it", async () => {
  const first = await live("First");
  const second = await seedProject(db.sql);
  await add(first.id, "https://disputed.example", true);
  await rejectsAs(
    asApp(
      db.sql,
      second.id,
      (tx) => tx`select api.assign_resource('https://disputed.example', ${second.id})`,
    ),
    "forbidden",
  );
  const assigned = await appValue<Resource>(
    db.sql,
    null,
    (tx) => tx`select api.assign_resource('https://disputed.example', ${second.id}, 'Disputed')`,
  );
  assert.equal(assigned.verified, true);
  assert.deepEqual(await list(first.id), []);
  assert.deepEqual((await list(second.id)).map((r) => r.uri), ["https://disputed.example"]);
  await rejectsAs(
    asApp(db.sql, null, (tx) => tx`select api.assign_resource('https://disputed.example', 'proj_nope')`),
    "not_found",
  );
});

Deno.test("astapa.release_resource — not callable by the app role", async () => {
  const a = await seedProject(db.sql);
  await assert.rejects(
    asApp(db.sql, a.id, (tx) => tx`select astapa.release_resource('https://disputed.example', 'any')`),
    /permission denied/,
  );
});
