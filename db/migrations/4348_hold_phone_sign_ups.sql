-- A first phone-code sign-in from the sign-in page, under settings.sign_up.require_legal_consent, is held as a
-- first Google/GitHub/Apple one is (migration 4346; docs/hosted-login.md#legal-consent-at-sign-up): the code is
-- used up and the number it proved, with the channel that carried it, waits here for the person to agree. One
-- table for both kinds: the same token, lifetime, policies, step and sweeper; a kind column says which columns a
-- row fills. (It keeps its name: api.sweep_grants answers its count as held_social_sign_ups, which operators read.)
alter table astapa.held_social_sign_ups add column kind text not null default 'social';
alter table astapa.held_social_sign_ups add column phone_number text;
alter table astapa.held_social_sign_ups add column channel text;
alter table astapa.held_social_sign_ups alter column provider drop not null;
alter table astapa.held_social_sign_ups alter column subject drop not null;
alter table astapa.held_social_sign_ups alter column email_verified drop not null;
alter table astapa.held_social_sign_ups add constraint held_social_sign_ups_kind_check
  check (kind = 'social' and provider is not null and subject is not null and email_verified is not null
           and phone_number is null and channel is null
         or kind = 'phone' and phone_number is not null and channel is not null
           and provider is null and subject is null and email is null and email_verified is null
           and refresh_token_sealed is null);
alter table astapa.held_social_sign_ups add constraint held_social_sign_ups_phone_number_check
  check (phone_number ~ '^\+[1-9][0-9]{6,14}$');
alter table astapa.held_social_sign_ups add constraint held_social_sign_ups_channel_check
  check (channel in ('whatsapp', 'sms'));
comment on table astapa.held_social_sign_ups is
  'A first sign-in held until the person agrees to the project''s terms (settings.sign_up.require_legal_consent): '
  'the identity Google/GitHub/Apple proved (kind social) or the number a phone code proved (kind phone), and the '
  'authorization request it came with, keyed by the hash of a token the browser holds; 10 minutes, single use '
  '(api.sign_up_with_held_identity). Swept a day past expiry (api.sweep_grants).';
comment on column astapa.held_social_sign_ups.kind is
  'social: provider, subject, email and profile are the identity; phone: phone_number and channel are (E.164, the '
  'channel the code went by, for the amr).';
-- check_phone_code holds the number itself (one call: the code used up and the number held together).
drop function if exists api.check_phone_code(bytea, bytea);
