/**
 * What a failed database call means when the primary goes away (a failover, a restart, a terminated session),
 * and which calls may therefore be run again. The rule, exact:
 *
 * - The server ANSWERED with an error (25006 read-only, 57P01 shutdown, 57P03 starting up, 53300 full, class 08)
 *   or the connection was never made (refused, timed out, no primary found): nothing was committed. Retry.
 * - The connection broke with no answer: a statement outside a transaction, or a COMMIT, may or may not have
 *   committed. Never retried; the client hears 503 `outcome_unknown`. (Sync replication's "committed locally,
 *   not replicated" on shutdown also arrives this way: the server sends no error, it closes the connection.)
 * - The connection broke inside BEGIN…COMMIT before COMMIT was sent: the server rolls the transaction back when
 *   the session ends, so the whole transaction is retried (asApp knows which phase it was in).
 */

/** `not_applied`: safe to run again. `unknown`: may have committed. `other`: not a connection failure. */
export type FailureKind = "not_applied" | "unknown" | "other";

/** SQLSTATEs a server sends when it will not (or can no longer) run anything for this session. */
const REFUSED_SQLSTATE = /^(25006|57P0[1-3]|53300|08...)$/;
/** postgres.js and socket codes for a connection that was never made or a query never sent. */
const NEVER_SENT =
  /^(CONNECT_TIMEOUT|CONNECTION_ENDED|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|NO_PRIMARY|ROLLED_BACK)$/;
/** Codes for a connection that broke while a query may have been in flight. */
const BROKEN = /^(CONNECTION_CLOSED|CONNECTION_DESTROYED|ECONNRESET|EPIPE|ETIMEDOUT)$/;

/** Classifies a thrown value (see the module comment). */
export function failureKind(error: unknown): FailureKind {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return "other";
  if (REFUSED_SQLSTATE.test(code) || NEVER_SENT.test(code)) return "not_applied";
  if (BROKEN.test(code)) return "unknown";
  return "other";
}

/** Raised when no host of DATABASE_URL is a writable primary right now (mid-failover). Retryable. */
export class NoPrimaryError extends Error {
  override name = "NoPrimaryError";
  readonly code = "NO_PRIMARY";
}

/** Raised instead of a connection error that struck before COMMIT was sent: nothing committed. Retryable. */
export class RolledBackError extends Error {
  override name = "RolledBackError";
  readonly code = "ROLLED_BACK";
}

/**
 * Raised instead of a broken COMMIT's error: it may have committed. errors.ts answers 503 `outcome_unknown`.
 */
export class OutcomeUnknownError extends Error {
  override name = "OutcomeUnknownError";
  readonly code = "OUTCOME_UNKNOWN";
}

export type RetryPolicy = {
  /** Give up (and let the client hear 503) after this long. */
  budgetMs: number;
  /** Waits between attempts, growing; the last repeats. */
  backoffMs: number[];
};

/** Long enough to ride out a session kill or a pooler restart; a Patroni failover answers 503 and the client retries. */
export const DEFAULT_RETRY: RetryPolicy = { budgetMs: 2_000, backoffMs: [50, 200, 500, 1_000] };

/**
 * Runs `attempt` until it succeeds, fails with something other than `not_applied`, or the budget is spent.
 * `beforeRetry` runs after each retryable failure (the pool re-finds the primary there).
 */
export async function retryNotApplied<T>(
  attempt: () => Promise<T>,
  beforeRetry: (error: unknown) => Promise<void>,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<T> {
  const started = performance.now();
  for (let n = 0;; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (failureKind(error) !== "not_applied") throw error;
      const wait = policy.backoffMs[Math.min(n, policy.backoffMs.length - 1)];
      if (performance.now() - started + wait > policy.budgetMs) throw error;
      await beforeRetry(error);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
