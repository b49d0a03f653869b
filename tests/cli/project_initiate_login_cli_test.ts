/** `astapa project initiate-login-uri …`: show, set and remove settings.initiate_login_uri through the real CLI. */
import assert from "node:assert/strict";
import { run } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const env = { DATABASE_URL: db.url, ASTAPA_MASTER_KEY: TEST_MASTER_KEY };

Deno.test("cli project initiate-login-uri — shows, sets and removes it; http refused and nothing changed", async () => {
  const project = await seedProject(db.sql);
  const stored = async () =>
    (await db
      .sql`select settings ->> 'initiate_login_uri' as u from astapa.projects where id = ${project.id}`)[0].u;
  const cli = (...args: string[]) =>
    run(["cli.ts", "project", "initiate-login-uri", project.id, ...args], env);
  const shown = await cli("--json");
  assert.equal(shown.code, 0, shown.stderr);
  assert.deepEqual(JSON.parse(shown.stdout), { project_id: project.id, initiate_login_uri: null });
  const set = await cli("https://app.example/start");
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /initiate_login_uri of proj_[a-z2-7]+: https:\/\/app\.example\/start/);
  assert.equal(await stored(), "https://app.example/start");
  const bad = await cli("http://app.example/start");
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /initiate_login_uri must be an absolute https URL/);
  assert.equal(await stored(), "https://app.example/start");
  const removed = await cli("none", "--json");
  assert.deepEqual(JSON.parse(removed.stdout), { project_id: project.id, initiate_login_uri: null });
  assert.equal(await stored(), null);
});
