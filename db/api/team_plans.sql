-- Team plans with seats (issue 28 item 3): plans sold to organizations, per seat or flat with a seat limit, their
-- checkout (an owner or admin pays; adding seats mid-period is prorated) and what paying does to the
-- organization (its plan, seat limit and paid-through date). Tables: migrations 3840 and 3841.

create or replace function api.set_plan_seats(project_id text, plan_key text, seat_pricing text,
                                              included_seats integer default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    changed astapa.plans;
    held bigint;
  begin
    perform astapa.require_project(project_id);
    if seat_pricing is not null and seat_pricing not in ('per_seat', 'flat') then
      raise exception using errcode = 'AS400', message = 'seat_pricing must be per_seat, flat or null (a personal plan).';
    elsif seat_pricing = 'flat' and coalesce(included_seats not between 1 and 100000, true) then
      raise exception using errcode = 'AS400', message = 'A flat team plan needs included_seats, from 1 to 100000.';
    elsif seat_pricing is distinct from 'flat' and included_seats is not null then
      raise exception using errcode = 'AS400', message = 'Only a flat team plan has included_seats.';
    end if;
    select * into changed from astapa.plans as p
    where p.project_id = set_plan_seats.project_id and p.key = plan_key
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('There is no plan %s in this project.', plan_key);
    end if;
    -- A plan changes hands only when nobody holds it: a person is never renewed into a team plan (refused rather
    -- than ended at renewal, so nobody loses a paid plan to a settings change), nor an organization into a
    -- personal one. api.assign_plan takes this row FOR SHARE, so a subscription starting meanwhile is seen.
    if seat_pricing is not null and changed.interval not in ('month', 'year') then
      -- A team plan's period (astapa.team_period), renewal and proration count in months or years.
      raise exception using errcode = 'AS400', detail = '{"interval": ["A team plan renews each month or year."]}',
        message = pg_catalog.format('Plan %s is paid once (one_time): a team plan renews each month or year.', plan_key);
    end if;
    if seat_pricing is not null and changed.seat_pricing is null then
      if changed.is_default then
        raise exception using errcode = 'AS409',
          message = pg_catalog.format('Plan %s is the default plan: make another plan the default first.', plan_key);
      end if;
      held := (select count(*) from astapa.subscriptions as s
               where s.project_id = set_plan_seats.project_id and s.plan_key = set_plan_seats.plan_key
                 and s.ended_at is null)
            + (select count(*) from astapa.plan_changes as c
               where c.project_id = set_plan_seats.project_id and c.to_plan = set_plan_seats.plan_key
                 and c.status = 'scheduled')
            + (select count(*) from astapa.checkouts as c
               where c.project_id = set_plan_seats.project_id and c.plan_key = set_plan_seats.plan_key
                 and c.organization_id is null and c.status in ('open', 'pending'));
      if held > 0 then
        raise exception using errcode = 'AS409', message = pg_catalog.format(
          'Plan %s is held by people (%s subscriptions, scheduled changes or unpaid checkouts): a team plan '
          'cannot be; create a new plan for organizations.', plan_key, held);
      end if;
    elsif seat_pricing is null and changed.seat_pricing is not null then
      held := (select count(*) from astapa.organizations as o
               where o.project_id = set_plan_seats.project_id and o.plan_key = set_plan_seats.plan_key)
            + (select count(*) from astapa.plan_changes as c
               where c.project_id = set_plan_seats.project_id and c.to_plan = set_plan_seats.plan_key
                 and c.organization_id is not null and c.status = 'scheduled')
            + (select count(*) from astapa.checkouts as c
               where c.project_id = set_plan_seats.project_id and c.plan_key = set_plan_seats.plan_key
                 and c.organization_id is not null and c.status in ('open', 'pending'));
      if held > 0 then
        raise exception using errcode = 'AS409', message = pg_catalog.format(
          'Plan %s is held by organizations (%s plans, scheduled changes or unpaid checkouts): it stays a team '
          'plan; create a new plan for people.', plan_key, held);
      end if;
    end if;
    update astapa.plans as p
    set seat_pricing = set_plan_seats.seat_pricing, included_seats = set_plan_seats.included_seats,
        updated_at = pg_catalog.now()
    where p.project_id = set_plan_seats.project_id and p.key = plan_key
    returning * into changed;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('There is no plan %s in this project.', plan_key);
    end if;
    perform astapa.audit(project_id, 'plan.seats', plan_key,
      pg_catalog.jsonb_build_object('seat_pricing', seat_pricing, 'included_seats', included_seats));
    return pg_catalog.jsonb_build_object('plan', changed.key, 'seat_pricing', changed.seat_pricing,
      'included_seats', changed.included_seats, 'price_idr', changed.price_idr, 'interval', changed.interval);
  end
  $$;

comment on function api.set_plan_seats(text, text, text, integer) is
  'Makes a plan a team plan (seat_pricing per_seat: price_idr per seat; flat: price_idr for up to included_seats) '
  'or a personal one again (null); audited. AS400 bad pricing or seats, or a one_time plan; AS404 unknown plan; '
  'AS409 making a plan '
  'people hold (current subscription, scheduled change, unpaid checkout) or the default plan a team plan, or a '
  'team plan organizations hold (plan, scheduled change, unpaid checkout) a personal one.';

grant execute on function api.set_plan_seats(text, text, text, integer) to astapa_app;

create or replace function astapa.team_period(paid_through timestamptz, plan_interval text) returns tstzrange
  language sql
  immutable
  set search_path = ''
  as $$
    select pg_catalog.tstzrange(
      case plan_interval when 'year' then paid_through - interval '1 year' else paid_through - interval '1 month' end,
      paid_through)
  $$;

comment on function astapa.team_period(timestamptz, text) is
  'The running period of a team plan paid through paid_through: one interval (month or year) back from it.';

grant execute on function astapa.team_period(timestamptz, text) to astapa_app;

create or replace function astapa.organization_last_buyer(o astapa.organizations,
                                                          out buyer_name text, out buyer_tax_id text)
  language sql
  stable
  set search_path = ''
  as $$
    select c.buyer_name, c.buyer_tax_id from astapa.checkouts as c
    where c.project_id = o.project_id and c.organization_id = o.id and c.status = 'paid'
    order by c.paid_at desc nulls last, c.id desc
    limit 1
  $$;

comment on function astapa.organization_last_buyer(astapa.organizations) is
  'The name and NPWP its last paid team checkout''s receipt was made out to (both null for none): a new team '
  'checkout of the organization starts with them, so its receipts keep the company''s tax details without the '
  'payer entering them again (the checkout page can still change them before paying).';

grant execute on function astapa.organization_last_buyer(astapa.organizations) to astapa_app;

create or replace function api.create_organization_checkout(project_id text, organization_id text, checkout jsonb)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    chosen astapa.plans;
    payer_role text;
    members integer;
    bought_seats integer;
    paid_seats integer;
    price_due bigint;
    period tstzrange;
    opened jsonb;
  begin
    if o.project_id is distinct from create_organization_checkout.project_id then
      raise exception using errcode = 'AS404', message = 'This organization was not found in this project.';
    elsif pg_catalog.jsonb_typeof(checkout) is distinct from 'object' then
      raise exception using errcode = 'AS400', message = 'checkout must be a JSON object.';
    elsif checkout ? 'coupon' or checkout ? 'period_start' then
      raise exception using errcode = 'AS400', message = 'A team plan checkout takes no coupon and no period_start.';
    end if;
    select * into chosen from astapa.plans as p
    where p.project_id = o.project_id and p.key = checkout ->> 'plan' and p.archived_at is null;
    if not found or chosen.seat_pricing is null then
      raise exception using errcode = 'AS400', detail = '{"plan": ["Not a team plan of this project."]}',
        message = pg_catalog.format('There is no team plan %s to buy for an organization in this project.',
          checkout ->> 'plan');
    end if;
    select m.role into payer_role from astapa.organization_memberships as m
    where m.project_id = o.project_id and m.organization_id = o.id
      and m.user_id::text = coalesce(checkout ->> 'sub', '');
    if payer_role is null or payer_role not in ('owner', 'admin') then
      raise exception using errcode = 'AS403',
        message = pg_catalog.format('Only an owner or admin of %s can pay for its plan.', o.name);
    end if;
    select count(*) into members from astapa.organization_memberships as m
    where m.project_id = o.project_id and m.organization_id = o.id;
    if chosen.seat_pricing = 'flat' then
      bought_seats := chosen.included_seats;
    elsif coalesce(checkout ->> 'seats', '') !~ '^[0-9]{1,6}$' or (checkout ->> 'seats')::integer not between 1 and 100000 then
      raise exception using errcode = 'AS400', detail = '{"seats": ["A whole number from 1 to 100000."]}',
        message = 'seats must be a whole number from 1 to 100000 for a plan priced per seat.';
    else
      bought_seats := (checkout ->> 'seats')::integer;
    end if;
    if checkout ? 'seats' and (checkout ->> 'seats') is distinct from bought_seats::text then
      raise exception using errcode = 'AS400', detail = '{"seats": ["A flat plan has its own seats."]}',
        message = pg_catalog.format('Plan %s comes with %s seats; it cannot be bought for another number.',
          chosen.key, bought_seats);
    elsif bought_seats < members then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        '%s has %s members, more than the %s seats of this checkout: buy more seats or remove members first.',
        o.name, members, bought_seats);
    end if;
    price_due := chosen.price_idr * case when chosen.seat_pricing = 'per_seat' then bought_seats else 1 end;
    -- More seats on the plan already paid for a running period: only the added seats, for the rest of it.
    if chosen.seat_pricing = 'per_seat' and o.plan_key = chosen.key and o.plan_paid_through > pg_catalog.now()
       and bought_seats > coalesce(astapa.organization_seat_limit(o), 0) and o.seat_limit is not null then
      paid_seats := astapa.organization_seat_limit(o);
      period := astapa.team_period(o.plan_paid_through, chosen.interval);
      price_due := pg_catalog.ceil(chosen.price_idr * (bought_seats - paid_seats)
        * pg_catalog.date_part('epoch', o.plan_paid_through - pg_catalog.now())
        / pg_catalog.date_part('epoch', pg_catalog.upper(period) - pg_catalog.lower(period)))::bigint;
    end if;
    opened := astapa.open_checkout(o.project_id, (checkout - 'seats')
      || pg_catalog.jsonb_build_object('plan', chosen.key), o.id);
    update astapa.checkouts as c
    set organization_id = o.id, seats = bought_seats, seats_from = paid_seats, amount = greatest(price_due, 1),
        seats_until = case when paid_seats is not null then o.plan_paid_through end,
        buyer_name = last.buyer_name, buyer_tax_id = last.buyer_tax_id, updated_at = pg_catalog.now()
    from astapa.organization_last_buyer(o) as last
    where c.project_id = o.project_id and c.public_id = opened ->> 'checkout_id';
    perform astapa.audit(o.project_id, 'organization.checkout', o.id, pg_catalog.jsonb_build_object(
      'checkout', opened ->> 'checkout_id', 'plan', chosen.key, 'seats', bought_seats, 'seats_from', paid_seats,
      'amount', greatest(price_due, 1), 'payer', checkout ->> 'sub'));
    return (select astapa.checkout_json(c) || pg_catalog.jsonb_build_object(
              'organization_id', c.organization_id, 'seats', c.seats, 'seats_from', c.seats_from)
            from astapa.checkouts as c where c.project_id = o.project_id and c.public_id = opened ->> 'checkout_id');
  end
  $$;

comment on function api.create_organization_checkout(text, text, jsonb) is
  'Opens a checkout of a team plan for an organization: {sub (an owner or admin, who pays), plan, seats (per '
  'seat; a flat plan has its own), success_url?, failure_url?, xendit_account}. Amount: price x seats (per seat) '
  'or price (flat); adding seats to the plan paid for a running period costs only the added seats for the rest '
  'of it. AS400 not a team plan, bad seats, a coupon; AS403 payer no owner or admin; AS404 unknown organization; '
  'AS409 fewer seats than members.';

grant execute on function api.create_organization_checkout(text, text, jsonb) to astapa_app;

create or replace function astapa.apply_paid_organization_checkout(target astapa.checkouts) returns timestamptz
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations;
    chosen astapa.plans;
    scheduled astapa.plan_changes;
    settled astapa.plan_changes;
    period_start timestamptz;
    one_period interval;
    seats_now integer;
    seats_until timestamptz;
  begin
    select * into o from astapa.organizations as x
    where x.project_id = target.project_id and x.id = target.organization_id
    for update;
    if not found then
      return null;  -- deleted since: the payment is kept (and receipted) for a refund
    end if;
    select * into chosen from astapa.plans as p where p.project_id = target.project_id and p.key = target.plan_key;
    one_period := case chosen.interval when 'year' then interval '1 year' else interval '1 month' end;
    seats_now := astapa.organization_seat_limit(o);
    scheduled := astapa.scheduled_plan_change(o);
    -- The end of the period an added-seats price covered (before migration 4318: the period running now).
    seats_until := coalesce(target.seats_until, o.plan_paid_through);
    if target.seats_from is not null and (o.plan_key is distinct from target.plan_key
       or seats_until <= pg_catalog.now() or o.plan_paid_through < seats_until) then
      -- Added seats for a period that is over (or a plan the organization no longer has): their price was a
      -- share of that period, so they buy nothing now, least of all a new period. The payment stays, receipted,
      -- for a refund.
      perform astapa.audit(o.project_id, 'organization.seats_lapsed', o.id, pg_catalog.jsonb_build_object(
        'checkout', target.public_id, 'plan', target.plan_key, 'seats', target.seats, 'seats_until', seats_until));
      return null;  -- no period bought: the receipt names none
    elsif target.seats_from is not null and o.plan_paid_through = seats_until then
      -- Added seats: the period stays, the limit grows (never shrinks: two seat checkouts paid in any order) and
      -- holds until plan_paid_through, which the prorated price covered, so a lower later limit is dropped.
      update astapa.organizations as x
      set seat_limit = greatest(seats_now, target.seats), next_seat_limit = null, next_seat_limit_from = null,
          updated_at = pg_catalog.now()
      where x.project_id = o.project_id and x.id = o.id
      returning * into o;
    elsif target.seats_from is not null then
      -- Added seats paid after the next period was: they hold to the end of the period they were priced for;
      -- from then the seats that next period was paid for.
      update astapa.organizations as x
      set seat_limit = greatest(seats_now, target.seats),
          next_seat_limit = case when o.next_seat_limit_from > pg_catalog.now() then o.next_seat_limit
                                 else seats_now end,
          next_seat_limit_from = seats_until, updated_at = pg_catalog.now()
      where x.project_id = o.project_id and x.id = o.id
      returning * into o;
    elsif o.plan_key = target.plan_key and o.plan_paid_through > pg_catalog.now() and target.seats <> seats_now then
      -- The next period of the same plan, for other seats: the running period keeps the seats it was paid for
      -- (more seats are not paid before the new period starts; fewer would cut a paid period short); the new
      -- limit starts with the new period.
      update astapa.organizations as x
      set seat_limit = seats_now, next_seat_limit = target.seats, next_seat_limit_from = o.plan_paid_through,
          plan_canceled_at = null, updated_at = pg_catalog.now(),
          plan_paid_through = o.plan_paid_through + one_period
      where x.project_id = o.project_id and x.id = o.id
      returning * into o;
    elsif scheduled.to_plan = target.plan_key and o.plan_paid_through + one_period > pg_catalog.now() then
      -- The next period on the plan scheduled for it (api.change_organization_plan): from the paid-through date,
      -- also when paid in the grace days. Like a person's scheduled change, the plan switches when its period is
      -- paid; the seats paid for the running period hold until it ends, the new plan's from then.
      update astapa.organizations as x
      set plan_key = target.plan_key, plan_canceled_at = null, updated_at = pg_catalog.now(),
          seat_limit = case when o.plan_paid_through > pg_catalog.now() then seats_now else target.seats end,
          next_seat_limit = case when o.plan_paid_through > pg_catalog.now() then target.seats end,
          next_seat_limit_from = case when o.plan_paid_through > pg_catalog.now() then o.plan_paid_through end,
          plan_paid_through = o.plan_paid_through + one_period
      where x.project_id = o.project_id and x.id = o.id
      returning * into o;
    else
      -- A period of the plan: from the end of the one paid for the same plan — also when paid in the grace days
      -- after it (the plan was kept meanwhile, api.organization_renewal_step) — else from now.
      period_start := case when o.plan_key = target.plan_key and o.plan_paid_through is not null
                                and o.plan_paid_through + one_period > pg_catalog.now()
                           then o.plan_paid_through else pg_catalog.now() end;
      update astapa.organizations as x
      set plan_key = target.plan_key, seat_limit = target.seats, next_seat_limit = null,
          next_seat_limit_from = null, plan_canceled_at = null, updated_at = pg_catalog.now(),
          plan_paid_through = period_start + one_period
      where x.project_id = o.project_id and x.id = o.id
      returning * into o;
    end if;
    if target.seats_from is null then
      -- A period was paid for: a scheduled change to its plan is applied, to another plan canceled (the next
      -- period is paid on this one). Added seats leave it be.
      settled := astapa.settle_plan_changes(o.project_id, null, o.id, target.plan_key);
    end if;
    perform astapa.emit_event(o.project_id, 'organization.updated',
      pg_catalog.jsonb_build_object('organization', astapa.organization_json(o)));
    if settled.id is not null then
      perform astapa.emit_organization_plan_change(o, settled);
    end if;
    perform astapa.audit(o.project_id, 'organization.plan_paid', o.id, pg_catalog.jsonb_build_object(
      'checkout', target.public_id, 'plan', o.plan_key, 'seat_limit', o.seat_limit,
      'next_seat_limit', o.next_seat_limit, 'next_seat_limit_from', o.next_seat_limit_from,
      'paid_through', o.plan_paid_through, 'plan_change', settled.id, 'plan_change_status', settled.status));
    return o.plan_paid_through;
  end
  $$;

comment on function astapa.apply_paid_organization_checkout(astapa.checkouts) is
  'What a paid team plan checkout does (called by astapa.apply_payment_event_row): the organization gets the '
  'plan, its seats as seat_limit and a period (after the one already paid for that plan, also when paid in the '
  'grace days); other seats for the next period of the running plan become next_seat_limit from that period''s '
  'start (the running one keeps its seats); the plan a change is scheduled to (api.change_organization_plan) '
  'takes over with the next period (its seats from that period''s start), the change applied; a period of '
  'another plan cancels a scheduled change; a checkout adding seats only raises seat_limit, until the end of '
  'the period it was priced for (seats_until; a later period paid meanwhile keeps its own seats from then), '
  'and paid after that period (or for a plan the organization no longer has) changes nothing (audited '
  'organization.seats_lapsed). Paying undoes a cancel. Returns the paid-through date; null when the '
  'organization was deleted or the seats lapsed.';

grant execute on function astapa.apply_paid_organization_checkout(astapa.checkouts) to astapa_app;

create or replace function api.organization_billing(user_id bigint) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'organizations', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'id', o.id, 'name', o.name, 'slug', o.slug, 'role', m.role, 'plan', o.plan_key,
          'plan_name', (select p.name from astapa.plans as p where p.project_id = o.project_id and p.key = o.plan_key),
          'plan_paid_through', o.plan_paid_through, 'plan_canceled_at', o.plan_canceled_at,
          -- Unpaid past plan_paid_through: the plan is kept until the grace days are over.
          'plan_grace_until', case when o.plan_canceled_at is null and o.plan_paid_through <= pg_catalog.now()
            then o.plan_paid_through + astapa.setting_days(
              (select p.settings from astapa.projects as p where p.id = o.project_id), 'billing_grace_days', 3) end,
          'seat_limit', astapa.organization_seat_limit(o),
          'next_seat_limit', case when o.next_seat_limit_from > pg_catalog.now() then o.next_seat_limit end,
          'next_seat_limit_from', case when o.next_seat_limit_from > pg_catalog.now() then o.next_seat_limit_from end,
          'members', (select count(*) from astapa.organization_memberships as x
                      where x.project_id = o.project_id and x.organization_id = o.id),
          -- The team plan scheduled for the next period (api.change_organization_plan), with its name.
          'plan_change', (
            select astapa.plan_change_json(c) || pg_catalog.jsonb_build_object('to_plan_name', p.name)
            from astapa.plan_changes as c
            join astapa.plans as p on p.project_id = c.project_id and p.key = c.to_plan
            where c.project_id = o.project_id and c.organization_id = o.id and c.status = 'scheduled'),
          -- The linked method chosen to pay the renewals (its label is masked), whoever of the admins chose it.
          'billing_method', (
            -- unlinking: an unlink is under way (docs/payments.md "Unlinking a method"), so it is not charged.
            select pg_catalog.jsonb_build_object('method_id', l.public_id, 'label', l.label,
              'active', l.status = 'active', 'mine', l.user_id = organization_billing.user_id,
              'unlinking', l.status = 'active' and l.unlink_requested_at is not null)
            from astapa.linked_methods as l
            where l.project_id = o.project_id and l.id = o.billing_method_id),
          'payments', coalesce((
            select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
              'checkout_id', c.public_id, 'plan', c.plan_key, 'seats', c.seats, 'seats_from', c.seats_from,
              'amount', c.amount, 'paid_at', c.paid_at) order by c.paid_at desc)
            from astapa.checkouts as c
            where c.project_id = o.project_id and c.organization_id = o.id and c.status = 'paid'), '[]'))
          order by o.name)
        from astapa.organization_memberships as m
        join astapa.organizations as o on o.project_id = m.project_id and o.id = m.organization_id
        where m.project_id = (select astapa.current_project_id()) and m.user_id = organization_billing.user_id
          and m.role in ('owner', 'admin')), '[]'),
      'team_plans', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'key', p.key, 'name', p.name, 'price_idr', p.price_idr, 'interval', p.interval,
          'seat_pricing', p.seat_pricing, 'included_seats', p.included_seats) order by p.sort_order, p.price_idr)
        from astapa.plans as p
        where p.project_id = (select astapa.current_project_id())
              and p.seat_pricing is not null and p.archived_at is null
          and p.price_idr > 0), '[]'),
      -- The user's own active linked methods, not being unlinked: the ones they may choose for an organization.
      'linked_methods', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('method_id', l.public_id, 'label', l.label)
                                    order by l.id)
        from astapa.linked_methods as l
        where l.project_id = (select astapa.current_project_id()) and l.user_id = organization_billing.user_id
          and l.status = 'active' and l.unlink_requested_at is null), '[]'))
  $$;

comment on function api.organization_billing(bigint) is
  'The organization billing portal of a user: the organizations they are owner or admin of, each with its team '
  'plan, seats (limit in force, a different one paid for the next period, members), paid-through date, cancel '
  'and grace, the team plan scheduled for the next period (plan_change), the linked method chosen to pay its renewals (masked label, active, mine, '
  'unlinking: an unlink under way, so not charged) and paid team checkouts; '
  'the team plans on sale; and the user''s own active linked methods not being unlinked (those they may choose). '
  'Members who are neither owner nor admin see none (they do not pay).';

grant execute on function api.organization_billing(bigint) to astapa_app;

-- Renewals of team plans (migration 3970): reminders with the pay link, grace, falling back, cancel and resume.

create or replace function astapa.organization_period_charge_under_way(o astapa.organizations) returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    -- A full period's link opened during the running period, of any plan and voided or not, whose charge may still
    -- be paid (astapa.charge_under_way): paid, it buys the next period (paid wins). A second link meanwhile asked
    -- for the money twice — after a plan change, the new plan's charged while the old plan's linked charge was in
    -- flight. As a person's pass waits (astapa.period_checkout_exists).
    select exists (select from astapa.checkouts as c
                   where c.project_id = o.project_id and c.organization_id = o.id and c.seats_from is null
                     and c.status <> 'paid'
                     and c.created_at >= pg_catalog.lower(astapa.team_period(o.plan_paid_through,
                           (select p.interval from astapa.plans as p
                            where p.project_id = o.project_id and p.key = o.plan_key)))
                     and astapa.charge_under_way(c.project_id, c.id))
  $$;

comment on function astapa.organization_period_charge_under_way(astapa.organizations) is
  'Whether an unpaid link for a full period of an organization''s team plan (any plan, expired too), opened '
  'during the running period, has a charge under way (astapa.charge_under_way: a pending payment, a linked '
  'charge claimed). The organizations'' renewal pass opens no link meanwhile: after a plan change voided the '
  'old plan''s link with its charge in flight, it waits for that charge: paid, the period is paid; ended, the '
  'new plan''s link is opened (and charged) then.';

grant execute on function astapa.organization_period_charge_under_way(astapa.organizations) to astapa_app;

create or replace function astapa.organization_renewal_action(o astapa.organizations, now timestamptz, grace interval,
                                                              notice interval, can_renew boolean)
  returns text
  language sql
  stable
  set search_path = ''
  as $$
    select case
      when o.plan_key is null or o.plan_paid_through is null then null
      when o.plan_canceled_at is not null then case when o.plan_paid_through <= now then 'end' end
      when o.plan_paid_through + grace <= now then 'expire'
      when can_renew and o.plan_paid_through - notice <= now
        and o.plan_reminded_for is distinct from o.plan_paid_through
        and exists (select from astapa.plans as p
                    where p.project_id = o.project_id and p.key = astapa.next_period_plan(o) and p.archived_at is null
                      and p.price_idr > 0 and p.interval in ('month', 'year') and p.seat_pricing is not null)
        and exists (select from astapa.organization_memberships as m
                    join astapa.users as u on u.project_id = m.project_id and u.id = m.user_id
                    where m.project_id = o.project_id and m.organization_id = o.id and m.role = 'owner'
                      and not u.disabled)
        and not astapa.organization_period_charge_under_way(o)
        then 'remind'
    end
  $$;

comment on function astapa.organization_renewal_action(astapa.organizations, timestamptz, interval, interval, boolean) is
  'What the renewal pass must do with an organization''s paid team plan at `now`: end (canceled, period over), '
  'expire (unpaid, grace over), remind (the next period''s pay link is due and was not sent for this period; '
  'only with payments configured, the plan renewed into — a scheduled change''s, else its own — on sale, an '
  'owner who can pay, and no link of the period with a charge under way: '
  'astapa.organization_period_charge_under_way), or null.';

grant execute on function astapa.organization_renewal_action(astapa.organizations, timestamptz, interval, interval, boolean)
  to astapa_app;

create or replace function astapa.end_organization_plan(o astapa.organizations, reason text)
  returns astapa.organizations
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    ended_plan text := o.plan_key;
    settled astapa.plan_changes;
  begin
    -- The organization falls back: no plan in its tokens (org_plan leaves at the next refresh) and no seat
    -- limit, as before it bought one. Nobody is removed.
    update astapa.organizations as x
    set plan_key = null, seat_limit = null, next_seat_limit = null, next_seat_limit_from = null,
        plan_paid_through = null, plan_canceled_at = null, plan_reminded_for = null, updated_at = pg_catalog.now()
    where x.project_id = o.project_id and x.id = o.id;
    -- Its unpaid checkouts close with it, as a person's renewal links do (astapa.expire_renewal_checkouts): the
    -- renewal's pay link (mailed to every owner and admin), added seats, a payment to undo a cancel — paid later,
    -- each bought back (or added to) a plan that ended, undoing a cancel or an unpaid end. A charge already made
    -- on one is left as it is: if Xendit settles it, paid wins and buys a period from then. A callback takes
    -- the organization's row before the checkout (astapa.apply_payment_event_row): no circle with this wait.
    update astapa.checkouts as k set status = 'expired', updated_at = pg_catalog.now()
    where k.project_id = o.project_id and k.organization_id = o.id and k.status in ('open', 'pending');
    -- A change scheduled for a period that will not come is moot.
    settled := astapa.settle_plan_changes(o.project_id, null, o.id, null);
    select * into o from astapa.organizations as x where x.project_id = o.project_id and x.id = o.id;
    if settled.id is not null then
      perform astapa.emit_organization_plan_change(o, settled);
    end if;
    perform astapa.emit_event(o.project_id, 'organization.plan_ended', pg_catalog.jsonb_build_object(
      'organization', astapa.organization_json(o), 'plan', ended_plan, 'reason', reason));
    perform astapa.emit_event(o.project_id, 'organization.updated',
      pg_catalog.jsonb_build_object('organization', astapa.organization_json(o)));
    perform astapa.audit(o.project_id, 'organization.plan_ended', o.id, pg_catalog.jsonb_build_object(
      'plan', ended_plan, 'reason', reason));
    return o;
  end
  $$;

comment on function astapa.end_organization_plan(astapa.organizations, text) is
  'Takes a (locked) organization''s team plan away: no plan, seat limit or paid period (nobody is removed), a '
  'change scheduled for its next period made moot, its open or pending checkouts expired (their pages told by '
  'trigger checkouts_notify_change; a charge already made stays, and paid wins); organization.plan_ended '
  '(reason canceled, unpaid or refunded) and organization.updated emitted, audited. Returns the organization as '
  'it is now.';

grant execute on function astapa.end_organization_plan(astapa.organizations, text) to astapa_app;

create or replace function api.organization_renewal_step(project_id text, now timestamptz, xendit_account text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    grace interval;
    notice interval;
    picked text;
    o astapa.organizations;
    action text;
    ended_plan text;
    scheduled astapa.plan_changes;
    chosen astapa.plans;
    payer bigint;
    renewal_seats integer;
    opened jsonb;
    checkout jsonb;
    linked_charge jsonb;
  begin
    -- The same checks and settings as people's renewals (api.renewal_step).
    select r.grace, r.notice into grace, notice
    from astapa.renewal_settings(organization_renewal_step.project_id, now, xendit_account) as r;
    -- Instances share the work: each takes an organization nobody else holds.
    select x.id into picked from astapa.organizations as x
    where x.project_id = organization_renewal_step.project_id and x.plan_paid_through is not null
      and astapa.organization_renewal_action(x, now, grace, notice, xendit_account is not null) is not null
    order by x.plan_paid_through, x.id
    for update skip locked
    limit 1;
    if not found then
      return null;
    end if;
    -- A new statement, so a new snapshot: whatever another pass committed before we got the lock is seen here.
    select * into o from astapa.organizations as x
    where x.project_id = organization_renewal_step.project_id and x.id = picked;
    action := astapa.organization_renewal_action(o, now, grace, notice, xendit_account is not null);
    if action is null then
      return pg_catalog.jsonb_build_object('action', 'none', 'organization', o.id);
    end if;
    if action in ('end', 'expire') then
      ended_plan := o.plan_key;
      o := astapa.end_organization_plan(o, case action when 'end' then 'canceled' else 'unpaid' end);
      return pg_catalog.jsonb_build_object('action', action, 'organization', o.id, 'name', o.name,
        'plan', ended_plan);
    end if;
    -- remind: the next period's checkout — of the plan scheduled for it, else the same plan — for the seats the
    -- next period will have, paid by whoever chose a linked method for the organization (still an owner or
    -- admin; it is charged below), else by the longest-standing owner (anyone owner or admin may pay it: the
    -- link is mailed to them all).
    scheduled := astapa.scheduled_plan_change(o);
    select * into chosen from astapa.plans as p
    where p.project_id = o.project_id and p.key = coalesce(scheduled.to_plan, o.plan_key);
    select lm.user_id into payer from astapa.linked_methods as lm
    join astapa.organization_memberships as m
      on m.project_id = lm.project_id and m.organization_id = o.id and m.user_id = lm.user_id
         and m.role in ('owner', 'admin')
    join astapa.users as u on u.project_id = lm.project_id and u.id = lm.user_id and not u.disabled
    where lm.project_id = o.project_id and lm.id = o.billing_method_id and lm.status = 'active';
    if payer is null then
      select m.user_id into payer from astapa.organization_memberships as m
      join astapa.users as u on u.project_id = m.project_id and u.id = m.user_id
      where m.project_id = o.project_id and m.organization_id = o.id and m.role = 'owner' and not u.disabled
      order by m.created_at, m.user_id
      limit 1;
    end if;
    renewal_seats := case when chosen.seat_pricing = 'flat' then chosen.included_seats
                          when scheduled.id is not null then scheduled.seats
                          else coalesce(case when o.next_seat_limit_from <= o.plan_paid_through then o.next_seat_limit end,
                                        o.seat_limit,
                                        (select count(*) from astapa.organization_memberships as m
                                         where m.project_id = o.project_id and m.organization_id = o.id)::integer,
                                        1) end;
    begin
      opened := astapa.open_checkout(o.project_id, pg_catalog.jsonb_build_object(
        'sub', payer::text, 'plan', chosen.key, 'xendit_account', xendit_account,
        -- The link lives until the grace days are over: counted from the database's clock (expires_at).
        'ttl_seconds', least(greatest(pg_catalog.date_part('epoch', o.plan_paid_through + grace - pg_catalog.now()),
                                      3600), 31536000)::integer), o.id);
    exception when others then
      -- A checkout that cannot be opened (e.g. the owner belongs to the project's other environment) must not
      -- stop the pass: this period gets no pay link, the plan runs out through the grace days, and the audit
      -- log says why.
      update astapa.organizations as x set plan_reminded_for = o.plan_paid_through
      where x.project_id = o.project_id and x.id = o.id;
      perform astapa.audit(o.project_id, 'organization.renewal_skipped', o.id,
        pg_catalog.jsonb_build_object('plan', chosen.key, 'error', sqlerrm));
      return pg_catalog.jsonb_build_object('action', 'none', 'organization', o.id);
    end;
    update astapa.checkouts as c
    set organization_id = o.id, seats = renewal_seats, updated_at = pg_catalog.now(),
        amount = chosen.price_idr * case when chosen.seat_pricing = 'per_seat' then renewal_seats else 1 end,
        buyer_name = last.buyer_name, buyer_tax_id = last.buyer_tax_id
    from astapa.organization_last_buyer(o) as last
    where c.project_id = o.project_id and c.public_id = opened ->> 'checkout_id';
    update astapa.organizations as x set plan_reminded_for = o.plan_paid_through
    where x.project_id = o.project_id and x.id = o.id;
    -- The organization's chosen linked method is charged first (db/api/renewal_charges.sql), with the amount
    -- set just above; the pay-link mail waits for its outcome.
    linked_charge := astapa.open_renewal_charge(o.project_id, opened ->> 'checkout_id');
    select astapa.checkout_json(c) || pg_catalog.jsonb_build_object(
             'organization_id', c.organization_id, 'seats', c.seats, 'seats_from', c.seats_from)
    into checkout
    from astapa.checkouts as c where c.project_id = o.project_id and c.public_id = opened ->> 'checkout_id';
    perform astapa.emit_event(o.project_id, 'organization.renewal_due', pg_catalog.jsonb_build_object(
      'organization', astapa.organization_json(o), 'checkout_id', checkout ->> 'checkout_id',
      'amount', checkout -> 'amount', 'seats', renewal_seats, 'period_start', o.plan_paid_through,
      'auto_charge', linked_charge is not null));
    perform astapa.audit(o.project_id, 'organization.renewal_due', o.id, pg_catalog.jsonb_build_object(
      'checkout', checkout ->> 'checkout_id', 'plan', chosen.key, 'seats', renewal_seats,
      'amount', checkout -> 'amount', 'period_start', o.plan_paid_through));
    return pg_catalog.jsonb_build_object('action', action, 'organization', o.id, 'name', o.name,
      'plan', chosen.key, 'plan_name', chosen.name, 'checkout', checkout, 'period_start', o.plan_paid_through,
      'linked_charge', linked_charge,
      'emails', coalesce((
        select pg_catalog.jsonb_agg(u.email order by m.created_at, m.user_id)
        from astapa.organization_memberships as m
        join astapa.users as u on u.project_id = m.project_id and u.id = m.user_id
        where m.project_id = o.project_id and m.organization_id = o.id and m.role in ('owner', 'admin')
          and not u.disabled and u.email is not null), '[]'));
  end
  $$;

comment on function api.organization_renewal_step(text, timestamptz, text) is
  'One step of the organizations'' renewal pass at `now` (FOR UPDATE SKIP LOCKED; null when nothing is left): '
  'opens the next period''s checkout of a team plan (a scheduled change''s plan and seats, else the same plan; '
  'xendit_account; null: payments not configured, none) for the seats of the next period, paid by an owner, once per period, and answers the owners'' and admins'' '
  'addresses for the pay-link mail (remind; with the organization''s chosen linked method, linked_charge: '
  'its owner pays, the method is charged and the mail waits); or, when a canceled plan''s period is over (end) or an unpaid one''s '
  'grace days are (expire), takes the plan and seat limit away. A pay link that cannot be opened is skipped for '
  'the period (audited organization.renewal_skipped; action none). Settings billing_grace_days (3) and '
  'billing_renewal_notice_days (7). AS400 without now or with an unknown account; AS404 unknown project.';

grant execute on function api.organization_renewal_step(text, timestamptz, text) to astapa_app;

create or replace function api.set_organization_billing_method(project_id text, user_id bigint,
                                                               organization_id text, method_id text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations;
    picked astapa.linked_methods;
  begin
    select * into o from astapa.organizations as x
    where x.project_id = set_organization_billing_method.project_id
      and x.id = set_organization_billing_method.organization_id
    for no key update;
    if not found or not exists (
         select from astapa.organization_memberships as m
         where m.project_id = o.project_id and m.organization_id = o.id
           and m.user_id = set_organization_billing_method.user_id and m.role in ('owner', 'admin')) then
      -- Each refusal names its field in DETAIL (astapa.raise_problems' shape): the org page tells them apart by it.
      raise exception using errcode = 'AS404', message = 'No organization you own or administer has this id.',
        detail = '{"organization": ["Not an organization you own or administer."]}';
    end if;
    if method_id is not null then
      -- One's own method only: nobody chooses another person's e-wallet or card to pay for the team.
      select * into picked from astapa.linked_methods as m
      where m.project_id = o.project_id and m.public_id = set_organization_billing_method.method_id
        and m.user_id = set_organization_billing_method.user_id;
      if not found then
        raise exception using errcode = 'AS404', message = 'You have no linked method with this id.',
          detail = '{"method_id": ["Not a linked method of yours."]}';
      elsif picked.status <> 'active' then
        raise exception using errcode = 'AS409', message = 'This method is not active: link it first.',
          detail = '{"method_id": ["This method is not active."]}';
      elsif picked.unlink_requested_at is not null then
        raise exception using errcode = 'AS409', message = 'This method is being unlinked.',
          detail = '{"method_id": ["This method is being unlinked."]}';
      end if;
    end if;
    update astapa.organizations as x set billing_method_id = picked.id, updated_at = pg_catalog.now()
    where x.project_id = o.project_id and x.id = o.id;
    perform astapa.audit(o.project_id, 'organization.billing_method_set', o.id, pg_catalog.jsonb_build_object(
      'by', set_organization_billing_method.user_id::text, 'method_id', picked.public_id, 'label', picked.label));
    return pg_catalog.jsonb_build_object('organization', o.id, 'method_id', picked.public_id,
      'label', picked.label, 'payer', case when picked.id is not null then user_id::text end);
  end
  $$;

comment on function api.set_organization_billing_method(text, bigint, text, text) is
  'An owner or admin chooses one of their own active linked methods (any kind) to pay the organization''s '
  'team plan renewals, or none (method_id null): the renewal pass then charges it, the chooser being the payer, '
  'while it stays active and they stay owner or admin. Audited. AS404 no such organization of theirs (DETAIL '
  'names the field organization) or method of theirs (method_id); AS409 method not active (method_id).';

grant execute on function api.set_organization_billing_method(text, bigint, text, text) to astapa_app;

create or replace function api.organization_renewal_billing(project_id text, organization_id text,
                                                            max_count integer default 50)
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    o astapa.organizations;
  begin
    perform astapa.require_project(project_id);
    select * into o from astapa.organizations as x
    where x.project_id = organization_renewal_billing.project_id
      and (x.id = organization_renewal_billing.organization_id or x.slug = organization_renewal_billing.organization_id);
    if not found then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('Organization %s was not found in this project.', organization_id);
    end if;
    return pg_catalog.jsonb_build_object(
      'organization_id', o.id,
      'plan', o.plan_key,
      'plan_paid_through', o.plan_paid_through,
      -- The chooser pays: whose method it is, whether it is still charged (active, and they still an owner or
      -- admin); the label is masked.
      'billing_method', (
        select astapa.linked_method_json(l) || pg_catalog.jsonb_build_object(
                 'charged', l.status = 'active' and l.unlink_requested_at is null and exists (
                   select from astapa.organization_memberships as m
                   where m.project_id = o.project_id and m.organization_id = o.id and m.user_id = l.user_id
                     and m.role in ('owner', 'admin')))
        from astapa.linked_methods as l
        where l.project_id = o.project_id and l.id = o.billing_method_id),
      'renewal_charges', astapa.renewal_charge_list(o.project_id, null, o.id, max_count));
  end
  $$;

comment on function api.organization_renewal_billing(text, text, integer) is
  'An organization''s automatic renewal as the project''s backend reads it: its team plan and paid-through '
  'date, the linked method chosen to pay the renewals (masked; sub: its owner, the payer; unlink_requested_at; '
  'charged: active, not being unlinked, and the '
  'chooser still owner or admin) or null, and the renewal charges made for it (newest max_count, 1-200, '
  'default 50). By id or slug. AS404 unknown organization or project (RLS: the project in context).';

grant execute on function api.organization_renewal_billing(text, text, integer) to astapa_app;

create or replace function api.clear_organization_billing_method(project_id text, organization_id text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations;
    was astapa.linked_methods;
  begin
    perform astapa.require_project(project_id);
    o := astapa.lock_organization(organization_id);
    if o.project_id is distinct from clear_organization_billing_method.project_id then
      raise exception using errcode = 'AS404', message = 'This organization was not found in this project.';
    end if;
    select * into was from astapa.linked_methods as l where l.project_id = o.project_id and l.id = o.billing_method_id;
    if o.billing_method_id is not null then
      update astapa.organizations as x set billing_method_id = null, updated_at = pg_catalog.now()
      where x.project_id = o.project_id and x.id = o.id;
      perform astapa.audit(o.project_id, 'organization.billing_method_set', o.id, pg_catalog.jsonb_build_object(
        'by', null, 'method_id', null, 'label', null, 'cleared', was.public_id));
    end if;
    return pg_catalog.jsonb_build_object('organization', o.id, 'method_id', null, 'label', null, 'payer', null,
      'cleared', was.public_id);
  end
  $$;

comment on function api.clear_organization_billing_method(text, text) is
  'The project (its backend, the dashboard) stops charging an organization''s renewals to the linked method an '
  'owner or admin chose: renewals go back to the pay-link mail. Only clearing: choosing a method is the '
  'chooser''s own act (api.set_organization_billing_method), since the chooser pays. Audited '
  'organization.billing_method_set (cleared: the method''s id) when one was chosen; again is a no-op. By id or '
  'slug. AS404 unknown organization or project.';

grant execute on function api.clear_organization_billing_method(text, text) to astapa_app;

create or replace function astapa.clear_unlinked_billing_methods(project_id text, method_ids bigint[], wait boolean,
                                                                 actor text)
  returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    cleared record;
    total integer := 0;
    -- The audit's reason: as a membership an erasure ends says it (account_deleted).
    reason text := case actor when 'claim' then 'claimed' when 'erasure' then 'account_deleted' end;
  begin
    if clear_unlinked_billing_methods.project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403',
        message = 'Organizations'' billing methods are cleared in the project the request acts for.';
    end if;
    if reason is null then
      raise exception using errcode = 'AS400', message = 'Billing methods are cleared for a claim or an erasure.';
    end if;
    -- The claim or erasure holds the user's row, and a renewal step holds its organization's row while it opens
    -- the payer's checkout (which waits for that user's row): waiting for an organization here could be a circle.
    -- So it skips an organization held at that moment; the billing pass clears it when it ends the unlink (wait:
    -- astapa.audit_method_unlinked, which holds only the method's row).
    if wait then
      perform from astapa.organizations as x
      where x.project_id = clear_unlinked_billing_methods.project_id
        and x.billing_method_id = any(clear_unlinked_billing_methods.method_ids)
      order by x.id
      for no key update;
    end if;
    for cleared in
      with held as (
        select x.id, x.billing_method_id from astapa.organizations as x
        where x.project_id = clear_unlinked_billing_methods.project_id
          and x.billing_method_id = any(clear_unlinked_billing_methods.method_ids)
        order by x.id
        for no key update skip locked)
      update astapa.organizations as x set billing_method_id = null, updated_at = pg_catalog.now()
      from held join astapa.linked_methods as l
        on l.project_id = clear_unlinked_billing_methods.project_id and l.id = held.billing_method_id
      where x.project_id = clear_unlinked_billing_methods.project_id and x.id = held.id
      returning x.id, l.public_id
    loop
      -- As api.clear_organization_billing_method audits a clearing, with the claim or the erasure as the reason.
      perform astapa.audit(project_id, 'organization.billing_method_set', cleared.id, pg_catalog.jsonb_build_object(
        'by', null, 'method_id', null, 'label', null, 'cleared', cleared.public_id, 'reason', reason));
      total := total + 1;
    end loop;
    return total;
  end
  $$;

comment on function astapa.clear_unlinked_billing_methods(text, bigint[], boolean, text) is
  'A claim''s or an erasure''s part (actor claim or erasure) for the organizations that chose one of the linked '
  'methods it unlinks (method_ids): their billing_method_id goes back to null, so renewals are mailed pay links '
  'until an owner or admin chooses another, each audited organization.billing_method_set {cleared: the method''s '
  'id, reason: claimed or account_deleted}. Inside the claim or erasure (wait false, astapa.unlink_every_method) '
  'an organization another transaction holds is skipped (no lock circle with the user''s row); the billing pass '
  'ending the unlink clears it (wait true, astapa.audit_method_unlinked). Returns how many were cleared. AS403 '
  'outside the acting project, AS400 another actor.';

grant execute on function astapa.clear_unlinked_billing_methods(text, bigint[], boolean, text) to astapa_app;

drop policy if exists "definer functions see which projects have team plans to renew" on astapa.organizations;
create policy "definer functions see which projects have team plans to renew" on astapa.organizations
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.list_organization_renewals', true) = 'on'
         and plan_paid_through is not null);

create or replace function api.projects_with_organization_renewals() returns text[]
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  declare
    projects text[];
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'projects_with_organization_renewals runs outside any project.';
    end if;
    perform pg_catalog.set_config('astapa.list_organization_renewals', 'on', true);
    select pg_catalog.array_agg(distinct o.project_id) into projects
    from astapa.organizations as o where o.plan_paid_through is not null;
    perform pg_catalog.set_config('astapa.list_organization_renewals', '', true);
    return coalesce(projects, '{}');
  end
  $$;

comment on function api.projects_with_organization_renewals() is
  'Definer: the renewal scheduler serves every project, so it must learn which have organizations with a paid '
  'team plan (beside api.projects_with_billing_work). Returns project ids only; the work then runs as each '
  'project (RLS). Runs only without a project set.';

revoke execute on function api.projects_with_organization_renewals() from public;

grant execute on function api.projects_with_organization_renewals() to astapa_app;

create or replace function astapa.organization_plan_actor(o astapa.organizations, sub text, verb text) returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    if sub is not null and not exists (
        select from astapa.organization_memberships as m
        where m.project_id = o.project_id and m.organization_id = o.id and m.user_id::text = sub
          and m.role in ('owner', 'admin')) then
      raise exception using errcode = 'AS403',
        message = pg_catalog.format('Only an owner or admin of %s can %s its plan.', o.name, verb);
    end if;
  end
  $$;

comment on function astapa.organization_plan_actor(astapa.organizations, text, text) is
  'Refuses (AS403) a person (sub) who is not an owner or admin of the organization; null sub is the app itself.';

grant execute on function astapa.organization_plan_actor(astapa.organizations, text, text) to astapa_app;

create or replace function api.cancel_organization_plan(project_id text, organization_id text, sub text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
  begin
    if o.project_id is distinct from cancel_organization_plan.project_id then
      raise exception using errcode = 'AS404', message = 'This organization was not found in this project.';
    end if;
    perform astapa.organization_plan_actor(o, sub, 'cancel');
    if o.plan_key is null or o.plan_paid_through is null or o.plan_paid_through <= pg_catalog.now() then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        '%s has no running paid team plan to cancel.', o.name);
    end if;
    if o.plan_canceled_at is null then
      update astapa.organizations as x set plan_canceled_at = pg_catalog.now(), updated_at = pg_catalog.now()
      where x.project_id = o.project_id and x.id = o.id
      returning * into o;
      -- The next period's pay link is voided, as a person's cancel voids theirs (api.cancel_subscription): paid,
      -- it would renew the plan, the cancel undone. One with a charge under way is left (paid wins).
      perform astapa.expire_organization_renewal_checkouts(o.project_id, o.id, o.plan_key);
      if astapa.next_period_plan(o) is distinct from o.plan_key then
        perform astapa.expire_organization_renewal_checkouts(o.project_id, o.id, astapa.next_period_plan(o));
      end if;
      perform astapa.emit_event(o.project_id, 'organization.updated',
        pg_catalog.jsonb_build_object('organization', astapa.organization_json(o)));
      perform astapa.audit(o.project_id, 'organization.plan_canceled', o.id, pg_catalog.jsonb_build_object(
        'plan', o.plan_key, 'ends_at', o.plan_paid_through, 'by', coalesce(sub, 'app')));
    end if;
    return astapa.organization_json(o);
  end
  $$;

comment on function api.cancel_organization_plan(text, text, text) is
  'Cancels an organization''s paid team plan at the end of its period (no renewal; the renewal pass then takes '
  'it away); its next period''s pay links without a charge under way expire '
  '(astapa.expire_organization_renewal_checkouts); sub: the owner or admin asking, null for the app. Repeating '
  'it changes nothing. AS403 sub no owner '
  'or admin; AS404 unknown organization; AS409 no running paid team plan.';

grant execute on function api.cancel_organization_plan(text, text, text) to astapa_app;

create or replace function api.resume_organization_plan(project_id text, organization_id text, sub text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
  begin
    if o.project_id is distinct from resume_organization_plan.project_id then
      raise exception using errcode = 'AS404', message = 'This organization was not found in this project.';
    end if;
    perform astapa.organization_plan_actor(o, sub, 'resume');
    if o.plan_canceled_at is null or o.plan_paid_through <= pg_catalog.now() then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        '%s has no canceled team plan still running to resume.', o.name);
    end if;
    update astapa.organizations as x set plan_canceled_at = null, updated_at = pg_catalog.now()
    where x.project_id = o.project_id and x.id = o.id
    returning * into o;
    perform astapa.emit_event(o.project_id, 'organization.updated',
      pg_catalog.jsonb_build_object('organization', astapa.organization_json(o)));
    perform astapa.audit(o.project_id, 'organization.plan_resumed', o.id, pg_catalog.jsonb_build_object(
      'plan', o.plan_key, 'by', coalesce(sub, 'app')));
    return astapa.organization_json(o);
  end
  $$;

comment on function api.resume_organization_plan(text, text, text) is
  'Undoes a cancel while the paid period runs: the team plan renews again. sub: the owner or admin asking, null '
  'for the app. AS403 sub no owner or admin; AS404 unknown organization; AS409 not canceled, or already over.';

grant execute on function api.resume_organization_plan(text, text, text) to astapa_app;

-- An organization's team plan changed from the next period (migration 4154): the same rows and rules as a
-- person's scheduled change (db/api/plan_changes.sql), with the seats the new plan will have.

create or replace function astapa.emit_organization_plan_change(o astapa.organizations, change astapa.plan_changes)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    perform astapa.emit_event(o.project_id, 'organization.plan_change', pg_catalog.jsonb_build_object(
      'organization', astapa.organization_json(o), 'change', astapa.plan_change_json(change)));
  end
  $$;

comment on function astapa.emit_organization_plan_change(astapa.organizations, astapa.plan_changes) is
  'The organization.plan_change webhook: {organization, change}, when a change is scheduled, withdrawn, applied '
  'or made moot.';

grant execute on function astapa.emit_organization_plan_change(astapa.organizations, astapa.plan_changes)
  to astapa_app;

create or replace function astapa.expire_organization_renewal_checkouts(project_id text, organization_id text,
                                                                        plan_key text)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- Full periods of a plan canceled (or refunded to its period end), without a charge under way: open, or every
    -- charge ended (another method would buy them). One being paid now, or a linked method being charged, is
    -- left to finish: paid wins. The caller holds the organization's row, which a callback takes before the
    -- checkout: no circle. The checkouts are held first, in id order, and read again after: a linked charge's
    -- claim (api.next_renewal_charge) holds its checkout while it marks the charge claimed; read in the same
    -- statement that waited for it, the claim was unseen and its link expired, the money then taken for a plan
    -- canceled (tests/sql/organization_renewal_races_test.ts).
    perform astapa.hold_organization_renewal_checkouts(project_id, organization_id, plan_key);
    update astapa.checkouts as k set status = 'expired', updated_at = pg_catalog.now()
    where k.project_id = expire_organization_renewal_checkouts.project_id
      and k.organization_id = expire_organization_renewal_checkouts.organization_id
      and k.plan_key = expire_organization_renewal_checkouts.plan_key
      and k.status in ('open', 'pending') and k.seats_from is null
      and not astapa.charge_under_way(k.project_id, k.id);
    if found then
      -- The renewal pass opens the right pay link (and mails it) again for this period.
      update astapa.organizations as x set plan_reminded_for = null
      where x.project_id = expire_organization_renewal_checkouts.project_id
        and x.id = expire_organization_renewal_checkouts.organization_id;
    end if;
  end
  $$;

comment on function astapa.expire_organization_renewal_checkouts(text, text, text) is
  'Expires an organization''s unpaid checkouts of a full period of plan_key that have no charge under way '
  '(astapa.charge_under_way: open, or every charge ended) — the plan was canceled, or refunded to its period '
  'end; their pages told by trigger checkouts_notify_change — and lets the renewal pass open and mail the right '
  'one. The caller holds the organization''s row; the checkouts are held next, in id order, then read '
  '(astapa.hold_organization_renewal_checkouts), so a linked charge claimed meanwhile is seen.';

grant execute on function astapa.expire_organization_renewal_checkouts(text, text, text) to astapa_app;

create or replace function astapa.hold_organization_renewal_checkouts(project_id text, organization_id text,
                                                                      plan_key text)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- Every row (a SQL function's last select would fetch, and so lock, only the first).
    perform from astapa.checkouts as k
    where k.project_id = hold_organization_renewal_checkouts.project_id
      and k.organization_id = hold_organization_renewal_checkouts.organization_id
      and k.plan_key = hold_organization_renewal_checkouts.plan_key
      and k.status in ('open', 'pending') and k.seats_from is null
    order by k.id
    for update;
  end
  $$;

comment on function astapa.hold_organization_renewal_checkouts(text, text, text) is
  'Holds an organization''s unpaid checkouts of a full period of plan_key, in id order (docs/database.md "Lock '
  'order": the organization''s row, then its checkouts), before the caller reads their charges in its next '
  'statement: a linked charge''s claim holding one is waited for, and then seen.';

grant execute on function astapa.hold_organization_renewal_checkouts(text, text, text) to astapa_app;

create or replace function astapa.replace_organization_renewal_checkouts(project_id text, organization_id text,
                                                                        plan_key text)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- Full periods of the plan the next period no longer renews into (a change scheduled, or withdrawn): every
    -- unpaid one, as a person's plan change expires theirs (astapa.expire_open_renewal_checkouts). One whose
    -- charge is under way is expired all the same: paid, it still renews that plan (a callback pays an expired
    -- checkout: paid wins, the change settled); failed, it mails no pay link for that plan, which left open it
    -- did, the period kept from the new plan's link (plan_reminded_for). Meanwhile the pass opens no link for
    -- the period (astapa.organization_period_charge_under_way): the right one is opened, and charged, once that
    -- charge ended unpaid. The caller holds the organization's row; the checkouts are held next, in id order.
    perform astapa.hold_organization_renewal_checkouts(project_id, organization_id, plan_key);
    update astapa.checkouts as k set status = 'expired', updated_at = pg_catalog.now()
    where k.project_id = replace_organization_renewal_checkouts.project_id
      and k.organization_id = replace_organization_renewal_checkouts.organization_id
      and k.plan_key = replace_organization_renewal_checkouts.plan_key
      and k.status in ('open', 'pending') and k.seats_from is null;
    if found then
      update astapa.organizations as x set plan_reminded_for = null
      where x.project_id = replace_organization_renewal_checkouts.project_id
        and x.id = replace_organization_renewal_checkouts.organization_id;
    end if;
  end
  $$;

comment on function astapa.replace_organization_renewal_checkouts(text, text, text) is
  'Expires every unpaid checkout of a full period of plan_key of an organization, a charge under way on one too '
  '(paid, it still renews plan_key) — the plan its next period renews into changed; their pages told by trigger '
  'checkouts_notify_change — and lets the renewal pass open and mail the right one, once no link of the period '
  'has a charge under way (astapa.organization_period_charge_under_way). The caller holds the organization''s '
  'row.';

grant execute on function astapa.replace_organization_renewal_checkouts(text, text, text) to astapa_app;

create or replace function api.change_organization_plan(project_id text, organization_id text, sub text,
                                                        plan_key text, seats integer default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    to_plan astapa.plans;
    open_change astapa.plan_changes;
    change astapa.plan_changes;
    members integer;
    new_seats integer;
  begin
    -- The organization's row lock serialises its plan changes (and its members joining meanwhile).
    if o.project_id is distinct from change_organization_plan.project_id then
      raise exception using errcode = 'AS404', message = 'This organization was not found in this project.';
    end if;
    perform astapa.organization_plan_actor(o, sub, 'change');
    if o.plan_key is null or o.plan_paid_through is null or o.plan_paid_through <= pg_catalog.now() then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        '%s has no running paid team plan to change: buy the plan instead.', o.name);
    elsif o.plan_canceled_at is not null then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        '%s''s plan is canceled and will not renew: resume it first to change it for the next period.', o.name);
    end if;
    -- Shared lock: api.set_plan_seats cannot make the plan a personal one while a change is scheduled into it.
    perform from astapa.plans as p
    where p.project_id = o.project_id and p.key = change_organization_plan.plan_key
    for share;
    to_plan := astapa.plan_change_target(o.project_id, plan_key, o.plan_key, o.name);
    if to_plan.seat_pricing is null then
      raise exception using errcode = 'AS400', detail = '{"plan": ["Not a team plan of this project."]}',
        message = pg_catalog.format('Plan %s is a personal plan: an organization takes a team plan.', to_plan.key);
    end if;
    select count(*) into members from astapa.organization_memberships as m
    where m.project_id = o.project_id and m.organization_id = o.id;
    if seats is not null and seats not between 1 and 100000 then
      raise exception using errcode = 'AS400', detail = '{"seats": ["A whole number from 1 to 100000."]}',
        message = 'seats must be a whole number from 1 to 100000.';
    elsif to_plan.seat_pricing = 'flat' and seats is distinct from to_plan.included_seats and seats is not null then
      raise exception using errcode = 'AS400', detail = '{"seats": ["A flat plan has its own seats."]}',
        message = pg_catalog.format('Plan %s comes with %s seats; it cannot be bought for another number.',
          to_plan.key, to_plan.included_seats);
    end if;
    -- A per-seat plan keeps the seats the next period would have had (as the renewal pass counts them).
    new_seats := case when to_plan.seat_pricing = 'flat' then to_plan.included_seats
                      else coalesce(seats,
                                    case when o.next_seat_limit_from <= o.plan_paid_through then o.next_seat_limit end,
                                    o.seat_limit, greatest(members, 1)) end;
    if new_seats < members then
      raise exception using errcode = 'AS409', detail = '{"seats": ["Fewer seats than members."]}',
        message = pg_catalog.format(
          '%s has %s members, more than the %s seats it would have on plan %s: remove members first, or choose '
          'more seats or a plan with more seats.', o.name, members, new_seats, to_plan.name);
    end if;
    open_change := astapa.scheduled_plan_change(o);
    -- Asking again for the change that is already scheduled answers it (a double click, a retried request).
    if open_change.id is not null and open_change.to_plan = to_plan.key and open_change.seats = new_seats then
      return astapa.plan_change_json(open_change);
    end if;
    perform astapa.close_open_plan_change(o.project_id, null, o.id);
    insert into astapa.plan_changes (project_id, organization_id, from_plan, to_plan, kind, status, seats,
                                     effective_at)
    values (o.project_id, o.id, o.plan_key, to_plan.key, 'scheduled', 'scheduled', new_seats, o.plan_paid_through)
    returning * into change;
    -- A pay link already opened for the old plan's next period is replaced by one for the new plan.
    perform astapa.replace_organization_renewal_checkouts(o.project_id, o.id, o.plan_key);
    perform astapa.audit(o.project_id, 'organization.plan_change', o.id, pg_catalog.jsonb_build_object(
      'from_plan', o.plan_key, 'to_plan', to_plan.key, 'seats', new_seats, 'effective_at', o.plan_paid_through,
      'by', coalesce(sub, 'app')));
    perform astapa.emit_organization_plan_change(o, change);
    return astapa.plan_change_json(change);
  end
  $$;

comment on function api.change_organization_plan(text, text, text, text, integer) is
  'Schedules an organization''s move to another team plan from its next period (the end of plan_paid_through): '
  'the renewal pass opens that period''s checkout for the new plan and seats, and paying it applies the change. '
  'seats: a per-seat plan''s (default: the seats the next period would have had); a flat plan has its own. '
  'sub: the owner or admin asking, null for the app. One open change per organization (asking again answers '
  'it; another replaces it). Audited and emitted (organization.plan_change). AS400 no such paid team plan, bad '
  'seats; AS403 sub no owner or admin; AS404 unknown organization; AS409 no running paid plan, a canceled one, '
  'the same plan, or fewer seats than members.';

grant execute on function api.change_organization_plan(text, text, text, text, integer) to astapa_app;

create or replace function api.cancel_organization_plan_change(project_id text, organization_id text, sub text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    canceled_id bigint;
    canceled astapa.plan_changes;
  begin
    if o.project_id is distinct from cancel_organization_plan_change.project_id then
      raise exception using errcode = 'AS404', message = 'This organization was not found in this project.';
    end if;
    perform astapa.organization_plan_actor(o, sub, 'change');
    canceled_id := astapa.close_open_plan_change(o.project_id, null, o.id);
    -- A new statement, so the row is read as the close left it.
    select * into canceled from astapa.plan_changes as c
    where c.project_id = o.project_id and c.id = canceled_id;
    if not found then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        '%s has no scheduled plan change to withdraw.', o.name);
    end if;
    perform astapa.audit(o.project_id, 'organization.plan_change_cancel', o.id, pg_catalog.jsonb_build_object(
      'to_plan', canceled.to_plan, 'by', coalesce(sub, 'app')));
    perform astapa.emit_organization_plan_change(o, canceled);
    return astapa.plan_change_json(canceled);
  end
  $$;

comment on function api.cancel_organization_plan_change(text, text, text) is
  'Withdraws an organization''s scheduled plan change: the next period renews the plan it has. sub: the owner or '
  'admin asking, null for the app. Audited and emitted (organization.plan_change). AS403 sub no owner or admin; '
  'AS404 unknown organization; AS409 nothing scheduled.';

grant execute on function api.cancel_organization_plan_change(text, text, text) to astapa_app;

create or replace function api.organization_plan_changes(project_id text, organization_id text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    o astapa.organizations;
  begin
    select * into o from astapa.organizations as x
    where x.project_id = organization_plan_changes.project_id
      and (x.id = organization_plan_changes.organization_id or x.slug = organization_plan_changes.organization_id);
    if not found then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('Organization %s was not found in this project.', organization_id);
    end if;
    return coalesce((select pg_catalog.jsonb_agg(astapa.plan_change_json(c) order by c.id desc)
                     from astapa.plan_changes as c
                     where c.project_id = o.project_id and c.organization_id = o.id), '[]');
  end
  $$;

comment on function api.organization_plan_changes(text, text) is
  'An organization''s plan changes, newest first (by id or slug). AS404 unknown organization.';

grant execute on function api.organization_plan_changes(text, text) to astapa_app;
