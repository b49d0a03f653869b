-- Free trials (issue 23): starting one. The renewal pass (db/api/billing.sql) reminds and ends them; paying
-- (db/api/payments.sql) turns one into a paid period starting at the trial's end.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own trials" on astapa.trials;
create policy "a project reads its own trials" on astapa.trials
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own trials" on astapa.trials;
create policy "a project records its own trials" on astapa.trials
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create or replace function api.start_trial(project_id text, user_id bigint, plan_key text,
                                now timestamptz default pg_catalog.now())
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    chosen astapa.plans;
    current astapa.subscriptions;
    ends_at timestamptz;
    started jsonb;
  begin
    if now is null then
      raise exception using errcode = 'AS400', message = 'Starting a trial needs the time it starts at (now).';
    end if;
    -- The user's row lock queues this behind any other plan change of theirs (as api.assign_plan does).
    perform from astapa.users as u
    join astapa.projects as p on p.id = u.project_id
    where u.project_id = start_trial.project_id and u.id = start_trial.user_id and not u.disabled
      and u.environment = p.mode
    for no key update of u;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    select * into chosen from astapa.plans as p
    where p.project_id = start_trial.project_id and p.key = start_trial.plan_key and p.archived_at is null;
    if chosen.seat_pricing is not null then
      -- A team plan is an organization's (api.create_organization_checkout), so a person cannot trial it.
      raise exception using errcode = 'AS400', detail = '{"plan": ["A team plan: buy it for an organization."]}',
        message = pg_catalog.format('Plan %s is a team plan: buy it for an organization.', chosen.key);
    end if;
    if not found or chosen.trial_days < 1 or chosen.price_idr < 1 or chosen.interval not in ('month', 'year') then
      raise exception using errcode = 'AS400', detail = '{"plan": ["This plan offers no trial."]}',
        message = pg_catalog.format('Plan %s offers no trial.', plan_key);
    end if;
    select * into current from astapa.subscriptions as s
    where s.project_id = start_trial.project_id and s.user_id = start_trial.user_id and s.ended_at is null;
    if current.id is not null and astapa.grants_plan(current)
       and exists (select from astapa.plans as p
                   where p.project_id = current.project_id and p.key = current.plan_key and p.price_idr > 0) then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('User %s already has the paid plan %s (or a trial of it).', user_id, current.plan_key);
    end if;
    ends_at := now + pg_catalog.make_interval(days => chosen.trial_days);
    -- One trial per user and plan: the primary key decides, also between two concurrent starts.
    insert into astapa.trials (project_id, user_id, plan_key, started_at, ends_at)
    values (project_id, user_id, chosen.key, now, ends_at)
    on conflict on constraint trials_pkey do nothing;
    if not found then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('User %s has already had a trial of plan %s.', user_id, chosen.key);
    end if;
    started := api.assign_plan(project_id, user_id, chosen.key, 'trial', pg_catalog.tstzrange(now, ends_at));
    perform astapa.audit(project_id, 'subscription.trial_start', 'user:' || user_id,
      pg_catalog.jsonb_build_object('plan', chosen.key, 'trial_ends_at', ends_at));
    return started;
  end
  $$;

comment on function api.start_trial(text, bigint, text, timestamptz) is
  'Starts a free trial of a plan for a user, once per user and plan: a trialing subscription until now + the '
  'plan''s trial_days (through api.assign_plan, source trial). AS400 a plan without a trial, or a team plan (an '
  'organization''s); AS404 unknown, '
  'disabled or other-environment user; AS409 a second trial of the plan, or the user already on a paid plan.';

grant execute on function api.start_trial(text, bigint, text, timestamptz) to astapa_app;

create or replace function api.user_trials(project_id text, user_id bigint) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'plan', t.plan_key, 'started_at', t.started_at, 'ends_at', t.ends_at) order by t.started_at), '[]')
    from astapa.trials as t
    where t.project_id = user_trials.project_id and t.user_id = user_trials.user_id
  $$;

comment on function api.user_trials(text, bigint) is
  'The trials a user has started, oldest first (a plan listed here offers them no second trial).';

grant execute on function api.user_trials(text, bigint) to astapa_app;
