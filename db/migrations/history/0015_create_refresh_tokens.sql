-- Refresh tokens: rotated on every use. Each use leaves the used token in place (used_at, successor by
-- parent_id) so a reuse can be told apart from a concurrent retry. Only SHA-256 hashes are stored.

create table astapa.refresh_tokens (
  project_id text not null,
  id bigint generated always as identity,
  token_hash bytea not null,
  family_id uuid not null,
  parent_id bigint,
  user_id bigint not null,
  client_id text not null,
  scope text not null default '',
  resource text,
  auth_time timestamptz,
  created_at timestamptz not null default pg_catalog.now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz,
  revoked_reason text,
  constraint refresh_tokens_pkey primary key (project_id, id),
  constraint refresh_tokens_token_hash_key unique (project_id, token_hash),
  constraint refresh_tokens_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint refresh_tokens_user_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint refresh_tokens_parent_fkey foreign key (project_id, parent_id)
    references astapa.refresh_tokens (project_id, id) on delete cascade,
  constraint refresh_tokens_token_hash_check check (pg_catalog.length(token_hash) = 32),
  constraint refresh_tokens_revoked_reason_check check (
    revoked_reason in ('reuse_detected', 'code_replayed', 'revoked_by_client', 'user_disabled', 'revoked_by_admin'))
);

create index refresh_tokens_family_idx on astapa.refresh_tokens (project_id, family_id);
create index refresh_tokens_user_idx on astapa.refresh_tokens (project_id, user_id) where revoked_at is null;
create index refresh_tokens_parent_idx on astapa.refresh_tokens (project_id, parent_id);

comment on table astapa.refresh_tokens is
  'Refresh tokens by family (one family per sign-in). A used token keeps its row: within the grace window its '
  'holder gets the same successor again; after it, presenting it revokes the whole family (RFC 9700 §4.14).';

alter table astapa.refresh_tokens enable row level security;
alter table astapa.refresh_tokens force row level security;

create policy "a project reads its own refresh tokens" on astapa.refresh_tokens
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project issues its own refresh tokens" on astapa.refresh_tokens
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project rotates and revokes its own refresh tokens" on astapa.refresh_tokens
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

grant select, insert, update (used_at, revoked_at, revoked_reason) on astapa.refresh_tokens to astapa_app;
