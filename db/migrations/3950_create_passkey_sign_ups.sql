-- Sign-up on a passkeys-only project (issue 20; passwords and email codes off, passkeys on): the person proves
-- their address with a mailed 6-digit code, then registers a passkey before the app ever hears of a sign-in.
-- One row per attempt, keyed by the SHA-256 of a token the person's browser carries through the three steps.

create table astapa.passkey_sign_ups (
  project_id text not null,
  token_hash bytea not null,
  email text not null,
  user_id bigint,
  code_hash bytea not null,
  tries integer not null default 0,
  created_at timestamptz not null default pg_catalog.now(),
  expires_at timestamptz not null,
  proven_at timestamptz,
  finished_at timestamptz,
  constraint passkey_sign_ups_pkey primary key (project_id, token_hash),
  constraint passkey_sign_ups_user_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint passkey_sign_ups_token_hash_check check (pg_catalog.length(token_hash) = 32),
  constraint passkey_sign_ups_code_hash_check check (pg_catalog.length(code_hash) = 32),
  constraint passkey_sign_ups_email_check check (pg_catalog.length(email) <= 254),
  constraint passkey_sign_ups_tries_check check (tries between 0 and 5),
  constraint passkey_sign_ups_proven_check check (proven_at is null or user_id is not null),
  constraint passkey_sign_ups_lifetime_check check (expires_at > created_at)
);

create index passkey_sign_ups_email_idx on astapa.passkey_sign_ups (project_id, pg_catalog.lower(email));
create index passkey_sign_ups_user_idx on astapa.passkey_sign_ups (project_id, user_id);
create index passkey_sign_ups_expires_idx on astapa.passkey_sign_ups (expires_at);

comment on table astapa.passkey_sign_ups is
  'A sign-up on a passkeys-only project: the address and the SHA-256 of the code mailed to it (10 minutes, 5 '
  'tries; a newer attempt voids older ones), then, once proven, the user it made (verified, no way in yet) and '
  '15 minutes to register a passkey; finished_at when the passkey is stored. An abandoned one expires and is '
  'deleted later; its user keeps no way in but signing up again with the same address.';

alter table astapa.passkey_sign_ups enable row level security;
alter table astapa.passkey_sign_ups force row level security;

grant select, insert, delete on astapa.passkey_sign_ups to astapa_app;
grant update (user_id, tries, expires_at, proven_at, finished_at) on astapa.passkey_sign_ups to astapa_app;
