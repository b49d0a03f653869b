/**
 * The connection pool and the per-request pattern every query runs in:
 * one transaction, `SET LOCAL ROLE astapa_app` (a non-owner role, so RLS applies), and the project the
 * request acts for in the transaction-local setting `astapa.project_id` that the policies read.
 */
import postgres from "postgres";
import { tracedSql, tracingEnabled } from "../lib/tracing.ts";

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;
/** A piece of SQL with its parameters, to be placed inside another query (postgres.js fragment). */
export type Fragment = postgres.Fragment;

export type PoolOptions = { max?: number; applicationName?: string };

/** Opens a pool. Notices are dropped (migrations raise them); bigint columns come back as strings. */
export function createPool(url: string, options: PoolOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    idle_timeout: 30,
    // Fail fast when the database is unreachable: the request answers 503 instead of hanging.
    connect_timeout: 3,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? "astapa" },
  });
}

export type AppContext = {
  /** Who acts, for the audit log (`astapa.actor`): e.g. "cli" or "account:12". Unset means "app". */
  actor?: string;
};

/**
 * asApp transactions of this process: waiting for a connection (and its BEGIN), and holding one. postgres.js
 * keeps its pool's queues to itself; nearly all work runs through asApp, so these stand for the pool (metrics).
 */
export const transactions = { waiting: 0, inUse: 0 };

/**
 * Runs `work` as the app role in one transaction. With a project id, RLS shows that project's rows only;
 * without one, tenant tables show nothing.
 */
export function asApp<T>(
  sql: Sql,
  projectId: string | null,
  work: (tx: Tx) => Promise<T>,
  context: AppContext = {},
): Promise<T> {
  let entered = false;
  transactions.waiting++;
  const begin = () =>
    sql.begin(async (tx) => {
      entered = true;
      transactions.waiting--;
      transactions.inUse++;
      // Not awaited: the settings travel in the same network write as work's first statement (postgres.js
      // pipelines on the transaction's connection), so they cost no round trip of their own. They still run
      // first, and a failure among them aborts the transaction; it is reported below.
      const settings = tx`select ${appSettings(sql, projectId, context)}`.execute();
      settings.catch(() => {}); // awaited below; this only keeps an early rejection from counting as unhandled
      try {
        return await work(tx);
      } finally {
        transactions.inUse--;
        await settings;
      }
    }) as Promise<T>;
  const done = tracingEnabled ? tracedSql("db.transaction", projectId, begin) : begin();
  done.catch(() => {
    if (!entered) transactions.waiting--; // no connection, or BEGIN failed
  });
  return done;
}

/**
 * The settings asApp makes, as select-list items: role astapa_app (so RLS applies), the project and the actor,
 * all transaction-local.
 */
export function appSettings(sql: Sql, projectId: string | null, context: AppContext = {}): Fragment {
  return sql`set_config('role', 'astapa_app', true), set_config('astapa.project_id', ${
    projectId ?? ""
  }, true),
    set_config('astapa.actor', ${context.actor ?? ""}, true)`;
}

/**
 * Runs ONE statement as the app role in one round trip, without BEGIN/COMMIT: the statement is its own
 * transaction. `query` gets a materialized CTE (`app`) that makes the asApp settings, and must read from it
 * (`… from app`): its row is produced, settings made, before anything reading it runs.
 *
 * The statement may only CALL api.* functions, never name a table: Postgres applies RLS (and checks EXECUTE)
 * when a statement is planned, which is before its first step sets the role, so a table named here would be
 * read as the login role. Functions with `set search_path` (every api.* function; tests/sql/schema_rules)
 * are never inlined, so their queries are planned as they run, as astapa_app (tests/sql/app_statement_test).
 */
export function asAppStatement<T extends readonly object[]>(
  sql: Sql,
  projectId: string | null,
  query: (app: Fragment) => postgres.PendingQuery<T>,
  context: AppContext = {},
): Promise<postgres.RowList<T>> {
  const statement = query(sql`app as materialized (select ${appSettings(sql, projectId, context)})`);
  if (!tracingEnabled) return statement;
  // The span is named after the first api.* function the statement calls (the statement's own text).
  const called = /api\.([a-z_]+)/.exec((statement as unknown as { strings: string[] }).strings.join(""))?.[1];
  return tracedSql(`db.statement ${called ?? "query"}`, projectId, () => statement);
}

/** True when the database answers a trivial query within the pool's connect timeout. */
export async function ping(sql: Sql): Promise<boolean> {
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  }
}
