-- Machine clients: agents, MCP clients, backends. Each belongs to one project and authenticates with its
-- own client id and secret (client_credentials), asking only for scopes and resources it was allowed.

create table astapa.machine_clients (
  project_id text not null,
  client_id text not null,
  name text not null,
  secret_hash bytea not null,
  scopes text[] not null default '{}',
  resources text[] not null default '{}',
  access_token_ttl integer,
  enabled boolean not null default true,
  secret_rotated_at timestamptz not null default pg_catalog.now(),
  created_at timestamptz not null default pg_catalog.now(),
  updated_at timestamptz not null default pg_catalog.now(),
  constraint machine_clients_pkey primary key (project_id, client_id),
  constraint machine_clients_client_id_key unique (client_id),
  constraint machine_clients_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint machine_clients_client_id_check check (client_id ~ '^mcl_[a-z2-7]{24}$'),
  constraint machine_clients_name_check check (pg_catalog.length(pg_catalog.btrim(name)) between 1 and 100),
  constraint machine_clients_secret_hash_check check (pg_catalog.length(secret_hash) = 32),
  constraint machine_clients_scopes_check check (
    pg_catalog.cardinality(scopes) <= 50 and pg_catalog.array_position(scopes, null) is null),
  constraint machine_clients_resources_check check (
    pg_catalog.cardinality(resources) <= 50 and pg_catalog.array_position(resources, null) is null),
  constraint machine_clients_access_token_ttl_check check (access_token_ttl between 300 and 86400)
);

comment on table astapa.machine_clients is
  'Clients that act for themselves (client_credentials): allowed scopes (declared in astapa.scopes), allowed '
  'resources (registered in astapa.resources; each becomes aud), an optional access token lifetime overriding '
  'the project''s, and an enabled switch. The secret is kept only as its SHA-256, which the app role cannot select.';
comment on column astapa.machine_clients.secret_hash is
  'SHA-256 of the client secret (shown once, at creation or rotation, and never stored).';

alter table astapa.machine_clients enable row level security;
alter table astapa.machine_clients force row level security;

create policy "a project reads its own machine clients" on astapa.machine_clients
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project adds its own machine clients" on astapa.machine_clients
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project updates its own machine clients" on astapa.machine_clients
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

create policy "a project deletes its own machine clients" on astapa.machine_clients
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

-- Client authentication happens before any project is known: api.verify_client puts the presented client id
-- into astapa.lookup_client_id for its one query, and this policy shows the owner that one client only (the
-- same setting and pattern as "definer functions find the project a client id names" on projects).
create policy "definer functions find the machine client a client id names" on astapa.machine_clients
  for select to astapa_owner
  using (client_id = nullif(pg_catalog.current_setting('astapa.lookup_client_id', true), ''));

grant select (project_id, client_id, name, scopes, resources, access_token_ttl, enabled, secret_rotated_at,
              created_at, updated_at)
  on astapa.machine_clients to astapa_app;
grant insert (project_id, client_id, name, secret_hash, scopes, resources, access_token_ttl)
  on astapa.machine_clients to astapa_app;
grant update (name, secret_hash, scopes, resources, access_token_ttl, enabled, secret_rotated_at, updated_at)
  on astapa.machine_clients to astapa_app;
grant delete on astapa.machine_clients to astapa_app;
