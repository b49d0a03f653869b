/** Opens the database a process should use: DATABASE_URL when set, else the embedded cluster. */
import type { Config } from "../config.ts";
import { createPool, type Sql } from "./client.ts";
import { startEmbeddedPostgres } from "./embedded.ts";

export type Database = {
  sql: Sql;
  /** Human-readable: where the data lives. */
  location: string;
  embedded: boolean;
  close(): Promise<void>;
};

/** `asServer`: the caller holds the data folder's instance lock, so the embedded cluster is its to stop. */
export async function openDatabase(
  config: Config,
  options: { applicationName?: string; asServer?: boolean } = {},
): Promise<Database> {
  if (config.databaseUrl) {
    const sql = createPool(config.databaseUrl, {
      max: config.databasePoolSize,
      applicationName: options.applicationName,
    });
    return {
      sql,
      location: redact(config.databaseUrl),
      embedded: false,
      close: () => sql.end({ timeout: 5 }),
    };
  }
  const cluster = await startEmbeddedPostgres(config.dataDir);
  const sql = createPool(cluster.localUrl, {
    max: config.databasePoolSize,
    applicationName: options.applicationName,
  });
  return {
    sql,
    location: cluster.dataDir,
    embedded: true,
    async close() {
      await sql.end({ timeout: 5 });
      await cluster.stop({ asServer: options.asServer });
    },
  };
}

/** A connection string without its password, for logs and banners. */
export function redact(url: string): string {
  // Several hosts (libpq style) are not a WHATWG URL: blank the password by pattern instead.
  if (/^postgres(?:ql)?:\/\/[^/?#]*,/.test(url)) {
    return url.replace(/^(postgres(?:ql)?:\/\/[^:@/]*:)[^@/]*@/, "$1***@");
  }
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    // A Unix socket's URL has an empty host (`postgres://u:p@/db?host=/run/postgresql`), which WHATWG refuses.
    if (/^postgres(?:ql)?:\/\/[^/?#]*@(?::\d+)?\//.test(url)) {
      return url.replace(/^(postgres(?:ql)?:\/\/[^:@/]*:)[^@/]*@/, "$1***@");
    }
    return "(unparseable DATABASE_URL)";
  }
}
