/** The README's configuration table names every variable the server reads, and nothing it does not. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CONFIG_VARIABLES } from "@/config.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Variables named in backticks in the first column of the README's "Configuration" table. */
async function tableVariables(): Promise<Set<string>> {
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  const start = readme.indexOf("| Variable");
  assert.ok(start >= 0, "the README has a configuration table");
  const rows = readme.slice(start).split("\n").filter((line, i, lines) =>
    line.startsWith("|") && lines.slice(0, i).every((l) => l.startsWith("|"))
  );
  const names = rows.slice(2).flatMap((row) =>
    [...row.split("|")[1].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1])
  );
  return new Set(names);
}

/** Variables server code reads directly (outside config.ts), e.g. OTEL_DENO. */
async function readDirectly(): Promise<Set<string>> {
  const found = new Set<string>();
  const scan = async (path: string) => {
    const info = await Deno.stat(path);
    if (info.isDirectory) {
      for await (const entry of Deno.readDir(path)) await scan(join(path, entry.name));
    } else if (/\.tsx?$/.test(path) && !/_test\.tsx?$/.test(path)) {
      const text = await Deno.readTextFile(path);
      for (const match of text.matchAll(/Deno\.env\.get\("([A-Z0-9_]+)"\)/g)) found.add(match[1]);
    }
  };
  for (const part of ["main.ts", "cli.ts", "lib", "db", "routes"]) await scan(join(ROOT, part));
  return found;
}

Deno.test("README — the configuration table lists every variable config.ts and the server code read", async () => {
  const table = await tableVariables();
  const read = new Set([...CONFIG_VARIABLES, ...await readDirectly()]);
  const missing = [...read].filter((name) => !table.has(name));
  assert.deepEqual(missing, [], "add these to the README's table");
  const unknown = [...table].filter((name) => !read.has(name) && !name.startsWith("OTEL_"));
  assert.deepEqual(unknown, [], "the table names variables nothing reads");
});

Deno.test("Grafana dashboard — every metric its panels query is one Astapa exports", async () => {
  const { enableMetrics, metricsRegistry } = await import("@/lib/metrics/metrics.ts");
  await enableMetrics(); // loads prom-client and registers the counters (lib/lazy_import.ts)
  await (await import("@/lib/metrics/gauges.ts")).registerGauges();
  const exported = new Set((await metricsRegistry().getMetricsAsJSON()).map((m) => m.name));
  const dashboard = JSON.parse(await Deno.readTextFile(join(ROOT, "examples/grafana/astapa-dashboard.json")));
  const queried = dashboard.panels.flatMap((p: { targets: { expr: string }[] }) =>
    p.targets.flatMap((t) =>
      [...t.expr.matchAll(/\b(astapa_[a-z_]+?)(?:_bucket|_sum|_count)?\b[{[)]/g)].map((m) => m[1])
    )
  );
  assert.ok(queried.length >= 12);
  for (const name of queried) assert.ok(exported.has(name), `${name} is not exported`);
});
