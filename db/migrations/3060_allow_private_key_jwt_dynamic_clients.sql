-- private_key_jwt client authentication (RFC 7523 §2.2, issue 26 item 3): a self-registered client may
-- register its public keys (`jwks`, kept in metadata like the other registered fields) instead of receiving a
-- secret. Only public keys are stored, so the app role may read them.
alter table astapa.dynamic_clients drop constraint dynamic_clients_auth_method_check;
alter table astapa.dynamic_clients add constraint dynamic_clients_auth_method_check
  check (token_endpoint_auth_method = any (array['none', 'client_secret_basic', 'client_secret_post',
                                                 'private_key_jwt']));
alter table astapa.dynamic_clients drop constraint dynamic_clients_secret_hash_check;
alter table astapa.dynamic_clients add constraint dynamic_clients_secret_hash_check
  check ((token_endpoint_auth_method in ('none', 'private_key_jwt')) = (secret_hash is null)
         and (secret_hash is null or length(secret_hash) = 32));
alter table astapa.dynamic_clients add constraint dynamic_clients_jwks_check
  check ((token_endpoint_auth_method = 'private_key_jwt')
         = coalesce(jsonb_typeof(metadata -> 'jwks' -> 'keys') = 'array', false));
