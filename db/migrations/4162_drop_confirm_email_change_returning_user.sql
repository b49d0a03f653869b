-- api.confirm_email_change now says which it did, 'changed' or 'confirmed' (the person's own unverified
-- address), so the page can say so (db/api/account.sql); the version returning the user id goes first.
drop function if exists api.confirm_email_change(bytea, jsonb);
