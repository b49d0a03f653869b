-- OpenID Connect Back-Channel Logout 1.0 received from an organization's IdP (docs/enterprise-sso.md "Back-channel
-- logout from the IdP"): for every browser session an OpenID Connect SSO sign-in started, the IdP's `sub` and `sid`
-- (the ID token's, when it sent one), so that the IdP's logout token finds the sessions to end; the same while a
-- second factor is owed; and the logout tokens' `jti`s, so that none ends anything twice. These parallel the SAML
-- tables of migrations 4285/4286 (astapa.sso_saml_sessions, astapa.sso_saml_challenges) rather than generalise
-- them: a SAML NameID has a format and is sent back to the IdP, an OIDC subject and sid are only matched, and the
-- SAML ones are read by the SAML sign-out (api.saml_logout_of_session).
create table astapa.sso_oidc_sessions (
  project_id text not null,
  session_hash bytea not null,
  connection_id text not null,
  subject text not null,
  idp_sid text,
  created_at timestamptz not null default now(),
  constraint sso_oidc_sessions_pkey primary key (project_id, session_hash),
  constraint sso_oidc_sessions_session_hash_fkey foreign key (project_id, session_hash)
    references astapa.login_sessions (project_id, token_hash) on delete cascade,
  constraint sso_oidc_sessions_connection_id_fkey foreign key (project_id, connection_id)
    references astapa.sso_connections (project_id, id) on delete cascade,
  constraint sso_oidc_sessions_subject_check check (length(subject) between 1 and 255),
  constraint sso_oidc_sessions_idp_sid_check check (length(idp_sid) between 1 and 255)
);
create index sso_oidc_sessions_project_id_connection_id_subject_idx
  on astapa.sso_oidc_sessions (project_id, connection_id, subject);
create index sso_oidc_sessions_project_id_connection_id_idp_sid_idx
  on astapa.sso_oidc_sessions (project_id, connection_id, idp_sid);
alter table astapa.sso_oidc_sessions enable row level security;
alter table astapa.sso_oidc_sessions force row level security;
comment on table astapa.sso_oidc_sessions is
  'The OpenID Connect SSO sign-in behind a hosted-login session: the connection, the ID token''s sub and sid (the '
  'IdP''s handles, not secrets: a logout token must be signed by the IdP to end anything). The IdP''s back-channel '
  'logout token ends the sessions it names (api.end_oidc_sessions). The SAML counterpart is astapa.sso_saml_sessions. '
  'Goes with its session and its connection.';
comment on column astapa.sso_oidc_sessions.session_hash is 'The login session''s token hash (astapa.login_sessions).';
comment on column astapa.sso_oidc_sessions.idp_sid is
  'The ID token''s sid (the IdP''s session), or null when it sent none (a logout token then finds it by sub only).';
grant select, insert on astapa.sso_oidc_sessions to astapa_app;

create table astapa.sso_oidc_challenges (
  project_id text not null,
  challenge_hash bytea not null,
  connection_id text not null,
  subject text not null,
  idp_sid text,
  created_at timestamptz not null default now(),
  constraint sso_oidc_challenges_pkey primary key (project_id, challenge_hash),
  constraint sso_oidc_challenges_challenge_hash_fkey foreign key (project_id, challenge_hash)
    references astapa.mfa_challenges (project_id, token_hash) on delete cascade,
  constraint sso_oidc_challenges_connection_id_fkey foreign key (project_id, connection_id)
    references astapa.sso_connections (project_id, id) on delete cascade,
  constraint sso_oidc_challenges_subject_check check (length(subject) between 1 and 255),
  constraint sso_oidc_challenges_idp_sid_check check (length(idp_sid) between 1 and 255)
);
create index sso_oidc_challenges_project_id_connection_id_idx on astapa.sso_oidc_challenges (project_id, connection_id);
alter table astapa.sso_oidc_challenges enable row level security;
alter table astapa.sso_oidc_challenges force row level security;
comment on table astapa.sso_oidc_challenges is
  'The OpenID Connect SSO sign-in (connection, sub, sid) behind an open second-factor challenge, waiting for the '
  'session the met challenge starts (then moved to astapa.sso_oidc_sessions; the SAML counterpart is '
  'astapa.sso_saml_challenges). Goes with its challenge.';
grant select, insert, delete on astapa.sso_oidc_challenges to astapa_app;

create table astapa.sso_oidc_logout_tokens (
  project_id text not null,
  connection_id text not null,
  jti text not null,
  expires_at timestamptz not null,
  constraint sso_oidc_logout_tokens_pkey primary key (project_id, connection_id, jti),
  constraint sso_oidc_logout_tokens_connection_id_fkey foreign key (project_id, connection_id)
    references astapa.sso_connections (project_id, id) on delete cascade,
  constraint sso_oidc_logout_tokens_jti_check check (length(jti) between 1 and 255 and jti !~ '[[:cntrl:]]')
);
create index sso_oidc_logout_tokens_project_id_expires_at_idx on astapa.sso_oidc_logout_tokens (project_id, expires_at);
alter table astapa.sso_oidc_logout_tokens enable row level security;
alter table astapa.sso_oidc_logout_tokens force row level security;
comment on table astapa.sso_oidc_logout_tokens is
  'The jti of every logout token an OpenID Connect connection''s IdP sent that was accepted, kept until the token '
  'could no longer be accepted (then pruned), so none is accepted twice (Back-Channel Logout 1.0 §2.6).';
grant select, insert, delete on astapa.sso_oidc_logout_tokens to astapa_app;
