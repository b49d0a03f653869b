-- The second step's phone checks take the project's astapa.phone_settings from a caller that read them
-- (db/api/factors.sql, users.sql, phone.sql; null: read as before): api.start_mfa_phone_code and
-- api.start_mfa_new_phone_code read them once, so their refusal and the code they store judge one version.
drop function if exists astapa.phone_second_factor(text);
drop function if exists astapa.second_factor_kinds(text, bigint);
drop function if exists astapa.challenge_factor_kinds(text, bigint, text);
drop function if exists astapa.phone_factor_offer(text, bigint);
drop function if exists astapa.challenge_phone_offer(astapa.mfa_challenges);
