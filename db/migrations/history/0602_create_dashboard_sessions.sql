-- Dashboard sessions: a developer signed in through the console's hosted login. The browser holds a 256-bit
-- random token in an HttpOnly cookie; Postgres keeps only its SHA-256. Deployment-wide like accounts (no
-- project_id, no RLS): a session belongs to an account, not to a tenant.

create table astapa.dashboard_sessions (
  session_hash bytea not null,
  account_id bigint not null,
  created_at timestamptz not null default pg_catalog.now(),
  expires_at timestamptz not null,
  ended_at timestamptz,
  constraint dashboard_sessions_pkey primary key (session_hash),
  constraint dashboard_sessions_account_id_fkey foreign key (account_id) references astapa.accounts (id),
  constraint dashboard_sessions_session_hash_check check (pg_catalog.length(session_hash) = 32),
  constraint dashboard_sessions_lifetime_check check (
    expires_at > created_at and expires_at <= created_at + interval '30 days')
);

create index dashboard_sessions_account_id_idx on astapa.dashboard_sessions (account_id);
create index dashboard_sessions_expires_at_idx on astapa.dashboard_sessions (expires_at);

comment on table astapa.dashboard_sessions is
  'Signed-in dashboard browsers, by the SHA-256 of the cookie token; live until expires_at or ended_at.';

grant select, insert on astapa.dashboard_sessions to astapa_app;
grant update (ended_at) on astapa.dashboard_sessions to astapa_app;
