-- Every way back into an account is closed by one function, astapa.void_ways_back (db/api/users.sql): it takes
-- the user's row for update once, then ends the sessions, revokes the refresh tokens and voids the codes, approved
-- devices, address changes and open second-step challenges, answering one set of counts. api.sign_out_everywhere,
-- api.reset_password, astapa.claim_unproven_account and api.disable_user call it instead of each keeping its own
-- list (a sign-out everywhere and a disable left a second step open). "if exists": a fresh database gets its
-- functions from db/api only after every migration ran.
drop function if exists astapa.void_authorization_codes(bigint);
drop function if exists astapa.void_device_authorizations(bigint);
drop function if exists astapa.void_email_changes(bigint);
