/**
 * Revokes the Apple refresh tokens the outbox astapa.apple_token_revocations holds (queued in the transaction
 * that deleted the Apple identity: an erasure, an unlink, a claim; db/api/apple_lifecycle.sql). Scheduled as
 * every outbox worker is (lib/outbox_worker.ts: per-project claims under a lease, woken by NOTIFY
 * astapa_apple_revocations, a sweep and its own retries). Each attempt opens the sealed token, signs a fresh
 * client secret with the key of the Services ID it was issued to, and POSTs it to Apple's /auth/revoke; a failure
 * is retried with backoff and given up after a bounded number of attempts (the row then loses its token).
 * Neither the token nor Apple's body is ever logged.
 */
import type { Deps } from "@/lib/app_env.ts";
import {
  type ClaimedRevocation,
  claimRevocations,
  projectsWithDueRevocations,
  recordRevocationAttempt,
} from "@/db/apple_revocations.ts";
import { asApp } from "@/db/client.ts";
import { getProject } from "@/db/projects.ts";
import { log } from "@/lib/http/log.ts";
import { OutboxWorker, type RetryOptions, retryWait, scheduledRetries } from "@/lib/outbox_worker.ts";
import { openAppleToken, revocationCredentials, revokeAppleToken } from "./apple_revocation.ts";

/** Seconds before retry n: 1 min, 5 min, 30 min, 2 h, 6 h, 24 h, then give up. */
export const REVOCATION_RETRY_SCHEDULE = [60, 300, 1800, 7200, 21600, 86400];

export type AppleRevocationWorkerOptions = RetryOptions & {
  deps: Pick<Deps, "sql" | "config" | "masterKeys">;
  sweepSeconds?: number;
  leaseSeconds?: number;
  batchSize?: number;
};

/** A failure that no retry can mend (the token does not open): given up at once. */
class Hopeless extends Error {}

export class AppleRevocationWorker extends OutboxWorker<ClaimedRevocation> {
  readonly #options: Required<AppleRevocationWorkerOptions>;

  constructor(options: AppleRevocationWorkerOptions) {
    const full: Required<AppleRevocationWorkerOptions> = {
      ...scheduledRetries(REVOCATION_RETRY_SCHEDULE),
      sweepSeconds: 60,
      leaseSeconds: 60,
      batchSize: 20,
      ...options,
    };
    super({
      sql: full.deps.sql,
      sweepSeconds: full.sweepSeconds,
      leaseSeconds: full.leaseSeconds,
      batchSize: full.batchSize,
      channel: "astapa_apple_revocations",
      name: "Apple token revocation worker",
    });
    this.#options = full;
  }

  protected projectsWithWork(): Promise<string[]> {
    return projectsWithDueRevocations(this.#options.deps.sql);
  }

  protected claim(projectId: string, max: number, leaseSeconds: number): Promise<ClaimedRevocation[]> {
    return claimRevocations(this.#options.deps.sql, projectId, max, leaseSeconds);
  }

  /** One attempt: Apple's /auth/revoke with the token and a client secret of the Services ID it was issued to. */
  protected async deliver(projectId: string, row: ClaimedRevocation): Promise<number | null> {
    const { deps } = this.#options;
    let httpStatus: number | null = null;
    let error: string | null = null;
    let hopeless = false;
    try {
      const project = await asApp(deps.sql, projectId, (tx) => getProject(tx, projectId));
      const credentials = await revocationCredentials(
        deps,
        { id: projectId, settings: project.settings },
        row.client_id,
      );
      if (!credentials) throw new Error(`No Apple key is configured for ${row.client_id} any more.`);
      const token = await openAppleToken(deps, projectId, row.client_id, row.token_sealed)
        .catch(() => {
          throw new Hopeless("The sealed token does not open with this master key.");
        });
      httpStatus = await revokeAppleToken(deps.config, credentials, token);
      if (httpStatus < 200 || httpStatus >= 300) error = `Apple answered ${httpStatus}.`;
    } catch (cause) {
      hopeless = cause instanceof Hopeless;
      // Messages of our own or the transport's kind; never a token or Apple's body.
      error = cause instanceof Error ? `${cause.name}: ${cause.message}`.slice(0, 500) : "failed";
    }
    const revoked = error === null;
    const retryIn = retryWait(this.#options, row.attempt, revoked || hopeless);
    const outcome = await recordRevocationAttempt(deps.sql, projectId, {
      id: row.id,
      attempt: row.attempt,
      httpStatus,
      error,
      retryIn,
    });
    log(revoked ? "info" : outcome === "failed" ? "error" : "warn", "apple token revocation attempt", {
      project_id: projectId,
      client_id: row.client_id,
      attempt: row.attempt,
      http_status: httpStatus,
      outcome,
    });
    return outcome === "pending" ? retryIn : null;
  }
}
