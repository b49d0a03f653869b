-- Projects: the tenants. Every other tenant table hangs off a project and is filtered to the one the
-- transaction acts for (astapa.current_project_id()).

-- Public ids from the server's strong random source (gen_random_uuid uses pg_strong_random). Base32 letters
-- so each character takes exactly 5 random bits (no modulo bias). Byte 6 of a v4 UUID carries the version
-- nibble and is skipped; byte 8's variant bits are the top two, which `& 31` drops.
create function astapa.random_id(prefix text, length integer) returns text
  language sql
  volatile
  parallel safe
  set search_path = ''
  as $$
    select prefix || pg_catalog.string_agg(
      pg_catalog.substr('abcdefghijklmnopqrstuvwxyz234567', (pg_catalog.get_byte(r.bytes, s.i) & 31) + 1, 1),
      '' order by s.i)
    from (select pg_catalog.uuid_send(pg_catalog.gen_random_uuid())
                 || pg_catalog.uuid_send(pg_catalog.gen_random_uuid()) as bytes) as r,
         lateral (select i from pg_catalog.generate_series(0, 31) as i
                  where i not in (6, 22) order by i limit length) as s
  $$;

comment on function astapa.random_id(text, integer) is
  'A public identifier: prefix + up to 30 random base32 characters (5 bits each) from gen_random_uuid().';

grant execute on function astapa.random_id(text, integer) to astapa_app;

-- Redirect URIs are compared as exact strings at authorization time, so what is stored must already be a
-- plain absolute URL: https anywhere, http only on loopback (RFC 8252 §7.3), never a fragment (RFC 6749 §3.1.2).
create function astapa.is_valid_redirect_uri(uri text) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select pg_catalog.length(uri) <= 2000
      and uri !~ '[\s#]'
      and (uri ~ '^https://[^/?@\s:]+(:[0-9]{1,5})?(/.*)?(\?.*)?$'
        or uri ~ '^http://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?(/.*)?(\?.*)?$')
  $$;

comment on function astapa.is_valid_redirect_uri(text) is
  'True for an absolute https URL, or http on localhost/127.0.0.1/[::1]; no fragment, no whitespace, no userinfo.';

grant execute on function astapa.is_valid_redirect_uri(text) to astapa_app;

create function astapa.are_valid_redirect_uris(uris text[]) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select pg_catalog.cardinality(uris) <= 50
      and pg_catalog.array_position(uris, null) is null
      and coalesce(bool_and(astapa.is_valid_redirect_uri(u)), true)
      and count(distinct u) = pg_catalog.cardinality(uris)
    from pg_catalog.unnest(uris) as u
  $$;

comment on function astapa.are_valid_redirect_uris(text[]) is
  'At most 50 distinct valid redirect URIs (see astapa.is_valid_redirect_uri).';

grant execute on function astapa.are_valid_redirect_uris(text[]) to astapa_app;

create table astapa.projects (
  id text not null,
  name text not null,
  mode text not null default 'sandbox',
  client_id text not null,
  client_secret_hash bytea not null,
  redirect_uris text[] not null default '{}',
  settings jsonb not null default '{}',
  created_at timestamptz not null default pg_catalog.now(),
  updated_at timestamptz not null default pg_catalog.now(),
  constraint projects_pkey primary key (id),
  constraint projects_client_id_key unique (client_id),
  constraint projects_id_check check (id ~ '^proj_[a-z2-7]{16}$'),
  constraint projects_name_check check (pg_catalog.length(pg_catalog.btrim(name)) between 1 and 100),
  constraint projects_mode_check check (mode in ('sandbox', 'production')),
  constraint projects_client_id_check check (client_id ~ '^cid_[a-z2-7]{24}$'),
  constraint projects_client_secret_hash_check check (pg_catalog.length(client_secret_hash) = 32),
  constraint projects_redirect_uris_check check (astapa.are_valid_redirect_uris(redirect_uris)),
  constraint projects_settings_check check (
    pg_catalog.jsonb_typeof(settings) = 'object' and pg_catalog.octet_length(settings::text) <= 16384)
);

comment on table astapa.projects is
  'Tenants. The client secret is kept only as its SHA-256 (client_secret_hash), which the app role cannot '
  'select; api.verify_client_credentials compares against it. mode decides the environment of new users.';
comment on column astapa.projects.client_secret_hash is
  'SHA-256 of the client secret (the secret itself is shown once, at creation or rotation, and never stored).';
comment on column astapa.projects.redirect_uris is 'Allowed redirect URIs, matched as exact strings.';
comment on column astapa.projects.settings is 'Token lifetimes, rate-limit profile, provider settings (object, ≤ 16 KiB).';

alter table astapa.projects enable row level security;
alter table astapa.projects force row level security;

create policy "a project reads its own row" on astapa.projects
  for select to astapa_app, astapa_owner
  using (id = (select astapa.current_project_id()));

create policy "a project is created as the project the transaction acts for" on astapa.projects
  for insert to astapa_app, astapa_owner
  with check (id = (select astapa.current_project_id()));

create policy "a project updates its own row" on astapa.projects
  for update to astapa_app, astapa_owner
  using (id = (select astapa.current_project_id()))
  with check (id = (select astapa.current_project_id()));

-- Verifying client credentials happens before any project is known. Rather than let definer functions see
-- every project, api.verify_client_credentials puts the client id it was given into astapa.lookup_client_id
-- for its one query (clearing it afterwards) and this policy shows the owner that one project only.
create policy "definer functions find the project a client id names" on astapa.projects
  for select to astapa_owner
  using (client_id = nullif(pg_catalog.current_setting('astapa.lookup_client_id', true), ''));

-- Listing every project is an operator action (the admin CLI). api.list_projects turns this on for its one
-- query and off again. (The app role could set either setting itself, but these policies name only the
-- owner role, which the app reaches only through definer functions; none besides these two reads projects.)
create policy "definer functions list every project for the operator" on astapa.projects
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.list_all_projects', true) = 'on');

-- The app role never reads client_secret_hash: it may write it (create, rotate) but not select it.
grant select (id, name, mode, client_id, redirect_uris, settings, created_at, updated_at)
  on astapa.projects to astapa_app;
grant insert (id, name, mode, client_id, client_secret_hash, redirect_uris, settings)
  on astapa.projects to astapa_app;
grant update (name, mode, client_secret_hash, redirect_uris, settings, updated_at)
  on astapa.projects to astapa_app;
