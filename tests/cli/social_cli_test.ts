/** `astapa social …`: per-project provider settings through the real CLI process. */
import assert from "node:assert/strict";
import { run } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";

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
