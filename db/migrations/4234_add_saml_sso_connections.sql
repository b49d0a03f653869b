-- SAML 2.0 beside OpenID Connect (docs/enterprise-sso.md): an SSO connection speaks one protocol. A SAML one keeps
-- the IdP's entity id, its single sign-on URL and 1 to 3 signing certificates (base64 DER, so a certificate
-- rotation can list the old and the new one); an OpenID Connect one keeps its issuer and client as before. Each
-- protocol's columns are required for it and empty for the other (sso_connections_protocol_check), except that a
-- SAML connection may be saved without its IdP, disabled, to give the IdP Astapa's URLs first.
alter table astapa.sso_connections
  add column protocol text not null default 'oidc',
  add column idp_entity_id text,
  add column idp_sso_url text,
  add column idp_certificates text[],
  alter column issuer drop not null,
  alter column client_id drop not null,
  alter column client_secret_sealed drop not null,
  add constraint sso_connections_idp_entity_id_check
    check (length(idp_entity_id) between 1 and 1024 and idp_entity_id !~ '[[:cntrl:]]'),
  add constraint sso_connections_idp_sso_url_check
    check (length(idp_sso_url) <= 2000 and idp_sso_url ~ '^https?://[^\s#]+$'),
  add constraint sso_connections_idp_certificates_check
    check (cardinality(idp_certificates) between 1 and 3 and length(array_to_string(idp_certificates, ',')) <= 24000
           and array_to_string(idp_certificates, ',') ~ '^[A-Za-z0-9+/]+={0,2}(,[A-Za-z0-9+/]+={0,2}){0,2}$'),
  add constraint sso_connections_protocol_check check (
    (protocol = 'oidc' and issuer is not null and client_id is not null and client_secret_sealed is not null
     and idp_entity_id is null and idp_sso_url is null and idp_certificates is null)
    or (protocol = 'saml' and issuer is null and client_id is null and client_secret_sealed is null
        and ((idp_entity_id is not null and idp_sso_url is not null and idp_certificates is not null)
             -- Pending: saved to learn the SP's URLs for the IdP, before the IdP's metadata exists; never enabled.
             or (idp_entity_id is null and idp_sso_url is null and idp_certificates is null and not enabled))));

-- The SAML service provider's URLs carry the connection id alone (its metadata is read before any project is
-- known: api.saml_connection_exists), so an id names one connection in the deployment.
alter table astapa.sso_connections add constraint sso_connections_id_key unique (id);

comment on column astapa.sso_connections.protocol is
  'oidc: an OpenID Provider (issuer, client_id, client_secret_sealed); saml: a SAML 2.0 IdP (idp_entity_id, '
  'idp_sso_url, idp_certificates).';
comment on column astapa.sso_connections.idp_certificates is
  'The SAML IdP''s signing certificates, base64 DER without PEM armour; an assertion signed by any one is accepted.';

-- Replay protection for SAML: an assertion's ID is kept until the assertion could no longer be accepted anyway, so
-- the same signed assertion posted twice signs in once.
create table astapa.sso_saml_assertions (
  project_id text not null,
  connection_id text not null,
  assertion_id text not null,
  expires_at timestamptz not null,
  constraint sso_saml_assertions_pkey primary key (project_id, connection_id, assertion_id),
  constraint sso_saml_assertions_connection_id_fkey foreign key (project_id, connection_id)
    references astapa.sso_connections (project_id, id) on delete cascade,
  constraint sso_saml_assertions_assertion_id_check
    check (length(assertion_id) between 1 and 256 and assertion_id !~ '[[:cntrl:]]')
);
create index sso_saml_assertions_project_id_expires_at_idx on astapa.sso_saml_assertions (project_id, expires_at);
alter table astapa.sso_saml_assertions enable row level security;
alter table astapa.sso_saml_assertions force row level security;
comment on table astapa.sso_saml_assertions is
  'The IDs of SAML assertions a connection has accepted, kept until they expire (then pruned), so none is '
  'accepted twice.';
grant select, insert, delete on astapa.sso_saml_assertions to astapa_app;
