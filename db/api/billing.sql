-- Renewals and reconciliation.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

create or replace function astapa.setting_days(settings jsonb, key text, fallback integer) returns interval
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

create or replace function astapa.period_checkout_exists(project_id text, user_id bigint, plan_key text,
                                                      period_start timestamptz, now timestamptz)
  returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    -- The plan's link counts unless voided before its time (a cancel, a refund, a plan change): expired at its
    -- time (expires_at, the period's grace end), the pass does not ask again. Any link of the period, of any
    -- plan and voided or not, counts while a charge of it is under way: it may still be paid, and pay for the
    -- period (paid wins). A second link then asked for the money twice — after a plan change, the new plan's
    -- charged while the old plan's linked charge was in flight, its success kept as paid_again.
    select exists (select from astapa.checkouts as c
                   where c.project_id = period_checkout_exists.project_id
                     and c.user_id = period_checkout_exists.user_id
                     and c.period_start = period_checkout_exists.period_start
                     and ((c.plan_key = period_checkout_exists.plan_key
                           and (c.status <> 'expired' or c.expires_at <= now))
                          or astapa.charge_under_way(c.project_id, c.id)))
  $$;

comment on function astapa.period_checkout_exists(text, bigint, text, timestamptz, timestamptz) is
  'Whether a person''s period is taken for a plan''s pay link at `now`: that plan''s link open, pending or '
  'paid, or expired at its time; or any link of the period (another plan''s too, expired too) with a charge '
  'under way (astapa.charge_under_way: a pending payment, a linked charge claimed). The renewal pass '
  '(astapa.renewal_action) opens one only when not, so after a plan change it waits for the old plan''s '
  'charge: paid, the period is paid; ended, the new plan''s link is opened (and charged) then. A link voided '
  'before its time (a cancel, a refund, a plan change) with no charge under way does not hold its period '
  '(checkouts_renewal_key counts only open and pending ones): after a resume or a withdrawn plan change the '
  'period gets a new link.';

grant execute on function astapa.period_checkout_exists(text, bigint, text, timestamptz, timestamptz) to astapa_app;

create or replace function astapa.renewal_action(s astapa.subscriptions, now timestamptz, grace interval, notice interval,
                                      can_renew boolean, trial_notice interval)
  returns text
  language sql
  stable
  set search_path = ''
  as $$
    select case
      when s.ended_at is not null then null
      -- A trial ends at current_period_end; its reminder is a checkout for the first paid period, opened once.
      when s.status = 'trialing' then case
        when s.current_period_end <= now then 'trial_end'
        when can_renew and s.current_period_end - trial_notice <= now
          and exists (select from astapa.plans as p
                      where p.project_id = s.project_id and p.key = s.plan_key and p.archived_at is null
                        and p.price_idr > 0 and p.interval in ('month', 'year') and p.seat_pricing is null)
          and exists (select from astapa.users as u
                      where u.project_id = s.project_id and u.id = s.user_id and not u.disabled)
          and not astapa.period_checkout_exists(s.project_id, s.user_id, s.plan_key, s.current_period_end, now)
          then 'trial_reminder' end
      when s.paid_through is null then null
      when s.status = 'canceled' then
        case when coalesce(s.current_period_end, s.paid_through) <= now then 'end' end
      when s.status not in ('active', 'past_due') then null
      when s.paid_through + grace <= now then 'expire'
      when s.status = 'active' and s.paid_through <= now then 'past_due'
      when can_renew and s.paid_through - notice <= now
        and exists (select from astapa.plans as p
                    where p.project_id = s.project_id and p.key = astapa.next_period_plan(s) and p.archived_at is null
                      and p.price_idr > 0 and p.interval in ('month', 'year') and p.seat_pricing is null)
        and exists (select from astapa.users as u
                    where u.project_id = s.project_id and u.id = s.user_id and not u.disabled)
        and not astapa.period_checkout_exists(s.project_id, s.user_id, astapa.next_period_plan(s), s.paid_through,
                                              now)
        then 'renew'
    end
  $$;

comment on function astapa.renewal_action(astapa.subscriptions, timestamptz, interval, interval, boolean, interval) is
  'What the renewal pass must do with a subscription at `now`: trial_end (trial over), trial_reminder (the '
  'trial ends within trial_notice and its pay link is missing), end (canceled, period over), expire (grace '
  'over), past_due (paid_through passed), renew (next period''s checkout is due and missing, and no link of the '
  'period has a charge under way: astapa.period_checkout_exists), or null. A team '
  'plan (an organization''s; only left on a person by data from before api.set_plan_seats refused it) gets no '
  'pay link: the subscription runs out through past_due and expire.';

grant execute on function astapa.renewal_action(astapa.subscriptions, timestamptz, interval, interval, boolean, interval)
  to astapa_app;

create or replace function astapa.unpaid_renewal_checkouts(project_id text, user_id bigint)
  returns setof astapa.checkouts
  language sql
  stable
  set search_path = ''
  as $$
    select * from astapa.checkouts as c
    where c.project_id = unpaid_renewal_checkouts.project_id and c.user_id = unpaid_renewal_checkouts.user_id
      and c.period_start is not null and c.status in ('open', 'pending')
  $$;

comment on function astapa.unpaid_renewal_checkouts(text, bigint) is
  'A person''s unpaid renewal checkouts: those astapa.expire_renewal_checkouts expires. A refund callback '
  '(astapa.apply_refund_event) locks the charged ones (pending) before the person''s row, the open ones after it.';

grant execute on function astapa.unpaid_renewal_checkouts(text, bigint) to astapa_app;

create or replace function astapa.hold_charged_renewal_checkouts(project_id text, user_id bigint) returns bigint[]
  language sql
  volatile
  set search_path = ''
  as $$
    -- Every row, in id order (an array of the whole set: a SQL function's last select would fetch, and so lock,
    -- only the first).
    select array(select c.id from astapa.checkouts as c
                 where c.project_id = hold_charged_renewal_checkouts.project_id
                   and c.id in (select x.id from astapa.unpaid_renewal_checkouts(
                                  hold_charged_renewal_checkouts.project_id,
                                  hold_charged_renewal_checkouts.user_id) as x
                                where x.status <> 'open')
                 order by c.id
                 for update)
  $$;

comment on function astapa.hold_charged_renewal_checkouts(text, bigint) is
  'Holds a person''s charged unpaid renewal checkouts (pending), in id order, and answers their ids: what a cancel '
  'or a plan change that expires them takes before the person''s row (docs/database.md "Lock order": a success '
  'callback holds its checkout and then waits for the payer''s row), then passes to '
  'astapa.hold_checkouts_after_person once the row is held.';

grant execute on function astapa.hold_charged_renewal_checkouts(text, bigint) to astapa_app;

create or replace function astapa.expire_renewal_checkouts(project_id text, user_id bigint) returns void
  language sql
  volatile
  set search_path = ''
  as $$
    update astapa.checkouts as c set status = 'expired', updated_at = pg_catalog.now()
    where c.project_id = expire_renewal_checkouts.project_id
      and c.id in (select x.id from astapa.unpaid_renewal_checkouts(expire_renewal_checkouts.project_id,
                                                                     expire_renewal_checkouts.user_id) as x)
  $$;

comment on function astapa.expire_renewal_checkouts(text, bigint) is
  'Expires a user''s unpaid renewal checkouts, a charge under way on one too: their subscription ended (there is '
  'no period left to pay for), or a plan change scheduled or withdrawn (the next period renews into another '
  'plan: paid, such a link still renews its own). Their pages are told by trigger checkouts_notify_change. The '
  'caller holds the charged ones before the person''s row (astapa.hold_charged_renewal_checkouts), or is the '
  'renewal pass (astapa.lock_renewal_payments).';

grant execute on function astapa.expire_renewal_checkouts(text, bigint) to astapa_app;

create or replace function astapa.charge_under_way(project_id text, checkout_id bigint) returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    select exists (select from astapa.payments as y
                   where y.project_id = charge_under_way.project_id and y.checkout_id = charge_under_way.checkout_id
                     and y.status = 'pending')
        -- A linked method's charge once the pass claimed it (attempted_at: Xendit may be taking the money). One
        -- opened and not claimed yet moves nothing: left, the pass would charge it after a cancel or a plan change
        -- (voided, its claim ends it: CHECKOUT_EXPIRED).
        or exists (select from astapa.renewal_charges as r
                   where r.project_id = charge_under_way.project_id and r.checkout_id = charge_under_way.checkout_id
                     and (r.status = 'pending' or (r.status = 'charging' and r.attempted_at is not null)))
  $$;

comment on function astapa.charge_under_way(text, bigint) is
  'Whether a checkout has a charge that may still be paid: one pending at Xendit, or a linked method''s renewal '
  'charge claimed by the pass (being made) or pending. Its other charges ended (expired, failed, or abandoned '
  'here), and a linked charge not claimed yet moves no money.';

grant execute on function astapa.charge_under_way(text, bigint) to astapa_app;

create or replace function astapa.void_renewal_checkouts(project_id text, user_id bigint) returns void
  language sql
  volatile
  set search_path = ''
  as $$
    update astapa.checkouts as c set status = 'expired', updated_at = pg_catalog.now()
    where c.project_id = void_renewal_checkouts.project_id
      and c.id in (select x.id from astapa.unpaid_renewal_checkouts(void_renewal_checkouts.project_id,
                                                                     void_renewal_checkouts.user_id) as x)
      and not astapa.charge_under_way(c.project_id, c.id)
  $$;

comment on function astapa.void_renewal_checkouts(text, bigint) is
  'Expires a person''s unpaid renewal checkouts that have no charge under way (astapa.charge_under_way): the '
  'open ones and those whose every charge ended, which a new method would otherwise pay. One with a charge under '
  'way is left to finish (paid wins). The caller holds the charged ones before the person''s row '
  '(api.cancel_subscription); their pages are told by trigger checkouts_notify_change.';

grant execute on function astapa.void_renewal_checkouts(text, bigint) to astapa_app;

create or replace function astapa.renewal_settings(project_id text, now timestamptz, xendit_account text,
                                               out grace interval, out notice interval, out trial_notice interval)
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    settings jsonb;
  begin
    if now is null then
      raise exception using errcode = 'AS400', message = 'The renewal pass needs the time it runs at (now).';
    end if;
    if xendit_account is not null and xendit_account not in ('project', 'deployment', 'simulator') then
      raise exception using errcode = 'AS400', message = 'xendit_account must be project, deployment or simulator.';
    end if;
    select p.settings into settings from astapa.projects as p where p.id = renewal_settings.project_id;
    if not found then
      raise exception using errcode = 'AS404', message = 'This project was not found.';
    end if;
    grace := astapa.setting_days(settings, 'billing_grace_days', 3);
    notice := astapa.setting_days(settings, 'billing_renewal_notice_days', 7);
    trial_notice := astapa.setting_days(settings, 'billing_trial_reminder_days', 3);
  end
  $$;

comment on function astapa.renewal_settings(text, timestamptz, text) is
  'The preamble both renewal steps share (api.renewal_step, api.organization_renewal_step): checks now and '
  'xendit_account (AS400) and the project (AS404), and reads billing_grace_days (3), '
  'billing_renewal_notice_days (7) and billing_trial_reminder_days (3) as intervals.';

grant execute on function astapa.renewal_settings(text, timestamptz, text) to astapa_app;

create or replace function astapa.lock_renewal_payments(project_id text, user_id bigint) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    charge record;
  begin
    -- Every charge of the checkouts an expiry would close, in one order, then those checkouts: what a callback
    -- applying one of them holds before it waits for the subscription.
    for charge in
      select distinct y.provider_id from astapa.payments as y
      join astapa.checkouts as k on k.project_id = y.project_id and k.id = y.checkout_id
      where k.project_id = lock_renewal_payments.project_id and k.user_id = lock_renewal_payments.user_id
        and k.period_start is not null and k.status in ('open', 'pending')
      order by y.provider_id
    loop
      perform astapa.lock_payment_provider_id(project_id, charge.provider_id);
    end loop;
    perform from astapa.checkouts as k
    where k.project_id = lock_renewal_payments.project_id and k.user_id = lock_renewal_payments.user_id
      and k.period_start is not null and k.status in ('open', 'pending')
    order by k.id
    for update;
  end
  $$;

comment on function astapa.lock_renewal_payments(text, bigint) is
  'The renewal pass''s first locks on a user, in the order a payment callback takes them '
  '(astapa.lock_payment_provider_id of each charge of their open or pending renewal checkouts, then those '
  'checkouts), so the pass then locking their row and subscription never waits in a cycle with a callback that '
  'holds a checkout and waits for the subscription.';

grant execute on function astapa.lock_renewal_payments(text, bigint) to astapa_app;

create or replace function api.renewal_step(project_id text, now timestamptz, xendit_account text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    grace interval;
    notice interval;
    trial_notice interval;
    picked bigint;
    candidate record;
    s astapa.subscriptions;
    action text;
    checkout jsonb;
    subscription jsonb;
    linked_charge jsonb;
  begin
    select r.grace, r.notice, r.trial_notice into grace, notice, trial_notice
    from astapa.renewal_settings(renewal_step.project_id, now, xendit_account) as r;
    -- Instances share the work: each takes a subscription nobody else holds. Locks in a callback's order
    -- (astapa.lock_renewal_payments): the user's renewal charges and checkouts first, then the person's row (as
    -- api.assign_plan takes it), then the subscription, skipping a person or subscription held elsewhere. An
    -- expiry holding the subscription first deadlocked with a success callback, a plan change or a cancel.
    for candidate in
      select s2.id, s2.user_id from astapa.subscriptions as s2
      where s2.project_id = renewal_step.project_id and s2.ended_at is null
        and (s2.paid_through is not null or s2.status = 'trialing')
        and astapa.renewal_action(s2, now, grace, notice, xendit_account is not null, trial_notice) is not null
      order by s2.paid_through, s2.id
    loop
      perform astapa.lock_renewal_payments(renewal_step.project_id, candidate.user_id);
      perform from astapa.users as u
      where u.project_id = renewal_step.project_id and u.id = candidate.user_id
      for no key update skip locked;
      if found then
        select s2.id into picked from astapa.subscriptions as s2
        where s2.project_id = renewal_step.project_id and s2.id = candidate.id and s2.ended_at is null
        for update skip locked;
        exit when picked is not null;
      end if;
    end loop;
    if picked is null then
      return null;
    end if;
    -- A new statement, so a new snapshot: whatever another pass committed before we got the lock is seen here.
    select * into s from astapa.subscriptions as s2 where s2.project_id = renewal_step.project_id and s2.id = picked;
    action := astapa.renewal_action(s, now, grace, notice, xendit_account is not null, trial_notice);
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
    elsif action in ('expire', 'end', 'trial_end') then
      -- Back to the default plan through the one function that changes plans (history, audit, event). A trial
      -- that was paid for is no longer current (the payment started the paid period), so it never gets here.
      subscription := api.assign_plan(project_id, s.user_id, astapa.default_plan_key(project_id), 'default');
      if action in ('expire', 'trial_end') then
        update astapa.subscriptions as s2 set status = 'expired'
        where s2.project_id = s.project_id and s2.id = s.id;
      end if;
      perform astapa.expire_renewal_checkouts(project_id, s.user_id);
    elsif action = 'trial_reminder' then
      -- The first paid period starts when the trial ends; the pay link lives until then.
      checkout := api.create_checkout(project_id, pg_catalog.jsonb_build_object(
        'sub', s.user_id::text, 'plan', s.plan_key, 'xendit_account', xendit_account,
        'period_start', s.current_period_end,
        'ttl_seconds', least(greatest(pg_catalog.date_part('epoch', s.current_period_end - now), 3600),
                             31536000)::integer));
      -- A linked e-wallet is charged for it first, like a renewal: the reminder's pay-link mail waits for the
      -- outcome (a failure mails it, with the days left before the trial ends to pay).
      linked_charge := astapa.open_renewal_charge(project_id, checkout ->> 'checkout_id');
      subscription := astapa.subscription_json(s);
      perform astapa.emit_event(project_id, 'subscription.trial_will_end', pg_catalog.jsonb_build_object(
        'subscription', subscription, 'checkout_id', checkout ->> 'checkout_id', 'amount', checkout -> 'amount',
        'trial_ends_at', s.current_period_end, 'auto_charge', linked_charge is not null));
    else
      -- The next period's plan: a change scheduled for the period end (db/api/plan_changes.sql), else the same.
      checkout := api.create_checkout(project_id, pg_catalog.jsonb_build_object(
        'sub', s.user_id::text, 'plan', astapa.next_period_plan(s), 'xendit_account', xendit_account,
        'period_start', s.paid_through,
        'ttl_seconds', least(greatest(pg_catalog.date_part('epoch', s.paid_through + grace - now), 3600),
                             31536000)::integer));
      -- A linked e-wallet is charged first (db/api/renewal_charges.sql); the pay-link mail waits for its outcome.
      linked_charge := astapa.open_renewal_charge(project_id, checkout ->> 'checkout_id');
      subscription := astapa.subscription_json(s);
      perform astapa.emit_event(project_id, 'subscription.renewal_due', pg_catalog.jsonb_build_object(
        'subscription', subscription, 'checkout_id', checkout ->> 'checkout_id', 'amount', checkout -> 'amount',
        'period_start', s.paid_through, 'auto_charge', linked_charge is not null));
    end if;
    return pg_catalog.jsonb_build_object('action', action, 'sub', s.user_id::text, 'plan', s.plan_key,
      'subscription', subscription, 'checkout', checkout, 'linked_charge', linked_charge,
      'email', (select u.email from astapa.users as u where u.project_id = s.project_id and u.id = s.user_id));
  end
  $$;

comment on function api.renewal_step(text, timestamptz, text) is
  'One step of the renewal pass at `now` (after astapa.lock_renewal_payments, the person''s row and their '
  'subscription SKIP LOCKED: one held elsewhere waits for the next run; null when nothing is left): opens the next '
  'period''s checkout with xendit_account (null: payments not configured, no checkout) and, when the user has '
  'an active linked method, its charge (linked_charge: no pay-link mail then), or a trial''s first '
  'paid period (trial_reminder; charged to a linked method the same way), marks past_due, or ends/expires a subscription or trial back to the default '
  'plan. Settings billing_grace_days (3), billing_renewal_notice_days (7) and billing_trial_reminder_days (3). '
  'AS400 without now or with an unknown account; AS404 unknown project.';

grant execute on function api.renewal_step(text, timestamptz, text) to astapa_app;

create or replace function api.cancel_subscription(project_id text, user_id bigint) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    s astapa.subscriptions;
    held bigint[];
  begin
    -- Lock order (docs/database.md): the person's charged renewal checkouts, in id order, before their row, as a
    -- refund callback takes them: a success callback of one holds it and then waits for the payer's row. The
    -- expiry below voids those whose charges all ended (a new method would otherwise renew what was canceled).
    held := astapa.hold_charged_renewal_checkouts(project_id, user_id);
    -- For update, as a refund callback takes it: a renewal pay link being opened (its key share) is waited for
    -- and then expired below, and one opened after waits and reads the cancel (astapa.open_checkout refuses it).
    -- For no key update let one be opened meanwhile, unseen by the expiry: a pay link left for no period.
    perform from astapa.users as u
    where u.project_id = cancel_subscription.project_id and u.id = cancel_subscription.user_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    -- One charged since the set above was read is refused (40001, run again, to take it first); the open ones are
    -- held from now on.
    perform astapa.hold_checkouts_after_person(project_id, held,
      array(select c.id from astapa.unpaid_renewal_checkouts(project_id, user_id) as c));
    select * into s from astapa.subscriptions as s2
    where s2.project_id = cancel_subscription.project_id and s2.user_id = cancel_subscription.user_id
      and s2.ended_at is null
    for update;
    if s.id is null or s.paid_through is null or s.status not in ('active', 'past_due', 'canceled') then
      raise exception using errcode = 'AS409', message = 'There is no paid subscription to cancel.';
    end if;
    if s.status = 'canceled' then
      -- Again: a link whose charge was under way at the first cancel and has ended since is voided now.
      perform astapa.void_renewal_checkouts(project_id, user_id);
      return astapa.subscription_json(s);
    end if;
    update astapa.subscriptions as s2 set status = 'canceled',
      current_period_end = greatest(s2.paid_through, s2.current_period_start + interval '1 second')
    where s2.project_id = s.project_id and s2.id = s.id
    returning * into s;
    -- The next period's pay link is voided, open or with its charges ended. One with a charge under way is left
    -- to finish: the money may be moving, and paid, it renews the plan (the cancel undone); no new charge is
    -- taken on it (api.record_payment refuses one for a canceled subscription).
    perform astapa.void_renewal_checkouts(project_id, user_id);
    perform astapa.audit(project_id, 'subscription.cancel', 'user:' || user_id,
      pg_catalog.jsonb_build_object('plan', s.plan_key, 'ends_at', s.current_period_end));
    perform astapa.emit_event(project_id, 'subscription.updated', pg_catalog.jsonb_build_object(
      'subscription', astapa.subscription_json(s), 'previous_plan', s.plan_key));
    return astapa.subscription_json(s);
  end
  $$;

comment on function api.cancel_subscription(text, bigint) is
  'Cancels a paid subscription at the end of what is paid (status canceled, current_period_end = paid_through): '
  'the plan stays until then, no renewal is opened, then the renewal pass ends it. The renewal pay links without '
  'a charge under way expire (astapa.void_renewal_checkouts: open, or every charge ended); one with a charge in '
  'flight is left, and paid, renews the plan. Takes the person''s charged renewal checkouts, then their row for '
  'update (no pay link is opened meanwhile; one charged in between: 40001, astapa.hold_checkouts_after_person). '
  'Again: no-op. AS404 unknown user; AS409 nothing paid to cancel.';

grant execute on function api.cancel_subscription(text, bigint) to astapa_app;

create or replace function api.resume_subscription(project_id text, user_id bigint, now timestamptz default pg_catalog.now())
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

drop policy if exists "definer functions see which projects have paid subscriptions" on astapa.subscriptions;
create policy "definer functions see which projects have paid subscriptions" on astapa.subscriptions
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.list_billing_projects', true) = 'on' and ended_at is null
         and (paid_through is not null or status = 'trialing'));

drop policy if exists "definer functions see which projects have unpaid checkouts" on astapa.checkouts;
create policy "definer functions see which projects have unpaid checkouts" on astapa.checkouts
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.list_billing_projects', true) = 'on' and status in ('open', 'pending'));

drop policy if exists "definer functions see which projects have pending charges" on astapa.payments;
create policy "definer functions see which projects have pending charges" on astapa.payments
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.list_billing_projects', true) = 'on'
         and status = 'pending' and reconcile_stopped_at is null);

drop policy if exists "definer functions see which projects have unlinks under way" on astapa.linked_methods;
create policy "definer functions see which projects have unlinks under way" on astapa.linked_methods
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.list_billing_projects', true) = 'on'
         and unlink_requested_at is not null and status in ('requires_action', 'active'));

create or replace function api.projects_with_billing_work() returns text[]
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
      select s.project_id from astapa.subscriptions as s
      where s.ended_at is null and (s.paid_through is not null or s.status = 'trialing')
      union
      select c.project_id from astapa.checkouts as c where c.status in ('open', 'pending')
      union
      -- A charge reconciliation still asks about, whatever its checkout's status: a paid checkout's other charge
      -- may be paid too (its callback lost), after the plan it bought ended (payments_pending_idx).
      select y.project_id from astapa.payments as y
      where y.status = 'pending' and y.reconcile_stopped_at is null
      union
      -- A refund Xendit has not settled is re-polled by the same pass, even when nothing else is left to do.
      select r.project_id from astapa.refunds as r
      where r.status in ('requested', 'pending') and r.reconcile_stopped_at is null
      union
      -- An unlink under way may stall (no answer from Xendit, a dead instance): the pass finishes it.
      select m.project_id from astapa.linked_methods as m
      where m.unlink_requested_at is not null and m.status in ('requires_action', 'active')) as w;
    perform pg_catalog.set_config('astapa.list_billing_projects', '', true);
    return coalesce(projects, '{}');
  end
  $$;

comment on function api.projects_with_billing_work() is
  'Definer: the renewal scheduler serves every project, so it must learn which have paid subscriptions, '
  'unpaid checkouts, charges still reconciled, unsettled refunds still reconciled or unlinks under way. Returns project ids only; the work then runs as each project (RLS). Runs only without a '
  'project set.';

revoke execute on function api.projects_with_billing_work() from public;

grant execute on function api.projects_with_billing_work() to astapa_app;

create or replace function astapa.reconcile_wait(older_than_seconds integer, errors integer) returns interval
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select pg_catalog.make_interval(secs => older_than_seconds::double precision * pg_catalog.power(2, errors))
  $$;

comment on function astapa.reconcile_wait(integer, integer) is
  'How long the billing pass waits before asking Xendit again about a charge or refund whose reconciliation '
  'failed `errors` times on our side: older_than_seconds, doubled for each error (15, 30, then 60 minutes).';

grant execute on function astapa.reconcile_wait(integer, integer) to astapa_app;

create or replace function astapa.reconcile_stops(errors integer) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select errors >= 3
  $$;

comment on function astapa.reconcile_stops(integer) is
  'Whether this many errors of ours while reconciling a charge or refund stop the billing pass asking Xendit '
  'about it (the third does): the record_*_reconcile_error functions then set its reconcile_stopped_at.';

grant execute on function astapa.reconcile_stops(integer) to astapa_app;

create or replace function astapa.reconcile_error_counts(code text) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select code in ('provider_refused', 'unexpected_answer', 'internal_error')
  $$;

comment on function astapa.reconcile_error_counts(text) is
  'Whether a reconcile error of this code counts towards reconcile_errors (back-off, and the third stops): an '
  'error of ours (internal_error, unexpected_answer) or Xendit refusing the question (provider_refused). '
  'Xendit''s silence, its server errors, 429 and a refused API key are recorded as the last error but not '
  'counted: asked again next pass, they say nothing about the charge or refund (a dead key must not stop every '
  'one of them).';

grant execute on function astapa.reconcile_error_counts(text) to astapa_app;

create or replace function astapa.next_reconcile_error(errors integer, code text, message text, now timestamptz,
                                                        out reconcile_errors integer,
                                                        out reconcile_stopped_at timestamptz,
                                                        out reconcile_error_code text,
                                                        out reconcile_error_message text,
                                                        out reconcile_error_at timestamptz)
  language plpgsql
  immutable
  set search_path = ''
  as $$
  declare
    counts boolean := astapa.reconcile_error_counts(code);
  begin
    if now is null or code is null or pg_catalog.btrim(coalesce(message, '')) = '' then
      raise exception using errcode = 'AS400', message = 'A reconciliation error needs now, a code and a message.';
    end if;
    reconcile_errors := errors + case when counts then 1 else 0 end;
    reconcile_stopped_at := case when counts and astapa.reconcile_stops(errors + 1) then now end;
    -- An unknown code is refused by the tables' reconcile_error_code_check.
    reconcile_error_code := code;
    reconcile_error_message := pg_catalog.left(pg_catalog.btrim(message), 300);
    reconcile_error_at := now;
  end
  $$;

comment on function astapa.next_reconcile_error(integer, text, text, timestamptz) is
  'The one rule for a charge''s or refund''s reconcile columns after an error (both record_*_reconcile_error '
  'functions set them from it): the count + 1 when the code counts (astapa.reconcile_error_counts), the stop '
  'when that count stops (astapa.reconcile_stops), and the error as its last: code, message (trimmed, cut to '
  '300 characters) and when. AS400 without now, code or message.';

grant execute on function astapa.next_reconcile_error(integer, text, text, timestamptz) to astapa_app;

create or replace function astapa.reconcile_error_json(code text, message text, at timestamptz) returns jsonb
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select case when code is not null then
      pg_catalog.jsonb_build_object('code', code, 'message', message, 'at', at) end
  $$;

comment on function astapa.reconcile_error_json(text, text, timestamptz) is
  'A charge''s or refund''s last reconcile error as the API shows it: {code, message, at}, or null when none.';

grant execute on function astapa.reconcile_error_json(text, text, timestamptz) to astapa_app;

create or replace function astapa.charge_horizon(method text, expires_at timestamptz, created_at timestamptz,
                                                 resumed_at timestamptz, checkout_expires_at timestamptz)
  returns timestamptz
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    -- The last moment Xendit takes money for it: its own expiry (QR codes, virtual accounts and GoPay invoices
    -- expire when Astapa asked, the checkout's expires_at); an e-wallet push or redirect, a direct debit or a card
    -- charge has none from Xendit and ends within minutes (OVO 55 seconds, DANA and ShopeePay links 30 minutes):
    -- an hour covers them. A day more of questions, and a resume gives a day from then.
    select greatest(
      coalesce(expires_at,
               case when method in ('qris', 'bank_transfer', 'gopay') then checkout_expires_at end,
               created_at + interval '1 hour'),
      resumed_at) + interval '1 day'
  $$;

comment on function astapa.charge_horizon(text, timestamptz, timestamptz, timestamptz, timestamptz) is
  'When the billing pass may stop asking Xendit about a pending charge (its method, expires_at, created_at and '
  'reconcile_resumed_at, and its checkout''s expires_at): a day after the last moment it could be '
  'paid — its expiry at Xendit (expires_at, else its checkout''s for a QR code, virtual account or GoPay invoice, '
  'else an hour after it was made: e-wallets, direct debit and cards end within minutes) — or after its '
  'reconciliation was resumed, whichever is later. A pending answer after it ends the charge here '
  '(api.abandon_charge). docs/payments.md "A local end for every charge".';

grant execute on function astapa.charge_horizon(text, timestamptz, timestamptz, timestamptz, timestamptz) to astapa_app;

create or replace function api.claim_stale_payments(project_id text, now timestamptz, older_than_seconds integer,
                                         max_rows integer default 50)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    claimed jsonb;
  begin
    if now is null or older_than_seconds is null or older_than_seconds < 0 then
      raise exception using errcode = 'AS400', message = 'Reconciliation needs now and a non-negative age in seconds.';
    end if;
    -- Claiming stamps checked_at, so each stale charge is asked about once per period by one instance; each
    -- error of ours while reconciling it doubles the period (back-off), and the third stopped it for good.
    -- Whatever its checkout's status: an open or pending checkout's charge; an expired one's (a checkout ended
    -- early — a renewal link when its subscription ended, an organization's checkouts when its plan ended — or at
    -- its expires_at leaves its charge pending: paid in its last minutes, it is money taken, and paid wins); and a
    -- paid one's other charges (a QRIS code shown, then a virtual account paid): one paid too whose callback was
    -- lost is money taken that only this question finds (applied as paid_again, for a refund), and one Xendit
    -- expired is settled as such. Xendit expires QR codes and virtual accounts at the checkout's expires_at.
    -- Each says whether it is past its horizon (astapa.charge_horizon): Xendit still calling it pending then
    -- ends it here (api.abandon_charge), so none is asked about for ever.
    with stale as (
      select y.id from astapa.payments as y
      where y.project_id = claim_stale_payments.project_id and y.status = 'pending'
        and y.reconcile_stopped_at is null
        and y.created_at <= now - pg_catalog.make_interval(secs => older_than_seconds)
        and (y.checked_at is null
             or y.checked_at <= now - astapa.reconcile_wait(older_than_seconds, y.reconcile_errors))
      order by y.id
      for update of y skip locked
      limit least(greatest(max_rows, 1), 500)),
    stamped as (
      update astapa.payments as y set checked_at = now
      from stale where y.project_id = claim_stale_payments.project_id and y.id = stale.id
      returning y.*)
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'checkout_id', c.public_id, 'kind', st.kind, 'provider_id', st.provider_id, 'method', st.method,
        'amount', st.amount, 'xendit_account', c.xendit_account, 'environment', c.environment,
        'reconcile_errors', st.reconcile_errors,
        'past_horizon', now >= astapa.charge_horizon(st.method, st.expires_at, st.created_at,
          st.reconcile_resumed_at, c.expires_at)) order by st.id), '[]')
      into claimed
    from stamped as st
    join astapa.checkouts as c on c.project_id = st.project_id and c.id = st.checkout_id;
    return claimed;
  end
  $$;

comment on function api.claim_stale_payments(text, timestamptz, integer, integer) is
  'Pending charges older than older_than_seconds and not checked within that time — doubled for each of their '
  'reconcile_errors (astapa.reconcile_wait); never one whose reconciliation stopped — whatever their checkout''s '
  'status: unpaid (open, pending, or expired — early or at its expires_at — with the charge still pending) or paid '
  '(the other charges of a checkout another charge paid: a second payment is applied as paid_again). FOR UPDATE '
  'SKIP LOCKED, at most max_rows: stamps checked_at = now and returns what is needed to ask Xendit, and '
  'past_horizon: whether now is past the charge''s astapa.charge_horizon (a pending answer then ends it: '
  'api.abandon_charge). AS400 without now or with a negative age.';

grant execute on function api.claim_stale_payments(text, timestamptz, integer, integer) to astapa_app;

create or replace function api.record_payment_reconcile_error(project_id text, provider_id text, now timestamptz,
                                                              code text, message text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target astapa.payments;
    next record;
  begin
    select * into target from astapa.payments as y
    where y.project_id = record_payment_reconcile_error.project_id
      and y.provider = 'xendit' and y.provider_id = record_payment_reconcile_error.provider_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = 'This charge was not found.';
    end if;
    -- Worked out (and checked) first, so a bad call is refused even when there is nothing left to record.
    select * into next from astapa.next_reconcile_error(target.reconcile_errors, code, message, now);
    -- Settled meanwhile (its callback came, or its project was deleted), or stopped already: nothing to record.
    if target.status <> 'pending' or target.reconcile_stopped_at is not null then
      return null;
    end if;
    update astapa.payments as y set reconcile_errors = next.reconcile_errors,
      reconcile_stopped_at = next.reconcile_stopped_at, reconcile_error_code = next.reconcile_error_code,
      reconcile_error_message = next.reconcile_error_message, reconcile_error_at = next.reconcile_error_at,
      updated_at = pg_catalog.now()
    where y.project_id = target.project_id and y.id = target.id
    returning * into target;
    return pg_catalog.jsonb_build_object(
      'checkout_id', (select c.public_id from astapa.checkouts as c
                      where c.project_id = target.project_id and c.id = target.checkout_id),
      'provider_id', target.provider_id, 'reconcile_errors', target.reconcile_errors,
      'reconcile_stopped_at', target.reconcile_stopped_at,
      'reconcile_last_error', astapa.reconcile_error_json(target.reconcile_error_code,
        target.reconcile_error_message, target.reconcile_error_at));
  end
  $$;

comment on function api.record_payment_reconcile_error(text, text, timestamptz, text, text) is
  'Records a failed question about a pending charge (its Xendit id) while the billing pass reconciled it, as its '
  'last error (code, message, now: astapa.next_reconcile_error). An error of ours or Xendit''s refusal of the '
  'question (astapa.reconcile_error_counts) also counts: reconcile_errors + 1, which doubles the wait before '
  'its next claim (api.claim_stale_payments); the third sets reconcile_stopped_at = now and the charge is no '
  'longer claimed. Answers {checkout_id, provider_id, reconcile_errors, reconcile_stopped_at, '
  'reconcile_last_error}, or null when it was settled meanwhile or had stopped already (so the stop is reported '
  'once). AS400 without now, code or message; AS404 unknown charge; 23514 an unknown code.';

grant execute on function api.record_payment_reconcile_error(text, text, timestamptz, text, text) to astapa_app;

create or replace function api.abandon_charge(project_id text, provider_id text, now timestamptz) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    charge_with_checkout record;
    target astapa.payments;
    checkout astapa.checkouts;
    horizon timestamptz;
    reason text;
    recorded jsonb;
  begin
    if now is null then
      raise exception using errcode = 'AS400', message = 'Abandoning a charge needs now.';
    end if;
    -- The charge with its checkout, in one read (a charge's checkout never changes). PL/pgSQL takes one record
    -- variable per INTO, so the pair comes as one record.
    select y as charge, c as checkout into charge_with_checkout from astapa.payments as y
    join astapa.checkouts as c on c.project_id = y.project_id and c.id = y.checkout_id
    where y.project_id = abandon_charge.project_id and y.provider = 'xendit'
      and y.provider_id = abandon_charge.provider_id;
    if not found then
      raise exception using errcode = 'AS404', message = 'This charge was not found.';
    end if;
    target := charge_with_checkout.charge;
    checkout := charge_with_checkout.checkout;
    -- Settled meanwhile (its callback came, or its project was deleted): nothing to end.
    if target.status <> 'pending' then
      return null;
    end if;
    horizon := astapa.charge_horizon(target.method, target.expires_at, target.created_at,
                                     target.reconcile_resumed_at, checkout.expires_at);
    if now < horizon then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        'This charge may still be paid: it is asked about until %s.', horizon);
    end if;
    reason := pg_catalog.format('Xendit still called it pending at %s, past its horizon (%s): ended here as '
      'expired. A payment Xendit reports later is still applied.', now, horizon);
    -- Through the ledger, like a callback: the worker applies it in order with any other event of this charge
    -- (paid wins over it), and the feed and audit log show it.
    recorded := api.record_payment_event(target.project_id, target.provider_id, 'EXPIRED', checkout.public_id,
      pg_catalog.jsonb_build_object('abandoned', true, 'id', target.provider_id, 'status', 'EXPIRED',
        'amount', target.amount, 'reference_id', checkout.public_id, 'at', now, 'horizon', horizon,
        'reason', reason));
    if not (recorded ->> 'duplicate')::boolean then
      perform astapa.audit(target.project_id, 'payment.charge_abandoned', 'checkout:' || checkout.public_id,
        pg_catalog.jsonb_build_object('provider_id', target.provider_id, 'method', target.method,
          'horizon', horizon, 'reason', reason));
    end if;
    return recorded || pg_catalog.jsonb_build_object('checkout_id', checkout.public_id,
      'provider_id', target.provider_id, 'horizon', horizon, 'reason', reason);
  end
  $$;

comment on function api.abandon_charge(text, text, timestamptz) is
  'Ends a pending charge Xendit still calls pending past its horizon (astapa.charge_horizon), so the billing '
  'pass stops asking about it: records an EXPIRED payment event marked abandoned, with when (at), the horizon '
  'and the reason, for the worker to apply like a callback (a later payment of it is still applied: paid, or paid_again '
  'for a paid checkout), and audits payment.charge_abandoned once. Answers {event_id, duplicate, checkout_id, '
  'provider_id, horizon, reason}, or null when it was settled meanwhile. AS400 without now; AS404 unknown '
  'charge; AS409 before its horizon.';

grant execute on function api.abandon_charge(text, text, timestamptz) to astapa_app;

create or replace function astapa.abandoned_charge_json(c astapa.checkouts) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    -- A charge ended here (api.abandon_charge) looks like one Xendit expired: say so, and why. Only while the
    -- end stands: its event applied as the expiry (not no_change after Xendit's own), its charge not paid since.
    select pg_catalog.jsonb_build_object('provider_id', y.provider_id, 'method', y.method,
             'at', coalesce(e.body -> 'at', pg_catalog.to_jsonb(e.received_at)),
             'horizon', e.body -> 'horizon', 'reason', e.body ->> 'reason')
    from astapa.payments as y
    join astapa.payment_events as e
      on e.project_id = y.project_id and e.provider = y.provider and e.provider_id = y.provider_id
         and e.provider_status = 'EXPIRED'
    where y.project_id = c.project_id and y.checkout_id = c.id and y.status = 'expired'
      and e.body -> 'abandoned' = 'true'::jsonb and e.outcome = 'expired'
    order by e.id desc limit 1
  $$;

comment on function astapa.abandoned_charge_json(astapa.checkouts) is
  'The latest of the checkout''s charges ended here (api.abandon_charge: Xendit still called it pending past its '
  'horizon) and still expired, as {provider_id, method, at, horizon, reason}, or null: the abandoned field of '
  'both astapa.dashboard_payment_json and astapa.checkout_json.';

grant execute on function astapa.abandoned_charge_json(astapa.checkouts) to astapa_app;

create or replace function astapa.notify_reconciliation_resumed() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- Delivered at commit, like the payment worker's wake-up: the billing pass's listener
    -- (lib/payments/reconcile_wakeups.ts) reconciles the project now instead of at its next pass.
    perform pg_catalog.pg_notify('astapa_reconcile', pg_catalog.jsonb_build_object(
      'project_id', new.project_id, 'table', tg_table_name, 'id', new.id)::text);
    return null;
  end
  $$;

comment on function astapa.notify_reconciliation_resumed() is
  'Trigger: NOTIFY astapa_reconcile with {project_id, table, id} of a charge or refund whose stopped '
  'reconciliation was resumed (reconcile_stopped_at back to null), whoever resumed it — api.resume_*_reconciliation '
  'or an operator''s UPDATE. The row is the truth: the billing pass claims it on its next pass anyway.';

grant execute on function astapa.notify_reconciliation_resumed() to astapa_app;

create or replace trigger payments_notify_reconciliation_resumed after update of reconcile_stopped_at
  on astapa.payments
  for each row when (old.reconcile_stopped_at is not null and new.reconcile_stopped_at is null)
  execute function astapa.notify_reconciliation_resumed();

create or replace function api.resume_payment_reconciliation(project_id text, checkout_id text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target astapa.checkouts;
    stopped jsonb;
  begin
    select * into target from astapa.checkouts as c
    where c.project_id = resume_payment_reconciliation.project_id and c.public_id = checkout_id;
    if not found then
      raise exception using errcode = 'AS404', message = 'This payment was not found.';
    end if;
    -- A paid (or early expired) checkout's charge still pending is reconciled too (api.claim_stale_payments), so
    -- it can be resumed; only a payment with no charge left pending is final.
    if target.status not in ('open', 'pending') and not exists (
      select from astapa.payments as y
      where y.project_id = target.project_id and y.checkout_id = target.id and y.status = 'pending') then
      raise exception using errcode = 'AS4R1', message = pg_catalog.format(
        'This payment is already %s: there is nothing left to reconcile.', target.status);
    end if;
    select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('provider_id', s.provider_id,
             'reconcile_errors', s.reconcile_errors, 'reconcile_stopped_at', s.reconcile_stopped_at,
             'reconcile_error_code', s.reconcile_error_code) order by s.id)
      into stopped
    from (select y.id, y.provider_id, y.reconcile_errors, y.reconcile_stopped_at, y.reconcile_error_code
          from astapa.payments as y
          where y.project_id = target.project_id and y.checkout_id = target.id and y.status = 'pending'
            and y.reconcile_stopped_at is not null
          -- Only the charges are locked, in the order a callback's apply takes them: one it settles meanwhile
          -- is no longer pending here.
          for update) as s;
    if stopped is null then
      raise exception using errcode = 'AS4R0', message =
        'Reconciliation of this payment has not stopped: the billing pass still asks Xendit about it.';
    end if;
    -- checked_at too: the next pass (woken now by the trigger) claims the charge at once, with the first wait.
    -- The last error stays, for the record; reconcile_resumed_at says it came before the resume.
    update astapa.payments as y set reconcile_errors = 0, reconcile_stopped_at = null, checked_at = null,
      reconcile_resumed_at = pg_catalog.now(), updated_at = pg_catalog.now()
    where y.project_id = target.project_id and y.checkout_id = target.id and y.status = 'pending'
      and y.reconcile_stopped_at is not null;
    perform astapa.audit(target.project_id, 'payment.reconcile_resumed', 'checkout:' || target.public_id,
      pg_catalog.jsonb_build_object('charges', stopped));
    return astapa.dashboard_payment_json(target);
  end
  $$;

comment on function api.resume_payment_reconciliation(text, text) is
  'Resumes the stopped reconciliation of a payment (a checkout by its public id): its pending charges whose '
  'reconciliation stopped (api.record_payment_reconcile_error) get reconcile_errors = 0, reconcile_stopped_at '
  'and checked_at null and reconcile_resumed_at = now (their last error stays, for the record), so the billing '
  'pass asks Xendit about them again — now, woken by NOTIFY astapa_reconcile (trigger '
  'payments_notify_reconciliation_resumed). Audited (payment.reconcile_resumed, with what each charge had, its '
  'last error''s code too). Answers the payment as the payments list shows it. AS404 unknown (or another '
  'project''s) payment; AS4R1 paid or expired already with no charge left pending; AS4R0 no charge of it has '
  'stopped.';

grant execute on function api.resume_payment_reconciliation(text, text) to astapa_app;

create or replace function api.expire_checkouts(project_id text, now timestamptz) returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    expired integer;
  begin
    if now is null then
      raise exception using errcode = 'AS400', message = 'Expiring checkouts needs now.';
    end if;
    update astapa.checkouts as c set status = 'expired', updated_at = pg_catalog.now()
    where c.project_id = expire_checkouts.project_id and c.status in ('open', 'pending') and c.expires_at <= now;
    get diagnostics expired = row_count;
    -- Their pending charges stay pending: paid in the checkout's last minutes with the callback lost, one was
    -- found by nothing once marked expired here. The billing pass asks Xendit about them as about an early-expired
    -- checkout's (api.claim_stale_payments) and applies the answer like a callback: paid is paid late (the plan,
    -- the receipt, payment.succeeded), expired or failed is so (with payment.failed, as Xendit's own expiry
    -- callback always had), and one Xendit still calls pending past its horizon ends here (api.abandon_charge).
    -- Nothing else needed them expired now: a new checkout, a coupon's slot and the checkout page read the
    -- checkout's status, refunds take only paid charges, and a project's deletion expires its pending charges.
    return expired;
  end
  $$;

comment on function api.expire_checkouts(text, timestamptz) is
  'Marks the project''s open or pending checkouts whose expires_at has passed at `now` expired (each page is told '
  'by trigger checkouts_notify_change); returns how many. Their pending charges are left pending: the billing '
  'pass asks Xendit about them until it settles them or their horizon passes (api.claim_stale_payments, '
  'api.abandon_charge), so a payment whose callback was lost is still applied. AS400 without now.';

grant execute on function api.expire_checkouts(text, timestamptz) to astapa_app;
