/**
 * The errors the billing pass meets asking Xendit about a charge or a refund: what each is (a code, the same
 * lines provider_errors.ts draws) and a sentence of ours saying it, recorded in SQL as the row's last error
 * (api.record_*_reconcile_error, which also decides which count towards stopping: astapa.reconcile_error_counts),
 * then logged. The sentence carries Xendit's status and error code at most: never a key, never Xendit's body,
 * never our error's message (a JSON parse error quotes the body it choked on).
 */
import type { ReconcileErrorRecord } from "@/db/reconcile_errors.ts";
import { log, type LogFields } from "../http/log.ts";
import { isCredentialsRefused, isRefusal } from "./provider_errors.ts";
import { asChargeError, type ChargeError, isXenditFailure } from "./xendit.ts";

/** Xendit's error codes are SCREAMING_SNAKE_CASE: anything else is not repeated. */
const XENDIT_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
/** Our error classes' names (TypeError, PostgresError): anything else is not repeated. */
const ERROR_NAME = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

/** "401 INVALID_API_KEY": Xendit's status and, when it has that shape, its error code. */
function answered(failure: ChargeError): string {
  return XENDIT_CODE.test(failure.code) ? `${failure.status} ${failure.code}` : String(failure.status);
}

/** What a failed question about a charge or refund met, in a code and a sentence of ours. */
export function reconcileErrorOf(error: unknown): ReconcileErrorRecord {
  if (isXenditFailure(error)) return xenditError(asChargeError(error));
  if (error instanceof SyntaxError) {
    return {
      code: "unexpected_answer",
      message: "Xendit's answer could not be read (not the JSON expected).",
    };
  }
  const name = error instanceof Error && ERROR_NAME.test(error.name) ? error.name : "Error";
  return {
    code: "internal_error",
    message: `An error on Astapa's side (${name}) while asking Xendit; the server log has its stack.`,
  };
}

function xenditError(failure: ChargeError): ReconcileErrorRecord {
  if (isCredentialsRefused(failure)) {
    return {
      code: "credentials_refused",
      message: `Xendit refused the project's API key (${answered(failure)}): fix the Xendit keys.`,
    };
  }
  if (failure.status === 429) {
    return { code: "rate_limited", message: `Xendit answered too many requests (${answered(failure)}).` };
  }
  if (failure.status !== null && failure.status >= 500) {
    return { code: "provider_5xx", message: `Xendit answered with a server error (${answered(failure)}).` };
  }
  if (isRefusal(failure)) {
    return { code: "provider_refused", message: `Xendit refused the question (${answered(failure)}).` };
  }
  switch (failure.code) {
    case "timeout":
      return { code: "provider_timeout", message: "Xendit did not answer in time." };
    case "unreachable":
      return { code: "provider_unreachable", message: "Xendit could not be reached." };
    case "interrupted":
      return { code: "provider_interrupted", message: "Xendit's answer was cut off." };
  }
  return { code: "unexpected_answer", message: "Xendit's answer could not be read (no status)." };
}

/** Where a reconciliation's error is recorded, and what its log lines are called. */
export type ReconcileErrorTarget<T> = {
  /** Records the error in SQL: the row as now, or null when it settled or stopped meanwhile. */
  record: (cause: ReconcileErrorRecord) => Promise<T | null>;
  fields: LogFields;
  /** `reconcile_failed` / `reconcile_stopped`, or the refund's. */
  failed: string;
  stopped: string;
};

/**
 * Records `error` as the row's last reconcile error and logs it: the stop (the third error that counts), once,
 * as an error; any other try as a warning with its stack — but a refused key, which the caller has logged as an
 * error already (logCredentialsRefused), only once. A row the database would not record is logged as an error
 * and asked about again next period, as before.
 */
export async function recordReconcileError<
  T extends { reconcile_errors: number; reconcile_stopped_at: string | null },
>(target: ReconcileErrorTarget<T>, error: unknown): Promise<void> {
  const cause = reconcileErrorOf(error);
  const fields = { ...target.fields, reconcile_error: cause.code, error };
  let recorded: T | null;
  try {
    recorded = await target.record(cause);
  } catch (failure) {
    log("error", target.failed, { ...fields, count_error: failure });
    return;
  }
  if (recorded?.reconcile_stopped_at) {
    log("error", target.stopped, { ...fields, errors: recorded.reconcile_errors });
  } else if (cause.code !== "credentials_refused") {
    log("warn", target.failed, { ...fields, errors: recorded?.reconcile_errors ?? null });
  }
}
