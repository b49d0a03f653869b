-- SAML Single Logout (docs/enterprise-sso.md "Single logout"): the IdP's SingleLogoutService URL per connection,
-- and, for every browser session a SAML sign-in started, the NameID and SessionIndex the IdP knows it by, so that an
-- IdP's LogoutRequest finds the sessions to end and a sign-out at Astapa can tell the IdP which session ended. The
-- NameID and SessionIndex are kept as sent: Astapa sends them back to the IdP in its own LogoutRequest, and neither
-- is a credential (a LogoutRequest must be signed by the IdP's key to end anything). The pending IdP-initiated
-- sign-ins keep them too until the app's request signs the person in. api.put_saml_sso_connection takes the URL,
-- so its old signature goes.
alter table astapa.sso_connections
  add column idp_slo_url text,
  add constraint sso_connections_idp_slo_url_check check (
    idp_slo_url is null or (protocol = 'saml' and length(idp_slo_url) <= 2000 and idp_slo_url ~ '^https?://[^\s#]+$'));

comment on column astapa.sso_connections.idp_slo_url is
  'SAML: the IdP''s SingleLogoutService URL (HTTP-Redirect binding), from its metadata or set directly; null: no '
  'single logout (a sign-out at Astapa ends the Astapa session only).';

create table astapa.sso_saml_sessions (
  project_id text not null,
  session_hash bytea not null,
  connection_id text not null,
  name_id text not null,
  name_id_format text,
  session_index text,
  created_at timestamptz not null default now(),
  constraint sso_saml_sessions_pkey primary key (project_id, session_hash),
  constraint sso_saml_sessions_session_hash_fkey foreign key (project_id, session_hash)
    references astapa.login_sessions (project_id, token_hash) on delete cascade,
  constraint sso_saml_sessions_connection_id_fkey foreign key (project_id, connection_id)
    references astapa.sso_connections (project_id, id) on delete cascade,
  constraint sso_saml_sessions_name_id_check check (length(name_id) between 1 and 1024),
  constraint sso_saml_sessions_name_id_format_check check (length(name_id_format) <= 256),
  constraint sso_saml_sessions_session_index_check check (length(session_index) between 1 and 256)
);
create index sso_saml_sessions_project_id_connection_id_name_id_idx
  on astapa.sso_saml_sessions (project_id, connection_id, name_id);
alter table astapa.sso_saml_sessions enable row level security;
alter table astapa.sso_saml_sessions force row level security;
comment on table astapa.sso_saml_sessions is
  'The SAML sign-in behind a hosted-login session: the connection, and the NameID and SessionIndex of the IdP''s '
  'assertion (as sent; the IdP''s handle for its own session, not a secret). An IdP''s LogoutRequest ends the '
  'sessions it names (api.end_saml_sessions); a sign-out at Astapa sends them to the IdP (api.saml_logout_of_session). '
  'Goes with its session and its connection.';
comment on column astapa.sso_saml_sessions.session_hash is 'The login session''s token hash (astapa.login_sessions).';
comment on column astapa.sso_saml_sessions.session_index is
  'The assertion''s AuthnStatement SessionIndex, or null when the IdP sent none (a LogoutRequest then names the '
  'person only).';
grant select, insert on astapa.sso_saml_sessions to astapa_app;

alter table astapa.sso_pending_sign_ins
  add column name_id_format text,
  add column session_index text,
  add constraint sso_pending_sign_ins_name_id_format_check check (length(name_id_format) <= 256),
  add constraint sso_pending_sign_ins_session_index_check check (length(session_index) between 1 and 256);
comment on column astapa.sso_pending_sign_ins.session_index is
  'The assertion''s SessionIndex, kept for the session the sign-in starts (astapa.sso_saml_sessions).';

drop function if exists api.put_saml_sso_connection(text, text, text, text[], boolean, boolean, boolean, boolean, text,
                                                    text, text, boolean);
drop function if exists api.record_sso_pending_sign_in(text, bytea, text, text, jsonb);
