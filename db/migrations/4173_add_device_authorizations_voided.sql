-- A device authorization approved and not yet polled is voided by whatever ends every way into the account (a
-- sign-out everywhere, a password reset, a claim, a disable: astapa.void_device_authorizations): status
-- `voided` keeps who approved it, and its poll answers access_denied instead of issuing tokens.
alter table astapa.device_authorizations drop constraint device_authorizations_status_check;
alter table astapa.device_authorizations add constraint device_authorizations_status_check
  check (status in ('pending', 'approved', 'denied', 'redeemed', 'voided'));
alter table astapa.device_authorizations drop constraint device_authorizations_user_id_check;
alter table astapa.device_authorizations add constraint device_authorizations_user_id_check
  check ((status in ('approved', 'redeemed', 'voided')) = (user_id is not null));

comment on table astapa.device_authorizations is
  'Device authorization requests (RFC 8628): the device code as SHA-256, the user code the person types at '
  '/device (8 letters from a 20-consonant alphabet, unique while stored), the client, scope and resource asked '
  'for, and the person''s decision. The client polls no faster than interval_seconds (raised by 5 at each '
  '"slow_down"); an approved request is redeemed once and starts a refresh-token family, unless every way into '
  'the account was ended first (voided: astapa.void_device_authorizations). Expired rows are swept when new '
  'requests start.';
