/**
 * Current-state SQL files (db/api/*.sql): the one definition of every function, trigger and policy, kept
 * as it is now. After the versioned migrations, the whole set is re-applied in one transaction whenever any
 * file's checksum differs from the set the database last applied (Flyway's repeatable migrations). Each
 * applied set is recorded; a build whose set the database has already replaced by another is older than
 * the database and is refused, so an old instance restarting cannot put old definitions back.
 */
import type postgres from "postgres";
import type { Sql } from "./client.ts";
import { hex, sha256 } from "../lib/secrets.ts";

export const API_DIR = new URL("./api/", import.meta.url);
/** The apply order of db/api, one file name a line. */
export const API_ORDER_FILE = "apply_order.txt";
/** Versioned migrations below this are the read-only history; from it on they may not define functions. */
export const FIRST_LAYOUT_VERSION = "3000";

export type CurrentFile = { name: string; sql: string; checksum: string };
export type CurrentFileSet = { files: CurrentFile[]; checksum: string };
export type CurrentFilesStatus = {
  /** This build's set differs from the one the database applied last. */
  pending: boolean;
  /** Files whose checksum differs from (or that are missing in) the applied set. */
  changed: string[];
  problem: string | null;
};

export class CurrentFilesError extends Error {
  override name = "CurrentFilesError";
}

/** The bookkeeping table, created next to astapa_meta.schema_migrations by the runner. */
export const CURRENT_FILES_TABLE = `
  create table if not exists astapa_meta.current_file_sets (
    checksum text primary key,
    files jsonb not null,
    applied_at timestamptz not null default now(),
    replaced_at timestamptz
  );
  comment on table astapa_meta.current_file_sets is
    'One row per set of db/api files ever applied (file names and SHA-256s); replaced_at is null on the live one.';`;

/** Reads db/api in the order apply_order.txt gives; every .sql file there must be listed once. */
export async function readCurrentFiles(dir: URL = API_DIR): Promise<CurrentFileSet> {
  const order = (await Deno.readTextFile(new URL(API_ORDER_FILE, dir))).split("\n")
    .map((line) => line.trim()).filter((line) => line && !line.startsWith("#"));
  const onDisk = new Set<string>();
  for await (const entry of Deno.readDir(dir)) if (entry.name.endsWith(".sql")) onDisk.add(entry.name);
  for (const name of onDisk) {
    if (!order.includes(name)) {
      throw new CurrentFilesError(`db/api/${name} is not listed in ${API_ORDER_FILE}`);
    }
  }
  if (new Set(order).size !== order.length) {
    throw new CurrentFilesError(`${API_ORDER_FILE} lists a file twice`);
  }
  const files: CurrentFile[] = [];
  for (const name of order) {
    if (!onDisk.has(name)) {
      throw new CurrentFilesError(`${API_ORDER_FILE} lists ${name}, which is not in db/api`);
    }
    const sql = await Deno.readTextFile(new URL(name, dir));
    files.push({ name, sql, checksum: hex(await sha256(sql)) });
  }
  const manifest = files.map((file) => `${file.name} ${file.checksum}\n`).join("");
  return { files, checksum: hex(await sha256(manifest)) };
}

type AppliedSet = { checksum: string; files: Record<string, string>; replaced_at: Date | null };

/** Compares this build's set with what the database applied. Read-only. */
export async function currentFilesStatus(
  sql: Sql | postgres.ReservedSql,
  set: CurrentFileSet,
): Promise<CurrentFilesStatus> {
  const [table] = await sql`select to_regclass('astapa_meta.current_file_sets') as name`;
  const rows = table.name
    ? await sql<AppliedSet[]>`
        select checksum, files, replaced_at from astapa_meta.current_file_sets
        where replaced_at is null or checksum = ${set.checksum}`
    : [];
  const live = rows.find((row) => row.replaced_at === null);
  if (live?.checksum === set.checksum) return { pending: false, changed: [], problem: null };
  const changed = set.files.filter((file) => live?.files[file.name] !== file.checksum).map((f) => f.name);
  const mine = rows.find((row) => row.checksum === set.checksum);
  const problem = mine
    ? `The database's SQL functions and policies (db/api) were replaced on ${
      mine.replaced_at!.toISOString()
    } ` +
      "by a newer Astapa's: run a newer Astapa. (To put this build's definitions back on purpose — a rollback, " +
      "or an older branch in development — run `deno task astapa db migrate --reapply`.)"
    : null;
  return { pending: true, changed, problem };
}

/**
 * Applies `set` in one transaction on `connection`, which holds the migration lock. Function bodies are
 * checked when called, not when created (like pg_dump's output), so the file order need not follow calls.
 */
export async function applyCurrentFiles(
  connection: postgres.ReservedSql,
  set: CurrentFileSet,
): Promise<void> {
  await connection.unsafe("begin");
  let current = "";
  try {
    await connection.unsafe("set local role astapa_owner; set local check_function_bodies = off");
    for (const file of set.files) {
      current = file.name;
      await connection.unsafe(file.sql);
    }
    current = "";
    await connection`reset role`;
    await connection`
      update astapa_meta.current_file_sets set replaced_at = now()
      where replaced_at is null and checksum <> ${set.checksum}`;
    const files = Object.fromEntries(set.files.map((file) => [file.name, file.checksum]));
    await connection`
      insert into astapa_meta.current_file_sets (checksum, files) values (${set.checksum}, ${
      connection.json(files)
    })
      on conflict (checksum) do update set applied_at = now(), replaced_at = null`;
    await connection.unsafe("commit");
  } catch (cause) {
    await connection.unsafe("rollback");
    const message = cause instanceof Error ? cause.message : String(cause);
    const where = current ? `db/api/${current}` : "Recording db/api";
    throw new CurrentFilesError(`${where} failed: ${message} (nothing of db/api was applied)`, { cause });
  }
}
