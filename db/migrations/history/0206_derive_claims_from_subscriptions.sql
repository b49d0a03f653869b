-- Token claims from subscriptions: the plan is the current subscription's (the default plan otherwise), the
-- plan's claims merge with the user's own, and custom claims sit at the top level of custom_claims.
-- user_claims.plan, the manual override from before plans existed, is retired: nothing reads or writes it;
-- a plan set through the claims functions goes through api.assign_plan like every other change.

create or replace function astapa.user_plan(project_id text, user_id bigint) returns text
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(
      (select s.plan_key from astapa.subscriptions as s
       where s.project_id = user_plan.project_id and s.user_id = user_plan.user_id and s.ended_at is null
         and astapa.grants_plan(s)),
      astapa.default_plan_key(project_id))
  $$;

comment on function astapa.user_plan(text, bigint) is
  'The plan a user''s tokens name: their current subscription''s while it grants it, else the project''s '
  'default plan.';

-- Custom claims now share custom_claims with plan, role and feature_flags, so their names are checked.
-- NOT VALID: rows written before this rule are left alone; every new write is checked.
alter table astapa.user_claims add constraint user_claims_extra_names_check
  check (astapa.are_valid_custom_claims(extra)) not valid;

comment on table astapa.user_claims is
  'What a user''s access tokens say about them beyond their plan (see api.token_claims): role, feature_flags, '
  'and extra (custom claims, placed at the top level of custom_claims). plan is retired (plans come from '
  'subscriptions) and always null for new writes.';

create or replace function api.token_claims(project_id text, user_id bigint) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    user_disabled boolean;
    claims astapa.user_claims;
    plan_key text;
    granted jsonb;
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
    plan_key := astapa.user_plan(project_id, user_id);
    granted := coalesce((select p.claims from astapa.plans as p
                         where p.project_id = token_claims.project_id and p.key = plan_key), '{}');
    -- Custom keys: the plan's, then the user's over them. plan, role, feature_flags last, so nothing shadows them.
    return (granted - 'feature_flags') || coalesce(claims.extra, '{}') || pg_catalog.jsonb_strip_nulls(
      pg_catalog.jsonb_build_object(
        'plan', plan_key,
        'role', claims.role,
        -- The plan's flags, then the user's own, each once, in that order.
        'feature_flags', coalesce((
          select pg_catalog.jsonb_agg(f.flag order by f.position)
          from (select flag, min(position) as position
                from (select g.flag, g.position
                      from pg_catalog.jsonb_array_elements_text(coalesce(granted -> 'feature_flags', '[]'))
                        with ordinality as g(flag, position)
                      union all
                      select u.flag, 1000 + u.position
                      from pg_catalog.unnest(coalesce(claims.feature_flags, '{}'::text[]))
                        with ordinality as u(flag, position)) as both_flags
                group by flag) as f), '[]')));
  end
  $$;

comment on function api.token_claims(text, bigint) is
  'Exactly the access token''s custom_claims: plan (the current subscription''s, else the default plan), role '
  '(when set), feature_flags (the plan''s and the user''s, always, maybe []), and custom claims at the top '
  'level (the user''s over the plan''s). AS404 unknown user, AS403 disabled user.';

create function api.patch_user_claims(project_id text, user_id bigint, patch jsonb,
                                      source text default 'claims_api') returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    stored astapa.user_claims;
    custom jsonb;
    extra jsonb;
  begin
    perform astapa.raise_problems(astapa.claims_problems(patch, false));
    if astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    select * into stored from astapa.user_claims as c
    where c.project_id = patch_user_claims.project_id and c.user_id = patch_user_claims.user_id
    for update;
    -- Custom keys merge (RFC 7396): a value sets the key, null removes it.
    custom := patch - 'plan' - 'role' - 'feature_flags';
    extra := (coalesce(stored.extra, '{}') - array(select pg_catalog.jsonb_object_keys(custom)))
             || coalesce((select pg_catalog.jsonb_object_agg(e.k, e.v) from pg_catalog.jsonb_each(custom) as e(k, v)
                          where e.v <> 'null'), '{}');
    if not astapa.are_valid_custom_claims(extra) then
      raise exception using errcode = 'AS400',
        detail = '{"claims": ["Custom claims are limited to 50 keys and 4 KiB of JSON."]}',
        message = 'With this change the user''s custom claims would exceed 50 keys or 4 KiB of JSON.';
    end if;
    if patch ? 'plan' then
      perform api.assign_plan(project_id, user_id,
        coalesce(patch ->> 'plan', astapa.default_plan_key(project_id)), source);
    end if;
    if patch - 'plan' <> '{}' then
      insert into astapa.user_claims as c (project_id, user_id, role, feature_flags, extra)
      values (project_id, user_id, patch ->> 'role',
              array(select pg_catalog.jsonb_array_elements_text(coalesce(patch -> 'feature_flags', '[]'))), extra)
      on conflict on constraint user_claims_pkey do update
      set role = case when patch_user_claims.patch ? 'role' then excluded.role else c.role end,
          feature_flags = case when patch_user_claims.patch ? 'feature_flags' then excluded.feature_flags
                               else c.feature_flags end,
          extra = excluded.extra,
          updated_at = pg_catalog.now();
      perform astapa.audit(project_id, 'user_claims.set', 'user:' || user_id,
        pg_catalog.jsonb_build_object('keys', (select pg_catalog.jsonb_agg(k) from pg_catalog.jsonb_object_keys(patch) as k)));
    end if;
    return api.token_claims(project_id, user_id);
  end
  $$;

comment on function api.patch_user_claims(text, bigint, jsonb, text) is
  'Changes a user''s claims: plan (through api.assign_plan with source; null returns to the default plan), '
  'role (null clears), feature_flags (replaced), custom keys (merged; null removes). All or nothing. Returns '
  'the resulting custom_claims. AS400 with DETAIL {field: [problem]}; AS404 unknown user.';

grant execute on function api.patch_user_claims(text, bigint, jsonb, text) to astapa_app;

-- The older setter keeps its shape ({plan, role, feature_flags, extra}, extra replaced whole) and now routes
-- through api.patch_user_claims, so a plan set here is a subscription like any other.
create or replace function api.set_user_claims(project_id text, user_id bigint, claims jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    problem text := astapa.claims_problem(claims);
    patch jsonb;
  begin
    if problem is not null then
      raise exception using errcode = 'AS400', message = problem;
    end if;
    patch := claims - 'extra';
    if claims ? 'extra' then
      patch := patch || coalesce((
        select pg_catalog.jsonb_object_agg(k, 'null'::jsonb) from astapa.user_claims as c, pg_catalog.jsonb_object_keys(c.extra) as k
        where c.project_id = set_user_claims.project_id and c.user_id = set_user_claims.user_id), '{}')
        || (claims -> 'extra');
    end if;
    return api.patch_user_claims(project_id, user_id, patch, 'claims_api');
  end
  $$;

comment on function api.set_user_claims(text, bigint, jsonb) is
  'Sets some of plan, role, feature_flags, extra (keys given replace, null clears, absent keys stay) through '
  'api.patch_user_claims and returns the resulting token claims. AS400 when invalid, AS404 unknown user.';
