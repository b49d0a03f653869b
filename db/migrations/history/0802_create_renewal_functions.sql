-- Renewals of push payments (QRIS, virtual accounts, OVO, GoPay: nothing can be charged without the user).
-- Astapa owns the billing period: some days before paid_through it opens the next period's checkout (one per
-- period: period_start = paid_through) and mails the pay link; at paid_through the subscription becomes
-- past_due (it still grants the plan); after the project's grace period it is expired and the user is put back
-- on the default plan. A subscription canceled at period end is simply ended at current_period_end.
-- Every step takes `now` as an argument, so tests (and a catching-up scheduler) control the clock.

-- One renewal checkout per user, plan and period, even if two passes raced past every other guard.
create unique index checkouts_renewal_key on astapa.checkouts (project_id, user_id, plan_key, period_start)
  where period_start is not null;

create function astapa.setting_days(settings jsonb, key text, fallback integer) returns interval
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select pg_catalog.make_interval(days => case
      when pg_catalog.jsonb_typeof(settings -> key) = 'number' and (settings ->> key)::numeric between 0 and 365
      then (settings ->> key)::numeric::integer else fallback end)
  $$;

comment on function astapa.setting_days(jsonb, text, integer) is
  'A whole number of days (0–365) from project settings as an interval; anything else is the fallback.';

grant execute on function astapa.setting_days(jsonb, text, integer) to astapa_app;

create function astapa.renewal_action(s astapa.subscriptions, now timestamptz, grace interval, notice interval,
                                      can_renew boolean)
  returns text
  language sql
  stable
  set search_path = ''
  as $$
    select case
      when s.ended_at is not null or s.paid_through is null then null
      when s.status = 'canceled' then
        case when coalesce(s.current_period_end, s.paid_through) <= now then 'end' end
      when s.status not in ('active', 'past_due') then null
      when s.paid_through + grace <= now then 'expire'
      when s.status = 'active' and s.paid_through <= now then 'past_due'
      when can_renew and s.paid_through - notice <= now
        and exists (select from astapa.plans as p
                    where p.project_id = s.project_id and p.key = s.plan_key and p.archived_at is null
                      and p.price_idr > 0 and p.interval in ('month', 'year'))
        and exists (select from astapa.users as u
                    where u.project_id = s.project_id and u.id = s.user_id and not u.disabled)
        and not exists (select from astapa.checkouts as c
                        where c.project_id = s.project_id and c.user_id = s.user_id and c.plan_key = s.plan_key
                          and c.period_start = s.paid_through) then 'renew'
    end
  $$;

comment on function astapa.renewal_action(astapa.subscriptions, timestamptz, interval, interval, boolean) is
  'What the renewal pass must do with a subscription at `now`: end (canceled, period over), expire (grace '
  'over), past_due (paid_through passed), renew (next period''s checkout is due and missing), or null.';

grant execute on function astapa.renewal_action(astapa.subscriptions, timestamptz, interval, interval, boolean)
  to astapa_app;

create function astapa.expire_renewal_checkouts(project_id text, user_id bigint) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    expired_id text;
  begin
    for expired_id in
      update astapa.checkouts as c set status = 'expired', updated_at = pg_catalog.now()
      where c.project_id = expire_renewal_checkouts.project_id and c.user_id = expire_renewal_checkouts.user_id
        and c.period_start is not null and c.status in ('open', 'pending')
      returning c.public_id
    loop
      perform pg_catalog.pg_notify('astapa_checkouts', expired_id);
    end loop;
  end
  $$;

comment on function astapa.expire_renewal_checkouts(text, bigint) is
  'Expires a user''s unpaid renewal checkouts (their subscription ended: there is no period left to pay for).';

grant execute on function astapa.expire_renewal_checkouts(text, bigint) to astapa_app;

create function api.renewal_step(project_id text, now timestamptz, xendit_account text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    settings jsonb;
    grace interval;
    notice interval;
    picked bigint;
    s astapa.subscriptions;
    action text;
    checkout jsonb;
    subscription jsonb;
  begin
    if now is null then
      raise exception using errcode = 'AS400', message = 'The renewal pass needs the time it runs at (now).';
    end if;
    if xendit_account is not null and xendit_account not in ('project', 'deployment', 'simulator') then
      raise exception using errcode = 'AS400', message = 'xendit_account must be project, deployment or simulator.';
    end if;
    select p.settings into settings from astapa.projects as p where p.id = renewal_step.project_id;
    if not found then
      raise exception using errcode = 'AS404', message = 'This project was not found.';
    end if;
    grace := astapa.setting_days(settings, 'billing_grace_days', 3);
    notice := astapa.setting_days(settings, 'billing_renewal_notice_days', 7);
    -- Instances share the work: each takes a subscription nobody else holds.
    select s2.id into picked from astapa.subscriptions as s2
    where s2.project_id = renewal_step.project_id and s2.ended_at is null and s2.paid_through is not null
      and astapa.renewal_action(s2, now, grace, notice, xendit_account is not null) is not null
    order by s2.paid_through, s2.id
    for update skip locked
    limit 1;
    if not found then
      return null;
    end if;
    -- A new statement, so a new snapshot: whatever another pass committed before we got the lock is seen here.
    select * into s from astapa.subscriptions as s2 where s2.project_id = renewal_step.project_id and s2.id = picked;
    action := astapa.renewal_action(s, now, grace, notice, xendit_account is not null);
    if action is null then
      return pg_catalog.jsonb_build_object('action', 'none', 'sub', s.user_id::text);
    end if;
    if action = 'past_due' then
      update astapa.subscriptions as s2 set status = 'past_due'
      where s2.project_id = s.project_id and s2.id = s.id
      returning * into s;
      subscription := astapa.subscription_json(s);
      perform astapa.audit(project_id, 'subscription.past_due', 'user:' || s.user_id,
        pg_catalog.jsonb_build_object('plan', s.plan_key, 'paid_through', s.paid_through));
      perform astapa.emit_event(project_id, 'subscription.updated', pg_catalog.jsonb_build_object(
        'subscription', subscription, 'previous_plan', s.plan_key));
    elsif action in ('expire', 'end') then
      -- Back to the default plan through the one function that changes plans (history, audit, event).
      subscription := api.assign_plan(project_id, s.user_id, astapa.default_plan_key(project_id), 'default');
      if action = 'expire' then
        update astapa.subscriptions as s2 set status = 'expired'
        where s2.project_id = s.project_id and s2.id = s.id;
      end if;
      perform astapa.expire_renewal_checkouts(project_id, s.user_id);
    else
      checkout := api.create_checkout(project_id, pg_catalog.jsonb_build_object(
        'sub', s.user_id::text, 'plan', s.plan_key, 'xendit_account', xendit_account,
        'period_start', s.paid_through,
        'ttl_seconds', least(greatest(pg_catalog.date_part('epoch', s.paid_through + grace - now), 3600),
                             31536000)::integer));
      subscription := astapa.subscription_json(s);
      perform astapa.emit_event(project_id, 'subscription.renewal_due', pg_catalog.jsonb_build_object(
        'subscription', subscription, 'checkout_id', checkout ->> 'checkout_id', 'amount', checkout -> 'amount',
        'period_start', s.paid_through));
    end if;
    return pg_catalog.jsonb_build_object('action', action, 'sub', s.user_id::text, 'plan', s.plan_key,
      'subscription', subscription, 'checkout', checkout,
      'email', (select u.email from astapa.users as u where u.project_id = s.project_id and u.id = s.user_id));
  end
  $$;

comment on function api.renewal_step(text, timestamptz, text) is
  'One step of the renewal pass at `now` (FOR UPDATE SKIP LOCKED; null when nothing is left): opens the next '
  'period''s checkout with xendit_account (null: payments not configured, no checkout), marks past_due, or '
  'ends/expires a subscription back to the default plan. Settings billing_grace_days (3) and '
  'billing_renewal_notice_days (7). AS400 without now or with an unknown account; AS404 unknown project.';

grant execute on function api.renewal_step(text, timestamptz, text) to astapa_app;

create function api.cancel_subscription(project_id text, user_id bigint) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    s astapa.subscriptions;
  begin
    perform from astapa.users as u
    where u.project_id = cancel_subscription.project_id and u.id = cancel_subscription.user_id
    for no key update;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    select * into s from astapa.subscriptions as s2
    where s2.project_id = cancel_subscription.project_id and s2.user_id = cancel_subscription.user_id
      and s2.ended_at is null
    for update;
    if s.id is null or s.paid_through is null or s.status not in ('active', 'past_due', 'canceled') then
      raise exception using errcode = 'AS409', message = 'There is no paid subscription to cancel.';
    end if;
    if s.status = 'canceled' then
      return astapa.subscription_json(s);
    end if;
    update astapa.subscriptions as s2 set status = 'canceled',
      current_period_end = greatest(s2.paid_through, s2.current_period_start + interval '1 second')
    where s2.project_id = s.project_id and s2.id = s.id
    returning * into s;
    perform astapa.audit(project_id, 'subscription.cancel', 'user:' || user_id,
      pg_catalog.jsonb_build_object('plan', s.plan_key, 'ends_at', s.current_period_end));
    perform astapa.emit_event(project_id, 'subscription.updated', pg_catalog.jsonb_build_object(
      'subscription', astapa.subscription_json(s), 'previous_plan', s.plan_key));
    return astapa.subscription_json(s);
  end
  $$;

comment on function api.cancel_subscription(text, bigint) is
  'Cancels a paid subscription at the end of what is paid (status canceled, current_period_end = paid_through): '
  'the plan stays until then, no renewal is opened, then the renewal pass ends it. Again: no-op. AS404 unknown '
  'user; AS409 nothing paid to cancel.';

grant execute on function api.cancel_subscription(text, bigint) to astapa_app;

create function api.resume_subscription(project_id text, user_id bigint, now timestamptz default pg_catalog.now())
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    s astapa.subscriptions;
  begin
    perform from astapa.users as u
    where u.project_id = resume_subscription.project_id and u.id = resume_subscription.user_id
    for no key update;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    select * into s from astapa.subscriptions as s2
    where s2.project_id = resume_subscription.project_id and s2.user_id = resume_subscription.user_id
      and s2.ended_at is null
    for update;
    if s.id is null or s.status <> 'canceled' or s.current_period_end <= now then
      raise exception using errcode = 'AS409', message = 'There is no canceled subscription still running to resume.';
    end if;
    update astapa.subscriptions as s2 set status = case when s2.paid_through > now then 'active' else 'past_due' end
    where s2.project_id = s.project_id and s2.id = s.id
    returning * into s;
    perform astapa.audit(project_id, 'subscription.resume', 'user:' || user_id,
      pg_catalog.jsonb_build_object('plan', s.plan_key));
    perform astapa.emit_event(project_id, 'subscription.updated', pg_catalog.jsonb_build_object(
      'subscription', astapa.subscription_json(s), 'previous_plan', s.plan_key));
    return astapa.subscription_json(s);
  end
  $$;

comment on function api.resume_subscription(text, bigint, timestamptz) is
  'Undoes a cancel while the paid period still runs: renewals resume. AS404 unknown user; AS409 nothing '
  'canceled and still running.';

grant execute on function api.resume_subscription(text, bigint, timestamptz) to astapa_app;

-- The scheduler serves every project, so it must learn which projects have billing work.
create policy "definer functions see which projects have paid subscriptions" on astapa.subscriptions
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.list_billing_projects', true) = 'on' and ended_at is null
         and paid_through is not null);

create policy "definer functions see which projects have unpaid checkouts" on astapa.checkouts
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.list_billing_projects', true) = 'on' and status in ('open', 'pending'));

create function api.projects_with_billing_work() returns text[]
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  declare
    projects text[];
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'projects_with_billing_work runs outside any project.';
    end if;
    perform pg_catalog.set_config('astapa.list_billing_projects', 'on', true);
    select pg_catalog.array_agg(distinct w.project_id) into projects from (
      select s.project_id from astapa.subscriptions as s where s.ended_at is null and s.paid_through is not null
      union
      select c.project_id from astapa.checkouts as c where c.status in ('open', 'pending')) as w;
    perform pg_catalog.set_config('astapa.list_billing_projects', '', true);
    return coalesce(projects, '{}');
  end
  $$;

comment on function api.projects_with_billing_work() is
  'Definer: the renewal scheduler serves every project, so it must learn which have paid subscriptions or '
  'unpaid checkouts. Returns project ids only; the work then runs as each project (RLS). Runs only without a '
  'project set.';

revoke execute on function api.projects_with_billing_work() from public;
grant execute on function api.projects_with_billing_work() to astapa_app;
