/** Per-request metrics: the matched route's pattern (never the path), the method and the status. */
import type { Ctx } from "../app_env.ts";
import { metricsEnabled, observeRequest } from "./metrics.ts";

/** Called once a response is ready; `startedMs` is performance.now() at arrival. */
export function recordRequest(c: Ctx, startedMs: number): void {
  if (!metricsEnabled()) return;
  // After the chain ran, routePath is the pattern of the last handler or middleware that ran: the one that
  // answered. Catch-all middleware answering means no route matched (the 404 page).
  const pattern = c.req.routePath;
  const route = pattern === "*" || pattern === "/*" ? "unmatched" : pattern;
  observeRequest(route, c.req.method, c.res.status, (performance.now() - startedMs) / 1000);
}
