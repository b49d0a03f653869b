-- Xendit callbacks, tried as an attacker would (issue 17 #12):
-- - a callback in another currency was applied as paid when its number matched: the currency it names must now
--   be the checkout's (outcome currency_mismatch otherwise);
-- - events were deduplicated on (payment id, status) only, so a SUCCEEDED event with a bad amount made the
--   correct SUCCEEDED event that followed a "duplicate", and the payment stayed unpaid. Deduplication now keys on
--   the payment and its content (status, amount, currency): Xendit's identical redeliveries still collapse, a
--   corrected event is stored and applied.
-- And a checkout can no longer be opened for a user outside the project's current environment (a sandbox user
-- once the project is live), as that user can no longer sign in either.

alter table astapa.payment_events add column paid_content text not null
  generated always as (
    coalesce(body #>> '{data,amount}', body ->> 'paid_amount', body ->> 'amount', '') || ' '
    || coalesce(body #>> '{data,currency}', body ->> 'currency', '')) stored;

comment on column astapa.payment_events.paid_content is
  'The amount and currency the callback reports ("100000 IDR"), part of the deduplication key.';

alter table astapa.payment_events drop constraint payment_events_dedupe_key;
alter table astapa.payment_events add constraint payment_events_dedupe_key
  unique (project_id, provider, provider_id, provider_status, paid_content);

comment on table astapa.payment_events is
  'Raw Xendit callbacks (deduplicated on provider id + status + amount and currency). processed_at/outcome are '
  'set by api.apply_payment_event: applied, paid, failed, expired, no_change, unknown_payment, amount_mismatch, '
  'currency_mismatch, paid_again, or error (with the message in error; requeue with api.requeue_payment_event).';

comment on function api.record_payment_event(text, text, text, text, jsonb) is
  'Stores a verified callback; the same payment id, status, amount and currency again is a duplicate and stores '
  'nothing (a corrected amount is a new event). The insert NOTIFYs astapa_payment_events. AS400 without an id '
  'or a status.';

create or replace function astapa.apply_payment_event_row(ev astapa.payment_events) returns text
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    pay astapa.payments;
    target astapa.checkouts;
    chosen astapa.plans;
    current astapa.subscriptions;
    new_status text;
    applied_outcome text;
    amount_paid numeric;
    period_start timestamptz;
    period_end timestamptz;
  begin
    new_status := astapa.payment_status(ev.provider_status);
    select * into pay from astapa.payments as y
    where y.project_id = ev.project_id and y.provider = ev.provider and y.provider_id = ev.provider_id
    for update;
    if not found then
      applied_outcome := 'unknown_payment';
    elsif pay.status = 'paid' or new_status = 'pending' or (pay.status <> 'pending' and new_status <> 'paid') then
      -- Paid is final; a late PENDING undoes nothing; a duplicate changes nothing.
      applied_outcome := 'no_change';
    else
      select * into target from astapa.checkouts as c
      where c.project_id = pay.project_id and c.id = pay.checkout_id
      for update;
      if new_status in ('failed', 'expired') then
        update astapa.payments as y set status = new_status, updated_at = pg_catalog.now()
        where y.project_id = pay.project_id and y.id = pay.id;
        applied_outcome := new_status;
        perform astapa.emit_event(ev.project_id, 'payment.failed', pg_catalog.jsonb_build_object(
          'checkout_id', target.public_id, 'sub', target.user_id::text, 'plan', target.plan_key,
          'method', pay.method, 'status', new_status, 'amount', pay.amount));
      else
        amount_paid := coalesce(ev.body #>> '{data,amount}', ev.body ->> 'paid_amount', ev.body ->> 'amount')::numeric;
        -- Both amount and currency must be the checkout's: 100,000 of another currency is not Rp100,000.
        -- (Xendit's callbacks always name the currency; one that names none is taken as the charge's own.)
        if coalesce(ev.body #>> '{data,currency}', ev.body ->> 'currency', target.currency)
           is distinct from target.currency then
          applied_outcome := 'currency_mismatch';
        elsif amount_paid is distinct from pay.amount then
          applied_outcome := 'amount_mismatch';
        else
          update astapa.payments as y set status = 'paid', paid_at = pg_catalog.now(), updated_at = pg_catalog.now()
          where y.project_id = pay.project_id and y.id = pay.id;
          if target.status = 'paid' then
            -- A second charge for a checkout already paid: recorded (for a refund), not a second extension.
            applied_outcome := 'paid_again';
          else
            update astapa.checkouts as c set status = 'paid', paid_at = pg_catalog.now(), method = pay.method,
              bank = pay.bank, updated_at = pg_catalog.now()
            where c.project_id = target.project_id and c.id = target.id;
            select * into chosen from astapa.plans as p
            where p.project_id = target.project_id and p.key = target.plan_key;
            select * into current from astapa.subscriptions as s
            where s.project_id = target.project_id and s.user_id = target.user_id and s.ended_at is null;
            -- A renewal pays for its own period; paying again for the plan one has extends from paid_through.
            period_start := coalesce(target.period_start,
              case when current.plan_key = target.plan_key and current.status in ('active', 'past_due', 'canceled')
                        and current.paid_through > pg_catalog.now() then current.paid_through end,
              pg_catalog.now());
            period_end := case chosen.interval
              when 'month' then period_start + interval '1 month'
              when 'year' then period_start + interval '1 year' end;
            perform api.assign_plan(target.project_id, target.user_id, target.plan_key, 'payment',
              pg_catalog.tstzrange(period_start, period_end), period_end);
            perform astapa.emit_event(ev.project_id, 'payment.succeeded', pg_catalog.jsonb_build_object(
              'checkout_id', target.public_id, 'sub', target.user_id::text, 'plan', target.plan_key,
              'method', pay.method, 'amount', pay.amount, 'paid_through', period_end));
            applied_outcome := 'paid';
          end if;
        end if;
      end if;
      perform pg_catalog.pg_notify('astapa_checkouts', target.public_id);
    end if;
    return applied_outcome;
  end
  $$;

comment on function astapa.apply_payment_event_row(astapa.payment_events) is
  'Applies one locked payment event and answers its outcome (see api.apply_payment_event); raises when it cannot. '
  'A success whose currency or amount is not the checkout''s changes nothing (currency_mismatch, amount_mismatch).';

create or replace function api.create_checkout(project_id text, checkout jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    chosen astapa.plans;
    project_mode text;
    redirect_uris text[];
    target_user bigint;
    origins text[];
    url_field text;
    created astapa.checkouts;
  begin
    if pg_catalog.jsonb_typeof(checkout) is distinct from 'object' then
      raise exception using errcode = 'AS400', message = 'checkout must be a JSON object.';
    end if;
    select p.mode, p.redirect_uris into project_mode, redirect_uris
    from astapa.projects as p where p.id = create_checkout.project_id;
    if not found then
      raise exception using errcode = 'AS404', message = 'This project was not found.';
    end if;
    if coalesce(checkout ->> 'sub', '') !~ '^[0-9]{1,18}$' then
      raise exception using errcode = 'AS400', detail = '{"user": ["A user id (sub) is required."]}',
        message = 'user must be a user id (the sub).';
    end if;
    select u.id into target_user from astapa.users as u
    where u.project_id = create_checkout.project_id and u.id = (checkout ->> 'sub')::bigint and not u.disabled;
    if not found then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s was not found in this project.', checkout ->> 'sub');
    end if;
    -- Sandbox and production never mix: a sandbox user of a live project cannot sign in, nor pay.
    if exists (select from astapa.users as u
               where u.project_id = create_checkout.project_id and u.id = target_user
                 and u.environment <> project_mode) then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s belongs to the project''s other environment (it is in %s mode now).',
          checkout ->> 'sub', project_mode);
    end if;
    select * into chosen from astapa.plans as p
    where p.project_id = create_checkout.project_id and p.key = checkout ->> 'plan' and p.archived_at is null;
    if not found then
      raise exception using errcode = 'AS400', detail = '{"plan": ["No such plan, or it is archived."]}',
        message = pg_catalog.format('There is no plan %s to buy in this project.', checkout ->> 'plan');
    end if;
    if chosen.price_idr < 1 then
      raise exception using errcode = 'AS400', detail = '{"plan": ["This plan is free."]}',
        message = pg_catalog.format('Plan %s is free: there is nothing to pay.', chosen.key);
    end if;
    -- Success and failure URLs may only lead back to an origin the project registered a redirect URI on.
    select pg_catalog.array_agg(distinct astapa.url_origin(u)) into origins from pg_catalog.unnest(redirect_uris) as u;
    foreach url_field in array array['success_url', 'failure_url'] loop
      if checkout ? url_field and (astapa.url_origin(checkout ->> url_field) is null
          or not astapa.url_origin(checkout ->> url_field) = any (coalesce(origins, '{}'))
          or pg_catalog.length(checkout ->> url_field) > 2000) then
        raise exception using errcode = 'AS400',
          detail = pg_catalog.jsonb_build_object(url_field, pg_catalog.jsonb_build_array(
            'Must be on the origin of one of the project''s redirect URIs.'))::text,
          message = pg_catalog.format('%s must be on the origin of one of the project''s redirect URIs.', url_field);
      end if;
    end loop;
    insert into astapa.checkouts (project_id, user_id, plan_key, amount, xendit_account, environment, period_start,
                                  success_url, failure_url, expires_at)
    values (project_id, target_user, chosen.key, chosen.price_idr, coalesce(checkout ->> 'xendit_account', 'simulator'),
            project_mode, (checkout ->> 'period_start')::timestamptz, checkout ->> 'success_url',
            checkout ->> 'failure_url',
            pg_catalog.now() + pg_catalog.make_interval(secs => coalesce((checkout ->> 'ttl_seconds')::integer, 86400)))
    returning * into created;
    perform astapa.audit(project_id, 'checkout.create', 'user:' || target_user,
      pg_catalog.jsonb_build_object('checkout', created.public_id, 'plan', chosen.key, 'amount', created.amount));
    return astapa.checkout_json(created);
  end
  $$;

comment on function api.create_checkout(text, jsonb) is
  'Opens a checkout for {sub, plan, success_url?, failure_url?, xendit_account, period_start?, ttl_seconds?}: '
  'the amount is the plan''s price. AS400 free/archived/unknown plan or a URL off the registered origins '
  '(DETAIL names the field); AS404 unknown or disabled user, or a user of the environment the project is not in.';
