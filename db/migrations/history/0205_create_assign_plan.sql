-- api.assign_plan: the one function that changes a user's plan. Payments, the Claims API, the dashboard and
-- the CLI all call it, so every change leaves the same trail: subscription history, the audit log and a
-- subscription.updated event (NOTIFY astapa_events).

create function astapa.subscription_json(s astapa.subscriptions) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'sub', s.user_id::text, 'plan', s.plan_key, 'status', s.status, 'source', s.source,
      'current_period_start', s.current_period_start, 'current_period_end', s.current_period_end,
      'paid_through', s.paid_through, 'created_at', s.created_at, 'ended_at', s.ended_at)
  $$;

comment on function astapa.subscription_json(astapa.subscriptions) is 'A subscription as the API and events show it.';

grant execute on function astapa.subscription_json(astapa.subscriptions) to astapa_app;

create function astapa.grants_plan(s astapa.subscriptions) returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    select s.ended_at is null and (s.status in ('active', 'past_due')
      or (s.status = 'canceled' and s.current_period_end > pg_catalog.now()))
  $$;

comment on function astapa.grants_plan(astapa.subscriptions) is
  'Whether a subscription puts its plan in tokens now: current and active, past_due (grace), or canceled '
  'with its paid period still running.';

grant execute on function astapa.grants_plan(astapa.subscriptions) to astapa_app;

-- Changes are stamped with clock_timestamp() taken once the per-user lock is held, not now() (the start of
-- the transaction): a caller that queued behind another must not end that one's subscription before it
-- started (tests/reliability/races_test.ts).
create function api.assign_plan(project_id text, user_id bigint, plan_key text, source text,
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
    if source is null or source not in ('payment', 'claims_api', 'dashboard', 'cli', 'default') then
      raise exception using errcode = 'AS400', detail = '{"source": ["Unknown source."]}',
        message = 'source must be payment, claims_api, dashboard, cli or default.';
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
    select * into chosen from astapa.plans as p
    where p.project_id = assign_plan.project_id and p.key = assign_plan.plan_key;
    if not found then
      raise exception using errcode = 'AS400', detail = pg_catalog.jsonb_build_object('plan', pg_catalog.jsonb_build_array(
          pg_catalog.format('There is no plan %s in this project.', plan_key)))::text,
        message = pg_catalog.format('There is no plan %s in this project.', plan_key);
    end if;
    if chosen.archived_at is not null and current.plan_key is distinct from chosen.key then
      raise exception using errcode = 'AS400', detail = pg_catalog.jsonb_build_object('plan', pg_catalog.jsonb_build_array(
          pg_catalog.format('Plan %s is archived: its subscribers keep it, nobody new can get it.', plan_key)))::text,
        message = pg_catalog.format('Plan %s is archived: its subscribers keep it, nobody new can get it.', plan_key);
    end if;
    new_paid_through := coalesce(paid_through, case when source = 'payment' then pg_catalog.upper(period) end);
    -- Assigning what the user already has (same plan, active, same period) changes nothing and says nothing.
    if current.id is not null and current.plan_key = chosen.key and current.status = 'active'
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
    values (project_id, user_id, chosen.key, 'active', source, coalesce(pg_catalog.lower(period), changed_at),
            pg_catalog.upper(period), new_paid_through)
    returning * into started;
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
  'paid_through defaults to the period''s end for payments. Assigning what the user already has is a no-op. '
  'AS400 unknown or archived plan, bad source or period (DETAIL names the field); AS404 unknown user.';

grant execute on function api.assign_plan(text, bigint, text, text, tstzrange, timestamptz) to astapa_app;

create function api.current_subscription(project_id text, user_id bigint) returns jsonb
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
