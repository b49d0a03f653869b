/** `astapa org scim|enable-scim|revoke-scim|scim-groups|map-scim-group` as a DBA runs it (a subprocess against this file's database). */
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

Deno.test("cli org scim-groups, map-scim-group — lists the IdP's groups, maps one to a role and back; owner refused", async () => {
  const project = await seedProject(db.sql, { name: "Groups" });
  const group = await asApp(db.sql, project.id, async (tx) => {
    const org = (await tx`select api.create_organization('Acme', 'acme', null) as o`)[0].o;
    const hash = new Uint8Array(32).fill(7);
    const dir = (await tx`select api.enable_scim_directory(${org.id}, ${hash}) as d`)[0].d;
    const made = await tx`select api.scim_create_group(${dir.id},
      ${tx.json({ displayName: "Engineering", externalId: null, members: [] })}) as g`;
    return made[0].g.id as string;
  });
  const p = ["--project", project.id, "--org", "acme"];
  const listed = await astapa(["org", "scim-groups", ...p]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`${group}\\s+Engineering · 0 members · unmapped`));
  const mapped = await astapa(["org", "map-scim-group", ...p, "--group", group, "--role", "admin"]);
  assert.equal(mapped.code, 0, mapped.stderr);
  assert.match(mapped.stdout, /Engineering · 0 members · admin/);
  const unmapped = await astapa([
    "org",
    "map-scim-group",
    ...p,
    "--group",
    group,
    "--role",
    "none",
    "--json",
  ]);
  assert.equal(JSON.parse(unmapped.stdout).role, null);
  const owner = await astapa(["org", "map-scim-group", ...p, "--group", group, "--role", "owner"]);
  assert.notEqual(owner.code, 0);
  const [audit] = await db.sql`select actor from astapa.audit_log where project_id = ${project.id}
    and action = 'scim.group_mapped' order by id limit 1`;
  assert.equal(audit.actor, "cli");
});
