-- Coupons (issue 23): create, list, disable; redeem one on an open checkout (the hosted checkout page, or
-- `coupon` when the API opens one); carry a repeating or forever coupon onto renewals.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own coupons" on astapa.coupons;
create policy "a project reads its own coupons" on astapa.coupons
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds its own coupons" on astapa.coupons;
create policy "a project adds its own coupons" on astapa.coupons
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project changes its own coupons" on astapa.coupons;
create policy "a project changes its own coupons" on astapa.coupons
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own coupon redemptions" on astapa.coupon_redemptions;
create policy "a project reads its own coupon redemptions" on astapa.coupon_redemptions
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own coupon redemptions" on astapa.coupon_redemptions;
create policy "a project records its own coupon redemptions" on astapa.coupon_redemptions
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project moves its own coupon redemptions" on astapa.coupon_redemptions;
create policy "a project moves its own coupon redemptions" on astapa.coupon_redemptions
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project releases its own coupon redemptions" on astapa.coupon_redemptions;
create policy "a project releases its own coupon redemptions" on astapa.coupon_redemptions
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create or replace function astapa.coupon_redemption_count(project_id text, code text) returns integer
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.count(*)::integer
    from astapa.coupon_redemptions as r
    join astapa.checkouts as c on c.project_id = r.project_id and c.id = r.checkout_id
    where r.project_id = coupon_redemption_count.project_id and r.coupon_code = coupon_redemption_count.code
      and c.status <> 'expired'
  $$;

comment on function astapa.coupon_redemption_count(text, text) is
  'Redemptions that count towards a coupon''s max_redemptions: those whose checkout did not expire unpaid.';

grant execute on function astapa.coupon_redemption_count(text, text) to astapa_app;

create or replace function astapa.coupon_json(c astapa.coupons) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'code', c.code, 'percent_off', c.percent_off, 'amount_off_idr', c.amount_off_idr, 'duration', c.duration,
      'duration_periods', c.duration_periods, 'max_redemptions', c.max_redemptions, 'plans', c.plan_keys,
      'expires_at', c.expires_at, 'disabled', c.disabled_at is not null, 'disabled_at', c.disabled_at,
      'created_at', c.created_at, 'redemptions', astapa.coupon_redemption_count(c.project_id, c.code),
      'paid_redemptions', (select pg_catalog.count(*)::integer from astapa.coupon_redemptions as r
                           join astapa.checkouts as k on k.project_id = r.project_id and k.id = r.checkout_id
                           where r.project_id = c.project_id and r.coupon_code = c.code and k.status = 'paid'))
  $$;

comment on function astapa.coupon_json(astapa.coupons) is
  'A coupon as the API and dashboard show it, with its counted and its paid redemptions.';

grant execute on function astapa.coupon_json(astapa.coupons) to astapa_app;

create or replace function astapa.coupon_problems(coupon jsonb) returns jsonb
  language plpgsql
  immutable
  set search_path = ''
  as $$
  declare
    problems jsonb := '{}';
    key text;
    value jsonb;
    problem text;
  begin
    if pg_catalog.jsonb_typeof(coupon) is distinct from 'object' then
      return '{"coupon": ["A coupon is a JSON object."]}';
    end if;
    if not coupon ? 'code' then
      problems := problems || '{"code": ["code is required."]}';
    end if;
    if (coupon ? 'percent_off') = (coupon ? 'amount_off_idr') then
      problems := problems || '{"percent_off": ["Give exactly one of percent_off and amount_off_idr."]}';
    end if;
    if (coupon ->> 'duration' = 'repeating') <> (coupon ? 'duration_periods') then
      problems := problems || '{"duration_periods": ["duration_periods goes with duration repeating, and only with it."]}';
    end if;
    for key, value in select * from pg_catalog.jsonb_each(coupon) loop
      problem := case
        when key not in ('code', 'percent_off', 'amount_off_idr', 'duration', 'duration_periods', 'max_redemptions',
                         'plans', 'expires_at') then pg_catalog.format('Unknown field %s.', key)
        when key = 'code' and (pg_catalog.jsonb_typeof(value) <> 'string'
                               or pg_catalog.upper(value #>> '{}') !~ '^[A-Z0-9_-]{3,40}$') then
          'code must be 3 to 40 characters of A-Z, 0-9, _ and - (case does not matter).'
        when key = 'percent_off' and not astapa.is_whole_number(value, 1, 99) then
          'percent_off must be a whole number from 1 to 99.'
        when key = 'amount_off_idr' and not astapa.is_whole_number(value, 1, 1000000000000) then
          'amount_off_idr must be a whole number of rupiah from 1 to 1,000,000,000,000.'
        when key = 'duration' and (pg_catalog.jsonb_typeof(value) <> 'string'
                                   or value #>> '{}' not in ('once', 'repeating', 'forever')) then
          'duration must be once, repeating or forever.'
        when key = 'duration_periods' and not astapa.is_whole_number(value, 1, 120) then
          'duration_periods must be a whole number from 1 to 120.'
        when key = 'max_redemptions' and value <> 'null' and not astapa.is_whole_number(value, 1, 1000000000) then
          'max_redemptions must be a whole number from 1, or null.'
        when key = 'plans' and value <> 'null' and (pg_catalog.jsonb_typeof(value) <> 'array'
               or pg_catalog.jsonb_array_length(value) not between 1 and 100
               or exists (select from pg_catalog.jsonb_array_elements(value) as p
                          where pg_catalog.jsonb_typeof(p) <> 'string' or p #>> '{}' !~ '^[a-z0-9_-]{1,64}$')) then
          'plans must be null or a list of 1 to 100 plan keys.'
        when key = 'expires_at' and value <> 'null' and (pg_catalog.jsonb_typeof(value) <> 'string'
               or value #>> '{}' !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$') then
          'expires_at must be null or an ISO 8601 time with a zone, e.g. 2030-01-31T23:59:59Z.'
      end;
      if problem is not null then
        problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(problem));
      end if;
    end loop;
    return nullif(problems, '{}');
  end
  $$;

comment on function astapa.coupon_problems(jsonb) is 'Field → problems for a coupon to create; null when valid.';

grant execute on function astapa.coupon_problems(jsonb) to astapa_app;

create or replace function api.create_coupon(project_id text, coupon jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    created astapa.coupons;
    unknown_plan text;
  begin
    perform astapa.require_project(project_id);
    perform astapa.raise_problems(astapa.coupon_problems(coupon));
    select p.value into unknown_plan
    from pg_catalog.jsonb_array_elements_text(case when pg_catalog.jsonb_typeof(coupon -> 'plans') = 'array'
                                                   then coupon -> 'plans' else '[]' end) as p(value)
    where not exists (select from astapa.plans as pl where pl.project_id = create_coupon.project_id and pl.key = p.value)
    limit 1;
    if unknown_plan is not null then
      raise exception using errcode = 'AS400',
        detail = pg_catalog.jsonb_build_object('plans', pg_catalog.jsonb_build_array(
          pg_catalog.format('There is no plan %s in this project.', unknown_plan)))::text,
        message = pg_catalog.format('There is no plan %s in this project.', unknown_plan);
    end if;
    begin
      insert into astapa.coupons (project_id, code, percent_off, amount_off_idr, duration, duration_periods,
                                  max_redemptions, plan_keys, expires_at)
      values (project_id, pg_catalog.upper(coupon ->> 'code'), (coupon ->> 'percent_off')::integer,
              (coupon ->> 'amount_off_idr')::bigint, coalesce(coupon ->> 'duration', 'once'),
              (coupon ->> 'duration_periods')::integer, (coupon ->> 'max_redemptions')::integer,
              case when pg_catalog.jsonb_typeof(coupon -> 'plans') = 'array'
                   then array(select pg_catalog.jsonb_array_elements_text(coupon -> 'plans')) end,
              (coupon ->> 'expires_at')::timestamptz)
      returning * into created;
    exception when unique_violation then
      raise exception using errcode = 'AS409', detail = '{"code": ["A coupon with this code already exists."]}',
        message = pg_catalog.format('Coupon %s already exists in this project.', pg_catalog.upper(coupon ->> 'code'));
    end;
    perform astapa.audit(project_id, 'coupon.create', 'coupon:' || created.code, coupon);
    return astapa.coupon_json(created);
  end
  $$;

comment on function api.create_coupon(text, jsonb) is
  'Creates a coupon from {code, percent_off | amount_off_idr, duration?, duration_periods?, max_redemptions?, '
  'plans?, expires_at?} (code stored upper-case). AS400 per-field problems or an unknown plan; AS409 code taken.';

grant execute on function api.create_coupon(text, jsonb) to astapa_app;

create or replace function api.list_coupons(project_id text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    perform astapa.require_project(project_id);
    return coalesce((select pg_catalog.jsonb_agg(astapa.coupon_json(c) order by c.created_at desc, c.code)
                     from astapa.coupons as c where c.project_id = list_coupons.project_id), '[]');
  end
  $$;

comment on function api.list_coupons(text) is 'The project''s coupons, newest first, with their redemption counts.';

grant execute on function api.list_coupons(text) to astapa_app;

create or replace function api.get_coupon(project_id text, code text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    chosen astapa.coupons;
  begin
    select * into chosen from astapa.coupons as c
    where c.project_id = get_coupon.project_id and c.code = pg_catalog.upper(get_coupon.code);
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Coupon %s was not found in this project.', code);
    end if;
    return astapa.coupon_json(chosen) || pg_catalog.jsonb_build_object('redemption_list', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'sub', r.user_id::text, 'email', u.email, 'checkout_id', k.public_id, 'checkout_status', k.status,
          'plan', k.plan_key, 'discount_idr', k.discount_idr, 'amount', k.amount, 'redeemed_at', r.created_at)
        order by r.created_at desc)
      from astapa.coupon_redemptions as r
      join astapa.checkouts as k on k.project_id = r.project_id and k.id = r.checkout_id
      join astapa.users as u on u.project_id = r.project_id and u.id = r.user_id
      where r.project_id = chosen.project_id and r.coupon_code = chosen.code), '[]'));
  end
  $$;

comment on function api.get_coupon(text, text) is
  'One coupon (any case) with its redemptions (redemption_list: who, which checkout, its status). AS404 unknown.';

grant execute on function api.get_coupon(text, text) to astapa_app;

create or replace function api.set_coupon_disabled(project_id text, code text, disabled boolean) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    changed astapa.coupons;
  begin
    if disabled is null then
      raise exception using errcode = 'AS400', detail = '{"disabled": ["disabled must be true or false."]}',
        message = 'disabled must be true or false.';
    end if;
    update astapa.coupons as c
    set disabled_at = case when set_coupon_disabled.disabled then coalesce(c.disabled_at, pg_catalog.now()) end
    where c.project_id = set_coupon_disabled.project_id and c.code = pg_catalog.upper(set_coupon_disabled.code)
    returning * into changed;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Coupon %s was not found in this project.', code);
    end if;
    perform astapa.audit(project_id, case when disabled then 'coupon.disable' else 'coupon.enable' end,
      'coupon:' || changed.code, '{}');
    return astapa.coupon_json(changed);
  end
  $$;

comment on function api.set_coupon_disabled(text, text, boolean) is
  'Disables a coupon (no new redemptions; renewals that carry it keep it) or enables it again. AS404 unknown.';

grant execute on function api.set_coupon_disabled(text, text, boolean) to astapa_app;

create or replace function astapa.coupon_discount(c astapa.coupons, list_price bigint) returns bigint
  language sql
  immutable
  set search_path = ''
  as $$
    -- Rounded down: the customer never pays less than the coupon says, nor is a rupiah invented.
    select case when c.percent_off is not null then list_price * c.percent_off / 100
                else least(c.amount_off_idr, list_price) end
  $$;

comment on function astapa.coupon_discount(astapa.coupons, bigint) is
  'Rupiah a coupon takes off list_price: percent_off of it rounded down, or amount_off_idr (at most the price).';

grant execute on function astapa.coupon_discount(astapa.coupons, bigint) to astapa_app;

create or replace function astapa.redeem_coupon(target astapa.checkouts, code text, now timestamptz)
  returns astapa.checkouts
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    chosen astapa.coupons;
    list_price bigint;
    discount bigint;
    used_by_user text;
    used_on bigint;
    left_behind astapa.checkouts;
    changed astapa.checkouts;
    problem text;
  begin
    -- Lock order (docs/database.md): the person's row before their open checkout. The redemption below takes its
    -- key share through the foreign key; taken only then, it waited for an erasure that held the row and waited
    -- for this checkout to expire it (a deadlock). Taken first, an erasure under way is waited for, and its
    -- expired checkout then refused. (A checkout's person never changes: target's, read unlocked, is it.)
    perform from astapa.users as u where u.project_id = target.project_id and u.id = target.user_id for key share;
    -- The checkout, then the coupon: every redeemer of a coupon queues on its row, so the count
    -- below (a fresh snapshot after the lock) cannot be passed by a concurrent checkout.
    -- Skip locked, as the checkout was read unlocked: charged since, an erasure, a refund callback or a project's
    -- deletion may hold it (taken before the person's row) and wait for the row's key share held above; waiting
    -- for it closed that circle. Skipped, its status is read again, after its holder took it: no longer open, a
    -- coupon has nothing to apply to (409 below). Still open, its holder is none of those (each takes a checkout
    -- before the row only once it read it charged, a charge committed before that read and this one), but a charge,
    -- a coupon, a buyer's name or an expiry, which waits for nothing of the person's this holds: it is waited for
    -- (and, queued first, this gets it before any erasure that reads it charged after).
    select * into changed from astapa.checkouts as k
    where k.project_id = target.project_id and k.id = target.id
    for update skip locked;
    if not found then
      select * into changed from astapa.checkouts as k where k.project_id = target.project_id and k.id = target.id;
      if changed.status = 'open' then
        select * into changed from astapa.checkouts as k
        where k.project_id = target.project_id and k.id = target.id
        for update;
      end if;
    end if;
    target := changed;
    if target.status <> 'open' then
      raise exception using errcode = 'AS409',
        message = 'A coupon can only be applied before a payment method is chosen (this checkout is ' || target.status || ').';
    end if;
    list_price := target.amount + target.discount_idr;
    select * into chosen from astapa.coupons as c
    where c.project_id = target.project_id and c.code = pg_catalog.upper(pg_catalog.btrim(redeem_coupon.code))
    for update;
    problem := case
      when not found then 'There is no such coupon.'
      when chosen.disabled_at is not null then 'This coupon is no longer valid.'
      when chosen.expires_at <= now then 'This coupon has expired.'
      when chosen.plan_keys is not null and not target.plan_key = any (chosen.plan_keys) then
        'This coupon is not valid for this plan.'
    end;
    if problem is not null then
      raise exception using errcode = 'AS400', message = problem,
        detail = pg_catalog.jsonb_build_object('coupon', pg_catalog.jsonb_build_array(problem))::text;
    end if;
    select k.status, k.id into used_by_user, used_on from astapa.coupon_redemptions as r
    join astapa.checkouts as k on k.project_id = r.project_id and k.id = r.checkout_id
    where r.project_id = target.project_id and r.coupon_code = chosen.code and r.user_id = target.user_id;
    if used_by_user = 'paid' then
      raise exception using errcode = 'AS409', message = 'This coupon has already been used by this account.',
        detail = '{"coupon": ["This coupon has already been used by this account."]}';
    end if;
    if chosen.max_redemptions is not null and used_by_user is distinct from 'open'
       and used_by_user is distinct from 'pending'
       and astapa.coupon_redemption_count(chosen.project_id, chosen.code) >= chosen.max_redemptions then
      raise exception using errcode = 'AS409', message = 'This coupon has been used up.',
        detail = '{"coupon": ["This coupon has been used up."]}';
    end if;
    discount := astapa.coupon_discount(chosen, list_price);
    if list_price - discount < 1 then
      raise exception using errcode = 'AS400', message = 'A coupon cannot make a payment free; a trial can.',
        detail = '{"coupon": ["A coupon cannot make a payment free."]}';
    end if;
    -- The user's redemption moves here from another checkout: that one loses the discount, or two checkouts
    -- would pay the price of one redemption (a once-per-user coupon bought period after period). One with a
    -- charge still waiting was made for the discounted amount and may yet be paid, so the coupon stays there
    -- (a failed charge no longer counts: the next one is made for the list price). SKIP LOCKED: a checkout
    -- locked meanwhile is being charged or redeemed, and waiting for it could close a lock cycle.
    if used_on is not null and used_on <> target.id and used_by_user in ('open', 'pending') then
      select * into left_behind from astapa.checkouts as k
      where k.project_id = target.project_id and k.id = used_on and k.status in ('open', 'pending')
        and not exists (select from astapa.payments as y
                        where y.project_id = k.project_id and y.checkout_id = k.id and y.status = 'pending')
      for update skip locked;
      if not found then
        raise exception using errcode = 'AS409',
          message = 'This coupon is on another checkout of this account whose charge waits to be paid: pay or '
            'let that one expire first.',
          detail = '{"coupon": ["This coupon is on another checkout of this account whose charge waits to be paid."]}';
      end if;
      update astapa.checkouts as k
      set amount = k.amount + k.discount_idr, coupon_code = null, discount_idr = 0, updated_at = pg_catalog.now()
      where k.project_id = left_behind.project_id and k.id = left_behind.id;
    end if;
    -- Another coupon on this checkout before: its redemption is released.
    delete from astapa.coupon_redemptions as r
    where r.project_id = target.project_id and r.checkout_id = target.id and r.coupon_code <> chosen.code;
    insert into astapa.coupon_redemptions as r (project_id, coupon_code, user_id, checkout_id)
    values (target.project_id, chosen.code, target.user_id, target.id)
    on conflict on constraint coupon_redemptions_pkey
    do update set checkout_id = excluded.checkout_id, created_at = pg_catalog.now();
    update astapa.checkouts as k
    set amount = list_price - discount, coupon_code = chosen.code, discount_idr = discount,
        updated_at = pg_catalog.now()
    where k.project_id = target.project_id and k.id = target.id
    returning * into changed;
    perform astapa.audit(target.project_id, 'coupon.redeem', 'user:' || target.user_id,
      pg_catalog.jsonb_build_object('coupon', chosen.code, 'checkout', target.public_id, 'discount_idr', discount));
    return changed;
  end
  $$;

comment on function astapa.redeem_coupon(astapa.checkouts, text, timestamptz) is
  'Applies a coupon to an open checkout at `now` (amount = list price − discount; coupon_code, discount_idr '
  'set; the user''s redemption recorded, a previous coupon''s released; a redemption moved from another unpaid '
  'checkout of the user takes the discount off that one). AS400 unknown, disabled, expired, other-plan or '
  'too-large coupon; AS409 a checkout with a charge already, used up, used by this user, or on another checkout '
  'of theirs whose charge waits. Takes the person''s row for key share before the checkout (docs/database.md '
  '"Lock order").';

grant execute on function astapa.redeem_coupon(astapa.checkouts, text, timestamptz) to astapa_app;

create or replace function api.apply_checkout_coupon(project_id text, checkout_id text, code text,
                                          now timestamptz default pg_catalog.now())
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target astapa.checkouts;
  begin
    select * into target from astapa.checkouts as k
    where k.project_id = apply_checkout_coupon.project_id and k.public_id = apply_checkout_coupon.checkout_id;
    if not found then
      raise exception using errcode = 'AS404', message = 'This checkout was not found.';
    end if;
    if coalesce(pg_catalog.length(code), 0) not between 1 and 64 then
      raise exception using errcode = 'AS400', message = 'Enter a coupon code.',
        detail = '{"coupon": ["Enter a coupon code."]}';
    end if;
    return astapa.checkout_json(astapa.redeem_coupon(target, code, now));
  end
  $$;

comment on function api.apply_checkout_coupon(text, text, text, timestamptz) is
  'The hosted checkout''s coupon field: applies a coupon to an open checkout (see astapa.redeem_coupon) and '
  'returns the checkout. AS404 unknown checkout; AS400/AS409 as astapa.redeem_coupon.';

grant execute on function api.apply_checkout_coupon(text, text, text, timestamptz) to astapa_app;

create or replace function astapa.carry_coupon(target astapa.checkouts) returns astapa.checkouts
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    carried astapa.coupons;
    discount bigint;
  begin
    -- The user's latest paid redemption of a repeating or forever coupon valid for this plan, with periods left
    -- (each paid checkout carrying it is one period).
    select c.* into carried
    from astapa.coupon_redemptions as r
    join astapa.coupons as c on c.project_id = r.project_id and c.code = r.coupon_code
    join astapa.checkouts as k on k.project_id = r.project_id and k.id = r.checkout_id and k.status = 'paid'
    where r.project_id = target.project_id and r.user_id = target.user_id
      and c.duration in ('repeating', 'forever')
      and (c.plan_keys is null or target.plan_key = any (c.plan_keys))
      and (c.duration = 'forever' or (select pg_catalog.count(*) from astapa.checkouts as x
                                      where x.project_id = r.project_id and x.user_id = r.user_id
                                        and x.coupon_code = c.code and x.status = 'paid') < c.duration_periods)
    order by r.created_at desc
    limit 1;
    if not found then
      return target;
    end if;
    discount := astapa.coupon_discount(carried, target.amount + target.discount_idr);
    if target.amount + target.discount_idr - discount < 1 then
      return target;
    end if;
    update astapa.checkouts as k
    set amount = k.amount + k.discount_idr - discount, coupon_code = carried.code, discount_idr = discount,
        updated_at = pg_catalog.now()
    where k.project_id = target.project_id and k.id = target.id
    returning * into target;
    return target;
  end
  $$;

comment on function astapa.carry_coupon(astapa.checkouts) is
  'A renewal checkout keeps the user''s repeating coupon (while periods are left) or forever coupon, without '
  'a new redemption; returns the (maybe discounted) checkout.';

grant execute on function astapa.carry_coupon(astapa.checkouts) to astapa_app;
