/** Server processes for the loopback benchmarks: start, wait until they answer, sample RSS, stop. */

import denoJson from "@/deno.json" with { type: "json" };

/**
 * How `deno task start` runs Astapa, read from the task in deno.json: glibc's malloc arenas capped at 2
 * (MALLOC_ARENA_MAX), V8's young generation capped at 4 MB semi-spaces, which keeps about 25 MB less resident
 * under load, an old-space ceiling of 512 MB, which makes V8 size its heap growth by that ceiling instead
 * of the machine's memory (docs/performance.md, "3. RSS"), and no V8 code cache (its file stays mapped, about
 * 6 MB resident, for no faster start: "Session 16").
 */
const START_WORDS = denoJson.tasks.start.split(/\s+/);
export const ASTAPA_RUN_ENV: Record<string, string> = Object.fromEntries(
  START_WORDS.filter((word) => /^[A-Z_]+=/.test(word)).map((word) => word.split("=", 2)),
);
/** Every `deno run` flag of the task but `-A`, which the bench gives each server itself. */
export const ASTAPA_RUN_FLAGS = START_WORDS.filter((word) => word.startsWith("--"));

/**
 * The module `deno task start` runs in the checkout at `dir` (absolute): since session 20 the JavaScript
 * that `deno task build` writes to _build/, built here first; main.ts in older checkouts (`bench compare`).
 */
export async function startEntry(dir: string): Promise<string> {
  const root = Deno.realPathSync(dir);
  const task: string = JSON.parse(await Deno.readTextFile(`${root}/deno.json`)).tasks.start;
  const entry = task.split(/\s+/).findLast((word) => /\.(ts|js)$/.test(word))!;
  if (/\bdeno task build\b/.test(task)) {
    const { success } = await new Deno.Command(Deno.execPath(), { args: ["task", "-q", "build"], cwd: root })
      .spawn().status;
    if (!success) throw new Error(`deno task build failed in ${root}`);
  }
  return `${root}/${entry}`;
}

/** The master key every benchmarked Astapa shares (they share one database). */
export const BENCH_MASTER_KEY = "bench-master-key-bench-master-key-0123456789";

/** The environment of an Astapa instance under test on 127.0.0.1:port. */
export function astapaEnv(databaseUrl: string, port: number): Record<string, string> {
  return {
    ...ASTAPA_RUN_ENV,
    DATABASE_URL: databaseUrl,
    ASTAPA_MASTER_KEY: BENCH_MASTER_KEY,
    PORT: String(port),
    HOSTNAME: "127.0.0.1",
    ASTAPA_BASE_URL: `http://127.0.0.1:${port}`,
    ASTAPA_LOG_LEVEL: "info",
    PWNED_PASSWORDS_URL: "off", // a benchmark never waits on the internet
  };
}

export type ServerProcess = {
  name: string;
  origin: string;
  pid: number;
  /** Highest resident set size seen since the last `resetRss()`, in MB. */
  peakRssMb(): number;
  resetRss(): void;
  stop(): Promise<void>;
};

/** A free loopback port (the OS picks one; the listener is closed before the server binds it). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Spawns `command args`, waits until GET `readyPath` answers below 500, and samples its RSS every 100 ms. */
export async function startServer(options: {
  name: string;
  command: string;
  args: string[];
  port: number;
  env?: Record<string, string>;
  readyPath: string;
  /** Where Deno finds its deno.json (its compiler options and imports): the server's own checkout. */
  cwd?: string;
}): Promise<ServerProcess> {
  const origin = `http://127.0.0.1:${options.port}`;
  const child = new Deno.Command(options.command, {
    args: options.args,
    env: options.env,
    cwd: options.cwd,
    stdout: "null", // request logs stay on (as in production) but are not kept
    stderr: "piped",
  }).spawn();
  const stderr: string[] = [];
  (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      stderr.push(chunk);
      if (stderr.length > 50) stderr.shift();
    }
  })();
  let exited = false;
  child.status.then(() => exited = true);

  const deadline = performance.now() + 60_000;
  while (true) {
    if (exited) throw new Error(`${options.name} exited during start:\n${stderr.join("")}`);
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${options.name} did not answer within 60 s:\n${stderr.join("")}`);
    }
    try {
      const res = await fetch(origin + options.readyPath);
      await res.body?.cancel();
      if (res.status < 500) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, rssMb(child.pid));
  };
  sample();
  const timer = setInterval(sample, 100);
  return {
    name: options.name,
    origin,
    pid: child.pid,
    peakRssMb: () => {
      sample();
      return peak;
    },
    resetRss: () => {
      peak = rssMb(child.pid);
    },
    async stop() {
      clearInterval(timer);
      if (!exited) child.kill("SIGTERM");
      const timeout = setTimeout(() => !exited && child.kill("SIGKILL"), 10_000);
      await child.status;
      clearTimeout(timeout);
    },
  };
}

/** VmRSS of a process in MB (0 once it has gone). */
export function rssMb(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

/** User + system CPU seconds of these processes (from /proc; clock ticks of 100 Hz). */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch { /* gone */ }
  }
  return ticks / 100;
}

/**
 * CPU seconds of one process by thread kind: `deno` (the JavaScript thread), `tokio-runtime-w` (Deno's
 * blocking pool, where OpenSSL signs), `V8 DefaultWorke` (V8's GC and compiler helpers), …; threads that
 * ended since are not counted.
 */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const kinds = new Map<string, number>();
  for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      const kind = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/comm`).trim();
      const fields = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/stat`).split(") ")[1].split(" ");
      kinds.set(kind, (kinds.get(kind) ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100);
    } catch { /* gone */ }
  }
  return kinds;
}

/** µs of CPU per request by thread kind between two threadCpuSeconds readings, e.g. "deno 290, tokio-runtime-w 410". */
export function perRequestByThread(
  before: Map<string, number>,
  after: Map<string, number>,
  requests: number,
): string {
  return [...after].map(([kind, seconds]) =>
    [kind, (seconds - (before.get(kind) ?? 0)) / requests * 1e6] as const
  )
    .filter(([, us]) => us >= 1)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, us]) => `${kind} ${Math.round(us)}`)
    .join(", ");
}
