/**
 * `deno task bench rss [DIR]`: the server's resident memory, idle and after token requests (issue 24 item 4).
 * Each round starts a fresh server (as `deno task start` runs it, on the bench's database), waits
 * BENCH_RSS_SETTLE_MS (default 3000) after it answers, reads VmRSS (idle), sends BENCH_RSS_REQUESTS (default
 * 300) pairs of JWKS + client_credentials requests one after another, reads VmRSS and VmHWM (after), stops it.
 * With DIR, that checkout's server runs in the same rounds, alternating which goes first, so other work on the
 * machine weighs on both alike, each on a database of its own (an older checkout refuses one a newer migrated).
 * BENCH_ROUNDS (default 3). Numbers, not assertions.
 */
import { SCOPE, seed, startDatabase } from "./loopback/fixtures.ts";
import { ASTAPA_RUN_FLAGS, astapaEnv, freePort, rssMb, startEntry, startServer } from "./loopback/servers.ts";
import { basic } from "../tests/helpers/oauth.ts";

const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? 3);
const REQUESTS = Number(Deno.env.get("BENCH_RSS_REQUESTS") ?? 300);
const SETTLE_MS = Number(Deno.env.get("BENCH_RSS_SETTLE_MS") ?? 3000);

type Sample = { idle: number; after: number; peak: number };

export async function rss(other?: string): Promise<void> {
  const sides: [string, string][] = [["this", await startEntry(new URL("..", import.meta.url).pathname)]];
  if (other) sides.push(["other", await startEntry(other)]);
  // A database each: every start migrates, and an older checkout refuses a database a newer one migrated.
  const databases = new Map<string, Awaited<ReturnType<typeof startDatabase>>>();
  try {
    const tokens = new Map<string, RequestInit>();
    for (const [name] of sides) {
      const db = await startDatabase();
      databases.set(name, db);
      const s = await seed(db.sql);
      tokens.set(name, {
        method: "POST",
        headers: {
          authorization: basic(s.project.clientId, s.project.secret),
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ grant_type: "client_credentials", scope: SCOPE }).toString(),
      });
    }
    const samples = new Map<string, Sample[]>(sides.map(([name]) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, main] of round % 2 ? sides.toReversed() : sides) {
        const port = freePort();
        const server = await startServer({
          name,
          command: Deno.execPath(),
          args: ["run", "-A", ...ASTAPA_RUN_FLAGS, main],
          port,
          readyPath: "/readyz",
          env: astapaEnv(databases.get(name)!.url, port),
        });
        try {
          await new Promise((resolve) => setTimeout(resolve, SETTLE_MS)); // start-up passes (billing) settle
          const idle = rssMb(server.pid);
          for (let i = 0; i < REQUESTS; i++) {
            await (await fetch(`${server.origin}/.well-known/jwks.json`)).body?.cancel();
            const res = await fetch(`${server.origin}/api/platform/token`, tokens.get(name));
            await res.body?.cancel();
            if (res.status !== 200) throw new Error(`${name}: the token endpoint answered ${res.status}`);
          }
          samples.get(name)!.push({ idle, after: rssMb(server.pid), peak: hwmMb(server.pid) });
        } finally {
          await server.stop();
        }
      }
    }
    const median = (values: number[]) => values.toSorted((x, y) => x - y)[Math.floor(values.length / 2)];
    const mb = (values: number[]) =>
      `${median(values).toFixed(0)} (${values.map((v) => v.toFixed(0)).join(", ")})`;
    console.log(
      `\nRSS in MB, median (rounds): idle ${SETTLE_MS / 1000} s after start, then after ${REQUESTS} JWKS + ` +
        `${REQUESTS} client_credentials requests in sequence; peak = VmHWM.\n`,
    );
    console.log("| server | idle | after requests | peak |");
    console.log("| --- | --- | --- | --- |");
    for (const [name] of sides) {
      const list = samples.get(name)!;
      const label = name === "this" ? "this tree" : other;
      console.log(
        `| ${label} | ${mb(list.map((x) => x.idle))} | ${mb(list.map((x) => x.after))} | ${
          mb(list.map((x) => x.peak))
        } |`,
      );
    }
  } finally {
    for (const db of databases.values()) await db.stop();
  }
}

/** VmHWM (the highest VmRSS the process reached) in MB. */
function hwmMb(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}
