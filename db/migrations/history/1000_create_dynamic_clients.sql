-- Clients registered by themselves (RFC 7591 Dynamic Client Registration), e.g. MCP clients. They register
-- before any project is known (the issuer serves the whole deployment), so they are deployment-wide rows, not
-- tenant rows: a project is chosen at authorization time by the protected resource the client asks for. They
-- may only sign people in (authorization_code + refresh_token, PKCE always), never act for themselves.

create table astapa.dynamic_clients (
  client_id text not null,
  client_name text not null default '',
  redirect_uris text[] not null,
  grant_types text[] not null default '{authorization_code}',
  token_endpoint_auth_method text not null,
  secret_hash bytea,
  scope text not null default '',
  metadata jsonb not null default '{}',
  registered_from text not null default '',
  created_at timestamptz not null default pg_catalog.now(),
  constraint dynamic_clients_pkey primary key (client_id),
  constraint dynamic_clients_client_id_check check (client_id ~ '^dcl_[a-z2-7]{24}$'),
  constraint dynamic_clients_client_name_check check (pg_catalog.length(client_name) <= 100),
  constraint dynamic_clients_redirect_uris_check check (
    pg_catalog.cardinality(redirect_uris) between 1 and 10 and astapa.are_valid_redirect_uris(redirect_uris)),
  constraint dynamic_clients_grant_types_check check (
    'authorization_code' = any (grant_types) and grant_types <@ '{authorization_code,refresh_token}'::text[]),
  constraint dynamic_clients_auth_method_check check (
    token_endpoint_auth_method in ('none', 'client_secret_basic', 'client_secret_post')),
  -- A public client has no secret; a confidential one always has one.
  constraint dynamic_clients_secret_hash_check check (
    (token_endpoint_auth_method = 'none') = (secret_hash is null)
    and (secret_hash is null or pg_catalog.length(secret_hash) = 32)),
  constraint dynamic_clients_scope_check check (pg_catalog.length(scope) <= 1000),
  constraint dynamic_clients_metadata_check check (
    pg_catalog.jsonb_typeof(metadata) = 'object' and pg_catalog.octet_length(metadata::text) <= 8192),
  constraint dynamic_clients_registered_from_check check (pg_catalog.length(registered_from) <= 100)
);

create index dynamic_clients_created_at_idx on astapa.dynamic_clients (created_at);

comment on table astapa.dynamic_clients is
  'Self-registered clients (RFC 7591), deployment-wide: no project owns them. They sign a person in to the '
  'project whose protected resource they name, and only if that project''s settings.dynamic_clients is true. '
  'metadata keeps the other registered fields to echo (client_uri, logo_uri, contacts, software_id, …). The '
  'secret of a confidential client is kept only as its SHA-256, which the app role cannot select.';
comment on column astapa.dynamic_clients.registered_from is
  'The address the registration came from, for tracing abuse.';

-- No RLS: the rows belong to no project and hold nothing secret that the app role can read.
grant select (client_id, client_name, redirect_uris, grant_types, token_endpoint_auth_method, scope, metadata,
              registered_from, created_at)
  on astapa.dynamic_clients to astapa_app;
grant insert (client_id, client_name, redirect_uris, grant_types, token_endpoint_auth_method, secret_hash, scope,
              metadata, registered_from)
  on astapa.dynamic_clients to astapa_app;
