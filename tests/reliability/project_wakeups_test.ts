/** The wake-up set the payment worker and the mail sender share (lib/project_wakeups.ts). */
import assert from "node:assert/strict";
import { payloadProject, ProjectWakeups } from "@/lib/project_wakeups.ts";

Deno.test("ProjectWakeups — the first pass lists every project; then named wake-ups name their projects", () => {
  const wakeups = new ProjectWakeups();
  assert.equal(wakeups.take(), null, "a new worker has not listed anything yet");
  assert.deepEqual(wakeups.take(), [], "nothing pending");
  wakeups.add("proj_a");
  wakeups.add("proj_b");
  wakeups.add("proj_a");
  assert.deepEqual(wakeups.take(), ["proj_a", "proj_b"], "each named project once");
  assert.deepEqual(wakeups.take(), [], "taken is no longer pending");
});

Deno.test("ProjectWakeups — a wake-up naming no project, or a sweep, makes the pass list them all", () => {
  const wakeups = new ProjectWakeups();
  wakeups.take();
  wakeups.add("proj_a");
  wakeups.add(null);
  wakeups.add("proj_b");
  assert.equal(wakeups.take(), null, "every project, which includes the named ones");
  assert.deepEqual(wakeups.take(), [], "the named ones were covered by that pass");
  wakeups.add("proj_c");
  wakeups.addEveryProject();
  assert.equal(wakeups.take(), null);
});

Deno.test("payloadProject — the project of a JSON payload; anything else names none", () => {
  assert.equal(payloadProject('{"project_id":"proj_a","event_id":7}'), "proj_a");
  for (
    const payload of ["", "7", "proj_a", "{", "null", "[]", '{"project_id":7}', '{"project_id":""}', "{}"]
  ) {
    assert.equal(payloadProject(payload), null, payload);
  }
});
