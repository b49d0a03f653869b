-- Xendit keys, checkouts, payments and payment events.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own xendit keys" on astapa.xendit_keys;
create policy "a project reads its own xendit keys" on astapa.xendit_keys
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project stores its own xendit keys" on astapa.xendit_keys;
create policy "a project stores its own xendit keys" on astapa.xendit_keys
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project replaces its own xendit keys" on astapa.xendit_keys;
create policy "a project replaces its own xendit keys" on astapa.xendit_keys
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own xendit keys" on astapa.xendit_keys;
create policy "a project removes its own xendit keys" on astapa.xendit_keys
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create or replace function api.set_xendit_keys(project_id text, environment text, secret_key_sealed bytea,
                                    callback_token_sealed bytea)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if environment is null or environment not in ('sandbox', 'production') then
      raise exception using errcode = 'AS400', message = 'environment must be sandbox or production.';
    end if;
    if secret_key_sealed is null or callback_token_sealed is null then
      delete from astapa.xendit_keys as k
      where k.project_id = set_xendit_keys.project_id and k.environment = set_xendit_keys.environment;
    else
      insert into astapa.xendit_keys as k (project_id, environment, secret_key_sealed, callback_token_sealed)
      values (project_id, environment, secret_key_sealed, callback_token_sealed)
      on conflict on constraint xendit_keys_pkey do update
        set secret_key_sealed = excluded.secret_key_sealed, callback_token_sealed = excluded.callback_token_sealed,
            updated_at = pg_catalog.now();
    end if;
    perform astapa.audit(project_id, 'xendit_keys.set', 'project:' || project_id,
      pg_catalog.jsonb_build_object('environment', environment, 'removed', secret_key_sealed is null));
  end
  $$;

comment on function api.set_xendit_keys(text, text, bytea, bytea) is
  'Stores (or, given nulls, removes) a project''s sealed Xendit keys for one environment. AS400 bad environment.';

grant execute on function api.set_xendit_keys(text, text, bytea, bytea) to astapa_app;

create or replace function api.xendit_keys(project_id text, environment text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'secret_key_sealed', pg_catalog.translate(pg_catalog.encode(k.secret_key_sealed, 'base64'), E'\n', ''),
      'callback_token_sealed', pg_catalog.translate(pg_catalog.encode(k.callback_token_sealed, 'base64'), E'\n', ''))
    from astapa.xendit_keys as k
    where k.project_id = xendit_keys.project_id and k.environment = xendit_keys.environment
  $$;

comment on function api.xendit_keys(text, text) is
  'A project''s sealed Xendit keys for an environment (base64), or null when it has none.';

grant execute on function api.xendit_keys(text, text) to astapa_app;

drop policy if exists "a project reads its own checkouts" on astapa.checkouts;
create policy "a project reads its own checkouts" on astapa.checkouts
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project opens its own checkouts" on astapa.checkouts;
create policy "a project opens its own checkouts" on astapa.checkouts
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project updates its own checkouts" on astapa.checkouts;
create policy "a project updates its own checkouts" on astapa.checkouts
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "definer functions find the checkout a callback names" on astapa.checkouts;
create policy "definer functions find the checkout a callback names" on astapa.checkouts
  for select to astapa_owner
  using (public_id = nullif(pg_catalog.current_setting('astapa.lookup_checkout', true), ''));

drop policy if exists "a project reads its own payments" on astapa.payments;
create policy "a project reads its own payments" on astapa.payments
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own payments" on astapa.payments;
create policy "a project records its own payments" on astapa.payments
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project updates its own payments" on astapa.payments;
create policy "a project updates its own payments" on astapa.payments
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own payment events" on astapa.payment_events;
create policy "a project reads its own payment events" on astapa.payment_events
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own payment events" on astapa.payment_events;
create policy "a project records its own payment events" on astapa.payment_events
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project marks its own payment events processed" on astapa.payment_events;
create policy "a project marks its own payment events processed" on astapa.payment_events
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "definer functions see which projects have unprocessed payment events" on astapa.payment_events;
create policy "definer functions see which projects have unprocessed payment events" on astapa.payment_events
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.list_payment_event_projects', true) = 'on' and processed_at is null);

create or replace function astapa.notify_payment_event() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- Delivered at commit: a worker never wakes for a row it cannot see yet. The project lets the worker go
    -- straight to it (lib/payments/worker.ts) instead of first asking which projects have events waiting.
    perform pg_catalog.pg_notify('astapa_payment_events',
      pg_catalog.jsonb_build_object('project_id', new.project_id, 'event_id', new.id)::text);
    return null;
  end
  $$;

comment on function astapa.notify_payment_event() is
  'Trigger: NOTIFY astapa_payment_events with {project_id, event_id} of an event stored or put back in line '
  '(processed_at back to null): workers wake for every event they have to apply, whoever queued it.';

grant execute on function astapa.notify_payment_event() to astapa_app;

create or replace trigger payment_events_notify after insert on astapa.payment_events
  for each row execute function astapa.notify_payment_event();

-- Every re-queue wakes the workers like the first queue does (the row is the truth, the NOTIFY a wake-up call):
-- a re-queue without one waited for the next unrelated callback.
create or replace trigger payment_events_notify_requeue after update of processed_at on astapa.payment_events
  for each row when (old.processed_at is not null and new.processed_at is null)
  execute function astapa.notify_payment_event();

-- NOTIFY astapa_checkouts, the one place it is sent: an open checkout page (lib/payments/checkout_feed.ts) and
-- the dashboard's payment feed (lib/dashboard/payment_feed.ts) hear of a checkout whoever changed it, and the
-- functions that change checkouts only update rows.
create or replace function astapa.notify_checkout_changed() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- Delivered at commit, folded to one per checkout per transaction. The payload is the checkout's public id:
    -- the listener reads the row, which is the truth.
    if tg_table_name = 'checkouts' then
      perform pg_catalog.pg_notify('astapa_checkouts', new.public_id);
    else
      perform pg_catalog.pg_notify('astapa_checkouts', new.checkout_public_id);
    end if;
    return null;
  end
  $$;

comment on function astapa.notify_checkout_changed() is
  'Trigger: NOTIFY astapa_checkouts with a checkout''s public id when its status, amount or coupon changes '
  '(checkouts_notify_change: paid, pending, expired, a coupon applied or moved away) or a payment callback about '
  'it is applied, whatever its outcome (payment_events_notify_applied: a charge failed or paid again, a refund, a '
  'wrong amount).';

grant execute on function astapa.notify_checkout_changed() to astapa_app;

create or replace trigger checkouts_notify_change
  after update of status, amount, coupon_code, discount_idr on astapa.checkouts
  for each row when ((old.status, old.amount, old.coupon_code, old.discount_idr)
                     is distinct from (new.status, new.amount, new.coupon_code, new.discount_idr))
  execute function astapa.notify_checkout_changed();

-- A callback can change what the page shows without touching the checkout's row (a charge failed, so the page
-- offers another), and the dashboard's feed lists every applied callback.
create or replace trigger payment_events_notify_applied after update of processed_at on astapa.payment_events
  for each row when (old.processed_at is null and new.processed_at is not null)
  execute function astapa.notify_checkout_changed();

create or replace function astapa.lock_payment_provider_id(project_id text, provider_id text) returns void
  language sql
  volatile
  set search_path = ''
  as $$
    select pg_catalog.pg_advisory_xact_lock(20230, pg_catalog.hashtext(project_id || ' ' || provider_id))
  $$;

comment on function astapa.lock_payment_provider_id(text, text) is
  'Takes the transaction''s lock on one Xendit payment id of a project (an advisory lock; a hash collision only '
  'makes two payments wait for each other). Recording a charge and applying its callback both take it before '
  'anything else, so a worker never decides "unknown payment" while the charge''s row is being committed, and a '
  'recording always sees, and puts back in line, a callback applied before it.';

grant execute on function astapa.lock_payment_provider_id(text, text) to astapa_app;

create or replace function astapa.hold_checkouts_after_person(project_id text, held bigint[], changing bigint[])
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- The open ones now, so none gets a charge (api.record_payment) before this transaction ends; one being
    -- charged right now is waited for, then left out (no longer open) and refused below.
    perform from astapa.checkouts as c
    where c.project_id = hold_checkouts_after_person.project_id and c.id = any (changing) and c.status = 'open'
    order by c.id
    for update;
    -- Charged since the caller read the ones it held first: its success callback may hold it and wait for the
    -- person's row the caller holds. Waiting for it would close the circle; run again, the caller takes it first.
    if exists (select from astapa.checkouts as c
               where c.project_id = hold_checkouts_after_person.project_id and c.id = any (changing)
                 and c.status <> 'open' and c.id <> all (coalesce(held, '{}'))) then
      raise exception using errcode = '40001',
        message = 'A checkout got a charge while this transaction took the person''s charged checkouts before '
          'their row; run it again, to take that checkout first (docs/database.md "Lock order").';
    end if;
  end
  $$;

comment on function astapa.hold_checkouts_after_person(text, bigint[], bigint[]) is
  'The window of the lock order "a person''s charged checkouts, then the person''s row": called with the row held, '
  'given the checkouts the caller held first and those it is about to change, it holds the open ones of these, '
  'and raises 40001 (asApp runs the transaction again) when one of them is no longer open and was not held first: '
  'charged after the caller read its set, its success callback may hold it and wait for the row.';

grant execute on function astapa.hold_checkouts_after_person(text, bigint[], bigint[]) to astapa_app;

create or replace function astapa.requeue_early_callbacks(project_id text, provider_id text) returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    requeued integer;
  begin
    update astapa.payment_events as e set processed_at = null, outcome = null
    where e.project_id = requeue_early_callbacks.project_id and e.provider_id = requeue_early_callbacks.provider_id
      and e.outcome = 'unknown_payment';
    get diagnostics requeued = row_count;
    return requeued;
  end
  $$;

comment on function astapa.requeue_early_callbacks(text, text) is
  'Puts back in line the callbacks of one Xendit payment id that a worker applied before the charge was '
  'recorded (outcome unknown_payment); answers how many. The update NOTIFYs the workers (trigger '
  'payment_events_notify_requeue). The last step of api.record_payment and api.record_renewal_charge, under '
  'astapa.lock_payment_provider_id.';

grant execute on function astapa.requeue_early_callbacks(text, text) to astapa_app;

create or replace function astapa.url_origin(url text) returns text
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$ select pg_catalog.lower(pg_catalog.substring(url, '^(https?://[^/?#]+)')) $$;

comment on function astapa.url_origin(text) is 'scheme://host[:port] of an http(s) URL, lower-cased; null otherwise.';

grant execute on function astapa.url_origin(text) to astapa_app;

create or replace function astapa.is_app_url(project_id text, url text) returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.length(url) <= 2000 and exists (
      select from astapa.projects as p, pg_catalog.unnest(p.redirect_uris) as u
      where p.id = is_app_url.project_id and astapa.url_origin(u) = astapa.url_origin(is_app_url.url))
  $$;

comment on function astapa.is_app_url(text, text) is
  'True when url (http or https, at most 2,000 characters) is on the origin of one of the project''s redirect '
  'URIs: where a link Astapa sends or redirects to on the app''s behalf may lead (see attacks: links that travel).';

grant execute on function astapa.is_app_url(text, text) to astapa_app;

create or replace function astapa.checkout_json(c astapa.checkouts) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'checkout_id', c.public_id, 'sub', c.user_id::text, 'plan', c.plan_key,
      'plan_name', (select p.name from astapa.plans as p where p.project_id = c.project_id and p.key = c.plan_key),
      'interval', (select p.interval from astapa.plans as p where p.project_id = c.project_id and p.key = c.plan_key),
      'amount', c.amount, 'currency', c.currency, 'status', c.status, 'method', c.method, 'bank', c.bank,
      'coupon_code', c.coupon_code, 'discount_idr', c.discount_idr,
      'buyer_name', c.buyer_name, 'buyer_tax_id', c.buyer_tax_id,
      'xendit_account', c.xendit_account, 'environment', c.environment, 'period_start', c.period_start,
      'success_url', c.success_url, 'failure_url', c.failure_url, 'expires_at', c.expires_at,
      'paid_at', c.paid_at, 'created_at', c.created_at,
      'organization', (select pg_catalog.jsonb_build_object('id', o.id, 'name', o.name, 'seats', c.seats,
                         'seats_from', c.seats_from)
                       from astapa.organizations as o
                       where o.project_id = c.project_id and o.id = c.organization_id),
      'payment', (select pg_catalog.jsonb_build_object('kind', y.kind, 'provider_id', y.provider_id,
                    'method', y.method, 'bank', y.bank, 'status', y.status, 'details', y.details,
                    'expires_at', y.expires_at, 'paid_at', y.paid_at)
                  from astapa.payments as y
                  where y.project_id = c.project_id and y.checkout_id = c.id
                  order by (y.status = 'paid') desc, y.id desc limit 1),
      'abandoned', astapa.abandoned_charge_json(c))
  $$;

comment on function astapa.checkout_json(astapa.checkouts) is
  'A checkout as the API and the checkout page show it, with its latest (or paid) payment, for a team plan its '
  'organization {id, name, seats, seats_from}, and abandoned: its latest charge ended here, not by Xendit, while '
  'that end stands (astapa.abandoned_charge_json), or null.';

grant execute on function astapa.checkout_json(astapa.checkouts) to astapa_app;

create or replace function astapa.assert_period_to_renew(project_id text, user_id bigint) returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    if exists (select from astapa.subscriptions as s
               where s.project_id = assert_period_to_renew.project_id and s.user_id = assert_period_to_renew.user_id
                 and s.ended_at is null and (s.status in ('canceled', 'expired') or s.source = 'default')) then
      raise exception using errcode = 'AS409',
        message = 'This subscription was canceled or has ended: there is no period to renew. Buy the plan again.';
    end if;
  end
  $$;

comment on function astapa.assert_period_to_renew(text, bigint) is
  'Refuses (AS409) a person''s pay link for a period (period_start) when their subscription is canceled at its '
  'period end (by them or a refund) or ended (back on the default plan): it renews nothing then, so '
  'astapa.open_checkout opens none and astapa.assert_chargeable charges none, as the renewal pass opens none '
  '(astapa.renewal_action).';

grant execute on function astapa.assert_period_to_renew(text, bigint) to astapa_app;

create or replace function astapa.open_checkout(project_id text, checkout jsonb, organization_id text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    chosen astapa.plans;
    project_mode text;
    target_user bigint;
    url_field text;
    created astapa.checkouts;
  begin
    if pg_catalog.jsonb_typeof(checkout) is distinct from 'object' then
      raise exception using errcode = 'AS400', message = 'checkout must be a JSON object.';
    end if;
    select p.mode into project_mode from astapa.projects as p where p.id = open_checkout.project_id;
    if not found then
      raise exception using errcode = 'AS404', message = 'This project was not found.';
    end if;
    target_user := astapa.user_id_of(checkout ->> 'sub');
    if target_user is null then
      raise exception using errcode = 'AS400', detail = '{"user": ["A user id (sub) is required."]}',
        message = 'user must be a user id (the sub).';
    end if;
    -- For key share: the lock the new row's foreign key takes anyway, taken first, so what follows is read after
    -- whatever held the row for update (a refund callback ending or canceling the plan) has committed.
    select u.id into target_user from astapa.users as u
    where u.project_id = open_checkout.project_id and u.id = target_user and not u.disabled
    for key share;
    if not found then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s was not found in this project.', checkout ->> 'sub');
    end if;
    -- A person's pay link for a period renews their subscription: none for one canceled at its period end (by
    -- them or a refund) or ended (back on the default plan), as the renewal pass opens none (astapa.renewal_action).
    -- Buying again (no period) is still open to them.
    if checkout ->> 'period_start' is not null and open_checkout.organization_id is null then
      perform astapa.assert_period_to_renew(open_checkout.project_id, target_user);
    end if;
    -- Sandbox and production never mix: a sandbox user of a live project cannot sign in, nor pay.
    if exists (select from astapa.users as u
               where u.project_id = open_checkout.project_id and u.id = target_user
                 and u.environment <> project_mode) then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s belongs to the project''s other environment (it is in %s mode now).',
          checkout ->> 'sub', project_mode);
    end if;
    select * into chosen from astapa.plans as p
    where p.project_id = open_checkout.project_id and p.key = checkout ->> 'plan' and p.archived_at is null;
    if not found then
      raise exception using errcode = 'AS400', detail = '{"plan": ["No such plan, or it is archived."]}',
        message = pg_catalog.format('There is no plan %s to buy in this project.', checkout ->> 'plan');
    end if;
    if chosen.price_idr < 1 then
      raise exception using errcode = 'AS400', detail = '{"plan": ["This plan is free."]}',
        message = pg_catalog.format('Plan %s is free: there is nothing to pay.', chosen.key);
    elsif chosen.seat_pricing is not null and open_checkout.organization_id is null then
      -- A team plan is bought for an organization (api.create_organization_checkout), never for oneself. The
      -- organization is an argument only Astapa's own functions pass, never a field of the checkout's JSON.
      raise exception using errcode = 'AS400', detail = '{"plan": ["A team plan: buy it for an organization."]}',
        message = pg_catalog.format('Plan %s is a team plan: buy it for an organization.', chosen.key);
    end if;
    -- Success and failure URLs may only lead back to an origin the project registered a redirect URI on: the
    -- one rule for links Astapa follows on the app's behalf (astapa.is_app_url). A field given as null is refused.
    foreach url_field in array array['success_url', 'failure_url'] loop
      if checkout ? url_field
         and not coalesce(astapa.is_app_url(open_checkout.project_id, checkout ->> url_field), false) then
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
    -- A coupon passed by the API is redeemed now; a renewal keeps a repeating or forever one (db/api/coupons.sql).
    if checkout ? 'coupon' then
      created := astapa.redeem_coupon(created, checkout ->> 'coupon', pg_catalog.now());
    elsif created.period_start is not null then
      created := astapa.carry_coupon(created);
    end if;
    perform astapa.audit(project_id, 'checkout.create', 'user:' || target_user,
      pg_catalog.jsonb_build_object('checkout', created.public_id, 'plan', chosen.key, 'amount', created.amount));
    return astapa.checkout_json(created);
  end
  $$;

comment on function astapa.open_checkout(text, jsonb, text) is
  'Opens a checkout for {sub, plan, success_url?, failure_url?, xendit_account, period_start?, ttl_seconds?, '
  'coupon?}: the amount is the plan''s price less the coupon (a renewal keeps a repeating one); a team plan only '
  'for organization_id (api.create_organization_checkout, the organizations'' renewal pass). Takes the person''s '
  'row for key share first. AS400 free/archived/unknown plan, a team plan without an organization, a refused '
  'coupon or a URL off the registered origins (DETAIL names the field); AS404 unknown or disabled user, or a user '
  'of the environment the project is not in; AS409 a person''s pay link for a period (period_start) when their '
  'subscription is canceled or expired or they are back on the default plan (source default).';

grant execute on function astapa.open_checkout(text, jsonb, text) to astapa_app;

create or replace function api.create_checkout(project_id text, checkout jsonb) returns jsonb
  language sql
  volatile
  set search_path = ''
  as $$
    select astapa.open_checkout(create_checkout.project_id, create_checkout.checkout, null)
  $$;

comment on function api.create_checkout(text, jsonb) is
  'Opens a person''s checkout (astapa.open_checkout without an organization: a team plan is refused, AS400).';

grant execute on function api.create_checkout(text, jsonb) to astapa_app;

create or replace function api.get_checkout(project_id text, checkout_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.checkout_json(c) from astapa.checkouts as c
    where c.project_id = get_checkout.project_id and c.public_id = get_checkout.checkout_id
  $$;

comment on function api.get_checkout(text, text) is 'A checkout by its public id, or null.';

grant execute on function api.get_checkout(text, text) to astapa_app;

create or replace function astapa.assert_chargeable(target astapa.checkouts) returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    if target.status in ('paid', 'expired') then
      raise exception using errcode = 'AS409', message = pg_catalog.format('This checkout is already %s.', target.status);
    end if;
    -- A pay link for a period (a renewal, a trial's first month) whose period another payment already bought:
    -- taking this one too would charge twice for one period (e.g. the trial bought on the plan picker).
    if target.period_start is not null and exists (
         select from astapa.subscriptions as s
         where s.project_id = target.project_id and s.user_id = target.user_id and s.ended_at is null
           and s.plan_key = target.plan_key and s.status in ('active', 'past_due', 'canceled')
           and s.paid_through > target.period_start) then
      raise exception using errcode = 'AS409', message = 'The period this checkout is for has already been paid.';
    end if;
    -- Nor a new charge on a person's pay link for a period once their subscription was canceled or ended: a link
    -- with a charge under way survives a cancel (paid, that charge renews the plan), but once the charge ended a
    -- new method must not renew what the person canceled (astapa.open_checkout refuses such a link the same way).
    if target.period_start is not null and target.organization_id is null then
      perform astapa.assert_period_to_renew(target.project_id, target.user_id);
    end if;
  end
  $$;

comment on function astapa.assert_chargeable(astapa.checkouts) is
  'Refuses (AS409) a new charge on a checkout: paid or expired, a pay link for a period that period already paid, '
  'or a person''s pay link for a period when their subscription was canceled or ended '
  '(astapa.assert_period_to_renew). Asked before Xendit is (api.checkout_to_charge) and again, the checkout held, as '
  'the last word (api.record_payment).';

grant execute on function astapa.assert_chargeable(astapa.checkouts) to astapa_app;

create or replace function api.checkout_to_charge(project_id text, checkout_id text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    target astapa.checkouts;
  begin
    select * into target from astapa.checkouts as c
    where c.project_id = checkout_to_charge.project_id and c.public_id = checkout_to_charge.checkout_id;
    if not found then
      raise exception using errcode = 'AS404', message = 'This checkout was not found.';
    end if;
    -- Refused here, before the caller asks Xendit for a charge api.record_payment would refuse anyway (a real
    -- charge made and left to expire); record_payment asks again, the checkout held, as the last word.
    perform astapa.assert_chargeable(target);
    return astapa.checkout_json(target);
  end
  $$;

comment on function api.checkout_to_charge(text, text) is
  'The checkout a method was chosen for, read before its charge is asked of Xendit (lib/payments/checkout.ts), '
  'or the refusal api.record_payment would give then (astapa.assert_chargeable, AS409). AS404 unknown checkout.';

grant execute on function api.checkout_to_charge(text, text) to astapa_app;

create or replace function api.record_payment(project_id text, checkout_id text, payment jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target astapa.checkouts;
  begin
    if coalesce(payment ->> 'provider_id', '') = '' then
      raise exception using errcode = 'AS400', message = 'A charge needs its provider_id.';
    end if;
    -- First of all (see astapa.lock_payment_provider_id): a worker applying this charge's callback now finishes
    -- first, and one starting now waits for this row to be committed.
    perform astapa.lock_payment_provider_id(record_payment.project_id, payment ->> 'provider_id');
    select * into target from astapa.checkouts as c
    where c.project_id = record_payment.project_id and c.public_id = record_payment.checkout_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = 'This checkout was not found.';
    end if;
    -- The refusals api.checkout_to_charge gave before Xendit was asked, again as the last word: the checkout is
    -- held now, and a cancel or another payment may have come in between.
    perform astapa.assert_chargeable(target);
    -- The charge was made for the amount its caller read; a coupon applied meanwhile changed it: refuse.
    if payment ? 'amount' and (payment ->> 'amount')::numeric is distinct from target.amount then
      raise exception using errcode = 'AS409',
        message = 'This checkout''s amount changed while the charge was made; choose the method again.';
    end if;
    insert into astapa.payments as y (project_id, checkout_id, kind, provider_id, method, bank, amount, details, expires_at)
    values (project_id, target.id, payment ->> 'kind', payment ->> 'provider_id', payment ->> 'method',
            payment ->> 'bank', target.amount, coalesce(payment -> 'details', '{}'),
            (payment ->> 'expires_at')::timestamptz)
    on conflict on constraint payments_provider_id_key do update set updated_at = pg_catalog.now();
    update astapa.checkouts as c
    set status = 'pending', method = payment ->> 'method', bank = payment ->> 'bank', updated_at = pg_catalog.now()
    where c.project_id = target.project_id and c.id = target.id
    returning * into target;
    -- A callback that beat this row here was kept as unknown_payment: put back in line, it is applied once this
    -- commits.
    perform astapa.requeue_early_callbacks(record_payment.project_id, payment ->> 'provider_id');
    return astapa.checkout_json(target);
  end
  $$;

comment on function api.record_payment(text, text, jsonb) is
  'Attaches a Xendit charge {kind, provider_id, method, bank?, details, expires_at, amount?} to an open checkout '
  '(again: no-op) and makes it the checkout''s method; a callback for it that came first is put back in line '
  '(NOTIFY). Serialized with the worker on the payment id, so no callback is lost. AS400 without provider_id; '
  'AS404 unknown checkout; AS409 the refusals of astapa.assert_chargeable (checkout paid or expired, the period it '
  'pays for already paid, a person''s pay link for a period when their subscription was canceled or ended), or '
  'the amount (what the charge was made for) no longer the checkout''s.';

grant execute on function api.record_payment(text, text, jsonb) to astapa_app;

create or replace function api.checkout_account(checkout_id text) returns jsonb
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  declare
    found_checkout astapa.checkouts;
  begin
    -- Only for requests that act for no project yet (the webhook); it reveals the owner of one checkout id.
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'checkout_account runs outside any project.';
    end if;
    if checkout_id is null or checkout_id !~ '^chk_[a-z2-7]{24}$' then
      return null;
    end if;
    perform pg_catalog.set_config('astapa.lookup_checkout', checkout_id, true);
    select * into found_checkout from astapa.checkouts as c where c.public_id = checkout_id;
    perform pg_catalog.set_config('astapa.lookup_checkout', '', true);
    if found_checkout.project_id is null then
      return null;
    end if;
    return pg_catalog.jsonb_build_object('project_id', found_checkout.project_id,
      'xendit_account', found_checkout.xendit_account, 'environment', found_checkout.environment);
  end
  $$;

comment on function api.checkout_account(text) is
  'Definer: a Xendit callback names a checkout but no project. Returns the checkout''s project, whose keys made '
  'its charges and its environment — nothing else — so the webhook can check the right callback token. Runs '
  'only without a project set (AS403 otherwise).';

revoke execute on function api.checkout_account(text) from public;

grant execute on function api.checkout_account(text) to astapa_app;

create or replace function api.record_payment_event(project_id text, provider_id text, provider_status text,
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
  'Stores a verified callback; the same payment id, status, amount and currency again is a duplicate and stores '
  'nothing (a corrected amount is a new event). The insert NOTIFYs astapa_payment_events. AS400 without an id '
  'or a status.';

grant execute on function api.record_payment_event(text, text, text, text, jsonb) to astapa_app;

create or replace function api.projects_with_payment_events() returns text[]
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

create or replace function astapa.payment_status(provider_status text) returns text
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
      'event_id', ev.id, 'outcome', applied_outcome, 'error', failure,
      -- The receipt a payment just got, so the worker mails it in this transaction.
      'receipt_id', case when applied_outcome in ('paid', 'paid_again') then
        (select r.public_id from astapa.receipts as r join astapa.payments as y
           on y.project_id = r.project_id and y.id = r.payment_id
         where y.project_id = ev.project_id and y.provider = ev.provider and y.provider_id = ev.provider_id) end));
  end
  $$;

comment on function api.apply_payment_event(text) is
  'Applies the project''s oldest unprocessed payment event (FOR UPDATE SKIP LOCKED; null when none is left) and '
  'marks it processed with its outcome. Order-safe and idempotent: paid is final, a late PENDING or a duplicate '
  'changes nothing; a success for an account erased meanwhile is account_deleted (paid, receipted, no plan, no '
  'event: for a refund); a success extends the subscription once through api.assign_plan, emits payment.succeeded '
  'and issues the payment''s numbered receipt (receipt_id in the answer). An event that fails for good is marked outcome error (its changes rolled back) so later events are not held '
  'up; transient failures raise and are retried. Marking an event processed NOTIFYs astapa_checkouts with the '
  'checkout it names (trigger payment_events_notify_applied).';

grant execute on function api.apply_payment_event(text) to astapa_app;

create or replace function astapa.period_paid_by_another_link(link astapa.checkouts) returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    select exists (select from astapa.checkouts as c
                   where c.project_id = link.project_id and c.user_id = link.user_id and c.id <> link.id
                     and c.organization_id is null and c.period_start = link.period_start and c.status = 'paid')
  $$;

comment on function astapa.period_paid_by_another_link(astapa.checkouts) is
  'Whether another of the person''s pay links for the same period (period_start, any plan) is paid: a payment of '
  'this one would buy that period twice (astapa.apply_payment_event_row records it as paid_again).';

grant execute on function astapa.period_paid_by_another_link(astapa.checkouts) to astapa_app;

create or replace function astapa.refund_duplicate_payment(pay astapa.payments) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- Only when the project asked for it (settings.billing_refund_duplicates), only a refund Xendit can make
    -- (not a virtual account's), and only once: any refund of this payment not failed (this one, or one asked for
    -- by hand) leaves it be. The caller holds the payment; the billing pass asks Xendit for it (the refund's id
    -- the idempotency key), as for every refund Xendit has not answered yet (api.claim_stale_refunds).
    if coalesce((select p.settings -> 'billing_refund_duplicates' from astapa.projects as p
                 where p.id = pay.project_id), 'false'::jsonb) <> 'true'::jsonb
       or astapa.refund_refusal(pay, pg_catalog.now()) is not null
       or exists (select from astapa.refunds as r
                  where r.project_id = pay.project_id and r.payment_id = pay.id and r.status <> 'failed') then
      return;
    end if;
    -- The hand refund's function, rows and audit entry: the whole payment, no plan effect (it bought nothing).
    begin
      perform api.request_refund(pay.project_id, pg_catalog.jsonb_build_object(
        'receipt', (select x.public_id from astapa.receipts as x
                    where x.project_id = pay.project_id and x.payment_id = pay.id),
        'reason', 'DUPLICATE', 'plan_effect', 'none', 'requested_by', 'duplicate_payment'));
    exception when sqlstate 'AS400' or sqlstate 'AS404' or sqlstate 'AS409' then
      -- A refusal must not undo the payment it follows (the caller records money received): the payment stays
      -- paid_again, in the feed and on its receipt, for a refund by hand.
      raise warning 'duplicate payment % not refunded automatically: %', pay.id, sqlerrm;
    end;
  end
  $$;

comment on function astapa.refund_duplicate_payment(astapa.payments) is
  'A payment just recorded as paid_again (a second payment of what was bought already; its receipt issued): '
  'when settings.billing_refund_duplicates is on, asks for its full refund through api.request_refund (reason '
  'DUPLICATE, plan_effect none, requested_by duplicate_payment), once per payment, unless Xendit cannot refund it '
  '(astapa.refund_refusal: a virtual account); a refusal of api.request_refund is a warning, never the payment''s '
  'undoing. The billing pass then asks Xendit (api.claim_stale_refunds).';

grant execute on function astapa.refund_duplicate_payment(astapa.payments) to astapa_app;

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
    -- Refund callbacks share the durable events table and this worker (db/api/refunds.sql).
    if ev.body ->> 'event' like 'refund.%' then
      return astapa.apply_refund_event(ev);
    end if;
    new_status := astapa.payment_status(ev.provider_status);
    -- Waits for a charge of this id being recorded right now, so the select below sees its committed row.
    perform astapa.lock_payment_provider_id(ev.project_id, ev.provider_id);
    -- Lock order (docs/database.md): a team plan's organization, the checkout, the charge, each found through the
    -- charge's id (a charge's checkout never changes). An ending team plan holds the organization, then expires
    -- its checkouts (astapa.end_organization_plan); a project's deletion holds checkouts, then their charges
    -- (api.delete_project; the expiry of api.expire_checkouts did too): a callback holding the checkout before the
    -- organization, or the charge before the checkout, deadlocked with them.
    perform from astapa.organizations as o
    where o.project_id = ev.project_id
      and o.id = (select c.organization_id from astapa.payments as y
                  join astapa.checkouts as c on c.project_id = y.project_id and c.id = y.checkout_id
                  where y.project_id = ev.project_id and y.provider = ev.provider and y.provider_id = ev.provider_id)
    for update;
    select * into target from astapa.checkouts as c
    where c.project_id = ev.project_id
      and c.id = (select y.checkout_id from astapa.payments as y
                  where y.project_id = ev.project_id and y.provider = ev.provider and y.provider_id = ev.provider_id)
    for update;
    select * into pay from astapa.payments as y
    where y.project_id = ev.project_id and y.provider = ev.provider and y.provider_id = ev.provider_id
    for update;
    if not found then
      applied_outcome := 'unknown_payment';
    elsif pay.status = 'paid' or new_status = 'pending' or (pay.status <> 'pending' and new_status <> 'paid') then
      -- Paid is final; a late PENDING undoes nothing; a duplicate changes nothing.
      applied_outcome := 'no_change';
    else
      if new_status in ('failed', 'expired') then
        update astapa.payments as y set status = new_status, updated_at = pg_catalog.now()
        where y.project_id = pay.project_id and y.id = pay.id;
        applied_outcome := new_status;
        -- A checkout paid by another of its charges (a QRIS code shown, then a virtual account paid) failed
        -- nothing: the app is not told its payment failed.
        if target.status <> 'paid' then
          perform astapa.emit_event(ev.project_id, 'payment.failed', pg_catalog.jsonb_build_object(
            'checkout_id', target.public_id, 'sub', target.user_id::text, 'plan', target.plan_key,
            'method', pay.method, 'status', new_status, 'amount', pay.amount));
        end if;
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
          -- The payer's row, held as api.assign_plan holds it, before anything is decided: an erasure committing
          -- meanwhile is waited for, and its deleted_at seen.
          perform from astapa.users as u
          where u.project_id = target.project_id and u.id = target.user_id and u.deleted_at is null
          for no key update;
          if target.status = 'paid' then
            -- A second charge for a checkout already paid: recorded (for a refund), not a second extension.
            applied_outcome := 'paid_again';
            perform astapa.issue_receipt(pay, null, null);
            perform astapa.refund_duplicate_payment(pay);
          elsif not found and target.organization_id is null then
            -- Money taken from an account erased meanwhile (a renewal charge on its way to Xendit at the erasure,
            -- a pay link paid after it): kept with its receipt, for a refund. The checkout is paid, so nothing
            -- takes money for it again; the erased account gets no plan, nor the app a payment.succeeded for a
            -- sub it was told is deleted. (An organization's plan is the organization's: applied below.)
            update astapa.checkouts as c set status = 'paid', paid_at = pg_catalog.now(), method = pay.method,
              bank = pay.bank, updated_at = pg_catalog.now()
            where c.project_id = target.project_id and c.id = target.id;
            perform astapa.issue_receipt(pay, null, null);
            applied_outcome := 'account_deleted';
          elsif target.period_start is not null and target.organization_id is null
                and astapa.period_paid_by_another_link(target) then
            -- A pay link whose period another link for it already bought: this one was voided, its charge ended,
            -- the period got a new link and that was paid, then Xendit took this charge after all. One period is
            -- bought once: recorded as a second payment of a paid checkout is (paid_again, its own receipt, for a
            -- refund), and the checkout is paid, so nothing takes money for it again. Before, it bought the next
            -- period too: a month nobody asked for, or the old plan back over the one paid for (another plan's
            -- link for the same period).
            update astapa.checkouts as c set status = 'paid', paid_at = pg_catalog.now(), method = pay.method,
              bank = pay.bank, updated_at = pg_catalog.now()
            where c.project_id = target.project_id and c.id = target.id;
            perform astapa.issue_receipt(pay, null, null);
            perform astapa.refund_duplicate_payment(pay);
            applied_outcome := 'paid_again';
          else
            update astapa.checkouts as c set status = 'paid', paid_at = pg_catalog.now(), method = pay.method,
              bank = pay.bank, updated_at = pg_catalog.now()
            where c.project_id = target.project_id and c.id = target.id;
            if target.plan_change_id is not null then
              -- An upgrade's checkout: the change it priced is applied (db/api/plan_changes.sql).
              period_end := astapa.apply_paid_plan_change(target);
            elsif target.organization_id is not null then
              -- A team plan for an organization (db/api/team_plans.sql): the organization's plan, not the payer's.
              period_end := astapa.apply_paid_organization_checkout(target);
            else  -- (the body below keeps its indentation, so merges with other billing work stay line-for-line)
            select * into chosen from astapa.plans as p
            where p.project_id = target.project_id and p.key = target.plan_key;
            select * into current from astapa.subscriptions as s
            where s.project_id = target.project_id and s.user_id = target.user_id and s.ended_at is null;
            -- A renewal pays for its own period; paying again for the plan one has extends from paid_through.
            -- A pay link whose period another payment bought meanwhile (both charged before either was paid:
            -- a trial's reminder and the plan bought on the picker) buys the next period: no rupiah is taken for
            -- nothing. Another link for the same period paid first is paid_again (above).
            period_start := coalesce(
              case when target.period_start is not null and current.plan_key = target.plan_key
                        and current.status in ('active', 'past_due', 'canceled')
                        and current.paid_through > target.period_start then current.paid_through
                   else target.period_start end,
              case when current.plan_key = target.plan_key and current.status in ('active', 'past_due', 'canceled')
                        and current.paid_through > pg_catalog.now() then current.paid_through
                   -- Paying for the plan one is trying keeps the trial's remaining days.
                   when current.plan_key = target.plan_key and current.status = 'trialing'
                        and current.current_period_end > pg_catalog.now() then current.current_period_end end,
              pg_catalog.now());
            period_end := case chosen.interval
              when 'month' then period_start + interval '1 month'
              when 'year' then period_start + interval '1 year' end;
            perform api.assign_plan(target.project_id, target.user_id, target.plan_key, 'payment',
              pg_catalog.tstzrange(period_start, period_end), period_end);
            -- Pay links of this plan for periods this payment covered (a trial's reminder when the plan was
            -- bought on the picker) expire while no charge was made on them; one with a charge is refused a
            -- second charge by api.record_payment and, if paid anyway, buys the next period (above).
            perform astapa.expire_covered_checkouts(target, period_end);
            end if;
            -- Every paid payment gets its numbered receipt in the same transaction (db/api/receipts.sql); an
            -- upgrade's receipt covers the rest of the period it paid for.
            perform astapa.issue_receipt(pay, coalesce(period_start, pg_catalog.now()), period_end);
            perform astapa.emit_event(ev.project_id, 'payment.succeeded', pg_catalog.jsonb_build_object(
              'checkout_id', target.public_id, 'sub', target.user_id::text, 'plan', target.plan_key,
              'method', pay.method, 'amount', pay.amount, 'paid_through', period_end));
            applied_outcome := 'paid';
          end if;
        end if;
      end if;
    end if;
    return applied_outcome;
  end
  $$;

create or replace function astapa.expire_covered_checkouts(paid astapa.checkouts, paid_through timestamptz)
  returns void
  language sql
  volatile
  set search_path = ''
  as $$
    update astapa.checkouts as c set status = 'expired', updated_at = pg_catalog.now()
    where c.project_id = paid.project_id and c.user_id = paid.user_id and c.id <> paid.id
      and c.plan_key = paid.plan_key and c.status = 'open' and c.period_start is not null
      and c.period_start < paid_through
  $$;

comment on function astapa.expire_covered_checkouts(astapa.checkouts, timestamptz) is
  'Expires a user''s open pay links (no charge yet) of the plan a payment just bought, for periods starting '
  'before what it paid through: they would charge a second time for a period already paid.';

grant execute on function astapa.expire_covered_checkouts(astapa.checkouts, timestamptz) to astapa_app;

comment on function astapa.apply_payment_event_row(astapa.payment_events) is
  'Applies one locked payment event and answers its outcome (see api.apply_payment_event); raises when it cannot. '
  'A success whose currency or amount is not the checkout''s changes nothing (currency_mismatch, amount_mismatch); '
  'one of a paid checkout, or of a pay link whose period another link already bought '
  '(astapa.period_paid_by_another_link), is paid_again (its own receipt, for a refund; no second period). '
  'Locks the payment id (astapa.lock_payment_provider_id), a team plan''s organization, the checkout, then the '
  'charge: the lock order of everything that ends checkouts and their charges.';

grant execute on function astapa.apply_payment_event_row(astapa.payment_events) to astapa_app;

create or replace function api.requeue_payment_event(project_id text, event_id bigint) returns jsonb
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
    -- (The update NOTIFYs the workers: trigger payment_events_notify_requeue.)
    perform astapa.audit(project_id, 'payment_event.requeued', 'payment_event:' || event_id, '{}');
    return pg_catalog.jsonb_build_object('event_id', requeued, 'requeued', true);
  end
  $$;

comment on function api.requeue_payment_event(text, bigint) is
  'Puts an event that failed to apply (outcome error) back in line, after the cause is fixed; audited. AS404 '
  'for any other event.';

grant execute on function api.requeue_payment_event(text, bigint) to astapa_app;

drop policy if exists "a project reads its own sandbox account" on astapa.sandbox_accounts;
create policy "a project reads its own sandbox account" on astapa.sandbox_accounts
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project creates its own sandbox account" on astapa.sandbox_accounts;
create policy "a project creates its own sandbox account" on astapa.sandbox_accounts
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reseals its own sandbox account" on astapa.sandbox_accounts;
create policy "a project reseals its own sandbox account" on astapa.sandbox_accounts
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "definer functions find the sandbox account a key names" on astapa.sandbox_accounts;
create policy "definer functions find the sandbox account a key names" on astapa.sandbox_accounts
  for select to astapa_owner
  using (key_hash = pg_catalog.decode(nullif(pg_catalog.current_setting('astapa.sandbox_lookup', true), ''), 'hex')
      or callback_token_hash = pg_catalog.decode(
        nullif(pg_catalog.current_setting('astapa.sandbox_lookup', true), ''), 'hex'));

create or replace function api.sandbox_account() returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'secret_key_sealed', pg_catalog.encode(a.secret_key_sealed, 'base64'),
      'callback_token_sealed', pg_catalog.encode(a.callback_token_sealed, 'base64'))
    from astapa.sandbox_accounts a
    where a.project_id = (select astapa.current_project_id())
  $$;

comment on function api.sandbox_account() is
  'The current project''s sealed simulator key and callback token (base64), or null when it has none yet.';

revoke all on function api.sandbox_account() from public;

grant execute on function api.sandbox_account() to astapa_app;

create or replace function api.create_sandbox_account(
  key_hash bytea, callback_token_hash bytea, secret_key_sealed bytea, callback_token_sealed bytea)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if astapa.current_project_id() is null then
      raise exception using errcode = 'AS404', message = 'No project is set for this transaction.';
    end if;
    -- Two instances making the account at once: the first insert wins, both answer with it.
    insert into astapa.sandbox_accounts (project_id, key_hash, callback_token_hash, secret_key_sealed,
                                         callback_token_sealed)
    values (astapa.current_project_id(), key_hash, callback_token_hash, secret_key_sealed, callback_token_sealed)
    on conflict (project_id) do nothing;
    return api.sandbox_account();
  end
  $$;

comment on function api.create_sandbox_account(bytea, bytea, bytea, bytea) is
  'Gives the current project its simulator account unless it has one; answers the account it has.';

revoke all on function api.create_sandbox_account(bytea, bytea, bytea, bytea) from public;

grant execute on function api.create_sandbox_account(bytea, bytea, bytea, bytea) to astapa_app;

create or replace function api.sandbox_account_project(key_hash bytea) returns text
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  declare
    found_project text;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Simulator keys are looked up before a project is chosen.';
    end if;
    if key_hash is null or pg_catalog.length(key_hash) <> 32 then
      return null;
    end if;
    perform pg_catalog.set_config('astapa.sandbox_lookup', pg_catalog.encode(key_hash, 'hex'), true);
    select a.project_id into found_project from astapa.sandbox_accounts a where a.key_hash = sandbox_account_project.key_hash;
    perform pg_catalog.set_config('astapa.sandbox_lookup', '', true);
    return found_project;
  end
  $$;

comment on function api.sandbox_account_project(bytea) is
  'The project whose simulator secret key has this SHA-256, or null: the simulator authenticates a call. '
  'Security definer because no project is known yet; it sees only the one account the hash names (policy '
  '"definer functions find the sandbox account a key names") and refuses to run once a project is set.';

revoke all on function api.sandbox_account_project(bytea) from public;

grant execute on function api.sandbox_account_project(bytea) to astapa_app;

create or replace function api.is_sandbox_callback_token(token_hash bytea) returns boolean
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  declare
    known boolean;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Callback tokens are looked up before a project is chosen.';
    end if;
    if token_hash is null or pg_catalog.length(token_hash) <> 32 then
      return false;
    end if;
    perform pg_catalog.set_config('astapa.sandbox_lookup', pg_catalog.encode(token_hash, 'hex'), true);
    select exists (select 1 from astapa.sandbox_accounts a where a.callback_token_hash = token_hash) into known;
    perform pg_catalog.set_config('astapa.sandbox_lookup', '', true);
    return known;
  end
  $$;

comment on function api.is_sandbox_callback_token(bytea) is
  'Whether a callback token (as SHA-256) is some project''s simulator token: a simulator callback naming an '
  'unknown checkout is acknowledged so its sender stops retrying. Security definer because no project is known; '
  'it answers yes or no for the one hash and refuses to run once a project is set.';

revoke all on function api.is_sandbox_callback_token(bytea) from public;

grant execute on function api.is_sandbox_callback_token(bytea) to astapa_app;

drop policy if exists "a project reads its own sandbox charges" on astapa.sandbox_charges;
create policy "a project reads its own sandbox charges" on astapa.sandbox_charges
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own sandbox charges" on astapa.sandbox_charges;
create policy "a project records its own sandbox charges" on astapa.sandbox_charges
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project updates its own sandbox charges" on astapa.sandbox_charges;
create policy "a project updates its own sandbox charges" on astapa.sandbox_charges
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "definer functions find the sandbox charge a lookup names" on astapa.sandbox_charges;
create policy "definer functions find the sandbox charge a lookup names" on astapa.sandbox_charges
  for select to astapa_owner
  using (id = nullif(pg_catalog.current_setting('astapa.sandbox_charge_lookup', true), ''));

drop policy if exists "a project reads its own sandbox idempotency keys" on astapa.sandbox_idempotency;
create policy "a project reads its own sandbox idempotency keys" on astapa.sandbox_idempotency
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own sandbox idempotency keys" on astapa.sandbox_idempotency;
create policy "a project records its own sandbox idempotency keys" on astapa.sandbox_idempotency
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create or replace function api.save_sandbox_charge(id text, kind text, external_id text, status text, record jsonb)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if astapa.current_project_id() is null then
      raise exception using errcode = 'AS404', message = 'No project is set for this transaction.';
    end if;
    insert into astapa.sandbox_charges (project_id, id, kind, external_id, status, record)
    values (astapa.current_project_id(), id, kind, external_id, status, record);
  end
  $$;

comment on function api.save_sandbox_charge(text, text, text, text, jsonb) is
  'Records a charge the simulator made for the current project.';

revoke all on function api.save_sandbox_charge(text, text, text, text, jsonb) from public;

grant execute on function api.save_sandbox_charge(text, text, text, text, jsonb) to astapa_app;

create or replace function api.transition_sandbox_charge(id text, from_statuses text[], status text, record jsonb)
  returns boolean
  language sql
  volatile
  set search_path = ''
  as $$
    with changed as (
      update astapa.sandbox_charges c
      set status = transition_sandbox_charge.status, record = transition_sandbox_charge.record,
          updated_at = pg_catalog.now()
      where c.project_id = (select astapa.current_project_id()) and c.id = transition_sandbox_charge.id
        and c.status = any (from_statuses)
      returning 1)
    select exists (select 1 from changed)
  $$;

comment on function api.transition_sandbox_charge(text, text[], text, jsonb) is
  'Moves a charge of the current project to a new status if it is still in one of from_statuses (compare and '
  'set: two instances paying at once pay once); true when it moved.';

revoke all on function api.transition_sandbox_charge(text, text[], text, jsonb) from public;

grant execute on function api.transition_sandbox_charge(text, text[], text, jsonb) to astapa_app;

create or replace function api.sandbox_charge(id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('kind', c.kind, 'record', c.record)
    from astapa.sandbox_charges c
    where c.project_id = (select astapa.current_project_id()) and c.id = sandbox_charge.id
  $$;

comment on function api.sandbox_charge(text) is 'One simulator charge of the current project, or null.';

revoke all on function api.sandbox_charge(text) from public;

grant execute on function api.sandbox_charge(text) to astapa_app;

create or replace function api.sandbox_invoices(external_id text, max_count integer) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(x.record order by x.created_at desc), '[]')
    from (select c.record, c.created_at from astapa.sandbox_charges c
          where c.project_id = (select astapa.current_project_id()) and c.kind = 'invoice'
            and (sandbox_invoices.external_id is null or c.external_id = sandbox_invoices.external_id)
          order by c.created_at desc
          limit least(greatest(coalesce(max_count, 10), 1), 100)) x
  $$;

comment on function api.sandbox_invoices(text, integer) is
  'The current project''s simulator invoices, newest first, optionally by external_id (GET /v2/invoices).';

revoke all on function api.sandbox_invoices(text, integer) from public;

grant execute on function api.sandbox_invoices(text, integer) to astapa_app;

create or replace function api.sandbox_charge_owner(id text) returns text
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  declare
    owner text;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Charges are looked up before a project is chosen.';
    end if;
    perform pg_catalog.set_config('astapa.sandbox_charge_lookup', coalesce(id, ''), true);
    select c.project_id into owner from astapa.sandbox_charges c where c.id = sandbox_charge_owner.id;
    perform pg_catalog.set_config('astapa.sandbox_charge_lookup', '', true);
    return owner;
  end
  $$;

comment on function api.sandbox_charge_owner(text) is
  'The project a simulator charge id belongs to, or null: the hosted invoice page and "Simulate payment" name a '
  'charge, not a project (its random id is the capability, as at Xendit). Security definer because no project '
  'is known yet; it sees only the one charge named (policy "definer functions find the sandbox charge a lookup '
  'names") and refuses to run once a project is set.';

revoke all on function api.sandbox_charge_owner(text) from public;

grant execute on function api.sandbox_charge_owner(text) to astapa_app;

create or replace function api.sandbox_idempotency(key text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('request_hash', i.request_hash, 'status', i.status, 'body', i.body)
    from astapa.sandbox_idempotency i
    where i.project_id = (select astapa.current_project_id()) and i.key = sandbox_idempotency.key
  $$;

comment on function api.sandbox_idempotency(text) is 'What an idempotency key of the current project was used with.';

revoke all on function api.sandbox_idempotency(text) from public;

grant execute on function api.sandbox_idempotency(text) to astapa_app;

create or replace function api.save_sandbox_idempotency(key text, request_hash text, status integer, body jsonb)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    insert into astapa.sandbox_idempotency (project_id, key, request_hash, status, body)
    values (astapa.current_project_id(), key, request_hash, status, body)
    on conflict on constraint sandbox_idempotency_pkey do nothing;
    return api.sandbox_idempotency(key);
  end
  $$;

comment on function api.save_sandbox_idempotency(text, text, integer, jsonb) is
  'Remembers an idempotency key''s request and answer unless another instance did first; answers the one kept.';

revoke all on function api.save_sandbox_idempotency(text, text, integer, jsonb) from public;

grant execute on function api.save_sandbox_idempotency(text, text, integer, jsonb) to astapa_app;
