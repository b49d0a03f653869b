-- Receipts and PPN: tax settings, gapless receipt numbers, the receipt snapshot, the buyer's NPWP/NIK.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md and docs/receipts.md.

drop policy if exists "a project reads its own tax settings" on astapa.tax_settings;
create policy "a project reads its own tax settings" on astapa.tax_settings
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project creates its own tax settings" on astapa.tax_settings;
create policy "a project creates its own tax settings" on astapa.tax_settings
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project changes its own tax settings" on astapa.tax_settings;
create policy "a project changes its own tax settings" on astapa.tax_settings
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own receipt counters" on astapa.receipt_counters;
create policy "a project reads its own receipt counters" on astapa.receipt_counters
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project starts its own receipt counters" on astapa.receipt_counters;
create policy "a project starts its own receipt counters" on astapa.receipt_counters
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project advances its own receipt counters" on astapa.receipt_counters;
create policy "a project advances its own receipt counters" on astapa.receipt_counters
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own receipts" on astapa.receipts;
create policy "a project reads its own receipts" on astapa.receipts
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project issues its own receipts" on astapa.receipts;
create policy "a project issues its own receipts" on astapa.receipts
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "definer functions find the receipt a link names" on astapa.receipts;
create policy "definer functions find the receipt a link names" on astapa.receipts
  for select to astapa_owner
  using (public_id = pg_catalog.current_setting('astapa.lookup_receipt', true));

create or replace function astapa.ppn_breakdown(amount bigint, pkp boolean, ppn_rate numeric,
                                                tax_base_numerator integer, tax_base_denominator integer)
  returns jsonb
  language plpgsql
  immutable
  parallel safe
  set search_path = ''
  as $$
  declare
    effective numeric;
    ppn bigint;
    price bigint;
  begin
    if not coalesce(pkp, false) then
      return pg_catalog.jsonb_build_object('price_before_tax_idr', amount, 'tax_base_idr', null, 'ppn_idr', 0);
    end if;
    -- The price is tax-inclusive: amount = price + rate × (numerator/denominator × price). PPN is rounded to
    -- whole rupiah and the price before tax is what is left, so the two always add up to what was paid.
    effective := ppn_rate / 100 * tax_base_numerator / tax_base_denominator;
    ppn := pg_catalog.round(amount * effective / (1 + effective));
    price := amount - ppn;
    return pg_catalog.jsonb_build_object('price_before_tax_idr', price,
      'tax_base_idr', pg_catalog.round(price::numeric * tax_base_numerator / tax_base_denominator)::bigint,
      'ppn_idr', ppn);
  end
  $$;

comment on function astapa.ppn_breakdown(bigint, boolean, numeric, integer, integer) is
  'Splits a tax-inclusive amount into the price before PPN, the tax base (DPP = price × numerator/denominator) '
  'and PPN (rate % of the DPP), in whole rupiah that add up to the amount. Not a PKP: no PPN.';

grant execute on function astapa.ppn_breakdown(bigint, boolean, numeric, integer, integer) to astapa_app;

create or replace function astapa.tax_settings_json(project_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'pkp', coalesce(t.pkp, false), 'ppn_rate', coalesce(t.ppn_rate, 12),
      'tax_base_numerator', coalesce(t.tax_base_numerator, 11),
      'tax_base_denominator', coalesce(t.tax_base_denominator, 12),
      'seller_name', t.seller_name, 'seller_npwp', t.seller_npwp, 'seller_address', t.seller_address,
      'project_name', p.name)
    from astapa.projects as p
    left join astapa.tax_settings as t on t.project_id = p.id
    where p.id = tax_settings_json.project_id
  $$;

comment on function astapa.tax_settings_json(text) is
  'A project''s tax settings with the defaults filled in (not a PKP; 12 % of 11/12 once it is one).';

grant execute on function astapa.tax_settings_json(text) to astapa_app;

create or replace function api.tax_settings(project_id text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    perform astapa.require_project(project_id);
    return astapa.tax_settings_json(project_id);
  end
  $$;

comment on function api.tax_settings(text) is
  'The project''s PPN settings as receipts use them: {pkp, ppn_rate, tax_base_numerator, tax_base_denominator, '
  'seller_name, seller_npwp, seller_address, project_name}. AS404 unknown project.';

grant execute on function api.tax_settings(text) to astapa_app;

create or replace function astapa.digits_only(value text) returns text
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$ select nullif(pg_catalog.regexp_replace(pg_catalog.btrim(value), '[\s.\-]', '', 'g'), '') $$;

comment on function astapa.digits_only(text) is
  'An NPWP or NIK as people write it (12.345.678.9-012.345) without the dots, dashes and spaces; null if empty.';

grant execute on function astapa.digits_only(text) to astapa_app;

create or replace function api.set_tax_settings(project_id text, settings jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    current jsonb;
    merged jsonb;
    npwp text;
  begin
    perform astapa.require_project(project_id);
    if pg_catalog.jsonb_typeof(settings) is distinct from 'object' or settings = '{}'::jsonb then
      raise exception using errcode = 'AS400', message = 'Give the tax settings to change as a JSON object.';
    end if;
    if exists (select from pg_catalog.jsonb_object_keys(settings) as k
               where k not in ('pkp', 'ppn_rate', 'tax_base_numerator', 'tax_base_denominator', 'seller_name',
                               'seller_npwp', 'seller_address')) then
      raise exception using errcode = 'AS400', message = 'Tax settings are pkp, ppn_rate, tax_base_numerator, '
        'tax_base_denominator, seller_name, seller_npwp and seller_address.';
    end if;
    current := astapa.tax_settings_json(project_id) - 'project_name';
    -- null removes a value: the default applies again.
    merged := current || settings;
    if pg_catalog.jsonb_typeof(merged -> 'pkp') is distinct from 'boolean' and merged -> 'pkp' <> 'null' then
      raise exception using errcode = 'AS400', detail = '{"pkp": ["true or false."]}',
        message = 'pkp must be true or false.';
    end if;
    if coalesce(pg_catalog.jsonb_typeof(merged -> 'ppn_rate'), 'null') not in ('number', 'null')
       or (merged ->> 'ppn_rate')::numeric not between 0 and 100
       or (merged ->> 'ppn_rate')::numeric <> pg_catalog.round((merged ->> 'ppn_rate')::numeric, 2) then
      raise exception using errcode = 'AS400', detail = '{"ppn_rate": ["A percentage from 0 to 100."]}',
        message = 'ppn_rate must be a percentage from 0 to 100 with at most two decimals.';
    end if;
    if coalesce(pg_catalog.jsonb_typeof(merged -> 'tax_base_numerator'), 'null') not in ('number', 'null')
       or coalesce(pg_catalog.jsonb_typeof(merged -> 'tax_base_denominator'), 'null') not in ('number', 'null')
       or (merged ->> 'tax_base_numerator')::numeric not between 1 and 1000
       or (merged ->> 'tax_base_denominator')::numeric not between 1 and 1000
       or (merged ->> 'tax_base_numerator')::numeric <> pg_catalog.trunc((merged ->> 'tax_base_numerator')::numeric)
       or (merged ->> 'tax_base_denominator')::numeric <> pg_catalog.trunc((merged ->> 'tax_base_denominator')::numeric)
       or (merged ->> 'tax_base_numerator')::numeric > (merged ->> 'tax_base_denominator')::numeric then
      raise exception using errcode = 'AS400',
        detail = '{"tax_base_numerator": ["A fraction of whole numbers from 1/1000 to 1/1, e.g. 11/12."]}',
        message = 'The tax base is a fraction tax_base_numerator/tax_base_denominator of whole numbers '
          '(1–1000, at most 1), e.g. 11/12.';
    end if;
    npwp := astapa.digits_only(merged ->> 'seller_npwp');
    if npwp is not null and npwp !~ '^[0-9]{15,16}$' then
      raise exception using errcode = 'AS400', detail = '{"seller_npwp": ["15 or 16 digits."]}',
        message = 'seller_npwp must be an NPWP of 15 or 16 digits.';
    end if;
    if pg_catalog.length(merged ->> 'seller_name') > 200 or pg_catalog.length(merged ->> 'seller_address') > 500 then
      raise exception using errcode = 'AS400', message = 'seller_name is at most 200 characters, seller_address 500.';
    end if;
    insert into astapa.tax_settings as t (project_id, pkp, ppn_rate, tax_base_numerator, tax_base_denominator,
                                          seller_name, seller_npwp, seller_address)
    values (project_id, coalesce((merged ->> 'pkp')::boolean, false), coalesce((merged ->> 'ppn_rate')::numeric, 12),
            coalesce((merged ->> 'tax_base_numerator')::integer, 11),
            coalesce((merged ->> 'tax_base_denominator')::integer, 12),
            nullif(pg_catalog.btrim(merged ->> 'seller_name'), ''), npwp,
            nullif(pg_catalog.btrim(merged ->> 'seller_address'), ''))
    on conflict on constraint tax_settings_pkey do update
    set pkp = excluded.pkp, ppn_rate = excluded.ppn_rate, tax_base_numerator = excluded.tax_base_numerator,
        tax_base_denominator = excluded.tax_base_denominator, seller_name = excluded.seller_name,
        seller_npwp = excluded.seller_npwp, seller_address = excluded.seller_address, updated_at = pg_catalog.now();
    perform astapa.audit(project_id, 'project.tax_settings', project_id, settings);
    return astapa.tax_settings_json(project_id);
  end
  $$;

comment on function api.set_tax_settings(text, jsonb) is
  'Changes the project''s PPN settings (keys given change, null restores the default, others stay): pkp, '
  'ppn_rate (%), tax_base_numerator/denominator, seller_name, seller_npwp, seller_address. Affects receipts '
  'issued from now on. Audited. AS400 with the reason; AS404 unknown project.';

grant execute on function api.set_tax_settings(text, jsonb) to astapa_app;

create or replace function api.set_checkout_buyer(project_id text, checkout_id text, buyer jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target astapa.checkouts;
    locked astapa.checkouts;
    erased boolean;
    tax_id text := astapa.digits_only(buyer ->> 'tax_id');
    name text := nullif(pg_catalog.btrim(buyer ->> 'name'), '');
  begin
    if pg_catalog.jsonb_typeof(buyer) is distinct from 'object' then
      raise exception using errcode = 'AS400', message = 'buyer must be a JSON object {name?, tax_id?}.';
    end if;
    if tax_id is not null and tax_id !~ '^[0-9]{15,16}$' then
      raise exception using errcode = 'AS400',
        detail = '{"buyer_tax_id": ["An NPWP (15 or 16 digits) or a NIK (16 digits)."]}',
        message = 'buyer_tax_id must be an NPWP (15 or 16 digits) or a NIK (16 digits).';
    end if;
    if pg_catalog.length(name) > 200 then
      raise exception using errcode = 'AS400', detail = '{"buyer_name": ["At most 200 characters."]}',
        message = 'buyer_name is at most 200 characters.';
    end if;
    select * into target from astapa.checkouts as c
    where c.project_id = set_checkout_buyer.project_id and c.public_id = set_checkout_buyer.checkout_id;
    if not found then
      raise exception using errcode = 'AS404', message = 'This checkout was not found.';
    end if;
    -- Lock order (docs/database.md): the person's row (key share) before an open checkout, as an erasure holding
    -- the row holds the open ones next (astapa.redeem_coupon's order); after a charged one, as its success
    -- callback and an erasure take it. Either way an erasure under way is waited for and refused below, or it
    -- waits for this one and clears what it wrote. With no lock on the row, this wrote a name back after an
    -- erasure, or onto a charged checkout the erasure then cleared without having taken it first, while that
    -- checkout's callback held it and waited for the row (a deadlock). (A checkout's person never changes.)
    if target.status = 'open' then
      select u.deleted_at is not null into erased from astapa.users as u
      where u.project_id = target.project_id and u.id = target.user_id
      for key share;
      -- Skip locked, as for a coupon (astapa.redeem_coupon says why): charged since it was read, it may be held by
      -- an erasure waiting for the row's key share just taken. Then this runs again (40001, asApp), reads it
      -- charged and takes it first. Still open, its holder waits for nothing of the person's: it is waited for.
      select * into locked from astapa.checkouts as c
      where c.project_id = target.project_id and c.id = target.id
      for update skip locked;
      if not found then
        if (select c.status from astapa.checkouts as c where c.project_id = target.project_id and c.id = target.id)
           <> 'open' then
          raise exception using errcode = '40001',
            message = 'This checkout got a charge while its buyer was being named, and another transaction holds it; '
              'run it again, to take the charged checkout before the person''s row (docs/database.md "Lock order").';
        end if;
        select * into locked from astapa.checkouts as c
        where c.project_id = target.project_id and c.id = target.id
        for update;
      end if;
      target := locked;
    else
      select * into target from astapa.checkouts as c
      where c.project_id = target.project_id and c.id = target.id
      for update;
    end if;
    if target.status <> 'open' then
      select u.deleted_at is not null into erased from astapa.users as u
      where u.project_id = target.project_id and u.id = target.user_id
      for key share;
    end if;
    -- The erasure cleared the buyer details (the row read under its lock, after any erasure committed): nothing
    -- personal is written back.
    if erased then
      raise exception using errcode = 'AS409',
        message = 'This checkout''s account was deleted; its buyer is fixed.';
    end if;
    -- An issued receipt is never rewritten: the buyer is fixed once a payment of the checkout is receipted.
    if exists (select from astapa.receipts as r where r.project_id = target.project_id and r.checkout_id = target.id)
    then
      raise exception using errcode = 'AS409', message = 'This checkout already has a receipt; its buyer is fixed.';
    end if;
    update astapa.checkouts as c set buyer_name = name, buyer_tax_id = tax_id, updated_at = pg_catalog.now()
    where c.project_id = target.project_id and c.id = target.id;
    return pg_catalog.jsonb_build_object('checkout_id', target.public_id, 'buyer_name', name, 'buyer_tax_id', tax_id);
  end
  $$;

comment on function api.set_checkout_buyer(text, text, jsonb) is
  'Records who the receipt of a checkout is made out to: {name?, tax_id? (NPWP or NIK; dots and dashes are '
  'dropped)}. AS400 bad NPWP/NIK or name; AS404 unknown checkout; AS409 once a receipt was issued for it, or '
  'its person was erased. Takes the person''s row for key share before an open checkout, after a charged one '
  '(docs/database.md "Lock order"); 40001 (run again) when one read open was charged meanwhile and is held.';

grant execute on function api.set_checkout_buyer(text, text, jsonb) to astapa_app;

create or replace function astapa.issue_receipt(pay astapa.payments, period_start timestamptz,
                                               period_end timestamptz)
  returns astapa.receipts
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    issued astapa.receipts;
    target astapa.checkouts;
    checkout_fields jsonb;
    tax jsonb;
    split jsonb;
    receipt_year integer;
    next_sequence integer;
  begin
    select * into issued from astapa.receipts as r where r.project_id = pay.project_id and r.payment_id = pay.id;
    if found then
      return issued;
    end if;
    select * into target from astapa.checkouts as c where c.project_id = pay.project_id and c.id = pay.checkout_id;
    -- Columns a later feature adds to checkouts (a coupon's discount) are read by name, so none is required.
    checkout_fields := pg_catalog.to_jsonb(target);
    tax := astapa.tax_settings_json(pay.project_id);
    split := astapa.ppn_breakdown(pay.amount, (tax ->> 'pkp')::boolean, (tax ->> 'ppn_rate')::numeric,
      (tax ->> 'tax_base_numerator')::integer, (tax ->> 'tax_base_denominator')::integer);
    receipt_year := pg_catalog.date_part('year', coalesce(pay.paid_at, pg_catalog.now()) at time zone 'Asia/Jakarta');
    -- The counter row is locked until commit: instances issuing at once take turns, and a rollback returns the
    -- number, so each year's numbers run 1, 2, 3… with no gap and no duplicate.
    insert into astapa.receipt_counters as rc (project_id, environment, year, last_sequence)
    values (pay.project_id, target.environment, receipt_year, 1)
    on conflict on constraint receipt_counters_pkey do update set last_sequence = rc.last_sequence + 1
    returning rc.last_sequence into next_sequence;
    insert into astapa.receipts (project_id, payment_id, checkout_id, user_id, year, sequence, number, issued_at,
      seller, buyer_email, buyer_name, buyer_tax_id, plan_key, plan_name, period_start, period_end, method, bank,
      discount_idr, coupon_code, amount, pkp, ppn_rate, tax_base_numerator, tax_base_denominator,
      price_before_tax_idr, tax_base_idr, ppn_idr, environment, organization_id, organization_name)
    values (pay.project_id, pay.id, target.id, target.user_id, receipt_year, next_sequence,
      -- Sandbox receipts are numbered apart and marked, so test payments never leave a gap in the real sequence.
      pg_catalog.format('%sR-%s-%s', case when target.environment = 'sandbox' then 'TEST-' else '' end, receipt_year,
        pg_catalog.lpad(next_sequence::text, 6, '0')),
      coalesce(pay.paid_at, pg_catalog.now()),
      pg_catalog.jsonb_build_object('project_name', tax ->> 'project_name',
        'name', coalesce(tax ->> 'seller_name', tax ->> 'project_name'), 'npwp', tax ->> 'seller_npwp',
        'address', tax ->> 'seller_address'),
      (select u.email from astapa.users as u where u.project_id = target.project_id and u.id = target.user_id),
      checkout_fields ->> 'buyer_name', checkout_fields ->> 'buyer_tax_id', target.plan_key,
      (select p.name from astapa.plans as p where p.project_id = target.project_id and p.key = target.plan_key),
      issue_receipt.period_start, issue_receipt.period_end,
      pay.method, pay.bank, nullif((checkout_fields ->> 'discount_idr')::bigint, 0), -- none: null
      checkout_fields ->> 'coupon_code',
      pay.amount, (tax ->> 'pkp')::boolean,
      case when (tax ->> 'pkp')::boolean then (tax ->> 'ppn_rate')::numeric end,
      case when (tax ->> 'pkp')::boolean then (tax ->> 'tax_base_numerator')::integer end,
      case when (tax ->> 'pkp')::boolean then (tax ->> 'tax_base_denominator')::integer end,
      (split ->> 'price_before_tax_idr')::bigint, (split ->> 'tax_base_idr')::bigint, (split ->> 'ppn_idr')::bigint,
      target.environment,
      -- A team plan's receipt is made out to the organization, paid by the owner or admin (buyer_email).
      (select o.id from astapa.organizations as o
       where o.project_id = target.project_id and o.id = checkout_fields ->> 'organization_id'),
      (select o.name from astapa.organizations as o
       where o.project_id = target.project_id and o.id = checkout_fields ->> 'organization_id'))
    returning * into issued;
    return issued;
  end
  $$;

comment on function astapa.issue_receipt(astapa.payments, timestamptz, timestamptz) is
  'Issues the receipt of a paid payment (once: again returns the same one) with the next number of the '
  'project''s environment and year in Asia/Jakarta (TEST-R-… in sandbox), snapshotting seller, buyer, plan, the period it bought (null for a second '
  'payment of a paid checkout), the organization a team plan was bought for (its id and name) and the PPN split. Called by astapa.apply_payment_event_row inside the '
  'transaction that marks the payment paid.';

grant execute on function astapa.issue_receipt(astapa.payments, timestamptz, timestamptz) to astapa_app;

create or replace function astapa.receipt_json(r astapa.receipts) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'receipt_id', r.public_id, 'number', r.number, 'year', r.year, 'sequence', r.sequence,
      'issued_at', r.issued_at, 'seller', r.seller, 'sub', r.user_id::text,
      'buyer', pg_catalog.jsonb_build_object('email', r.buyer_email, 'name', r.buyer_name,
        'tax_id', r.buyer_tax_id),
      'checkout_id', (select c.public_id from astapa.checkouts as c
                      where c.project_id = r.project_id and c.id = r.checkout_id),
      'provider_id', (select y.provider_id from astapa.payments as y
                      where y.project_id = r.project_id and y.id = r.payment_id),
      'plan', r.plan_key, 'plan_name', r.plan_name, 'period_start', r.period_start, 'period_end', r.period_end,
      'method', r.method, 'bank', r.bank, 'discount_idr', r.discount_idr, 'coupon_code', r.coupon_code,
      'amount', r.amount, 'currency', 'IDR', 'pkp', r.pkp, 'ppn_rate', r.ppn_rate,
      'tax_base_numerator', r.tax_base_numerator, 'tax_base_denominator', r.tax_base_denominator,
      'price_before_tax_idr', r.price_before_tax_idr, 'tax_base_idr', r.tax_base_idr, 'ppn_idr', r.ppn_idr,
      'environment', r.environment,
      -- A team plan's receipt: the organization it is made out to; buyer.email is the owner or admin who paid.
      'organization', case when r.organization_id is not null then
        pg_catalog.jsonb_build_object('id', r.organization_id, 'name', r.organization_name) end,
      -- Refunds that succeeded (db/api/refunds.sql): amount - refunded_idr is what the buyer kept paying.
      'refunded_idr', astapa.refunded_amount(r.project_id, r.payment_id))
  $$;

comment on function astapa.receipt_json(astapa.receipts) is 'A receipt as the API, the page and the mail show it.';

grant execute on function astapa.receipt_json(astapa.receipts) to astapa_app;

create or replace function api.get_receipt(project_id text, receipt_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.receipt_json(r) from astapa.receipts as r
    where r.project_id = get_receipt.project_id and (r.public_id = get_receipt.receipt_id
      or r.number = get_receipt.receipt_id)
  $$;

comment on function api.get_receipt(text, text) is 'A receipt by its id (rcp_…) or its number (R-2026-000001), or null.';

grant execute on function api.get_receipt(text, text) to astapa_app;

create or replace function api.list_receipts(project_id text, max_rows integer default 50,
                                             before_id text default null, user_id bigint default null)
  returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(astapa.receipt_json(r) order by r.id desc), '[]')
    from (select * from astapa.receipts as r
          where r.project_id = list_receipts.project_id
            -- receipts_user_idx (project_id, user_id, id) serves one user's pages.
            and (list_receipts.user_id is null or r.user_id = list_receipts.user_id)
            and (list_receipts.before_id is null or r.id < (select b.id from astapa.receipts as b
                 where b.project_id = list_receipts.project_id and b.public_id = list_receipts.before_id))
          order by r.id desc
          limit least(greatest(coalesce(max_rows, 50), 1), 200)) as r
  $$;

comment on function api.list_receipts(text, integer, text, bigint) is
  'The project''s receipts, newest first, max_rows (1–200, default 50) older than receipt before_id; only '
  'user_id''s when given.';

grant execute on function api.list_receipts(text, integer, text, bigint) to astapa_app;

create or replace function api.receipt_project(receipt_id text) returns text
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  declare
    owner text;
  begin
    -- Only for requests that act for no project yet (the receipt page); it reveals one receipt id's project.
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'receipt_project runs outside any project.';
    end if;
    if receipt_id is null or receipt_id !~ '^rcp_[a-z2-7]{24}$' then
      return null;
    end if;
    perform pg_catalog.set_config('astapa.lookup_receipt', receipt_id, true);
    select r.project_id into owner from astapa.receipts as r where r.public_id = receipt_id;
    perform pg_catalog.set_config('astapa.lookup_receipt', '', true);
    return owner;
  end
  $$;

comment on function api.receipt_project(text) is
  'Definer: the receipt page''s URL names a receipt (its random id is the capability) but no project. Returns '
  'that receipt''s project id, nothing else; the page then reads the receipt as that project. Runs only without '
  'a project set (AS403 otherwise).';

revoke execute on function api.receipt_project(text) from public;

grant execute on function api.receipt_project(text) to astapa_app;
