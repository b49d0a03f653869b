/**
 * Transactions Postgres broke off to let another go on: a deadlock's victim (40P01 deadlock_detected) or a
 * serialization failure (40001). Postgres rolled the whole transaction back, so running it again is safe
 * whenever the transaction is all the attempt did: asApp's `work` may only run SQL on its transaction (the
 * failover rule, db/failover.ts), and asAppStatement's one statement is its own transaction. Each is run again
 * twice at most, after a short random wait, so the two sides of a deadlock do not meet again at once; what still
 * fails is answered 503 with Retry-After (lib/http/errors.ts). docs/database.md "Lock order" says why a deadlock
 * is a bug to fix all the same: the retry keeps a rare one from reaching a person, not from happening.
 */
import { log } from "@/lib/http/log.ts";
import { countDatabaseConflict } from "@/lib/metrics/metrics.ts";

/** SQLSTATEs of a transaction Postgres rolled back so another could go on. */
const CONFLICT_SQLSTATE = /^(40001|40P01)$/;

/** The waits before the second and third attempts (each drawn between half and all of it). */
const WAITS_MS = [20, 100];

/** True for an error that rolled its transaction back as a deadlock's victim or a serialization failure. */
export function isConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && CONFLICT_SQLSTATE.test(code);
}

/**
 * A deadlock Postgres detected itself (its DETAIL names the waiting processes), as opposed to 40P01 raised by a
 * function. Counted apart so tests can hold lock order to "never" (tests/helpers/db.ts).
 */
export function isDetectedDeadlock(error: unknown): boolean {
  const { code, detail } = (error ?? {}) as { code?: unknown; detail?: unknown };
  return code === "40P01" && typeof detail === "string" && detail.startsWith("Process ");
}

/** Conflicts run again in this process: all of them, and the deadlocks Postgres detected among them. */
export const conflictsRetried = { all: 0, detectedDeadlocks: 0 };

/** Runs `attempt`, and again (twice at most) when Postgres broke it off as a conflict. */
export async function retryConflicts<T>(attempt: () => Promise<T>): Promise<T> {
  for (let retry = 0;; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isConflict(error)) throw error;
      const sqlstate = (error as { code: string }).code;
      if (retry >= WAITS_MS.length) {
        countDatabaseConflict(sqlstate, "gave_up");
        throw error;
      }
      countDatabaseConflict(sqlstate, "retried");
      conflictsRetried.all++;
      if (isDetectedDeadlock(error)) conflictsRetried.detectedDeadlocks++;
      log("warn", "db_conflict_retried", {
        sqlstate,
        retry: retry + 1,
        error: (error as Error).message,
        detail: (error as { detail?: unknown }).detail,
      });
      const wait = WAITS_MS[retry] * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
