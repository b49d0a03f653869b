-- Email codes may create accounts (issue 20, settings.email_code_sign_up): a code mailed to an address the
-- project has no user for names the address instead of a user; redeeming it creates the user. Exactly one of
-- the two is set.

alter table astapa.email_codes alter column user_id drop not null;
alter table astapa.email_codes add column email text;
alter table astapa.email_codes add constraint email_codes_email_check
  check (email is null or pg_catalog.length(email) <= 254);
alter table astapa.email_codes add constraint email_codes_person_check check ((user_id is null) <> (email is null));

create index email_codes_sign_up_idx on astapa.email_codes (project_id, pg_catalog.lower(email))
  where user_id is null;

comment on table astapa.email_codes is
  'A sign-in code mailed to a user (10 minutes, 5 tries, single use; a newer code voids older ones) and the '
  'magic link in the same mail (link_hash), which opens sign_in_request: the authorization request it came with. '
  'For a project whose email codes create accounts, a code for an address without a user names the email '
  'instead of a user_id; redeeming it creates the user.';
