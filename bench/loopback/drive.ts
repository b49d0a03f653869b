/** Driving the servers from the bench process: load in a separate process, refresh chains to start from. */
import type { LoadResult, Scenario } from "./load.ts";
import type { ServerProcess } from "./servers.ts";

const deno = Deno.execPath();
const here = (path: string) => new URL(path, import.meta.url).pathname;

/** Runs one scenario in a separate load-generator process. */
export async function load(scenario: Scenario): Promise<LoadResult> {
  const file = await Deno.makeTempFile({ prefix: "astapa-bench-", suffix: ".json" });
  try {
    await Deno.writeTextFile(file, JSON.stringify(scenario));
    const { stdout, stderr, success } = await new Deno.Command(deno, {
      args: ["run", "--allow-net", "--allow-read", here("./load.ts"), file],
    }).output();
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
