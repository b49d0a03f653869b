/**
 * One table's (or view's, or sequence's) part of db/schema.sql: columns, constraints, RLS flags, comments,
 * indexes, grants, policies and triggers, each list in name order. See schema_dump.ts.
 */
import type postgres from "postgres";
import { GRANTEE, literal } from "./schema_dump.ts";

export type Relation = {
  oid: number;
  name: string;
  kind: string;
  owner: string;
  rls: boolean;
  force_rls: boolean;
  comment: string | null;
  view: string | null;
};

type Column = {
  name: string;
  type: string;
  not_null: boolean;
  default: string | null;
  identity: string;
  generated: string;
  comment: string | null;
};

/** The statements that describe `relation`, as text. */
export async function relationSection(sql: postgres.TransactionSql, relation: Relation): Promise<string> {
  const { oid, name } = relation;
  const lines = [`-- owner: ${relation.owner}`];
  if (relation.view !== null) {
    lines.push(
      `create ${relation.kind === "m" ? "materialized view" : "view"} ${name} as\n${relation.view.trimEnd()}`,
    );
  } else if (relation.kind === "S") {
    lines.push(`create sequence ${name};`);
  } else {
    lines.push(`create table ${name} (\n${(await columnsAndConstraints(sql, oid)).join(",\n")}\n);`);
  }
  if (relation.rls) lines.push(`alter table ${name} enable row level security;`);
  if (relation.force_rls) lines.push(`alter table ${name} force row level security;`);
  if (relation.comment !== null) lines.push(`comment on table ${name} is ${literal(relation.comment)};`);
  const columns = await sql<{ name: string; comment: string }[]>`
    select quote_ident(attname) as name, col_description(attrelid, attnum) as comment from pg_attribute
    where attrelid = ${oid} and attnum > 0 and not attisdropped and col_description(attrelid, attnum) is not null
    order by attnum`;
  for (const c of columns) lines.push(`comment on column ${name}.${c.name} is ${literal(c.comment)};`);
  const rest = await sql<{ line: string }[]>`
    select line from (
      select 1 as part, i.indexrelid::regclass::text as sort, pg_get_indexdef(i.indexrelid) || ';' ||
        coalesce(e'\n' || 'comment on index ' || i.indexrelid::regclass::text || ' is ' ||
                 quote_literal(obj_description(i.indexrelid, 'pg_class')) || ';', '') as line
      from pg_index i where i.indrelid = ${oid}
        and not exists (select from pg_constraint k where k.conindid = i.indexrelid and k.conrelid = ${oid})
      union all
      select 2, '', format('grant %s on %s to %s;', string_agg(lower(a.privilege_type), ', ' order by a.privilege_type),
                           ${name}::text, ${sql.unsafe(GRANTEE)})
      from pg_class c, aclexplode(c.relacl) a where c.oid = ${oid} and a.grantee <> c.relowner group by a.grantee
      union all
      select 3, '', format('grant %s (%s) on %s to %s;', lower(a.privilege_type),
                           string_agg(quote_ident(t.attname), ', ' order by t.attnum), ${name}::text, ${
    sql.unsafe(GRANTEE)
  })
      from pg_attribute t, aclexplode(t.attacl) a
      where t.attrelid = ${oid} and t.attnum > 0 and not t.attisdropped group by a.grantee, a.privilege_type
      union all
      select 4, p.policyname, format('create policy %I on %s as %s for %s to %s%s%s;', p.policyname, ${name}::text,
        lower(p.permissive), lower(p.cmd), array_to_string(p.roles, ', '),
        e'\n  using (' || p.qual || ')', e'\n  with check (' || p.with_check || ')')
      from pg_policies p where format('%I.%I', p.schemaname, p.tablename) = ${name}
      union all
      select 5, t.tgname, pg_get_triggerdef(t.oid, true) || ';'
      from pg_trigger t where t.tgrelid = ${oid} and not t.tgisinternal
    ) parts order by part, sort collate "C", line collate "C"`;
  lines.push(...rest.map((r) => r.line));
  return lines.join("\n") + "\n";
}

async function columnsAndConstraints(sql: postgres.TransactionSql, oid: number): Promise<string[]> {
  const columns = await sql<Column[]>`
    select quote_ident(a.attname) as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null,
      pg_get_expr(d.adbin, d.adrelid) as default, a.attidentity::text as identity, a.attgenerated::text as generated,
      null as comment
    from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attrelid = ${oid} and a.attnum > 0 and not a.attisdropped order by a.attnum`;
  const constraints = await sql<{ line: string }[]>`
    select format('  constraint %I %s', conname, pg_get_constraintdef(oid, true)) as line from pg_constraint
    where conrelid = ${oid} and contype <> 'n'
    order by array_position(array['p', 'u', 'f', 'c', 'x', 't'], contype::text), conname collate "C"`;
  return [
    ...columns.map((c) => {
      let line = `  ${c.name} ${c.type}`;
      if (c.identity) line += ` generated ${c.identity === "a" ? "always" : "by default"} as identity`;
      else if (c.generated) {
        line += ` generated always as (${c.default}) ${c.generated === "s" ? "stored" : "virtual"}`;
      } else if (c.default !== null) line += ` default ${c.default}`;
      return c.not_null ? `${line} not null` : line;
    }),
    ...constraints.map((c) => c.line),
  ];
}
