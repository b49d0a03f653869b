-- Request context: the project and mode a transaction acts for.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

-- No `set search_path`: a function with a SET clause runs as a call of its own (about 3 µs: a memory context,
-- the setting saved and restored), while one without is inlined into every policy and statement that uses it,
-- about 15 per refresh (docs/performance.md, "Session 17"). It stays safe under any search_path: its one
-- function is schema-qualified and it uses no operator, so nothing in it is looked up by name.
create or replace function astapa.current_project_id() returns text
  language sql
  stable
  parallel safe
  as $$
    select case when pg_catalog.texteq(pg_catalog.current_setting('astapa.project_id', true), '') then null
                else pg_catalog.current_setting('astapa.project_id', true) end
  $$;

comment on function astapa.current_project_id() is
  'The project the current transaction acts for, or null when none is set (tenant tables then show no rows). '
  'Policies call it as (select astapa.current_project_id()) so Postgres evaluates it once per statement.';

grant execute on function astapa.current_project_id() to astapa_app;
