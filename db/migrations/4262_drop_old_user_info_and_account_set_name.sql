-- api.user_info takes the access token's scope (the profile claims go only to a token with the profile scope,
-- db/api/tokens.sql), and the account page's name is the profile's (api.account_set_profile, db/api/profile.sql)
-- rather than the `name` custom claim api.account_set_name wrote.
drop function if exists api.user_info(bigint, text);
drop function if exists api.account_set_name(bytea, text);
