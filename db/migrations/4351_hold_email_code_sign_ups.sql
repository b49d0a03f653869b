-- A first emailed sign-in code (or its magic link) from the sign-in page, under
-- settings.sign_up.require_legal_consent, is held as a first phone code is (migration 4348;
-- docs/hosted-login.md#legal-consent-at-sign-up): the code is used up and the address it proved waits here, verified
-- (the mailbox answered), for the person to agree. A third kind, email: the email column is the identity.
alter table astapa.held_social_sign_ups drop constraint held_social_sign_ups_kind_check;
alter table astapa.held_social_sign_ups add constraint held_social_sign_ups_kind_check
  check (kind = 'social' and provider is not null and subject is not null and email_verified is not null
           and phone_number is null and channel is null
         or kind = 'phone' and phone_number is not null and channel is not null
           and provider is null and subject is null and email is null and email_verified is null
           and refresh_token_sealed is null
         or kind = 'email' and email is not null and email_verified
           and provider is null and subject is null and phone_number is null and channel is null
           and refresh_token_sealed is null);
comment on table astapa.held_social_sign_ups is
  'A first sign-in held until the person agrees to the project''s terms (settings.sign_up.require_legal_consent): '
  'the identity Google/GitHub/Apple/Microsoft proved (kind social), the number a phone code proved (kind phone) or '
  'the address an emailed code or magic link proved (kind email), and the authorization request it came with, keyed '
  'by the hash of a token the browser holds; 10 minutes, single use (api.sign_up_with_held_identity). Swept a day '
  'past expiry (api.sweep_grants).';
comment on column astapa.held_social_sign_ups.kind is
  'social: provider, subject, email and profile are the identity; phone: phone_number and channel are (E.164, the '
  'channel the code went by, for the amr); email: email is (verified: the mailbox answered the code).';
-- The code's redemption holds the address itself (one call: the code used up and the address held together).
drop function if exists api.redeem_email_code(text, bytea);
drop function if exists api.redeem_email_code_link(bytea);
drop function if exists astapa.use_email_code(astapa.email_codes);
