-- The audit log: who did what to which project, when. api.* functions that change things append to it.
-- Append-only for the app role: it may insert and read its own project's entries, never update or delete.

create function astapa.current_actor() returns text
  language sql
  stable
  parallel safe
  set search_path = ''
  as $$ select coalesce(nullif(pg_catalog.current_setting('astapa.actor', true), ''), 'app') $$;

comment on function astapa.current_actor() is
  'Who the transaction acts as, for the audit log: the transaction-local setting astapa.actor (e.g. cli, '
  'account:12), or app when unset.';

grant execute on function astapa.current_actor() to astapa_app;

create table astapa.audit_log (
  project_id text not null,
  id bigint generated always as identity,
  actor text not null,
  action text not null,
  target text,
  details jsonb not null default '{}',
  at timestamptz not null default pg_catalog.now(),
  constraint audit_log_pkey primary key (project_id, id),
  constraint audit_log_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint audit_log_actor_check check (pg_catalog.length(actor) between 1 and 200),
  constraint audit_log_action_check check (action ~ '^[a-z_]+\.[a-z_]+$'),
  constraint audit_log_details_check check (pg_catalog.jsonb_typeof(details) = 'object')
);

comment on table astapa.audit_log is
  'Append-only record of changes to a project: actor (cli, account:<id>, app), action (noun.verb), target, '
  'details. Never holds secrets.';

alter table astapa.audit_log enable row level security;
alter table astapa.audit_log force row level security;

create policy "a project reads its own audit log" on astapa.audit_log
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project appends to its own audit log" on astapa.audit_log
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

grant select, insert on astapa.audit_log to astapa_app;

create function astapa.audit(project_id text, action text, target text, details jsonb default '{}')
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
