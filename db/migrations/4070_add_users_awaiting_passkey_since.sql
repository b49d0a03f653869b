-- Abandoned passkey sign-ups (issue 20): a user made by a passkey sign-up's mailed code carries the moment it
-- was made until its first passkey is stored. Until then the user lists leave it out (unless it signed in some
-- other way), and api.sweep_grants erases it once it has waited 7 days with no way in.
alter table astapa.users add column awaiting_passkey_since timestamptz;

comment on column astapa.users.awaiting_passkey_since is
  'Set when a passkey sign-up''s proven address created the user, cleared when its first passkey is stored. '
  'While set and the user never signed in, user lists leave it out; 7 days on, with still no way in, the '
  'sweeper erases it (docs/passkeys.md).';

create index users_awaiting_passkey_since_idx on astapa.users (awaiting_passkey_since)
  where awaiting_passkey_since is not null;

grant select (awaiting_passkey_since) on astapa.users to astapa_app;
grant update (awaiting_passkey_since) on astapa.users to astapa_app;
