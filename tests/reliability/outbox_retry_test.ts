/** The retry rule every outbox worker shares (lib/outbox_worker.ts): the waits, and when there is no next attempt. */
import assert from "node:assert/strict";
import { jitteredBackoff, retryWait, scheduledRetries } from "@/lib/outbox_worker.ts";

Deno.test("jitteredBackoff — the schedule's nth entry ±10 %, its last past the end", () => {
  const wait = jitteredBackoff([10, 100, 1000]);
  for (let i = 0; i < 50; i++) {
    assert.ok(wait(1) >= 9 && wait(1) <= 11);
    assert.ok(wait(2) >= 90 && wait(2) <= 110);
    assert.ok(wait(3) >= 900 && wait(3) <= 1100);
    assert.ok(wait(7) >= 900 && wait(7) <= 1100);
  }
});

Deno.test("retryWait — the backoff after a failed attempt; none after a success, a hopeless one or the last", () => {
  const policy = { maxAttempts: 3, backoffSeconds: (attempt: number) => attempt * 60 };
  assert.equal(retryWait(policy, 1, false), 60);
  assert.equal(retryWait(policy, 2, false), 120);
  assert.equal(retryWait(policy, 3, false), null);
  assert.equal(retryWait(policy, 4, false), null);
  assert.equal(retryWait(policy, 1, true), null);
});

Deno.test("scheduledRetries — one attempt more than the schedule's waits, each its entry ±10 %; then retryWait stops", () => {
  const policy = scheduledRetries([10, 100]);
  assert.equal(policy.maxAttempts, 3);
  for (let i = 0; i < 50; i++) {
    const first = retryWait(policy, 1, false)!;
    const second = retryWait(policy, 2, false)!;
    assert.ok(first >= 9 && first <= 11, `${first}`);
    assert.ok(second >= 90 && second <= 110, `${second}`);
  }
  assert.equal(retryWait(policy, 3, false), null);
});
