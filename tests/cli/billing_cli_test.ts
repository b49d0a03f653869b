/** `astapa billing …`: show the billing settings and switch the automatic refund of double payments, as a process. */
import assert from "node:assert/strict";
import { run } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const env = { DATABASE_URL: db.url, ASTAPA_MASTER_KEY: TEST_MASTER_KEY };
const stored = async (id: string) =>
  (await db.sql`select settings -> 'billing_refund_duplicates' as s from astapa.projects where id = ${id}`)[0]
    .s;

Deno.test("cli billing — shows the settings, turns the refund of double payments on and off, refuses bad input", async () => {
  const project = await seedProject(db.sql);
  const shown = await run(["cli.ts", "billing", project.id, "--json"], env);
  assert.equal(shown.code, 0, shown.stderr);
  const json = JSON.parse(shown.stdout);
  assert.deepEqual([json.project_id, json.billing_refund_duplicates, json.billing_grace_days], [
    project.id,
    false,
    3,
  ]);
  const on = await run(["cli.ts", "billing", project.id, "--refund-duplicates", "true"], env);
  assert.equal(on.code, 0, on.stderr);
  assert.match(on.stdout, /double payments refunded automatically/);
  assert.equal(await stored(project.id), true);
  const bad = await run(["cli.ts", "billing", project.id, "--refund-duplicates", "maybe"], env);
  assert.equal(bad.code, 2);
  const off = await run(["cli.ts", "billing", project.id, "--refund-duplicates", "false"], env);
  assert.equal(off.code, 0, off.stderr);
  assert.match(off.stdout, /double payments refunded by hand/);
  assert.equal(await stored(project.id), null, "off: the key removed, the default");
  const audited = await db.sql`select actor from astapa.audit_log
                               where project_id = ${project.id} and action = 'project.settings'`;
  assert.deepEqual(audited.map((a) => a.actor), ["cli", "cli"]);
});
