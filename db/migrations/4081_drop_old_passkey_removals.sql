-- api.remove_passkey and api.remove_user_passkey return the removed key's name and the address to tell, and no
-- longer queue a mail themselves: the notice names the key, so it is composed once the name is known
-- (db/api/passkeys.sql, db/passkeys.ts).
drop function if exists api.remove_passkey(bytea, bytea);
drop function if exists api.remove_user_passkey(text, bigint, bytea, jsonb);
