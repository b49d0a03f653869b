-- Protected resources (RFC 8707 / RFC 9728): the APIs and MCP servers a project owns, named by URI. One issuer
-- serves every project, so a resource names exactly one project across the whole deployment: a token request
-- naming it is a request for that project's audience.

-- Stored in the one canonical form the token endpoint compares against (lib/oauth/scope.ts parseResource):
-- lower-case scheme and host, https anywhere or http on loopback, no fragment or userinfo, and a bare origin
-- without its trailing slash (`https://host/` is stored, and matched, as `https://host`).
create function astapa.is_valid_resource_uri(uri text) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select pg_catalog.length(uri) <= 2000
      and uri !~ '[\s#]'
      and (uri ~ '^https://[a-z0-9.-]+(:[0-9]{1,5})?([/?].*)?$'
        or uri ~ '^http://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?([/?].*)?$')
      and uri !~ '^[a-z]+://[^/?]+/$'
  $$;

comment on function astapa.is_valid_resource_uri(text) is
  'True for a canonical resource URI: https (http only on loopback), lower-case host, no fragment or userinfo, '
  'a bare origin without trailing slash.';

grant execute on function astapa.is_valid_resource_uri(text) to astapa_app;

create table astapa.resources (
  project_id text not null,
  uri text not null,
  name text not null default '',
  created_at timestamptz not null default pg_catalog.now(),
  constraint resources_pkey primary key (project_id, uri),
  constraint resources_uri_key unique (uri),
  constraint resources_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint resources_uri_check check (astapa.is_valid_resource_uri(uri)),
  constraint resources_name_check check (pg_catalog.length(name) <= 100)
);

comment on table astapa.resources is
  'Protected resources (APIs, MCP servers) a project owns. uri is unique across the deployment: a token '
  'request''s resource parameter names one project, and becomes the token''s aud.';

alter table astapa.resources enable row level security;
alter table astapa.resources force row level security;

create policy "a project reads its own resources" on astapa.resources
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project registers its own resources" on astapa.resources
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project removes its own resources" on astapa.resources
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

grant select, insert, delete on astapa.resources to astapa_app;
