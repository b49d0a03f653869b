/** `astapa master-key reseal [--dry-run]`: the last step of changing the master key (docs/self-hosting.md). */
import type { Config } from "@/config.ts";
import type { Sql } from "@/db/client.ts";
import { loadMasterKeys } from "../tokens/master_key.ts";
import { resealAll, type ResealReport } from "../tokens/reseal.ts";
import { allowFlags, flag, operands, type ParsedArgs, UsageError } from "./args.ts";
import type { Output } from "./output.ts";

export const MASTER_KEY_USAGE =
  `  master-key reseal [--dry-run]  seal again under ASTAPA_MASTER_KEY what only ASTAPA_MASTER_KEY_PREVIOUS opens
                                 (counts per kind; exits 1 when a value opens with no key listed)`;

export async function masterKeyCommand(
  sql: Sql,
  args: ParsedArgs,
  out: Output,
  config: Config,
): Promise<number> {
  const [, action] = args.positionals;
  if (action !== "reseal") throw new UsageError(`Unknown master-key command "${action ?? ""}"`);
  allowFlags(args, ["dry-run"]);
  operands(args, 2, []);
  const report = await resealAll(sql, await loadMasterKeys(config), {
    dryRun: flag(args, "dry-run") === "true",
  });
  out.result(report, describe(report));
  return report.kinds.some((kind) => kind.unopenable.length) ? 1 : 0;
}

function describe(report: ResealReport): string {
  const width = Math.max(...report.kinds.map((k) => k.kind.length));
  const lines = report.kinds.map((k) =>
    `${k.kind.padEnd(width)}  ${k.resealed} ${
      report.dryRun ? "to reseal" : "resealed"
    }, ${k.current} current` +
    (k.changed ? `, ${k.changed} changed meanwhile` : "") +
    (k.unopenable.length ? `, ${k.unopenable.length} unopenable: ${k.unopenable.join(", ")}` : "")
  );
  const left = report.kinds.reduce((n, k) => n + k.resealed * (report.dryRun ? 1 : 0) + k.changed, 0);
  const unopenable = report.kinds.reduce((n, k) => n + k.unopenable.length, 0);
  const verdict = unopenable
    ? `${unopenable} value(s) open with no key listed: keep the key that sealed them, or set them again.`
    : left
    ? "Run it again (without --dry-run, or once the changes settle) until nothing is left to reseal."
    : "Everything opens with the current key: ASTAPA_MASTER_KEY_PREVIOUS can go.";
  return `${report.dryRun ? "Dry run (nothing written).\n" : ""}${lines.join("\n")}\n${verdict}`;
}
