/** Cross-cutting request handling: request ids, access logs, security headers. */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app_env.ts";
import { log } from "./log.ts";

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Adopts a sane incoming X-Request-Id or makes one, echoes it, and logs one line per request. */
export const requestContext: MiddlewareHandler<AppEnv> = async (c, next) => {
  const incoming = c.req.header("x-request-id");
  const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
  c.set("requestId", requestId);
  const started = performance.now();
  await next();
  c.res.headers.set("x-request-id", requestId);
  log("info", "request", {
    request_id: requestId,
    method: c.req.method,
    path: c.req.path, // never the query string: it can carry codes and tokens
    status: c.res.status,
    duration_ms: Math.round((performance.now() - started) * 10) / 10,
  });
};

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

export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const headers = c.res.headers;
  headers.set("content-security-policy", CONTENT_SECURITY_POLICY);
  headers.set("x-content-type-options", "nosniff");
  headers.set("x-frame-options", "DENY");
  headers.set("referrer-policy", "strict-origin-when-cross-origin");
  if (c.var.deps.config.baseUrl.startsWith("https://")) {
    headers.set("strict-transport-security", "max-age=31536000; includeSubDomains");
  }
};
