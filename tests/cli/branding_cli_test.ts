/** `astapa project branding …` through the real CLI process: show, set, refuse, upload a logo, clear. */
import assert from "node:assert/strict";
import { run } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { pngOf } from "../helpers/logos.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const env = { DATABASE_URL: db.url, ASTAPA_MASTER_KEY: TEST_MASTER_KEY };
const cli = (...args: string[]) => run(["cli.ts", "project", "branding", ...args], env);

Deno.test("cli project branding — set fields, refuse a light colour, upload and remove a logo, clear", async () => {
  const project = await seedProject(db.sql);
  const set = await cli(project.id, "set", "--display-name", "Warung Ayu", "--color", "#1d4ed8", "--json");
  assert.equal(set.code, 0, set.stderr);
  assert.equal(JSON.parse(set.stdout).display_name, "Warung Ayu");
  const light = await cli(project.id, "set", "--color", "#ffeb3b");
  assert.equal(light.code, 1);
  assert.match(light.stderr, /too light/);
  const unset = await cli(project.id, "set", "--color", "");
  assert.equal(unset.code, 0, unset.stderr);
  assert.match(unset.stdout, /primary_color\s+\(default\)/);

  const dir = await Deno.makeTempDir();
  await Deno.writeFile(`${dir}/logo.png`, pngOf(6, 3));
  await Deno.writeTextFile(`${dir}/evil.png`, "<script>alert(1)</script>");
  const refused = await cli(project.id, "logo", `${dir}/evil.png`);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /none of them/);
  const uploaded = await cli(project.id, "logo", `${dir}/logo.png`, "--json");
  assert.equal(uploaded.code, 0, uploaded.stderr);
  const logo = JSON.parse(uploaded.stdout).logo;
  assert.match(logo.url, new RegExp(`^/branding/${project.id}/logo-[0-9a-f]{64}\\.png$`));
  assert.deepEqual([logo.width, logo.height], [6, 3]);
  const shown = await cli(project.id);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /display_name\s+Warung Ayu/);
  assert.match(shown.stdout, /logo\s+\/branding\/.* \(6 x 3\)/);
  const removed = await cli(project.id, "remove-logo");
  assert.match(removed.stdout, /logo\s+\(none\)/);

  await cli(project.id, "logo", `${dir}/logo.png`);
  const cleared = await cli(project.id, "clear", "--json");
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.deepEqual(JSON.parse(cleared.stdout), { project_id: project.id });
  const [left] = await db.sql`select
      (select count(*) from astapa.project_logos where project_id = ${project.id})::int as logos,
      (select settings -> 'branding' from astapa.projects where id = ${project.id}) as branding`;
  assert.deepEqual({ ...left }, { logos: 0, branding: null });

  const usage = await cli(project.id, "paint");
  assert.equal(usage.code, 2);
  const nothing = await cli(project.id, "set");
  assert.equal(nothing.code, 2);
  const unknown = await cli("prj_doesnotexist");
  assert.equal(unknown.code, 1);
});
