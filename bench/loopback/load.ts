/**
 * The load generator of `deno task bench` for single-use credentials (refresh chains, codes), and for every
 * scenario with BENCH_GENERATOR=deno; run as its own process so its CPU is not the server's (repeatable requests
 * go to autocannon by default: bench/loopback/autocannon_load.mjs):
 *   deno run -A bench/loopback/load.ts <scenario.json>
 * Keeps `concurrency` requests in flight on keep-alive connections for `durationMs` (after `warmupMs` not
 * counted) and prints one JSON line: requests, non-2xx/3xx count, req/s, p50/p99 latency in ms.
 * Stops by itself: bounded by time, and by the supply of single-use credentials.
 */
import process from "node:process";

export type Scenario = {
  url: string;
  /** Several instances sharing the load (connections spread evenly); `url` is then the first of them. */
  urls?: string[];
  method: "GET" | "POST";
  headers: Record<string, string>;
  /** "static": the same request every time. "refresh": each worker follows its own refresh-token chain.
   * "code": each request redeems the next authorization code from `credentials`. */
  kind: "static" | "refresh" | "code";
  /** Form body (static), or the form fields added to each single-use credential. */
  form?: Record<string, string>;
  credentials?: string[];
  /** `deno`: this generator even for a repeatable request (the hello-world row that refresh and code compare to). */
  generator?: "deno";
  concurrency: number;
  durationMs: number;
  warmupMs: number;
};

export type LoadResult = {
  requests: number;
  failures: number;
  rps: number;
  p50: number;
  p99: number;
  /** True when single-use credentials ran out before the duration ended. */
  exhausted: boolean;
  /** The generator and its own CPU over the run, as a share of one core (1.0: one core busy). */
  generator?: { name: string; cpu: number; workers?: number };
};

async function run(s: Scenario): Promise<LoadResult> {
  const latencies: number[] = [];
  let failures = 0;
  let exhausted = false;
  const start = performance.now();
  const measureFrom = start + s.warmupMs;
  const end = measureFrom + s.durationMs;
  let measuredEnd = end;
  const codes = s.credentials ? [...s.credentials] : [];
  const cpuBefore = process.cpuUsage();

  const worker = async (index: number) => {
    const url = s.urls ? s.urls[index % s.urls.length] : s.url;
    let refresh = s.kind === "refresh" ? s.credentials![index] : undefined;
    while (performance.now() < end) {
      let form = s.form;
      if (s.kind === "refresh") form = { ...s.form, refresh_token: refresh! };
      if (s.kind === "code") {
        const code = codes.pop();
        if (!code) {
          exhausted = true;
          measuredEnd = Math.min(measuredEnd, performance.now());
          return;
        }
        form = { ...s.form, code };
      }
      const sent = performance.now();
      const res = await fetch(url, {
        method: s.method,
        headers: s.headers,
        body: form ? new URLSearchParams(form).toString() : undefined,
      });
      const body = s.kind === "refresh" ? await res.json() : await res.arrayBuffer();
      const done = performance.now();
      if (res.status >= 400) failures++;
      if (s.kind === "refresh") {
        if (!res.ok) return; // a broken chain cannot continue; failures says so
        refresh = (body as { refresh_token: string }).refresh_token;
      }
      if (sent >= measureFrom && done <= end) latencies.push(done - sent);
    }
  };
  await Promise.all(Array.from({ length: s.concurrency }, (_, i) => worker(i)));
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : NaN;
  const seconds = (measuredEnd - measureFrom) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    generator: { name: "deno fetch", cpu: (cpu.user + cpu.system) / 1000 / (performance.now() - start) },
    requests: latencies.length,
    failures,
    rps: latencies.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
    exhausted,
  };
}

if (import.meta.main) {
  const scenario: Scenario = JSON.parse(await Deno.readTextFile(Deno.args[0]));
  console.log(JSON.stringify(await run(scenario)));
}
