-- The waitlist approval mail's link through the app's initiate_login_uri (OIDC Core §4, docs/hosted-login.md "Sign-ins
-- the app did not start"): the link lands on /auth/start with a token, kept here as its SHA-256 with its expiry, so
-- the hosted login knows which address is on its way to sign up. One token per entry (a new approval mail replaces
-- it); usable while the entry stays approved and no account has the address (api.pending_login).
alter table astapa.waitlist_entries
  add column start_token_hash bytea,
  add column start_token_expires_at timestamptz,
  add constraint waitlist_entries_start_token_hash_check check (pg_catalog.length(start_token_hash) = 32),
  add constraint waitlist_entries_start_token_check
    check ((start_token_hash is null) = (start_token_expires_at is null));

create unique index waitlist_entries_start_token_hash_key
  on astapa.waitlist_entries (project_id, start_token_hash) where start_token_hash is not null;

comment on column astapa.waitlist_entries.start_token_hash is
  'SHA-256 of the token in the approval mail''s /auth/start link (when the project''s client has an '
  'initiate_login_uri), or null.';
comment on column astapa.waitlist_entries.start_token_expires_at is 'When that link stops working.';

grant update (start_token_hash, start_token_expires_at) on astapa.waitlist_entries to astapa_app;

-- Approving takes the link's token hash now: its form without it goes (the current one is in db/api/waitlist.sql).
drop function if exists api.approve_waitlist_entry(text, jsonb);
