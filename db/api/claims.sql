-- User claims and custom claim rules.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

create or replace function astapa.are_valid_feature_flags(flags text[]) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select pg_catalog.cardinality(flags) <= 50
      and pg_catalog.array_position(flags, null) is null
      and coalesce(bool_and(f ~ '^[^[:cntrl:]]{1,64}$'), true)
      and count(distinct f) = pg_catalog.cardinality(flags)
    from pg_catalog.unnest(flags) as f
  $$;

comment on function astapa.are_valid_feature_flags(text[]) is
  'At most 50 distinct feature flags, each 1–64 characters without control characters.';

grant execute on function astapa.are_valid_feature_flags(text[]) to astapa_app;

drop policy if exists "a project reads its own users' claims" on astapa.user_claims;
create policy "a project reads its own users' claims" on astapa.user_claims
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project sets claims for its own users" on astapa.user_claims;
create policy "a project sets claims for its own users" on astapa.user_claims
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project changes its own users' claims" on astapa.user_claims;
create policy "a project changes its own users' claims" on astapa.user_claims
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

create or replace function astapa.custom_claims(project_id text, user_id bigint) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    -- One statement, each row read once (issue 24): the subscription that grants a plan (beside its status,
    -- for trial_ends_at), that plan or else the default one, the user's own claims; astapa.user_plan reads
    -- the plan from here. The LIMITs keep each lateral a subquery of its own, so its reads are not repeated
    -- for each place its columns are used.
    select (coalesce(chosen.claims, '{}') - 'feature_flags') || coalesce(own.extra, '{}')
      || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'plan', coalesce(subscribed.plan_key, chosen.key, 'free'),
        'role', own.role,
        -- While the plan is a free trial: when it ends, as a NumericDate (seconds, like exp).
        'trial_ends_at', case when subscribed.status = 'trialing'
          then pg_catalog.floor(pg_catalog.date_part('epoch', subscribed.current_period_end))::bigint end,
        -- The plan's flags, then the user's own, each once, in that order.
        'feature_flags', coalesce((
          select pg_catalog.jsonb_agg(f.flag order by f.position)
          from (select flag, min(position) as position
                from (select g.flag, g.position
                      from pg_catalog.jsonb_array_elements_text(coalesce(chosen.claims -> 'feature_flags', '[]'))
                        with ordinality as g(flag, position)
                      union all
                      select u.flag, 1000 + u.position
                      from pg_catalog.unnest(coalesce(own.feature_flags, '{}'::text[]))
                        with ordinality as u(flag, position)) as both_flags
                group by flag) as f), '[]')))
    from (select) as one
    left join lateral (
      select s.plan_key, s.status, s.current_period_end from astapa.subscriptions as s
      where s.project_id = custom_claims.project_id and s.user_id = custom_claims.user_id and s.ended_at is null
        and astapa.grants_plan(s)
      limit 1) as subscribed on true
    left join lateral (
      select p.key, p.claims from astapa.plans as p
      where p.project_id = custom_claims.project_id
        and p.key = coalesce(subscribed.plan_key, (select d.key from astapa.plans as d
                                                   where d.project_id = custom_claims.project_id and d.is_default))
      limit 1) as chosen on true
    left join astapa.user_claims as own
      on own.project_id = custom_claims.project_id and own.user_id = custom_claims.user_id
  $$;

comment on function astapa.custom_claims(text, bigint) is
  'Exactly the access token''s custom_claims (see api.token_claims), without checking the user: for callers '
  'that have (astapa.grant_result).';

grant execute on function astapa.custom_claims(text, bigint) to astapa_app;

create or replace function astapa.user_plan(project_id text, user_id bigint) returns text
  language sql
  stable
  set search_path = ''
  as $$
    -- The plan the user's tokens name, by the one rule that chooses it (astapa.custom_claims).
    select astapa.custom_claims(project_id, user_id) ->> 'plan'
  $$;

comment on function astapa.user_plan(text, bigint) is
  'The plan a user''s tokens name (astapa.custom_claims): their current subscription''s while it grants it, '
  'else the project''s default plan, else free.';

grant execute on function astapa.user_plan(text, bigint) to astapa_app;

create or replace function api.token_claims(project_id text, user_id bigint) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    user_disabled boolean;
  begin
    select u.disabled into user_disabled
    from astapa.users as u where u.project_id = token_claims.project_id and u.id = token_claims.user_id
      and u.deleted_at is null; -- a deleted account's tombstone is nobody
    if user_disabled is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    elsif user_disabled then
      raise exception using errcode = 'AS403', message = 'This user is disabled, so no token may describe them.';
    end if;
    return astapa.custom_claims(project_id, user_id);
  end
  $$;

comment on function api.token_claims(text, bigint) is
  'Exactly the access token''s custom_claims: plan (the current subscription''s, else the default plan), role '
  '(when set), feature_flags (the plan''s and the user''s, always, maybe []), trial_ends_at (seconds, only '
  'while the plan is a trial), and custom claims at the top '
  'level (the user''s over the plan''s). AS404 unknown user, AS403 disabled user.';

grant execute on function api.token_claims(text, bigint) to astapa_app;

create or replace function astapa.claims_update_shape_problem(claims jsonb) returns text
  language sql
  immutable
  set search_path = ''
  as $$
    -- Only what the flattened patch no longer shows (its keys, extra as one object): the values are checked
    -- once, by astapa.claims_problems in astapa.write_user_claims, not here again.
    select case
      when pg_catalog.jsonb_typeof(claims) is distinct from 'object' then
        'Claims must be a JSON object with any of: plan, role, feature_flags, extra.'
      when exists (select from pg_catalog.jsonb_object_keys(claims) as k
                   where k not in ('plan', 'role', 'feature_flags', 'extra')) then
        'Unknown claim: only plan, role, feature_flags and extra can be set.'
      when claims ? 'extra' and (pg_catalog.jsonb_typeof(claims -> 'extra') <> 'object'
           or pg_catalog.octet_length((claims -> 'extra')::text) > 4096) then
        'extra must be a JSON object of at most 4 KiB.'
    end
  $$;

comment on function astapa.claims_update_shape_problem(jsonb) is
  'Why a claims update ({plan, role, feature_flags, extra}) has the wrong shape, in words, or null: not an '
  'object, another key, or extra not an object of at most 4 KiB. Its values are astapa.claims_problems''s to '
  'judge (astapa.write_user_claims); the table''s checks back both up.';

grant execute on function astapa.claims_update_shape_problem(jsonb) to astapa_app;

create or replace function astapa.write_set_user_claims(project_id text, user_id bigint, claims jsonb, new_user boolean)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    problem text := astapa.claims_update_shape_problem(claims);
    patch jsonb;
  begin
    if problem is not null then
      raise exception using errcode = 'AS400', message = problem;
    end if;
    patch := claims - 'extra';
    -- A user created just now has no stored custom claims to clear.
    if claims ? 'extra' and new_user then
      patch := patch || (claims -> 'extra');
    elsif claims ? 'extra' then
      patch := patch || coalesce((
        select pg_catalog.jsonb_object_agg(k, 'null'::jsonb) from astapa.user_claims as c, pg_catalog.jsonb_object_keys(c.extra) as k
        where c.project_id = write_set_user_claims.project_id and c.user_id = write_set_user_claims.user_id), '{}')
        || (claims -> 'extra');
    end if;
    perform astapa.write_user_claims(project_id, user_id, patch, 'claims_api', new_user);
  end
  $$;

comment on function astapa.write_set_user_claims(text, bigint, jsonb, boolean) is
  'What api.set_user_claims changes, without computing the resulting token claims (api.import_users discards '
  'them: issue 24); new_user for a user created in this transaction (see astapa.write_user_claims).';

grant execute on function astapa.write_set_user_claims(text, bigint, jsonb, boolean) to astapa_app;

create or replace function api.set_user_claims(project_id text, user_id bigint, claims jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    perform astapa.write_set_user_claims(project_id, user_id, claims, false);
    return api.token_claims(project_id, user_id);
  end
  $$;

comment on function api.set_user_claims(text, bigint, jsonb) is
  'Sets some of plan, role, feature_flags, extra (keys given replace, null clears, absent keys stay) through '
  'api.patch_user_claims and returns the resulting token claims. AS400 when invalid, AS404 unknown user.';

grant execute on function api.set_user_claims(text, bigint, jsonb) to astapa_app;

create or replace function astapa.reserved_claim_names() returns text[]
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select array[
      -- RFC 7519 registered claims, RFC 9068 / OpenID Connect claims Astapa's tokens use or may use
      'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'scope', 'client_id', 'auth_time', 'nonce', 'azp',
      'acr', 'amr', 'sid', 'at_hash', 'c_hash', 'cnf', 'act', 'may_act', 'typ', 'email', 'email_verified',
      -- Astapa's own
      'project_id', 'custom_claims', 'extra', 'plan', 'role', 'feature_flags', 'trial_ends_at']
  $$;

comment on function astapa.reserved_claim_names() is
  'Names no custom claim may take (compared case-insensitively): JWT/OIDC claims and Astapa''s own keys.';

grant execute on function astapa.reserved_claim_names() to astapa_app;

create or replace function astapa.custom_claim_name_problem(name text) returns text
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select case
      when pg_catalog.lower(name) = any (astapa.reserved_claim_names()) then
        pg_catalog.format('%s is a reserved claim name; pick another name for a custom claim.', name)
      when name !~ '^[A-Za-z_][A-Za-z0-9_]{0,63}$' then
        'Custom claim names are 1 to 64 letters, digits and _, not starting with a digit.'
    end
  $$;

comment on function astapa.custom_claim_name_problem(text) is
  'Why a name cannot be a custom claim, in words, or null when it can.';

grant execute on function astapa.custom_claim_name_problem(text) to astapa_app;

create or replace function astapa.are_valid_custom_claims(claims jsonb) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select pg_catalog.jsonb_typeof(claims) = 'object'
      and pg_catalog.octet_length(claims::text) <= 4096
      and (select count(*) <= 50 and coalesce(bool_and(astapa.custom_claim_name_problem(k) is null), true)
           from pg_catalog.jsonb_object_keys(claims) as k)
  $$;

comment on function astapa.are_valid_custom_claims(jsonb) is
  'An object of at most 50 custom claims with allowed names, at most 4 KiB as JSON.';

grant execute on function astapa.are_valid_custom_claims(jsonb) to astapa_app;

create or replace function astapa.are_valid_plan_claims(claims jsonb) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select astapa.are_valid_custom_claims(claims - 'feature_flags')
      and case when not claims ? 'feature_flags' then true
               when pg_catalog.jsonb_typeof(claims -> 'feature_flags') <> 'array' then false
               else not exists (select from pg_catalog.jsonb_array_elements(claims -> 'feature_flags') as f
                                where pg_catalog.jsonb_typeof(f) <> 'string')
                    and astapa.are_valid_feature_flags(
                      array(select pg_catalog.jsonb_array_elements_text(claims -> 'feature_flags'))) end
  $$;

comment on function astapa.are_valid_plan_claims(jsonb) is
  'What a plan may grant: valid feature_flags and custom claims (astapa.are_valid_custom_claims).';

grant execute on function astapa.are_valid_plan_claims(jsonb) to astapa_app;

create or replace function astapa.claims_problems(claims jsonb, for_plan boolean) returns jsonb
  language plpgsql
  immutable
  set search_path = ''
  as $$
  declare
    problems jsonb := '{}';
    key text;
    value jsonb;
    custom jsonb := '{}';
  begin
    if pg_catalog.jsonb_typeof(claims) is distinct from 'object' then
      return '{"claims": ["Claims must be a JSON object."]}';
    end if;
    for key, value in select * from pg_catalog.jsonb_each(claims) loop
      if key = 'plan' and for_plan then
        problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
          'A plan cannot grant a plan.'));
      elsif key = 'plan' then
        if pg_catalog.jsonb_typeof(value) <> 'null'
           and (pg_catalog.jsonb_typeof(value) <> 'string' or value #>> '{}' !~ '^[a-z0-9_-]{1,64}$') then
          problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
            'plan must be null or the key of one of the project''s plans (a-z, 0-9, _ and -).'));
        end if;
      elsif key = 'role' and for_plan then
        problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
          'A plan cannot grant a role; set roles per user.'));
      elsif key = 'role' then
        if pg_catalog.jsonb_typeof(value) <> 'null'
           and (pg_catalog.jsonb_typeof(value) <> 'string' or value #>> '{}' !~ '^[^[:cntrl:]]{1,64}$') then
          problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
            'role must be null or a string of 1 to 64 characters.'));
        end if;
      elsif key = 'feature_flags' then
        if pg_catalog.jsonb_typeof(value) <> 'array'
           or exists (select from pg_catalog.jsonb_array_elements(value) as f where pg_catalog.jsonb_typeof(f) <> 'string')
           or not astapa.are_valid_feature_flags(array(select pg_catalog.jsonb_array_elements_text(value))) then
          problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
            'feature_flags must be an array of at most 50 distinct strings of 1 to 64 characters.'));
        end if;
      elsif astapa.custom_claim_name_problem(key) is not null then
        problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
          astapa.custom_claim_name_problem(key)));
      elsif for_plan or pg_catalog.jsonb_typeof(value) <> 'null' then
        -- In a user's patch null removes the key: only what would be stored counts toward the limits below.
        custom := custom || pg_catalog.jsonb_build_object(key, value);
      end if;
    end loop;
    if (select count(*) from pg_catalog.jsonb_object_keys(custom)) > 50
       or pg_catalog.octet_length(custom::text) > 4096 then
      problems := problems || '{"claims": ["Custom claims are limited to 50 keys and 4 KiB of JSON."]}';
    end if;
    return nullif(problems, '{}');
  end
  $$;

comment on function astapa.claims_problems(jsonb, boolean) is
  'Field → list of problems for claims sent by a caller (a plan''s grants when for_plan, else a user patch), '
  'or null when they are valid. Callers raise AS400 with the result as DETAIL, which the API returns as fields.';

grant execute on function astapa.claims_problems(jsonb, boolean) to astapa_app;

create or replace function astapa.raise_problems(problems jsonb) returns void
  language plpgsql
  immutable
  set search_path = ''
  as $$
  begin
    if problems is not null then
      raise exception using errcode = 'AS400',
        message = (select v #>> '{0}' from pg_catalog.jsonb_each(problems) as e(k, v) order by k limit 1),
        detail = problems::text;
    end if;
  end
  $$;

comment on function astapa.raise_problems(jsonb) is
  'Raises AS400 when given field problems: the message is one problem, DETAIL the whole {field: [problem]} '
  'object (lib/http/errors.ts turns it into the error''s fields).';

grant execute on function astapa.raise_problems(jsonb) to astapa_app;
