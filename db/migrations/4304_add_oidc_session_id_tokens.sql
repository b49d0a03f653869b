-- OpenID Connect RP-Initiated Logout 1.0 towards an organization's IdP (docs/enterprise-sso.md "Sign-out at the
-- IdP"): a sign-out at Astapa sends the browser to the IdP's end_session_endpoint with the ID token of the sign-in
-- as id_token_hint, so every OpenID Connect SSO session keeps that ID token, sealed under the master key (bound to
-- the project and the connection; lib/login/sso/oidc_id_token.ts), and so does the challenge a sign-in waits at for
-- a second factor. The token is a bearer assertion about the person: never kept in clear. The record and hold
-- functions take it (db/api/oidc_backchannel_logout.sql); their old signatures go. `astapa master-key reseal`
-- rewrites the sealed tokens of live sessions, hence the update grant and policy.
alter table astapa.sso_oidc_sessions add column id_token_sealed text;
alter table astapa.sso_oidc_sessions add constraint sso_oidc_sessions_id_token_sealed_check
  check (length(id_token_sealed) between 1 and 32768);
comment on column astapa.sso_oidc_sessions.id_token_sealed is
  'The IdP''s ID token of the sign-in, sealed (base64url) under the master key''s social purpose, for the '
  'id_token_hint of RP-initiated logout at the IdP; null when none was kept (sessions before migration 4304).';
grant update (id_token_sealed) on astapa.sso_oidc_sessions to astapa_app;

alter table astapa.sso_oidc_challenges add column id_token_sealed text;
alter table astapa.sso_oidc_challenges add constraint sso_oidc_challenges_id_token_sealed_check
  check (length(id_token_sealed) between 1 and 32768);
comment on column astapa.sso_oidc_challenges.id_token_sealed is
  'The sealed ID token of the sign-in waiting for its second factor (astapa.sso_oidc_sessions.id_token_sealed).';

drop function if exists api.record_oidc_session(bytea, text, text, text);
drop function if exists api.hold_oidc_sign_in(bytea, text, text, text);
