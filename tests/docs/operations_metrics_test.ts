/**
 * docs/operations.md's metrics table is what GET /metrics serves: every metric Astapa registers is a row, with
 * its type and labels, and every row is a metric Astapa registers. A metric added, renamed or relabelled
 * without the table fails here.
 */
import assert from "node:assert/strict";
import { enableMetrics, metricsRegistry } from "@/lib/metrics/metrics.ts";
import { registerGauges } from "@/lib/metrics/gauges.ts";

type Row = { type: string; labels: string[] };

/** The table's rows by metric name: `| \`name\` | type | \`label\`, … | meaning |`. */
async function documented(): Promise<Map<string, Row>> {
  const doc = await Deno.readTextFile(new URL("../../docs/operations.md", import.meta.url));
  const rows = new Map<string, Row>();
  for (const line of doc.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    const name = /^`(astapa_[a-z_]+)`$/.exec(cells[1] ?? "")?.[1];
    if (!name) continue;
    rows.set(name, {
      type: cells[2],
      labels: [...cells[3].matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).sort(),
    });
  }
  return rows;
}

Deno.test("docs/operations.md — the metrics table lists every metric, its type and labels, and no other", async () => {
  await enableMetrics(); // loads prom-client and registers the counters (lib/lazy_import.ts)
  await registerGauges();
  const served = (await metricsRegistry().getMetricsAsJSON()).filter((m) => m.name.startsWith("astapa_"));
  const rows = await documented();
  assert.ok(served.length >= 12, `metrics: ${served.length}`);
  const missing = served.filter((m) => !rows.has(m.name)).map((m) => m.name);
  assert.deepEqual(missing, [], "add these to docs/operations.md's metrics table");
  const unknown = [...rows.keys()].filter((name) => !served.some((m) => m.name === name));
  assert.deepEqual(unknown, [], "the table names metrics Astapa does not serve");
  for (const metric of served) {
    const row = rows.get(metric.name)!;
    assert.equal(row.type, metric.type, `${metric.name}'s type`);
    const registered = metricsRegistry().getSingleMetric(metric.name) as unknown as { labelNames?: string[] };
    assert.deepEqual(row.labels, [...registered.labelNames ?? []].sort(), `${metric.name}'s labels`);
  }
});
