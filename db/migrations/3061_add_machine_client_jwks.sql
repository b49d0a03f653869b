-- private_key_jwt for machine clients (RFC 7523 §2.2, issue 26 item 3): the project may give a machine client
-- public keys to sign client assertions with, beside (not instead of) its secret.
alter table astapa.machine_clients add column jwks jsonb;
alter table astapa.machine_clients add constraint machine_clients_jwks_check
  check (jwks is null or (jsonb_typeof(jwks -> 'keys') = 'array'
                          and jsonb_array_length(jwks -> 'keys') between 1 and 5
                          and octet_length(jwks::text) <= 8192));
comment on column astapa.machine_clients.jwks is
  'Public keys (a JWK Set) the client signs its client assertions with (private_key_jwt, RFC 7523); null: '
  'it authenticates with its secret only.';
grant select (jwks), update (jwks) on astapa.machine_clients to astapa_app;
