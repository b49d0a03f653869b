-- Scopes a project declares for its machine clients and resources (e.g. notes:read). Declaring them lets
-- the dashboard describe them and lets SQL refuse a client that names a scope nobody defined.

create function astapa.is_valid_scope_name(name text) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    -- RFC 6749 §3.3 scope-token characters: %x21 / %x23-5B / %x5D-7E.
    select name ~ '^[!#-\[\]-~]{1,100}$'
      and name not in ('openid', 'email', 'profile', 'offline_access')
  $$;

comment on function astapa.is_valid_scope_name(text) is
  'An RFC 6749 scope token of 1 to 100 characters that is not one of the OpenID user scopes.';

grant execute on function astapa.is_valid_scope_name(text) to astapa_app;

create table astapa.scopes (
  project_id text not null,
  name text not null,
  description text not null default '',
  created_at timestamptz not null default pg_catalog.now(),
  constraint scopes_pkey primary key (project_id, name),
  constraint scopes_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint scopes_name_check check (astapa.is_valid_scope_name(name)),
  constraint scopes_description_check check (pg_catalog.length(description) <= 500)
);

comment on table astapa.scopes is
  'Scopes a project declares for machine clients and protected resources (name + description).';

alter table astapa.scopes enable row level security;
alter table astapa.scopes force row level security;

create policy "a project reads its own scopes" on astapa.scopes
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project declares its own scopes" on astapa.scopes
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project redescribes its own scopes" on astapa.scopes
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

create policy "a project removes its own scopes" on astapa.scopes
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

grant select, insert, delete on astapa.scopes to astapa_app;
grant update (description) on astapa.scopes to astapa_app;
