-- The account page (issue 21): which browser a session is and when it was last used, a deleted user's
-- tombstone mark, pending email changes, and a refresh-token revocation reason for a person's own "remove".
alter table astapa.login_sessions
  add column user_agent text,
  add column last_used_at timestamptz,
  add constraint login_sessions_user_agent_check check (length(user_agent) <= 512);
comment on column astapa.login_sessions.user_agent is
  'The browser''s User-Agent when the session started or was last seen on the account page (cut to 512 characters); the page shows it parsed.';
comment on column astapa.login_sessions.last_used_at is 'When the account page last saw this session (approximate last use).';
grant update (user_agent, last_used_at) on astapa.login_sessions to astapa_app;

alter table astapa.users add column deleted_at timestamptz;
comment on column astapa.users.deleted_at is
  'Set when the person deleted their account: the row stays as a tombstone with no personal data (pseudonymous id) so payments, receipts and the audit log keep their references; the APIs no longer show it.';
grant select (deleted_at) on astapa.users to astapa_app;
grant update (deleted_at, external_id) on astapa.users to astapa_app;

alter table astapa.refresh_tokens drop constraint refresh_tokens_revoked_reason_check;
alter table astapa.refresh_tokens add constraint refresh_tokens_revoked_reason_check check (revoked_reason in (
  'reuse_detected', 'code_replayed', 'revoked_by_client', 'user_disabled', 'revoked_by_admin', 'revoked_by_user'));

create table astapa.email_changes (
  project_id text not null,
  token_hash bytea not null,
  user_id bigint not null,
  new_email text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  constraint email_changes_pkey primary key (project_id, token_hash),
  constraint email_changes_user_fkey foreign key (project_id, user_id) references astapa.users (project_id, id)
    on delete cascade,
  constraint email_changes_token_hash_check check (length(token_hash) = 32),
  constraint email_changes_new_email_check check (length(new_email) <= 254 and new_email ~ '^[^@\s]+@[^@\s]+$'),
  constraint email_changes_lifetime_check check (expires_at <= created_at + interval '1 day')
);
alter table astapa.email_changes enable row level security;
alter table astapa.email_changes force row level security;
comment on table astapa.email_changes is
  'A person''s requested new email address, waiting for the link mailed to it (1 hour, single use; only the SHA-256 of the link''s token is kept). A newer request voids the older ones.';
create index email_changes_user_idx on astapa.email_changes (project_id, user_id);
grant insert, select, delete on astapa.email_changes to astapa_app;
grant update (used_at) on astapa.email_changes to astapa_app;
