/**
 * db/schema.sql from the catalogs (the embedded Postgres ships no pg_dump): schemas, tables with columns,
 * constraints, indexes, comments, RLS flags, policies, triggers and grants, then every function as
 * pg_get_functiondef prints it, in a fixed order so that two databases with the same schema print the same
 * text. Bookkeeping (astapa_meta) and the public schema are left out. `deno task astapa db schema`.
 */
import type postgres from "postgres";
import type { Sql } from "./client.ts";
import { type Relation, relationSection } from "./schema_dump_relations.ts";

export const SCHEMA_FILE = new URL("./schema.sql", import.meta.url);

const HEADER =
  `-- The whole schema of an Astapa database, generated from its catalogs by \`deno task astapa db schema\`.
-- Do not edit: change db/migrations (tables) or db/api (functions, triggers, policies), then regenerate
-- (docs/database.md). tests/sql/schema_file_test.ts fails when this file and a fresh migrate differ.
`;

/** A grantee in SQL: a quoted role name, or public. */
export const GRANTEE =
  `case when a.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(a.grantee)) end`;

/** Which schemas a dump covers: Astapa's own. */
const OWN =
  `n.nspname not like 'pg\\_%' and n.nspname not in ('information_schema', 'public', 'astapa_meta')`;

/** Prints the schema of the database `pool` is connected to. */
export function dumpSchema(pool: Sql): Promise<string> {
  // Definitions print names relative to search_path: pin it so every name comes out schema-qualified.
  return pool.begin(async (tx) => {
    await tx`set transaction read only`;
    await tx`set local search_path = pg_catalog`;
    return await dump(tx);
  });
}

async function dump(sql: postgres.TransactionSql): Promise<string> {
  const parts = [HEADER, await extensionsAndSchemas(sql)];
  const relations = await sql.unsafe<Relation[]>(`
    select c.oid::int as oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) as name, c.relkind::text as kind,
      pg_get_userbyid(c.relowner) as owner, c.relrowsecurity as rls, c.relforcerowsecurity as force_rls,
      obj_description(c.oid, 'pg_class') as comment,
      case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid, true) end as view
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where ${OWN} and c.relkind in ('r', 'p', 'v', 'm', 'S')
      and not exists (select from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid
                      and d.deptype = 'i') -- identity sequences print with their column
    order by n.nspname collate "C", c.relname collate "C"`);
  for (const relation of relations) parts.push(await relationSection(sql, relation));
  parts.push(await functions(sql), await defaultPrivileges(sql));
  return parts.filter(Boolean).join("\n") + "\n";
}

async function extensionsAndSchemas(sql: postgres.TransactionSql): Promise<string> {
  const extensions = await sql<{ name: string }[]>`
    select quote_ident(extname) as name from pg_extension where extname <> 'plpgsql' order by extname collate "C"`;
  const schemas = await sql.unsafe<
    { name: string; owner: string; comment: string | null; grants: string[] }[]
  >(`
    select quote_ident(n.nspname) as name, pg_get_userbyid(n.nspowner) as owner,
      obj_description(n.oid, 'pg_namespace') as comment,
      array(select format('grant %s on schema %I to %s;', string_agg(lower(a.privilege_type), ', ' order by a.privilege_type),
                          n.nspname, ${GRANTEE})
            from aclexplode(n.nspacl) a where a.grantee <> n.nspowner
            group by a.grantee order by pg_get_userbyid(a.grantee) collate "C") as grants
    from pg_namespace n where ${OWN} order by n.nspname collate "C"`);
  const lines = extensions.map((e) => `create extension ${e.name};`);
  for (const schema of schemas) {
    lines.push(`create schema ${schema.name} authorization ${schema.owner};`);
    if (schema.comment !== null) {
      lines.push(`comment on schema ${schema.name} is ${literal(schema.comment)};`);
    }
    lines.push(...schema.grants);
  }
  return lines.join("\n") + "\n";
}

async function functions(sql: postgres.TransactionSql): Promise<string> {
  const rows = await sql.unsafe<
    { definition: string; signature: string; owner: string; comment: string | null; grants: string[] }[]
  >(`
    select pg_get_functiondef(p.oid) as definition, p.oid::regprocedure::text as signature,
      pg_get_userbyid(p.proowner) as owner, obj_description(p.oid, 'pg_proc') as comment,
      array(select format('grant %s on function %s to %s;', lower(a.privilege_type), p.oid::regprocedure, ${GRANTEE})
            from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a where a.grantee <> p.proowner
            order by pg_get_userbyid(a.grantee) collate "C", a.privilege_type) as grants
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where ${OWN} and p.prokind in ('f', 'p')
    order by n.nspname collate "C", p.proname collate "C", pg_get_function_identity_arguments(p.oid) collate "C"`);
  return rows.map((f) =>
    [
      `-- owner: ${f.owner}`,
      f.definition.trimEnd() + ";",
      f.comment !== null ? `comment on function ${f.signature} is ${literal(f.comment)};` : "",
      ...f.grants,
    ].filter(Boolean).join("\n") + "\n"
  ).join("\n");
}

async function defaultPrivileges(sql: postgres.TransactionSql): Promise<string> {
  const rows = await sql<{ line: string }[]>`
    select format('-- default privileges of %s%s on %s: %s', pg_get_userbyid(d.defaclrole),
      coalesce(' in schema ' || d.defaclnamespace::regnamespace::text, ''),
      case d.defaclobjtype when 'r' then 'tables' when 'S' then 'sequences' when 'f' then 'functions'
        when 'T' then 'types' when 'n' then 'schemas' else d.defaclobjtype::text end,
      d.defaclacl::text) as line
    from pg_default_acl d order by pg_get_userbyid(d.defaclrole) collate "C", d.defaclnamespace::regnamespace::text
      collate "C", d.defaclobjtype`;
  return rows.map((r) => r.line).join("\n") + (rows.length ? "\n" : "");
}

/** A SQL string literal. */
export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
