-- astapa.insert_phone_code and astapa.phone_send_wait take the project's astapa.phone_settings from their
-- caller, which reads them once per code (db/api/phone.sql): api.account_start_phone_code's own refusal and
-- the code it stores are judged by the same settings.
drop function if exists astapa.insert_phone_code(text, text, text, bytea, bytea, text, bigint, text);
drop function if exists astapa.phone_send_wait(text, text);
