-- Phone sign-in (issue 27): a user may have a phone number in E.164 (parsed by libphonenumber-js before it gets
-- here), verified once a code sent to it came back, and may have a phone and no email at all.
alter table astapa.users alter column email drop not null;
alter table astapa.users
  add column phone_number text,
  add column phone_number_verified boolean not null default false;
alter table astapa.users
  add constraint users_phone_number_check check (phone_number ~ '^\+[1-9][0-9]{6,14}$'),
  add constraint users_email_or_phone_check check (email is not null or phone_number is not null);

-- One account per number per project and environment, like email.
create unique index users_phone_number_key on astapa.users (project_id, environment, phone_number)
  where phone_number is not null;

comment on column astapa.users.phone_number is
  'E.164 (+62812…), unique per project and environment; the OIDC phone_number claim.';
comment on column astapa.users.phone_number_verified is
  'A code sent to phone_number was entered (phone sign-in or adding the phone); the phone_number_verified claim.';

grant select (phone_number, phone_number_verified) on astapa.users to astapa_app;
grant insert (phone_number, phone_number_verified) on astapa.users to astapa_app;
grant update (phone_number, phone_number_verified) on astapa.users to astapa_app;
