/**
 * "A refused call changes nothing", cheaply: in the test's own database only, an AFTER trigger for each
 * statement on every astapa table (insert, update, delete, truncate) records the table's name — and, for a
 * project's tables, the projects whose rows the statement touched, read from its transition tables — in
 * test_changes.log. "Changed nothing" is then "no log rows since the mark", one indexed read per call instead
 * of hashing every table. Stricter than comparing contents: an update that rewrites a row with the same
 * values counts too. Logs that a refusal is meant to write (audit_log, the lockout's rate_limits) get no
 * trigger and are checked on their own. The triggers run as the superuser that installs them (security
 * definer), so a write by the app role logs under row-level security like any other.
 */
import type { Sql } from "@/db/client.ts";

const UNTRACKED = new Set(["audit_log", "rate_limits"]);

export type ChangeLog = {
  /** The position to compare against: the log's last id now. */
  mark(): Promise<number>;
  /**
   * The tables written since `mark`; with `projectId`, only writes to that project's rows, the project's own
   * row, or tables that belong to no project.
   */
  changedSince(mark: number, projectId?: string): Promise<string[]>;
};

/** Installs the log and its triggers in this (test) database, once per file. */
export async function changeLog(sql: Sql): Promise<ChangeLog> {
  await sql.unsafe(`
    create schema test_changes;
    create table test_changes.log (
      id bigint generated always as identity primary key,
      table_name text not null,
      project_id text
    );
    create function test_changes.record() returns trigger
      language plpgsql security definer set search_path = '' as $$
      begin
        -- TG_ARGV[0]: the column naming the project (project_id, or id on projects); none: no project's table.
        if tg_op = 'TRUNCATE' or tg_nargs = 0 then
          insert into test_changes.log (table_name) values (tg_table_name);
        elsif tg_op = 'INSERT' then
          insert into test_changes.log (table_name, project_id)
          select distinct tg_table_name, pg_catalog.to_jsonb(n) ->> tg_argv[0] from new_rows as n;
        elsif tg_op = 'UPDATE' then
          insert into test_changes.log (table_name, project_id)
          select distinct tg_table_name, x.project_id
          from (select pg_catalog.to_jsonb(n) ->> tg_argv[0] as project_id from new_rows as n
                union all
                select pg_catalog.to_jsonb(o) ->> tg_argv[0] from old_rows as o) as x;
        else
          insert into test_changes.log (table_name, project_id)
          select distinct tg_table_name, pg_catalog.to_jsonb(o) ->> tg_argv[0] from old_rows as o;
        end if;
        return null;
      end
      $$;
  `);
  const tables = await sql<{ table_name: string; project_column: string | null }[]>`
    select c.relname as table_name,
           case when exists (select from pg_catalog.pg_attribute as a
                             where a.attrelid = c.oid and a.attname = 'project_id' and not a.attisdropped)
                then 'project_id'
                when c.relname = 'projects' then 'id' end as project_column
    from pg_catalog.pg_class as c
    where c.relnamespace = 'astapa'::regnamespace and c.relkind in ('r', 'p') and not c.relispartition
    order by c.relname`;
  const tracked = tables.filter((t) => !UNTRACKED.has(t.table_name));
  if (tracked.length < 10) throw new Error(`only ${tracked.length} astapa tables to watch`);
  await sql.unsafe(
    tracked.map(({ table_name: name, project_column: column }) => {
      const args = column ? `'${column}'` : "";
      const on = `astapa.${name}`;
      return `
      create trigger test_changes_insert after insert on ${on} referencing new table as new_rows
        for each statement execute function test_changes.record(${args});
      create trigger test_changes_update after update on ${on} referencing old table as old_rows new table as new_rows
        for each statement execute function test_changes.record(${args});
      create trigger test_changes_delete after delete on ${on} referencing old table as old_rows
        for each statement execute function test_changes.record(${args});
      create trigger test_changes_truncate after truncate on ${on}
        for each statement execute function test_changes.record(${args});`;
    }).join("\n"),
  );
  return {
    async mark() {
      const [{ id }] = await sql<{ id: string }[]>`select coalesce(max(id), 0) as id from test_changes.log`;
      return Number(id);
    },
    async changedSince(mark, projectId) {
      const rows = await sql<{ table_name: string }[]>`
        select distinct table_name from test_changes.log
        where id > ${mark} and (${projectId ?? null}::text is null or project_id is null or project_id = ${
        projectId ?? null
      }::text)
        order by table_name`;
      return rows.map((row) => row.table_name);
    },
  };
}
