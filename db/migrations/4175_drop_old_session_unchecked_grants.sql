-- What a signed-in browser's session decides in a later transaction than the one that found it live — a code
-- for a returning person, a step-up's second-factor challenge, a device approval at /device — now names that
-- session and checks it is still live under the user's row lock (astapa.hold_live_login_session,
-- db/api/login.sql): a sign-out everywhere, reset, claim or disable committed in between left the code,
-- challenge or approval made after it live. api.issue_authorization_code and api.start_mfa_challenge take
-- session_hash (db/api/tokens.sql, db/api/factors.sql); api.decide_device_authorization takes it instead of a
-- user id (db/api/device_authorization.sql). "if exists": a fresh database gets its functions from db/api only
-- after every migration ran.
drop function if exists api.issue_authorization_code(bytea, text, bigint, text, text, text, text, text, text, timestamptz, integer, text[], text);
drop function if exists api.start_mfa_challenge(bigint, bytea, text[], boolean, bytea, text, text);
drop function if exists api.decide_device_authorization(text, bigint, boolean);
