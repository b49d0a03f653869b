/**
 * The audit log over the Platform API (GET /api/platform/audit-log): newest first, next_before leading to older
 * pages, filters by action (exact or a prefix), user and actor, only the caller's project, and a filter the log
 * cannot read is a 400.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { platformApi } from "../helpers/platform_api.ts";

const t = await testApp({ env: { PWNED_PASSWORDS_URL: "off" } });
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Toko Audit" });
const other = await seedProject(t.db.sql, { name: "Other Audit" });
const api = platformApi(t, project);

type Entry = { id: string; actor: string; action: string; target: string | null };

Deno.test("audit log API — newest first in pages; filters by action, prefix, user and actor; never another project's", async () => {
  const ayu = (await api("POST", "/users", { email: "ayu@audit.example" })).body.sub;
  const budi = (await api("POST", "/users", { email: "budi@audit.example" })).body.sub;
  assert.equal((await api("PATCH", `/users/${ayu}`, { disabled: true })).status, 200);
  await platformApi(t, other)("POST", "/users", { email: "elsewhere@audit.example" });

  const first = await api("GET", "/audit-log?action=user.&limit=2");
  assert.equal(first.status, 200);
  assert.deepEqual(first.body.entries.map((e: Entry) => [e.action, e.target]), [
    ["user.disable", `user:${ayu}`],
    ["user.create", `user:${budi}`],
  ]);
  assert.equal(first.body.entries[0].actor, "api");
  assert.equal(first.body.next_before, first.body.entries[1].id);
  const older = await api("GET", `/audit-log?action=user.&limit=2&before=${first.body.next_before}`);
  assert.deepEqual(older.body.entries.map((e: Entry) => e.target), [`user:${ayu}`]);
  assert.equal(
    older.body.next_before,
    null,
    "three user entries in this project, none of the other project's",
  );
  // Without a filter the project's own creation is in the log too, at the end.
  const whole = await api("GET", "/audit-log");
  assert.deepEqual(whole.body.entries.map((e: Entry) => e.action).at(-1), "project.create");

  const creates = await api("GET", "/audit-log?action=user.create");
  assert.deepEqual(creates.body.entries.map((e: Entry) => e.target), [`user:${budi}`, `user:${ayu}`]);
  const prefix = await api("GET", "/audit-log?action=user.");
  assert.equal(prefix.body.entries.length, 3);
  const aboutAyu = await api("GET", `/audit-log?user=${ayu}`);
  assert.deepEqual(aboutAyu.body.entries.map((e: Entry) => e.action), ["user.disable", "user.create"]);
  assert.equal((await api("GET", "/audit-log?actor=cli")).body.entries.length, 0);
  assert.equal((await api("GET", "/audit-log?actor=api&action=user.")).body.entries.length, 3);

  for (const bad of ["action=User Create", "user=ayu", "limit=0", "limit=201", "before=abc", "before=0"]) {
    const refused = await api("GET", `/audit-log?${bad}`);
    assert.equal(refused.status, 400, bad);
    assert.equal(refused.body.error, "validation_failed", bad);
  }
});
