-- A signed-in person's own credential pages add ways in (a passkey, recovery codes, a password, a phone number
-- or phone factor, an email change) only while their session is still live under the user's row lock, as a
-- code or a device approval is issued: astapa.hold_live_login_session (db/api/login.sql) takes fresh_seconds
-- for the changes that need a recent sign-in. "if exists": a fresh database gets its functions from db/api only
-- after every migration ran.
drop function if exists astapa.hold_live_login_session(bytea);
