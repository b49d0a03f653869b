-- api.email_change_pending answers jsonb {email, own} instead of the address alone, so the link's page can title
-- a link to the account's own address as a confirmation (db/api/account.sql); a return type cannot change in
-- place. "if exists": a fresh database gets its functions from db/api only after every migration ran.
drop function if exists api.email_change_pending(bytea);
