/**
 * `deno task bench`: in-process benchmarks (`deno bench bench/`), then the loopback suite — real servers on
 * 127.0.0.1, load from a separate process, every figure beside baselines measured in the same run.
 *   deno task bench              both parts
 *   deno task bench loopback     the loopback suite only (BENCH_SECONDS=5, BENCH_CONCURRENCY=50)
 *   deno task bench micro        `deno bench` only
 * Everything it starts (Postgres in a temp folder, servers, load processes) stops when it ends.
 */
import { inProcessSignRates, opensslSpeed } from "./loopback/baselines.ts";
import { issueCodes, SCOPE, seed, startDatabase } from "./loopback/fixtures.ts";
import type { LoadResult, Scenario } from "./loopback/load.ts";
import { baselineLines, type Baselines, type Row, table, targets } from "./loopback/report.ts";
import { freePort, type ServerProcess, startServer } from "./loopback/servers.ts";
import { basic } from "../tests/helpers/oauth.ts";

const SECONDS = Number(Deno.env.get("BENCH_SECONDS") ?? 5);
const CONCURRENCY = Number(Deno.env.get("BENCH_CONCURRENCY") ?? 50);
/** Runs only the scenarios whose name matches (a regular expression), e.g. BENCH_ONLY=client_credentials. */
const ONLY = new RegExp(Deno.env.get("BENCH_ONLY") ?? "");
/** A folder for a V8 CPU profile of the (OpenSSL-signing) Astapa server, written when it stops. */
const CPU_PROF = Deno.env.get("BENCH_CPU_PROF");
const MASTER_KEY = "bench-master-key-bench-master-key-0123456789";
const deno = Deno.execPath();
const here = (path: string) => new URL(path, import.meta.url).pathname;

const parts = Deno.args.length ? Deno.args : ["micro", "loopback"];
if (parts.includes("micro")) {
  const { success } = await new Deno.Command(deno, { args: ["bench", "-A", here("./")] }).spawn().status;
  if (!success) Deno.exit(1);
}
if (parts.includes("loopback")) await loopback();

async function loopback(): Promise<void> {
  const cores = navigator.hardwareConcurrency;
  console.log(`\nLoopback suite: ${SECONDS} s per scenario, ${CONCURRENCY} in flight, ${cores} cores.`);
  console.log("Baselines: openssl speed and in-process RS256…");
  const baselines: Baselines = {
    opensslOneCore: await opensslSpeed(1),
    opensslAllCores: await opensslSpeed(cores),
    cores,
    inProcess: await inProcessSignRates(),
  };

  const stops: (() => Promise<unknown>)[] = [];
  const rows: Row[] = [];
  try {
    const db = await startDatabase();
    stops.push(() => db.stop());
    const s = await seed(db.sql);
    const auth = { authorization: basic(s.project.clientId, s.project.secret) };
    const form = { "content-type": "application/x-www-form-urlencoded" };

    const start = async (name: string, command: string, args: (port: number) => string[], extra = {}) => {
      const port = freePort();
      const server = await startServer({
        name,
        command,
        args: args(port),
        port,
        readyPath: "/.well-known/openid-configuration",
        env: {
          DATABASE_URL: db.url,
          ASTAPA_MASTER_KEY: MASTER_KEY,
          PORT: String(port),
          HOSTNAME: "127.0.0.1",
          ASTAPA_BASE_URL: `http://127.0.0.1:${port}`,
          ASTAPA_LOG_LEVEL: "info",
          ...extra,
        },
      });
      stops.push(() => server.stop());
      return server;
    };
    console.log("Starting servers: hello-world, Astapa (OpenSSL), Astapa (WebCrypto), oidc-provider…");
    const hello = await start(
      "hello",
      deno,
      (port) => ["run", "--allow-net", here("./loopback/hello.ts"), String(port)],
    );
    const profile = CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${CPU_PROF}`] : [];
    const astapa = await start("astapa", deno, () => ["run", "-A", ...profile, here("../main.ts")]);
    const webcrypto = await start("astapa-webcrypto", deno, () => ["run", "-A", here("../main.ts")], {
      ASTAPA_RS256_SIGNER: "webcrypto",
    });
    const peer = await startPeer(start, s.project.clientId, s.project.secret);

    const measure = async (
      name: string,
      note: string,
      server: ServerProcess,
      scenario: Partial<Scenario>,
    ) => {
      if (!ONLY.test(name)) return;
      server.resetRss();
      const result = await load({
        method: "GET",
        headers: {},
        kind: "static",
        concurrency: CONCURRENCY,
        durationMs: SECONDS * 1000,
        warmupMs: 1000,
        ...scenario,
        url: server.origin + scenario.url,
      });
      rows.push({ name, note, result, rssMb: server.peakRssMb() });
      console.log(`  ${name}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99.toFixed(1)} ms`);
    };
    const clientCredentials: Partial<Scenario> = {
      url: "/api/platform/token",
      method: "POST",
      headers: { ...auth, ...form },
      form: { grant_type: "client_credentials", scope: SCOPE },
    };

    await measure("hello-world", "Deno.serve returning a string", hello, { url: "/" });
    await measure("JWKS", "", astapa, { url: "/.well-known/jwks.json" });
    await measure("discovery", "", astapa, { url: "/.well-known/openid-configuration" });
    await measure("client_credentials", "Basic auth, 1 RS256 signature", astapa, clientCredentials);
    await measure(
      "client_credentials (WebCrypto signer)",
      "ASTAPA_RS256_SIGNER=webcrypto",
      webcrypto,
      clientCredentials,
    );
    if (peer) {
      await measure("peer: oidc-provider client_credentials", peer.note, peer.server, {
        ...clientCredentials,
        url: "/token",
      });
    } else {rows.push({
        name: "peer: oidc-provider client_credentials",
        note: "could not start",
        result: null,
        rssMb: null,
      });}

    const redeem = {
      grant_type: "authorization_code",
      redirect_uri: s.project.redirectUri,
      code_verifier: s.verifier,
    };
    const chains = await refreshChains(astapa, await issueCodes(db.sql, s, CONCURRENCY, ""), auth, redeem);
    await measure("refresh_token", "rotation (DB write), 1 signature", astapa, {
      url: "/api/platform/token",
      method: "POST",
      headers: { ...auth, ...form },
      kind: "refresh",
      form: { grant_type: "refresh_token" },
      credentials: chains,
    });
    const codes = await issueCodes(db.sql, s, Math.max(2000, 1500 * (SECONDS + 1)), "openid");
    await measure("authorization_code", "PKCE S256, scope openid: access + id token (2 signatures)", astapa, {
      url: "/api/platform/token",
      method: "POST",
      headers: { ...auth, ...form },
      kind: "code",
      form: redeem,
      credentials: codes,
    });
    rows.push(
      { name: "hosted login page", note: "not built yet (hosted login issue)", result: null, rssMb: null },
      {
        name: "payment webhook → plan in refreshed JWT",
        note: "not built yet (payments issue)",
        result: null,
        rssMb: null,
      },
    );
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error) => console.error("cleanup:", error));
  }
  console.log(
    `\n${baselineLines(baselines)}\n\n${table(rows, baselines)}\n\nTargets (issue 11):\n\n${
      targets(rows, baselines)
    }`,
  );
}

/** Runs one scenario in a separate load-generator process. */
async function load(scenario: Scenario): Promise<LoadResult> {
  const file = await Deno.makeTempFile({ prefix: "astapa-bench-", suffix: ".json" });
  try {
    await Deno.writeTextFile(file, JSON.stringify(scenario));
    const { stdout, stderr, success } = await new Deno.Command(deno, {
      args: ["run", "--allow-net", "--allow-read", here("./loopback/load.ts"), file],
    }).output();
    if (!success) throw new Error(`load generator failed:\n${new TextDecoder().decode(stderr)}`);
    return JSON.parse(new TextDecoder().decode(stdout));
  } finally {
    await Deno.remove(file);
  }
}

/** One refresh token per load worker, each from a real code redemption. */
async function refreshChains(
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

/** oidc-provider under Node (its own runtime) when `node` is installed, else under Deno. */
async function startPeer(
  start: (name: string, command: string, args: (port: number) => string[]) => Promise<ServerProcess>,
  clientId: string,
  secret: string,
): Promise<{ server: ServerProcess; note: string } | null> {
  const script = here("./peer/oidc_provider.mjs");
  await new Deno.Command(deno, { args: ["install"], stdout: "null", stderr: "null" }).output();
  const node = await new Deno.Command("node", { args: ["--version"], stdout: "piped" }).output().catch(() =>
    null
  );
  try {
    if (node?.success) {
      const version = new TextDecoder().decode(node.stdout).trim();
      const server = await start("oidc-provider", "node", (port) => [script, String(port), clientId, secret]);
      return { server, note: `oidc-provider 9.13.3 on Node ${version}, RS256 JWT access tokens, in-memory` };
    }
    const server = await start(
      "oidc-provider",
      deno,
      (port) => ["run", "-A", script, String(port), clientId, secret],
    );
    return { server, note: `oidc-provider 9.13.3 on Deno ${Deno.version.deno}, RS256 JWT access tokens` };
  } catch (error) {
    console.error("peer:", error);
    return null;
  }
}
