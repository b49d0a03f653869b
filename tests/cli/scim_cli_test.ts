/** `astapa org scim|enable-scim|revoke-scim` as a DBA runs it (a subprocess against this file's database). */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedProject } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const CLI = new URL("../../cli.ts", import.meta.url).pathname;

async function astapa(args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    env: { DATABASE_URL: db.url, NO_COLOR: "1", ASTAPA_BASE_URL: "https://auth.example.com" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  return { code: output.code, stdout, stderr: new TextDecoder().decode(output.stderr) };
}

Deno.test("cli org scim — enable shows the token once, show never, enable again rotates, revoke; audited as the CLI", async () => {
  const project = await seedProject(db.sql, { name: "Shop" });
  await asApp(db.sql, project.id, (tx) => tx`select api.create_organization('Acme', 'acme', null)`);
  const p = ["--project", project.id, "--org", "acme"];
  const on = await astapa(["org", "enable-scim", ...p]);
  assert.equal(on.code, 0, on.stderr);
  const token = /token\s+(ascim_[A-Za-z0-9_-]{43})/.exec(on.stdout)?.[1];
  assert.ok(token, on.stdout);
  assert.match(on.stdout, /base url\s+https:\/\/auth\.example\.com\/scim\/v2\/scim_[a-z2-7]{24}/);
  const shown = await astapa(["org", "scim", ...p]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.doesNotMatch(shown.stdout, /ascim_/);
  assert.match(shown.stdout, /token\s+active/);
  const again = await astapa(["org", "enable-scim", ...p]);
  assert.notEqual(/token\s+(ascim_\S+)/.exec(again.stdout)?.[1], token, "a new token");
  const revoked = await astapa(["org", "revoke-scim", ...p]);
  assert.match(revoked.stdout, /token\s+- \(revoked\)/);
  const actors = await db.sql`select actor, action from astapa.audit_log where project_id = ${project.id}
    and action like 'scim.%' order by id`;
  assert.deepEqual(actors.map((r) => [r.actor, r.action]), [
    ["cli", "scim.directory_enabled"],
    ["cli", "scim.token_rotated"],
    ["cli", "scim.token_revoked"],
  ]);
  const missing = await astapa(["org", "scim", "--project", project.id, "--org", "nope"]);
  assert.notEqual(missing.code, 0);
});
