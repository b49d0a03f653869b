-- api.start_passkey_challenge gains a per-address rate limit (address, per_minute) and returns the wait.
drop function if exists api.start_passkey_challenge(bytea, text, bytea);
