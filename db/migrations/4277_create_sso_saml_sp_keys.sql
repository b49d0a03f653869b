-- A SAML connection's own key pair as a service provider (docs/enterprise-sso.md, "Encrypted assertions", "Signed
-- AuthnRequests"): an RSA key and its self-signed certificate, per connection so that one connection rotates
-- alone. The private key is sealed by the app under the master key (AES-GCM, bound to the project and the key id)
-- before it reaches the database; SQL never sees it in the clear. A connection has one current key (it signs
-- AuthnRequests and decrypts) and, after a rotation, at most one previous key (still published and still
-- decrypting until it is removed). The app makes the key (SQL cannot sign): a new SAML connection gets one when it
-- is saved, a connection from before this migration at its next save or rotation.
create table astapa.sso_saml_sp_keys (
  project_id text not null,
  connection_id text not null,
  id text not null,
  state text not null,
  certificate text not null,
  private_key_sealed text not null,
  created_at timestamptz not null default now(),
  constraint sso_saml_sp_keys_pkey primary key (project_id, id),
  constraint sso_saml_sp_keys_connection_id_fkey foreign key (project_id, connection_id)
    references astapa.sso_connections (project_id, id) on delete cascade,
  constraint sso_saml_sp_keys_id_check check (id ~ '^spk_[a-z2-7]{24}$'),
  constraint sso_saml_sp_keys_state_check check (state in ('current', 'previous')),
  constraint sso_saml_sp_keys_certificate_check
    check (length(certificate) <= 8000 and certificate ~ '^[A-Za-z0-9+/]+={0,2}$'),
  constraint sso_saml_sp_keys_private_key_sealed_check
    check (length(private_key_sealed) <= 8000 and private_key_sealed ~ '^[A-Za-z0-9_-]+$')
);
-- One current and at most one previous key per connection.
create unique index sso_saml_sp_keys_connection_id_state_key
  on astapa.sso_saml_sp_keys (project_id, connection_id, state);
-- The public SP metadata finds a connection's keys by its id alone (no project known yet).
create index sso_saml_sp_keys_connection_id_idx on astapa.sso_saml_sp_keys (connection_id);
alter table astapa.sso_saml_sp_keys enable row level security;
alter table astapa.sso_saml_sp_keys force row level security;
comment on table astapa.sso_saml_sp_keys is
  'A SAML connection''s service provider key pairs: the current one signs AuthnRequests and decrypts assertions; '
  'a previous one (after a rotation) is still published and still decrypts until removed. The private key is '
  'sealed by the app (never readable in SQL) and never answered by the API.';
comment on column astapa.sso_saml_sp_keys.certificate is
  'The self-signed X.509 certificate of the key, base64 DER: published in the SP metadata for signing and '
  'encryption.';
comment on column astapa.sso_saml_sp_keys.private_key_sealed is
  'The PKCS#8 private key sealed under the master key (AES-GCM; base64url), bound to the project and the key id.';
grant select, insert, update, delete on astapa.sso_saml_sp_keys to astapa_app;

