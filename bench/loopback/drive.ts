/** Driving the servers from the bench process: load in a separate process, refresh chains to start from. */
import type { LoadResult, Scenario } from "./load.ts";
import type { ServerProcess } from "./servers.ts";

const deno = Deno.execPath();
const here = (path: string) => new URL(path, import.meta.url).pathname;

/** BENCH_GENERATOR: `autocannon` (default) for repeatable requests, or `deno` (Deno fetch) for everything. */
const GENERATOR = Deno.env.get("BENCH_GENERATOR") ?? "autocannon";
const hasNode = await new Deno.Command("node", { args: ["--version"], stdout: "null", stderr: "null" })
  .output().then((out) => out.success).catch(() => false);

/** The command that generates load for `scenario` from `file`: autocannon under Node (or Deno), else Deno fetch. */
function generatorArgs(scenario: Scenario, file: string): [string, string[]] {
  if (scenario.kind !== "static" || scenario.generator === "deno" || GENERATOR === "deno") {
    return [deno, ["run", "--allow-net", "--allow-read", here("./load.ts"), file]];
  }
  const script = here("./autocannon_load.mjs");
  return hasNode ? ["node", [script, file]] : [deno, ["run", "-A", script, file]];
}

/** Runs one scenario in a separate load-generator process. */
export async function load(scenario: Scenario): Promise<LoadResult> {
  const file = await Deno.makeTempFile({ prefix: "astapa-bench-", suffix: ".json" });
  try {
    await Deno.writeTextFile(file, JSON.stringify(scenario));
    const [command, args] = generatorArgs(scenario, file);
    const { stdout, stderr, success } = await new Deno.Command(command, { args }).output();
    if (!success) throw new Error(`load generator failed:\n${new TextDecoder().decode(stderr)}`);
    return JSON.parse(new TextDecoder().decode(stdout));
  } finally {
    await Deno.remove(file);
  }
}

/** One refresh token per load worker, each from a real code redemption. */
export async function refreshChains(
  server: ServerProcess,
  codes: string[],
  headers: Record<string, string>,
  redeem: Record<string, string>,
): Promise<string[]> {
  return await Promise.all(codes.map(async (code) => {
    const res = await fetch(`${server.origin}/api/platform/token`, {
      method: "POST",
      headers,
      body: new URLSearchParams({ ...redeem, code }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`code redemption failed: ${JSON.stringify(body)}`);
    return body.refresh_token as string;
  }));
}
