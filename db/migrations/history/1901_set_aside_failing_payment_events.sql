-- A payment event whose application fails for a reason that will not go away (a malformed amount, a plan
-- that no longer fits) used to roll back and stay the project's oldest unprocessed event, so every later
-- payment of that project waited behind it. Now it is set aside: marked processed with outcome 'error' and
-- the message, for an operator to look at and requeue (api.requeue_payment_event). Transient failures
-- (serialization, deadlock, lack of resources, shutdown) still roll back and are retried.

alter table astapa.payment_events add column error text;
alter table astapa.payment_events add constraint payment_events_error_check
  check (pg_catalog.length(error) <= 2000 and (error is null or outcome = 'error'));

comment on column astapa.payment_events.error is 'Why applying the event failed (outcome ''error''); null otherwise.';
comment on table astapa.payment_events is
  'Raw Xendit callbacks (deduplicated on provider id + status). processed_at/outcome are set by '
  'api.apply_payment_event: applied, paid, failed, expired, no_change, unknown_payment, amount_mismatch, '
  'paid_again, or error (with the message in error; requeue with api.requeue_payment_event).';

grant update (processed_at, outcome, error) on astapa.payment_events to astapa_app;

create function astapa.apply_payment_event_row(ev astapa.payment_events) returns text
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
        if amount_paid is distinct from pay.amount then
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
  'Applies one locked payment event and answers its outcome (see api.apply_payment_event); raises when it cannot.';

grant execute on function astapa.apply_payment_event_row(astapa.payment_events) to astapa_app;

create or replace function api.apply_payment_event(project_id text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    ev astapa.payment_events;
    applied_outcome text;
    failure text;
  begin
    -- The oldest unprocessed event nobody else is applying.
    select * into ev from astapa.payment_events as e
    where e.project_id = apply_payment_event.project_id and e.processed_at is null
    order by e.id
    for update skip locked
    limit 1;
    if not found then
      return null;
    end if;
    begin
      applied_outcome := astapa.apply_payment_event_row(ev);
    exception when others then
      -- 40: serialization/deadlock, 53: resources, 57: shutdown, 08: connection, 55P03: lock wait: try again.
      if pg_catalog.left(sqlstate, 2) in ('40', '53', '57', '08') or sqlstate = '55P03' then
        raise;
      end if;
      -- The subtransaction rolled back whatever the event had changed; only the event row is marked.
      applied_outcome := 'error';
      failure := pg_catalog.left(sqlstate || ': ' || sqlerrm, 2000);
    end;
    update astapa.payment_events as e
    set processed_at = pg_catalog.now(), outcome = applied_outcome, error = failure
    where e.project_id = ev.project_id and e.id = ev.id;
    return pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'event_id', ev.id, 'outcome', applied_outcome, 'error', failure));
  end
  $$;

comment on function api.apply_payment_event(text) is
  'Applies the project''s oldest unprocessed payment event (FOR UPDATE SKIP LOCKED; null when none is left) and '
  'marks it processed with its outcome. Order-safe and idempotent: paid is final, a late PENDING or a duplicate '
  'changes nothing; a success extends the subscription once through api.assign_plan and emits payment.succeeded. '
  'An event that fails for good is marked outcome error (its changes rolled back) so later events are not held '
  'up; transient failures raise and are retried.';

create function api.requeue_payment_event(project_id text, event_id bigint) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    requeued bigint;
  begin
    update astapa.payment_events as e set processed_at = null, outcome = null, error = null
    where e.project_id = requeue_payment_event.project_id and e.id = event_id and e.outcome = 'error'
    returning e.id into requeued;
    if requeued is null then
      raise exception using errcode = 'AS404', message = 'No payment event with this id failed to apply.';
    end if;
    perform astapa.audit(project_id, 'payment_event.requeued', 'payment_event:' || event_id, '{}');
    perform pg_catalog.pg_notify('astapa_payment_events', event_id::text);
    return pg_catalog.jsonb_build_object('event_id', requeued, 'requeued', true);
  end
  $$;

comment on function api.requeue_payment_event(text, bigint) is
  'Puts an event that failed to apply (outcome error) back in line, after the cause is fixed; audited. AS404 '
  'for any other event.';

grant execute on function api.requeue_payment_event(text, bigint) to astapa_app;
