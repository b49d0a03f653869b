-- Auto-renewal charges of linked e-wallets (issue 23 item 6, docs/billing.md "Automatic renewal"): the renewal
-- step opens an attempt beside a renewal checkout when the user has an active linked method; the pass claims it,
-- asks Xendit for a Payment Request naming the method (lib/payments/renewal_charges.ts) and records the answer;
-- the callback is applied like any other payment (db/api/payments.sql). A failed, expired or unanswered charge
-- falls back to the pay-link mail.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own renewal charges" on astapa.renewal_charges;
create policy "a project reads its own renewal charges" on astapa.renewal_charges
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project opens its own renewal charges" on astapa.renewal_charges;
create policy "a project opens its own renewal charges" on astapa.renewal_charges
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project updates its own renewal charges" on astapa.renewal_charges;
create policy "a project updates its own renewal charges" on astapa.renewal_charges
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

create or replace function astapa.open_renewal_charge(project_id text, checkout_id text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target astapa.checkouts;
    switches jsonb;
    chosen astapa.linked_methods;
    opened astapa.renewal_charges;
    charge_purpose text;
  begin
    select * into target from astapa.checkouts as c
    where c.project_id = open_renewal_charge.project_id and c.public_id = open_renewal_charge.checkout_id;
    -- Only pay links the renewal pass opened: a period's (a renewal, a trial's first paid period) or a team plan's.
    if not found or target.status <> 'open' or (target.period_start is null and target.organization_id is null) then
      return null;
    end if;
    charge_purpose := case
      when target.organization_id is not null then 'organization'
      when exists (select from astapa.subscriptions as s
                   where s.project_id = target.project_id and s.user_id = target.user_id and s.ended_at is null
                     and s.status = 'trialing' and s.plan_key = target.plan_key
                     and s.current_period_end = target.period_start) then 'trial'
      else 'renewal' end;
    -- The project's switches decide, at each renewal, whether linked methods are charged at all.
    select p.settings -> 'linked_methods' into switches from astapa.projects as p
    where p.id = open_renewal_charge.project_id;
    if switches -> 'enabled' is distinct from 'true'::jsonb then
      return null;
    end if;
    -- Only a method linked through the same Xendit account and environment can be charged by the checkout's keys.
    -- A team plan: only the method an owner or admin chose for the organization, and only its owner's checkout
    -- (api.organization_renewal_step makes them the payer); a person's: any of theirs.
    select * into chosen from astapa.linked_methods as m
    where m.project_id = target.project_id and m.user_id = target.user_id and m.status = 'active'
      and m.unlink_requested_at is null
      and (target.organization_id is null or m.id = (
            select o.billing_method_id from astapa.organizations as o
            join astapa.organization_memberships as om
              on om.project_id = o.project_id and om.organization_id = o.id and om.user_id = target.user_id
                 and om.role in ('owner', 'admin')
            where o.project_id = target.project_id and o.id = target.organization_id))
      and m.provider_id is not null and m.environment = target.environment
      and m.xendit_account = target.xendit_account
      and (m.channel <> 'SHOPEEPAY' or switches -> 'shopeepay' = 'true'::jsonb)
      and (m.channel <> 'GOPAY' or switches -> 'gopay_recurring' = 'true'::jsonb)
      and (m.channel not in ('BRI', 'MANDIRI') or switches -> 'direct_debit' = 'true'::jsonb)
      and (m.channel <> 'CARD' or switches -> 'cards' = 'true'::jsonb)
    order by m.activated_at desc nulls last, m.id desc
    limit 1;
    if not found then
      return null;
    end if;
    insert into astapa.renewal_charges as r (project_id, checkout_id, linked_method_id, purpose)
    values (target.project_id, target.id, chosen.id, charge_purpose)
    on conflict on constraint renewal_charges_checkout_key do nothing
    returning * into opened;
    if opened.id is null then
      select * into opened from astapa.renewal_charges as r
      where r.project_id = target.project_id and r.checkout_id = target.id;
    end if;
    return pg_catalog.jsonb_build_object('charge_id', opened.public_id, 'method_id', chosen.public_id,
      'channel', chosen.channel, 'label', chosen.label, 'purpose', opened.purpose);
  end
  $$;

comment on function astapa.open_renewal_charge(text, text) is
  'Opens the linked-method charge of a pay link the renewal pass just opened — a renewal, a trial''s first paid '
  'period (purpose trial), a team plan''s (purpose organization: only the organization''s chosen method, its '
  'owner being the payer and still an owner or admin) — (one per checkout: again answers the same) when '
  'settings.linked_methods.enabled and the user has an active method, not being unlinked, linked through the '
  'checkout''s Xendit account and environment (ShopeePay, GoPay, direct debit and cards only while their '
  'switches are on); null otherwise. Answers {charge_id, method_id, channel, label, purpose}: the pay-link mail '
  'is held back while it runs.';

grant execute on function astapa.open_renewal_charge(text, text) to astapa_app;

create or replace function astapa.fail_renewal_charge(rc astapa.renewal_charges, target astapa.checkouts,
                                                     failure text, now timestamptz)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    mail boolean := target.status in ('open', 'pending');
  begin
    update astapa.renewal_charges as r set status = 'failed', failure_code = pg_catalog.left(failure, 500),
      mailed_at = case when mail then now end, updated_at = pg_catalog.now()
    where r.project_id = rc.project_id and r.id = rc.id;
    perform astapa.audit(rc.project_id, 'billing.renewal_charge_failed', 'user:' || target.user_id,
      pg_catalog.jsonb_build_object('checkout_id', target.public_id, 'charge_id', rc.public_id,
        'failure_code', pg_catalog.left(failure, 500)));
    -- The checkout paid some other way or expired: nothing is left to pay, so nobody is mailed.
    return pg_catalog.jsonb_build_object('action', case when mail then 'mail' else 'none' end,
      'charge_id', rc.public_id, 'failure_code', pg_catalog.left(failure, 500), 'purpose', rc.purpose,
      'label', (select m.label from astapa.linked_methods as m
                where m.project_id = rc.project_id and m.id = rc.linked_method_id),
      'checkout', astapa.checkout_json(target),
      'email', (select u.email from astapa.users as u where u.project_id = target.project_id and u.id = target.user_id),
      -- A team plan's pay link goes to every owner and admin, as api.organization_renewal_step's does.
      'organization', case when target.organization_id is not null then (
        select pg_catalog.jsonb_build_object('id', o.id, 'name', o.name, 'period_start', o.plan_paid_through,
          'emails', coalesce((
          select pg_catalog.jsonb_agg(u.email order by m.created_at, m.user_id)
          from astapa.organization_memberships as m
          join astapa.users as u on u.project_id = m.project_id and u.id = m.user_id
          where m.project_id = o.project_id and m.organization_id = o.id and m.role in ('owner', 'admin')
            and not u.disabled and u.email is not null), '[]'))
        from astapa.organizations as o where o.project_id = target.project_id and o.id = target.organization_id)
      end);
  end
  $$;

comment on function astapa.fail_renewal_charge(astapa.renewal_charges, astapa.checkouts, text, timestamptz) is
  'Marks a linked-method renewal charge failed (audited) and answers action mail (the caller queues the pay-link '
  'mail in the same transaction; mailed_at = now) while the checkout can still be paid, else action none.';

grant execute on function astapa.fail_renewal_charge(astapa.renewal_charges, astapa.checkouts, text, timestamptz)
  to astapa_app;

create or replace function api.next_renewal_charge(project_id text, now timestamptz, retry_seconds integer)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    rc astapa.renewal_charges;
    target astapa.checkouts;
    chosen astapa.linked_methods;
    paid_status text;
  begin
    if now is null or retry_seconds is null or retry_seconds < 0 then
      raise exception using errcode = 'AS400', message = 'The renewal charges need now and a non-negative retry delay.';
    end if;
    -- Work nobody else holds: a charge to make (or to ask again, after retry_seconds without an answer), or one
    -- Xendit took whose payment has settled, or that has waited a day for any answer.
    select * into rc from astapa.renewal_charges as r
    where r.project_id = next_renewal_charge.project_id
      and ((r.status = 'charging'
            and (r.attempted_at is null or r.attempted_at <= now - pg_catalog.make_interval(secs => retry_seconds)))
        or (r.status = 'pending'
            and (r.attempted_at <= now - interval '1 day'
                 or exists (select from astapa.payments as y
                            where y.project_id = r.project_id and y.provider = 'xendit'
                              and y.provider_id = r.provider_id and y.status <> 'pending'))))
    order by r.id
    for update of r skip locked
    limit 1;
    if not found then
      return null;
    end if;
    select * into target from astapa.checkouts as c
    where c.project_id = rc.project_id and c.id = rc.checkout_id
    for update;
    if rc.status = 'pending' then
      select y.status into paid_status from astapa.payments as y
      where y.project_id = rc.project_id and y.provider = 'xendit' and y.provider_id = rc.provider_id;
      if paid_status = 'paid' then
        update astapa.renewal_charges as r set status = 'paid', updated_at = pg_catalog.now()
        where r.project_id = rc.project_id and r.id = rc.id;
        return pg_catalog.jsonb_build_object('action', 'paid', 'charge_id', rc.public_id);
      end if;
      return astapa.fail_renewal_charge(rc, target, case paid_status when 'failed' then 'FAILED'
        when 'expired' then 'EXPIRED' else 'NO_ANSWER' end, now);
    end if;
    -- Shared with an unlink's mark (api.request_method_unlink): a claim either comes before it or sees it.
    select * into chosen from astapa.linked_methods as m
    where m.project_id = rc.project_id and m.id = rc.linked_method_id
    for share;
    if target.status not in ('open', 'pending') then
      return astapa.fail_renewal_charge(rc, target, 'CHECKOUT_' || pg_catalog.upper(target.status), now);
    elsif chosen.status <> 'active' then
      return astapa.fail_renewal_charge(rc, target, 'METHOD_' || pg_catalog.upper(chosen.status), now);
    elsif chosen.unlink_requested_at is not null then
      return astapa.fail_renewal_charge(rc, target, 'METHOD_UNLINKING', now);
    elsif rc.tries >= 3 then
      return astapa.fail_renewal_charge(rc, target, 'NO_ANSWER', now);
    end if;
    -- The amount is fixed at the first try: a retry is the same request under the same idempotency key.
    update astapa.renewal_charges as r set tries = r.tries + 1, attempted_at = now,
      amount = coalesce(r.amount, target.amount), updated_at = pg_catalog.now()
    where r.project_id = rc.project_id and r.id = rc.id
    returning * into rc;
    return pg_catalog.jsonb_build_object('action', 'charge', 'charge_id', rc.public_id, 'amount', rc.amount,
      'provider_method_id', chosen.provider_id, 'channel', chosen.channel, 'label', chosen.label,
      'checkout', astapa.checkout_json(target));
  end
  $$;

comment on function api.next_renewal_charge(text, timestamptz, integer) is
  'The renewal pass''s next linked-method charge (FOR UPDATE SKIP LOCKED; null when none is left): action '
  'charge (claimed: tries + 1, attempted_at = now; the caller asks Xendit with idempotency key charge_id and '
  'records the answer), mail (it failed: the payment failed or expired, no answer within a day, three tries '
  'without an answer, or the method was unlinked or is being unlinked; the caller queues the pay-link mail), '
  'paid (bookkeeping), or '
  'none (the checkout was paid some other way or expired). AS400 without now or with a negative delay.';

grant execute on function api.next_renewal_charge(text, timestamptz, integer) to astapa_app;

create or replace function api.record_renewal_charge(project_id text, charge_id text, answer jsonb, now timestamptz)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    rc astapa.renewal_charges;
    target astapa.checkouts;
    chosen astapa.linked_methods;
    paid_method text;
  begin
    if pg_catalog.jsonb_typeof(answer) is distinct from 'object' or now is null then
      raise exception using errcode = 'AS400', message = 'answer must be a JSON object, and now is needed.';
    end if;
    if answer ->> 'failure' is null and coalesce(answer ->> 'provider_id', '') = '' then
      raise exception using errcode = 'AS400', message = 'answer must carry a provider_id or a failure.';
    end if;
    -- First of all, like api.record_payment: serialized with a worker applying this payment's callback.
    if coalesce(answer ->> 'provider_id', '') <> '' then
      perform astapa.lock_payment_provider_id(record_renewal_charge.project_id, answer ->> 'provider_id');
    end if;
    select * into rc from astapa.renewal_charges as r
    where r.project_id = record_renewal_charge.project_id and r.public_id = record_renewal_charge.charge_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = 'This renewal charge was not found.';
    end if;
    select * into target from astapa.checkouts as c
    where c.project_id = rc.project_id and c.id = rc.checkout_id
    for update;
    -- Answered already (a retry of the same request, or another instance's): nothing more to record.
    if rc.status <> 'charging' then
      return pg_catalog.jsonb_build_object('action', 'none', 'charge_id', rc.public_id);
    end if;
    if answer ->> 'failure' is not null or answer ->> 'status' in ('FAILED', 'EXPIRED', 'CANCELED', 'VOIDED') then
      return astapa.fail_renewal_charge(rc, target, coalesce(answer ->> 'failure', answer ->> 'status'), now);
    end if;
    if (answer ->> 'amount')::numeric is distinct from rc.amount then
      return astapa.fail_renewal_charge(rc, target, 'AMOUNT_MISMATCH', now);
    end if;
    select * into chosen from astapa.linked_methods as m
    where m.project_id = rc.project_id and m.id = rc.linked_method_id;
    -- Recorded even when the checkout was paid meanwhile: a success is then kept as paid_again, for a refund.
    paid_method := case when chosen.channel in ('BRI', 'MANDIRI') then 'direct_debit'
                        when chosen.channel = 'CARD' then 'card' else pg_catalog.lower(chosen.channel) end;
    insert into astapa.payments as y (project_id, checkout_id, kind, provider_id, method, amount, details)
    values (rc.project_id, rc.checkout_id, 'payment_request', answer ->> 'provider_id',
            paid_method, rc.amount,
            pg_catalog.jsonb_build_object('linked_method', chosen.label))
    on conflict on constraint payments_provider_id_key do nothing;
    if target.status in ('open', 'pending') then
      update astapa.checkouts as c set status = 'pending', method = paid_method, bank = null,
        updated_at = pg_catalog.now()
      where c.project_id = target.project_id and c.id = target.id;
    end if;
    update astapa.renewal_charges as r set status = 'pending', provider_id = answer ->> 'provider_id',
      updated_at = pg_catalog.now()
    where r.project_id = rc.project_id and r.id = rc.id;
    -- Xendit debits right after answering: a callback that beat this row was kept as unknown_payment (one a
    -- worker was applying was waited for by the lock above). Put back in line, like api.record_payment.
    perform astapa.requeue_early_callbacks(rc.project_id, answer ->> 'provider_id');
    return pg_catalog.jsonb_build_object('action', 'pending', 'charge_id', rc.public_id);
  end
  $$;

comment on function api.record_renewal_charge(text, text, jsonb, timestamptz) is
  'Records Xendit''s answer to a linked-method renewal charge: {provider_id, amount, status?} makes it pending '
  'with its payment row (method = the e-wallet, direct_debit or card) and re-applies a callback that came first; {failure} or a '
  'FAILED/EXPIRED status, or another amount, fails it (action mail: the caller queues the pay-link mail). '
  'An attempt answered already changes nothing (action none). AS400 bad answer; AS404 unknown charge.';

grant execute on function api.record_renewal_charge(text, text, jsonb, timestamptz) to astapa_app;

create or replace function astapa.renewal_charge_list(project_id text, user_id bigint, organization_id text,
                                                      max_count integer)
  returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
             'charge_id', g.public_id, 'purpose', g.purpose, 'checkout_id', k.public_id, 'plan', k.plan_key,
             'organization_id', k.organization_id, 'period_start', k.period_start,
             'amount', coalesce(g.amount, k.amount), 'status', g.status, 'failure_code', g.failure_code,
             'method_id', m.public_id, 'method_label', m.label,
             'attempted_at', g.attempted_at, 'mailed_at', g.mailed_at, 'created_at', g.created_at)
           order by g.id desc), '[]')
    from (select x.* from astapa.renewal_charges as x
          join astapa.checkouts as y on y.project_id = x.project_id and y.id = x.checkout_id
          where x.project_id = renewal_charge_list.project_id
            and (renewal_charge_list.user_id is null or y.user_id = renewal_charge_list.user_id)
            and (renewal_charge_list.organization_id is null
                 or y.organization_id = renewal_charge_list.organization_id)
          order by x.id desc limit greatest(1, least(coalesce(max_count, 50), 200))) as g
    join astapa.checkouts as k on k.project_id = g.project_id and k.id = g.checkout_id
    join astapa.linked_methods as m on m.project_id = g.project_id and m.id = g.linked_method_id
  $$;

comment on function astapa.renewal_charge_list(text, bigint, text, integer) is
  'Renewal charges to a linked method, newest first (at most max_count, 1-200): one user''s (the checkouts they '
  'pay: their own renewals and trials, and a team plan they chose their method for) when user_id is given, one '
  'organization''s when organization_id is given. Each with its purpose, plan, amount, outcome (charging, '
  'pending, paid, failed and the failure code), the method''s masked label and when it was tried. What '
  'api.user_billing, api.billing_account and api.organization_renewal_charges answer; RLS: the project in context.';

grant execute on function astapa.renewal_charge_list(text, bigint, text, integer) to astapa_app;
