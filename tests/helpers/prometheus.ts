/**
 * Parses Prometheus text exposition with the Prometheus project's own Python client parser (Debian's
 * python3-prometheus-client; .ci/run installs it), so tests check the format against a real parser.
 */
export type Sample = { name: string; labels: Record<string, string>; value: number };
export type Family = { name: string; type: string; samples: Sample[] };

const PARSE = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": family.name, "type": family.type, "samples": [
        {"name": s.name, "labels": s.labels, "value": s.value if math.isfinite(s.value) else str(s.value)}
        for s in family.samples]})
print(json.dumps(out))
`;

export async function parsePrometheus(text: string): Promise<Family[]> {
  const child = new Deno.Command("/usr/bin/python3", {
    args: ["-c", PARSE],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  if (code !== 0) throw new Error(`Prometheus parser refused the text:\n${new TextDecoder().decode(stderr)}`);
  return JSON.parse(new TextDecoder().decode(stdout));
}

/** The samples of one family (by its name without _total), or of one sample name. */
export function samples(families: Family[], name: string): Sample[] {
  return families.flatMap((f) => f.samples).filter((s) => s.name === name);
}

/** Sum of the values of the samples named `name` whose labels include `labels`. */
export function total(families: Family[], name: string, labels: Record<string, string> = {}): number {
  return samples(families, name)
    .filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}
