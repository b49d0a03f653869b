-- A held social sign-in (migration 4346) is finished with the authorization request it was held with, not the
-- one the consent page's form carries (docs/hosted-login.md#legal-consent-at-sign-up): the guest and the
-- invitation the callback read from that request are kept with it, for api.sign_up_with_held_identity. So is
-- Apple's refresh token of the sign-in, sealed as on an identity, for the account the step makes: Apple requires
-- revoking it when that account is deleted (lib/login/social/apple_revocation.ts).
alter table astapa.held_social_sign_ups add column guest_id bigint;
alter table astapa.held_social_sign_ups add column invitation text;
alter table astapa.held_social_sign_ups add constraint held_social_sign_ups_invitation_check
  check (invitation ~ '^[A-Za-z0-9_-]{20,100}$');
comment on column astapa.held_social_sign_ups.guest_id is
  'The guest whose row the account becomes (docs/anonymous-users.md): the sub of the id_token_hint the callback '
  'checked in the held request; null for none. No foreign key: a guest erased meanwhile fails the sign-up.';
comment on column astapa.held_social_sign_ups.invitation is
  'The organization invitation token of the held request (astapa.sign_up_invitation), or null.';
alter table astapa.held_social_sign_ups add column refresh_token_sealed text;
alter table astapa.held_social_sign_ups add column token_client_id text;
alter table astapa.held_social_sign_ups add constraint held_social_sign_ups_refresh_token_sealed_check
  check (length(refresh_token_sealed) <= 4000);
alter table astapa.held_social_sign_ups add constraint held_social_sign_ups_token_client_id_check
  check ((refresh_token_sealed is null) = (token_client_id is null) and length(token_client_id) <= 255);
comment on column astapa.held_social_sign_ups.refresh_token_sealed is
  'Apple only: the refresh token of the held sign-in''s code exchange, sealed as identities.refresh_token_sealed '
  '(never logged or shown). Moves to the identity the step makes, and leaves this row; revoked when an unused row '
  'is swept.';
comment on column astapa.held_social_sign_ups.token_client_id is
  'The Services ID (client_id) refresh_token_sealed was issued to: its credentials revoke it.';
-- The step moves the token onto the identity; `astapa master-key reseal` replaces it (db/api/sealed_values.sql).
grant update (refresh_token_sealed, token_client_id) on astapa.held_social_sign_ups to astapa_app;
-- New argument lists are new signatures (db/api/held_social_sign_ups.sql): the old versions go. "if exists": a
-- fresh database gets its functions from db/api only after every migration ran.
drop function if exists api.hold_social_sign_up(bytea, text, text, text, boolean, jsonb, text);
drop function if exists api.sign_up_with_held_identity(bytea, bigint);
