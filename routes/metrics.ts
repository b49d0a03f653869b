import type { Handlers } from "../lib/router/routes.ts";
import { AppError } from "../lib/http/errors.ts";
import { tokensEqual } from "../lib/payments/callback_token.ts";
import { readGauges } from "../lib/metrics/gauges.ts";
import { metricsEnabled, metricsRegistry } from "../lib/metrics/metrics.ts";

/**
 * Prometheus metrics (text format 0.0.4). Absent unless ASTAPA_METRICS=1 or ASTAPA_METRICS_TOKEN is set; with a
 * token, a scrape must send `Authorization: Bearer <token>` (compared in constant time).
 */
export const handler: Handlers = {
  async GET(c) {
    const { config } = c.var.deps;
    if (!config.metrics.enabled || !metricsEnabled()) throw new AppError("not_found");
    if (config.metrics.token) {
      const presented = /^Bearer (\S+)$/.exec(c.req.header("authorization") ?? "")?.[1];
      if (!presented || !(await tokensEqual(presented, config.metrics.token))) {
        throw new AppError("unauthorized", { headers: { "WWW-Authenticate": 'Bearer realm="metrics"' } });
      }
    }
    await readGauges(c.var.deps);
    const registry = metricsRegistry();
    return c.body(await registry.metrics(), 200, {
      "content-type": registry.contentType,
      "cache-control": "no-store",
    });
  },
};
