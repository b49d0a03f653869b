-- Request context: the project and mode a transaction acts for.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

create or replace function astapa.current_project_id() returns text
  language sql
  stable
  parallel safe
  set search_path = ''
  as $$ select nullif(pg_catalog.current_setting('astapa.project_id', true), '') $$;

comment on function astapa.current_project_id() is
  'The project the current transaction acts for, or null when none is set (tenant tables then show no rows). '
  'Policies call it as (select astapa.current_project_id()) so Postgres evaluates it once per statement.';

grant execute on function astapa.current_project_id() to astapa_app;
