-- Anonymous (guest) users (docs/anonymous-users.md): an app's front end may make a user with no email and no phone
-- (settings.anonymous_users, off by default) who later attaches an address to the same row, keeping the sub, plan
-- and payments. is_anonymous says which users are guests; the tombstone of an erased guest keeps it (the erasure's
-- placeholder address is the one email a guest row may hold). The partial index serves the per-project hourly cap
-- on new guests and the sweep of guests who never came back (api.sweep_grants). api.list_environment_users gains a
-- filter on it, and astapa.insert_user an is_anonymous argument, so their old signatures go.
alter table astapa.users add column is_anonymous boolean not null default false;

comment on column astapa.users.is_anonymous is
  'A guest (api.sign_in_anonymously): no email, phone or password until they sign up on the hosted login, which '
  'sets it false on the same row (same sub). Tokens say is_anonymous: true while it is true.';

alter table astapa.users drop constraint users_email_or_phone_check;
alter table astapa.users add constraint users_email_or_phone_check
  check (email is not null or phone_number is not null or is_anonymous);
alter table astapa.users add constraint users_is_anonymous_check
  check (not is_anonymous or (phone_number is null and password_hash is null
                              and (email is null or deleted_at is not null)));

create index users_is_anonymous_idx on astapa.users (project_id, created_at) where is_anonymous;

grant insert (is_anonymous) on astapa.users to astapa_app;
grant select (is_anonymous) on astapa.users to astapa_app;
grant update (is_anonymous) on astapa.users to astapa_app;

drop function if exists api.list_environment_users(text, integer, bigint);
drop function if exists astapa.insert_user(text, text, text, boolean, text, text, timestamptz, jsonb);
