/**
 * Forward-only migrations: db/migrations/NNNN_verb_object.sql (and the read-only history in
 * db/migrations/history/), applied in order, each in its own transaction; then the current-state files of
 * db/api when they changed (current_files.ts) — all under one advisory lock so instances starting together
 * apply each change exactly once. Every file after the first runs as `astapa_owner` (created by the first),
 * so the owner role owns the schema. See docs/database.md.
 */
import type postgres from "postgres";
import type { Sql } from "./client.ts";
import { hex, sha256 } from "../lib/secrets.ts";
import {
  API_DIR,
  applyCurrentFiles,
  CURRENT_FILES_TABLE,
  CurrentFilesError,
  type CurrentFilesStatus,
  currentFilesStatus,
  readCurrentFiles,
} from "./current_files.ts";

export const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
/** Migrations that landed before db/api existed: never edited, never added to (see docs/database.md). */
const HISTORY_DIR = "history/";
const LOCK_KEY = 0x61_73_74_61; // "asta": one lock for every Astapa migrator on this database
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export type Migration = {
  version: string;
  name: string;
  sql: string;
  checksum: string;
  /** From db/migrations/history/: landed before db/api existed, never added to. */
  history?: true;
};
export type AppliedMigration = { version: string; name: string; checksum: string; appliedAt: Date };
export type MigrationStatus = {
  applied: AppliedMigration[];
  pending: Migration[];
  /** Problems that stop `migrate`: edited landed files, or versions the database has and this build lacks. */
  problems: string[];
  /** db/api against the set the database applied last (null when the build is versioned-only). */
  currentFiles: CurrentFilesStatus | null;
};

export class MigrationError extends Error {
  override name = "MigrationError";
}

/** Reads the migration files (the folder's and its history/ folder's) in version order. */
export async function readMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const folder of [new URL(HISTORY_DIR, dir), dir]) {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(folder));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound && folder !== dir) continue;
      throw error;
    }
    for (const entry of entries) {
      if (!entry.isFile || !entry.name.endsWith(".sql")) continue;
      const match = FILE_NAME.exec(entry.name);
      if (!match) throw new MigrationError(`Migration file ${entry.name} must be named NNNN_verb_object.sql`);
      const sql = await Deno.readTextFile(new URL(entry.name, folder));
      const migration: Migration = {
        version: match[1],
        name: match[2],
        sql,
        checksum: hex(await sha256(sql)),
      };
      if (folder !== dir) migration.history = true;
      migrations.push(migration);
    }
  }
  migrations.sort((a, b) => a.version.localeCompare(b.version));
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i].version === migrations[i - 1].version) {
      throw new MigrationError(`Two migrations share version ${migrations[i].version}`);
    }
  }
  return migrations;
}

/** Compares the files with what the database recorded. Read-only. */
export async function migrationStatus(
  sql: Sql,
  dir: URL = MIGRATIONS_DIR,
  apiDir: URL | null = API_DIR,
): Promise<MigrationStatus> {
  const files = await readMigrations(dir);
  const applied = await appliedMigrations(sql);
  const status = compare(files, applied);
  if (!apiDir) return status;
  const currentFiles = await currentFilesStatus(sql, await readCurrentFiles(apiDir));
  if (currentFiles.problem) status.problems.push(currentFiles.problem);
  return { ...status, currentFiles };
}

/**
 * Applies pending migrations, then db/api if it changed; returns the migrations applied by this call.
 * `apiDir: null` applies versioned migrations only (what builds before db/api did; tests use it).
 * `reapply` applies this build's db/api even where the database already replaced it (an operator's choice).
 */
export async function migrate(
  sql: Sql,
  dir: URL = MIGRATIONS_DIR,
  apiDir: URL | null = API_DIR,
  options: { reapply?: boolean } = {},
): Promise<Migration[]> {
  const files = await readMigrations(dir);
  const currentFiles = apiDir ? await readCurrentFiles(apiDir).catch(asMigrationError) : null;
  const connection = await sql.reserve();
  try {
    await connection`select pg_advisory_lock(${LOCK_KEY})`;
    try {
      await connection.unsafe(`
        create schema if not exists astapa_meta;
        create table if not exists astapa_meta.schema_migrations (
          version text primary key,
          name text not null,
          checksum text not null,
          applied_at timestamptz not null default now()
        );
        comment on table astapa_meta.schema_migrations is
          'One row per applied file of db/migrations, with the SHA-256 of its text when applied.';
        ${CURRENT_FILES_TABLE}`);
      const status = compare(files, await appliedMigrations(connection));
      const api = currentFiles ? await currentFilesStatus(connection, currentFiles) : null;
      if (api?.problem && !options.reapply) status.problems.push(api.problem);
      if (status.problems.length) throw new MigrationError(status.problems.join("\n"));
      for (const migration of status.pending) {
        await connection.unsafe("begin");
        try {
          if (migration !== files[0]) await connection.unsafe("set local role astapa_owner");
          await connection.unsafe(migration.sql);
          await connection`reset role`;
          await connection`
            insert into astapa_meta.schema_migrations (version, name, checksum)
            values (${migration.version}, ${migration.name}, ${migration.checksum})`;
          await connection.unsafe("commit");
        } catch (cause) {
          await connection.unsafe("rollback");
          const message = cause instanceof Error ? cause.message : String(cause);
          throw new MigrationError(`Migration ${label(migration)} failed: ${message}`, { cause });
        }
      }
      if (currentFiles && (api?.pending || status.pending.length || options.reapply)) {
        // Versioned migrations may have dropped what a current file defines: re-apply after any of them.
        await applyCurrentFiles(connection, currentFiles).catch(asMigrationError);
      }
      if (currentFiles) await refreshTimeZones(connection);
      return status.pending;
    } finally {
      await connection`select pg_advisory_unlock(${LOCK_KEY})`;
    }
  } finally {
    connection.release();
  }
}

/**
 * A Postgres upgrade (or the system's tz database, which Postgres may use) can bring zones that
 * astapa.time_zones, the copy `zoneinfo` is checked against, lacks: every start adds them (about 20 ms: the view
 * reads every zone file). Before the copy existed (an older database being migrated) there is nothing to do.
 */
async function refreshTimeZones(connection: postgres.ReservedSql): Promise<void> {
  const [fn] = await connection`select to_regprocedure('astapa.refresh_time_zones()') is not null as present`;
  if (!fn.present) return;
  await connection.unsafe("begin");
  try {
    await connection.unsafe("set local role astapa_owner");
    await connection`select astapa.refresh_time_zones()`;
    await connection.unsafe("commit");
  } catch (cause) {
    await connection.unsafe("rollback");
    throw new MigrationError(`Refreshing astapa.time_zones failed: ${(cause as Error).message}`, { cause });
  }
}

async function appliedMigrations(sql: Sql | postgres.ReservedSql): Promise<AppliedMigration[]> {
  const [table] = await sql`select to_regclass('astapa_meta.schema_migrations') as name`;
  if (!table.name) return [];
  const rows = await sql<{ version: string; name: string; checksum: string; applied_at: Date }[]>`
    select version, name, checksum, applied_at from astapa_meta.schema_migrations order by version`;
  return rows.map((r) => ({
    version: r.version,
    name: r.name,
    checksum: r.checksum,
    appliedAt: r.applied_at,
  }));
}

function compare(files: Migration[], applied: AppliedMigration[]): MigrationStatus {
  const byVersion = new Map(files.map((file) => [file.version, file]));
  const problems: string[] = [];
  for (const row of applied) {
    const file = byVersion.get(row.version);
    if (!file) {
      problems.push(
        `The database has migration ${row.version}_${row.name}, which this build lacks: run a newer Astapa.`,
      );
    } else if (file.checksum !== row.checksum) {
      problems.push(
        `Migration ${label(file)} was edited after it was applied (checksum ${
          row.checksum.slice(0, 12)
        }… in the ` +
          `database, ${
            file.checksum.slice(0, 12)
          }… on disk). Migrations are forward-only: restore the file ` +
          `and put the change in a new migration.`,
      );
    }
  }
  const done = new Set(applied.map((row) => row.version));
  const pending = files.filter((file) => !done.has(file.version));
  // A migration numbered below one the database has applied is still applied, in number order: work from
  // two branches lands in either order, and a release may carry a number below the previous release's newest
  // (docs/database.md, "How a start applies them"). The history is the exception: it is never added to.
  const newestApplied = applied.at(-1)?.version ?? "";
  for (const file of pending) {
    if (file.history && file.version < newestApplied) {
      problems.push(
        `Migration history/${label(file)} is older than ${newestApplied}, which is already applied: ` +
          `the history is read-only; put the change in db/migrations with a version after ${newestApplied}.`,
      );
    }
  }
  return { applied, pending, problems, currentFiles: null };
}

function asMigrationError(error: unknown): never {
  if (error instanceof CurrentFilesError) throw new MigrationError(error.message, { cause: error });
  throw error;
}

const label = (m: Migration) => `${m.version}_${m.name}.sql`;
