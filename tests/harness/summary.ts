/** `deno test` reports a long test at 1, 2, 4, 8… minutes; the slowest real test takes under two. */
export const STUCK_AFTER = "8m0s";
const stuckLine = new RegExp(
  `^'(.*)' has been running for over \\(${STUCK_AFTER.replace(/[()]/g, "")}\\)`,
  "m",
);

/** The name of a test `deno test` says has run for STUCK_AFTER, if `text` holds that report. */
export function stuckTest(text: string): string | null {
  return stuckLine.exec(text)?.[1] ?? null;
}

/** Reads `deno test`'s closing line ("ok | 12 passed (3 steps) | 0 failed (2s)") into counts. */
export function summarise(output: string, succeeded: boolean): { passed: number; failed: number } {
  // deno-lint-ignore no-control-regex -- strips colour codes in case NO_COLOR was not honoured
  const lines = output.replace(/\x1b\[[0-9;]*m/g, "").split("\n");
  let passed = 0;
  let failed = 0;
  let found = false;
  for (const line of lines) {
    const match = /^(ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(line.trim());
    if (!match) continue;
    found = true;
    passed += Number(match[2]);
    failed += Number(match[3]);
  }
  if (!found) {
    // Stopped before its closing line (a hung test was killed): count the tests that did report.
    for (const line of lines) {
      if (/ \.\.\. ok \(/.test(line)) passed += 1;
      if (/ \.\.\. FAILED \(/.test(line)) failed += 1;
    }
  }
  // A run that died before its summary (a crash, a module that failed to load) counts as one failure.
  if (!found || (!succeeded && failed === 0)) failed += 1;
  return { passed, failed };
}
