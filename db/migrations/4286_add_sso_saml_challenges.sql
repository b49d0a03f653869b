-- SAML single logout through a second factor: a SAML sign-in that owes a second factor starts no session yet (an
-- MFA challenge first, db/api/factors.sql), so its NameID and SessionIndex wait with the challenge here and go to
-- astapa.sso_saml_sessions with the session the met challenge starts (api.carry_saml_sign_in). Same fields as
-- there; gone with the challenge.
create table astapa.sso_saml_challenges (
  project_id text not null,
  challenge_hash bytea not null,
  connection_id text not null,
  name_id text not null,
  name_id_format text,
  session_index text,
  created_at timestamptz not null default now(),
  constraint sso_saml_challenges_pkey primary key (project_id, challenge_hash),
  constraint sso_saml_challenges_challenge_hash_fkey foreign key (project_id, challenge_hash)
    references astapa.mfa_challenges (project_id, token_hash) on delete cascade,
  constraint sso_saml_challenges_connection_id_fkey foreign key (project_id, connection_id)
    references astapa.sso_connections (project_id, id) on delete cascade,
  constraint sso_saml_challenges_name_id_check check (length(name_id) between 1 and 1024),
  constraint sso_saml_challenges_name_id_format_check check (length(name_id_format) <= 256),
  constraint sso_saml_challenges_session_index_check check (length(session_index) between 1 and 256)
);
create index sso_saml_challenges_project_id_connection_id_idx on astapa.sso_saml_challenges (project_id, connection_id);
alter table astapa.sso_saml_challenges enable row level security;
alter table astapa.sso_saml_challenges force row level security;
comment on table astapa.sso_saml_challenges is
  'The SAML sign-in (connection, NameID, SessionIndex) behind an open second-factor challenge, waiting for the '
  'session the met challenge starts (then moved to astapa.sso_saml_sessions). Goes with its challenge.';
grant select, insert, delete on astapa.sso_saml_challenges to astapa_app;
