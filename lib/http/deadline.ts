/**
 * Calls to services Astapa does not control (Xendit, Google, GitHub) carry a deadline: a service that accepts
 * the connection and never answers must end in an error, not hold a request, a pool connection or a row lock.
 * Each client builds its signal where it is made (lib/payments/xendit_deadline.ts,
 * lib/login/social/request_options.ts); this tells the failure apart from others.
 */

/** Whether `error` (or what it wraps) is a request given up at its deadline: AbortSignal.timeout's reason. */
export function isDeadlineError(error: unknown): boolean {
  for (let at = error, depth = 0; at && depth < 4; at = (at as { cause?: unknown }).cause, depth++) {
    if (at instanceof DOMException && at.name === "TimeoutError") return true;
  }
  return false;
}
