/** `astapa org sso|set-sso|remove-sso` as a DBA runs it (a subprocess against this file's database). */
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
    env: { DATABASE_URL: db.url, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  return { code: output.code, stdout, stderr: new TextDecoder().decode(output.stderr) };
}

Deno.test("cli org sso — show without the secret, a bad issuer refused at save, remove", async () => {
  const project = await seedProject(db.sql, { name: "Shop" });
  const p = ["--project", project.id, "--org", "acme"];
  await asApp(db.sql, project.id, async (tx) => {
    await tx`select api.create_organization('Acme', 'acme', null)`;
    await tx`select api.add_organization_domain('acme', 'acme.example')`;
    await tx`select api.verify_organization_domain('acme', 'acme.example')`;
    await tx`select api.put_sso_connection('acme', 'https://idp.acme.example', 'astapa', 'c2VhbGVk', true, true)`;
  });
  const shown = await astapa(["org", "sso", ...p]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /issuer\s+https:\/\/idp\.acme\.example/);
  assert.match(shown.stdout, /domains\s+acme\.example/);
  assert.doesNotMatch(shown.stdout, /c2VhbGVk/);
  const http = await astapa([
    "org",
    "set-sso",
    ...p,
    "--issuer",
    "http://idp.acme.example",
    "--idp-client-id",
    "x",
  ]);
  assert.notEqual(http.code, 0);
  assert.match(http.stderr, /issuer must be an https URL/);
  const internal = await astapa([
    "org",
    "set-sso",
    ...p,
    "--issuer",
    "https://127.0.0.1",
    "--idp-client-id",
    "x",
  ]);
  assert.notEqual(internal.code, 0);
  assert.match(internal.stderr, /internal address/);
  const flagged = await astapa([
    "org",
    "set-sso",
    ...p,
    "--issuer",
    "https://x",
    "--idp-client-id",
    "x",
    "--enabled",
    "maybe",
  ]);
  assert.equal(flagged.code, 2);
  assert.equal((await astapa(["org", "remove-sso", ...p])).code, 0);
  const gone = await astapa(["org", "sso", ...p]);
  assert.notEqual(gone.code, 0);
  assert.match(gone.stderr, /has no SSO connection/);
});
