/** Runs Astapa's own entry points (main.ts, cli.ts) as child processes, the way a person would. */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Copies the checkout as `git clone` would see it now: tracked files plus new, not ignored ones. */
export async function copyCheckout(target: string): Promise<void> {
  const files = await new Deno.Command("git", {
    args: ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    cwd: ROOT,
  }).output();
  assert.equal(files.code, 0);
  const tar = new Deno.Command("sh", {
    args: ["-c", `tar --null -T - -cf - | tar -xf - -C '${target}'`],
    cwd: ROOT,
    stdin: "piped",
  }).spawn();
  const writer = tar.stdin.getWriter();
  await writer.write(files.stdout);
  await writer.close();
  assert.equal((await tar.status).code, 0);
}

export type ServerProcess = {
  url: string;
  output: string[];
  child: Deno.ChildProcess;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
};

/**
 * Starts `main.ts` (or `args`, e.g. `["task", "start"]`, in another checkout `cwd`) with the given environment
 * and waits until it says where it listens.
 */
export async function startServer(
  env: Record<string, string>,
  timeoutMs = 60_000,
  { cwd = ROOT, args = ["run", "-A", "main.ts"] }: { cwd?: string; args?: string[] } = {},
): Promise<ServerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { PORT: "0", NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output: string[] = [];
  let announce: (url: string) => void;
  const listening = new Promise<string>((resolve) => announce = resolve);
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let partial = "";
    for await (const chunk of stream) {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        output.push(line);
        const match = /Astapa is listening on (\S+)/.exec(line);
        if (match) announce(match[1]);
      }
    }
    if (partial) output.push(partial);
  };
  const drained = Promise.all([collect(child.stdout), collect(child.stderr)]);
  const exited = child.status.then((status) => status.code);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const url = await Promise.race([
    listening,
    exited.then((code) => Promise.reject(new Error(`server exited with ${code}:\n${output.join("\n")}`))),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`server did not start:\n${output.join("\n")}`)), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
  return {
    url,
    output,
    child,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      const code = await exited;
      await drained;
      return code;
    },
  };
}

/** Runs a one-shot command (`main.ts` or `cli.ts …`) to completion; `stdin`, when given, is piped to it. */
export async function run(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code, stdout: decode(stdout), stderr: decode(stderr) };
}
