-- Revocation and introspection by self-registered clients (issue 26, second round): such a client belongs to
-- no project, so its refresh token is found by its hash alone (api.self_registered_token_project).
create index refresh_tokens_token_hash_idx on astapa.refresh_tokens (token_hash);
