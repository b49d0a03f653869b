/**
 * The scheduling every outbox worker shares (app webhooks, lib/webhooks/worker.ts; back-channel logout tokens,
 * lib/oauth/backchannel_worker.ts; Apple token revocations, lib/login/social/apple_revocation_worker.ts). Every instance runs one; they share the work through Postgres: due rows are
 * claimed per project with FOR UPDATE SKIP LOCKED under a lease, so each attempt goes to one worker. The worker
 * wakes on its NOTIFY channel (a payload naming a project visits that project only), on a periodic sweep
 * (missed notifications, expired leases, retries due) and when a retry it scheduled falls due; at start it works
 * through the backlog. stop() lets attempts in flight finish and be recorded, so a restart does not send them
 * again. A subclass says how to find, claim and deliver its rows; the lease and what an attempt's result makes
 * of a row are the same in every outbox's SQL (db/api/outbox.sql).
 */
import type { Sql } from "@/db/client.ts";
import { log } from "./http/log.ts";
import { payloadProject, ProjectWakeups } from "./project_wakeups.ts";

export type OutboxSchedule = {
  sql: Sql;
  /** The NOTIFY channel that says rows were queued. */
  channel: string;
  /** What the log calls this worker when a pass fails. */
  name: string;
  sweepSeconds: number;
  leaseSeconds: number;
  batchSize: number;
};

/** Seconds to wait after failed attempt n: the schedule's nth entry (its last past the end), ±10 % jitter. */
export function jitteredBackoff(schedule: number[]): (attempt: number) => number {
  return (attempt) => {
    const base = schedule[Math.min(attempt, schedule.length) - 1];
    return Math.round(base * (0.9 + Math.random() * 0.2));
  };
}

/** How an outbox retries: the attempts it makes at most, and the wait after failed attempt n. */
export type RetryPolicy = { maxAttempts: number; backoffSeconds: (attempt: number) => number };

/**
 * The retry options every outbox worker takes (a test's shorter schedule): the attempts before a row is marked
 * failed and the seconds to wait after failed attempt `attempt`; each left out is its worker's schedule's.
 */
export type RetryOptions = Partial<RetryPolicy>;

/** The policy of a worker's retry schedule: one attempt more than its waits, each wait ±10 % jitter. */
export const scheduledRetries = (schedule: number[]): RetryPolicy => ({
  maxAttempts: schedule.length + 1,
  backoffSeconds: jitteredBackoff(schedule),
});

/**
 * Seconds until the attempt after `attempt`, or null when there is none: it succeeded or cannot succeed (`over`),
 * or it was the last (SQL then marks the row failed: db/api/outbox.sql).
 */
export const retryWait = (policy: RetryPolicy, attempt: number, over: boolean): number | null =>
  over || attempt >= policy.maxAttempts ? null : policy.backoffSeconds(attempt);

export abstract class OutboxWorker<Row> {
  readonly #schedule: OutboxSchedule;
  #running: Promise<void> | null = null;
  #again = false;
  #stopping = false;
  #sweep: ReturnType<typeof setInterval> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryAt = Infinity;
  #unlisten: (() => Promise<void>) | null = null;
  #wakeups = new ProjectWakeups();

  constructor(schedule: OutboxSchedule) {
    this.#schedule = schedule;
  }

  /** The projects with rows due (across projects: the worker acts for none yet). */
  protected abstract projectsWithWork(): Promise<string[]>;
  /** Claims up to `max` due rows of one project for `leaseSeconds`. */
  protected abstract claim(projectId: string, max: number, leaseSeconds: number): Promise<Row[]>;
  /** One attempt of one row, recorded; returns the seconds until its retry, or null when none is due. */
  protected abstract deliver(projectId: string, row: Row): Promise<number | null>;

  /** Listens, starts the sweep, and works through the backlog before resolving. */
  async start(): Promise<void> {
    this.#stopping = false;
    // The third callback runs again after every re-listen (a failover): catch up on what was missed meanwhile.
    const listener = await this.#schedule.sql.listen(
      this.#schedule.channel,
      (payload) => this.wake(payloadProject(payload)),
      () => this.wake(),
    );
    this.#unlisten = () => listener.unlisten();
    this.#sweep = setInterval(() => this.wake(), this.#schedule.sweepSeconds * 1000);
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

  /** Asks for a pass over `projectId`'s due rows (null: every project's), coalesced with one in progress. */
  wake(projectId: string | null = null): void {
    this.#wakeups.add(projectId);
    void this.#settle().catch((error) => log("error", `${this.#schedule.name} failed`, { error }));
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
    const { batchSize, leaseSeconds } = this.#schedule;
    // The projects the wake-ups named, or (null) every project with due rows, listed on each round.
    const named = this.#wakeups.take();
    while (!this.#stopping) {
      let claimed = 0;
      for (const projectId of named ?? await this.projectsWithWork()) {
        if (this.#stopping) return;
        const batch = await this.claim(projectId, batchSize, leaseSeconds);
        claimed += batch.length;
        await Promise.all(batch.map(async (row) => {
          const retryIn = await this.deliver(projectId, row);
          if (retryIn !== null) this.#wakeIn(retryIn, projectId);
        }));
      }
      // Nothing claimable (none due, or all claimed by other workers): wait for the next wake-up.
      if (claimed === 0) return;
    }
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
