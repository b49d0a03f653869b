/**
 * Cheap fingerprints of the database for "a refused call changes nothing": one md5 per table over its rows in
 * a stable order, in one query (as the superuser the tests connect as, so RLS hides nothing). Logs that a
 * refusal is meant to write (audit_log, the lockout's rate_limits) are left out and checked on their own.
 */
import type { Sql } from "@/db/client.ts";

export type Snapshot = Record<string, string>;

const UNTRACKED = new Set(["audit_log", "rate_limits"]);

/** Builds the snapshot query once; `projectId` limits it to one project's rows (tables with project_id). */
export async function snapshotter(sql: Sql): Promise<(projectId?: string) => Promise<Snapshot>> {
  const tables = await sql<{ table_name: string; tenant: boolean }[]>`
    select t.table_name, exists (select from information_schema.columns c
                                 where c.table_schema = 'astapa' and c.table_name = t.table_name
                                   and c.column_name = 'project_id') as tenant
    from information_schema.tables t
    where t.table_schema = 'astapa' and t.table_type = 'BASE TABLE'
    order by t.table_name`;
  const tracked = tables.filter((t) => !UNTRACKED.has(t.table_name));
  const query = (projectId?: string) =>
    tracked.map(({ table_name: name, tenant }) => {
      const filter = projectId === undefined
        ? ""
        : tenant
        ? `where x.project_id = '${projectId}'`
        : name === "projects"
        ? `where x.id = '${projectId}'`
        : "";
      return `select '${name}' as name, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as hash
        from astapa.${name} x ${filter}`;
    }).join(" union all ");
  return async (projectId) => {
    if (projectId !== undefined && !/^proj_[a-z2-7]{16}$/.test(projectId)) throw new Error("a project id");
    const rows = await sql.unsafe<{ name: string; hash: string }[]>(query(projectId));
    return Object.fromEntries(rows.map((row) => [row.name, row.hash]));
  };
}

/** The tables whose fingerprint differs between two snapshots. */
export function changedTables(before: Snapshot, after: Snapshot): string[] {
  return Object.keys(after).filter((name) => before[name] !== after[name]);
}
