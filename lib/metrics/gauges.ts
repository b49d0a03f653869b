/**
 * The gauges /metrics reads at scrape time: work waiting in Postgres (one api.metrics_backlog call), this
 * process's database transactions, which RS256 signer is in use, how current its client cache is, and the
 * process's memory and CPU under the names Prometheus's process and Node.js collectors use (so the usual
 * dashboards read them), without their label-per-resource series.
 */
import { cpuUsage } from "node:process";
import type Client from "prom-client";
import type { Deps } from "../app_env.ts";
import { transactions } from "@/db/client.ts";
import { metricsBacklog } from "@/db/metrics.ts";
import { metricsRegistry, promClient } from "./metrics.ts";

/** Made on the first scrape, when prom-client is loaded (lib/metrics/metrics.ts). */
let gauges: ReturnType<typeof makeGauges> | undefined;

/** The gauges, registered in the metrics registry on first use (enableMetrics() first). */
export async function registerGauges(): Promise<NonNullable<typeof gauges>> {
  return gauges ??= makeGauges(await promClient());
}

function makeGauges(client: typeof Client) {
  const registers = [metricsRegistry()];
  return {
    mailOutbox: new client.Gauge({
      name: "astapa_mail_outbox_depth",
      help: "Mail waiting to be sent (not yet given up), deployment-wide.",
      registers,
    }),
    paymentWaiting: new client.Gauge({
      name: "astapa_payment_events_waiting",
      help: "Payment events stored but not yet applied, deployment-wide.",
      registers,
    }),
    paymentLag: new client.Gauge({
      name: "astapa_payment_worker_lag_seconds",
      help: "How long the oldest unapplied payment event has waited (0 when none wait).",
      registers,
    }),
    webhooksWaiting: new client.Gauge({
      name: "astapa_webhook_deliveries_waiting",
      help: "App webhook deliveries pending or being sent, deployment-wide.",
      registers,
    }),
    pool: new client.Gauge({
      name: "astapa_db_pool_connections",
      help:
        "This process's database transactions: in_use (holding a connection), waiting (for one), max (pool size).",
      labelNames: ["state"] as const,
      registers,
    }),
    signer: new client.Gauge({
      name: "astapa_signer_info",
      help: "The RS256 signer in use (1): openssl (libcrypto) or webcrypto.",
      labelNames: ["signer"] as const,
      registers,
    }),
    clientCacheLive: new client.Gauge({
      name: "astapa_client_cache_live",
      help: "1 while this instance's client cache may answer (listening and caught up); 0 when off or down.",
      registers,
    }),
    clientCacheChange: new client.Gauge({
      name: "astapa_client_cache_heard_change",
      help: "The last client change (astapa.client_changes seq) this instance's client cache heard.",
      registers,
    }),
    residentMemory: new client.Gauge({
      name: "process_resident_memory_bytes",
      help: "Resident memory size in bytes.",
      registers,
    }),
    heapTotal: new client.Gauge({
      name: "nodejs_heap_size_total_bytes",
      help: "Process heap size from V8 in bytes.",
      registers,
    }),
    heapUsed: new client.Gauge({
      name: "nodejs_heap_size_used_bytes",
      help: "Process heap size used from V8 in bytes.",
      registers,
    }),
    externalMemory: new client.Gauge({
      name: "nodejs_external_memory_bytes",
      help: "V8 external memory (buffers held by JavaScript objects) in bytes.",
      registers,
    }),
    cpuSeconds: new client.Counter({
      name: "process_cpu_seconds_total",
      help: "Total user and system CPU time spent in seconds.",
      registers,
    }),
    startTime: new client.Gauge({
      name: "process_start_time_seconds",
      help: "Start time of the process since the Unix epoch in seconds.",
      registers,
    }),
  };
}

/** The CPU seconds already counted (the counter grows by what was spent since the last scrape). */
let cpuCounted = 0;

/** Reads the current values into the gauges; the registry's text is the response. */
export async function readGauges(deps: Deps): Promise<void> {
  const [backlog, key] = await Promise.all([metricsBacklog(deps.sql), deps.keys.active()]);
  const {
    mailOutbox,
    paymentWaiting,
    paymentLag,
    webhooksWaiting,
    pool,
    signer,
    clientCacheLive,
    clientCacheChange,
    residentMemory,
    heapTotal,
    heapUsed,
    externalMemory,
    cpuSeconds,
    startTime,
  } = await registerGauges();
  mailOutbox.set(backlog.mailWaiting);
  paymentWaiting.set(backlog.paymentEventsWaiting);
  paymentLag.set(backlog.paymentLagSeconds);
  webhooksWaiting.set(backlog.webhooksWaiting);
  pool.set({ state: "in_use" }, transactions.inUse);
  pool.set({ state: "waiting" }, transactions.waiting);
  pool.set({ state: "max" }, deps.config.databasePoolSize);
  const inUse = key.native ? "openssl" : "webcrypto";
  signer.set({ signer: inUse }, 1);
  signer.set({ signer: inUse === "openssl" ? "webcrypto" : "openssl" }, 0);
  clientCacheLive.set(deps.verifiedClients?.live ? 1 : 0);
  clientCacheChange.set(deps.verifiedClients?.heardChange ?? 0);
  const memory = Deno.memoryUsage();
  residentMemory.set(memory.rss);
  heapTotal.set(memory.heapTotal);
  heapUsed.set(memory.heapUsed);
  externalMemory.set(memory.external);
  const cpu = cpuUsage();
  const spent = (cpu.user + cpu.system) / 1e6;
  cpuSeconds.inc(Math.max(0, spent - cpuCounted));
  cpuCounted = Math.max(cpuCounted, spent);
  startTime.set(Math.round(performance.timeOrigin / 1000));
}
