-- Two settings of a SAML connection (docs/enterprise-sso.md): refuse an assertion that is not encrypted to the
-- connection's key, and sign the AuthnRequests with it. Both off by default (as before this migration) and off
-- for OpenID Connect connections, which have neither. api.put_saml_sso_connection takes them (and the key a
-- connection without one gets), so its old signature goes; the public SP metadata now reads the connection's
-- certificates and settings (api.saml_service_provider), so api.saml_connection_exists goes too.
alter table astapa.sso_connections
  add column want_assertions_encrypted boolean not null default false,
  add column sign_authn_requests boolean not null default false,
  add constraint sso_connections_saml_settings_check
    check (protocol = 'saml' or not (want_assertions_encrypted or sign_authn_requests));

comment on column astapa.sso_connections.want_assertions_encrypted is
  'SAML: refuse an assertion that is not an EncryptedAssertion (to the connection''s service provider key).';
comment on column astapa.sso_connections.sign_authn_requests is
  'SAML: sign the AuthnRequest (HTTP-Redirect binding, rsa-sha256) with the connection''s current service provider '
  'key.';

drop function if exists api.put_saml_sso_connection(text, text, text, text[], boolean, boolean);
drop function if exists api.saml_connection_exists(text);
