/**
 * Profiles one scenario at a time: a fresh Astapa per scenario with a V8 CPU profile, load from autocannon.
 * Usage: deno run -A bench/loopback/profile_one.ts OUT_DIR [jwks|discovery|login|hello|healthz...]
 * OUT_DIR "-" skips the CPU profile; PROFILE_HEAP=PORT samples each server's allocations (./allocations.ts).
 */
import { loginPagePath, SCOPE, seed, startDatabase } from "./fixtures.ts";
import { inspectFlag, startAllocationSampling } from "./allocations.ts";
import { load } from "./drive.ts";
import {
  ASTAPA_RUN_FLAGS,
  astapaEnv,
  cpuSeconds,
  freePort,
  perRequestByThread,
  startEntry,
  startServer,
  threadCpuSeconds,
} from "./servers.ts";
import { basic } from "@/tests/helpers/oauth.ts";

const [out, ...names] = Deno.args;
const seconds = Number(Deno.env.get("BENCH_SECONDS") ?? 5);
const db = await startDatabase();
try {
  const s = await seed(db.sql);
  const urls: Record<string, string> = {
    jwks: "/.well-known/jwks.json",
    discovery: "/.well-known/openid-configuration",
    healthz: "/healthz",
    login: loginPagePath(s),
    cc: "/api/platform/token",
  };
  for (const name of names) {
    const port = freePort();
    const profile = out === "-" ? [] : ["--cpu-prof", `--cpu-prof-dir=${out}/${name}`];
    const server = await startServer({
      name,
      command: Deno.execPath(),
      args: [
        "run",
        "-A",
        ...ASTAPA_RUN_FLAGS,
        ...profile,
        ...inspectFlag(),
        await startEntry(new URL("../..", import.meta.url).pathname),
      ],
      port,
      readyPath: "/.well-known/openid-configuration",
      env: { ...astapaEnv(db.url, port), ...JSON.parse(Deno.env.get("PROFILE_ENV") ?? "{}") },
    });
    const cc = name === "cc";
    const cpuBefore = cpuSeconds([server.pid]);
    const threadsBefore = threadCpuSeconds(server.pid);
    const stopHeap = await startAllocationSampling();
    const result = await load({
      url: server.origin + urls[name],
      method: cc ? "POST" : "GET",
      headers: cc
        ? {
          authorization: basic(s.project.clientId, s.project.secret),
          "content-type": "application/x-www-form-urlencoded",
        }
        : {},
      form: cc ? { grant_type: "client_credentials", scope: SCOPE } : undefined,
      kind: "static",
      concurrency: 50,
      durationMs: seconds * 1000,
      warmupMs: 1000,
    });
    await stopHeap?.(result.requests);
    console.log(
      name,
      Math.round(result.rps),
      "req/s p99",
      result.p99,
      "failures",
      result.failures,
      "rss",
      Math.round(server.peakRssMb()),
      "server CPU µs/request (warm-up included)",
      Math.round((cpuSeconds([server.pid]) - cpuBefore) / result.requests * 1e6),
      "by thread:",
      perRequestByThread(threadsBefore, threadCpuSeconds(server.pid), result.requests),
    );
    await server.stop();
  }
} finally {
  await db.stop();
}
