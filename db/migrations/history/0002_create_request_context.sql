-- The per-request context the policies read. Each request runs in a transaction as astapa_app with
--   select set_config('role', 'astapa_app', true), set_config('astapa.project_id', '<proj_…>', true);
-- Both settings are transaction-local, so a pooled connection never carries one request's project into the next.

create function astapa.current_project_id() returns text
  language sql
  stable
  parallel safe
  set search_path = ''
  as $$ select nullif(pg_catalog.current_setting('astapa.project_id', true), '') $$;

comment on function astapa.current_project_id() is
  'The project the current transaction acts for, or null when none is set (tenant tables then show no rows). '
  'Policies call it as (select astapa.current_project_id()) so Postgres evaluates it once per statement.';

grant execute on function astapa.current_project_id() to astapa_app;
