-- A verified phone as a second factor (issue 27): user_factors gains the kind `phone`, which has no secret (the
-- code goes to the person's verified number, users.phone_number), and a phone code says what it is for, so a
-- code sent for the second step can neither sign anyone in nor add a number to an account.
alter table astapa.user_factors drop constraint user_factors_kind_check;
alter table astapa.user_factors add constraint user_factors_kind_check check (kind in ('totp', 'phone'));
alter table astapa.user_factors alter column secret_sealed drop not null;
alter table astapa.user_factors add constraint user_factors_secret_sealed_check
  check ((kind = 'totp') = (secret_sealed is not null));

comment on table astapa.user_factors is
  'A user''s second factors, one per kind. totp: RFC 6238, SHA-1, 6 digits, 30 s; secret_sealed is AES-GCM under '
  'the master key (never readable without it); last_used_step refuses a code''s replay within its time step. '
  'phone: codes by WhatsApp or SMS to the user''s verified phone number (no secret; it stops counting while the '
  'number is missing or unverified). A row with confirmed_at null is an enrolment in progress: it never asks '
  'for a code.';

alter table astapa.phone_codes add column purpose text not null default 'sign_in';
update astapa.phone_codes set purpose = 'account' where user_id is not null;
alter table astapa.phone_codes
  add constraint phone_codes_purpose_check check (purpose in ('sign_in', 'account', 'mfa')),
  add constraint phone_codes_purpose_user_check check ((purpose = 'sign_in') = (user_id is null));

comment on column astapa.phone_codes.purpose is
  'sign_in (signs in or up; user_id null), account (adds the number to user_id''s account) or mfa (the second '
  'step of user_id''s sign-in, sent to their verified number).';

-- astapa.insert_phone_code gains the purpose (db/api/phone.sql).
drop function if exists astapa.insert_phone_code(text, text, text, bytea, bytea, text, bigint);
