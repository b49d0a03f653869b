import assert from "node:assert/strict";
import { run } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const env = { DATABASE_URL: db.url, ASTAPA_MASTER_KEY: TEST_MASTER_KEY };

Deno.test("cli keys — rotate installs keys if needed, promotes next to active, and list shows the history", async () => {
  const empty = await run(["cli.ts", "keys", "list", "--json"], env);
  assert.equal(empty.code, 0, empty.stderr);
  assert.deepEqual(JSON.parse(empty.stdout), []);

  const rotated = await run(["cli.ts", "keys", "rotate", "--json"], env);
  assert.equal(rotated.code, 0, rotated.stderr);
  const { active, keys } = JSON.parse(rotated.stdout);
  assert.deepEqual(keys.map((k: { state: string }) => k.state), ["next", "active", "retired"]);
  assert.equal(keys[1].kid, active);
  assert.ok(!rotated.stdout.includes("private"), "no key material");

  const listed = await run(["cli.ts", "keys", "list"], env);
  assert.equal(listed.code, 0);
  assert.match(listed.stdout, new RegExp(`active\\s+${active}`));
});

Deno.test("cli keys — without the master key on a shared database it refuses clearly", async () => {
  const result = await run(["cli.ts", "keys", "rotate"], { DATABASE_URL: db.url });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /ASTAPA_MASTER_KEY: required with DATABASE_URL/);
});

Deno.test("cli keys — an unknown action is a usage error", async () => {
  const result = await run(["cli.ts", "keys", "spin"], env);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Unknown keys command "spin"/);
});
