-- Refunds through Xendit: asking for one (never more than was paid), recording Xendit's answer, applying
-- refund callbacks from astapa.payment_events (idempotent, order-safe) with the plan effect chosen.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md and docs/receipts.md.

drop policy if exists "a project reads its own refunds" on astapa.refunds;
create policy "a project reads its own refunds" on astapa.refunds
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project asks for its own refunds" on astapa.refunds;
create policy "a project asks for its own refunds" on astapa.refunds
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own refunds' progress" on astapa.refunds;
create policy "a project records its own refunds' progress" on astapa.refunds
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "definer functions find the refund a callback names" on astapa.refunds;
create policy "definer functions find the refund a callback names" on astapa.refunds
  for select to astapa_owner
  using (public_id = pg_catalog.current_setting('astapa.lookup_refund', true));

drop policy if exists "definer functions see which projects have refunds to poll again" on astapa.refunds;
create policy "definer functions see which projects have refunds to poll again" on astapa.refunds
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.list_billing_projects', true) = 'on'
         and status in ('requested', 'pending'));

create or replace function astapa.refunded_amount(project_id text, payment_id bigint) returns bigint
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.sum(r.amount), 0)::bigint from astapa.refunds as r
    where r.project_id = refunded_amount.project_id and r.payment_id = refunded_amount.payment_id
      and r.status = 'succeeded'
  $$;

comment on function astapa.refunded_amount(text, bigint) is 'What has been refunded of a payment (succeeded refunds).';

grant execute on function astapa.refunded_amount(text, bigint) to astapa_app;

create or replace function astapa.refund_json(r astapa.refunds) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'refund_id', r.public_id, 'amount', r.amount, 'currency', 'IDR', 'reason', r.reason,
      'plan_effect', r.plan_effect, 'status', r.status, 'provider_id', r.provider_id,
      'failure_code', r.failure_code, 'requested_by', r.requested_by, 'created_at', r.created_at,
      'succeeded_at', r.succeeded_at, 'reconcile_errors', r.reconcile_errors,
      'reconcile_stopped_at', r.reconcile_stopped_at, 'reconcile_resumed_at', r.reconcile_resumed_at,
      'reconcile_last_error', astapa.reconcile_error_json(r.reconcile_error_code, r.reconcile_error_message,
        r.reconcile_error_at),
      'payment', (select pg_catalog.jsonb_build_object('kind', y.kind, 'provider_id', y.provider_id,
                    'method', y.method, 'amount', y.amount,
                    'refunded', astapa.refunded_amount(y.project_id, y.id))
                  from astapa.payments as y where y.project_id = r.project_id and y.id = r.payment_id),
      'receipt_id', (select x.public_id from astapa.receipts as x
                     where x.project_id = r.project_id and x.payment_id = r.payment_id),
      'receipt_number', (select x.number from astapa.receipts as x
                         where x.project_id = r.project_id and x.payment_id = r.payment_id),
      'checkout', (select pg_catalog.jsonb_build_object('checkout_id', c.public_id, 'sub', c.user_id::text,
                     'plan', c.plan_key, 'xendit_account', c.xendit_account, 'environment', c.environment)
                   from astapa.payments as y join astapa.checkouts as c
                     on c.project_id = y.project_id and c.id = y.checkout_id
                   where y.project_id = r.project_id and y.id = r.payment_id))
  $$;

comment on function astapa.refund_json(astapa.refunds) is
  'A refund as the API and the dashboard show it, with its payment, receipt and checkout. reconcile_errors and '
  'reconcile_stopped_at: errors of ours while reconciling it, and when the billing pass stopped asking about it; '
  'reconcile_resumed_at: when that stop was last resumed; reconcile_last_error: the last error met asking about '
  'it ({code, message, at}, astapa.reconcile_error_json), kept until the next one, or null.';

grant execute on function astapa.refund_json(astapa.refunds) to astapa_app;

create or replace function astapa.refund_event_data(r astapa.refunds) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'refund_id', r.public_id, 'checkout_id', c.public_id, 'sub', c.user_id::text, 'plan', c.plan_key,
      'method', y.method, 'amount', r.amount, 'refunded_total', astapa.refunded_amount(y.project_id, y.id),
      'payment_amount', y.amount, 'plan_effect', r.plan_effect,
      'receipt_number', (select x.number from astapa.receipts as x
                         where x.project_id = y.project_id and x.payment_id = y.id))
    || case when r.status = 'failed' then pg_catalog.jsonb_build_object('failure_code', r.failure_code)
            else '{}'::jsonb end
    from astapa.payments as y join astapa.checkouts as c on c.project_id = y.project_id and c.id = y.checkout_id
    where y.project_id = r.project_id and y.id = r.payment_id
  $$;

comment on function astapa.refund_event_data(astapa.refunds) is
  'The data of a refund''s app webhook: payment.refunded (refund_id, checkout_id, sub, plan, method, amount, '
  'refunded_total, payment_amount, plan_effect, receipt_number) and, for a failed refund, payment.refund_failed '
  '(the same and its failure_code).';

grant execute on function astapa.refund_event_data(astapa.refunds) to astapa_app;

create or replace function astapa.refund_refusal(pay astapa.payments, now timestamptz) returns text
  language sql
  stable
  set search_path = ''
  as $$
    select case
      when pay.method = 'bank_transfer' then
        'Virtual account payments cannot be refunded through Xendit: pay the customer back by bank transfer '
        'outside Astapa.'
      when pay.method = 'qris' and pay.paid_at < now - interval '30 days' then
        'QRIS payments can be refunded only within 30 days of payment.'
    end
  $$;

comment on function astapa.refund_refusal(astapa.payments, timestamptz) is
  'Why a paid payment cannot be refunded through Xendit''s Refund API (virtual accounts; QRIS after 30 days), '
  'or null.';

grant execute on function astapa.refund_refusal(astapa.payments, timestamptz) to astapa_app;

create or replace function api.request_refund(project_id text, refund jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    pay astapa.payments;
    receipt_key text := refund ->> 'receipt';
    outstanding bigint;
    wanted bigint;
    refusal text;
    created astapa.refunds;
  begin
    if pg_catalog.jsonb_typeof(refund) is distinct from 'object' then
      raise exception using errcode = 'AS400', message = 'refund must be a JSON object.';
    end if;
    if coalesce(refund ->> 'plan_effect', '') not in ('end_now', 'keep_to_period_end', 'none') then
      raise exception using errcode = 'AS400',
        detail = '{"plan_effect": ["end_now, keep_to_period_end or none."]}',
        message = 'plan_effect must be end_now, keep_to_period_end or none.';
    end if;
    if coalesce(refund ->> 'reason', 'REQUESTED_BY_CUSTOMER') not in ('REQUESTED_BY_CUSTOMER', 'CANCELLATION',
       'DUPLICATE', 'FRAUDULENT', 'OTHERS') then
      raise exception using errcode = 'AS400',
        detail = '{"reason": ["REQUESTED_BY_CUSTOMER, CANCELLATION, DUPLICATE, FRAUDULENT or OTHERS."]}',
        message = 'reason must be REQUESTED_BY_CUSTOMER, CANCELLATION, DUPLICATE, FRAUDULENT or OTHERS.';
    end if;
    if refund ? 'amount' and (pg_catalog.jsonb_typeof(refund -> 'amount') <> 'number'
       or (refund ->> 'amount')::numeric <> pg_catalog.trunc((refund ->> 'amount')::numeric)
       or (refund ->> 'amount')::numeric not between 1 and 1000000000000) then
      raise exception using errcode = 'AS400', detail = '{"amount": ["Whole rupiah, at least 1."]}',
        message = 'amount must be whole rupiah, at least 1.';
    end if;
    -- The payment row is the lock: refunds of one payment are decided one after another, so together they
    -- never exceed what it paid, however many are asked for at once.
    select y.* into pay from astapa.payments as y
    join astapa.receipts as x on x.project_id = y.project_id and x.payment_id = y.id
    where y.project_id = request_refund.project_id and (x.public_id = receipt_key or x.number = receipt_key)
    for update of y;
    if not found then
      raise exception using errcode = 'AS404', message = 'No paid payment has this receipt.';
    end if;
    refusal := astapa.refund_refusal(pay, pg_catalog.now());
    if refusal is not null then
      raise exception using errcode = 'AS409', message = refusal;
    end if;
    select pay.amount - coalesce(pg_catalog.sum(r.amount), 0) into outstanding from astapa.refunds as r
    where r.project_id = pay.project_id and r.payment_id = pay.id and r.status <> 'failed';
    wanted := coalesce((refund ->> 'amount')::bigint, outstanding);
    if outstanding < 1 then
      raise exception using errcode = 'AS409', message = 'This payment has been refunded in full already.';
    end if;
    if wanted > outstanding then
      raise exception using errcode = 'AS409', detail = '{"amount": ["More than is left to refund."]}',
        message = pg_catalog.format('Only IDR %s of this payment is left to refund.', outstanding);
    end if;
    insert into astapa.refunds (project_id, payment_id, checkout_public_id, amount, reason, plan_effect, requested_by)
    values (pay.project_id, pay.id,
            (select c.public_id from astapa.checkouts as c where c.project_id = pay.project_id and c.id = pay.checkout_id),
            wanted, coalesce(refund ->> 'reason', 'REQUESTED_BY_CUSTOMER'),
            refund ->> 'plan_effect', coalesce(nullif(refund ->> 'requested_by', ''), 'api'))
    returning * into created;
    perform astapa.audit(project_id, 'payment.refund_requested', 'refund:' || created.public_id,
      pg_catalog.jsonb_build_object('receipt', receipt_key, 'amount', wanted, 'plan_effect', created.plan_effect,
        'by', created.requested_by));
    return astapa.refund_json(created);
  end
  $$;

comment on function api.request_refund(text, jsonb) is
  'Asks for a refund of the payment a receipt (id or number) is for: {receipt, amount? (default: all that is '
  'left), reason?, plan_effect (end_now | keep_to_period_end | none), requested_by?}. Locks the payment so '
  'refunds never exceed it. The caller then asks Xendit (idempotency key = refund_id) and records the answer '
  'with api.record_refund_answer. AS400 bad input; AS404 no such receipt; AS409 not refundable (virtual '
  'account, QRIS after 30 days) or more than is left. Audited.';

grant execute on function api.request_refund(text, jsonb) to astapa_app;

create or replace function astapa.held_refund(project_id text, refund_id text) returns astapa.refunds
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target astapa.refunds;
  begin
    select * into target from astapa.refunds as r
    where r.project_id = held_refund.project_id and r.public_id = held_refund.refund_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = 'This refund was not found.';
    end if;
    return target;
  end
  $$;

comment on function astapa.held_refund(text, text) is
  'One of the project''s refunds by its public id, locked until the transaction ends (every step that records '
  'or changes a refund: api.record_refund_answer, api.record_refund_reconcile_error, '
  'api.resume_refund_reconciliation). AS404 no such refund.';

grant execute on function astapa.held_refund(text, text) to astapa_app;

create or replace function api.record_refund_answer(project_id text, refund_id text, answer jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target astapa.refunds;
  begin
    target := astapa.held_refund(record_refund_answer.project_id, refund_id);
    if answer ->> 'failure' is not null then
      -- Xendit refused: nothing was refunded and the amount is free again. A callback may not undo this.
      if target.status = 'requested' then
        update astapa.refunds as r set status = 'failed', failure_code = pg_catalog.left(answer ->> 'failure', 500),
          updated_at = pg_catalog.now()
        where r.project_id = target.project_id and r.id = target.id
        returning * into target;
        -- Once: only the move from requested to failed emits it, and failed is final.
        perform astapa.emit_event(target.project_id, 'payment.refund_failed', astapa.refund_event_data(target));
      end if;
    else
      -- A callback that came first has already moved it on; the provider id is recorded either way.
      update astapa.refunds as r
      set provider_id = coalesce(r.provider_id, answer ->> 'provider_id'),
          status = case when r.status = 'requested' then 'pending' else r.status end,
          updated_at = pg_catalog.now()
      where r.project_id = target.project_id and r.id = target.id
      returning * into target;
    end if;
    return astapa.refund_json(target);
  end
  $$;

comment on function api.record_refund_answer(text, text, jsonb) is
  'Records Xendit''s answer to a refund request: {provider_id} (accepted: pending unless a callback already '
  'settled it) or {failure} (refused: a requested refund becomes failed, the amount is free again, and '
  'payment.refund_failed is emitted). AS404 unknown refund.';

grant execute on function api.record_refund_answer(text, text, jsonb) to astapa_app;

create or replace function api.refund_account(refund_id text) returns jsonb
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  declare
    found_checkout text;
  begin
    -- Only for requests that act for no project yet (the webhook): a refund callback names our refund id.
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'refund_account runs outside any project.';
    end if;
    if refund_id is null or refund_id !~ '^rfd_[a-z2-7]{24}$' then
      return null;
    end if;
    perform pg_catalog.set_config('astapa.lookup_refund', refund_id, true);
    select r.checkout_public_id into found_checkout from astapa.refunds as r where r.public_id = refund_id;
    perform pg_catalog.set_config('astapa.lookup_refund', '', true);
    return pg_catalog.jsonb_build_object('checkout_id', found_checkout);
  end
  $$;

comment on function api.refund_account(text) is
  'Definer: a Xendit refund callback names our refund id (its reference_id) but no project. Returns the id of '
  'the checkout the refunded payment belongs to — nothing else — so the webhook checks the callback token of '
  'that checkout''s account (api.checkout_account) and stores the event. Runs only without a project set.';

revoke execute on function api.refund_account(text) from public;

grant execute on function api.refund_account(text) to astapa_app;

create or replace function astapa.apply_organization_refund_effect(bought astapa.checkouts, plan_effect text)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations;
  begin
    select * into o from astapa.organizations as x
    where x.project_id = bought.project_id and x.id = bought.organization_id
    for update;
    -- Only while the organization still has the paid team plan this payment bought (not one the app set since).
    if o.id is null or o.plan_key is distinct from bought.plan_key or o.plan_paid_through is null
       or plan_effect not in ('end_now', 'keep_to_period_end') then
      return;
    end if;
    if plan_effect = 'end_now' then
      -- Ending the plan expires its unpaid checkouts too (astapa.end_organization_plan).
      perform astapa.end_organization_plan(o, 'refunded');
    else
      -- Its unpaid pay links of that plan would buy back what the refund ended.
      perform astapa.expire_organization_renewal_checkouts(o.project_id, o.id, o.plan_key);
      if o.plan_paid_through > pg_catalog.now() then
        -- As the app cancels it (audited by app); a period already over is the renewal pass's to end.
        perform api.cancel_organization_plan(o.project_id, o.id, null);
      end if;
    end if;
  end
  $$;

comment on function astapa.apply_organization_refund_effect(astapa.checkouts, text) is
  'A succeeded refund''s plan effect on the organization a team plan''s checkout was for, while it still has '
  'that paid plan: end_now takes the plan away (astapa.end_organization_plan, reason refunded); '
  'keep_to_period_end cancels it at its period end (api.cancel_organization_plan, as the app); either '
  'way its unpaid renewal pay links of the plan expire. none changes nothing.';

grant execute on function astapa.apply_organization_refund_effect(astapa.checkouts, text) to astapa_app;

create or replace function astapa.apply_refund_event(ev astapa.payment_events) returns text
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target astapa.refunds;
    pay astapa.payments;
    bought astapa.checkouts;
    current astapa.subscriptions;
    new_status text := case ev.provider_status when 'SUCCEEDED' then 'succeeded' when 'FAILED' then 'failed'
                         when 'CANCELLED' then 'failed' else 'pending' end;
    refunded_amount numeric;
    held bigint[];
  begin
    select * into target from astapa.refunds as r
    where r.project_id = ev.project_id and r.public_id = ev.body #>> '{data,reference_id}'
    for update;
    if not found then
      return 'unknown_refund';
    end if;
    -- Succeeded and failed are final: a duplicate, a late PENDING or a contradicting callback changes nothing.
    if target.status in ('succeeded', 'failed') or new_status = 'pending' then
      return 'no_change';
    end if;
    refunded_amount := (ev.body #>> '{data,amount}')::numeric;
    if coalesce(ev.body #>> '{data,currency}', 'IDR') <> 'IDR' then
      return 'currency_mismatch';
    end if;
    if refunded_amount is distinct from target.amount then
      return 'amount_mismatch';
    end if;
    select * into pay from astapa.payments as y where y.project_id = target.project_id and y.id = target.payment_id;
    if new_status = 'failed' then
      update astapa.refunds as r set status = 'failed', provider_id = coalesce(r.provider_id, ev.provider_id),
        failure_code = pg_catalog.left(coalesce(ev.body #>> '{data,failure_code}', 'FAILED'), 500),
        updated_at = pg_catalog.now()
      where r.project_id = target.project_id and r.id = target.id
      returning * into target;
      perform astapa.emit_event(ev.project_id, 'payment.refund_failed', astapa.refund_event_data(target));
      return 'refund_failed';
    end if;
    update astapa.refunds as r set status = 'succeeded', provider_id = coalesce(r.provider_id, ev.provider_id),
      succeeded_at = pg_catalog.now(), updated_at = pg_catalog.now()
    where r.project_id = target.project_id and r.id = target.id
    returning * into target;
    select * into bought from astapa.checkouts as c where c.project_id = pay.project_id and c.id = pay.checkout_id;
    if bought.organization_id is not null then
      -- A team plan's payment bought the organization's plan, not the payer's: the effect lands there.
      perform astapa.apply_organization_refund_effect(bought, target.plan_effect);
    else
      -- Lock order: the person's charged renewal checkouts this may expire, then the person's row, then their
      -- subscription — as a success callback and api.assign_plan take them. Holding the person's row first
      -- deadlocked with a callback of such a checkout that waited for it; holding the subscription first, with a
      -- plan change that held the row and waited for the subscription. Open ones (no charge) no callback holds.
      if target.plan_effect in ('end_now', 'keep_to_period_end') then
        held := array(select c.id from astapa.checkouts as c
                      where c.project_id = bought.project_id
                        and c.id in (select x.id from astapa.unpaid_renewal_checkouts(bought.project_id,
                                                                                       bought.user_id) as x
                                     where x.status <> 'open')
                      order by c.id
                      for update);
      end if;
      -- For update, not for no key update: a renewal checkout opened meanwhile (its foreign key's key share passes
      -- a no key update) could be charged, and its callback hold it and wait for this row, while the expiry below
      -- waited for it (a deadlock). Held for update, the row lets no checkout of the person be opened until this
      -- ends.
      perform from astapa.users as u
      where u.project_id = bought.project_id and u.id = bought.user_id
      for update;
      if target.plan_effect in ('end_now', 'keep_to_period_end') then
        -- One charged since the set above was read is refused (40001, run again); the open ones are held now.
        perform astapa.hold_checkouts_after_person(bought.project_id, held,
          array(select c.id from astapa.unpaid_renewal_checkouts(bought.project_id, bought.user_id) as c));
      end if;
      -- The plan effect touches the subscription only while it is still the one this payment bought.
      select * into current from astapa.subscriptions as s
      where s.project_id = bought.project_id and s.user_id = bought.user_id and s.ended_at is null
      for update;
      if current.plan_key = bought.plan_key and current.paid_through is not null
         and current.status in ('active', 'past_due', 'canceled') then
        if target.plan_effect = 'end_now' then
          perform api.assign_plan(bought.project_id, bought.user_id, astapa.default_plan_key(bought.project_id),
            'default');
          perform astapa.expire_renewal_checkouts(bought.project_id, bought.user_id);
        elsif target.plan_effect = 'keep_to_period_end' then
          perform api.cancel_subscription(bought.project_id, bought.user_id);
          perform astapa.expire_renewal_checkouts(bought.project_id, bought.user_id);
        end if;
      end if;
    end if;
    perform astapa.emit_event(ev.project_id, 'payment.refunded', astapa.refund_event_data(target));
    return 'refunded';
  end
  $$;

comment on function astapa.apply_refund_event(astapa.payment_events) is
  'Applies one locked refund callback (data.reference_id = our refund id): SUCCEEDED marks the refund '
  'succeeded, applies its plan effect to the subscription the payment bought, or for a team plan to the '
  'organization (astapa.apply_organization_refund_effect) (end_now: default plan; '
  'keep_to_period_end: canceled at period end; unpaid renewal checkouts expire) and emits payment.refunded; '
  'FAILED (or CANCELLED) frees the amount and emits payment.refund_failed with the failure_code. Final states '
  'stay, so each is emitted once; a wrong amount or currency changes nothing. Locks the refund, then (for a '
  'person''s plan) their pending renewal checkouts, their row (for update: no checkout of theirs is opened '
  'meanwhile), their open renewal checkouts (one charged in between raises 40001: '
  'astapa.hold_checkouts_after_person) and their subscription: a callback''s order.';

grant execute on function astapa.apply_refund_event(astapa.payment_events) to astapa_app;

create or replace function api.list_refunds(project_id text, receipt text default null, max_rows integer default 50)
  returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(astapa.refund_json(r) order by r.id desc), '[]')
    from (select r.* from astapa.refunds as r
          where r.project_id = list_refunds.project_id
            and (list_refunds.receipt is null or r.payment_id = (
                 select x.payment_id from astapa.receipts as x where x.project_id = list_refunds.project_id
                   and (x.public_id = list_refunds.receipt or x.number = list_refunds.receipt)))
          order by r.id desc
          limit least(greatest(coalesce(max_rows, 50), 1), 200)) as r
  $$;

comment on function api.list_refunds(text, text, integer) is
  'The project''s refunds, newest first (max_rows 1–200), or those of one receipt (id or number).';

grant execute on function api.list_refunds(text, text, integer) to astapa_app;

create or replace function api.get_refund(project_id text, refund_id text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    refund jsonb;
  begin
    select astapa.refund_json(r) into refund from astapa.refunds as r
    where r.project_id = get_refund.project_id and r.public_id = get_refund.refund_id;
    if refund is null then
      raise exception using errcode = 'AS404', message = 'This refund was not found.';
    end if;
    return refund;
  end
  $$;

comment on function api.get_refund(text, text) is
  'One refund by its public id, as the API shows it (astapa.refund_json), with its reconciliation and why it '
  'stopped (the CLI''s refund show). AS404 unknown (or another project''s) refund.';

grant execute on function api.get_refund(text, text) to astapa_app;

create or replace function api.claim_stale_refunds(project_id text, now timestamptz, older_than_seconds integer,
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
    -- Claiming stamps checked_at, so each stale refund is asked about once per period by one instance; each
    -- error of ours while reconciling it doubles the period (back-off), and the third stopped it for good.
    with stale as (
      select r.id from astapa.refunds as r
      where r.project_id = claim_stale_refunds.project_id and r.status in ('requested', 'pending')
        and r.reconcile_stopped_at is null
        and r.created_at <= now - pg_catalog.make_interval(secs => older_than_seconds)
        and (r.checked_at is null
             or r.checked_at <= now - astapa.reconcile_wait(older_than_seconds, r.reconcile_errors))
      order by r.id
      for update skip locked
      limit least(greatest(max_rows, 1), 500)),
    stamped as (
      update astapa.refunds as r set checked_at = now
      from stale where r.project_id = claim_stale_refunds.project_id and r.id = stale.id
      returning r.*)
    select coalesce(pg_catalog.jsonb_agg(astapa.refund_json(st) order by st.id), '[]') into claimed
    from stamped as st;
    return claimed;
  end
  $$;

comment on function api.claim_stale_refunds(text, timestamptz, integer, integer) is
  'Refunds still requested (Xendit never answered) or pending (no callback yet) older than older_than_seconds '
  'and not checked within that time — doubled for each of their reconcile_errors (astapa.reconcile_wait); never '
  'one whose reconciliation stopped (FOR UPDATE SKIP LOCKED, at most max_rows): stamps checked_at = now and '
  'returns them as refund_json, for the billing pass to ask Xendit. AS400 without now or with a negative age.';

grant execute on function api.claim_stale_refunds(text, timestamptz, integer, integer) to astapa_app;

create or replace function api.record_refund_reconcile_error(project_id text, refund_id text, now timestamptz,
                                                             code text, message text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target astapa.refunds;
    next record;
  begin
    target := astapa.held_refund(record_refund_reconcile_error.project_id, refund_id);
    -- Worked out (and checked) first, so a bad call is refused even when there is nothing left to record.
    select * into next from astapa.next_reconcile_error(target.reconcile_errors, code, message, now);
    -- Settled meanwhile (its callback came), or stopped already: nothing left to record.
    if target.status not in ('requested', 'pending') or target.reconcile_stopped_at is not null then
      return null;
    end if;
    -- The same rule as a charge's (astapa.next_reconcile_error, db/api/billing.sql).
    update astapa.refunds as r set reconcile_errors = next.reconcile_errors,
      reconcile_stopped_at = next.reconcile_stopped_at, reconcile_error_code = next.reconcile_error_code,
      reconcile_error_message = next.reconcile_error_message, reconcile_error_at = next.reconcile_error_at,
      updated_at = pg_catalog.now()
    where r.project_id = target.project_id and r.id = target.id
    returning * into target;
    return astapa.refund_json(target);
  end
  $$;

comment on function api.record_refund_reconcile_error(text, text, timestamptz, text, text) is
  'Records a failed question about a requested or pending refund while the billing pass reconciled it, as its '
  'last error (code, message, now: astapa.next_reconcile_error). An error of ours, or Xendit refusing to tell '
  'us about a refund it accepted (astapa.reconcile_error_counts), also counts: reconcile_errors + 1, which '
  'doubles the wait before its next claim (api.claim_stale_refunds); the third (astapa.reconcile_stops) sets '
  'reconcile_stopped_at = now and the refund is no longer claimed. Answers the refund, or null when it was '
  'settled meanwhile or had stopped already (so the stop is reported once). AS400 without now, code or message; '
  'AS404 unknown refund; 23514 an unknown code.';

grant execute on function api.record_refund_reconcile_error(text, text, timestamptz, text, text) to astapa_app;

-- The same wake-up as a charge's (astapa.notify_reconciliation_resumed, db/api/billing.sql).
create or replace trigger refunds_notify_reconciliation_resumed after update of reconcile_stopped_at
  on astapa.refunds
  for each row when (old.reconcile_stopped_at is not null and new.reconcile_stopped_at is null)
  execute function astapa.notify_reconciliation_resumed();

create or replace function api.resume_refund_reconciliation(project_id text, refund_id text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target astapa.refunds;
  begin
    target := astapa.held_refund(resume_refund_reconciliation.project_id, refund_id);
    if target.status not in ('requested', 'pending') then
      raise exception using errcode = 'AS4R1', message = pg_catalog.format(
        'This refund has %s already: there is nothing left to reconcile.', target.status);
    end if;
    if target.reconcile_stopped_at is null then
      raise exception using errcode = 'AS4R0', message =
        'Reconciliation of this refund has not stopped: the billing pass still asks Xendit about it.';
    end if;
    perform astapa.audit(target.project_id, 'payment.refund_reconcile_resumed', 'refund:' || target.public_id,
      pg_catalog.jsonb_build_object('reconcile_errors', target.reconcile_errors,
        'reconcile_stopped_at', target.reconcile_stopped_at, 'reconcile_error_code', target.reconcile_error_code));
    -- checked_at too: the next pass (woken now by the trigger) claims the refund at once, with the first wait.
    -- The last error stays, for the record; reconcile_resumed_at says it came before the resume.
    update astapa.refunds as r set reconcile_errors = 0, reconcile_stopped_at = null, checked_at = null,
      reconcile_resumed_at = pg_catalog.now(), updated_at = pg_catalog.now()
    where r.project_id = target.project_id and r.id = target.id
    returning * into target;
    return astapa.refund_json(target);
  end
  $$;

comment on function api.resume_refund_reconciliation(text, text) is
  'Resumes the stopped reconciliation of a requested or pending refund (api.record_refund_reconcile_error): '
  'reconcile_errors = 0, reconcile_stopped_at and checked_at null, reconcile_resumed_at = now (its last error '
  'stays, for the record), so the billing pass asks Xendit about it again — now, woken by NOTIFY '
  'astapa_reconcile (trigger refunds_notify_reconciliation_resumed). Audited (payment.refund_reconcile_resumed, '
  'with the errors, stop and last error code it had). Answers the refund. AS404 unknown (or another '
  'project''s) refund; AS4R1 succeeded or failed already; AS4R0 its reconciliation has not stopped.';

grant execute on function api.resume_refund_reconciliation(text, text) to astapa_app;
