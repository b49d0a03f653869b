/** `astapa org …` as a DBA runs it (a subprocess against this file's database): organizations end to end. */
import assert from "node:assert/strict";
import { testDatabase } from "../helpers/db.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";

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

Deno.test("cli org — create, roles, members, invite, domains; refusals are readable with exit 1 or 2", async () => {
  const project = await seedProject(db.sql, { name: "Shop", redirectUri: "https://shop.example/callback" });
  const owner = await seedUser(db.sql, project.id, "owner@shop.example");
  const clerk = await seedUser(db.sql, project.id, "clerk@shop.example");
  const p = ["--project", project.id];
  const created = await astapa([
    "org",
    "create",
    ...p,
    "--name",
    "Shop Team",
    "--slug",
    "team",
    "--owner",
    owner,
    "--json",
  ]);
  assert.equal(created.code, 0, created.stderr);
  const org = created.json().id as string;
  const role = await astapa([
    "org",
    "define-role",
    ...p,
    "--key",
    "clerk",
    "--name",
    "Clerk",
    "--permission",
    "till:open",
  ]);
  assert.equal(role.code, 0, role.stderr);
  assert.match(role.stdout, /clerk\s+till:open/);
  assert.equal(
    (await astapa(["org", "add-member", ...p, "--org", "team", "--user", clerk, "--role", "clerk"])).code,
    0,
  );
  const members = await astapa(["org", "members", ...p, "--org", org, "--json"]);
  assert.deepEqual(members.json().map((m: { role: string }) => m.role), ["owner", "clerk"]);
  const lastOwner = await astapa(["org", "remove-member", ...p, "--org", org, "--user", owner]);
  assert.equal(lastOwner.code, 1);
  assert.match(lastOwner.stderr, /at least one owner/);
  const invited = await astapa([
    "org",
    "invite",
    ...p,
    "--org",
    org,
    "--email",
    "new@shop.example",
    "--accept-url",
    "https://shop.example/join",
    "--json",
  ]);
  assert.equal(invited.code, 0, invited.stderr);
  assert.match(invited.json().link, /^https:\/\/shop\.example\/join\?invitation=[\w-]{43}$/);
  const list = await astapa(["org", "invitations", ...p, "--org", org]);
  assert.match(list.stdout, /pending\s+member\s+new@shop\.example/);
  const domain = await astapa(["org", "add-domain", ...p, "--org", org, "--domain", "shop.example"]);
  assert.match(domain.stdout, /astapa-domain-verification=/);
  assert.match(
    (await astapa(["org", "verify-domain", ...p, "--org", org, "--domain", "shop.example"])).stdout,
    /true/,
  );
  assert.equal(
    (await astapa(["org", "show", ...p, "--org", "team", "--json"])).json().domains[0].verified,
    true,
  );
  assert.equal((await astapa(["org", "frobnicate", ...p])).code, 2);
  assert.equal(
    (await astapa(["org", "invite", ...p, "--org", org, "--email", "x@y.z", "--accept-url", "nope"])).code,
    2,
  );
  assert.equal((await astapa(["org", "delete", ...p, "--org", org])).code, 0);
  assert.match((await astapa(["org", "list", ...p])).stdout, /No organizations/);
});
