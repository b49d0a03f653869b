-- api.reset_password now returns {user_id} plus what a claim of the account removed, so the page can tell the
-- person (db/api/login.sql, astapa.claim_notice); the version returning the user id goes first.
drop function if exists api.reset_password(bytea, text);
