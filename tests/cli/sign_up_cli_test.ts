/** `astapa sign-up …`: show and change settings.sign_up through the real CLI process. */
import assert from "node:assert/strict";
import { run } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const env = { DATABASE_URL: db.url, ASTAPA_MASTER_KEY: TEST_MASTER_KEY };
const stored = async (id: string) =>
  (await db.sql`select settings -> 'sign_up' as s from astapa.projects where id = ${id}`)[0].s;

Deno.test("cli sign-up — shows the defaults, changes mode and lists, clears, refuses bad input", async () => {
  const project = await seedProject(db.sql);
  const shown = await run(["cli.ts", "sign-up", project.id, "--json"], env);
  assert.equal(shown.code, 0, shown.stderr);
  assert.deepEqual(JSON.parse(shown.stdout), {
    project_id: project.id,
    mode: "open",
    allowed_domains: [],
    blocked_domains: [],
  });
  const changed = await run(
    ["cli.ts", "sign-up", project.id, "--mode", "invitation", "--allow", "Kantor.example,*.cabang.example"],
    env,
  );
  assert.equal(changed.code, 0, changed.stderr);
  assert.match(changed.stdout, /invitation; allowed domains: kantor\.example, \*\.cabang\.example/);
  assert.deepEqual(await stored(project.id), {
    mode: "invitation",
    allowed_domains: ["kantor.example", "*.cabang.example"],
  });
  const cleared = await run(["cli.ts", "sign-up", project.id, "--allow", "", "--mode", "open"], env);
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.deepEqual(await stored(project.id), {});
  const badMode = await run(["cli.ts", "sign-up", project.id, "--mode", "members"], env);
  assert.equal(badMode.code, 2);
  const badDomain = await run(["cli.ts", "sign-up", project.id, "--block", "bücher.example"], env);
  assert.notEqual(badDomain.code, 0);
  assert.match(badDomain.stderr, /xn--/);
  assert.deepEqual(await stored(project.id), {});
});
