-- Checkout functions: open a checkout, attach Xendit charges to it, read it, and find the project a
-- callback's reference belongs to.

create function astapa.url_origin(url text) returns text
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$ select pg_catalog.lower(pg_catalog.substring(url, '^(https?://[^/?#]+)')) $$;

comment on function astapa.url_origin(text) is 'scheme://host[:port] of an http(s) URL, lower-cased; null otherwise.';

grant execute on function astapa.url_origin(text) to astapa_app;

create function astapa.checkout_json(c astapa.checkouts) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'checkout_id', c.public_id, 'sub', c.user_id::text, 'plan', c.plan_key,
      'plan_name', (select p.name from astapa.plans as p where p.project_id = c.project_id and p.key = c.plan_key),
      'interval', (select p.interval from astapa.plans as p where p.project_id = c.project_id and p.key = c.plan_key),
      'amount', c.amount, 'currency', c.currency, 'status', c.status, 'method', c.method, 'bank', c.bank,
      'xendit_account', c.xendit_account, 'environment', c.environment, 'period_start', c.period_start,
      'success_url', c.success_url, 'failure_url', c.failure_url, 'expires_at', c.expires_at,
      'paid_at', c.paid_at, 'created_at', c.created_at,
      'payment', (select pg_catalog.jsonb_build_object('kind', y.kind, 'provider_id', y.provider_id,
                    'method', y.method, 'bank', y.bank, 'status', y.status, 'details', y.details,
                    'expires_at', y.expires_at, 'paid_at', y.paid_at)
                  from astapa.payments as y
                  where y.project_id = c.project_id and y.checkout_id = c.id
                  order by (y.status = 'paid') desc, y.id desc limit 1))
  $$;

comment on function astapa.checkout_json(astapa.checkouts) is
  'A checkout as the API and the checkout page show it, with its latest (or paid) payment.';

grant execute on function astapa.checkout_json(astapa.checkouts) to astapa_app;

create function api.create_checkout(project_id text, checkout jsonb) returns jsonb
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
  '(DETAIL names the field); AS404 unknown or disabled user.';

grant execute on function api.create_checkout(text, jsonb) to astapa_app;

create function api.get_checkout(project_id text, checkout_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.checkout_json(c) from astapa.checkouts as c
    where c.project_id = get_checkout.project_id and c.public_id = get_checkout.checkout_id
  $$;

comment on function api.get_checkout(text, text) is 'A checkout by its public id, or null.';

grant execute on function api.get_checkout(text, text) to astapa_app;

create function api.record_payment(project_id text, checkout_id text, payment jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target astapa.checkouts;
  begin
    select * into target from astapa.checkouts as c
    where c.project_id = record_payment.project_id and c.public_id = record_payment.checkout_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = 'This checkout was not found.';
    end if;
    if target.status in ('paid', 'expired') then
      raise exception using errcode = 'AS409', message = pg_catalog.format('This checkout is already %s.', target.status);
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
    -- A callback that beat this row here was kept as unknown_payment: apply it now.
    update astapa.payment_events as e set processed_at = null, outcome = null
    where e.project_id = record_payment.project_id and e.provider_id = payment ->> 'provider_id'
      and e.outcome = 'unknown_payment';
    return astapa.checkout_json(target);
  end
  $$;

comment on function api.record_payment(text, text, jsonb) is
  'Attaches a Xendit charge {kind, provider_id, method, bank?, details, expires_at} to an open checkout (again: '
  'no-op) and makes it the checkout''s method. AS404 unknown checkout; AS409 checkout paid or expired.';

grant execute on function api.record_payment(text, text, jsonb) to astapa_app;

create function api.checkout_account(checkout_id text) returns jsonb
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
