-- The customer billing portal (/billing/account, issue 23 item 7): everything one signed-in user sees of their
-- own billing, in one read. The portal's actions reuse the functions of their areas (api.change_plan,
-- api.cancel_plan_change, api.cancel_subscription, api.resume_subscription).
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

create or replace function api.billing_account(project_id text, user_id bigint,
                                               now timestamptz default pg_catalog.now())
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    who_email text;
    current astapa.subscriptions;
    next_plan astapa.plans;
  begin
    select u.email into who_email from astapa.users as u
    where u.project_id = billing_account.project_id and u.id = billing_account.user_id and not u.disabled;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    select * into current from astapa.subscriptions as s
    where s.project_id = billing_account.project_id and s.user_id = billing_account.user_id and s.ended_at is null;
    -- What the next renewal charges: the plan the period renews into (a scheduled change's), at its price today.
    if current.id is not null and current.status = 'active' and current.paid_through is not null then
      select * into next_plan from astapa.plans as p
      where p.project_id = current.project_id and p.key = astapa.next_period_plan(current)
        and p.archived_at is null and p.price_idr > 0 and p.interval in ('month', 'year');
    end if;
    return pg_catalog.jsonb_build_object(
      'sub', user_id::text,
      'email', who_email,
      'plan', astapa.plan_json(project_id, astapa.user_plan(project_id, user_id)),
      'subscription', case when current.id is not null then astapa.subscription_json(current) end,
      'next_renewal', case when next_plan.key is not null then pg_catalog.jsonb_build_object(
        'at', current.paid_through, 'plan', next_plan.key, 'plan_name', next_plan.name,
        'amount', next_plan.price_idr, 'interval', next_plan.interval) end,
      'open_change', (select astapa.plan_change_json(c) from astapa.plan_changes as c
                      where c.project_id = billing_account.project_id and c.user_id = billing_account.user_id
                        and c.status in ('awaiting_payment', 'scheduled')
                      order by c.id desc limit 1),
      -- Pay links still usable: a renewal, a trial's first period or an upgrade waiting for its payment.
      'open_checkouts', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                 'checkout_id', k.public_id, 'plan', k.plan_key, 'amount', k.amount, 'status', k.status,
                 'period_start', k.period_start, 'expires_at', k.expires_at) order by k.id desc)
        from astapa.checkouts as k
        where k.project_id = billing_account.project_id and k.user_id = billing_account.user_id
          and k.status in ('open', 'pending') and k.expires_at > billing_account.now), '[]'),
      -- Linked methods (automatic renewal) and the channels this project lets a customer link.
      'linked_methods', api.list_linked_methods(billing_account.project_id, billing_account.user_id),
      'linkable_channels', (
        select case when coalesce((p.settings #>> '{linked_methods,enabled}')::boolean, false) is not true
                    then '[]'::jsonb else pg_catalog.to_jsonb(array['OVO', 'DANA']
          || case when coalesce((p.settings #>> '{linked_methods,shopeepay}')::boolean, false)
                  then array['SHOPEEPAY'] else array[]::text[] end
          || case when coalesce((p.settings #>> '{linked_methods,gopay_recurring}')::boolean, false)
                  then array['GOPAY'] else array[]::text[] end
          || case when coalesce((p.settings #>> '{linked_methods,direct_debit}')::boolean, false)
                  then array['BRI', 'MANDIRI'] else array[]::text[] end
          || case when coalesce((p.settings #>> '{linked_methods,cards}')::boolean, false)
                  then array['CARD'] else array[]::text[] end) end
        from astapa.projects as p where p.id = billing_account.project_id),
      'payments', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                 'receipt_id', r.public_id, 'number', r.number, 'issued_at', r.issued_at,
                 'plan', r.plan_key, 'plan_name', r.plan_name, 'period_start', r.period_start,
                 'period_end', r.period_end, 'method', r.method, 'bank', r.bank, 'amount', r.amount,
                 'coupon_code', r.coupon_code, 'discount_idr', r.discount_idr,
                 'refunded_idr', astapa.refunded_amount(r.project_id, r.payment_id),
                 'refunds', coalesce((
                   select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                            'refund_id', f.public_id, 'amount', f.amount, 'status', f.status,
                            'created_at', f.created_at, 'succeeded_at', f.succeeded_at) order by f.id)
                   from astapa.refunds as f
                   where f.project_id = r.project_id and f.payment_id = r.payment_id), '[]'))
               order by r.id desc)
        from (select * from astapa.receipts as x
              where x.project_id = billing_account.project_id and x.user_id = billing_account.user_id
              order by x.id desc limit 100) as r), '[]'),
      -- What automatic renewal did: each charge to a linked method (a team plan's too, when they chose their
      -- method for it), its outcome and the method's masked label.
      'renewal_charges', astapa.renewal_charge_list(billing_account.project_id, billing_account.user_id, null, 50),
      -- The plans they may not trial: their own trials and their address's (api.user_trials).
      'trials', (select coalesce(pg_catalog.jsonb_agg(t.trial -> 'plan' order by t.position), '[]')
                 from pg_catalog.jsonb_array_elements(api.user_trials(billing_account.project_id,
                                                                      billing_account.user_id))
                      with ordinality as t(trial, position)),
      'plans', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                 'key', p.key, 'name', p.name, 'description', p.description, 'price_idr', p.price_idr,
                 'interval', p.interval, 'trial_days', p.trial_days) order by p.sort_order, p.price_idr, p.key)
        from astapa.plans as p
        -- Team plans are an organization's (its own portal): never offered to a person here.
        where p.project_id = billing_account.project_id and p.archived_at is null and p.price_idr > 0
          and p.seat_pricing is null), '[]'));
  end
  $$;

comment on function api.billing_account(text, bigint, timestamptz) is
  'One user''s billing as the customer portal shows it: their plan, current subscription, next renewal (date, '
  'plan and list price), open plan change, unpaid checkouts still open at now, their receipts (newest 100) with '
  'what was refunded and each refund''s status, their renewal charges to a linked method (newest 50: outcome, '
  'masked method label, amount, when), their linked e-wallets (active or waiting) and the channels the '
  'project lets them link, the plans they had a trial of, and the paid personal plans on offer (no team plans). '
  'Only this user''s rows: the caller names the user from a session. AS404 unknown or disabled user.';

grant execute on function api.billing_account(text, bigint, timestamptz) to astapa_app;

create or replace function api.user_billing(project_id text, user_id bigint, now timestamptz default pg_catalog.now())
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    perform astapa.require_project(project_id);
    -- Disabled users too: the project still owes them their receipts and refunds.
    perform from astapa.users as u where u.project_id = user_billing.project_id and u.id = user_billing.user_id;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    return pg_catalog.jsonb_build_object(
      'trials', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                 'plan', t.plan_key, 'started_at', t.started_at, 'ends_at', t.ends_at,
                 -- trialing now; paid (a paid period of the plan began after the trial started); else ended.
                 'state', case
                   when exists (select from astapa.subscriptions as s
                                where s.project_id = t.project_id and s.user_id = t.user_id and s.ended_at is null
                                  and s.status = 'trialing' and s.plan_key = t.plan_key
                                  and s.current_period_end > user_billing.now) then 'trialing'
                   when exists (select from astapa.subscriptions as s
                                where s.project_id = t.project_id and s.user_id = t.user_id
                                  and s.plan_key = t.plan_key and s.source = 'payment'
                                  and s.current_period_start >= t.started_at) then 'paid'
                   else 'ended' end) order by t.started_at desc)
        from astapa.trials as t
        where t.project_id = user_billing.project_id and t.user_id = user_billing.user_id), '[]')
        -- And the plans another account of their address or number had a trial of (api.user_trials).
        || coalesce((
          select pg_catalog.jsonb_agg((t.trial - 'other_account')
                                      || pg_catalog.jsonb_build_object('state', 'other_account')
                                      order by t.trial ->> 'started_at' desc)
          from pg_catalog.jsonb_array_elements(api.user_trials(user_billing.project_id, user_billing.user_id))
            as t(trial)
          where (t.trial ->> 'other_account')::boolean), '[]'),
      'plan_changes', coalesce((
        select pg_catalog.jsonb_agg(astapa.plan_change_json(c) order by c.id desc)
        from (select * from astapa.plan_changes as x
              where x.project_id = user_billing.project_id and x.user_id = user_billing.user_id
              order by x.id desc limit 50) as c), '[]'),
      -- Every link, ended ones too (the label is masked: never a full number).
      'linked_methods', coalesce((
        select pg_catalog.jsonb_agg(astapa.linked_method_json(m) order by m.id desc)
        from (select * from astapa.linked_methods as x
              where x.project_id = user_billing.project_id and x.user_id = user_billing.user_id
              order by x.id desc limit 50) as m), '[]'),
      'renewal_charges', astapa.renewal_charge_list(user_billing.project_id, user_billing.user_id, null, 50),
      -- Every charge made for a checkout this user pays, whatever became of it (pending, paid, failed, expired),
      -- with its receipt and refunds once paid.
      'payments', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                 'provider_id', y.provider_id, 'checkout_id', k.public_id, 'status', y.status,
                 'created_at', y.created_at, 'paid_at', y.paid_at,
                 'receipt_id', r.public_id, 'number', r.number, 'issued_at', r.issued_at,
                 'plan', k.plan_key, 'method', y.method, 'bank', y.bank, 'amount', y.amount,
                 'coupon_code', coalesce(r.coupon_code, k.coupon_code),
                 'discount_idr', case when r.id is not null then r.discount_idr
                                      else nullif(k.discount_idr, 0) end,
                 'refunded_idr', astapa.refunded_amount(y.project_id, y.id),
                 'refunds', coalesce((
                   select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                            'refund_id', f.public_id, 'amount', f.amount, 'status', f.status, 'reason', f.reason,
                            'plan_effect', f.plan_effect, 'failure_code', f.failure_code,
                            'created_at', f.created_at, 'succeeded_at', f.succeeded_at) order by f.id)
                   from astapa.refunds as f
                   where f.project_id = y.project_id and f.payment_id = y.id), '[]'))
               order by y.id desc)
        from (select x.* from astapa.payments as x
              join astapa.checkouts as c on c.project_id = x.project_id and c.id = x.checkout_id
              where x.project_id = user_billing.project_id and c.user_id = user_billing.user_id
              order by x.id desc limit 50) as y
        join astapa.checkouts as k on k.project_id = y.project_id and k.id = y.checkout_id
        left join astapa.receipts as r on r.project_id = y.project_id and r.payment_id = y.id), '[]'));
  end
  $$;

comment on function api.user_billing(text, bigint, timestamptz) is
  'One user''s billing as the dashboard''s user page shows it: their trials (plan, end, state at now: trialing, '
  'paid or ended; other_account for a plan another account of their address or number had), plan changes, '
  'linked methods (every status, masked), renewal charges to a linked method with their outcome, and payments '
  'of every status (pending, paid, failed, expired) with the receipt and refunds of a paid one (newest 50 of '
  'each). Disabled users too. '
  'AS404 unknown project or user (RLS: only the project in context).';

grant execute on function api.user_billing(text, bigint, timestamptz) to astapa_app;
