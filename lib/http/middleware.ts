/** Cross-cutting request handling: request ids, access logs, security headers. */
import type { MiddlewareHandler } from "hono";
import type { AppEnv, Deps } from "../app_env.ts";
import { logRequest } from "./log.ts";
import { recordRequest } from "../metrics/http.ts";

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Scripts, styles and images from our own origin only; no framing; no sniffing.
 * form-action is left open on purpose: the hosted login's form posts redirect to the app's redirect_uri,
 * and browsers apply form-action to that redirect too.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * The policy with third-party origins added to script-src, connect-src and frame-src (and `styles` to
 * style-src): the billing portal's card form loads Xendit.js, which calls Xendit's API and may show the bank's
 * 3-D Secure frame; a hosted-login form with bot protection loads Turnstile or hCaptcha. A handler sets it as
 * its response's content-security-policy; requestHandling then leaves it in place.
 */
export function contentSecurityPolicyWith(origins: string[], styles: string[] = []): string {
  const extra = origins.join(" ");
  return [
    "default-src 'self'",
    `script-src 'self' ${extra}`,
    ["style-src 'self'", ...styles].join(" "),
    "img-src 'self' data:",
    `connect-src 'self' ${extra}`,
    `frame-src ${extra}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** The security headers of every response, built once per app (HSTS only when served over https). */
export function securityHeaderList(baseUrl: string): [string, string][] {
  return [
    ["content-security-policy", CONTENT_SECURITY_POLICY],
    ["x-content-type-options", "nosniff"],
    ["x-frame-options", "DENY"],
    ["referrer-policy", "strict-origin-when-cross-origin"],
    ...(baseUrl.startsWith("https://")
      ? [["strict-transport-security", "max-age=31536000; includeSubDomains"] as [string, string]]
      : []),
  ];
}

/** The headers a handler may set for its own response; the others are always the defaults. */
const OWN_POLICY_HEADERS = new Set(["content-security-policy", "referrer-policy", "x-frame-options"]);

/** A sane incoming X-Request-Id, or a new one. */
export function requestIdOf(incoming: string | null | undefined): string {
  return incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
}

/**
 * The one middleware every request passes: hands handlers the deps, adopts a sane incoming X-Request-Id or
 * makes one, and on the way out sets the security headers and the request id and logs one line. One layer
 * instead of three, with the header list built once: it is most of what a cached GET (JWKS, discovery) costs.
 */
export function requestHandling(deps: Deps): MiddlewareHandler<AppEnv> {
  const headers = securityHeaderList(deps.config.baseUrl);
  return async (c, next) => {
    c.set("deps", deps);
    const requestId = requestIdOf(c.req.header("x-request-id"));
    c.set("requestId", requestId);
    const started = performance.now();
    await next();
    const response = c.res.headers;
    for (const [name, value] of headers) {
      // A page that widened its own policy (contentSecurityPolicyWith), narrowed its referrer policy (a page
      // whose URL carries a token: no-referrer) or is framed by our own pages (the mail preview: SAMEORIGIN)
      // keeps it; every other gets the default.
      const ownPolicy = OWN_POLICY_HEADERS.has(name);
      if (!ownPolicy || !response.has(name)) response.set(name, value);
    }
    response.set("x-request-id", requestId);
    logRequest({
      request_id: requestId,
      method: c.req.method,
      path: c.req.path, // never the query string: it can carry codes and tokens
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
    });
    recordRequest(c, started);
  };
}
