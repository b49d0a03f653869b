-- A person's profile (the claims of OpenID Connect Core §5.1's profile scope: name, given_name, family_name,
-- middle_name, nickname, preferred_username, picture, website, gender, birthdate, zoneinfo, locale) — how it is
-- changed (by the person, the app, an admin) and filled from an identity provider, and the claims it makes.
-- The current definition of each function of this area: edit it here, in place. The rules themselves are the
-- users_<field>_check constraints of migrations 4261 and 4280 (what a DBA reads), and for zoneinfo a name Postgres
-- knows (astapa.profile_zone); these functions name the field a value broke rather than restating them. See
-- docs/identity.md ("Profile").

create or replace function astapa.profile_fields() returns text[]
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select array['name', 'given_name', 'family_name', 'picture', 'locale', 'nickname', 'middle_name',
                 'preferred_username', 'website', 'zoneinfo', 'birthdate', 'gender']
  $$;

comment on function astapa.profile_fields() is
  'The profile fields a person, an app or a provider may set (the users columns of the same names).';

grant execute on function astapa.profile_fields() to astapa_app;

create or replace function astapa.account_profile_fields() returns text[]
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    -- Not birthdate and gender: sensitive data an app asks for with its own purpose and consent, not something
    -- every app's account page should collect (docs/identity.md, "Birthdate and gender are the app's to set").
    select array(select f from pg_catalog.unnest(astapa.profile_fields()) as f where f not in ('birthdate', 'gender'))
  $$;

comment on function astapa.account_profile_fields() is
  'The profile fields a person sets on their account page (api.account_set_profile): all but birthdate and gender.';

grant execute on function astapa.account_profile_fields() to astapa_app;

create or replace function astapa.profile_zone(zone text) returns text
  language sql
  stable
  set search_path = ''
  as $$
    -- Zone names compare without case (as AT TIME ZONE reads them); the tz database's spelling is kept. Not the
    -- abbreviations (WIB, EST) nor POSIX strings (UTC+7): they are not IANA names. astapa.time_zones rather than
    -- pg_timezone_names itself: migration 4280 says why.
    select z.name from astapa.time_zones z
    where pg_catalog.lower(z.name) = pg_catalog.lower(zone)
    order by z.name = zone desc limit 1
  $$;

comment on function astapa.profile_zone(text) is
  'The IANA time zone name Postgres knows (astapa.time_zones, pg_timezone_names'' copy) that zone names, in its '
  'own spelling; null for an unknown zone.';

grant execute on function astapa.profile_zone(text) to astapa_app;

create or replace function api.time_zones() returns text[]
  language sql
  stable
  set search_path = ''
  as $$
    -- For a form's list of choices (the dashboard's profile form); what a zoneinfo may be is still
    -- astapa.profile_zone's and users_zoneinfo_fkey's to say.
    select coalesce(pg_catalog.array_agg(z.name order by z.name collate pg_catalog."C"), '{}') from astapa.time_zones z
  $$;

comment on function api.time_zones() is
  'The IANA time zone names a profile''s zoneinfo may be (astapa.time_zones), in code point order: the choices a '
  'form offers.';

grant execute on function api.time_zones() to astapa_app;

create or replace function astapa.refresh_time_zones() returns integer
  language sql
  volatile
  set search_path = ''
  as $$
    with added as (
      insert into astapa.time_zones (name)
      select z.name from pg_catalog.pg_timezone_names z
      where z.name !~ '^(posix|right)/' and z.name not in ('posixrules', 'localtime', 'Factory')
      on conflict do nothing
      returning 1)
    select pg_catalog.count(*)::integer from added
  $$;

comment on function astapa.refresh_time_zones() is
  'Adds to astapa.time_zones the zones of pg_timezone_names it lacks (after a Postgres upgrade brought a newer tz '
  'database); returns how many. For the owner: astapa_app may not write the table.';

create or replace function astapa.profile_claims(name text, given_name text, family_name text, picture text,
                                                 locale text, nickname text, middle_name text,
                                                 preferred_username text, website text, zoneinfo text,
                                                 birthdate text, gender text, updated_at timestamptz) returns jsonb
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    -- The OIDC profile claims a user has, none that they lack; updated_at as a NumericDate (§5.1). Null when the
    -- profile is empty. astapa.sign_in_user_claims builds the same object inline (the grants' call budget).
    select nullif(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'name', name, 'given_name', given_name, 'family_name', family_name, 'picture', picture, 'locale', locale,
      'nickname', nickname, 'middle_name', middle_name, 'preferred_username', preferred_username,
      'website', website, 'zoneinfo', zoneinfo, 'birthdate', birthdate, 'gender', gender,
      'updated_at', pg_catalog.floor(extract(epoch from updated_at))::bigint)), '{}')
  $$;

comment on function astapa.profile_claims(text, text, text, text, text, text, text, text, text, text, text, text,
                                          timestamptz) is
  'The OpenID Connect profile claims (the fields of astapa.profile_fields, updated_at as seconds) of the fields '
  'that are set; null when none is.';

grant execute on function astapa.profile_claims(text, text, text, text, text, text, text, text, text, text, text,
                                                text, timestamptz) to astapa_app;

create or replace function astapa.profile_value(field text, value jsonb) returns text
  language plpgsql
  immutable
  set search_path = ''
  as $$
  declare
    cleaned text;
  begin
    if value is null or pg_catalog.jsonb_typeof(value) = 'null' then
      return null;
    end if;
    if pg_catalog.jsonb_typeof(value) <> 'string' then
      raise exception using errcode = 'AS400', message = pg_catalog.format('%s must be a string or null.', field);
    end if;
    -- Blank clears the field; locales written as the POSIX en_US are the BCP 47 en-US.
    cleaned := nullif(pg_catalog.btrim(value #>> '{}'), '');
    return case when field = 'locale' then pg_catalog.replace(cleaned, '_', '-') else cleaned end;
  end
  $$;

comment on function astapa.profile_value(text, jsonb) is
  'A given profile value as it is stored: trimmed, blank as null (clears the field), a locale''s _ as -; AS400 '
  'when it is neither a string nor null.';

grant execute on function astapa.profile_value(text, jsonb) to astapa_app;

create or replace function astapa.profile_problem(violated text) returns text
  language sql
  immutable
  set search_path = ''
  as $$
    select case violated
      when 'users_name_check' then 'name is at most 256 characters, without control or invisible formatting characters.'
      when 'users_given_name_check'
        then 'given_name is at most 128 characters, without control or invisible formatting characters.'
      when 'users_family_name_check'
        then 'family_name is at most 128 characters, without control or invisible formatting characters.'
      when 'users_picture_check'
        then 'picture is an https:// URL of at most 2048 characters (non-ASCII percent-encoded).'
      when 'users_locale_check' then 'locale is a BCP 47 language tag, e.g. id-ID.'
      when 'users_nickname_check'
        then 'nickname is at most 128 characters, without control or invisible formatting characters.'
      when 'users_middle_name_check'
        then 'middle_name is at most 128 characters, without control or invisible formatting characters.'
      when 'users_preferred_username_check'
        then 'preferred_username is at most 128 characters, without control or invisible formatting characters.'
      when 'users_website_check'
        then 'website is an https:// or http:// URL of at most 2000 characters (non-ASCII percent-encoded).'
      when 'users_zoneinfo_check' then 'zoneinfo is an IANA time zone name, e.g. Asia/Jakarta.'
      when 'users_birthdate_check'
        then 'birthdate is a date in the past as YYYY-MM-DD, or 0000-MM-DD without the year.'
      when 'users_gender_check'
        then 'gender is at most 64 characters, without control or invisible formatting characters.'
    end
  $$;

comment on function astapa.profile_problem(text) is
  'What a profile field must be, in words, for the constraint it broke (users_<field>_check, migrations 4261 and '
  '4280; users_zoneinfo_check also for a zone Postgres does not know); '
  'null for any other constraint. Each message starts with the field''s name.';

grant execute on function astapa.profile_problem(text) to astapa_app;

create or replace function astapa.profile_of(project_id text, user_id bigint) returns jsonb
  language sql
  volatile
  set search_path = ''
  as $$
    -- The user's row locked first, as every change of a user takes it (api.update_user, api.set_user_phone).
    select pg_catalog.jsonb_build_object('name', u.name, 'given_name', u.given_name, 'family_name', u.family_name,
                                         'picture', u.picture, 'locale', u.locale, 'nickname', u.nickname,
                                         'middle_name', u.middle_name, 'preferred_username', u.preferred_username,
                                         'website', u.website, 'zoneinfo', u.zoneinfo, 'birthdate', u.birthdate,
                                         'gender', u.gender)
    from astapa.users u
    where u.project_id = profile_of.project_id and u.id = profile_of.user_id and u.deleted_at is null
    for update
  $$;

comment on function astapa.profile_of(text, bigint) is
  'A user''s profile fields as stored (nulls included), its row locked for the change that follows; null for an '
  'unknown or erased user.';

grant execute on function astapa.profile_of(text, bigint) to astapa_app;

create or replace function astapa.save_profile(project_id text, user_id bigint, change jsonb, by text)
  returns text[]
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    given jsonb;
    current jsonb;
    changed text[];
    violated text;
  begin
    if change is null then
      return '{}';
    end if;
    if pg_catalog.jsonb_typeof(change) <> 'object'
       or exists (select from pg_catalog.jsonb_object_keys(change) as k where k <> all (astapa.profile_fields())) then
      raise exception using errcode = 'AS400', message = 'A profile has name, given_name, family_name, picture, '
        'locale, nickname, middle_name, preferred_username, website, zoneinfo, birthdate and gender.';
    end if;
    select pg_catalog.jsonb_object_agg(f, astapa.profile_value(f, change -> f)) into given
    from pg_catalog.unnest(astapa.profile_fields()) as f where change ? f;
    if given is null then
      return '{}';
    end if;
    -- A zone Postgres knows, in the tz database's spelling (asia/jakarta is stored Asia/Jakarta).
    if given ->> 'zoneinfo' is not null then
      if astapa.profile_zone(given ->> 'zoneinfo') is null then
        raise exception using errcode = 'AS400', message = astapa.profile_problem('users_zoneinfo_check');
      end if;
      given := given || pg_catalog.jsonb_build_object('zoneinfo', astapa.profile_zone(given ->> 'zoneinfo'));
    end if;
    current := astapa.profile_of(project_id, user_id);
    if current is null then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    select pg_catalog.array_agg(f) into changed
    from pg_catalog.unnest(astapa.profile_fields()) as f
    where given ? f and (given ->> f) is distinct from (current ->> f);
    if changed is null then
      return '{}';
    end if;
    begin
      update astapa.users as u
      set name = case when given ? 'name' then given ->> 'name' else u.name end,
          given_name = case when given ? 'given_name' then given ->> 'given_name' else u.given_name end,
          family_name = case when given ? 'family_name' then given ->> 'family_name' else u.family_name end,
          picture = case when given ? 'picture' then given ->> 'picture' else u.picture end,
          locale = case when given ? 'locale' then given ->> 'locale' else u.locale end,
          nickname = case when given ? 'nickname' then given ->> 'nickname' else u.nickname end,
          middle_name = case when given ? 'middle_name' then given ->> 'middle_name' else u.middle_name end,
          preferred_username = case when given ? 'preferred_username' then given ->> 'preferred_username'
                                    else u.preferred_username end,
          website = case when given ? 'website' then given ->> 'website' else u.website end,
          zoneinfo = case when given ? 'zoneinfo' then given ->> 'zoneinfo' else u.zoneinfo end,
          birthdate = case when given ? 'birthdate' then given ->> 'birthdate' else u.birthdate end,
          gender = case when given ? 'gender' then given ->> 'gender' else u.gender end,
          profile_updated_at = pg_catalog.now()
      where u.project_id = save_profile.project_id and u.id = save_profile.user_id and u.deleted_at is null;
    exception when check_violation then
      get stacked diagnostics violated = constraint_name;
      raise exception using errcode = 'AS400', message = coalesce(astapa.profile_problem(violated),
                                                                  'The profile is not valid.');
    end;
    perform astapa.audit(project_id, 'user.profile_updated', 'user:' || user_id,
      pg_catalog.jsonb_build_object('fields', pg_catalog.to_jsonb(changed), 'by', by));
    return changed;
  end
  $$;

comment on function astapa.save_profile(text, bigint, jsonb, text) is
  'Sets the profile fields present in change (a blank or null value clears one; change null: nothing) of a user, '
  'all or nothing; profile_updated_at moves when a value changes, and user.profile_updated is audited with the '
  'fields and by (user; admin for the Platform API). Returns the fields that changed. AS400 for an unknown key, a '
  'value that is not a string, or one that breaks the field''s rule (the message says which); AS404 unknown or '
  'erased user.';

grant execute on function astapa.save_profile(text, bigint, jsonb, text) to astapa_app;

create or replace function api.fill_profile(user_id bigint, provider text, claims jsonb) returns text[]
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    offered jsonb;
    current jsonb;
    filled text[];
    violated text;
  begin
    if claims is null or pg_catalog.jsonb_typeof(claims) <> 'object' then
      return '{}';
    end if;
    -- Only the strings among the known claims; a value another kind (a number, an object) is not a profile.
    select pg_catalog.jsonb_object_agg(f, v) into offered
    from pg_catalog.unnest(astapa.profile_fields()) as f
    cross join lateral (select astapa.profile_value(f, claims -> f) as v
                        where pg_catalog.jsonb_typeof(claims -> f) = 'string') as given
    where v is not null;
    -- A zone Postgres does not know is dropped as a value breaking its rule is; a known one in its own spelling.
    if offered ->> 'zoneinfo' is not null then
      offered := case when astapa.profile_zone(offered ->> 'zoneinfo') is null then offered - 'zoneinfo'
                      else offered || pg_catalog.jsonb_build_object('zoneinfo',
                                                                    astapa.profile_zone(offered ->> 'zoneinfo')) end;
    end if;
    -- Fills empty fields only: what the person (or the app) set is never overwritten by a provider. A value that
    -- breaks its field's rule (a javascript: picture, a name with bidi overrides, 10,000 characters) is dropped
    -- rather than failing the sign-in, and the rest tried again.
    current := astapa.profile_of(project, user_id);
    if current is null then
      return '{}';
    end if;
    for attempt in 1..13 loop
      select pg_catalog.array_agg(f) into filled
      from pg_catalog.unnest(astapa.profile_fields()) as f where offered ? f and current ->> f is null;
      if filled is null then
        return '{}';
      end if;
      begin
        update astapa.users as u
        set name = coalesce(u.name, offered ->> 'name'),
            given_name = coalesce(u.given_name, offered ->> 'given_name'),
            family_name = coalesce(u.family_name, offered ->> 'family_name'),
            picture = coalesce(u.picture, offered ->> 'picture'),
            locale = coalesce(u.locale, offered ->> 'locale'),
            nickname = coalesce(u.nickname, offered ->> 'nickname'),
            middle_name = coalesce(u.middle_name, offered ->> 'middle_name'),
            preferred_username = coalesce(u.preferred_username, offered ->> 'preferred_username'),
            website = coalesce(u.website, offered ->> 'website'),
            zoneinfo = coalesce(u.zoneinfo, offered ->> 'zoneinfo'),
            birthdate = coalesce(u.birthdate, offered ->> 'birthdate'),
            gender = coalesce(u.gender, offered ->> 'gender'),
            profile_updated_at = pg_catalog.now()
        where u.project_id = project and u.id = fill_profile.user_id;
        perform astapa.audit(project, 'user.profile_updated', 'user:' || fill_profile.user_id,
          pg_catalog.jsonb_build_object('fields', pg_catalog.to_jsonb(filled), 'by', 'provider',
                                        'provider', fill_profile.provider));
        return filled;
      exception when check_violation then
        get stacked diagnostics violated = constraint_name;
        -- users_<field>_check of a field being filled: drop that value; anything else is not the provider's.
        if astapa.profile_problem(violated) is null then
          raise;
        end if;
        offered := offered - pg_catalog.substring(violated, '^users_(.*)_check$');
      end;
    end loop;
    return '{}';
  end
  $$;

comment on function api.fill_profile(bigint, text, jsonb) is
  'At sign-up or first link through a provider (provider: google, apple, github, sso, ...): the profile claims it '
  'gave (the fields of astapa.profile_fields; strings only) fill the user''s empty fields — never one the person '
  'or the app set. A value that breaks its field''s rule (or an unknown zone) is dropped, not an error. Audited '
  'user.profile_updated (by provider) when anything was filled; returns the fields filled.';

grant execute on function api.fill_profile(bigint, text, jsonb) to astapa_app;

create or replace function api.account_set_profile(session_hash bytea, profile jsonb) returns text[]
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    person bigint := astapa.account_user(session_hash);
  begin
    if pg_catalog.jsonb_typeof(profile) = 'object'
       and exists (select from pg_catalog.jsonb_object_keys(profile) as k
                   where k = any (astapa.profile_fields()) and k <> all (astapa.account_profile_fields())) then
      raise exception using errcode = 'AS400',
        message = 'birthdate and gender are set by the app, not on the account page.';
    end if;
    return astapa.save_profile(astapa.current_project_id(), person, profile, 'user');
  end
  $$;

comment on function api.account_set_profile(bytea, jsonb) is
  'The signed-in person changes their profile (astapa.save_profile, by user): the fields present are set, a '
  'blank one cleared; not birthdate or gender (astapa.account_profile_fields). Returns the fields that changed. '
  'AS400 a value breaks its rule or a field is not theirs to set; AS4G0 no session.';

grant execute on function api.account_set_profile(bytea, jsonb) to astapa_app;
