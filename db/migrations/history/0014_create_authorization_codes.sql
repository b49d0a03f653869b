-- Authorization codes (RFC 6749 §4.1, RFC 7636): issued by the hosted login, redeemed once at the token
-- endpoint. Only the SHA-256 of a code is stored.

create table astapa.authorization_codes (
  project_id text not null,
  code_hash bytea not null,
  client_id text not null,
  user_id bigint not null,
  redirect_uri text not null,
  scope text not null default '',
  resource text,
  code_challenge text,
  code_challenge_method text,
  nonce text,
  auth_time timestamptz not null,
  created_at timestamptz not null default pg_catalog.now(),
  expires_at timestamptz not null,
  redeemed_at timestamptz,
  refresh_family uuid,
  constraint authorization_codes_pkey primary key (project_id, code_hash),
  constraint authorization_codes_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint authorization_codes_user_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint authorization_codes_code_hash_check check (pg_catalog.length(code_hash) = 32),
  constraint authorization_codes_lifetime_check check (expires_at <= created_at + interval '10 minutes'),
  constraint authorization_codes_scope_check check (pg_catalog.length(scope) <= 1000),
  constraint authorization_codes_nonce_check check (pg_catalog.length(nonce) <= 500),
  constraint authorization_codes_resource_check check (pg_catalog.length(resource) <= 2000),
  constraint authorization_codes_pkce_check check (
    (code_challenge is null and code_challenge_method is null)
    or (code_challenge ~ '^[A-Za-z0-9_-]{43}$' and code_challenge_method = 'S256'))
);

create index authorization_codes_expires_at_idx on astapa.authorization_codes (expires_at);

comment on table astapa.authorization_codes is
  'Single-use codes from the hosted login, bound to client, redirect_uri and PKCE challenge. refresh_family is '
  'the refresh-token family the redemption started, revoked if the code is presented again.';

alter table astapa.authorization_codes enable row level security;
alter table astapa.authorization_codes force row level security;

create policy "a project reads its own authorization codes" on astapa.authorization_codes
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project issues its own authorization codes" on astapa.authorization_codes
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project redeems its own authorization codes" on astapa.authorization_codes
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

grant select, insert, update (redeemed_at, refresh_family) on astapa.authorization_codes to astapa_app;
