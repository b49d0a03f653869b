-- Reconciliation: a callback can be lost (Xendit gives up after 24 h of failures, or it never reached us), so
-- charges still pending after N minutes are asked about with Xendit's GET; what Xendit answers is recorded as
-- a payment event and applied by the same worker and function as a callback. Checkouts nobody paid before
-- expires_at are marked expired.

alter table astapa.payments add column checked_at timestamptz;

comment on column astapa.payments.checked_at is 'When reconciliation last asked Xendit about this pending charge.';

grant update (checked_at) on astapa.payments to astapa_app;

create function api.claim_stale_payments(project_id text, now timestamptz, older_than_seconds integer,
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
    -- Claiming stamps checked_at, so each stale charge is asked about once per period by one instance.
    with stale as (
      select y.id from astapa.payments as y
      join astapa.checkouts as c on c.project_id = y.project_id and c.id = y.checkout_id
      where y.project_id = claim_stale_payments.project_id and y.status = 'pending'
        and c.status in ('open', 'pending')
        and y.created_at <= now - pg_catalog.make_interval(secs => older_than_seconds)
        and (y.checked_at is null or y.checked_at <= now - pg_catalog.make_interval(secs => older_than_seconds))
      order by y.id
      for update of y skip locked
      limit least(greatest(max_rows, 1), 500)),
    stamped as (
      update astapa.payments as y set checked_at = now
      from stale where y.project_id = claim_stale_payments.project_id and y.id = stale.id
      returning y.*)
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'checkout_id', c.public_id, 'kind', st.kind, 'provider_id', st.provider_id, 'method', st.method,
        'amount', st.amount, 'xendit_account', c.xendit_account, 'environment', c.environment) order by st.id), '[]')
      into claimed
    from stamped as st
    join astapa.checkouts as c on c.project_id = st.project_id and c.id = st.checkout_id;
    return claimed;
  end
  $$;

comment on function api.claim_stale_payments(text, timestamptz, integer, integer) is
  'Pending charges of unpaid checkouts older than older_than_seconds and not checked within that time (FOR '
  'UPDATE SKIP LOCKED, at most max_rows): stamps checked_at = now and returns what is needed to ask Xendit. '
  'AS400 without now or with a negative age.';

grant execute on function api.claim_stale_payments(text, timestamptz, integer, integer) to astapa_app;

create function api.expire_checkouts(project_id text, now timestamptz) returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    expired_id bigint;
    expired_public_id text;
    total integer := 0;
  begin
    if now is null then
      raise exception using errcode = 'AS400', message = 'Expiring checkouts needs now.';
    end if;
    for expired_id, expired_public_id in
      update astapa.checkouts as c set status = 'expired', updated_at = pg_catalog.now()
      where c.project_id = expire_checkouts.project_id and c.status in ('open', 'pending') and c.expires_at <= now
      returning c.id, c.public_id
    loop
      -- A charge that Xendit still settles later is applied all the same (apply_payment_event: paid wins).
      update astapa.payments as y set status = 'expired', updated_at = pg_catalog.now()
      where y.project_id = expire_checkouts.project_id and y.checkout_id = expired_id and y.status = 'pending';
      perform pg_catalog.pg_notify('astapa_checkouts', expired_public_id);
      total := total + 1;
    end loop;
    return total;
  end
  $$;

comment on function api.expire_checkouts(text, timestamptz) is
  'Marks the project''s open or pending checkouts whose expires_at has passed at `now` expired (and their '
  'pending charges), notifying astapa_checkouts; returns how many. AS400 without now.';

grant execute on function api.expire_checkouts(text, timestamptz) to astapa_app;
