-- One table for what a SAML sign-in leaves for a later sign-out (docs/enterprise-sso.md "Single logout"): the
-- sign-in behind a hosted-login session (astapa.sso_saml_sessions, 4285) and the one waiting with a second-factor
-- challenge (astapa.sso_saml_challenges, 4286) had the same columns under two keys, and meeting the challenge moved
-- the row from one table to the other. A row of astapa.sso_saml_sign_ins belongs to its session or, until the
-- challenge is met, to its challenge (exactly one; each goes with its row, as before): meeting the challenge sets
-- the session and clears the challenge in place (api.carry_sso_sign_in). The surrogate id names a row across that
-- move. api.carry_saml_sign_in and api.saml_logout_of_session go: api.carry_sso_sign_in and
-- api.sso_logout_of_session serve both protocols (db/api/sso_sign_ins.sql).
create table astapa.sso_saml_sign_ins (
  project_id text not null,
  id bigint generated always as identity,
  session_hash bytea,
  challenge_hash bytea,
  connection_id text not null,
  name_id text not null,
  name_id_format text,
  session_index text,
  created_at timestamptz not null default now(),
  constraint sso_saml_sign_ins_pkey primary key (project_id, id),
  constraint sso_saml_sign_ins_session_hash_key unique (project_id, session_hash),
  constraint sso_saml_sign_ins_challenge_hash_key unique (project_id, challenge_hash),
  constraint sso_saml_sign_ins_session_hash_fkey foreign key (project_id, session_hash)
    references astapa.login_sessions (project_id, token_hash) on delete cascade,
  constraint sso_saml_sign_ins_challenge_hash_fkey foreign key (project_id, challenge_hash)
    references astapa.mfa_challenges (project_id, token_hash) on delete cascade,
  constraint sso_saml_sign_ins_connection_id_fkey foreign key (project_id, connection_id)
    references astapa.sso_connections (project_id, id) on delete cascade,
  constraint sso_saml_sign_ins_session_hash_challenge_hash_check
    check (num_nonnulls(session_hash, challenge_hash) = 1),
  constraint sso_saml_sign_ins_name_id_check check (length(name_id) between 1 and 1024),
  constraint sso_saml_sign_ins_name_id_format_check check (length(name_id_format) <= 256),
  constraint sso_saml_sign_ins_session_index_check check (length(session_index) between 1 and 256)
);
create index sso_saml_sign_ins_project_id_connection_id_name_id_idx
  on astapa.sso_saml_sign_ins (project_id, connection_id, name_id);
-- Migrations run as the owner, whom forced RLS binds like the app: the rows move while the old tables' RLS is not
-- forced (they are dropped below) and before the new one's is.
alter table astapa.sso_saml_sessions no force row level security;
alter table astapa.sso_saml_challenges no force row level security;
insert into astapa.sso_saml_sign_ins (project_id, session_hash, challenge_hash, connection_id, name_id, name_id_format,
                                      session_index, created_at)
select project_id, session_hash, null, connection_id, name_id, name_id_format, session_index, created_at
from astapa.sso_saml_sessions
union all
select project_id, null, challenge_hash, connection_id, name_id, name_id_format, session_index, created_at
from astapa.sso_saml_challenges;

alter table astapa.sso_saml_sign_ins enable row level security;
alter table astapa.sso_saml_sign_ins force row level security;
comment on table astapa.sso_saml_sign_ins is
  'The SAML sign-in behind a hosted-login session, or behind the second-factor challenge it waits at until the met '
  'challenge starts the session: the connection, and the NameID and SessionIndex of the IdP''s assertion (as sent; '
  'the IdP''s handle for its own session, not a secret). An IdP''s LogoutRequest ends the sessions it names '
  '(api.end_saml_sessions); a sign-out at Astapa sends them to the IdP (api.sso_logout_of_session). Goes with its '
  'session or challenge, and with its connection. The OpenID Connect counterpart is astapa.sso_oidc_sign_ins.';
comment on column astapa.sso_saml_sign_ins.session_hash is
  'The login session''s token hash (astapa.login_sessions); null while the sign-in waits at its challenge.';
comment on column astapa.sso_saml_sign_ins.challenge_hash is
  'The open second-factor challenge''s token hash (astapa.mfa_challenges); null once the sign-in has its session.';
comment on column astapa.sso_saml_sign_ins.session_index is
  'The assertion''s AuthnStatement SessionIndex, or null when the IdP sent none (a LogoutRequest then names the '
  'person only).';
grant select, insert, update (session_hash, challenge_hash) on astapa.sso_saml_sign_ins to astapa_app;
comment on column astapa.sso_pending_sign_ins.session_index is
  'The assertion''s SessionIndex, kept for the session the sign-in starts (astapa.sso_saml_sign_ins).';

drop function if exists api.carry_saml_sign_in(bytea, bytea);
drop function if exists api.saml_logout_of_session(bytea);
drop table astapa.sso_saml_sessions;
drop table astapa.sso_saml_challenges;
