/**
 * What every oauth4webapi request of a sign-in carries: a deadline (SOCIAL_LOGIN_TIMEOUT_MS), so a Google or
 * GitHub that never answers ends in the sign-in error page instead of a hung request; and plain HTTP, allowed
 * only for an `http://` origin (a local fake).
 */
import * as oauth from "oauth4webapi";

export function requestOptions(url: string, timeoutMs: number) {
  return {
    [oauth.allowInsecureRequests]: url.startsWith("http://"),
    // A function: each request gets its own signal, started when it is sent (it also bounds the body read).
    signal: () => AbortSignal.timeout(timeoutMs),
  };
}
