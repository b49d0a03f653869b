-- The profile (migration 4261, db/api/profile.sql) changed three signatures; the current ones are in db/api:
-- api.user_info takes the access token's scope (the profile claims go only to a token with the profile scope,
-- db/api/tokens.sql); the account page's name is the profile's (api.account_set_profile) rather than the `name`
-- custom claim api.account_set_name wrote; astapa.insert_user takes an import's profile, so a new user's
-- user.created already carries it (db/api/users.sql).
drop function if exists api.user_info(bigint, text);
drop function if exists api.account_set_name(bytea, text);
drop function if exists astapa.insert_user(text, text, text, boolean, text, text, timestamptz);
