import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const child = fileURLToPath(new URL("./unhandled_rejection_child.ts", import.meta.url));
const run = async (kind: string) => {
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", child, kind],
    env: { NO_COLOR: "1", ASTAPA_LOG_LEVEL: "info" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code, stdout: new TextDecoder().decode(stdout) };
};

Deno.test("an unawaited database connection failure is logged and the process lives on; any other ends it", async () => {
  const reset = await run("reset");
  assert.equal(reset.code, 0);
  assert.match(reset.stdout, /"msg":"database_rejection_unhandled".*"code":"ECONNRESET"/);
  assert.match(reset.stdout, /still running/);

  const other = await run("other");
  assert.notEqual(other.code, 0, "a bug's unhandled rejection still ends the process");
  assert.doesNotMatch(other.stdout, /still running/);
});
