/**
 * Applies stored Xendit callbacks. Every instance runs one: it LISTENs on astapa_payment_events (a wake-up
 * call only — the table is the truth), drains the backlog when it starts and after every re-listen, and applies
 * each event in its own transaction through api.apply_payment_event (FOR UPDATE SKIP LOCKED), so instances share
 * the work and an instance dying mid-batch leaves its in-flight event to the next drain. A drain that fails
 * (mid-failover the database retry budget runs out) is tried again, and a periodic sweep picks up any row whose
 * NOTIFY was lost: without both, a row stored during a failover could wait for the next callback forever.
 */
import { asApp, type Sql } from "@/db/client.ts";
import { applyPaymentEvent, projectsWithPaymentEvents } from "@/db/payments.ts";
import { log } from "../http/log.ts";
import { queueReceiptMail } from "./receipt_mail.ts";
import { countPaymentEvent } from "../metrics/metrics.ts";
import { payloadProject, ProjectWakeups } from "@/lib/project_wakeups.ts";

export type AppliedEvent = { projectId: string; eventId: number; outcome: string; error?: string };

export type WorkerOptions = {
  /** Called inside each event's transaction after it was applied, before commit (tests stop workers here). */
  beforeCommit?: (event: AppliedEvent) => Promise<void>;
  /** Called after each commit. */
  onApplied?: (event: AppliedEvent) => void;
  /** After a transient failure, the next pass comes this much later at the latest (default 5 s). */
  retryMs?: number;
  /** A pass runs at least this often even without a NOTIFY (default 10 s): a lost wake-up call costs no more. */
  sweepMs?: number;
  /** The deployment's base URL: a paid payment's receipt mail is queued with the event (none when unset). */
  receiptBaseUrl?: string;
};

export class PaymentEventWorker {
  #draining: Promise<void> | null = null;
  #again = false;
  #wakeups = new ProjectWakeups();
  #stopped = false;
  #unlisten: (() => Promise<void>) | null = null;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #sweep: ReturnType<typeof setInterval> | undefined;

  constructor(readonly sql: Sql, readonly options: WorkerOptions = {}) {}

  /** Listens for new events, then drains what is already waiting. */
  async start(): Promise<void> {
    const listener = await this.sql.listen(
      "astapa_payment_events",
      (payload) => void this.#wake(payloadProject(payload)),
      () => void this.drain(),
    );
    this.#unlisten = () => listener.unlisten();
    this.#sweep = setInterval(() => void this.drain(), this.options.sweepMs ?? 10_000);
    await this.drain();
  }

  /** Applies every unprocessed event; concurrent calls coalesce into one more pass. */
  drain(): Promise<void> {
    return this.#wake(null);
  }

  /** A pass over `projectId`'s events (null: every project's), coalesced with any pass already running. */
  #wake(projectId: string | null): Promise<void> {
    this.#wakeups.add(projectId);
    if (this.#draining) {
      this.#again = true;
      return this.#draining;
    }
    this.#draining = (async () => {
      try {
        do {
          this.#again = false;
          await this.#pass();
        } while (this.#again && !this.#stopped);
      } catch (error) {
        // The list of projects could not be read (a failover outlasting the retry budget): the wake-up calls
        // coalesced into this drain — a re-listen's catch-up among them — must not be lost with it.
        if (!this.#stopped) {
          this.#wakeups.addEveryProject();
          log("error", "payment_worker_failed", { error: String(error) });
          this.#retryLater();
        }
      } finally {
        this.#draining = null;
      }
    })();
    return this.#draining;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    clearInterval(this.#sweep);
    await this.#unlisten?.().catch(() => {});
    await this.#draining;
  }

  async #pass(): Promise<void> {
    const projects = this.#wakeups.take() ??
      await asApp(this.sql, null, (tx) => projectsWithPaymentEvents(tx));
    for (const projectId of projects) {
      try {
        await this.#applyAll(projectId);
      } catch (error) {
        // Transient (the event was rolled back and stays first in line): other projects go on, and this
        // one is tried again shortly even if no new callback arrives to wake the worker.
        if (this.#stopped) return;
        log("warn", "payment_event_retry", { project_id: projectId, error: String(error) });
        this.#retryLater();
      }
    }
  }

  #retryLater(): void {
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => void this.drain(), this.options.retryMs ?? 5_000);
  }

  async #applyAll(projectId: string): Promise<void> {
    while (!this.#stopped) {
      const applied = await asApp(this.sql, projectId, async (tx) => {
        const result = await applyPaymentEvent(tx, projectId);
        if (!result) return null;
        if (result.receipt_id && this.options.receiptBaseUrl) {
          await queueReceiptMail(tx, projectId, result.receipt_id, this.options.receiptBaseUrl);
        }
        const event = { projectId, eventId: result.event_id, outcome: result.outcome, error: result.error };
        await this.options.beforeCommit?.(event);
        return event;
      });
      if (!applied) return;
      // An event that cannot be applied is set aside (outcome "error") so the ones after it are not held up.
      log(applied.error ? "error" : "info", "payment_event_applied", {
        project_id: applied.projectId,
        event_id: applied.eventId,
        outcome: applied.outcome,
        ...(applied.error ? { error: applied.error } : {}),
      });
      countPaymentEvent(applied.error ? "set_aside" : "applied");
      this.options.onApplied?.(applied);
    }
  }
}
