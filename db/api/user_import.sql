-- Moving users in and out (issue 22): import with the password hashes another system kept, re-hash them at
-- the first sign-in, and export in the same shape the import reads.
-- The current definition of each function of this area: edit it here, in place. See docs/database.md.

create or replace function astapa.import_user(project_id text, mode text, r jsonb, plan_source text) returns text
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    wanted_email text := pg_catalog.btrim(r ->> 'email');
    external text := r ->> 'external_id';
    by_external bigint;
    by_email bigint;
    target bigint;
    outcome text;
    patch jsonb := '{}';
    identity jsonb;
    linked_to bigint;
    external_disabled boolean;
    email_disabled boolean;
    was_disabled boolean;
    verified boolean := (r ->> 'email_verified')::boolean;
    had_way_in boolean;
    -- The profile fields the row states, as stored (db/api/profile.sql: trimmed, en_US as en-US); null: none.
    profile jsonb := (select pg_catalog.jsonb_object_agg(f, astapa.profile_value(f, r -> f))
                      from pg_catalog.unnest(astapa.profile_fields()) as f where r ->> f is not null);
  begin
    perform astapa.assert_email(wanted_email);
    -- A zone Postgres knows, in its own spelling (db/api/profile.sql); an unknown one refuses the row.
    if profile ->> 'zoneinfo' is not null then
      if astapa.profile_zone(profile ->> 'zoneinfo') is null then
        raise exception using errcode = 'AS400', message = astapa.profile_problem('users_zoneinfo_check');
      end if;
      profile := profile || pg_catalog.jsonb_build_object('zoneinfo', astapa.profile_zone(profile ->> 'zoneinfo'));
    end if;
    if r ? 'password_hash' and r ->> 'password_hash' is not null
       and r ->> 'password_hash' !~ '^(\$argon2id\$|\$2[aby]\$|\$argon2i\$|\$scrypt\$|\$pbkdf2-sha(256|512)\$|pbkdf2_sha256\$|\$firebase-scrypt\$)' then
      raise exception using errcode = 'AS400', message = 'The password hash is in no format Astapa imports.';
    end if;
    -- Whether the user found is disabled comes with the lookup (the two find the same user, or the row fails).
    if external is not null then
      select u.id, u.disabled into by_external, external_disabled from astapa.users as u
      where u.project_id = import_user.project_id and u.environment = mode and u.external_id = external;
    end if;
    select u.id, u.disabled into by_email, email_disabled from astapa.users as u
    where u.project_id = import_user.project_id and u.environment = mode
      and u.email_lower = pg_catalog.lower(wanted_email);
    if by_external is not null and by_email is not null and by_external <> by_email then
      raise exception using errcode = 'AS409',
        message = 'This external_id belongs to one user and this email to another; change one of them first.';
    end if;
    target := coalesce(by_external, by_email);
    was_disabled := coalesce(external_disabled, email_disabled, false);
    if target is null then
      target := astapa.insert_user(project_id, mode, wanted_email, coalesce((r ->> 'email_verified')::boolean, false),
                                   r ->> 'password_hash', external, (r ->> 'created_at')::timestamptz, profile,
                                   legal_accepted_at => (r ->> 'legal_accepted_at')::timestamptz);
      outcome := 'created';
    else
      -- A new address is unproven unless the row says so: an omitted email_verified keeps the old flag only for
      -- the address it was about (a user found by external_id alone comes with another address).
      if verified is null and by_email is null then
        verified := false;
      end if;
      -- Only email_verified false can take a way in (an email code to a proven address): then, never the last
      -- one (astapa.has_way_in), as the Platform API's other changes.
      if verified is false then
        had_way_in := astapa.has_way_in(project_id, target);
      end if;
      update astapa.users as u set
        email = wanted_email,
        email_verified = coalesce(verified, u.email_verified),
        external_id = coalesce(external, u.external_id),
        created_at = coalesce((r ->> 'created_at')::timestamptz, u.created_at),
        -- Consent the other system recorded (Clerk's legal_accepted_at) is kept; an omitted one changes nothing.
        legal_accepted_at = coalesce((r ->> 'legal_accepted_at')::timestamptz, u.legal_accepted_at),
        -- Enabled until the end of this row: astapa.write_set_user_claims refuses a disabled user (no one sees this
        -- state, the row is one transaction); the last statement below sets the flag the import states.
        disabled = false,
        -- A hash Astapa made (the person signed in or reset since) is newer than anything in an export.
        password_hash = case
          when r ->> 'password_hash' is null or u.password_hash ~ '^\$argon2id\$v=19\$m=19456,t=2,p=1\$' then u.password_hash
          else r ->> 'password_hash' end
      where u.project_id = import_user.project_id and u.id = target;
      outcome := 'updated';
    end if;
    if r ? 'role' then patch := patch || pg_catalog.jsonb_build_object('role', r -> 'role'); end if;
    if r ? 'feature_flags' then patch := patch || pg_catalog.jsonb_build_object('feature_flags', r -> 'feature_flags'); end if;
    if r ? 'custom_claims' then
      patch := patch || pg_catalog.jsonb_build_object('extra', r -> 'custom_claims');
    end if;
    -- A found user's profile: each field only when the row states it (a new user's came with the insert, in its
    -- user.created). A value that breaks its users_<field>_check refuses the row, in words (api.import_users).
    -- Not audited per user: the import is audited once.
    if outcome = 'updated' and profile is not null then
      update astapa.users as u set
        name = coalesce(profile ->> 'name', u.name),
        given_name = coalesce(profile ->> 'given_name', u.given_name),
        family_name = coalesce(profile ->> 'family_name', u.family_name),
        picture = coalesce(profile ->> 'picture', u.picture),
        locale = coalesce(profile ->> 'locale', u.locale),
        nickname = coalesce(profile ->> 'nickname', u.nickname),
        middle_name = coalesce(profile ->> 'middle_name', u.middle_name),
        preferred_username = coalesce(profile ->> 'preferred_username', u.preferred_username),
        website = coalesce(profile ->> 'website', u.website),
        zoneinfo = coalesce(profile ->> 'zoneinfo', u.zoneinfo),
        birthdate = coalesce(profile ->> 'birthdate', u.birthdate),
        gender = coalesce(profile ->> 'gender', u.gender),
        profile_updated_at = pg_catalog.now()
      where u.project_id = import_user.project_id and u.id = target
        and (u.name, u.given_name, u.family_name, u.picture, u.locale, u.nickname, u.middle_name,
             u.preferred_username, u.website, u.zoneinfo, u.birthdate, u.gender) is distinct from (
          coalesce(profile ->> 'name', u.name), coalesce(profile ->> 'given_name', u.given_name),
          coalesce(profile ->> 'family_name', u.family_name), coalesce(profile ->> 'picture', u.picture),
          coalesce(profile ->> 'locale', u.locale), coalesce(profile ->> 'nickname', u.nickname),
          coalesce(profile ->> 'middle_name', u.middle_name),
          coalesce(profile ->> 'preferred_username', u.preferred_username),
          coalesce(profile ->> 'website', u.website), coalesce(profile ->> 'zoneinfo', u.zoneinfo),
          coalesce(profile ->> 'birthdate', u.birthdate), coalesce(profile ->> 'gender', u.gender));
    end if;
    if patch <> '{}' then
      -- Without api.set_user_claims's resulting token claims, which an import would discard (issue 24).
      perform astapa.write_set_user_claims(project_id, target, patch, outcome = 'created');
    end if;
    if r ? 'metadata' then
      -- The row states the metadata whole (an export's, or the old system's app metadata): replaced, not merged.
      if pg_catalog.jsonb_typeof(r -> 'metadata') <> 'object' or pg_catalog.octet_length((r -> 'metadata')::text) > 8192 then
        raise exception using errcode = 'AS400', message = 'metadata must be a JSON object of at most 8 KiB.';
      end if;
      insert into astapa.user_metadata as m (project_id, user_id, metadata) values (project_id, target, r -> 'metadata')
      on conflict on constraint user_metadata_pkey do update set metadata = excluded.metadata, updated_at = pg_catalog.now()
      where m.metadata is distinct from excluded.metadata;
    end if;
    if r ->> 'plan' is not null then
      perform api.assign_plan(project_id, target, r ->> 'plan', plan_source);
    end if;
    for identity in select * from pg_catalog.jsonb_array_elements(coalesce(r -> 'identities', '[]')) loop
      select i.user_id into linked_to from astapa.identities as i
      where i.project_id = import_user.project_id and i.provider = identity ->> 'provider'
        and i.subject = identity ->> 'subject';
      if linked_to is null then
        insert into astapa.identities (project_id, provider, subject, user_id, email)
        values (project_id, identity ->> 'provider', identity ->> 'subject', target, identity ->> 'email');
      elsif linked_to <> target then
        raise exception using errcode = 'AS409', message = pg_catalog.format(
          'The %s identity %s already signs in another user of this project.', identity ->> 'provider', identity ->> 'subject');
      end if;
    end loop;
    -- After the row's password and identities, which may be the other way in.
    if had_way_in and not astapa.has_way_in(project_id, target) then
      raise exception using errcode = 'AS409', message = 'An email code to this verified address is the only '
        'way this user can sign in: give them another way before importing them with an unproven address '
        '(email_verified false, or a new address without email_verified true).';
    end if;
    if coalesce((r ->> 'disabled')::boolean, was_disabled) then
      update astapa.users as u set disabled = true where u.project_id = import_user.project_id and u.id = target;
    elsif was_disabled then
      -- Re-enabled by the import: as api.disable_user, without the sessions started while disabled.
      perform astapa.end_sessions_started_while_disabled(import_user.project_id, target);
    end if;
    return outcome;
  end
  $$;

comment on function astapa.import_user(text, text, jsonb, text) is
  'One row of api.import_users: finds the user by external_id, then by email (any case), in the environment '
  'given; creates or updates them, their profile, claims, plan and identities; returns created or updated. Raises on a '
  'bad row (the caller rolls that row back alone), and AS409 when email_verified false would take an existing '
  'user''s last way in (astapa.has_way_in).';

create or replace function astapa.refresh_user_statistics() returns boolean
  language plpgsql
  volatile
  set search_path = ''
  set lock_timeout = '50ms'
  as $$
  begin
    -- The rows this transaction inserted are sampled too.
    analyze astapa.users;
    return true;
  exception when lock_not_available then
    return false; -- another import (or autovacuum) is analyzing: go on with the statistics there are
  end
  $$;

comment on function astapa.refresh_user_statistics() is
  'ANALYZE astapa.users; false at once when another transaction holds its lock. api.import_users calls it as '
  'it grows a project: while the planner believes the project has no users, every index starting with '
  'project_id looks as cheap for a lookup by email, and it picked one that scans all of the project''s users '
  '(an import into an empty project was quadratic).';

create or replace function api.import_users(project_id text, rows jsonb, plan_source text default 'claims_api',
                                            dry_run boolean default false) returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    mode text;
    r jsonb;
    outcome text;
    created integer := 0;
    updated integer := 0;
    refused jsonb[] := '{}';
    next_analysis integer := 500; -- then 1,000, 2,000…: a handful per import
    first_seen jsonb;
    state text;
    problem text;
    constraint_at_fault text;
  begin
    if project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403', message = 'An import is for the project the request acts for.';
    end if;
    perform astapa.assert_own_client('import users');
    if pg_catalog.jsonb_typeof(rows) is distinct from 'array' or pg_catalog.jsonb_array_length(rows) > 10000 then
      raise exception using errcode = 'AS400', message = 'An import is a JSON array of at most 10,000 users.';
    end if;
    mode := astapa.require_project(project_id);
    -- The row each repeated email or external_id first appeared in, found once rather than per row.
    select coalesce(pg_catalog.jsonb_object_agg(d.ord::text, coalesce(rows -> (d.first - 1)::integer -> 'row',
                                                                      pg_catalog.to_jsonb(d.first))), '{}')
    into first_seen
    from (select t.ord, pg_catalog.min(t.ord) over (partition by t.key) as first
          from (select e.ord, 'e:' || pg_catalog.lower(pg_catalog.btrim(e.value ->> 'email')) as key
                from pg_catalog.jsonb_array_elements(rows) with ordinality as e(value, ord)
                union all
                select e.ord, 'x:' || (e.value ->> 'external_id')
                from pg_catalog.jsonb_array_elements(rows) with ordinality as e(value, ord)
                where e.value ->> 'external_id' is not null) as t) as d
    where d.first <> d.ord;
    begin
      for r in select e.value || pg_catalog.jsonb_build_object('ord', e.ord)
               from pg_catalog.jsonb_array_elements(rows) with ordinality as e(value, ord) loop
        if first_seen ? (r ->> 'ord') then
          refused := refused || pg_catalog.jsonb_build_object('row', r -> 'row', 'email', r -> 'email',
            'reason', pg_catalog.format('The same email or external_id is already in row %s of this import.',
                                        first_seen ->> (r ->> 'ord')));
          continue;
        end if;
        begin
          outcome := astapa.import_user(project_id, mode, r - 'ord' - 'row', plan_source);
          if outcome = 'created' then created := created + 1; else updated := updated + 1; end if;
          if created = next_analysis then
            perform astapa.refresh_user_statistics();
            next_analysis := next_analysis * 2;
          end if;
        exception when others then
          get stacked diagnostics state = returned_sqlstate, problem = message_text,
                                  constraint_at_fault = constraint_name;
          refused := refused || pg_catalog.jsonb_build_object('row', r -> 'row', 'email', r -> 'email',
            'reason', case
              when state like 'AS%' then problem
              -- A profile field's rule, in words (astapa.profile_problem).
              when astapa.profile_problem(constraint_at_fault) is not null
                then astapa.profile_problem(constraint_at_fault)
              when constraint_at_fault <> '' then 'A value breaks the rule ' || constraint_at_fault || '.'
              when state like '22%' then 'A value has the wrong type or format: ' || problem
              else 'The row could not be stored: ' || problem end);
        end;
      end loop;
      perform astapa.audit(project_id, 'user.import', null, pg_catalog.jsonb_build_object(
        'created', created, 'updated', updated, 'refused', pg_catalog.cardinality(refused), 'environment', mode));
      if dry_run then
        raise exception using errcode = 'AS2DR', message = 'dry run';
      end if;
    exception when sqlstate 'AS2DR' then
      null; -- a dry run: the counts stay, every write above is rolled back
    end;
    return pg_catalog.jsonb_build_object('created', created, 'updated', updated, 'dry_run', dry_run,
                                         'refused', pg_catalog.to_jsonb(refused));
  end
  $$;

comment on function api.import_users(text, jsonb, text, boolean) is
  'Imports up to 10,000 users (rows validated by lib/import/rows.ts, each with its row number): creates or '
  'updates each by external_id, then email; one bad row is rolled back alone and listed in refused with its '
  'reason; repeats of an email or external_id in one call are refused; audited once (user.import). dry_run '
  'answers the same and writes nothing. Security definer because it writes password hashes and keeps a hash '
  'Astapa made over an older imported one, which needs reading the column the app role cannot select; it '
  'refuses any project but the one the transaction acts for, and machine or self-registered clients.';

grant execute on function api.import_users(text, jsonb, text, boolean) to astapa_app;

create or replace function api.upgrade_imported_password(project_id text, user_id bigint, old_hash text, new_hash text)
  returns text
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    current_hash text;
  begin
    if project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403',
        message = 'A password is re-hashed for the project the request acts for.';
    end if;
    if new_hash is null or new_hash !~ '^\$argon2id\$' then
      raise exception using errcode = 'AS400', message = 'Password hashes must be argon2id.';
    end if;
    -- Compare-and-set: only the hash the sign-in verified is replaced, never one a reset or claim put there.
    update astapa.users as u set password_hash = upgrade_imported_password.new_hash
    where u.project_id = upgrade_imported_password.project_id and u.id = upgrade_imported_password.user_id
      and u.password_hash = upgrade_imported_password.old_hash;
    if not found then
      -- Another sign-in re-hashed it first, or the password changed meanwhile: the hash the user has now, for
      -- the caller to verify the same password against once (a re-hash alone must not fail a right password).
      select u.password_hash into current_hash
      from astapa.users as u
      join astapa.projects as p on p.id = u.project_id and p.mode = u.environment
      where u.project_id = upgrade_imported_password.project_id and u.id = upgrade_imported_password.user_id;
      return current_hash;
    end if;
    perform astapa.audit(project_id, 'user.rehash_password', 'user:' || user_id,
      pg_catalog.jsonb_build_object('from', pg_catalog.substring(old_hash, '^\$?([a-z0-9_-]+)')));
    return new_hash;
  end
  $$;

comment on function api.upgrade_imported_password(text, bigint, text, text) is
  'After a sign-in verified an imported (foreign) hash: replaces it with the argon2id hash of the same password, '
  'only while the stored hash is still old_hash. Returns the user''s hash after the call: new_hash when replaced, '
  'else the one stored now (null: none), which another sign-in''s re-hash may have put there. Security definer '
  'because the app role cannot read or compare password_hash; refuses any project but the one the transaction '
  'acts for.';

grant execute on function api.upgrade_imported_password(text, bigint, text, text) to astapa_app;

create or replace function api.export_users(project_id text, after_id bigint default 0, page_size integer default 1000,
                                            with_password_hashes boolean default false) returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    mode text;
  begin
    if project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403', message = 'An export is for the project the request acts for.';
    end if;
    perform astapa.assert_own_client('export users');
    if page_size is null or page_size not between 1 and 1000 or after_id is null then
      raise exception using errcode = 'AS400', message = 'An export page is 1 to 1000 users after an id.';
    end if;
    mode := astapa.require_project(project_id);
    if after_id = 0 then
      perform astapa.audit(project_id, 'user.export', null, pg_catalog.jsonb_build_object(
        'with_password_hashes', coalesce(with_password_hashes, false), 'environment', mode));
    end if;
    return coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'sub', u.id::text, 'email', u.email, 'email_verified', u.email_verified, 'external_id', u.external_id,
        'created_at', u.created_at, 'legal_accepted_at', u.legal_accepted_at,
        'disabled', case when u.disabled then true end,
        'is_anonymous', case when u.is_anonymous then true end,
        'name', u.name, 'given_name', u.given_name, 'family_name', u.family_name, 'picture', u.picture,
        'locale', u.locale, 'nickname', u.nickname, 'middle_name', u.middle_name,
        'preferred_username', u.preferred_username, 'website', u.website, 'zoneinfo', u.zoneinfo, 'birthdate', u.birthdate, 'gender', u.gender,
        'role', c.role,
        'feature_flags', case when pg_catalog.cardinality(c.feature_flags) > 0 then pg_catalog.to_jsonb(c.feature_flags) end,
        'custom_claims', nullif(c.extra, '{}'),
        'metadata', (select nullif(m.metadata, '{}') from astapa.user_metadata as m
                     where m.project_id = u.project_id and m.user_id = u.id),
        'plan', (select s.plan_key from astapa.subscriptions as s
                 where s.project_id = u.project_id and s.user_id = u.id and s.ended_at is null and astapa.grants_plan(s)),
        'identities', (select pg_catalog.jsonb_agg(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                          'provider', i.provider, 'subject', i.subject, 'email', i.email)) order by i.provider, i.subject)
                       from astapa.identities as i where i.project_id = u.project_id and i.user_id = u.id),
        'password_hash', case when with_password_hashes then u.password_hash end)) order by u.id)
      from (select * from astapa.users as x
            where x.project_id = export_users.project_id and x.environment = mode and x.id > after_id
            order by x.id limit page_size) as u
      left join astapa.user_claims as c on c.project_id = u.project_id and c.user_id = u.id), '[]');
  end
  $$;

comment on function api.export_users(text, bigint, integer, boolean) is
  'One keyset page (ids after after_id, at most 1000) of the project''s users in its current environment, in '
  'the shape api.import_users reads (a guest says is_anonymous: true; with no address, the import refuses it), '
  'password hashes only when asked; the first page audits the export '
  '(user.export). Security definer because the app role cannot select password hashes; refuses any project '
  'but the one the transaction acts for, and machine or self-registered clients.';

grant execute on function api.export_users(text, bigint, integer, boolean) to astapa_app;
