-- One replay store for every message an SSO connection's IdP sends once: SAML assertion and LogoutRequest IDs
-- (astapa.sso_saml_assertions, 4234) and OpenID Connect logout tokens' jti (astapa.sso_oidc_logout_tokens, 4302)
-- were two tables of the same shape behind two copies of the same check, prune and insert. A connection has one
-- protocol, so (project, connection, id) keeps both apart. api.record_sso_message_id (db/api/sso_connections.sql)
-- replaces api.record_saml_assertion and the jti step of api.end_oidc_sessions.
create table astapa.sso_message_ids (
  project_id text not null,
  connection_id text not null,
  message_id text not null,
  expires_at timestamptz not null,
  constraint sso_message_ids_pkey primary key (project_id, connection_id, message_id),
  constraint sso_message_ids_connection_id_fkey foreign key (project_id, connection_id)
    references astapa.sso_connections (project_id, id) on delete cascade,
  constraint sso_message_ids_message_id_check
    check (length(message_id) between 1 and 256 and message_id !~ '[[:cntrl:]]')
);
create index sso_message_ids_project_id_expires_at_idx on astapa.sso_message_ids (project_id, expires_at);
-- Migrations run as the owner, whom forced RLS binds like the app: the rows move while the old tables' RLS is not
-- forced (they are dropped below) and before the new one's is.
alter table astapa.sso_saml_assertions no force row level security;
alter table astapa.sso_oidc_logout_tokens no force row level security;
insert into astapa.sso_message_ids (project_id, connection_id, message_id, expires_at)
select project_id, connection_id, assertion_id, expires_at from astapa.sso_saml_assertions
union all
select project_id, connection_id, jti, expires_at from astapa.sso_oidc_logout_tokens
on conflict on constraint sso_message_ids_pkey do nothing;

alter table astapa.sso_message_ids enable row level security;
alter table astapa.sso_message_ids force row level security;
comment on table astapa.sso_message_ids is
  'The IDs of the one-time messages an SSO connection''s IdP sent that were accepted — SAML assertions and '
  'LogoutRequests, OpenID Connect logout tokens (jti) — kept until the message could no longer be accepted (then '
  'pruned), so none is accepted twice.';
grant select, insert, delete on astapa.sso_message_ids to astapa_app;

drop function if exists api.record_saml_assertion(text, text, timestamptz);
drop table astapa.sso_saml_assertions;
drop table astapa.sso_oidc_logout_tokens;
