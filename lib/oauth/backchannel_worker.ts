/**
 * Delivers back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.5) from the outbox
 * astapa.backchannel_logouts, which the end of a hosted-login session fills in its own transaction
 * (astapa.end_session_grants). Scheduled as every outbox worker is (lib/outbox_worker.ts: per-project claims
 * under a lease, woken by NOTIFY astapa_backchannel_logouts, a sweep and its own retries).
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
import { OutboxWorker, type RetryOptions, retryWait, scheduledRetries } from "../outbox_worker.ts";
import { logoutToken } from "../tokens/logout_tokens.ts";
import type { KeyStore } from "../tokens/signing_keys.ts";

/** Seconds before retry n: 10 s, 1 min, 5 min, 30 min, 2 h, then give up (the app's session is long stale). */
export const LOGOUT_RETRY_SCHEDULE = [10, 60, 300, 1800, 7200];

export type BackchannelWorkerOptions = RetryOptions & {
  sql: Sql;
  keys: KeyStore;
  issuer: string;
  /** The SSRF guard's verdict on a URL for a project (address_guard.ts productionTargetCheck). */
  checkTarget: (projectId: string, url: string) => Promise<TargetDecision>;
  sweepSeconds?: number;
  timeoutMs?: number;
  leaseSeconds?: number;
  batchSize?: number;
};

export class BackchannelLogoutWorker extends OutboxWorker<ClaimedLogout> {
  readonly #options: Required<BackchannelWorkerOptions>;

  constructor(options: BackchannelWorkerOptions) {
    const full: Required<BackchannelWorkerOptions> = {
      ...scheduledRetries(LOGOUT_RETRY_SCHEDULE),
      sweepSeconds: 30,
      timeoutMs: 5_000,
      leaseSeconds: 60,
      batchSize: 20,
      ...options,
    };
    super({ ...full, channel: "astapa_backchannel_logouts", name: "back-channel logout worker" });
    this.#options = full;
  }

  protected projectsWithWork(): Promise<string[]> {
    return projectsWithDueLogouts(this.#options.sql);
  }

  protected claim(projectId: string, max: number, leaseSeconds: number): Promise<ClaimedLogout[]> {
    return claimLogouts(this.#options.sql, projectId, max, leaseSeconds);
  }

  /** One attempt: a freshly signed logout token, POSTed as logout_token (§2.5) to the URL the app registered. */
  protected async deliver(projectId: string, logout: ClaimedLogout): Promise<number | null> {
    const { sql, keys, issuer, timeoutMs, checkTarget } = this.#options;
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
    const retryIn = retryWait(this.#options, logout.attempt, delivered);
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
    return outcome === "pending" ? retryIn : null;
  }
}
