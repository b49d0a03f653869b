-- Claims: what a user's access tokens carry as custom_claims, and how they are set.

-- The one place the plan is decided. Until subscriptions exist it is user_claims.plan, else 'free';
-- the payments work replaces this function (create or replace, in its own migration) to read the user's
-- active subscription first.
create function astapa.user_plan(project_id text, user_id bigint) returns text
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(
      (select c.plan from astapa.user_claims as c
       where c.project_id = user_plan.project_id and c.user_id = user_plan.user_id),
      'free')
  $$;

comment on function astapa.user_plan(text, bigint) is
  'The plan a user''s tokens name: user_claims.plan, else free. Subscriptions will take precedence later.';

grant execute on function astapa.user_plan(text, bigint) to astapa_app;

create function api.token_claims(project_id text, user_id bigint) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    user_disabled boolean;
    claims astapa.user_claims;
  begin
    select u.disabled into user_disabled
    from astapa.users as u where u.project_id = token_claims.project_id and u.id = token_claims.user_id;
    if user_disabled is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    elsif user_disabled then
      raise exception using errcode = 'AS403', message = 'This user is disabled, so no token may describe them.';
    end if;
    select * into claims
    from astapa.user_claims as c where c.project_id = token_claims.project_id and c.user_id = token_claims.user_id;
    return pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'plan', astapa.user_plan(project_id, user_id),
      'role', claims.role,
      'feature_flags', pg_catalog.to_jsonb(coalesce(claims.feature_flags, '{}'::text[])),
      'extra', nullif(claims.extra, '{}'::jsonb)));
  end
  $$;

comment on function api.token_claims(text, bigint) is
  'Exactly the access token''s custom_claims: plan (always), role (when set), feature_flags (always, maybe []), '
  'extra (when non-empty, under its own key so it can never override the others). AS404 unknown user, AS403 '
  'disabled user.';

grant execute on function api.token_claims(text, bigint) to astapa_app;

create function astapa.claims_problem(claims jsonb) returns text
  language sql
  immutable
  set search_path = ''
  as $$
    select case
      when pg_catalog.jsonb_typeof(claims) is distinct from 'object' then
        'Claims must be a JSON object with any of: plan, role, feature_flags, extra.'
      when exists (select from pg_catalog.jsonb_object_keys(claims) as k
                   where k not in ('plan', 'role', 'feature_flags', 'extra')) then
        'Unknown claim: only plan, role, feature_flags and extra can be set.'
      when claims ? 'plan' and pg_catalog.jsonb_typeof(claims -> 'plan') <> 'null'
           and (pg_catalog.jsonb_typeof(claims -> 'plan') <> 'string' or claims ->> 'plan' !~ '^[a-z0-9_-]{1,64}$') then
        'plan must be null or 1 to 64 characters of a-z, 0-9, _ and -.'
      when claims ? 'role' and pg_catalog.jsonb_typeof(claims -> 'role') <> 'null'
           and (pg_catalog.jsonb_typeof(claims -> 'role') <> 'string' or claims ->> 'role' !~ '^[^[:cntrl:]]{1,64}$') then
        'role must be null or a string of 1 to 64 characters.'
      when claims ? 'feature_flags' and (pg_catalog.jsonb_typeof(claims -> 'feature_flags') <> 'array'
           or exists (select from pg_catalog.jsonb_array_elements(claims -> 'feature_flags') as f
                      where pg_catalog.jsonb_typeof(f) <> 'string')
           or not astapa.are_valid_feature_flags(array(
                select pg_catalog.jsonb_array_elements_text(claims -> 'feature_flags')))) then
        'feature_flags must be an array of at most 50 distinct strings of 1 to 64 characters.'
      when claims ? 'extra' and (pg_catalog.jsonb_typeof(claims -> 'extra') <> 'object'
           or pg_catalog.octet_length((claims -> 'extra')::text) > 4096) then
        'extra must be a JSON object of at most 4 KiB.'
    end
  $$;

comment on function astapa.claims_problem(jsonb) is
  'Why a claims update is invalid, in words, or null when it is valid. The table''s checks back it up.';

grant execute on function astapa.claims_problem(jsonb) to astapa_app;

create function api.set_user_claims(project_id text, user_id bigint, claims jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    problem text := astapa.claims_problem(claims);
  begin
    if problem is not null then
      raise exception using errcode = 'AS400', message = problem;
    end if;
    if astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    -- Keys present replace the stored value (null clears plan/role); keys absent keep it.
    insert into astapa.user_claims as c (project_id, user_id, plan, role, feature_flags, extra)
    values (project_id, user_id, claims ->> 'plan', claims ->> 'role',
            array(select pg_catalog.jsonb_array_elements_text(coalesce(claims -> 'feature_flags', '[]'))),
            coalesce(claims -> 'extra', '{}'))
    on conflict on constraint user_claims_pkey do update
    set plan = case when set_user_claims.claims ? 'plan' then excluded.plan else c.plan end,
        role = case when set_user_claims.claims ? 'role' then excluded.role else c.role end,
        feature_flags = case when set_user_claims.claims ? 'feature_flags' then excluded.feature_flags
                             else c.feature_flags end,
        extra = case when set_user_claims.claims ? 'extra' then excluded.extra else c.extra end,
        updated_at = pg_catalog.now();
    perform astapa.audit(project_id, 'user_claims.set', 'user:' || user_id,
      pg_catalog.jsonb_build_object('keys', (select pg_catalog.jsonb_agg(k) from pg_catalog.jsonb_object_keys(claims) as k)));
    return api.token_claims(project_id, user_id);
  end
  $$;

comment on function api.set_user_claims(text, bigint, jsonb) is
  'Sets some of plan, role, feature_flags, extra (keys given replace, null clears, absent keys stay) and '
  'returns the resulting token claims. AS400 with the reason when invalid, AS404 for an unknown user.';

grant execute on function api.set_user_claims(text, bigint, jsonb) to astapa_app;
