/** `astapa project dpop …`: show and change settings.dpop (DPoP required of every client) through the real CLI. */
import assert from "node:assert/strict";
import { run } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const env = { DATABASE_URL: db.url, ASTAPA_MASTER_KEY: TEST_MASTER_KEY };

Deno.test("cli project dpop — shows, requires and relaxes DPoP for every client; bad input refused", async () => {
  const project = await seedProject(db.sql);
  const dpop = async () =>
    (await db.sql`select settings -> 'dpop' as d from astapa.projects where id = ${project.id}`)[0].d;
  const shown = await run(["cli.ts", "project", "dpop", project.id, "--json"], env);
  assert.equal(shown.code, 0, shown.stderr);
  assert.deepEqual(JSON.parse(shown.stdout), { project_id: project.id, required: false });
  const required = await run(["cli.ts", "project", "dpop", project.id, "required"], env);
  assert.equal(required.code, 0, required.stderr);
  assert.match(required.stdout, /DPoP for proj_[a-z2-7]+: required of every client/);
  assert.deepEqual(await dpop(), { required: true });
  const bad = await run(["cli.ts", "project", "dpop", project.id, "always"], env);
  assert.equal(bad.code, 2);
  assert.deepEqual(await dpop(), { required: true });
  const optional = await run(["cli.ts", "project", "dpop", project.id, "optional", "--json"], env);
  assert.deepEqual(JSON.parse(optional.stdout), { project_id: project.id, required: false });
  assert.equal(await dpop(), null);
});
