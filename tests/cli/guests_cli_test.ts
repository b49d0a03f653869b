/** `astapa guests …`: show and change settings.anonymous_users through the real CLI process. */
import assert from "node:assert/strict";
import { run } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const env = { DATABASE_URL: db.url, ASTAPA_MASTER_KEY: TEST_MASTER_KEY };
const stored = async (id: string) =>
  (await db.sql`select settings -> 'anonymous_users' as s from astapa.projects where id = ${id}`)[0].s;

Deno.test("cli guests — shows the defaults, turns guests on with a sweep and a cap, refuses bad input", async () => {
  const project = await seedProject(db.sql);
  const shown = await run(["cli.ts", "guests", project.id, "--json"], env);
  assert.equal(shown.code, 0, shown.stderr);
  assert.deepEqual(JSON.parse(shown.stdout), {
    project_id: project.id,
    enabled: false,
    sweep_after_days: 30,
    hourly_limit: 1000,
  });
  const changed = await run(
    ["cli.ts", "guests", project.id, "--enabled", "true", "--sweep-after-days", "7", "--hourly-limit", "50"],
    env,
  );
  assert.equal(changed.code, 0, changed.stderr);
  assert.match(changed.stdout, /Guests for .*: on; unused ones kept 7 days; at most 50 new an hour/);
  assert.deepEqual(await stored(project.id), { enabled: true, sweep_after_days: 7, hourly_limit: 50 });
  const badNumber = await run(["cli.ts", "guests", project.id, "--hourly-limit", "many"], env);
  assert.equal(badNumber.code, 2);
  const outOfRange = await run(["cli.ts", "guests", project.id, "--sweep-after-days", "400"], env);
  assert.notEqual(outOfRange.code, 0);
  assert.match(outOfRange.stderr, /1 to 365/);
  assert.deepEqual(await stored(project.id), { enabled: true, sweep_after_days: 7, hourly_limit: 50 });
});

Deno.test("cli user list — a guest is listed as a guest", async () => {
  const project = await seedProject(db.sql, { settings: { anonymous_users: { enabled: true } } });
  const sub = await asApp(
    db.sql,
    project.id,
    async (tx) =>
      (await tx`select api.sign_in_anonymously(${project.clientId}, '192.0.2.5', ${new Uint8Array(
        32,
      )}) ->> 'sub' as s`)[0]
        .s as string,
  );
  const listed = await run(["cli.ts", "user", "list", "--project", project.id], env);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`${sub}\\s+\\w+\\s+guest`));
});
