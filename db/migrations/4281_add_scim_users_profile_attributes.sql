-- SCIM User attributes kept on the resource so a GET answers what the IdP set (RFC 7643 §4.1.1): name.formatted,
-- nickName, preferredLanguage, locale and timezone. They also set the account's profile (db/api/scim.sql:
-- astapa.scim_set_profile), and keeping them lets a PUT or PATCH set the profile only from what it changed (a
-- PATCH of active alone no longer sets the name again from displayName). Bounded as the other names (4252).
alter table astapa.scim_users
  add column formatted_name text,
  add column nick_name text,
  add column preferred_language text,
  add column locale text,
  add column timezone text,
  add constraint scim_users_profile_attributes_check check (
    pg_catalog.length(formatted_name) <= 255 and pg_catalog.length(nick_name) <= 255
    and pg_catalog.length(preferred_language) <= 255 and pg_catalog.length(locale) <= 64
    and pg_catalog.length(timezone) <= 64);

comment on column astapa.scim_users.formatted_name is
  'name.formatted as the IdP sent it; null when it is just given_name and family_name (what the resource answers).';
comment on column astapa.scim_users.nick_name is 'nickName as the IdP sent it (the profile''s nickname).';
comment on column astapa.scim_users.preferred_language is
  'preferredLanguage as the IdP sent it (Accept-Language form, e.g. "en-US" or "id, en;q=0.8"); its first '
  'language is the profile''s locale.';
comment on column astapa.scim_users.locale is 'locale as the IdP sent it (the profile''s locale when no preferredLanguage).';
comment on column astapa.scim_users.timezone is 'timezone as the IdP sent it (the profile''s zoneinfo).';

-- Signatures the profile claims of migration 4280 changed (the current definitions are in db/api): the profile
-- claims take the new fields (db/api/profile.sql), and a SCIM resource's profile is set from what changed since
-- the stored resource (db/api/scim.sql).
drop function if exists astapa.profile_claims(text, text, text, text, text, timestamptz);
drop function if exists astapa.scim_set_profile(text, bigint, jsonb);
