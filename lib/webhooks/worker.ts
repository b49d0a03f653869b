/**
 * Delivers app webhooks from the outbox (astapa.webhook_deliveries), scheduled as every outbox worker is
 * (lib/outbox_worker.ts: per-project claims under a lease, woken by NOTIFY astapa_events, a sweep and its own
 * retries). Delivery is at least once: a process killed mid-attempt is retried after its lease, with the same
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
import { OutboxWorker, type RetryOptions, retryWait, scheduledRetries } from "../outbox_worker.ts";
import { openWebhookSecret, signatureHeaders } from "./signature.ts";
import type { TargetDecision } from "./address_guard.ts";
import { postPinned } from "./pinned_request.ts";
import { countWebhookAttempt } from "../metrics/metrics.ts";

/** Seconds before retry n (n = attempts so far): 10 s, 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, then give up. */
export const RETRY_SCHEDULE = [10, 60, 300, 1800, 7200, 21600, 43200];

export type WebhookWorkerOptions = RetryOptions & {
  sql: Sql;
  /** The master key that opens endpoint secrets. */
  sealing: CryptoKey;
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

export class WebhookWorker extends OutboxWorker<ClaimedDelivery> {
  readonly #options: Required<WebhookWorkerOptions>;

  constructor(options: WebhookWorkerOptions) {
    const full: Required<WebhookWorkerOptions> = {
      ...scheduledRetries(RETRY_SCHEDULE),
      sweepSeconds: 30,
      timeoutMs: 10_000,
      leaseSeconds: 60,
      batchSize: 20,
      checkTarget: () => Promise.resolve({ address: null }),
      ...options,
    };
    super({ ...full, channel: "astapa_events", name: "webhook worker" });
    this.#options = full;
  }

  protected projectsWithWork(): Promise<string[]> {
    return projectsWithDueWebhooks(this.#options.sql);
  }

  protected claim(projectId: string, max: number, leaseSeconds: number): Promise<ClaimedDelivery[]> {
    return claimWebhookDeliveries(this.#options.sql, projectId, max, leaseSeconds);
  }

  /** One attempt of one delivery: to its endpoint's URL, signed with that endpoint's secret. */
  protected async deliver(projectId: string, delivery: ClaimedDelivery): Promise<number | null> {
    const { sql, sealing, timeoutMs, checkTarget } = this.#options;
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
    const retryIn = retryWait(this.#options, delivery.attempt, delivered);
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
    return outcome === "pending" ? retryIn : null;
  }
}

/** The attempt was not made: the target is not allowed (recorded as the attempt's error, then retried). */
class TargetRefused extends Error {
  constructor(reason: string) {
    super(`Not sent: ${reason}`);
  }
}
