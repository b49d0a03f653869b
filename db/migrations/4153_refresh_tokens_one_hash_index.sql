-- One index for a refresh token's hash (issue 24, growth). The hash of 256 random bits names one token in the
-- whole deployment, so a unique index on it alone serves both lookups: a project's (project_id and hash) and a
-- self-registered client's (hash alone, migration 3850). Each rotation then writes one random leaf page for the
-- hash instead of two, and at 10M tokens those pages are what no longer fit in memory.
-- Built before the two old ones go, so the hash stays unique and indexed throughout; on a large table the
-- build holds a write lock on refresh_tokens for its duration (about a minute per 10M rows).
create unique index refresh_tokens_token_hash_unique on astapa.refresh_tokens (token_hash);
alter table astapa.refresh_tokens drop constraint refresh_tokens_token_hash_key;
drop index astapa.refresh_tokens_token_hash_idx;
-- The constraint keeps its old name and takes over the new index (which is renamed to it).
alter table astapa.refresh_tokens add constraint refresh_tokens_token_hash_key
  unique using index refresh_tokens_token_hash_unique;
