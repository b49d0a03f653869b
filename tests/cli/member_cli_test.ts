/**
 * Issue 29 #7: `astapa member add|role|remove` as a DBA runs it (a subprocess against this file's database):
 * a CLI project can be claimed, roles change, bad arguments exit 2, and the last owner always stays.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { listMembers } from "@/db/dashboard.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const CLI = new URL("../../cli.ts", import.meta.url).pathname;

async function astapa(args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    env: { DATABASE_URL: db.url, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  return {
    code: output.code,
    stdout,
    stderr: new TextDecoder().decode(output.stderr),
    json: () => JSON.parse(stdout),
  };
}

const members = (project: string) =>
  asApp(db.sql, project, (tx) => listMembers(tx, project)).then((list) =>
    list.map((m) => `${m.email}:${m.role}`).sort()
  );

Deno.test("cli member — add, change role, remove; the last owner can be neither removed nor demoted", async () => {
  const created = await astapa([
    "project",
    "create",
    "--name",
    "Shop",
    "--redirect-uri",
    "https://shop.example/cb",
    "--json",
  ]);
  assert.equal(created.code, 0, created.stderr);
  const project = created.json().project_id as string;

  const added = await astapa([
    "member",
    "add",
    "--project",
    project,
    "--email",
    "Ayu@Team.example",
    "--role",
    "owner",
    "--json",
  ]);
  assert.equal(added.code, 0, added.stderr);
  assert.equal(added.json().role, "owner");
  assert.equal(added.json().project_id, project);
  assert.deepEqual(await members(project), ["Ayu@Team.example:owner"]);

  // The only owner: demoting or removing her is refused, and nothing changes.
  const demote = await astapa([
    "member",
    "role",
    "--project",
    project,
    "--email",
    "ayu@team.example",
    "--role",
    "admin",
  ]);
  assert.equal(demote.code, 1);
  assert.match(demote.stderr, /conflict: .*last owner/);
  const remove = await astapa(["member", "remove", "--project", project, "--email", "ayu@team.example"]);
  assert.equal(remove.code, 1);
  assert.match(remove.stderr, /conflict: .*last owner/);
  assert.deepEqual(await members(project), ["Ayu@Team.example:owner"]);

  // With a second owner, the first may step down and then leave.
  assert.equal(
    (await astapa([
      "member",
      "add",
      "--project",
      project,
      "--email",
      "budi@team.example",
      "--role",
      "viewer",
    ])).code,
    0,
  );
  const again = await astapa([
    "member",
    "add",
    "--project",
    project,
    "--email",
    "budi@team.example",
    "--role",
    "admin",
  ]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /conflict/);
  const promoted = await astapa([
    "member",
    "role",
    "--project",
    project,
    "--email",
    "budi@team.example",
    "--role",
    "owner",
    "--json",
  ]);
  assert.equal(promoted.code, 0, promoted.stderr);
  assert.equal(promoted.json().role, "owner");
  assert.equal(
    (await astapa([
      "member",
      "role",
      "--project",
      project,
      "--email",
      "ayu@team.example",
      "--role",
      "viewer",
    ])).code,
    0,
  );
  assert.deepEqual(await members(project), ["Ayu@Team.example:viewer", "budi@team.example:owner"]);
  const removed = await astapa([
    "member",
    "remove",
    "--project",
    project,
    "--email",
    "AYU@team.example",
    "--json",
  ]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.deepEqual({ role: removed.json().role, removed: removed.json().removed }, {
    role: "viewer",
    removed: true,
  });
  assert.deepEqual(await members(project), ["budi@team.example:owner"]);

  const gone = await astapa(["member", "remove", "--project", project, "--email", "ayu@team.example"]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /not_found: .*not a member/);
  const noProject = await astapa([
    "member",
    "add",
    "--project",
    "proj_unknown",
    "--email",
    "c@team.example",
    "--role",
    "viewer",
  ]);
  assert.equal(noProject.code, 1);
  assert.match(noProject.stderr, /not_found/);
});

Deno.test("cli member — bad arguments exit 2 with the usage", async () => {
  for (
    const args of [
      ["member"],
      ["member", "promote", "--project", "p", "--email", "a@b.example"],
      ["member", "add", "--project", "p", "--email", "a@b.example"],
      ["member", "add", "--project", "p", "--email", "a@b.example", "--role", "god"],
      ["member", "role", "--project", "p", "--email", "not-an-email", "--role", "admin"],
      ["member", "remove", "--email", "a@b.example"],
      ["member", "remove", "--project", "p", "--email", "a@b.example", "--role", "owner"],
      ["member", "remove", "--project", "p", "--email", "a@b.example", "extra"],
    ]
  ) {
    const run = await astapa(args);
    assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, /member add --project ID/, args.join(" "));
  }
});
