-- Plans and subscriptions.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own plans" on astapa.plans;
create policy "a project reads its own plans" on astapa.plans
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds its own plans" on astapa.plans;
create policy "a project adds its own plans" on astapa.plans
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project changes its own plans" on astapa.plans;
create policy "a project changes its own plans" on astapa.plans
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

create or replace function astapa.create_free_plan() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    insert into astapa.plans (project_id, key, name, price_idr, interval, is_default)
    values (new.id, 'free', 'Free', 0, 'month', true);
    return null;
  end
  $$;

comment on function astapa.create_free_plan() is 'Trigger: gives a new project its default plan, free.';

grant execute on function astapa.create_free_plan() to astapa_app;

create or replace trigger projects_create_free_plan after insert on astapa.projects
  for each row execute function astapa.create_free_plan();

create or replace function astapa.default_plan_key(project_id text) returns text
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(
      (select p.key from astapa.plans as p where p.project_id = default_plan_key.project_id and p.is_default),
      'free')
  $$;

comment on function astapa.default_plan_key(text) is
  'The key of the project''s default plan (free for a project older than plans that has none).';

grant execute on function astapa.default_plan_key(text) to astapa_app;

drop policy if exists "a project reads its own subscriptions" on astapa.subscriptions;
create policy "a project reads its own subscriptions" on astapa.subscriptions
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project starts subscriptions for its own users" on astapa.subscriptions;
create policy "a project starts subscriptions for its own users" on astapa.subscriptions
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project changes its own subscriptions" on astapa.subscriptions;
create policy "a project changes its own subscriptions" on astapa.subscriptions
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

create or replace function astapa.plan_json(project_id text, key text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'key', p.key, 'name', p.name, 'description', p.description, 'price_idr', p.price_idr,
      'interval', p.interval, 'trial_days', p.trial_days, 'claims', p.claims, 'default', p.is_default,
      'sort_order', p.sort_order, 'seat_pricing', p.seat_pricing, 'included_seats', p.included_seats,
      'archived', p.archived_at is not null, 'archived_at', p.archived_at,
      'created_at', p.created_at, 'updated_at', p.updated_at)
    from astapa.plans as p
    where p.project_id = plan_json.project_id and p.key = plan_json.key
  $$;

comment on function astapa.plan_json(text, text) is
  'A plan as the API returns it (seat_pricing and included_seats: a team plan, db/api/team_plans.sql); null '
  'when not visible.';

grant execute on function astapa.plan_json(text, text) to astapa_app;

create or replace function astapa.is_whole_number(value jsonb, min numeric, max numeric) returns boolean
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

create or replace function astapa.plan_problems(plan jsonb, creating boolean) returns jsonb
  language plpgsql
  immutable
  set search_path = ''
  as $$
  declare
    problems jsonb := '{}';
    known text[] := array['name', 'description', 'price_idr', 'interval', 'claims', 'default', 'sort_order',
                          'archived', 'trial_days'] || case when creating then array['key'] else array[]::text[] end;
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
        when key = 'trial_days' and not astapa.is_whole_number(value, 0, 365) then
          'trial_days must be a whole number of days from 0 to 365.'
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

create or replace function api.create_plan(project_id text, plan jsonb) returns jsonb
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
                                sort_order, archived_at, trial_days)
      values (project_id, plan ->> 'key', pg_catalog.btrim(plan ->> 'name'), coalesce(plan ->> 'description', ''),
              coalesce((plan ->> 'price_idr')::bigint, 0), coalesce(plan ->> 'interval', 'month'),
              coalesce(plan -> 'claims', '{}'), coalesce((plan ->> 'default')::boolean, false),
              coalesce((plan ->> 'sort_order')::integer, 0),
              case when plan -> 'archived' = 'true' then pg_catalog.now() end,
              coalesce((plan ->> 'trial_days')::integer, 0));
    exception when unique_violation then
      raise exception using errcode = 'AS409', detail = '{"key": ["A plan with this key already exists."]}',
        message = pg_catalog.format('Plan %s already exists in this project.', plan ->> 'key');
    end;
    perform astapa.audit(project_id, 'plan.create', 'plan:' || (plan ->> 'key'), plan - 'description');
    return astapa.plan_json(project_id, plan ->> 'key');
  end
  $$;

comment on function api.create_plan(text, jsonb) is
  'Creates a plan from {key, name, description?, price_idr?, interval?, trial_days?, claims?, default?, '
  'sort_order?}; '
  'AS400 with per-field problems, AS409 when the key is taken. default: true moves the default to it.';

grant execute on function api.create_plan(text, jsonb) to astapa_app;

create or replace function api.update_plan(project_id text, key text, changes jsonb) returns jsonb
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
    if current.seat_pricing is not null and changes ->> 'interval' not in ('month', 'year') then
      raise exception using errcode = 'AS400', detail = '{"interval": ["A team plan renews each month or year."]}',
        message = pg_catalog.format('Plan %s is a team plan: it renews each month or year, it cannot be one_time.', key);
    end if;
    -- The default plan is what people fall back to (api.assign_plan): a team plan never is a person's.
    if changes -> 'default' = 'true' and current.seat_pricing is not null then
      raise exception using errcode = 'AS400', detail = '{"default": ["A team plan cannot be the default."]}',
        message = pg_catalog.format('Plan %s is a team plan: it cannot be the default plan.', key);
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
        trial_days = coalesce((changes ->> 'trial_days')::integer, p.trial_days),
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
  'AS400 per-field problems, including archiving the default plan, making a team plan the default or one_time.';

grant execute on function api.update_plan(text, text, jsonb) to astapa_app;

create or replace function api.get_plan(project_id text, key text) returns jsonb
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

create or replace function api.list_plans(project_id text, include_archived boolean default false) returns jsonb
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

create or replace function astapa.subscription_json(s astapa.subscriptions) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'sub', s.user_id::text, 'plan', s.plan_key, 'status', s.status, 'source', s.source,
      'current_period_start', s.current_period_start, 'current_period_end', s.current_period_end,
      'paid_through', s.paid_through, 'created_at', s.created_at, 'ended_at', s.ended_at,
      'trial_ends_at', case when s.status = 'trialing' then s.current_period_end end)
  $$;

comment on function astapa.subscription_json(astapa.subscriptions) is 'A subscription as the API and events show it.';

grant execute on function astapa.subscription_json(astapa.subscriptions) to astapa_app;

create or replace function astapa.grants_plan(s astapa.subscriptions) returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    select s.ended_at is null and (s.status in ('trialing', 'active', 'past_due')
      or (s.status = 'canceled' and s.current_period_end > pg_catalog.now()))
  $$;

comment on function astapa.grants_plan(astapa.subscriptions) is
  'Whether a subscription puts its plan in tokens now: current and trialing (the renewal pass ends trials), '
  'active, past_due (grace), or canceled '
  'with its paid period still running.';

grant execute on function astapa.grants_plan(astapa.subscriptions) to astapa_app;

create or replace function api.assign_plan(project_id text, user_id bigint, plan_key text, source text,
                                period tstzrange default null, paid_through timestamptz default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    chosen astapa.plans;
    current astapa.subscriptions;
    started astapa.subscriptions;
    previous_plan text;
    new_paid_through timestamptz;
    changed_at timestamptz;
  begin
    if source is null or source not in ('payment', 'claims_api', 'dashboard', 'cli', 'default', 'trial') then
      raise exception using errcode = 'AS400', detail = '{"source": ["Unknown source."]}',
        message = 'source must be payment, claims_api, dashboard, cli, default or trial.';
    end if;
    -- A trial (api.start_trial) needs the end its period runs to: that end is when the renewal pass ends it.
    if source = 'trial' and (period is null or pg_catalog.upper(period) is null) then
      raise exception using errcode = 'AS400', detail = '{"period": ["A trial needs an end."]}',
        message = 'A trial''s period needs an end.';
    end if;
    if period is not null and (pg_catalog.isempty(period) or pg_catalog.lower(period) is null) then
      raise exception using errcode = 'AS400', detail = '{"period": ["A period needs a start."]}',
        message = 'A subscription period needs a start (and may have an end).';
    end if;
    -- Serialises plan changes per user: concurrent assignments queue here instead of racing on history.
    perform from astapa.users as u
    where u.project_id = assign_plan.project_id and u.id = assign_plan.user_id
    for no key update;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    -- The change happens now that the lock is ours, not when the transaction began: a caller that queued
    -- behind another must not end that one's subscription before it started.
    changed_at := pg_catalog.clock_timestamp();
    select * into current from astapa.subscriptions as s
    where s.project_id = assign_plan.project_id and s.user_id = assign_plan.user_id and s.ended_at is null;
    -- Shared lock: api.set_plan_seats (which locks the plan for update) cannot make it a team plan meanwhile.
    select * into chosen from astapa.plans as p
    where p.project_id = assign_plan.project_id and p.key = assign_plan.plan_key
    for share;
    if not found then
      raise exception using errcode = 'AS400', detail = pg_catalog.jsonb_build_object('plan', pg_catalog.jsonb_build_array(
          pg_catalog.format('There is no plan %s in this project.', plan_key)))::text,
        message = pg_catalog.format('There is no plan %s in this project.', plan_key);
    end if;
    -- A team plan is an organization's (api.create_organization_checkout), never a person's: the wording of
    -- api.change_plan and api.start_trial. api.set_plan_seats keeps people off plans that become team plans.
    if chosen.seat_pricing is not null then
      raise exception using errcode = 'AS400', detail = '{"plan": ["A team plan: buy it for an organization."]}',
        message = pg_catalog.format('Plan %s is a team plan: buy it for an organization.', chosen.key);
    end if;
    if chosen.archived_at is not null and current.plan_key is distinct from chosen.key then
      raise exception using errcode = 'AS400', detail = pg_catalog.jsonb_build_object('plan', pg_catalog.jsonb_build_array(
          pg_catalog.format('Plan %s is archived: its subscribers keep it, nobody new can get it.', plan_key)))::text,
        message = pg_catalog.format('Plan %s is archived: its subscribers keep it, nobody new can get it.', plan_key);
    end if;
    new_paid_through := coalesce(paid_through, case when source = 'payment' then pg_catalog.upper(period) end);
    -- Assigning what the user already has (same plan, active, same period) changes nothing and says nothing.
    if current.id is not null and current.plan_key = chosen.key
       and current.status = (case when source = 'trial' then 'trialing' else 'active' end)
       and (period is null or (current.current_period_start = pg_catalog.lower(period)
                               and current.current_period_end is not distinct from pg_catalog.upper(period)))
       and (new_paid_through is null or current.paid_through is not distinct from new_paid_through) then
      return astapa.subscription_json(current);
    end if;
    previous_plan := astapa.user_plan(project_id, user_id);
    if current.id is not null then
      update astapa.subscriptions as s set ended_at = changed_at
      where s.project_id = current.project_id and s.id = current.id;
    end if;
    insert into astapa.subscriptions (project_id, user_id, plan_key, status, source, current_period_start,
                                      current_period_end, paid_through)
    values (project_id, user_id, chosen.key, case when source = 'trial' then 'trialing' else 'active' end, source,
            coalesce(pg_catalog.lower(period), changed_at),
            pg_catalog.upper(period), new_paid_through)
    returning * into started;
    perform astapa.settle_plan_changes(project_id, user_id, null, chosen.key);
    perform astapa.audit(project_id, 'subscription.assign', 'user:' || user_id,
      pg_catalog.jsonb_build_object('plan', chosen.key, 'previous_plan', previous_plan, 'source', source));
    perform astapa.emit_event(project_id, 'subscription.updated', pg_catalog.jsonb_build_object(
      'subscription', astapa.subscription_json(started), 'previous_plan', previous_plan));
    return astapa.subscription_json(started);
  end
  $$;

comment on function api.assign_plan(text, bigint, text, text, tstzrange, timestamptz) is
  'Puts a user on a plan (the only function that changes plans): ends the current subscription, starts an '
  'active one for period (default: from now, open-ended), audits, and emits subscription.updated. '
  'paid_through defaults to the period''s end for payments. source trial starts a trialing one (period with '
  'an end required; see api.start_trial). Assigning what the user already has is a no-op. '
  'AS400 unknown, archived or team plan (an organization''s), bad source or period (DETAIL names the field); '
  'AS404 unknown user.';

grant execute on function api.assign_plan(text, bigint, text, text, tstzrange, timestamptz) to astapa_app;

create or replace function api.current_subscription(project_id text, user_id bigint) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    current astapa.subscriptions;
  begin
    if astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    select * into current from astapa.subscriptions as s
    where s.project_id = current_subscription.project_id and s.user_id = current_subscription.user_id
      and s.ended_at is null;
    return pg_catalog.jsonb_build_object(
      'plan', astapa.user_plan(project_id, user_id),
      'subscription', case when current.id is not null then astapa.subscription_json(current) end,
      'history', coalesce((
        select pg_catalog.jsonb_agg(astapa.subscription_json(s) order by s.id desc)
        from astapa.subscriptions as s
        where s.project_id = current_subscription.project_id and s.user_id = current_subscription.user_id
          and s.ended_at is not null), '[]'));
  end
  $$;

comment on function api.current_subscription(text, bigint) is
  'The plan a user''s tokens name now, their current subscription (null: the default plan applies) and '
  'earlier ones, newest first. AS404 unknown user.';

grant execute on function api.current_subscription(text, bigint) to astapa_app;

create or replace function astapa.write_user_claims(project_id text, user_id bigint, patch jsonb, source text,
                                                   new_user boolean) returns void
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
    -- new_user: the caller created the user in this transaction (an import): it exists and has no claims yet.
    if not new_user then
      if not exists (select from astapa.users as u
                     where u.project_id = write_user_claims.project_id and u.id = write_user_claims.user_id
                       and u.deleted_at is null) then
        raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
      end if;
      select * into stored from astapa.user_claims as c
      where c.project_id = write_user_claims.project_id and c.user_id = write_user_claims.user_id
      for update;
    end if;
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
      set role = case when write_user_claims.patch ? 'role' then excluded.role else c.role end,
          feature_flags = case when write_user_claims.patch ? 'feature_flags' then excluded.feature_flags
                               else c.feature_flags end,
          extra = excluded.extra,
          updated_at = pg_catalog.now();
      perform astapa.audit(project_id, 'user_claims.set', 'user:' || user_id,
        pg_catalog.jsonb_build_object('keys', (select pg_catalog.jsonb_agg(k) from pg_catalog.jsonb_object_keys(patch) as k)));
    end if;
  end
  $$;

comment on function astapa.write_user_claims(text, bigint, jsonb, text, boolean) is
  'What api.patch_user_claims changes, without computing the resulting token claims (an import discards them: '
  'issue 24). new_user skips the existence check and the read of stored claims for a user created just now.';

grant execute on function astapa.write_user_claims(text, bigint, jsonb, text, boolean) to astapa_app;

create or replace function api.patch_user_claims(project_id text, user_id bigint, patch jsonb,
                                      source text default 'claims_api') returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    perform astapa.write_user_claims(project_id, user_id, patch, source, false);
    return api.token_claims(project_id, user_id);
  end
  $$;

comment on function api.patch_user_claims(text, bigint, jsonb, text) is
  'Changes a user''s claims: plan (through api.assign_plan with source; null returns to the default plan), '
  'role (null clears), feature_flags (replaced), custom keys (merged; null removes). All or nothing. Returns '
  'the resulting custom_claims. AS400 with DETAIL {field: [problem]}; AS404 unknown user.';

grant execute on function api.patch_user_claims(text, bigint, jsonb, text) to astapa_app;
