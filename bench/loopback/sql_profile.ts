/**
 * Where a grant's Postgres time goes: runs refresh_token (or authorization_code) under load against a fresh
 * server with track_functions = all and prints each SQL function's calls and self time per request.
 * Usage: deno run -A bench/loopback/sql_profile.ts [refresh|code]
 * PROFILE_ENV='{"ASTAPA_DB_POOL_SIZE":"4"}' adds to the server's environment, PROFILE_CPU_DIR writes its V8
 * profile there, PROFILE_SQL runs an experiment (as the owner) before the load, PROFILE_TRACK=none leaves
 * track_functions off (CPU without the counting's cost), PROFILE_PERF=FILE records Linux perf samples of the
 * cluster's processes during the load and prints its top symbols, PROFILE_HEAP=PORT samples the server's
 * allocations through the inspector on that port (./allocations.ts).
 */
import {
  analyze,
  issueCodes,
  issueCodesAcrossPeople,
  issueUserCodes,
  seed,
  startDatabase,
} from "./fixtures.ts";
import { inspectFlag, startAllocationSampling } from "./allocations.ts";
import { load, refreshChains } from "./drive.ts";
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

const which = Deno.args[0] ?? "refresh";
const seconds = Number(Deno.env.get("BENCH_SECONDS") ?? 5);
const db = await startDatabase();
try {
  // Counting calls costs each call a little: PROFILE_TRACK=none measures CPU without it (and lists no functions).
  const track = Deno.env.get("PROFILE_TRACK") === "none" ? "none" : "all";
  await db.sql.unsafe(`alter system set track_functions = '${track}'`);
  await db.sql`select pg_reload_conf()`;
  const s = await seed(db.sql);
  const port = freePort();
  const server = await startServer({
    name: "astapa",
    command: Deno.execPath(),
    args: [
      "run",
      "-A",
      ...ASTAPA_RUN_FLAGS,
      ...inspectFlag(),
      ...(Deno.env.get("PROFILE_CPU_DIR")
        ? ["--cpu-prof", `--cpu-prof-dir=${Deno.env.get("PROFILE_CPU_DIR")}`]
        : []),
      await startEntry(new URL("../..", import.meta.url).pathname),
    ],
    port,
    readyPath: "/.well-known/openid-configuration",
    env: { ...astapaEnv(db.url, port), ...JSON.parse(Deno.env.get("PROFILE_ENV") ?? "{}") },
  });
  const headers = {
    authorization: basic(s.project.clientId, s.project.secret),
    "content-type": "application/x-www-form-urlencoded",
  };
  const redeem = {
    grant_type: "authorization_code",
    redirect_uri: s.project.redirectUri,
    code_verifier: s.verifier,
  };
  const scenario = which === "refresh"
    ? {
      kind: "refresh" as const,
      form: { grant_type: "refresh_token" },
      credentials: await refreshChains(server, await issueUserCodes(db.sql, s, 50), headers, redeem),
    }
    : {
      kind: "code" as const,
      form: redeem,
      credentials: Deno.env.get("PROFILE_ONE_PERSON")
        ? await issueCodes(db.sql, s, 1500 * (seconds + 1), "openid")
        : await issueCodesAcrossPeople(db.sql, s, 1500 * (seconds + 1), "openid"),
    };
  // An experiment, run as the owner once the data is in, before the load: PROFILE_SQL="drop index …".
  const experiment = Deno.env.get("PROFILE_SQL");
  if (experiment) await db.sql.unsafe(experiment);
  await analyze(db.sql);
  await db.sql`select pg_stat_reset()`;
  await db.sql`select pg_stat_reset_slru()`;
  const before = { server: cpuSeconds([server.pid]), postgres: cpuSeconds(db.processes()) };
  const threadsBefore = threadCpuSeconds(server.pid);
  // PROFILE_PERF=FILE: Linux perf samples the whole machine during the load; the report keeps this cluster's.
  const perfFile = Deno.env.get("PROFILE_PERF");
  const perf = perfFile
    ? new Deno.Command("perf", {
      args: [
        "record",
        "-e",
        "cpu-clock",
        "-F",
        "999",
        "-g",
        "-a",
        "-o",
        perfFile,
        "--",
        "sleep",
        String(seconds),
      ],
      stdout: "null",
      stderr: "null",
    }).spawn()
    : null;
  const stopHeap = await startAllocationSampling();
  const result = await load({
    url: server.origin + "/api/platform/token",
    method: "POST",
    headers,
    concurrency: 50,
    durationMs: seconds * 1000,
    warmupMs: 0,
    ...scenario,
  });
  await stopHeap?.(result.requests);
  const cpu = {
    server: cpuSeconds([server.pid]) - before.server,
    postgres: cpuSeconds(db.processes()) - before.postgres,
  };
  console.log(
    "CPU per request: server",
    (cpu.server / result.requests * 1e6).toFixed(0),
    "µs, postgres",
    (cpu.postgres / result.requests * 1e6).toFixed(0),
    "µs; server by thread:",
    perRequestByThread(threadsBefore, threadCpuSeconds(server.pid), result.requests),
  );
  if (perf && perfFile) {
    await perf.status;
    const report = await new Deno.Command("perf", {
      args: [
        "report",
        "-i",
        perfFile,
        "--pid",
        db.processes().join(","),
        "--no-children",
        "-g",
        "none",
        "--percentage",
        "relative",
        "--sort",
        "symbol",
        "--stdio",
      ],
      stderr: "null",
    }).output();
    const lines = new TextDecoder().decode(report.stdout).split("\n").filter((line) => line.includes("%"));
    console.log("Postgres's own CPU samples, top 25 symbols:\n" + lines.slice(0, 25).join("\n"));
  }
  await new Promise((r) => setTimeout(r, 600)); // function statistics are flushed at most every 500 ms
  const { requests } = result;
  console.log(
    which,
    Math.round(result.rps),
    "req/s",
    "p50",
    result.p50,
    "p99",
    result.p99,
    "requests",
    requests,
  );
  const rows = await db.sql`
    select schemaname || '.' || funcname as name, calls, round(total_time::numeric, 1) as total_ms,
           round(self_time::numeric, 1) as self_ms
    from pg_stat_user_functions order by self_time desc limit 40`;
  const total = rows.reduce((sum, r) => sum + Number(r.self_ms), 0);
  console.log("self ms per request (top 40 sum):", (total / requests).toFixed(3));
  for (const r of rows) {
    console.log(
      String(r.name).padEnd(50),
      (Number(r.calls) / requests).toFixed(2).padStart(6),
      (Number(r.self_ms) / requests * 1000).toFixed(0).padStart(6) + " µs self",
      (Number(r.total_ms) / requests * 1000).toFixed(0).padStart(6) + " µs total",
    );
  }
  const tables = await db.sql`
    select relname, seq_scan, idx_scan, n_tup_ins, n_tup_upd, n_tup_hot_upd from pg_stat_user_tables
    where seq_scan > 0 or idx_scan > 0 order by coalesce(seq_scan,0) + coalesce(idx_scan,0) desc limit 15`;
  for (const t of tables) {
    console.log(
      t.relname,
      "seq",
      t.seq_scan,
      "idx",
      t.idx_scan,
      "ins",
      t.n_tup_ins,
      "upd",
      t.n_tup_upd,
      "hot",
      t.n_tup_hot_upd,
    );
  }
  const indexes = await db.sql`
    select indexrelname, idx_scan, idx_tup_read from pg_stat_user_indexes where idx_scan > 0
    order by idx_tup_read desc limit 12`;
  for (const i of indexes) console.log(i.indexrelname, "scans", i.idx_scan, "entries read", i.idx_tup_read);
  const slru = await db
    .sql`select name, blks_zeroed, blks_hit, blks_read, blks_written from pg_stat_slru where name ilike 'multi%'`;
  for (const r of slru) {
    console.log(r.name, "zeroed", r.blks_zeroed, "hit", r.blks_hit, "written", r.blks_written);
  }
  await server.stop();
} finally {
  await db.stop();
}
