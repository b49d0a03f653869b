/**
 * `deno task bench compare <other checkout>`: this tree's server against another checkout's (e.g. the commit
 * before a change: `git worktree add /tmp/before HEAD~1`), both on one database, scenario by scenario in
 * alternating rounds (A, B, A, B, …) so that load from other work on the machine hits both alike. Prints the
 * median of each side's rounds and their ratio. BENCH_ROUNDS (default 4), BENCH_SECONDS (default 2),
 * BENCH_CONCURRENCY (default 50), BENCH_ONLY as for the loopback suite. BENCH_THIS_ARGS: extra `deno run`
 * arguments for this tree's server, e.g. V8 flags, and BENCH_THIS_ENV its extra environment (compare with
 * `.` as the other checkout to try a flag or a setting).
 */
import { analyze, issueUserCodes, loginPagePath, SCOPE, seed, startDatabase } from "./loopback/fixtures.ts";
import type { LoadResult, Scenario } from "./loopback/load.ts";
import { load, refreshChains } from "./loopback/drive.ts";
import {
  ASTAPA_RUN_FLAGS,
  astapaEnv,
  freePort,
  type ServerProcess,
  startEntry,
  startServer,
} from "./loopback/servers.ts";
import { basic } from "../tests/helpers/oauth.ts";

const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? 4);
const SECONDS = Number(Deno.env.get("BENCH_SECONDS") ?? 2);
const CONCURRENCY = Number(Deno.env.get("BENCH_CONCURRENCY") ?? 50);
const ONLY = new RegExp(Deno.env.get("BENCH_ONLY") ?? "");
const THIS_ARGS = (Deno.env.get("BENCH_THIS_ARGS") ?? "").split(" ").filter(Boolean);
/** Extra environment for this tree's server, e.g. BENCH_THIS_ENV='ASTAPA_DB_POOL_SIZE=4'. */
const THIS_ENV = Object.fromEntries(
  (Deno.env.get("BENCH_THIS_ENV") ?? "").split(" ").filter(Boolean).map((pair) => pair.split("=", 2)),
);

export async function compare(other: string): Promise<void> {
  const sides = {
    this: await startEntry(new URL("..", import.meta.url).pathname),
    other: await startEntry(other),
  };
  const db = await startDatabase();
  const servers: ServerProcess[] = [];
  try {
    const s = await seed(db.sql);
    const start = async (name: string, main: string, extra: string[] = [], env = {}) => {
      const port = freePort();
      const server = await startServer({
        name,
        command: Deno.execPath(),
        args: ["run", "-A", ...ASTAPA_RUN_FLAGS, ...extra, main],
        port,
        readyPath: "/.well-known/openid-configuration",
        cwd: new URL(".", `file://${main}`).pathname, // each side with its own deno.json
        env: {
          ...astapaEnv(db.url, port),
          ...env,
        },
      });
      servers.push(server);
      return server;
    };
    const a = await start("this", sides.this, THIS_ARGS, THIS_ENV);
    const b = await start("other", sides.other);
    await new Promise((resolve) => setTimeout(resolve, 2000)); // start-up work (e.g. the billing pass) settles
    const idle = `idle RSS after start: this ${a.peakRssMb().toFixed(0)} MB, other ${
      b.peakRssMb().toFixed(0)
    } MB`;
    const auth = { authorization: basic(s.project.clientId, s.project.secret) };
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const redeem = {
      grant_type: "authorization_code",
      redirect_uri: s.project.redirectUri,
      code_verifier: s.verifier,
    };
    const token = { url: "/api/platform/token", method: "POST" as const, headers: { ...auth, ...form } };
    const scenarios: Record<string, (server: ServerProcess) => Promise<Partial<Scenario>>> = {
      JWKS: () => Promise.resolve({ url: "/.well-known/jwks.json" }),
      discovery: () => Promise.resolve({ url: "/.well-known/openid-configuration" }),
      client_credentials: () =>
        Promise.resolve({ ...token, form: { grant_type: "client_credentials", scope: SCOPE } }),
      "hosted login page": () => Promise.resolve({ url: loginPagePath(s) }),
      refresh_token: async (server) => ({
        ...token,
        kind: "refresh",
        form: { grant_type: "refresh_token" },
        credentials: await refreshChains(server, await issueUserCodes(db.sql, s, CONCURRENCY), auth, redeem),
      }),
    };
    console.log(
      `\nthis tree vs ${other}: ${ROUNDS} alternating rounds of ${SECONDS} s, ${CONCURRENCY} in flight; ${idle}.\n`,
    );
    console.log(
      "| scenario | this req/s (rounds) | other req/s (rounds) | this ÷ other | this p50/p99 ms | " +
        "other p50/p99 ms | peak RSS MB this / other (rounds) |",
    );
    console.log("| --- | --- | --- | ---: | --- | --- | --- |");
    for (const [name, scenario] of Object.entries(scenarios)) {
      if (!ONLY.test(name)) continue;
      const results = new Map<ServerProcess, LoadResult[]>([[a, []], [b, []]]);
      // Each round's peak, not only the highest: under load it moves by several MB from round to round with how
      // many requests are in flight when the collector runs (session 28's +8 MB reversed in session 29's run).
      const rss = new Map<ServerProcess, number[]>([[a, []], [b, []]]);
      for (let round = 0; round < ROUNDS; round++) {
        for (const server of round % 2 ? [b, a] : [a, b]) {
          server.resetRss();
          const chosen = await scenario(server);
          await analyze(db.sql);
          const result = await load({
            method: "GET",
            headers: {},
            kind: "static",
            concurrency: CONCURRENCY,
            durationMs: SECONDS * 1000,
            warmupMs: 500,
            ...chosen,
            url: server.origin + chosen.url,
          });
          results.get(server)!.push(result);
          rss.get(server)!.push(server.peakRssMb());
        }
      }
      const median = (values: number[]) => values.toSorted((x, y) => x - y)[Math.floor(values.length / 2)];
      const side = (server: ServerProcess) => {
        const list = results.get(server)!;
        return {
          rps: median(list.map((r) => r.rps)),
          rounds: list.map((r) => r.rps.toFixed(0) + (r.failures ? ` (${r.failures} failed)` : "")).join(
            ", ",
          ),
          latency: `${median(list.map((r) => r.p50)).toFixed(1)} / ${
            median(list.map((r) => r.p99)).toFixed(1)
          }`,
        };
      };
      const [x, y] = [side(a), side(b)];
      const peaks = (server: ServerProcess) => {
        const list = rss.get(server)!;
        return `${Math.max(...list).toFixed(0)} (${list.map((mb) => mb.toFixed(0)).join(", ")})`;
      };
      console.log(
        `| ${name} | ${x.rps.toFixed(0)} (${x.rounds}) | ${y.rps.toFixed(0)} (${y.rounds}) | ${
          (x.rps / y.rps).toFixed(2)
        }× | ${x.latency} | ${y.latency} | ${peaks(a)} / ${peaks(b)} |`,
      );
    }
  } finally {
    for (const server of servers) await server.stop();
    await db.stop();
  }
}
