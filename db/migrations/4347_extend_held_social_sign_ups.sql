-- A held social sign-in (migration 4346) is finished with the authorization request it was held with, not the
-- one the consent page's form carries (docs/hosted-login.md#legal-consent-at-sign-up): the guest and the
-- invitation the callback read from that request are kept with it, for api.sign_up_with_held_identity.
alter table astapa.held_social_sign_ups add column guest_id bigint;
alter table astapa.held_social_sign_ups add column invitation text;
alter table astapa.held_social_sign_ups add constraint held_social_sign_ups_invitation_check
  check (invitation ~ '^[A-Za-z0-9_-]{20,100}$');
comment on column astapa.held_social_sign_ups.guest_id is
  'The guest whose row the account becomes (docs/anonymous-users.md): the sub of the id_token_hint the callback '
  'checked in the held request; null for none. No foreign key: a guest erased meanwhile fails the sign-up.';
comment on column astapa.held_social_sign_ups.invitation is
  'The organization invitation token of the held request (astapa.sign_up_invitation), or null.';
-- New argument lists are new signatures (db/api/held_social_sign_ups.sql): the old versions go. "if exists": a
-- fresh database gets its functions from db/api only after every migration ran.
drop function if exists api.hold_social_sign_up(bytea, text, text, text, boolean, jsonb, text);
drop function if exists api.sign_up_with_held_identity(bytea, bigint);
