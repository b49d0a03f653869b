/** `astapa social …`: per-project provider settings through the real CLI process. */
import assert from "node:assert/strict";
import { run } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { newAppleKey } from "../fakes/apple.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const env = { DATABASE_URL: db.url, ASTAPA_MASTER_KEY: TEST_MASTER_KEY };

Deno.test("cli social — off, own sealed credentials, and back to the deployment default", async () => {
  const project = await seedProject(db.sql);
  const off = await run(["cli.ts", "social", project.id, "github", "off", "--json"], env);
  assert.equal(off.code, 0, off.stderr);
  assert.equal(JSON.parse(off.stdout).enabled, false);
  const own = await run([
    "cli.ts",
    "social",
    project.id,
    "google",
    "credentials",
    "--client-id",
    "own.apps.googleusercontent.com",
    "--client-secret",
    "GOCSPX-very-secret",
  ], env);
  assert.equal(own.code, 0, own.stderr);
  const [row] = await db
    .sql`select settings -> 'social_login' as s from astapa.projects where id = ${project.id}`;
  assert.equal(row.s.github.enabled, false);
  assert.equal(row.s.google.client_id, "own.apps.googleusercontent.com");
  assert.ok(!JSON.stringify(row.s).includes("very-secret"), "the secret is stored sealed");
  const reset = await run(["cli.ts", "social", project.id, "github", "default"], env);
  assert.equal(reset.code, 0, reset.stderr);
  const [after] = await db
    .sql`select settings -> 'social_login' as s from astapa.projects where id = ${project.id}`;
  assert.deepEqual(Object.keys(after.s), ["google"]);
  const bad = await run(["cli.ts", "social", project.id, "twitter", "off"], env);
  assert.equal(bad.code, 2);
});

Deno.test("cli social — Apple's own key read from its .p8 file, sealed, never printed; a file that is no key is refused", async () => {
  const project = await seedProject(db.sql);
  const { privateKeyPem } = await newAppleKey();
  const file = await Deno.makeTempFile({ suffix: ".p8" });
  await Deno.writeTextFile(file, privateKeyPem);
  const args = ["--client-id", "com.example.signin", "--team-id", "TEAM000001", "--key-id", "KEY0000001"];
  const own = await run([
    "cli.ts",
    "social",
    project.id,
    "apple",
    "credentials",
    ...args,
    "--private-key-file",
    file,
    "--json",
  ], env);
  assert.equal(own.code, 0, own.stderr);
  const keyBody = privateKeyPem.split("\n")[1];
  assert.ok(!own.stdout.includes(keyBody) && !own.stderr.includes(keyBody), "the key is never printed");
  const [row] = await db
    .sql`select settings -> 'social_login' -> 'apple' as a from astapa.projects where id = ${project.id}`;
  assert.deepEqual(Object.keys(row.a).sort(), ["client_id", "key_id", "private_key_sealed", "team_id"]);
  assert.ok(!JSON.stringify(row.a).includes(keyBody), "the key is stored sealed");
  await Deno.writeTextFile(file, "-----BEGIN PRIVATE KEY-----\nbm9wZQ==\n-----END PRIVATE KEY-----\n");
  const bad = await run([
    "cli.ts",
    "social",
    project.id,
    "apple",
    "credentials",
    ...args,
    "--private-key-file",
    file,
  ], env);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not an Apple .p8 key/);
  await Deno.remove(file);
});

Deno.test("cli social — Microsoft's own app registration with its tenant (common when none), the secret sealed", async () => {
  const project = await seedProject(db.sql);
  const credentials = (...more: string[]) =>
    run([
      "cli.ts",
      "social",
      project.id,
      "microsoft",
      "credentials",
      "--client-id",
      "11111111-2222-3333-4444-555555555555",
      "--client-secret",
      "ms~very~secret",
      ...more,
    ], env);
  const own = await credentials("--tenant", "organizations", "--json");
  assert.equal(own.code, 0, own.stderr);
  assert.equal(JSON.parse(own.stdout).client_id, "11111111-2222-3333-4444-555555555555");
  const entry = async () =>
    (await db.sql`select settings -> 'social_login' -> 'microsoft' as m from astapa.projects
                  where id = ${project.id}`)[0].m;
  const saved = await entry();
  assert.equal(saved.tenant, "organizations");
  assert.ok(!JSON.stringify(saved).includes("very~secret"), "the secret is stored sealed");
  assert.equal((await credentials()).code, 0);
  assert.equal((await entry()).tenant, "common");
  const bad = await credentials("--tenant", "contoso.com/evil");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--tenant is common, organizations, consumers/);
  // Google's app has no tenant.
  const google = await run([
    "cli.ts",
    "social",
    project.id,
    "google",
    "credentials",
    "--client-id",
    "g",
    "--client-secret",
    "s",
    "--tenant",
    "common",
  ], env);
  assert.equal(google.code, 2);
  const off = await run(["cli.ts", "social", project.id, "microsoft", "off", "--json"], env);
  assert.equal(JSON.parse(off.stdout).enabled, false);
});
