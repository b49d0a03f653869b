-- A person's profile: the OpenID Connect standard claims of the `profile` scope that Astapa keeps (Core 1.0
-- §5.1: name, given_name, family_name, picture, locale, updated_at). Filled from Google, Apple, GitHub and SSO at
-- sign-up or first link (empty fields only), changed by the person on /account, by the app through the Platform
-- API and by imports. The rules are these constraints, named so a violation says which field (db/api/profile.sql
-- turns them into a readable AS400, or drops a provider's value that breaks them); docs/identity.md.
--
-- Refused in every text field: C0/C1 control characters, and the invisible format characters that reorder or
-- hide text on a page or in a mail — soft hyphen, Arabic letter mark, Mongolian vowel separator, zero-width space,
-- LRM/RLM, line and paragraph separators, the bidi embeddings and overrides (U+202A–U+202E), word joiner and
-- invisible operators, the bidi isolates (U+2066–U+2069), the byte-order mark and the interlinear annotation
-- characters. ZWNJ and ZWJ (U+200C, U+200D) stay: Persian, Indic scripts and emoji need them inside words.
alter table astapa.users
  add column name text,
  add column given_name text,
  add column family_name text,
  add column picture text,
  add column locale text,
  add column profile_updated_at timestamptz,
  add constraint users_name_check check (
    pg_catalog.length(name) between 1 and 256 and name = pg_catalog.btrim(name)
    and name !~ '[\u0001-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B\u200E\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\uFFF9-\uFFFB]'),
  add constraint users_given_name_check check (
    pg_catalog.length(given_name) between 1 and 128 and given_name = pg_catalog.btrim(given_name)
    and given_name !~ '[\u0001-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B\u200E\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\uFFF9-\uFFFB]'),
  add constraint users_family_name_check check (
    pg_catalog.length(family_name) between 1 and 128 and family_name = pg_catalog.btrim(family_name)
    and family_name !~ '[\u0001-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B\u200E\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\uFFF9-\uFFFB]'),
  -- An https URL of printable ASCII (anything else percent-encoded), no userinfo: never javascript:, data: or http:.
  add constraint users_picture_check check (
    pg_catalog.length(picture) <= 2048
    and picture ~ '^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#][-A-Za-z0-9._~:/?#@!$&()*+,;=%]*)?$'),
  -- BCP 47 syntax (RFC 5646 §2.1): a 2–3 or 4–8 letter language, then subtags of 1–8 letters or digits (id-ID).
  add constraint users_locale_check check (
    pg_catalog.length(locale) <= 35 and locale ~ '^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$');

comment on column astapa.users.name is
  'Full name as the person would have it shown (OIDC name), at most 256 characters, trimmed, no control or '
  'invisible format characters.';
comment on column astapa.users.given_name is 'OIDC given_name, at most 128 characters (rules of name).';
comment on column astapa.users.family_name is 'OIDC family_name, at most 128 characters (rules of name).';
comment on column astapa.users.picture is
  'OIDC picture: an https URL of the person''s picture (Astapa stores the address only, never the image).';
comment on column astapa.users.locale is 'OIDC locale: a BCP 47 language tag, e.g. id-ID.';
comment on column astapa.users.profile_updated_at is
  'When a profile field last changed; the updated_at claim (NumericDate). Null: never set.';

-- The dashboard's and the Platform API's search by a prefix of the name (api.search_environment_users): a stored
-- lowercase copy, as email_lower, because under the row-level policies only a leakproof condition can use an
-- index before them and lower() is not. A stored column rewrites astapa.users once, under its lock: on a large
-- deployment, run this upgrade when sign-ups are quiet.
alter table astapa.users add column name_lower text generated always as (pg_catalog.lower(name)) stored;
create index users_name_prefix_idx on astapa.users (project_id, environment, name_lower text_pattern_ops)
  where name_lower is not null;
comment on column astapa.users.name_lower is 'lower(name), for the search by a prefix of the name.';

grant select (name, given_name, family_name, picture, locale, profile_updated_at, name_lower) on astapa.users
  to astapa_app;
grant update (name, given_name, family_name, picture, locale, profile_updated_at) on astapa.users to astapa_app;

-- Until now the account page kept a person's name as the `name` custom claim (api.account_set_name). It becomes
-- the profile's name where it meets the rules; the custom claim itself stays as it was (apps may read it from
-- custom_claims; the app removes it when it no longer wants it). RLS is lifted for this statement only.
alter table astapa.users no force row level security;
alter table astapa.user_claims no force row level security;
update astapa.users as u
set name = pg_catalog.btrim(c.extra ->> 'name'), profile_updated_at = c.updated_at
from astapa.user_claims as c
where c.project_id = u.project_id and c.user_id = u.id and u.deleted_at is null and u.name is null
  and pg_catalog.jsonb_typeof(c.extra -> 'name') = 'string'
  and pg_catalog.length(pg_catalog.btrim(c.extra ->> 'name')) between 1 and 256
  and pg_catalog.btrim(c.extra ->> 'name')
    !~ '[\u0001-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B\u200E\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\uFFF9-\uFFFB]';
alter table astapa.users force row level security;
alter table astapa.user_claims force row level security;
