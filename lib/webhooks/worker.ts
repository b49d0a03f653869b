/**
 * Delivers app webhooks from the outbox (astapa.webhook_deliveries). Every instance runs one worker; they
 * share the work through Postgres: due rows are claimed per project with FOR UPDATE SKIP LOCKED under a lease,
 * so each attempt goes to one worker. The worker wakes on NOTIFY astapa_events, on a periodic sweep (missed
 * notifications, expired leases, retries due) and when a retry it scheduled falls due; at start it works
 * through the backlog. stop() lets attempts in flight finish and be recorded, so a restart does not send them
 * again. Delivery is at least once: a process killed mid-attempt is retried after its lease, with the same
 * webhook-id for the app to deduplicate on.
 */
import type { Sql } from "@/db/client.ts";
import {
  type ClaimedDelivery,
  claimWebhookDeliveries,
  projectsWithDueWebhooks,
  recordWebhookAttempt,
} from "@/db/webhooks.ts";
import { log } from "../http/log.ts";
import { openWebhookSecret, signatureHeaders } from "./signature.ts";
import type { TargetDecision } from "./address_guard.ts";
import { postPinned } from "./pinned_request.ts";
import { countWebhookAttempt } from "../metrics/metrics.ts";
import { payloadProject, ProjectWakeups } from "../project_wakeups.ts";

/** Seconds before retry n (n = attempts so far): 10 s, 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, then give up. */
export const RETRY_SCHEDULE = [10, 60, 300, 1800, 7200, 21600, 43200];

export type WebhookWorkerOptions = {
  sql: Sql;
  /** The master key that opens endpoint secrets. */
  sealing: CryptoKey;
  /** Attempts before a delivery is marked failed (default: the retry schedule's length + 1). */
  maxAttempts?: number;
  /** Seconds to wait after failed attempt number `attempt` (default: RETRY_SCHEDULE with ±10 % jitter). */
  backoffSeconds?: (attempt: number) => number;
  sweepSeconds?: number;
  timeoutMs?: number;
  leaseSeconds?: number;
  batchSize?: number;
  /**
   * Asked before each attempt: a reason not to send to `url` for this project (the SSRF guard, see
   * address_guard.ts productionTargetCheck), or the address to send to (the one checked; null: by name).
   * Default: always send, by name.
   */
  checkTarget?: (projectId: string, url: string) => Promise<TargetDecision>;
};

export class WebhookWorker {
  readonly #options: Required<WebhookWorkerOptions>;
  #running: Promise<void> | null = null;
  #again = false;
  #stopping = false;
  #sweep: ReturnType<typeof setInterval> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryAt = Infinity;
  #unlisten: (() => Promise<void>) | null = null;
  #wakeups = new ProjectWakeups();

  constructor(options: WebhookWorkerOptions) {
    this.#options = {
      maxAttempts: RETRY_SCHEDULE.length + 1,
      backoffSeconds: (attempt) => {
        const base = RETRY_SCHEDULE[Math.min(attempt, RETRY_SCHEDULE.length) - 1];
        return Math.round(base * (0.9 + Math.random() * 0.2));
      },
      sweepSeconds: 30,
      timeoutMs: 10_000,
      leaseSeconds: 60,
      batchSize: 20,
      checkTarget: () => Promise.resolve({ address: null }),
      ...options,
    };
  }

  /** Listens, starts the sweep, and works through the backlog before resolving. */
  async start(): Promise<void> {
    this.#stopping = false;
    // The third callback runs again after every re-listen (a failover): catch up on what was missed meanwhile.
    const listener = await this.#options.sql.listen(
      "astapa_events",
      (payload) => this.wake(payloadProject(payload)),
      () => this.wake(),
    );
    this.#unlisten = () => listener.unlisten();
    this.#sweep = setInterval(() => this.wake(), this.#options.sweepSeconds * 1000);
    await this.settle();
  }

  /** Stops listening and sweeping; resolves when attempts in flight are sent and recorded. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#sweep);
    clearTimeout(this.#retryTimer);
    this.#retryAt = Infinity;
    await this.#unlisten?.();
    this.#unlisten = null;
    await this.#running;
  }

  /** Asks for a pass over `projectId`'s due deliveries (null: every project's), coalesced with one in progress. */
  wake(projectId: string | null = null): void {
    this.#wakeups.add(projectId);
    void this.#settle().catch((error) => log("error", "webhook worker failed", { error }));
  }

  /** Runs a pass over every project (or joins the one in progress and runs another after it); resolves when done. */
  settle(): Promise<void> {
    this.#wakeups.addEveryProject();
    return this.#settle();
  }

  #settle(): Promise<void> {
    if (this.#stopping) return this.#running ?? Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#drain();
        } while (this.#again && !this.#stopping);
      } finally {
        this.#running = null;
      }
    })();
    return this.#running;
  }

  async #drain(): Promise<void> {
    const { sql, batchSize, leaseSeconds } = this.#options;
    // The projects the wake-ups named, or (null) every project with due deliveries, listed on each round.
    const named = this.#wakeups.take();
    while (!this.#stopping) {
      let claimed = 0;
      for (const projectId of named ?? await projectsWithDueWebhooks(sql)) {
        if (this.#stopping) return;
        const batch = await claimWebhookDeliveries(sql, projectId, batchSize, leaseSeconds);
        claimed += batch.length;
        await Promise.all(batch.map((delivery) => this.#deliver(projectId, delivery)));
      }
      // Nothing claimable (none due, or all claimed by other workers): wait for the next wake-up.
      if (claimed === 0) return;
    }
  }

  /** One attempt of one delivery: to its endpoint's URL, signed with that endpoint's secret. */
  async #deliver(projectId: string, delivery: ClaimedDelivery): Promise<void> {
    const { sql, sealing, timeoutMs, maxAttempts, backoffSeconds, checkTarget } = this.#options;
    let httpStatus: number | null = null;
    let error: string | null = null;
    try {
      const target = await checkTarget(projectId, delivery.url);
      if ("refused" in target) throw new TargetRefused(target.refused);
      const secret = await openWebhookSecret(
        sealing,
        projectId,
        Uint8Array.from(atob(delivery.secret_sealed), (c) => c.charCodeAt(0)),
      );
      const body = JSON.stringify(delivery.event);
      const status = await postPinned({
        url: delivery.url,
        address: target.address,
        headers: {
          "content-type": "application/json",
          "user-agent": "Astapa-Webhooks/1",
          ...(await signatureHeaders(secret, delivery.event.id, body)),
        },
        body,
        timeoutMs,
      });
      httpStatus = status;
      if (status < 200 || status >= 300) error = `The endpoint answered ${status}.`;
    } catch (cause) {
      error = cause instanceof TargetRefused
        ? cause.message
        : cause instanceof Error
        ? `${cause.name}: ${cause.message}`
        : String(cause);
    }
    const delivered = httpStatus !== null && httpStatus >= 200 && httpStatus < 300;
    const retryIn = delivered || delivery.attempt >= maxAttempts ? null : backoffSeconds(delivery.attempt);
    const outcome = await recordWebhookAttempt(sql, projectId, {
      deliveryId: delivery.delivery_id,
      attempt: delivery.attempt,
      httpStatus,
      error,
      retryIn,
    });
    log(delivered ? "info" : "warn", "webhook attempt", {
      project_id: projectId,
      endpoint_id: delivery.endpoint_id,
      event_id: delivery.event.id,
      attempt: delivery.attempt,
      http_status: httpStatus,
      outcome,
    });
    countWebhookAttempt(delivered ? "delivered" : outcome === "failed" ? "failed" : "retry");
    if (outcome === "pending" && retryIn !== null) this.#wakeIn(retryIn, projectId);
  }

  /** A retry is due in `seconds`: make sure a pass runs then, not only at the next sweep. */
  #wakeIn(seconds: number, projectId: string): void {
    if (seconds <= 0) {
      this.#wakeups.add(projectId);
      this.#again = true;
      return;
    }
    const at = Date.now() + seconds * 1000;
    if (at >= this.#retryAt || this.#stopping) return;
    clearTimeout(this.#retryTimer);
    this.#retryAt = at;
    this.#retryTimer = setTimeout(() => {
      this.#retryAt = Infinity;
      this.wake();
    }, at - Date.now());
  }
}

/** The attempt was not made: the target is not allowed (recorded as the attempt's error, then retried). */
class TargetRefused extends Error {
  constructor(reason: string) {
    super(`Not sent: ${reason}`);
  }
}
