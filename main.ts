/** Astapa's server: configuration → database → migrations → islands → app → serve. */
import { ConfigError, loadConfig } from "./config.ts";
import { openDatabase } from "./db/connect.ts";
import { takeOverSignals } from "./db/embedded.ts";
import { migrate, MigrationError } from "./db/migrate.ts";
import { createApp } from "./lib/app.ts";
import { configureLog, log } from "./lib/http/log.ts";
import { acquireInstanceLock, AlreadyRunningError } from "./lib/instance_lock.ts";
import { buildIslands } from "./lib/islands/build.ts";
import { loadMasterKeys } from "./lib/tokens/master_key.ts";
import { scheduleKeyRotation } from "./lib/tokens/key_rotation.ts";
import { scheduleGrantSweep } from "./lib/tokens/grant_sweeper.ts";
import { createDeps } from "./lib/deps.ts";
import { PaymentEventWorker } from "./lib/payments/worker.ts";
import { MailSender } from "./lib/mail/sender.ts";
import { BillingScheduler } from "./lib/payments/billing_scheduler.ts";
import { ReconcileWakeups } from "./lib/payments/reconcile_wakeups.ts";
import { WebhookWorker } from "./lib/webhooks/worker.ts";
import { productionTargetCheck } from "./lib/webhooks/address_guard.ts";
import { BackchannelLogoutWorker } from "./lib/oauth/backchannel_worker.ts";
import { AppleRevocationWorker } from "./lib/login/social/apple_revocation_worker.ts";
import { startServeWorkers } from "./lib/serve_workers.ts";
import { resolve } from "node:path";

async function main(): Promise<void> {
  const config = loadConfig();
  configureLog(config.logLevel);
  if (config.workers > 1 && !config.databaseUrl) {
    throw new ConfigError("Invalid configuration:\n  ASTAPA_WORKERS: above 1 needs DATABASE_URL");
  }
  const lock = config.databaseUrl ? null : await acquireInstanceLock(resolve(config.dataDir), config.baseUrl);
  const masterKeys = await loadMasterKeys(config);
  const database = await openDatabase(config, { asServer: lock !== null });
  const applied = await migrate(database.sql);
  const assets = await buildIslands();
  const deps = await createDeps({ config, sql: database.sql, masterKeys, assets });
  const stopSweep = scheduleGrantSweep(database.sql);
  const stopRotation = config.keyRotationDays
    ? scheduleKeyRotation(deps.keys, config.keyRotationDays)
    : () => {};
  const app = await createApp(deps);
  // Applies Xendit callbacks; drains what arrived while no instance ran before taking new ones. Receipt mails
  // link to this deployment's receipt pages.
  const paymentWorker = new PaymentEventWorker(database.sql, { receiptBaseUrl: config.baseUrl });
  await paymentWorker.start();
  // Without SMTP_URL, mail stays in the outbox (readable by the operator) instead of being sent.
  const mailSender = config.smtpUrl
    ? new MailSender(database.sql, config.smtpUrl, config.mailFrom, {
      fromDomains: config.mailFromDomains,
      baseUrl: config.baseUrl,
    })
    : null;
  await mailSender?.start();
  // Renewals, grace and expiry, reconciliation of stale charges: a pass now, then every minute.
  const billing = new BillingScheduler(deps);
  billing.start();
  // A stopped reconciliation resumed (API, dashboard, CLI) is reconciled now rather than at the next pass.
  const reconcileWakeups = new ReconcileWakeups(database.sql, (projectId) => billing.reconcile(projectId));
  await reconcileWakeups.start();
  // App webhooks go out from this process too; start() first works through what is already waiting.
  const webhooks = new WebhookWorker({
    sql: database.sql,
    sealing: masterKeys.sealing,
    checkTarget: productionTargetCheck(database.sql, config.webhookAllowPrivate),
  });
  await webhooks.start();
  // Logout tokens to the apps a session signed in to, once it ends (docs/tokens.md), through the same SSRF guard.
  const logouts = new BackchannelLogoutWorker({
    sql: database.sql,
    keys: deps.keys,
    issuer: config.baseUrl,
    checkTarget: productionTargetCheck(database.sql, config.webhookAllowPrivate),
  });
  await logouts.start();
  // Apple refresh tokens of deleted accounts and unlinked Apple identities, revoked at Apple (docs/social-login.md).
  const appleRevocations = new AppleRevocationWorker({ deps });
  await appleRevocations.start();

  const server = Deno.serve({
    hostname: config.hostname,
    port: config.port,
    reusePort: config.workers > 1,
    onListen: ({ port }) => {
      const where = config.baseUrlConfigured ? config.baseUrl : `http://localhost:${port}`;
      log("info", "listening", {
        url: where,
        port,
        database: database.location,
        migrations_applied: applied.length,
      });
      console.error(banner(where, database.location));
    },
  }, app.fetch);

  // ASTAPA_WORKERS: more threads serving the same port (SO_REUSEPORT); background work stays here. Not
  // awaited: this thread serves (and stops on a signal) while they load; one that fails ends the process.
  const serveWorkers = config.workers > 1
    ? startServeWorkers(config.workers - 1, assets, server.addr.port)
    : null;
  serveWorkers?.then(
    () => log("info", "serving threads ready", { threads: config.workers }),
    (error) => {
      log("error", "a serving thread failed to start", { error });
      Deno.exit(1);
    },
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log("info", "stopping", { signal });
    let step = "serving";
    // Every step is bounded together: one waiting on a database that is gone (a failover under way), or a
    // response that never ends (an event stream), must not hold the process past a process manager's grace
    // period, whose SIGKILL would also lose this line naming the step (seen once in CI, during a failover).
    let databaseClosed = false;
    const deadlineMs = config.stopTimeoutSeconds * 1000;
    const deadline = setTimeout(async () => {
      log("error", "stop_timed_out", { step, after_ms: deadlineMs });
      // The embedded cluster is this process's to stop, even when the steps before it did not finish.
      if (!databaseClosed) await Promise.race([database.close(), new Promise((r) => setTimeout(r, 8_000))]);
      Deno.exit(1);
    }, deadlineMs);
    const steps: [string, () => unknown][] = [
      ["timers", () => (stopRotation(), stopSweep())],
      ["requests in flight", () => server.shutdown()],
      ["serving threads", async () => await (await serveWorkers)?.stop()],
      ["webhook worker", () => webhooks.stop()],
      ["back-channel logout worker", () => logouts.stop()],
      ["Apple token revocation worker", () => appleRevocations.stop()],
      ["reconcile wake-ups", () => reconcileWakeups.stop()],
      ["billing worker", () => billing.stop()],
      ["caches", () => deps.close()],
      ["payment worker", () => paymentWorker.stop()],
      ["mail sender", () => mailSender?.stop()],
      ["database", () => (databaseClosed = true, database.close())],
      ["embedded database lock", () => lock?.release()],
    ];
    for (const [name, run] of steps) {
      step = name;
      await run();
    }
    clearTimeout(deadline);
    log("info", "stopped", {});
    Deno.exit(0);
  };
  takeOverSignals();
  Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
}

function banner(url: string, dataLocation: string): string {
  return [
    "",
    `  Astapa is listening on ${url}`,
    `  Data: ${dataLocation}`,
    "",
    "  Next steps:",
    `    open ${url}/dashboard`,
    "        the first developer to sign up there owns this deployment",
    '    deno task astapa project create --name "My app" --redirect-uri http://localhost:3000/callback',
    "        or from the terminal: a client_id and client_secret for your app",
    `    open ${url}/docs`,
    "        the quick start, the API reference and the SDK",
    "",
  ].join("\n");
}

try {
  await main();
} catch (error) {
  if (
    error instanceof ConfigError || error instanceof AlreadyRunningError || error instanceof MigrationError
  ) {
    console.error(error.message);
    Deno.exit(error instanceof AlreadyRunningError ? 3 : 1);
  }
  throw error;
}
