import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./exit_while_signing.ts", import.meta.url));
const RUNS = 12;

// Without OPENSSL_INIT_NO_ATEXIT, OpenSSL's atexit cleanup raced the blocking threads and about one run in
// five crashed (SIGSEGV or glibc's "double free or corruption"): twelve runs catch that nineteen times in
// twenty, and with the flag every run exits cleanly.
Deno.test("openssl signer — a process that exits while signatures are in flight exits cleanly", async () => {
  const outcomes: string[] = [];
  for (let batch = 0; batch < RUNS / 3; batch++) {
    const results = await Promise.all(Array.from({ length: 3 }, () =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", script],
        stdout: "null",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output()));
    for (const { code, signal, stderr } of results) {
      outcomes.push(
        code === 0 ? "ok" : `code ${code} signal ${signal}: ${new TextDecoder().decode(stderr).trim()}`,
      );
    }
  }
  assert.deepEqual(outcomes.filter((outcome) => outcome !== "ok"), []);
  assert.equal(outcomes.length, RUNS);
});
