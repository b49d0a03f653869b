-- Back-channel logout (OpenID Connect Back-Channel Logout 1.0, docs/tokens.md): when a hosted-login session ends,
-- every client that received tokens from it and registered a backchannel_logout_uri is sent a logout token. The
-- outbox is queued in the transaction that ends the session and delivered by lib/oauth/backchannel_worker.ts.
create table astapa.backchannel_logouts (
  project_id text not null,
  id bigint generated always as identity,
  client_id text not null,
  url text not null,
  session_id text not null,
  user_id bigint not null,
  status text not null default 'pending',
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  lease_until timestamptz,
  last_attempt_at timestamptz,
  last_status integer,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz not null default now(),
  constraint backchannel_logouts_pkey primary key (project_id, id),
  constraint backchannel_logouts_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint backchannel_logouts_status_check check (status in ('pending', 'sending', 'delivered', 'failed')),
  constraint backchannel_logouts_attempts_check check (attempts >= 0),
  constraint backchannel_logouts_url_check check (length(url) <= 2000),
  constraint backchannel_logouts_last_status_check check (last_status between 100 and 599),
  constraint backchannel_logouts_last_error_check check (length(last_error) <= 500)
);
alter table astapa.backchannel_logouts enable row level security;
alter table astapa.backchannel_logouts force row level security;
comment on table astapa.backchannel_logouts is
  'Outbox of back-channel logout tokens, one row per ended session and client that received tokens from it and '
  'registered a backchannel_logout_uri (url: where, as registered when queued): status pending (due at '
  'next_attempt_at), sending (claimed until lease_until), delivered, or failed (gave up). The token itself is '
  'signed at each attempt (fresh iat, exp and jti), so no token is stored.';
create index backchannel_logouts_due_idx on astapa.backchannel_logouts (next_attempt_at)
  where status in ('pending', 'sending');
grant select on astapa.backchannel_logouts to astapa_app;
grant insert (project_id, client_id, url, session_id, user_id) on astapa.backchannel_logouts to astapa_app;
grant update (status, attempts, next_attempt_at, lease_until, last_attempt_at, last_status, last_error, delivered_at)
  on astapa.backchannel_logouts to astapa_app;
