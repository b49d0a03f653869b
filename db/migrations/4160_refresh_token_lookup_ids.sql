-- A refresh token names its row by a time-ordered lookup id (issue 24, growth). Until now a token was found by
-- the SHA-256 of its secret through a unique index on that hash: every sign-in and rotation inserted into a
-- random leaf of it, and every refresh read one, which at 10M tokens are pages that no longer fit in memory.
-- A token issued from now on carries its row's lookup id (a UUID version 7) beside its secret; the row is
-- found by the id, on pages at the index's right edge, and the secret's hash is still compared there.
-- Tokens issued before keep working through the hash, indexed only for them (lookup_id is null) and shrinking
-- as they expire; a later migration can drop that index once none is left.
alter table astapa.refresh_tokens add column lookup_id uuid;
alter table astapa.refresh_tokens add constraint refresh_tokens_lookup_id_key unique (lookup_id);
comment on column astapa.refresh_tokens.lookup_id is
  'The id the token carries beside its secret (UUID version 7: time-ordered, 74 random bits); null for tokens '
  'issued before migration 4160, which are found by token_hash alone.';

-- Built before the full one goes, so older tokens stay unique and indexed throughout; on a large table the build
-- holds a write lock on refresh_tokens for its duration (about a minute per 10M rows).
create unique index refresh_tokens_token_hash_without_lookup_id_key on astapa.refresh_tokens (token_hash)
  where lookup_id is null;
alter table astapa.refresh_tokens drop constraint refresh_tokens_token_hash_key;

-- The functions that took a presented token by its hash alone now take its lookup id too (db/api/tokens.sql,
-- self_registered_tokens.sql); the one that made family ids makes lookup ids as well, under a name for both.
drop function if exists api.rotate_refresh_token(bytea, text, bytea, text, text);
drop function if exists api.refresh_token_owner(bytea);
drop function if exists api.introspect_refresh_token(bytea);
drop function if exists api.self_registered_token_project(text, bytea);
drop function if exists api.revoke_self_registered_tokens(text, bytea, bigint, text);
drop function if exists api.introspect_self_registered_refresh_token(text, bytea);
drop function if exists astapa.new_family_id();
