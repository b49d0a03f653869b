/**
 * `astapa user import` and `astapa user export` (docs/migrating.md). Import streams NDJSON files of any size
 * in batches of 1,000 (one transaction each; a bad row is refused alone), shows progress on a terminal and a
 * summary at the end; a `.json` file (array, `{ hash_config, users }`, or Firebase's `auth:export`) is read
 * whole. Export writes NDJSON page by page; password hashes only with --with-password-hashes (audited).
 */
import { asApp, type Sql } from "@/db/client.ts";
import { exportUsersPage, importUsers } from "@/db/user_import.ts";
import { checkItems } from "@/lib/import/batch.ts";
import { EXPORT_PAGE_SIZE, ndjsonExport } from "@/lib/import/export_stream.ts";
import {
  DocumentProblem,
  type Item,
  NdjsonLines,
  parseImportDocument,
  readHashConfig,
} from "@/lib/import/parse_input.ts";
import type { HashConfig, Refusal } from "@/lib/import/rows.ts";
import { allowFlags, flag, operands, type ParsedArgs, UsageError } from "./args.ts";
import type { Output } from "./output.ts";
import { ImportKeys } from "./import_keys.ts";
import { Progress } from "./progress.ts";
import { lines } from "./lines.ts";

export const USER_IMPORT_USAGE = `  user import --project ID FILE [--dry-run] [--hash-config FILE]
                             import users with their password hashes (NDJSON streams; .json read whole)
  user export --project ID [--out FILE] [--with-password-hashes]
                             every user as NDJSON, ready to import elsewhere; hashes only when asked`;

export const USER_IMPORT_BOOLEANS = ["dry-run", "with-password-hashes"];

const BATCH = 1000;
const CLI = { actor: "cli" };

type Totals = { created: number; updated: number; refused: Refusal[]; rows: number };

/** `user import`: exit 0 when every row went in, 1 when some were refused (listed). */
export async function importCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  allowFlags(args, ["project", "dry-run", "hash-config"]);
  const project = flag(args, "project", true);
  const [path] = operands(args, 2, ["FILE"]);
  const dryRun = flag(args, "dry-run") === "true";
  const configPath = flag(args, "hash-config");
  const hashConfig = configPath ? await readConfigFile(configPath) : undefined;
  const size = (await statOrUsage(path)).size;
  const progress = new Progress("import", size);
  const totals: Totals = { created: 0, updated: 0, refused: [], rows: 0 };
  // A repeat of an email or external_id anywhere in the file is refused, as within one request.
  const keys = await ImportKeys.open(sql);
  const send = async (items: Item[], config?: HashConfig) => {
    const { rows, refused } = checkItems(items, config);
    const fresh = await keys.claim(rows, refused);
    const result = await asApp(
      sql,
      project,
      (tx) => importUsers(tx, project, fresh, { dryRun, source: "cli" }),
      CLI,
    );
    totals.created += result.created;
    totals.updated += result.updated;
    totals.refused.push(...refused, ...result.refused);
    totals.rows += items.length;
    progress.rows(totals.rows);
  };
  try {
    if (path.endsWith(".json")) await importJsonFile(path, hashConfig, send, progress);
    else await importNdjsonFile(path, hashConfig, send, progress);
  } catch (cause) {
    if (cause instanceof DocumentProblem) {
      progress.done();
      throw new UsageError(`${path}: ${cause.message}`);
    }
    throw cause;
  } finally {
    progress.done();
    await keys.close();
  }
  totals.refused.sort((a, b) => a.row - b.row);
  const summary = { ...totals, dry_run: dryRun };
  out.result(summary, describe(summary));
  return totals.refused.length ? 1 : 0;
}

async function importNdjsonFile(
  path: string,
  hashConfig: HashConfig | undefined,
  send: (items: Item[], config?: HashConfig) => Promise<void>,
  progress: Progress,
): Promise<void> {
  const reader = new NdjsonLines();
  reader.hashConfig = hashConfig;
  let batch: Item[] = [];
  using file = await Deno.open(path);
  for await (const line of lines(file.readable, (bytes) => progress.bytes(bytes))) {
    const item = reader.take(line);
    if (item) batch.push(item);
    if (batch.length >= BATCH) {
      await send(batch, reader.hashConfig);
      batch = [];
    }
  }
  if (batch.length) await send(batch, reader.hashConfig);
}

async function importJsonFile(
  path: string,
  hashConfig: HashConfig | undefined,
  send: (items: Item[], config?: HashConfig) => Promise<void>,
  progress: Progress,
): Promise<void> {
  const text = await Deno.readTextFile(path);
  progress.bytes(text.length);
  const doc = parseImportDocument(text, "json", { maxRows: Infinity, maxBytes: Infinity });
  for (let i = 0; i < doc.items.length; i += BATCH) {
    await send(doc.items.slice(i, i + BATCH), hashConfig ?? doc.hashConfig);
  }
}

async function readConfigFile(path: string): Promise<HashConfig> {
  const parsed = JSON.parse(
    await Deno.readTextFile(path).catch(() => {
      throw new UsageError(`Cannot read --hash-config ${path}`);
    }),
  );
  try {
    return readHashConfig(parsed?.hash_config ?? parsed);
  } catch (cause) {
    if (cause instanceof DocumentProblem) throw new UsageError(`--hash-config: ${cause.message}`);
    throw cause;
  }
}

async function statOrUsage(path: string): Promise<Deno.FileInfo> {
  try {
    return await Deno.stat(path);
  } catch {
    throw new UsageError(`Cannot read ${path}`);
  }
}

function describe(summary: Totals & { dry_run: boolean }): string {
  const head = `${summary.dry_run ? "Dry run (nothing written): " : ""}${summary.rows} rows: ` +
    `${summary.created} created, ${summary.updated} updated, ${summary.refused.length} refused`;
  const shown = summary.refused.slice(0, 50).map((r) =>
    `  row ${r.row}${r.email ? ` (${r.email})` : ""}: ${r.reason}`
  );
  const more = summary.refused.length > 50
    ? [`  … and ${summary.refused.length - 50} more (--json lists all)`]
    : [];
  return [head, ...shown, ...more].join("\n");
}

/** `user export`: NDJSON to --out or stdout; the count to stderr. */
export async function exportCommand(sql: Sql, args: ParsedArgs): Promise<number> {
  allowFlags(args, ["project", "out", "with-password-hashes"]);
  operands(args, 2, []);
  const project = flag(args, "project", true);
  const outPath = flag(args, "out");
  const withPasswordHashes = flag(args, "with-password-hashes") === "true";
  const page = (afterId: string) =>
    asApp(
      sql,
      project,
      (tx) => exportUsersPage(tx, project, { afterId, size: EXPORT_PAGE_SIZE, withPasswordHashes }),
      CLI,
    );
  const first = await page("0");
  const progress = new Progress("export", 0);
  let count = 0;
  const counted = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      for (const byte of chunk) if (byte === 0x0a) count++;
      progress.rows(count);
      controller.enqueue(chunk);
    },
  });
  const target = outPath
    ? (await Deno.open(outPath, { write: true, create: true, truncate: true, mode: 0o600 })).writable
    : Deno.stdout.writable;
  await ndjsonExport(first, page).pipeThrough(counted).pipeTo(target, { preventClose: !outPath });
  progress.done();
  console.error(`Exported ${count} users${withPasswordHashes ? " with password hashes (audited)" : ""}.`);
  return 0;
}
