-- The audit log.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

create or replace function astapa.current_actor() returns text
  language sql
  stable
  parallel safe
  set search_path = ''
  as $$ select coalesce(nullif(pg_catalog.current_setting('astapa.actor', true), ''), 'app') $$;

comment on function astapa.current_actor() is
  'Who the transaction acts as, for the audit log: the transaction-local setting astapa.actor (e.g. cli, '
  'account:12), or app when unset.';

grant execute on function astapa.current_actor() to astapa_app;

drop policy if exists "a project reads its own audit log" on astapa.audit_log;
create policy "a project reads its own audit log" on astapa.audit_log
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project appends to its own audit log" on astapa.audit_log;
create policy "a project appends to its own audit log" on astapa.audit_log
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create or replace function astapa.audit(project_id text, action text, target text, details jsonb default '{}')
  returns void
  language sql
  volatile
  set search_path = ''
  as $$
    insert into astapa.audit_log (project_id, actor, action, target, details)
    values (project_id, astapa.current_actor(), action, target, details)
  $$;

comment on function astapa.audit(text, text, text, jsonb) is
  'Appends one entry to the audit log as the current actor. Callers run it inside their own transaction.';

grant execute on function astapa.audit(text, text, text, jsonb) to astapa_app;
