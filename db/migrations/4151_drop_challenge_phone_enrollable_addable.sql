-- astapa.challenge_phone_enrollable and astapa.challenge_phone_addable, which differed in one word, are one
-- astapa.challenge_phone_offer answering 'enrol', 'add' or null (db/api/factors.sql).
drop function if exists astapa.challenge_phone_enrollable(astapa.mfa_challenges);
drop function if exists astapa.challenge_phone_addable(astapa.mfa_challenges);
