/**
 * `deno task bench`: in-process benchmarks (`deno bench bench/`), then the loopback suite — real servers on
 * 127.0.0.1, load from a separate process, every figure beside baselines measured in the same run.
 *   deno task bench              micro, loopback and rss
 *   deno task bench loopback     the loopback suite only (BENCH_SECONDS=5, BENCH_CONCURRENCY=50)
 *   deno task bench micro        `deno bench` only
 *   deno task bench compare DIR  this tree's server against DIR's, alternating rounds (bench/compare.ts)
 *   deno task bench growth       how cost grows: 1M refresh tokens and codes, EXPLAIN ANALYZE (bench/growth.ts)
 *   deno task bench import       user import/export through the CLI: users/s, rows/s, peak RSS (bench/import_bench.ts)
 *   deno task bench rss [DIR]    idle RSS and RSS after token requests, fresh server per round (bench/rss.ts)
 * Everything it starts (Postgres in a temp folder, servers, load processes) stops when it ends.
 */
import { inProcessSignRates, opensslSpeed } from "./loopback/baselines.ts";
import {
  analyze,
  issueCodesAcrossPeople,
  issueUserCodes,
  loginPagePath,
  SCOPE,
  seed,
  startDatabase,
} from "./loopback/fixtures.ts";
import type { Scenario } from "./loopback/load.ts";
import { load, refreshChains } from "./loopback/drive.ts";
import { baselineLines, type Baselines, type Row, scaling, table, targets } from "./loopback/report.ts";
import {
  ASTAPA_RUN_FLAGS,
  astapaEnv,
  BENCH_MASTER_KEY,
  freePort,
  type ServerProcess,
  startEntry,
  startServer,
} from "./loopback/servers.ts";
import { seedPayments, startXendit, webhookToPlan } from "./loopback/payments.ts";
import { loginPageScript } from "./loopback/login_page.ts";
import { basic } from "../tests/helpers/oauth.ts";
import { growth } from "./growth.ts";
import { compare } from "./compare.ts";
import { importBench } from "./import_bench.ts";
import { rss } from "./rss.ts";
import { deriveMasterKeys } from "../lib/tokens/master_key.ts";

const SECONDS = Number(Deno.env.get("BENCH_SECONDS") ?? 5);
const CONCURRENCY = Number(Deno.env.get("BENCH_CONCURRENCY") ?? 50);
/** Runs only the scenarios whose name matches (a regular expression), e.g. BENCH_ONLY=client_credentials. */
const ONLY = new RegExp(Deno.env.get("BENCH_ONLY") ?? "");
/** A folder for a V8 CPU profile of the (OpenSSL-signing) Astapa server, written when it stops. */
const CPU_PROF = Deno.env.get("BENCH_CPU_PROF");
const deno = Deno.execPath();
/** The rows of the two-instance scenarios end with this (BENCH_ONLY="2 instances" runs just them). */
const INSTANCES_ROW = "2 instances";
const here = (path: string) => new URL(path, import.meta.url).pathname;

/** `growth` (1M refresh tokens, EXPLAIN ANALYZE) is slow, so it runs only when named. */
const parts = Deno.args.length ? Deno.args : ["micro", "loopback", "rss"];
if (parts.includes("micro")) {
  const { success } = await new Deno.Command(deno, { args: ["bench", "-A", here("./")] }).spawn().status;
  if (!success) Deno.exit(1);
}
if (parts.includes("loopback")) await loopback();
if (parts.includes("growth")) await growth();
if (parts.includes("import")) await importBench();
if (parts[0] === "compare") await compare(parts[1] ?? "");
if (parts[0] === "rss") await rss(parts[1]);
else if (parts.includes("rss")) await rss();

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
  let loginScriptKb: number | null = null;
  try {
    const db = await startDatabase();
    stops.push(() => db.stop());
    const s = await seed(db.sql);
    await seedPayments(db.sql, s, await deriveMasterKeys(BENCH_MASTER_KEY));
    const xendit = startXendit();
    stops.push(() => xendit.close());
    const auth = { authorization: basic(s.project.clientId, s.project.secret) };
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const entry = await startEntry(here(".."));

    const start = async (name: string, command: string, args: (port: number) => string[], extra = {}) => {
      const port = freePort();
      const server = await startServer({
        name,
        command,
        args: args(port),
        port,
        readyPath: "/.well-known/openid-configuration",
        env: {
          ...astapaEnv(db.url, port),
          XENDIT_BASE_URL: xendit.url,
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
    const astapa = await start(
      "astapa",
      deno,
      () => ["run", "-A", ...ASTAPA_RUN_FLAGS, ...profile, entry],
    );
    const webcrypto = await start(
      "astapa-webcrypto",
      deno,
      () => ["run", "-A", ...ASTAPA_RUN_FLAGS, entry],
      {
        ASTAPA_RS256_SIGNER: "webcrypto",
      },
    );
    const peer = await startPeer(start, s.project.clientId, s.project.secret);

    /** Several servers share the load evenly; the row's RSS is the largest of their peaks. */
    const measure = async (
      name: string,
      note: string,
      server: ServerProcess | ServerProcess[],
      scenario: Partial<Scenario>,
    ) => {
      if (!ONLY.test(name)) return;
      const servers = Array.isArray(server) ? server : [server];
      await analyze(db.sql);
      for (const one of servers) one.resetRss();
      const urls = servers.map((one) => one.origin + scenario.url);
      const result = await load({
        method: "GET",
        headers: {},
        kind: "static",
        concurrency: CONCURRENCY,
        durationMs: SECONDS * 1000,
        warmupMs: 1000,
        ...scenario,
        url: urls[0],
        ...(urls.length > 1 ? { urls } : {}),
      });
      rows.push({ name, note, result, rssMb: Math.max(...servers.map((one) => one.peakRssMb())) });
      console.log(`  ${name}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99.toFixed(1)} ms`);
    };
    const clientCredentials: Partial<Scenario> = {
      url: "/api/platform/token",
      method: "POST",
      headers: { ...auth, ...form },
      form: { grant_type: "client_credentials", scope: SCOPE },
    };

    await measure("hello-world", "Deno.serve returning a string", hello, { url: "/" });
    await measure(
      "hello-world (Deno fetch generator)",
      "the generator of refresh_token and authorization_code (single-use credentials)",
      hello,
      { url: "/", generator: "deno" },
    );
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

    /**
     * Issue 24, item 5: the same two scenarios on two instances sharing one Postgres (the load split evenly).
     * On two cores, a rate that does not grow says the limit is the machine (Postgres, the signer, the
     * generator), not one instance's event loop.
     */
    const twoInstances = async () => {
      const names = ["client_credentials", "refresh_token"].map((grant) => `${grant}, ${INSTANCES_ROW}`);
      if (!names.some((name) => ONLY.test(name))) return;
      const second = await start(
        "astapa-2",
        deno,
        () => ["run", "-A", ...ASTAPA_RUN_FLAGS, entry],
      );
      const both = [astapa, second];
      await measure(names[0], "the load split between them", both, clientCredentials);
      // Fresh chains: the single-instance row's tokens have rotated (reusing one would revoke its chain).
      await measure(names[1], "fresh chains, split between them", both, await refreshing());
      await second.stop(); // also in `stops`; stopping twice is harmless
    };

    const redeem = {
      grant_type: "authorization_code",
      redirect_uri: s.project.redirectUri,
      code_verifier: s.verifier,
    };
    /** One refresh chain per connection, each started by a real code redemption. */
    const refreshing = async (): Promise<Partial<Scenario>> => ({
      url: "/api/platform/token",
      method: "POST",
      headers: { ...auth, ...form },
      kind: "refresh",
      form: { grant_type: "refresh_token" },
      credentials: await refreshChains(astapa, await issueUserCodes(db.sql, s, CONCURRENCY), auth, redeem),
    });
    await measure("refresh_token", "rotation (DB write), 1 signature", astapa, await refreshing());
    await twoInstances();
    const codes = await issueCodesAcrossPeople(db.sql, s, Math.max(2000, 1500 * (SECONDS + 1)), "openid");
    await measure("authorization_code", "PKCE S256, scope openid: access + id token (2 signatures)", astapa, {
      url: "/api/platform/token",
      method: "POST",
      headers: { ...auth, ...form },
      kind: "code",
      form: redeem,
      credentials: codes,
    });
    const script = await loginPageScript(`${astapa.origin}${loginPagePath(s)}`);
    await measure(
      "hosted login page",
      `GET /auth/login (valid client and redirect URI), Preact SSR; ${script.note}`,
      astapa,
      { url: loginPagePath(s) },
    );
    loginScriptKb = script.gzipKb;
    const webhook = "payment webhook → plan in refreshed JWT";
    if (ONLY.test(webhook)) {
      astapa.resetRss();
      const samples = Number(Deno.env.get("BENCH_WEBHOOK_SAMPLES") ?? 100);
      const { result, refreshesPerSample, callbackP50 } = await webhookToPlan({
        sql: db.sql,
        seed: s,
        origin: astapa.origin,
        xendit,
        samples,
      });
      rows.push({
        name: webhook,
        note: `latency, ${result.requests} sequential samples after 5 not counted: ` +
          `POST /api/webhooks/xendit (SUCCEEDED) until a ` +
          `refresh carries plan "pro" (callback answered in ${callbackP50.toFixed(1)} ms p50; ` +
          `${refreshesPerSample.toFixed(2)} refreshes per sample)`,
        result,
        rssMb: astapa.peakRssMb(),
      });
      console.log(`  ${webhook}: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms`);
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error) => console.error("cleanup:", error));
  }
  console.log(
    `\n${baselineLines(baselines)}\n\n${table(rows, baselines)}\n\nTargets (issue 24):\n\n${
      targets(rows, baselines, { loginScriptKb })
    }\n\nTwo instances on one Postgres (issue 24, item 5):\n\n${scaling(rows, INSTANCES_ROW)}`,
  );
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
