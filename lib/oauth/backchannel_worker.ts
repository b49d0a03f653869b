/**
 * Delivers back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.5) from the outbox
 * astapa.backchannel_logouts, which the end of a hosted-login session fills in its own transaction
 * (astapa.end_session_grants). Shares the webhook worker's shape: every instance runs one, due rows are claimed
 * per project with FOR UPDATE SKIP LOCKED under a lease, NOTIFY astapa_backchannel_logouts wakes it, a periodic
 * sweep catches what a lost notification or an expired lease left, and the backlog is worked through at start.
 * Each attempt signs a fresh logout token (new iat, exp and jti) and POSTs it form-encoded to the URL through
 * the SSRF guard (lib/webhooks/address_guard.ts) and a pinned connection; a failure is retried with backoff and
 * given up after a bounded number of attempts.
 */
import type { Sql } from "@/db/client.ts";
import {
  type ClaimedLogout,
  claimLogouts,
  projectsWithDueLogouts,
  recordLogoutAttempt,
} from "@/db/backchannel_logouts.ts";
import { log } from "../http/log.ts";
import type { TargetDecision } from "../webhooks/address_guard.ts";
import { postPinned } from "../webhooks/pinned_request.ts";
import { payloadProject, ProjectWakeups } from "../project_wakeups.ts";
import { logoutToken } from "../tokens/logout_tokens.ts";
import type { KeyStore } from "../tokens/signing_keys.ts";

/** Seconds before retry n: 10 s, 1 min, 5 min, 30 min, 2 h, then give up (the app's session is long stale). */
export const LOGOUT_RETRY_SCHEDULE = [10, 60, 300, 1800, 7200];

export type BackchannelWorkerOptions = {
  sql: Sql;
  keys: KeyStore;
  issuer: string;
  /** The SSRF guard's verdict on a URL for a project (address_guard.ts productionTargetCheck). */
  checkTarget: (projectId: string, url: string) => Promise<TargetDecision>;
  maxAttempts?: number;
  backoffSeconds?: (attempt: number) => number;
  sweepSeconds?: number;
  timeoutMs?: number;
  leaseSeconds?: number;
  batchSize?: number;
};

export class BackchannelLogoutWorker {
  readonly #options: Required<BackchannelWorkerOptions>;
  #running: Promise<void> | null = null;
  #again = false;
  #stopping = false;
  #sweep: ReturnType<typeof setInterval> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryAt = Infinity;
  #unlisten: (() => Promise<void>) | null = null;
  #wakeups = new ProjectWakeups();

  constructor(options: BackchannelWorkerOptions) {
    this.#options = {
      maxAttempts: LOGOUT_RETRY_SCHEDULE.length + 1,
      backoffSeconds: (attempt) => {
        const base = LOGOUT_RETRY_SCHEDULE[Math.min(attempt, LOGOUT_RETRY_SCHEDULE.length) - 1];
        return Math.round(base * (0.9 + Math.random() * 0.2));
      },
      sweepSeconds: 30,
      timeoutMs: 5_000,
      leaseSeconds: 60,
      batchSize: 20,
      ...options,
    };
  }

  /** Listens, starts the sweep, and works through the backlog before resolving. */
  async start(): Promise<void> {
    this.#stopping = false;
    const listener = await this.#options.sql.listen(
      "astapa_backchannel_logouts",
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

  /** Asks for a pass over `projectId`'s due logout tokens (null: every project's). */
  wake(projectId: string | null = null): void {
    this.#wakeups.add(projectId);
    void this.#settle().catch((error) => log("error", "back-channel logout worker failed", { error }));
  }

  /** Runs a pass over every project (or joins the one in progress); resolves when done. */
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
    const named = this.#wakeups.take();
    while (!this.#stopping) {
      let claimed = 0;
      for (const projectId of named ?? await projectsWithDueLogouts(sql)) {
        if (this.#stopping) return;
        const batch = await claimLogouts(sql, projectId, batchSize, leaseSeconds);
        claimed += batch.length;
        await Promise.all(batch.map((logout) => this.#deliver(projectId, logout)));
      }
      if (claimed === 0) return;
    }
  }

  /** One attempt: a freshly signed logout token, POSTed as logout_token (§2.5) to the URL the app registered. */
  async #deliver(projectId: string, logout: ClaimedLogout): Promise<void> {
    const { sql, keys, issuer, timeoutMs, maxAttempts, backoffSeconds, checkTarget } = this.#options;
    let httpStatus: number | null = null;
    let error: string | null = null;
    try {
      const target = await checkTarget(projectId, logout.url);
      if ("refused" in target) throw new Error(`Not sent: ${target.refused}`);
      const token = await logoutToken(await keys.active(), issuer, {
        clientId: logout.client_id,
        sid: logout.sid,
        sub: logout.sub,
      });
      httpStatus = await postPinned({
        url: logout.url,
        address: target.address,
        headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": "Astapa-Logout/1" },
        body: new URLSearchParams({ logout_token: token }).toString(),
        timeoutMs,
      });
      if (httpStatus < 200 || httpStatus >= 300) error = `The app answered ${httpStatus}.`;
    } catch (cause) {
      error = cause instanceof Error ? cause.message : String(cause);
    }
    const delivered = error === null;
    const retryIn = delivered || logout.attempt >= maxAttempts ? null : backoffSeconds(logout.attempt);
    const outcome = await recordLogoutAttempt(sql, projectId, {
      id: logout.id,
      attempt: logout.attempt,
      httpStatus,
      error,
      retryIn,
    });
    log(delivered ? "info" : "warn", "back-channel logout attempt", {
      project_id: projectId,
      client_id: logout.client_id,
      attempt: logout.attempt,
      http_status: httpStatus,
      outcome,
    });
    if (outcome === "pending" && retryIn !== null) this.#wakeIn(retryIn);
  }

  /** A retry is due in `seconds`: a pass then, not only at the next sweep. */
  #wakeIn(seconds: number): void {
    if (this.#stopping) return;
    if (seconds <= 0) {
      this.#wakeups.addEveryProject();
      this.#again = true;
      return;
    }
    const at = Date.now() + seconds * 1000;
    if (at >= this.#retryAt) return; // an earlier pass is set already, and the sweep follows it
    clearTimeout(this.#retryTimer);
    this.#retryAt = at;
    this.#retryTimer = setTimeout(() => {
      this.#retryAt = Infinity;
      this.wake();
    }, at - Date.now());
  }
}
