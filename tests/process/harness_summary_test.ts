/** The test command's own bookkeeping: counting a run, and spotting a test that hangs. */
import assert from "node:assert/strict";
import { stuckTest, summarise } from "@/tests/harness/summary.ts";

Deno.test("harness summary — the closing line is the count; a failed run without failures counts one", () => {
  const out = "./a_test.ts => x ... ok (1ms)\nok | 12 passed (3 steps) | 0 failed (2s)\n";
  assert.deepEqual(summarise(out, true), { passed: 12, failed: 0 });
  assert.deepEqual(summarise(out, false), { passed: 12, failed: 1 });
  assert.deepEqual(summarise("FAILED | 10 passed | 2 failed (9s)\n", false), { passed: 10, failed: 2 });
});

Deno.test("harness summary — a run stopped before its closing line counts what reported, plus one", () => {
  const out = [
    "./a_test.ts => one ... ok (1ms)",
    "./a_test.ts => two ... FAILED (3ms)",
    "./b_test.ts => three ... ok (2s)",
    "'four' has been running for over (8m0s)",
  ].join("\n");
  assert.deepEqual(summarise(out, false), { passed: 2, failed: 2 });
  assert.deepEqual(summarise("", false), { passed: 0, failed: 1 });
});

Deno.test("harness summary — a test is stuck at the 8-minute report, not before", () => {
  assert.equal(stuckTest("'slow one' has been running for over (4m0s)\n"), null);
  assert.equal(
    stuckTest("x\n'receipts — policies' has been running for over (8m0s)\n"),
    "receipts — policies",
  );
  assert.equal(stuckTest("./a_test.ts => ok line ... ok (8m0s)"), null);
});
