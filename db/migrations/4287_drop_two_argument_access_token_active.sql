-- api.access_token_active takes the impersonation an access token's act names (docs/impersonation.md), so that
-- introspection calls a token inactive once its impersonation ended; db/api/tokens.sql defines the new signature.
drop function if exists api.access_token_active(bigint, text);
