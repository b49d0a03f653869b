-- The plan API: create, change, archive and list a project's plans. Input is a JSON object so the API,
-- the CLI and the dashboard send the same shape; problems come back per field (astapa.raise_problems).

create function astapa.plan_json(project_id text, key text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'key', p.key, 'name', p.name, 'description', p.description, 'price_idr', p.price_idr,
      'interval', p.interval, 'claims', p.claims, 'default', p.is_default, 'sort_order', p.sort_order,
      'archived', p.archived_at is not null, 'archived_at', p.archived_at,
      'created_at', p.created_at, 'updated_at', p.updated_at)
    from astapa.plans as p
    where p.project_id = plan_json.project_id and p.key = plan_json.key
  $$;

comment on function astapa.plan_json(text, text) is 'A plan as the API returns it; null when not visible.';

grant execute on function astapa.plan_json(text, text) to astapa_app;

create function astapa.is_whole_number(value jsonb, min numeric, max numeric) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    -- CASE, not AND: only a JSON number may be cast to numeric.
    select case when pg_catalog.jsonb_typeof(value) = 'number'
                then (value #>> '{}')::numeric between min and max
                     and (value #>> '{}')::numeric = pg_catalog.trunc((value #>> '{}')::numeric)
                else false end
  $$;

comment on function astapa.is_whole_number(jsonb, numeric, numeric) is
  'True for a JSON number that is whole and within min..max.';

grant execute on function astapa.is_whole_number(jsonb, numeric, numeric) to astapa_app;

create function astapa.plan_problems(plan jsonb, creating boolean) returns jsonb
  language plpgsql
  immutable
  set search_path = ''
  as $$
  declare
    problems jsonb := '{}';
    known text[] := array['name', 'description', 'price_idr', 'interval', 'claims', 'default', 'sort_order',
                          'archived'] || case when creating then array['key'] else array[]::text[] end;
    key text;
    value jsonb;
    problem text;
  begin
    if pg_catalog.jsonb_typeof(plan) is distinct from 'object' then
      return '{"plan": ["A plan is a JSON object."]}';
    end if;
    if creating then
      foreach key in array array['key', 'name'] loop
        if not plan ? key then
          problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
            pg_catalog.format('%s is required.', key)));
        end if;
      end loop;
    end if;
    for key, value in select * from pg_catalog.jsonb_each(plan) loop
      problem := case
        when not key = any (known) then
          case when key = 'key' then 'A plan''s key cannot change; create another plan instead.'
               else pg_catalog.format('Unknown field %s.', key) end
        when key = 'key' and (pg_catalog.jsonb_typeof(value) <> 'string' or value #>> '{}' !~ '^[a-z0-9_-]{1,64}$') then
          'key must be 1 to 64 characters of a-z, 0-9, _ and -.'
        when key = 'name' and (pg_catalog.jsonb_typeof(value) <> 'string'
                               or pg_catalog.length(pg_catalog.btrim(value #>> '{}')) not between 1 and 100) then
          'name must be 1 to 100 characters.'
        when key = 'description' and (pg_catalog.jsonb_typeof(value) <> 'string'
                                      or pg_catalog.length(value #>> '{}') > 1000) then
          'description must be a string of at most 1000 characters.'
        when key = 'price_idr' and not astapa.is_whole_number(value, 0, 1000000000000) then
          'price_idr must be a whole number of rupiah from 0 to 1,000,000,000,000.'
        when key = 'interval' and (pg_catalog.jsonb_typeof(value) <> 'string'
                                   or value #>> '{}' not in ('month', 'year', 'one_time')) then
          'interval must be month, year or one_time.'
        when key = 'sort_order' and not astapa.is_whole_number(value, -1000000, 1000000) then
          'sort_order must be a whole number from -1,000,000 to 1,000,000.'
        when key = 'default' and value <> 'true'::jsonb then
          'default can only be set to true (making this plan the default unsets the previous one).'
        when key = 'archived' and pg_catalog.jsonb_typeof(value) <> 'boolean' then
          'archived must be true or false.'
      end;
      if problem is not null then
        problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(problem));
      elsif key = 'claims' then
        -- A claim problem is reported under claims.<name>, as zod names nested fields.
        problems := problems || coalesce((
          select pg_catalog.jsonb_object_agg(case when e.k = 'claims' then e.k else 'claims.' || e.k end, e.v)
          from pg_catalog.jsonb_each(astapa.claims_problems(value, true)) as e(k, v)), '{}');
      end if;
    end loop;
    if plan -> 'default' = 'true' and plan -> 'archived' = 'true' then
      problems := problems || '{"archived": ["The default plan cannot be archived."]}';
    end if;
    return nullif(problems, '{}');
  end
  $$;

comment on function astapa.plan_problems(jsonb, boolean) is
  'Field → problems for a plan to create (creating) or a change to one; null when valid.';

grant execute on function astapa.plan_problems(jsonb, boolean) to astapa_app;

create function api.create_plan(project_id text, plan jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    perform astapa.require_project(project_id);
    perform astapa.raise_problems(astapa.plan_problems(plan, true));
    if plan -> 'default' = 'true' then
      update astapa.plans as p set is_default = false, updated_at = pg_catalog.now()
      where p.project_id = create_plan.project_id and p.is_default;
    end if;
    begin
      insert into astapa.plans (project_id, key, name, description, price_idr, interval, claims, is_default,
                                sort_order, archived_at)
      values (project_id, plan ->> 'key', pg_catalog.btrim(plan ->> 'name'), coalesce(plan ->> 'description', ''),
              coalesce((plan ->> 'price_idr')::bigint, 0), coalesce(plan ->> 'interval', 'month'),
              coalesce(plan -> 'claims', '{}'), coalesce((plan ->> 'default')::boolean, false),
              coalesce((plan ->> 'sort_order')::integer, 0),
              case when plan -> 'archived' = 'true' then pg_catalog.now() end);
    exception when unique_violation then
      raise exception using errcode = 'AS409', detail = '{"key": ["A plan with this key already exists."]}',
        message = pg_catalog.format('Plan %s already exists in this project.', plan ->> 'key');
    end;
    perform astapa.audit(project_id, 'plan.create', 'plan:' || (plan ->> 'key'), plan - 'description');
    return astapa.plan_json(project_id, plan ->> 'key');
  end
  $$;

comment on function api.create_plan(text, jsonb) is
  'Creates a plan from {key, name, description?, price_idr?, interval?, claims?, default?, sort_order?}; '
  'AS400 with per-field problems, AS409 when the key is taken. default: true moves the default to it.';

grant execute on function api.create_plan(text, jsonb) to astapa_app;

create function api.update_plan(project_id text, key text, changes jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    current astapa.plans;
  begin
    perform astapa.require_project(project_id);
    perform astapa.raise_problems(astapa.plan_problems(changes, false));
    select * into current from astapa.plans as p
    where p.project_id = update_plan.project_id and p.key = update_plan.key
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Plan %s was not found in this project.', key);
    end if;
    if current.is_default and changes -> 'archived' = 'true' then
      raise exception using errcode = 'AS400', detail = '{"archived": ["The default plan cannot be archived."]}',
        message = 'The default plan cannot be archived; make another plan the default first.';
    end if;
    if changes -> 'default' = 'true' and (current.archived_at is not null and changes -> 'archived' is distinct from 'false') then
      raise exception using errcode = 'AS400', detail = '{"default": ["An archived plan cannot be the default."]}',
        message = 'An archived plan cannot be the default; unarchive it too.';
    end if;
    if changes -> 'default' = 'true' then
      update astapa.plans as p set is_default = false, updated_at = pg_catalog.now()
      where p.project_id = update_plan.project_id and p.is_default and p.key <> update_plan.key;
    end if;
    update astapa.plans as p
    set name = coalesce(pg_catalog.btrim(changes ->> 'name'), p.name),
        description = coalesce(changes ->> 'description', p.description),
        price_idr = coalesce((changes ->> 'price_idr')::bigint, p.price_idr),
        interval = coalesce(changes ->> 'interval', p.interval),
        claims = coalesce(changes -> 'claims', p.claims),
        sort_order = coalesce((changes ->> 'sort_order')::integer, p.sort_order),
        is_default = p.is_default or coalesce(changes -> 'default' = 'true', false),
        archived_at = case when changes -> 'archived' = 'true' then coalesce(p.archived_at, pg_catalog.now())
                           when changes -> 'archived' = 'false' then null
                           else p.archived_at end,
        updated_at = pg_catalog.now()
    where p.project_id = update_plan.project_id and p.key = update_plan.key;
    perform astapa.audit(project_id,
      case when changes -> 'archived' = 'true' then 'plan.archive' else 'plan.update' end,
      'plan:' || key, changes - 'description');
    return astapa.plan_json(project_id, key);
  end
  $$;

comment on function api.update_plan(text, text, jsonb) is
  'Changes some of a plan''s fields (archived: true archives it; its subscribers keep it). AS404 unknown plan, '
  'AS400 per-field problems, including archiving the default plan.';

grant execute on function api.update_plan(text, text, jsonb) to astapa_app;

create function api.get_plan(project_id text, key text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    found jsonb := astapa.plan_json(project_id, key);
  begin
    if found is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Plan %s was not found in this project.', key);
    end if;
    return found;
  end
  $$;

comment on function api.get_plan(text, text) is 'One plan, or AS404.';

grant execute on function api.get_plan(text, text) to astapa_app;

create function api.list_plans(project_id text, include_archived boolean default false) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    perform astapa.require_project(project_id);
    return coalesce((
      select pg_catalog.jsonb_agg(astapa.plan_json(p.project_id, p.key) order by p.sort_order, p.price_idr, p.key)
      from astapa.plans as p
      where p.project_id = list_plans.project_id and (include_archived or p.archived_at is null)), '[]');
  end
  $$;

comment on function api.list_plans(text, boolean) is
  'The project''s plans by sort_order, price and key; archived ones only when asked.';

grant execute on function api.list_plans(text, boolean) to astapa_app;
