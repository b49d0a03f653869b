-- Plan changes (issue 23): upgrades priced by proration and applied when paid, downgrades and cheaper
-- intervals scheduled for the period end, their history. The renewal pass (db/api/billing.sql) renews into a
-- scheduled plan; paying (db/api/payments.sql) applies an upgrade; api.assign_plan settles scheduled changes.
-- An organization's team plan changes from its next period through the same rows and helpers (one open change
-- per person or organization, closing, settling, the plan renewed into); its own entry points, seats and
-- renewal are in db/api/team_plans.sql (migration 4154).
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own plan changes" on astapa.plan_changes;
create policy "a project reads its own plan changes" on astapa.plan_changes
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own plan changes" on astapa.plan_changes;
create policy "a project records its own plan changes" on astapa.plan_changes
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project resolves its own plan changes" on astapa.plan_changes;
create policy "a project resolves its own plan changes" on astapa.plan_changes
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

create or replace function astapa.plan_change_json(c astapa.plan_changes) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'id', c.id, 'sub', c.user_id::text, 'organization_id', c.organization_id, 'seats', c.seats,
      'from_plan', c.from_plan, 'to_plan', c.to_plan, 'kind', c.kind,
      'status', c.status, 'list_amount', c.list_amount, 'credit_idr', c.credit_idr, 'amount_idr', c.amount_idr,
      'period_end', c.period_end, 'effective_at', c.effective_at, 'created_at', c.created_at,
      'resolved_at', c.resolved_at,
      'checkout_id', (select k.public_id from astapa.checkouts as k
                      where k.project_id = c.project_id and k.plan_change_id = c.id order by k.id desc limit 1))
  $$;

comment on function astapa.plan_change_json(astapa.plan_changes) is
  'A plan change as the API and events show it: a person''s (sub) or an organization''s (organization_id, seats).';

grant execute on function astapa.plan_change_json(astapa.plan_changes) to astapa_app;

create or replace function astapa.expire_open_renewal_checkouts(project_id text, user_id bigint) returns void
  language sql
  volatile
  set search_path = ''
  as $$
    -- Only those without a charge: a paid upgrade's callback (astapa.apply_paid_plan_change) holds the person's
    -- row, and a charged one's callback may hold that checkout and wait for the row (docs/database.md "Lock
    -- order"). One whose linked method is being charged (claimed, still open) is expired all the same: paid, it
    -- still renews (a callback pays an expired checkout: paid wins); failed, it mails no pay link. The claim
    -- holds the checkout, never the person's row: no circle. A scheduled change, which may take the charged ones
    -- first, expires them all (astapa.expire_renewal_checkouts).
    update astapa.checkouts as k set status = 'expired', updated_at = pg_catalog.now()
    where k.project_id = expire_open_renewal_checkouts.project_id and k.user_id = expire_open_renewal_checkouts.user_id
      and k.period_start is not null and k.status = 'open'
  $$;

comment on function astapa.expire_open_renewal_checkouts(text, bigint) is
  'Expires a user''s renewal checkouts that have no charge yet (open; their pages told by trigger '
  'checkouts_notify_change), a linked method''s charge being made on one too (paid, it still renews): a paid '
  'upgrade changed the next period''s plan, and the renewal pass opens the right one again (once that charge, '
  'if any, ended unpaid: astapa.period_checkout_exists).';

grant execute on function astapa.expire_open_renewal_checkouts(text, bigint) to astapa_app;

create or replace function astapa.close_open_plan_change(project_id text, user_id bigint, organization_id text)
  returns bigint
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    open_change astapa.plan_changes;
  begin
    -- A person's (user_id) or an organization's (organization_id): the other argument is null and matches nothing.
    select * into open_change from astapa.plan_changes as c
    where c.project_id = close_open_plan_change.project_id
      and (c.user_id = close_open_plan_change.user_id or c.organization_id = close_open_plan_change.organization_id)
      and c.status in ('awaiting_payment', 'scheduled')
    for update;
    if not found then
      return null;
    end if;
    -- An upgrade whose charge is under way cannot be withdrawn: the money may already be moving.
    if exists (select from astapa.checkouts as k
               where k.project_id = open_change.project_id and k.plan_change_id = open_change.id
                 and k.status in ('pending', 'paid')) then
      raise exception using errcode = 'AS409',
        message = 'A plan change is waiting for its payment; it can be changed once that payment succeeds or expires.';
    end if;
    update astapa.plan_changes as c set status = 'canceled', resolved_at = pg_catalog.now()
    where c.project_id = open_change.project_id and c.id = open_change.id;
    update astapa.checkouts as k set status = 'expired', updated_at = pg_catalog.now()
    where k.project_id = open_change.project_id and k.plan_change_id = open_change.id and k.status = 'open';
    -- A renewal already opened for the withdrawn plan is replaced by the right one on the next pass: every unpaid
    -- one, a charge under way on it too (as api.change_plan does; the caller holds the charged ones first).
    if open_change.kind = 'scheduled' and open_change.user_id is not null then
      perform astapa.expire_renewal_checkouts(project_id, open_change.user_id);
    elsif open_change.kind = 'scheduled' then
      perform astapa.replace_organization_renewal_checkouts(project_id, open_change.organization_id,
                                                            open_change.to_plan);
    end if;
    return open_change.id;
  end
  $$;

comment on function astapa.close_open_plan_change(text, bigint, text) is
  'Cancels the open plan change of a user (user_id) or an organization (organization_id; the other null), its '
  'unpaid checkout and the renewal pay link opened for it expiring (a charge under way on that link too: '
  'astapa.expire_renewal_checkouts, astapa.replace_organization_renewal_checkouts; a person''s caller holds the '
  'charged ones before the person''s row), and answers its id, or null when none is open. AS409 when the '
  'change''s own charge is under way.';

grant execute on function astapa.close_open_plan_change(text, bigint, text) to astapa_app;

create or replace function astapa.plan_change_target(project_id text, plan_key text, from_plan text, holder text)
  returns astapa.plans
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    to_plan astapa.plans;
  begin
    select * into to_plan from astapa.plans as p
    where p.project_id = plan_change_target.project_id and p.key = plan_change_target.plan_key and p.archived_at is null;
    if not found or to_plan.price_idr < 1 or to_plan.interval not in ('month', 'year') then
      raise exception using errcode = 'AS400', detail = '{"plan": ["No such paid monthly or yearly plan."]}',
        message = pg_catalog.format('There is no paid monthly or yearly plan %s to change to.', plan_key);
    end if;
    if to_plan.key = from_plan then
      raise exception using errcode = 'AS409', message = pg_catalog.format('%s already has plan %s.', holder, to_plan.key);
    end if;
    return to_plan;
  end
  $$;

comment on function astapa.plan_change_target(text, text, text, text) is
  'The plan a person''s or an organization''s plan may change to (not archived, paid, monthly or yearly, not the '
  'plan held: from_plan); holder names who holds it in the refusal. AS400 no such plan; AS409 the same plan.';

grant execute on function astapa.plan_change_target(text, text, text, text) to astapa_app;

create or replace function api.change_plan(project_id text, user_id bigint, plan_key text, xendit_account text,
                                success_url text default null, now timestamptz default pg_catalog.now())
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project_mode text;
    current astapa.subscriptions;
    from_plan astapa.plans;
    to_plan astapa.plans;
    open_change astapa.plan_changes;
    change astapa.plan_changes;
    left_seconds numeric;
    period_seconds numeric;
    credit bigint := 0;
    list_amount bigint := 0;
    amount bigint := 0;
    change_kind text;
    new_period_end timestamptz;
    checkout astapa.checkouts;
    held bigint[];
  begin
    if now is null then
      raise exception using errcode = 'AS400', message = 'A plan change needs the time it happens at (now).';
    end if;
    if xendit_account is not null and xendit_account not in ('project', 'deployment', 'simulator') then
      raise exception using errcode = 'AS400', message = 'xendit_account must be project, deployment or simulator.';
    end if;
    -- Lock order (docs/database.md): the person's charged renewal checkouts, which a scheduled change expires,
    -- before their row, as a cancel takes them: a success callback of one holds it and then waits for the row.
    held := astapa.hold_charged_renewal_checkouts(project_id, user_id);
    -- The user's row lock serialises a user's plan changes: of two at once, the second sees the first's row. For
    -- update, as a cancel takes it: no renewal pay link is opened meanwhile, unseen by the expiry below.
    select p.mode into project_mode
    from astapa.users as u join astapa.projects as p on p.id = u.project_id
    where u.project_id = change_plan.project_id and u.id = change_plan.user_id and not u.disabled
      and u.environment = p.mode
    for update of u;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    -- One charged since the set above was read is refused (40001, run again, to take it first); the open ones are
    -- held from now on.
    perform astapa.hold_checkouts_after_person(project_id, held,
      array(select c.id from astapa.unpaid_renewal_checkouts(project_id, user_id) as c));
    -- The one rule for links Astapa follows on the app's behalf (astapa.is_app_url, like api.create_checkout).
    if success_url is not null and not astapa.is_app_url(change_plan.project_id, change_plan.success_url) then
      raise exception using errcode = 'AS400',
        detail = '{"success_url": ["Must be on the origin of one of the project''s redirect URIs."]}',
        message = 'success_url must be on the origin of one of the project''s redirect URIs.';
    end if;
    -- A team plan is an organization's (api.create_organization_checkout): never a person's, not even as an
    -- upgrade, which opens its own checkout and so would bypass api.create_checkout's refusal. The shared lock
    -- keeps api.set_plan_seats from making the plan a team plan while this change is scheduled into it.
    perform from astapa.plans as p
    where p.project_id = change_plan.project_id and p.key = change_plan.plan_key
    for share;
    if exists (select from astapa.plans as p
               where p.project_id = change_plan.project_id and p.key = change_plan.plan_key
                 and p.seat_pricing is not null) then
      raise exception using errcode = 'AS400', detail = '{"plan": ["A team plan: buy it for an organization."]}',
        message = pg_catalog.format('Plan %s is a team plan: buy it for an organization.', plan_key);
    end if;
    select * into current from astapa.subscriptions as s
    where s.project_id = change_plan.project_id and s.user_id = change_plan.user_id and s.ended_at is null;
    select * into from_plan from astapa.plans as p
    where p.project_id = change_plan.project_id and p.key = current.plan_key;
    if current.id is null or current.status <> 'active' or current.paid_through is null
       or current.paid_through <= now or from_plan.price_idr < 1 or from_plan.interval not in ('month', 'year') then
      raise exception using errcode = 'AS409',
        message = 'There is no running paid subscription to change: open a checkout for the plan instead.';
    end if;
    to_plan := astapa.plan_change_target(project_id, plan_key, from_plan.key, 'The user');
    select * into open_change from astapa.plan_changes as c
    where c.project_id = change_plan.project_id and c.user_id = change_plan.user_id
      and c.status in ('awaiting_payment', 'scheduled');
    -- Asking again for the change that is already open answers it (a double click, a retried request).
    if open_change.id is not null and open_change.to_plan = to_plan.key then
      return pg_catalog.jsonb_build_object('change', astapa.plan_change_json(open_change),
        'checkout', (select astapa.checkout_json(k) from astapa.checkouts as k
                     where k.project_id = open_change.project_id and k.plan_change_id = open_change.id
                     order by k.id desc limit 1));
    end if;
    perform astapa.close_open_plan_change(project_id, user_id, null);
    -- The unused share of the current period, by time (exact numerics: amounts are multiplied before dividing).
    period_seconds := greatest(extract(epoch from current.paid_through - current.current_period_start), 1);
    left_seconds := least(greatest(extract(epoch from current.paid_through - now), 0), period_seconds);
    if to_plan.interval = from_plan.interval and to_plan.price_idr > from_plan.price_idr then
      -- Same interval, dearer: the difference for the rest of the period, rounded up; the period stays.
      change_kind := 'upgrade';
      list_amount := pg_catalog.ceil((to_plan.price_idr - from_plan.price_idr) * left_seconds / period_seconds)::bigint;
      amount := list_amount;
      new_period_end := current.paid_through;
    elsif from_plan.interval = 'month' and to_plan.interval = 'year'
          and to_plan.price_idr > pg_catalog.floor(from_plan.price_idr * left_seconds / period_seconds) then
      -- Monthly → yearly: a new year from payment, less what is left of the month.
      change_kind := 'upgrade';
      list_amount := to_plan.price_idr;
      credit := pg_catalog.floor(from_plan.price_idr * left_seconds / period_seconds)::bigint;
      amount := list_amount - credit;
    else
      -- Cheaper, the same price, or yearly → monthly: from the period end, when its renewal is paid.
      change_kind := 'scheduled';
    end if;
    if change_kind = 'upgrade' and amount < 1 then
      -- Nothing left to charge (the period is all but over): the new plan waits for the period end instead.
      change_kind := 'scheduled';
    end if;
    if change_kind = 'upgrade' and xendit_account is null then
      raise exception using errcode = 'AS409', message = 'This project cannot take payments, so it cannot charge an upgrade.';
    end if;
    insert into astapa.plan_changes (project_id, user_id, from_plan, to_plan, kind, status, list_amount, credit_idr,
                                     amount_idr, period_end, effective_at)
    values (project_id, user_id, from_plan.key, to_plan.key, change_kind,
            case change_kind when 'upgrade' then 'awaiting_payment' else 'scheduled' end,
            case change_kind when 'upgrade' then list_amount else 0 end,
            case change_kind when 'upgrade' then credit else 0 end,
            case change_kind when 'upgrade' then amount else 0 end,
            new_period_end, case change_kind when 'scheduled' then current.paid_through end)
    returning * into change;
    if change_kind = 'upgrade' then
      insert into astapa.checkouts (project_id, user_id, plan_key, amount, xendit_account, environment, success_url,
                                    expires_at, plan_change_id)
      values (project_id, user_id, to_plan.key, amount, xendit_account, project_mode, success_url,
              least(pg_catalog.now() + interval '1 day', current.paid_through), change.id)
      returning * into checkout;
    else
      -- A renewal already opened for the old plan is replaced by one for the new plan: every unpaid one, a charge
      -- under way on it too (paid, it still renews the old plan: a callback pays an expired checkout, paid wins,
      -- the change settled; failed, it mails no pay link for a plan the next period no longer renews into, which
      -- left pending it did, beside the new plan's). The pass opens the new plan's link once no link of the
      -- period has a charge under way (astapa.period_checkout_exists).
      perform astapa.expire_renewal_checkouts(project_id, user_id);
    end if;
    perform astapa.audit(project_id, 'subscription.plan_change', 'user:' || user_id,
      pg_catalog.jsonb_build_object('from_plan', from_plan.key, 'to_plan', to_plan.key, 'kind', change_kind,
                                    'amount_idr', change.amount_idr));
    perform astapa.emit_event(project_id, 'subscription.plan_change', pg_catalog.jsonb_build_object(
      'change', astapa.plan_change_json(change)));
    return pg_catalog.jsonb_build_object('change', astapa.plan_change_json(change),
      'checkout', case when checkout.id is not null then astapa.checkout_json(checkout) end);
  end
  $$;

comment on function api.change_plan(text, bigint, text, text, text, timestamptz) is
  'Changes a paying user''s plan at `now`. Dearer on the same interval: an upgrade checkout for the prorated '
  'difference (rounded up), applied when paid, period unchanged. Monthly → yearly: a checkout for the year less '
  'the unused month, a new year from payment. Cheaper or yearly → monthly: scheduled for the period end. One '
  'open change per user (asking again for it answers it; another replaces it unless its charge is under way). '
  'AS400 unknown/free/one-time plan or a team plan (an organization''s); AS404 unknown user; AS409 no running paid subscription, the same plan, a '
  'charge under way, or an upgrade without payments configured.';

grant execute on function api.change_plan(text, bigint, text, text, text, timestamptz) to astapa_app;

create or replace function api.cancel_plan_change(project_id text, user_id bigint) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    canceled_id bigint;
    canceled astapa.plan_changes;
    held bigint[];
  begin
    -- Lock order as api.change_plan's: the charged renewal checkouts the withdrawal expires, then the row (for
    -- update), then the open ones (one charged in between: 40001, run again).
    held := astapa.hold_charged_renewal_checkouts(project_id, user_id);
    perform from astapa.users as u
    where u.project_id = cancel_plan_change.project_id and u.id = cancel_plan_change.user_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    perform astapa.hold_checkouts_after_person(project_id, held,
      array(select c.id from astapa.unpaid_renewal_checkouts(project_id, user_id) as c));
    canceled_id := astapa.close_open_plan_change(project_id, user_id, null);
    -- A new statement, so the row is read as the cancel left it.
    select * into canceled from astapa.plan_changes as c
    where c.project_id = cancel_plan_change.project_id and c.id = canceled_id;
    if not found then
      raise exception using errcode = 'AS409', message = 'There is no open plan change to cancel.';
    end if;
    perform astapa.audit(project_id, 'subscription.plan_change_cancel', 'user:' || user_id,
      pg_catalog.jsonb_build_object('to_plan', canceled.to_plan));
    perform astapa.emit_event(project_id, 'subscription.plan_change', pg_catalog.jsonb_build_object(
      'change', astapa.plan_change_json(canceled)));
    return astapa.plan_change_json(canceled);
  end
  $$;

comment on function api.cancel_plan_change(text, bigint) is
  'Withdraws a user''s open plan change (a scheduled one, or an upgrade not yet being paid). AS404 unknown '
  'user; AS409 nothing open, or its charge under way.';

grant execute on function api.cancel_plan_change(text, bigint) to astapa_app;

create or replace function api.plan_changes(project_id text, user_id bigint) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    if astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    return coalesce((select pg_catalog.jsonb_agg(astapa.plan_change_json(c) order by c.id desc)
                     from astapa.plan_changes as c
                     where c.project_id = plan_changes.project_id and c.user_id = plan_changes.user_id), '[]');
  end
  $$;

comment on function api.plan_changes(text, bigint) is 'A user''s plan changes, newest first. AS404 unknown user.';

grant execute on function api.plan_changes(text, bigint) to astapa_app;

create or replace function astapa.next_period_plan(s astapa.subscriptions) returns text
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce((select c.to_plan from astapa.plan_changes as c
                     where c.project_id = s.project_id and c.user_id = s.user_id and c.status = 'scheduled'),
                    s.plan_key)
  $$;

comment on function astapa.next_period_plan(astapa.subscriptions) is
  'The plan the next period renews into: a scheduled change''s, else the subscription''s own.';

grant execute on function astapa.next_period_plan(astapa.subscriptions) to astapa_app;

create or replace function astapa.scheduled_plan_change(o astapa.organizations) returns astapa.plan_changes
  language sql
  stable
  set search_path = ''
  as $$
    select * from astapa.plan_changes as c
    where c.project_id = o.project_id and c.organization_id = o.id and c.status = 'scheduled'
  $$;

comment on function astapa.scheduled_plan_change(astapa.organizations) is
  'The plan change scheduled for an organization''s next period (at most one), or null.';

grant execute on function astapa.scheduled_plan_change(astapa.organizations) to astapa_app;

create or replace function astapa.next_period_plan(o astapa.organizations) returns text
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce((astapa.scheduled_plan_change(o)).to_plan, o.plan_key)
  $$;

comment on function astapa.next_period_plan(astapa.organizations) is
  'The team plan an organization''s next period renews into: a scheduled change''s, else its own.';

grant execute on function astapa.next_period_plan(astapa.organizations) to astapa_app;

create or replace function astapa.settle_plan_changes(project_id text, user_id bigint, organization_id text,
                                                      plan_key text)
  returns astapa.plan_changes
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    settled astapa.plan_changes;
  begin
    -- The plan changed (a paid renewal, an expiry, an assignment): a scheduled change is now done or moot.
    update astapa.plan_changes as c
    set status = case when c.to_plan = settle_plan_changes.plan_key then 'applied' else 'canceled' end,
        resolved_at = pg_catalog.now()
    where c.project_id = settle_plan_changes.project_id
      and (c.user_id = settle_plan_changes.user_id or c.organization_id = settle_plan_changes.organization_id)
      and c.status = 'scheduled'
    returning * into settled;
    return settled;
  end
  $$;

comment on function astapa.settle_plan_changes(text, bigint, text, text) is
  'The plan of a user (user_id) or an organization (organization_id; the other null) became plan_key (null: '
  'none): a scheduled change to it is applied, any other canceled. Answers the settled change, or null. Called '
  'by api.assign_plan and by what changes an organization''s plan (db/api/team_plans.sql).';

grant execute on function astapa.settle_plan_changes(text, bigint, text, text) to astapa_app;

create or replace function astapa.apply_paid_plan_change(target astapa.checkouts) returns timestamptz
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    change astapa.plan_changes;
    current astapa.subscriptions;
    to_plan astapa.plans;
    period_start timestamptz;
    period_end timestamptz;
  begin
    select * into change from astapa.plan_changes as c
    where c.project_id = target.project_id and c.id = target.plan_change_id
    for update;
    select * into to_plan from astapa.plans as p where p.project_id = change.project_id and p.key = change.to_plan;
    select * into current from astapa.subscriptions as s
    where s.project_id = target.project_id and s.user_id = target.user_id and s.ended_at is null;
    if change.period_end is not null and (current.plan_key is distinct from change.from_plan
       or current.paid_through is distinct from change.period_end or change.period_end <= pg_catalog.now()) then
      -- Same interval, but the period its price was the rest of is no longer the one paid for last (a renewal
      -- of the old plan paid meanwhile, or another plan) or is over: applied now, the difference for a few days
      -- would buy the dearer plan for a whole period paid at the old price. Nothing switches; the change is
      -- canceled and the payment stays, receipted, for a refund.
      update astapa.plan_changes as c set status = 'canceled', resolved_at = pg_catalog.now()
      where c.project_id = change.project_id and c.id = change.id;
      perform astapa.audit(target.project_id, 'subscription.upgrade_lapsed', 'user:' || target.user_id,
        pg_catalog.jsonb_build_object('checkout', target.public_id, 'from_plan', change.from_plan,
          'to_plan', change.to_plan, 'period_end', change.period_end, 'paid_through', current.paid_through));
      perform astapa.emit_event(target.project_id, 'subscription.plan_change', pg_catalog.jsonb_build_object(
        'change', astapa.plan_change_json((select c from astapa.plan_changes as c
                                           where c.project_id = change.project_id and c.id = change.id))));
      return null;
    end if;
    if change.period_end is not null then
      -- Same interval: the current period, on the new plan.
      period_start := coalesce(current.current_period_start, pg_catalog.now());
      period_end := change.period_end;
    else
      period_start := pg_catalog.now();
      period_end := period_start + case to_plan.interval when 'year' then interval '1 year' else interval '1 month' end;
    end if;
    if period_end <= period_start then
      period_end := period_start + interval '1 second';
    end if;
    perform api.assign_plan(target.project_id, target.user_id, change.to_plan, 'payment',
      pg_catalog.tstzrange(period_start, period_end), period_end);
    update astapa.plan_changes as c set status = 'applied', resolved_at = pg_catalog.now()
    where c.project_id = change.project_id and c.id = change.id;
    -- A renewal opened for the old plan is replaced by one for the new plan on the next pass.
    perform astapa.expire_open_renewal_checkouts(target.project_id, target.user_id);
    perform astapa.emit_event(target.project_id, 'subscription.plan_change', pg_catalog.jsonb_build_object(
      'change', astapa.plan_change_json((select c from astapa.plan_changes as c
                                         where c.project_id = change.project_id and c.id = change.id))));
    return period_end;
  end
  $$;

comment on function astapa.apply_paid_plan_change(astapa.checkouts) is
  'Applies the upgrade a paid checkout was for (called by astapa.apply_payment_event_row): the new plan through '
  'api.assign_plan for the priced period, the change applied; returns the new paid_through. A same-interval '
  'upgrade paid once the period it was priced for is no longer the last one paid (renewed on the old plan '
  'meanwhile, another plan) or is over switches nothing: the change is canceled (audited '
  'subscription.upgrade_lapsed, subscription.plan_change emitted) and null returned; the payment is kept for a '
  'refund.';

grant execute on function astapa.apply_paid_plan_change(astapa.checkouts) to astapa_app;
