-- astapa.convert_guest takes a password sign-up's password_hash too, so api.sign_up_guest writes the guest's row
-- once (db/api/anonymous_users.sql): a new argument list is a new signature, so the six-argument version goes.
-- "if exists": a fresh database gets its functions from db/api only after every migration ran.
drop function if exists astapa.convert_guest(text, bigint, text, boolean, text, text);
