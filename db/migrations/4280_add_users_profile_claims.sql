-- The rest of the OpenID Connect profile scope (Core 1.0 §5.1): nickname, middle_name, preferred_username,
-- website, zoneinfo, birthdate, gender, beside the fields of migration 4261 and with the same rules for text
-- (db/api/profile.sql names the constraint a value broke; docs/identity.md "Profile").
--
-- zoneinfo: an IANA name Postgres knows — a row of astapa.time_zones, the copy of pg_timezone_names below (a
-- foreign key, so the owner's own updates meet it too); astapa.profile_zone finds a name there without case.
-- birthdate: YYYY-MM-DD, or 0000-MM-DD when the year is withheld (§5.1), kept as text since 0000 is no year of a
-- date. The day must exist (29 February only in a leap year, or with 0000) and not be after tomorrow (the person's
-- today may be UTC's tomorrow). The condition reads the clock, yet a birthdate that passes it once passes it for
-- ever (time only moves forward), so restoring a dump or re-checking never refuses a stored row.

-- The zone names of pg_timezone_names, copied once: reading the view opens every zone file of the tz database
-- (about 600; 18 ms a read on our machines), too slow for each saved profile or each row of an import, while this
-- table answers by index. Not the posix/ and right/ copies, posixrules, localtime or Factory: no zone a person
-- lives in. A Postgres upgrade whose tz database brings a new zone: astapa.refresh_time_zones() adds it.
create table astapa.time_zones (
  name text not null,
  constraint time_zones_pkey primary key (name)
);
create index time_zones_lower_name_idx on astapa.time_zones (pg_catalog.lower(name));
comment on table astapa.time_zones is
  'The IANA time zone names Postgres knows (pg_timezone_names, without posix/, right/, posixrules, localtime and '
  'Factory): what users.zoneinfo may be. Not tenant data. astapa.refresh_time_zones() adds the names a newer tz '
  'database brings; a name is never removed (a stored zoneinfo may use it).';
insert into astapa.time_zones (name)
select z.name from pg_catalog.pg_timezone_names z
where z.name !~ '^(posix|right)/' and z.name not in ('posixrules', 'localtime', 'Factory')
on conflict do nothing;
grant select on astapa.time_zones to astapa_app;

alter table astapa.users
  add column nickname text,
  add column middle_name text,
  add column preferred_username text,
  add column website text,
  add column zoneinfo text,
  add column birthdate text,
  add column gender text,
  add constraint users_nickname_check check (
    pg_catalog.length(nickname) between 1 and 128 and nickname = pg_catalog.btrim(nickname)
    and nickname !~ '[\u0001-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B\u200E\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\uFFF9-\uFFFB]'),
  add constraint users_middle_name_check check (
    pg_catalog.length(middle_name) between 1 and 128 and middle_name = pg_catalog.btrim(middle_name)
    and middle_name !~ '[\u0001-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B\u200E\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\uFFF9-\uFFFB]'),
  add constraint users_preferred_username_check check (
    pg_catalog.length(preferred_username) between 1 and 128
    and preferred_username = pg_catalog.btrim(preferred_username)
    and preferred_username !~ '[\u0001-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B\u200E\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\uFFF9-\uFFFB]'),
  -- An http or https URL of printable ASCII (anything else percent-encoded), no userinfo: never javascript: or data:.
  add constraint users_website_check check (
    pg_catalog.length(website) <= 2000
    and website ~ '^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#][-A-Za-z0-9._~:/?#@!$&()*+,;=%]*)?$'),
  -- Area/Location names as the tz database spells them (Asia/Jakarta, America/Argentina/Buenos_Aires, Etc/GMT+7, UTC).
  add constraint users_zoneinfo_check check (
    pg_catalog.length(zoneinfo) <= 64 and zoneinfo ~ '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$'),
  add constraint users_zoneinfo_fkey foreign key (zoneinfo) references astapa.time_zones (name),
  -- case: the date arithmetic runs only on a value of the right shape (a check must refuse, never raise).
  add constraint users_birthdate_check check (
    case when birthdate is null then true
         when birthdate ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' then
      -- The day exists: the first of its month plus (day - 1) days stays in that month (2000 stands in for 0000).
      pg_catalog.date_part('month', pg_catalog.make_date(
        coalesce(nullif(pg_catalog.substr(birthdate, 1, 4)::integer, 0), 2000),
        pg_catalog.substr(birthdate, 6, 2)::integer, 1) + (pg_catalog.substr(birthdate, 9, 2)::integer - 1))
      = pg_catalog.substr(birthdate, 6, 2)::integer
      -- Not after tomorrow (a withheld year never is).
      and pg_catalog.make_date(coalesce(nullif(pg_catalog.substr(birthdate, 1, 4)::integer, 0), 1),
                               pg_catalog.substr(birthdate, 6, 2)::integer, 1)
          + (pg_catalog.substr(birthdate, 9, 2)::integer - 1) <= current_date + 1
    else false end),
  add constraint users_gender_check check (
    pg_catalog.length(gender) between 1 and 64 and gender = pg_catalog.btrim(gender)
    and gender !~ '[\u0001-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B\u200E\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\uFFF9-\uFFFB]');

comment on column astapa.users.nickname is 'OIDC nickname (casual name), at most 128 characters (rules of name).';
comment on column astapa.users.middle_name is 'OIDC middle_name, at most 128 characters (rules of name).';
comment on column astapa.users.preferred_username is
  'OIDC preferred_username, at most 128 characters (rules of name); not unique and not a sign-in name: apps must '
  'not key anything on it (Core §5.7).';
comment on column astapa.users.website is 'OIDC website: an http(s) URL of the person''s web page or blog.';
comment on column astapa.users.zoneinfo is 'OIDC zoneinfo: an IANA time zone name Postgres knows, e.g. Asia/Jakarta.';
comment on column astapa.users.birthdate is
  'OIDC birthdate: YYYY-MM-DD, or 0000-MM-DD when the year is withheld; never in the future. Sensitive: set by '
  'the app or an admin, not asked on the account page (docs/identity.md).';
comment on column astapa.users.gender is
  'OIDC gender: free text of at most 64 characters (female, male, or any other). Sensitive: as birthdate.';

-- The search by a prefix of the given or family name (api.search_environment_users), as name_lower (migration
-- 4261): under the row-level policies only a leakproof condition can use an index ahead of them, and lower() is
-- not, so an index on lower(family_name) would never be used there — EXPLAIN of the search as astapa_app shows a
-- filter over every row of the project's environment (a sequential or project_id scan: O(users) per keystroke).
-- With stored lowercase copies, the condition is `family_name_lower ~>=~ q and family_name_lower ~<~ q_end`, whose
-- text_pattern operators are leakproof: EXPLAIN shows an Index Scan (or a BitmapOr of the three) on
-- users_family_name_prefix_idx with those two bounds as the Index Cond, rows read ≈ rows found. Both columns are
-- added in this one statement, so astapa.users is rewritten once, under its lock: on a large deployment run this
-- upgrade when sign-ups are quiet. The partial indexes skip the users without the name.
alter table astapa.users
  add column given_name_lower text generated always as (pg_catalog.lower(given_name)) stored,
  add column family_name_lower text generated always as (pg_catalog.lower(family_name)) stored;
create index users_given_name_prefix_idx on astapa.users (project_id, environment, given_name_lower text_pattern_ops)
  where given_name_lower is not null;
create index users_family_name_prefix_idx on astapa.users (project_id, environment, family_name_lower text_pattern_ops)
  where family_name_lower is not null;
comment on column astapa.users.given_name_lower is 'lower(given_name), for the search by a prefix of it.';
comment on column astapa.users.family_name_lower is 'lower(family_name), for the search by a prefix of it.';

grant select (nickname, middle_name, preferred_username, website, zoneinfo, birthdate, gender, given_name_lower,
              family_name_lower) on astapa.users to astapa_app;
grant update (nickname, middle_name, preferred_username, website, zoneinfo, birthdate, gender) on astapa.users
  to astapa_app;
