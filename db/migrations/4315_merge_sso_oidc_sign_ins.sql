-- One table for what an OpenID Connect SSO sign-in leaves for a later sign-out (docs/enterprise-sso.md
-- "Back-channel logout from the IdP", "Sign-out at the IdP"): the sign-in behind a hosted-login session
-- (astapa.sso_oidc_sessions, 4302/4304) and the one waiting with a second-factor challenge
-- (astapa.sso_oidc_challenges) had the same columns under two keys, as the SAML ones had (4314). A row of
-- astapa.sso_oidc_sign_ins belongs to its session or, until the challenge is met, to its challenge (exactly one):
-- meeting the challenge sets the session and clears the challenge in place (api.carry_sso_sign_in). The surrogate
-- id names a row across that move, so `astapa master-key reseal` (kind sso_oidc_id_token) now re-seals the ID
-- token of a sign-in waiting at its challenge too. api.oidc_logout_of_session goes: api.sso_logout_of_session
-- serves both protocols (db/api/sso_sign_ins.sql).
create table astapa.sso_oidc_sign_ins (
  project_id text not null,
  id bigint generated always as identity,
  session_hash bytea,
  challenge_hash bytea,
  connection_id text not null,
  subject text not null,
  idp_sid text,
  id_token_sealed text,
  created_at timestamptz not null default now(),
  constraint sso_oidc_sign_ins_pkey primary key (project_id, id),
  constraint sso_oidc_sign_ins_session_hash_key unique (project_id, session_hash),
  constraint sso_oidc_sign_ins_challenge_hash_key unique (project_id, challenge_hash),
  constraint sso_oidc_sign_ins_session_hash_fkey foreign key (project_id, session_hash)
    references astapa.login_sessions (project_id, token_hash) on delete cascade,
  constraint sso_oidc_sign_ins_challenge_hash_fkey foreign key (project_id, challenge_hash)
    references astapa.mfa_challenges (project_id, token_hash) on delete cascade,
  constraint sso_oidc_sign_ins_connection_id_fkey foreign key (project_id, connection_id)
    references astapa.sso_connections (project_id, id) on delete cascade,
  constraint sso_oidc_sign_ins_session_hash_challenge_hash_check
    check (num_nonnulls(session_hash, challenge_hash) = 1),
  constraint sso_oidc_sign_ins_subject_check check (length(subject) between 1 and 255),
  constraint sso_oidc_sign_ins_idp_sid_check check (length(idp_sid) between 1 and 255),
  constraint sso_oidc_sign_ins_id_token_sealed_check check (length(id_token_sealed) between 1 and 32768)
);
create index sso_oidc_sign_ins_project_id_connection_id_subject_idx
  on astapa.sso_oidc_sign_ins (project_id, connection_id, subject);
create index sso_oidc_sign_ins_project_id_connection_id_idp_sid_idx
  on astapa.sso_oidc_sign_ins (project_id, connection_id, idp_sid);
-- Migrations run as the owner, whom forced RLS binds like the app: the rows move while the old tables' RLS is not
-- forced (they are dropped below) and before the new one's is.
alter table astapa.sso_oidc_sessions no force row level security;
alter table astapa.sso_oidc_challenges no force row level security;
insert into astapa.sso_oidc_sign_ins (project_id, session_hash, challenge_hash, connection_id, subject, idp_sid,
                                      id_token_sealed, created_at)
select project_id, session_hash, null, connection_id, subject, idp_sid, id_token_sealed, created_at
from astapa.sso_oidc_sessions
union all
select project_id, null, challenge_hash, connection_id, subject, idp_sid, id_token_sealed, created_at
from astapa.sso_oidc_challenges;

alter table astapa.sso_oidc_sign_ins enable row level security;
alter table astapa.sso_oidc_sign_ins force row level security;
comment on table astapa.sso_oidc_sign_ins is
  'The OpenID Connect SSO sign-in behind a hosted-login session, or behind the second-factor challenge it waits at '
  'until the met challenge starts the session: the connection, the ID token''s sub and sid (the IdP''s handles, not '
  'secrets: a logout token must be signed by the IdP to end anything) and the sealed ID token. The IdP''s '
  'back-channel logout token ends the sessions it names (api.end_oidc_sessions); a sign-out at Astapa sends the ID '
  'token to the IdP (api.sso_logout_of_session). Goes with its session or challenge, and with its connection. The '
  'SAML counterpart is astapa.sso_saml_sign_ins.';
comment on column astapa.sso_oidc_sign_ins.session_hash is
  'The login session''s token hash (astapa.login_sessions); null while the sign-in waits at its challenge.';
comment on column astapa.sso_oidc_sign_ins.challenge_hash is
  'The open second-factor challenge''s token hash (astapa.mfa_challenges); null once the sign-in has its session.';
comment on column astapa.sso_oidc_sign_ins.idp_sid is
  'The ID token''s sid (the IdP''s session), or null when it sent none (a logout token then finds it by sub only).';
comment on column astapa.sso_oidc_sign_ins.id_token_sealed is
  'The IdP''s ID token of the sign-in, sealed (base64url) under the master key''s social purpose, for the '
  'id_token_hint of RP-initiated logout at the IdP; null when none was kept (sessions before migration 4304).';
-- id_token_sealed: `astapa master-key reseal` rewrites it (db/api/sealed_values.sql).
grant select, insert, update (session_hash, challenge_hash, id_token_sealed) on astapa.sso_oidc_sign_ins
  to astapa_app;

drop function if exists api.oidc_logout_of_session(bytea);
drop table astapa.sso_oidc_sessions;
drop table astapa.sso_oidc_challenges;
