-- A confirmation link no longer verifies on its own: api.confirm_email asks for the password (or the signed-in
-- browser) or claims the account for the mailbox's owner, and api.email_verification reads the link for the
-- page (db/api/login.sql). The function that verified on any opening goes.
drop function if exists api.verify_email(bytea);
