/**
 * Prometheus metrics (prom-client): what operators ask after an incident — how many sign-ins failed, how slow
 * the token endpoint was, how far behind the payment worker is. Every label takes values from a small fixed
 * set (route patterns, grant types, reasons) — never emails, user ids, paths or secrets — so the number of
 * series stays bounded whatever clients send. Recording is a no-op until enableMetrics() (ASTAPA_METRICS or
 * ASTAPA_METRICS_TOKEN); it is synchronous and allocates no more than prom-client's label key. prom-client
 * (about 20 MB resident) is loaded by enableMetrics(), so a server without metrics never holds it.
 */
import type Client from "prom-client";
import type { Registry } from "prom-client";
import { lazyImport } from "@/lib/lazy_import.ts";

export const promClient = lazyImport(
  "prom-client",
  async (): Promise<typeof Client> => (await import("prom-client")).default,
);

/** The one registry /metrics exposes, and what records into it; undefined until enableMetrics(). */
let live: ReturnType<typeof build> | undefined;

function build(client: typeof Client) {
  const registry = new client.Registry();
  const registers = [registry];
  const httpRequests = new client.Counter({
    name: "astapa_http_requests_total",
    help: "HTTP requests answered, by route pattern, method and status.",
    labelNames: ["route", "method", "status"] as const,
    registers,
  });
  const httpDuration = new client.Histogram({
    name: "astapa_http_request_duration_seconds",
    help: "Time from a request's arrival to its response, by route pattern and method.",
    labelNames: ["route", "method"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const tokensIssued = new client.Counter({
    name: "astapa_tokens_issued_total",
    help: "Access tokens issued, by grant type and environment (sandbox, live; none for client tokens).",
    labelNames: ["grant_type", "environment"] as const,
    registers,
  });
  const signIns = new client.Counter({
    name: "astapa_sign_ins_total",
    help: "Hosted sign-ins, by method (password, google, apple, github, microsoft, …), outcome and reason.",
    labelNames: ["method", "outcome", "reason"] as const,
    registers,
  });
  const lockouts = new client.Counter({
    name: "astapa_lockouts_total",
    help: "Lockouts: an email locked by failed attempts (sign_in, password_reset, verification), " +
      "or a client authentication refused while its client is locked (client).",
    labelNames: ["kind"] as const,
    registers,
  });
  const paymentEvents = new client.Counter({
    name: "astapa_payment_events_total",
    help:
      "Xendit payment events: received (stored), applied, set_aside (failed to apply; needs an operator).",
    labelNames: ["stage"] as const,
    registers,
  });
  const webhookAttempts = new client.Counter({
    name: "astapa_webhook_attempts_total",
    help: "App webhook delivery attempts, by outcome (delivered, retry, failed: gave up).",
    labelNames: ["outcome"] as const,
    registers,
  });
  const passwordBreachChecks = new client.Counter({
    name: "astapa_password_breach_checks_total",
    help:
      "Chosen passwords looked up in Pwned Passwords, by verdict (breached: refused; unavailable: allowed).",
    labelNames: ["verdict"] as const,
    registers,
  });
  const botChecks = new client.Counter({
    name: "astapa_bot_checks_total",
    help:
      "Hosted-login bot checks (Turnstile, hCaptcha), by provider and verdict (passed; missing, failed: " +
      "refused; unavailable: the provider did not answer).",
    labelNames: ["provider", "verdict"] as const,
    registers,
  });
  const databaseConflicts = new client.Counter({
    name: "astapa_db_conflicts_total",
    help: "Transactions Postgres broke off (40P01 deadlock, 40001 serialization failure), by SQLSTATE and " +
      "outcome (retried: run again; gave_up: the third in a row, answered 503).",
    labelNames: ["sqlstate", "outcome"] as const,
    registers,
  });
  return {
    registry,
    databaseConflicts,
    httpRequests,
    httpDuration,
    tokensIssued,
    signIns,
    lockouts,
    paymentEvents,
    webhookAttempts,
    passwordBreachChecks,
    botChecks,
  };
}

export async function enableMetrics(): Promise<void> {
  const client = await promClient();
  live ??= build(client);
}

export function metricsEnabled(): boolean {
  return live !== undefined;
}

/** The registry /metrics exposes (enableMetrics() first). */
export function metricsRegistry(): Registry {
  if (!live) throw new Error("metrics are not enabled");
  return live.registry;
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** One answered request. `route` is the matched route's pattern (e.g. /api/projects/:id), never the path. */
export function observeRequest(route: string, method: string, status: number, seconds: number): void {
  if (!live) return;
  const verb = METHODS.has(method) ? method : "OTHER";
  live.httpRequests.inc({ route, method: verb, status });
  live.httpDuration.observe({ route, method: verb }, seconds);
}

export function countTokenIssued(
  grantType:
    | "authorization_code"
    | "refresh_token"
    | "client_credentials"
    | "device_code"
    | "token_exchange"
    | "jwt_bearer"
    | "anonymous",
  environment: "sandbox" | "live" | "none",
): void {
  live?.tokensIssued.inc({ grant_type: grantType, environment });
}

/** `reason` is a fixed word (a message key), never text from the request. */
export function countSignIn(method: string, outcome: "success" | "failure", reason: string): void {
  live?.signIns.inc({ method, outcome, reason });
}

export function countLockout(kind: "sign_in" | "password_reset" | "verification" | "client"): void {
  live?.lockouts.inc({ kind });
}

export function countPaymentEvent(stage: "received" | "applied" | "set_aside"): void {
  live?.paymentEvents.inc({ stage });
}

export function countWebhookAttempt(outcome: "delivered" | "retry" | "failed"): void {
  live?.webhookAttempts.inc({ outcome });
}

export function countPasswordBreachCheck(verdict: "breached" | "clean" | "unavailable"): void {
  live?.passwordBreachChecks.inc({ verdict });
}

export function countBotCheck(
  provider: "turnstile" | "hcaptcha",
  verdict: "passed" | "missing" | "failed" | "unavailable",
): void {
  live?.botChecks.inc({ provider, verdict });
}

/** A transaction broken off by Postgres (db/conflicts.ts); `sqlstate` is 40001 or 40P01. */
export function countDatabaseConflict(sqlstate: string, outcome: "retried" | "gave_up"): void {
  live?.databaseConflicts.inc({ sqlstate, outcome });
}
