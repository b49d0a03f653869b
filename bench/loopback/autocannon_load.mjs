// The load generator for the bench's repeatable requests (issue 24): autocannon 9 (npm), in its own process,
// under Node when installed (its home runtime) or Deno. Usage: node autocannon_load.mjs <scenario.json>
// Runs `warmupMs` not counted, then `durationMs` with `concurrency` connections, and prints one JSON line: the
// fields of LoadResult (bench/loopback/load.ts) plus the generator's own CPU over the measured part (cpu: share
// of one core; workers: autocannon worker threads), so every table can say whether the generator was the limit.
import autocannon from "autocannon";
import { readFileSync } from "node:fs";

const scenario = JSON.parse(readFileSync(process.argv[2], "utf8"));
const workers = Number(process.env.BENCH_GENERATOR_WORKERS ?? 0);
const options = (seconds) => ({
  url: scenario.urls ?? scenario.url, // several: autocannon spreads the connections over them
  method: scenario.method,
  headers: scenario.headers,
  body: scenario.form ? new URLSearchParams(scenario.form).toString() : undefined,
  connections: scenario.concurrency,
  duration: seconds,
  ...(workers > 0 ? { workers } : {}),
});

if (scenario.warmupMs > 0) await autocannon(options(Math.max(1, Math.round(scenario.warmupMs / 1000))));
const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
const result = await autocannon(options(Math.max(1, Math.round(scenario.durationMs / 1000))));
const cpu = process.cpuUsage(cpuBefore);
const wallMs = performance.now() - wallBefore;
const requests = result.requests.total;
console.log(JSON.stringify({
  requests,
  failures: result.non2xx + result.errors + result.timeouts,
  rps: requests / (result.duration || wallMs / 1000),
  p50: result.latency.p50,
  p99: result.latency.p99,
  exhausted: false,
  generator: { name: "autocannon", cpu: (cpu.user + cpu.system) / 1000 / wallMs, workers },
}));
