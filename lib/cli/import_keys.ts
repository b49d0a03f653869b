/**
 * The emails and external_ids one `astapa user import` run has taken, kept in a temporary table on one reserved
 * connection rather than in the CLI's memory: a file of any size is refused a repeat exactly (no hashes that
 * could collide) while the process stays flat. The table lives outside the batches' transactions, so a dry run
 * (whose batches roll back) still finds repeats across batches. `close` drops it before the connection goes
 * back to the pool (a temporary table lasts as long as its session, not its statement).
 */
import type { Sql } from "@/db/client.ts";
import type { Refusal, SqlRow as Row } from "@/lib/import/rows.ts";
import { UsageError } from "./args.ts";

type Reserved = Awaited<ReturnType<Sql["reserve"]>>;

export class ImportKeys {
  private constructor(private readonly connection: Reserved) {}

  /** Takes one connection of the pool for the whole run; the batches need another beside it. */
  static async open(sql: Sql): Promise<ImportKeys> {
    if ((sql.options.max ?? 1) < 2) {
      throw new UsageError(
        "user import needs two database connections: set ASTAPA_DB_POOL_SIZE to 2 or more.",
      );
    }
    const connection = await sql.reserve();
    try {
      await connection`create temporary table import_keys (key text primary key, row integer not null)`;
    } catch (cause) {
      connection.release();
      throw cause;
    }
    return new ImportKeys(connection);
  }

  /**
   * The rows whose email and external_id no earlier row of this run took (taking them now); each other row
   * gets a refusal naming the row that came first, as a repeat within one API request does.
   */
  async claim(rows: Row[], refused: Refusal[]): Promise<Row[]> {
    const keysOf = (
      row: Row,
    ) => [`e:${row.email.toLowerCase()}`, ...(row.external_id ? [`x:${row.external_id}`] : [])];
    const wanted = [...new Set(rows.flatMap(keysOf))];
    const taken = new Map<string, number>();
    if (wanted.length) {
      const found = await this.connection<{ key: string; row: number }[]>`
        select key, row from pg_temp.import_keys where key = any(${wanted}::text[])`;
      for (const { key, row } of found) taken.set(key, row);
    }
    const fresh: Row[] = [];
    for (const row of rows) {
      const keys = keysOf(row);
      const first = keys.map((key) => taken.get(key)).find((n) => n !== undefined);
      if (first !== undefined) {
        refused.push({
          row: row.row,
          email: row.email,
          reason: `The same email or external_id is already in row ${first} of this import.`,
        });
        continue;
      }
      for (const key of keys) taken.set(key, row.row);
      fresh.push(row);
    }
    const keys = fresh.flatMap((row) => keysOf(row).map((key) => ({ key, row: row.row })));
    if (keys.length) {
      await this.connection`
        insert into pg_temp.import_keys (key, row)
        select key, row from unnest(${keys.map((k) => k.key)}::text[], ${
        keys.map((k) => k.row)
      }::int[]) as k(key, row)`;
    }
    return fresh;
  }

  async close(): Promise<void> {
    try {
      await this.connection`drop table if exists pg_temp.import_keys`;
    } finally {
      this.connection.release();
    }
  }
}
