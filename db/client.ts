/**
 * The connection pool and the per-request pattern every query runs in:
 * one transaction, `SET LOCAL ROLE astapa_app` (a non-owner role, so RLS applies), and the project the
 * request acts for in the transaction-local setting `astapa.project_id` that the policies read.
 */
import postgres from "postgres";

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;

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
 * Runs `work` as the app role in one transaction. With a project id, RLS shows that project's rows only;
 * without one, tenant tables show nothing.
 */
export function asApp<T>(
  sql: Sql,
  projectId: string | null,
  work: (tx: Tx) => Promise<T>,
  context: AppContext = {},
): Promise<T> {
  return sql.begin(async (tx) => {
    await tx`select set_config('role', 'astapa_app', true), set_config('astapa.project_id', ${
      projectId ?? ""
    }, true), set_config('astapa.actor', ${context.actor ?? ""}, true)`;
    return await work(tx);
  }) as Promise<T>;
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
