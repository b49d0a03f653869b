-- Introspection, userinfo and token exchange learn the impersonation an access token's act names
-- (docs/impersonation.md), so that a token issued under one that has ended is inactive, gets no claims and is not
-- exchanged. db/api/tokens.sql and db/api/token_exchange.sql define the new signatures; the old ones go.
drop function if exists api.access_token_active(bigint, text);
drop function if exists api.user_info(bigint, text, text);
drop function if exists api.exchange_token(text, text, text, text, text, text, text, text, text);
