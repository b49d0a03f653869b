/**
 * A call to a service Astapa does not control (Google, GitHub) that never reached it — connection refused, a
 * DNS, TLS or other network failure — told apart from the service's own error answer and from a deadline
 * (deadline.ts) by the error's type: fetch's TypeError wrapping the transport's error, or Deno's connection
 * errors. Only the log's finer kind falls back to the transport's message: Deno gives it no other shape.
 */

const CONNECTION_ERRORS = [
  Deno.errors.ConnectionRefused,
  Deno.errors.ConnectionReset,
  Deno.errors.ConnectionAborted,
  Deno.errors.NotConnected,
  Deno.errors.AddrNotAvailable,
  Deno.errors.NetworkUnreachable,
  Deno.errors.BrokenPipe,
  Deno.errors.UnexpectedEof,
  Deno.errors.TimedOut,
];

/** Why a service could not be reached, for the log: a fixed word, never the URL or anything it carried. */
export type UnreachableKind = "connection_refused" | "connection_reset" | "dns" | "tls" | "network";

/** The errors `error` wraps, itself first (a few levels: causes are chains, not trees). */
function chain(error: unknown): unknown[] {
  const errors: unknown[] = [];
  for (let at = error, depth = 0; at && depth < 4; at = (at as { cause?: unknown }).cause, depth++) {
    errors.push(at);
  }
  return errors;
}

/**
 * What fetch throws when the request never got an answer: a TypeError whose cause is the transport's error
 * (Deno: "fetch failed" ← the connector's error; undici alike). oauth4webapi's own TypeErrors carry a `code`;
 * a programming error has no cause.
 */
function isFetchFailure(error: unknown): boolean {
  return error instanceof TypeError && !("code" in error) && error.cause instanceof Error;
}

/** Whether `error` (or what it wraps) is a request that could not reach the service at all. */
export function isUnreachableError(error: unknown): boolean {
  return chain(error).some((at) =>
    isFetchFailure(at) || CONNECTION_ERRORS.some((type) => at instanceof type)
  );
}

/** The kind of an unreachable service's failure, by its type or code where it has one. */
export function unreachableKind(error: unknown): UnreachableKind {
  const errors = chain(error);
  for (const at of errors) {
    if (at instanceof Deno.errors.ConnectionRefused) return "connection_refused";
    if (at instanceof Deno.errors.ConnectionReset || at instanceof Deno.errors.BrokenPipe) {
      return "connection_reset";
    }
    const code = (at as { code?: unknown }).code;
    if (code === "ECONNREFUSED") return "connection_refused";
    if (code === "ECONNRESET" || code === "EPIPE") return "connection_reset";
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "dns";
  }
  // Deno's fetch: a plain Error whose message is hyper's ("client error (Connect): dns error: …").
  const message = String((errors.at(-1) as { message?: unknown } | undefined)?.message ?? "");
  if (/dns error|failed to lookup/i.test(message)) return "dns";
  if (/connection refused/i.test(message)) return "connection_refused";
  if (/certificate|tls|handshake|corrupt message/i.test(message)) return "tls";
  if (/connection reset|broken pipe|connection closed/i.test(message)) return "connection_reset";
  return "network";
}
