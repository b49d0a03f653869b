-- api.user_info now takes the token's client id too (db/api/tokens.sql): a dynamic or metadata-document
-- client's token is refused at /userinfo while the project has that kind of client switched off.
drop function api.user_info(bigint);
