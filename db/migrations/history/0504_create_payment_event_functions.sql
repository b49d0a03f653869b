-- Receiving and applying Xendit callbacks. The webhook only records (api.record_payment_event); workers apply
-- (api.apply_payment_event), one event per transaction, so a worker killed mid-batch loses nothing: its open
-- transaction rolls back and the event is still unprocessed for the next worker.

create function api.record_payment_event(project_id text, provider_id text, provider_status text,
                                         checkout_id text, body jsonb)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    new_id bigint;
  begin
    if provider_id is null or pg_catalog.length(provider_id) not between 1 and 255
       or provider_status is null or provider_status !~ '^[A-Z_]{1,40}$' then
      raise exception using errcode = 'AS400', message = 'A callback needs a payment id and a status.';
    end if;
    insert into astapa.payment_events as e (project_id, provider_id, provider_status, checkout_public_id, body)
    values (project_id, provider_id, provider_status, checkout_id, body)
    on conflict on constraint payment_events_dedupe_key do nothing
    returning e.id into new_id;
    return pg_catalog.jsonb_build_object('event_id', new_id, 'duplicate', new_id is null);
  end
  $$;

comment on function api.record_payment_event(text, text, text, text, jsonb) is
  'Stores a verified callback; the same payment id and status again is a duplicate and stores nothing. '
  'The insert NOTIFYs astapa_payment_events. AS400 without an id or a status.';

grant execute on function api.record_payment_event(text, text, text, text, jsonb) to astapa_app;

create function api.projects_with_payment_events() returns text[]
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  declare
    projects text[];
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'projects_with_payment_events runs outside any project.';
    end if;
    perform pg_catalog.set_config('astapa.list_payment_event_projects', 'on', true);
    select pg_catalog.array_agg(distinct e.project_id) into projects
    from astapa.payment_events as e where e.processed_at is null;
    perform pg_catalog.set_config('astapa.list_payment_event_projects', '', true);
    return coalesce(projects, '{}');
  end
  $$;

comment on function api.projects_with_payment_events() is
  'Definer: workers serve every project, so they must learn which projects have unprocessed payment events. '
  'Returns project ids only; the events are then applied as each project (RLS). Runs only without a project set.';

revoke execute on function api.projects_with_payment_events() from public;
grant execute on function api.projects_with_payment_events() to astapa_app;

create function astapa.payment_status(provider_status text) returns text
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select case
      when provider_status in ('SUCCEEDED', 'PAID', 'SETTLED', 'COMPLETED', 'CAPTURED') then 'paid'
      when provider_status in ('FAILED', 'CANCELED', 'CANCELLED', 'VOIDED') then 'failed'
      when provider_status = 'EXPIRED' then 'expired'
      else 'pending'
    end
  $$;

comment on function astapa.payment_status(text) is 'A Xendit status (Payment Request or Invoice) as a payments.status.';

grant execute on function astapa.payment_status(text) to astapa_app;

create function api.apply_payment_event(project_id text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    ev astapa.payment_events;
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
    -- The oldest unprocessed event nobody else is applying.
    select * into ev from astapa.payment_events as e
    where e.project_id = apply_payment_event.project_id and e.processed_at is null
    order by e.id
    for update skip locked
    limit 1;
    if not found then
      return null;
    end if;
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
    update astapa.payment_events as e set processed_at = pg_catalog.now(), outcome = applied_outcome
    where e.project_id = ev.project_id and e.id = ev.id;
    return pg_catalog.jsonb_build_object('event_id', ev.id, 'outcome', applied_outcome);
  end
  $$;

comment on function api.apply_payment_event(text) is
  'Applies the project''s oldest unprocessed payment event (FOR UPDATE SKIP LOCKED; null when none is left) and '
  'marks it processed with its outcome. Order-safe and idempotent: paid is final, a late PENDING or a duplicate '
  'changes nothing; a success extends the subscription once through api.assign_plan and emits payment.succeeded.';

grant execute on function api.apply_payment_event(text) to astapa_app;
