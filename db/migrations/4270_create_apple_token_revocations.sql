-- Sign in with Apple's account lifecycle (docs/social-login.md): App Store Review Guideline 5.1.1(v) asks an app
-- that deletes accounts to revoke the person's Apple tokens. The refresh token from the code exchange is kept
-- on the identity, sealed (AES-256-GCM under the master key's social key, bound to the project and the Services
-- ID it was issued to), and an identity deleted with one — erasure, an unlink, a claim — queues its revocation in
-- the same transaction (db/api/apple_lifecycle.sql), delivered by lib/login/social/apple_revocation_worker.ts.
alter table astapa.identities
  add column refresh_token_sealed text,
  add column token_client_id text,
  add constraint identities_refresh_token_sealed_check check (length(refresh_token_sealed) <= 4000),
  add constraint identities_token_client_id_check
    check ((refresh_token_sealed is null) = (token_client_id is null) and length(token_client_id) <= 255);
comment on column astapa.identities.refresh_token_sealed is
  'Apple only: the refresh token of the latest code exchange, sealed (never logged, exported or shown); what '
  'the revocation on unlink or erasure sends. Null for other providers and once forgotten.';
comment on column astapa.identities.token_client_id is
  'The Services ID (client_id) refresh_token_sealed was issued to: its credentials revoke it.';
grant update (refresh_token_sealed, token_client_id) on astapa.identities to astapa_app;

create table astapa.apple_token_revocations (
  project_id text not null,
  id bigint generated always as identity,
  client_id text not null,
  token_sealed text,
  status text not null default 'pending',
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  lease_until timestamptz,
  last_attempt_at timestamptz,
  last_status integer,
  last_error text,
  created_at timestamptz not null default now(),
  constraint apple_token_revocations_pkey primary key (project_id, id),
  constraint apple_token_revocations_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint apple_token_revocations_status_check check (status in ('pending', 'sending', 'failed')),
  constraint apple_token_revocations_token_check check ((token_sealed is null) = (status = 'failed')),
  constraint apple_token_revocations_attempts_check check (attempts >= 0),
  constraint apple_token_revocations_client_id_check check (length(client_id) <= 255),
  constraint apple_token_revocations_token_sealed_check check (length(token_sealed) <= 4000),
  constraint apple_token_revocations_last_status_check check (last_status between 100 and 599),
  constraint apple_token_revocations_last_error_check check (length(last_error) <= 500)
);
alter table astapa.apple_token_revocations enable row level security;
alter table astapa.apple_token_revocations force row level security;
comment on table astapa.apple_token_revocations is
  'Outbox of Apple refresh tokens to revoke (POST /auth/revoke), one row per Apple identity deleted with a '
  'stored token: the sealed token and the Services ID it was issued to, nothing about the person. pending (due '
  'at next_attempt_at), sending (claimed until lease_until); a revoked token''s row is deleted, one given up on '
  'stays as failed without its token (swept after 30 days).';
create index apple_token_revocations_due_idx on astapa.apple_token_revocations (next_attempt_at)
  where status in ('pending', 'sending');
grant select on astapa.apple_token_revocations to astapa_app;
grant insert (project_id, client_id, token_sealed) on astapa.apple_token_revocations to astapa_app;
grant update (status, token_sealed, attempts, next_attempt_at, lease_until, last_attempt_at, last_status, last_error)
  on astapa.apple_token_revocations to astapa_app;
grant delete on astapa.apple_token_revocations to astapa_app;
