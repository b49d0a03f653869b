-- api.upgrade_imported_password now returns the user's hash after the call (the new one, or the one another
-- sign-in's re-hash left), so a sign-in that lost the re-hash race verifies against it instead of failing
-- (db/api/user_import.sql); the version returning a boolean goes first.
drop function if exists api.upgrade_imported_password(text, bigint, text, text);
