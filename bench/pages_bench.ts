/**
 * Page rendering cost, as a ratio to the cheapest request through the same middleware stack (/healthz),
 * measured in the same run: `deno task bench`. No database is touched (the pool connects lazily).
 */
import { createApp } from "../lib/app.ts";
import { loadConfig } from "../config.ts";
import { createPool } from "../db/client.ts";
import { configureLog } from "../lib/http/log.ts";
import { deriveMasterKeys } from "../lib/tokens/master_key.ts";
import { KeyStore } from "../lib/tokens/signing_keys.ts";
import { createSandboxXendit } from "../lib/payments/accounts.ts";

configureLog("error");
const config = loadConfig({
  ASTAPA_BASE_URL: "http://bench.local",
  DATABASE_URL: "postgres://unused@127.0.0.1:1/x",
});
const sql = createPool(config.databaseUrl!);
const masterKeys = await deriveMasterKeys("bench-master-key-bench-master-key-bench");
const app = await createApp({
  config,
  sql,
  assets: { clientScript: "/static/build/bench/lib/islands/client.js" },
  keys: new KeyStore(sql, masterKeys.sealing, config.signer),
  masterKeys,
  xenditSandbox: createSandboxXendit(config, { sql, masterKeys }),
  // No database in this benchmark: the console client is a placeholder the measured pages never use.
  consoleClient: {
    projectId: "proj_bench",
    clientId: "cid_bench",
    redirectUri: "http://bench.local/dashboard/callback",
    signInAvailable: false,
  },
});

Deno.bench({ name: "GET /healthz (JSON, full middleware)", group: "request", baseline: true }, async () => {
  await (await app.request("/healthz")).arrayBuffer();
});

Deno.bench({ name: "GET / (server-rendered page with an island)", group: "request" }, async () => {
  await (await app.request("/", { headers: { accept: "text/html" } })).arrayBuffer();
});

Deno.bench({ name: "GET /missing (HTML error page)", group: "request" }, async () => {
  await (await app.request("/missing", { headers: { accept: "text/html" } })).arrayBuffer();
});
