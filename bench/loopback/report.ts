/** The benchmark table and the targets, as ratios to the baselines measured in the same run. */
import type { LoadResult } from "./load.ts";

export type Row = { name: string; note: string; result: LoadResult | null; rssMb: number | null };

export type Baselines = {
  opensslOneCore: number | null;
  opensslAllCores: number | null;
  cores: number;
  inProcess: { webcrypto: number; openssl: number | null };
};

const fixed = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined || Number.isNaN(value) ? "n/a" : value.toFixed(digits);

export function table(rows: Row[], baselines: Baselines): string {
  const hello = rows.find((row) => row.name === "hello-world")?.result?.rps ?? null;
  const lines = [
    "| scenario | req/s | p50 ms | p99 ms | peak RSS MB | × hello-world | × OpenSSL signs/s | generator (CPU, × its hello-world) | notes |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
  ];
  for (const { name, note, result, rssMb } of rows) {
    const rps = result?.rps ?? null;
    const failures = result?.failures ? `${result.failures} failed requests; ` : "";
    const exhausted = result?.exhausted ? "codes ran out early (rate over the shorter time); " : "";
    lines.push(
      `| ${name} | ${fixed(rps)} | ${fixed(result?.p50, 1)} | ${fixed(result?.p99, 1)} | ${
        fixed(rssMb, 0)
      } | ${ratio(rps, hello)} | ${ratio(rps, baselines.opensslAllCores)} | ${
        generatorCell(result, rows)
      } | ${failures}${exhausted}${note} |`,
    );
  }
  return lines.join("\n");
}

/**
 * Which generator made the load, its own CPU (share of one core) and its rate against the hello-world run of
 * the same generator: a generator near 1.0 CPU, or a row near its own hello-world, says the generator was the
 * limit, not the server.
 */
function generatorCell(result: LoadResult | null, rows: Row[]): string {
  const generator = result?.generator;
  if (!generator) return "n/a";
  const hello =
    rows.find((row) => row.name.startsWith("hello-world") && row.result?.generator?.name === generator.name)
      ?.result?.rps ?? null;
  return `${generator.name}, ${fixed(generator.cpu, 2)} core, ${ratio(result!.rps, hello)}`;
}

export function baselineLines(b: Baselines): string {
  return [
    `- \`openssl speed rsa2048\` sign/s: ${fixed(b.opensslOneCore)} on 1 core, ${
      fixed(b.opensslAllCores)
    } on ${b.cores} cores (-multi ${b.cores})`,
    `- RS256 in-process (8 in flight): WebCrypto ${fixed(b.inProcess.webcrypto)}/s, OpenSSL via FFI ${
      fixed(b.inProcess.openssl)
    }/s (${ratio(b.inProcess.openssl, b.inProcess.webcrypto)} WebCrypto, ${
      ratio(b.inProcess.openssl, b.opensslAllCores)
    } of openssl speed on ${b.cores} cores)`,
  ].join("\n");
}

type Target = { what: string; value: number | null; goal: number; atMost?: boolean };

export function targets(rows: Row[], b: Baselines, extra: { loginScriptKb: number | null }): string {
  const row = (name: string) => rows.find((row) => row.name === name)?.result ?? null;
  const rps = (name: string) => row(name)?.rps ?? null;
  const div = (a: number | null, c: number | null) => (a === null || c === null || c === 0 ? null : a / c);
  const cc = rps("client_credentials");
  const maxRss = Math.max(
    ...rows.filter((row) => !row.name.startsWith("hello-world") && !row.name.startsWith("peer"))
      .map((row) => row.rssMb ?? 0),
  );
  const list: Target[] = [
    {
      what: `client_credentials ÷ openssl speed (${b.cores} cores)`,
      value: div(cc, b.opensslAllCores),
      goal: 0.6,
    },
    {
      what: "client_credentials ÷ in-process OpenSSL sign rate",
      value: div(cc, b.inProcess.openssl),
      goal: 0.6,
    },
    {
      what: "client_credentials ÷ peer (oidc-provider)",
      value: div(cc, rps("peer: oidc-provider client_credentials")),
      goal: 1.5,
    },
    { what: "refresh_token ÷ client_credentials", value: div(rps("refresh_token"), cc), goal: 0.5 },
    {
      what: "refresh_token p99 ÷ p50",
      value: div(row("refresh_token")?.p99 ?? null, row("refresh_token")?.p50 ?? null),
      goal: 5,
      atMost: true,
    },
    { what: "authorization_code ÷ client_credentials", value: div(rps("authorization_code"), cc), goal: 0.4 },
    { what: "JWKS ÷ hello-world", value: div(rps("JWKS"), rps("hello-world")), goal: 0.8 },
    { what: "discovery ÷ hello-world", value: div(rps("discovery"), rps("hello-world")), goal: 0.8 },
    {
      what: "hosted login page ÷ hello-world",
      value: div(rps("hosted login page"), rps("hello-world")),
      goal: 0.15,
    },
    {
      what: "payment webhook → plan in refreshed JWT, p99 (ms)",
      value: rows.find((row) => row.name.startsWith("payment webhook"))?.result?.p99 ?? null,
      goal: 100,
      atMost: true,
    },
    { what: "hosted login page JS (KB, gzip)", value: extra.loginScriptKb, goal: 15, atMost: true },
    { what: "peak RSS of Astapa under load (MB)", value: maxRss || null, goal: 150, atMost: true },
  ];
  return [
    "| target | measured | goal | |",
    "| --- | ---: | ---: | --- |",
    ...list.map(({ what, value, goal, atMost }) => {
      const met = value === null ? "n/a" : (atMost ? value <= goal : value >= goal) ? "met" : "missed";
      return `| ${what} | ${fixed(value, 2)} | ${atMost ? "≤" : "≥"} ${goal} | ${met} |`;
    }),
  ].join("\n");
}

function ratio(a: number | null, b: number | null): string {
  return a === null || b === null || b === 0 || Number.isNaN(a) ? "n/a" : `${(a / b).toFixed(2)}×`;
}

/** Issue 24, item 5: each grant's rate on two instances sharing one Postgres against one instance. */
export function scaling(rows: Row[], suffix: string): string {
  const lines = [];
  for (const grant of ["client_credentials", "refresh_token"]) {
    const one = rows.find((row) => row.name === grant)?.result ?? null;
    const two = rows.find((row) => row.name === `${grant}, ${suffix}`)?.result ?? null;
    if (!two) continue;
    lines.push(
      `- ${grant}: ${fixed(one?.rps ?? null)} req/s on one instance, ${fixed(two.rps)} on two ` +
        `(${ratio(two.rps, one?.rps ?? null)}); p99 ${fixed(one?.p99 ?? null, 1)} → ${fixed(two.p99, 1)} ms`,
    );
  }
  return lines.length ? lines.join("\n") : "(not run)";
}
