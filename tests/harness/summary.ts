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
  // A run that died before its summary (a crash, a module that failed to load) counts as one failure.
  if (!found || (!succeeded && failed === 0)) failed += 1;
  return { passed, failed };
}
