-- Adding a phone number from the account page (issue 27): a code sent to a new number belongs to the signed-in
-- person who asked for it, and only that person can spend it (never as a sign-in code).
alter table astapa.phone_codes add column user_id bigint,
  add constraint phone_codes_user_id_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade;

comment on column astapa.phone_codes.user_id is
  'Set when the code adds a number to this user''s account (/account): it cannot sign anyone in; null for a '
  'sign-in code.';
