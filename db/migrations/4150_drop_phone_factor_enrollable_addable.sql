-- astapa.phone_factor_enrollable and astapa.phone_factor_addable, which differed in one condition, are one
-- astapa.phone_factor_offer answering 'enrol', 'add' or null (db/api/factors.sql).
drop function if exists astapa.phone_factor_enrollable(text, bigint);
drop function if exists astapa.phone_factor_addable(text, bigint);
