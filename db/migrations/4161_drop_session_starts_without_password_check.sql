-- A password sign-in starts its session or second-step challenge only while the hash the app verified the
-- password against is still the enabled user's (astapa.lock_password_sign_in, db/api/users.sql): the two start
-- functions take that hash (db/api/login.sql, factors.sql), and their old signatures go.
drop function if exists api.start_login_session(bigint, bytea, integer, text[]);
drop function if exists api.start_mfa_challenge(bigint, bytea, text[], boolean, bytea, text);
