-- Dashboard listings and charts.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

create or replace function api.plan_subscriber_counts(project_id text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    mode text := astapa.require_project(project_id);
  begin
    -- Users of the project's current mode only: sandbox subscribers are not production's, and vice versa.
    return coalesce((
      select pg_catalog.jsonb_object_agg(counted.plan_key, counted.subscribers)
      from (select s.plan_key, pg_catalog.count(*) as subscribers
            from astapa.subscriptions as s
            join astapa.users as u on u.project_id = s.project_id and u.id = s.user_id
            where s.project_id = plan_subscriber_counts.project_id and s.ended_at is null
              and s.status = 'active' and u.environment = mode
            group by s.plan_key) as counted), '{}');
  end
  $$;

comment on function api.plan_subscriber_counts(text) is
  'Plan key → number of active current subscriptions of users in the project''s current mode (plans without '
  'subscribers are absent). AS404 for a project that is not visible.';

grant execute on function api.plan_subscriber_counts(text) to astapa_app;

create or replace function astapa.dashboard_payment_json(c astapa.checkouts) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'id', c.id::text, 'checkout_id', c.public_id, 'status', c.status, 'method', c.method, 'bank', c.bank,
      'amount', c.amount, 'currency', c.currency, 'sub', c.user_id::text,
      'email', (select u.email from astapa.users as u where u.project_id = c.project_id and u.id = c.user_id),
      'plan', c.plan_key,
      'plan_name', (select p.name from astapa.plans as p where p.project_id = c.project_id and p.key = c.plan_key),
      'environment', c.environment, 'created_at', c.created_at, 'paid_at', c.paid_at,
      'reconcile_errors', coalesce((select pg_catalog.max(y.reconcile_errors) from astapa.payments as y
                                    where y.project_id = c.project_id and y.checkout_id = c.id
                                      and y.status = 'pending'), 0),
      'reconcile_stopped_at', (select pg_catalog.max(y.reconcile_stopped_at) from astapa.payments as y
                               where y.project_id = c.project_id and y.checkout_id = c.id
                                 and y.status = 'pending'),
      'reconcile_resumed_at', (select pg_catalog.max(y.reconcile_resumed_at) from astapa.payments as y
                               where y.project_id = c.project_id and y.checkout_id = c.id
                                 and y.status = 'pending'),
      'reconcile_last_error', (select astapa.reconcile_error_json(y.reconcile_error_code, y.reconcile_error_message,
                                        y.reconcile_error_at)
                               from astapa.payments as y
                               where y.project_id = c.project_id and y.checkout_id = c.id
                                 and y.status = 'pending' and y.reconcile_error_at is not null
                               order by y.reconcile_error_at desc, y.id desc limit 1),
      'abandoned', astapa.abandoned_charge_json(c))
  $$;

comment on function astapa.dashboard_payment_json(astapa.checkouts) is
  'A checkout as a row of the dashboard''s payments list (with the user''s email and the plan''s name). '
  'reconcile_errors and reconcile_stopped_at: the most errors of ours while reconciling one of its pending '
  'charges, and when the billing pass last stopped asking Xendit about one (null while it still asks); '
  'reconcile_resumed_at: when such a stop was last resumed; reconcile_last_error: the latest error met asking '
  'about one of them ({code, message, at}, astapa.reconcile_error_json), or null. Settled charges are left out: '
  'a payment with no charge left pending shows no reconciliation. abandoned: its latest charge ended here, '
  'while that end stands (astapa.abandoned_charge_json), or null.';

grant execute on function astapa.dashboard_payment_json(astapa.checkouts) to astapa_app;

create or replace function astapa.payment_methods() returns text[]
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    -- QRIS, then the e-wallets, then banks, cards last: the order lists and charts show them in.
    select '{qris,gopay,ovo,dana,shopeepay,bank_transfer,direct_debit,card}'::text[]
  $$;

comment on function astapa.payment_methods() is
  'Every method a checkout or payment takes (checkouts_method_check, payments_method_check), in the order the '
  'dashboard and the Platform API list them: the payments filter and revenue by method.';

grant execute on function astapa.payment_methods() to astapa_app;

create or replace function api.list_payments(project_id text, filter jsonb default '{}') returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    mode text := astapa.require_project(project_id);
    problems jsonb := '{}';
    page_size integer;
  begin
    if pg_catalog.jsonb_typeof(filter) is distinct from 'object' then
      raise exception using errcode = 'AS400', message = 'filter must be a JSON object.';
    end if;
    if filter ? 'status' and filter ->> 'status' not in ('open', 'pending', 'paid', 'expired') then
      problems := problems || '{"status": ["status must be open, pending, paid or expired."]}';
    end if;
    if filter ? 'method' and filter ->> 'method' <> all (astapa.payment_methods()) then
      problems := problems || pg_catalog.jsonb_build_object('method', pg_catalog.jsonb_build_array(
        'method must be one of ' || pg_catalog.array_to_string(astapa.payment_methods(), ', ') || '.'));
    end if;
    if filter ? 'user' and astapa.user_id_of(filter ->> 'user') is null then
      problems := problems || '{"user": ["user must be a user''s id (sub)."]}';
    end if;
    if filter ? 'before' and coalesce(filter ->> 'before', '') !~ '^[0-9]{1,18}$' then
      problems := problems || '{"before": ["before must be a checkout''s id (a whole number)."]}';
    end if;
    if filter ? 'size' and not astapa.is_whole_number(filter -> 'size', 1, 200) then
      problems := problems || '{"size": ["size must be a whole number from 1 to 200."]}';
    end if;
    perform astapa.raise_problems(nullif(problems, '{}'));
    page_size := coalesce((filter ->> 'size')::integer, 50);
    return coalesce((
      select pg_catalog.jsonb_agg(astapa.dashboard_payment_json(c) order by c.id desc)
      from (select * from astapa.checkouts as c
            where c.project_id = list_payments.project_id and c.environment = mode
              and (not filter ? 'status' or c.status = filter ->> 'status')
              and (not filter ? 'method' or c.method = filter ->> 'method')
              and (not filter ? 'user' or c.user_id = (filter ->> 'user')::bigint)
              and (not filter ? 'before' or c.id < (filter ->> 'before')::bigint)
            order by c.id desc
            limit page_size) as c), '[]');
  end
  $$;

comment on function api.list_payments(text, jsonb) is
  'A page of the project''s checkouts in its current mode, newest first: filter {status?, method?, user? (a '
  'user''s id, the sub), before? (a row''s id: the rows older than it), size? (1-200, default 50)}. AS400 '
  'naming the bad filter field.';

grant execute on function api.list_payments(text, jsonb) to astapa_app;

create or replace function api.get_payment(project_id text, checkout_id text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    payment jsonb;
  begin
    select astapa.dashboard_payment_json(c) into payment from astapa.checkouts as c
    where c.project_id = get_payment.project_id and c.public_id = get_payment.checkout_id;
    if payment is null then
      raise exception using errcode = 'AS404', message = 'This payment was not found.';
    end if;
    return payment;
  end
  $$;

comment on function api.get_payment(text, text) is
  'One payment (a checkout by its public id, in either mode) as the payments list shows it, with its '
  'reconciliation and why it stopped (the CLI''s payment show). AS404 unknown (or another project''s) payment.';

grant execute on function api.get_payment(text, text) to astapa_app;

create or replace function astapa.payment_feed_horizon(project_id text) returns bigint
  language sql
  stable
  set search_path = ''
  as $$
    select e.id from astapa.payment_events as e
    where e.project_id = payment_feed_horizon.project_id and e.processed_at is null
    order by e.id limit 1
  $$;

comment on function astapa.payment_feed_horizon(text) is
  'The id of the project''s oldest unapplied payment event (the feed stops before it), or null.';

grant execute on function astapa.payment_feed_horizon(text) to astapa_app;

create or replace function api.payment_feed_cursor(project_id text) returns bigint
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    horizon bigint;
  begin
    perform astapa.require_project(project_id);
    horizon := astapa.payment_feed_horizon(project_id);
    return coalesce(
      (select e.id from astapa.payment_events as e
       where e.project_id = payment_feed_cursor.project_id and (horizon is null or e.id < horizon)
       order by e.id desc limit 1), 0);
  end
  $$;

comment on function api.payment_feed_cursor(text) is
  'Where a new feed starts: the id of the project''s latest payment event the feed has already passed (0 for '
  'none). A page lists payments, then follows the feed from here. AS404 for a project that is not visible.';

grant execute on function api.payment_feed_cursor(text) to astapa_app;

create or replace function api.payment_feed(project_id text, after_event bigint, size integer default 50) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    mode text := astapa.require_project(project_id);
    horizon bigint;
  begin
    if after_event is null or after_event < 0 then
      raise exception using errcode = 'AS400', message = 'after_event must be an event id (0 or more).';
    end if;
    if size is null or size not between 1 and 500 then
      raise exception using errcode = 'AS400', message = 'size must be from 1 to 500.';
    end if;
    horizon := astapa.payment_feed_horizon(project_id);
    return (
      with passed as (
        select e.* from astapa.payment_events as e
        where e.project_id = payment_feed.project_id and e.id > after_event
          and (horizon is null or e.id < horizon)
        order by e.id
        limit size)
      select pg_catalog.jsonb_build_object(
        'cursor', coalesce((select pg_catalog.max(passed.id) from passed), after_event)::text,
        'events', coalesce((
          select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                   'event_id', passed.id::text, 'outcome', passed.outcome,
                   'payment', astapa.dashboard_payment_json(c)) order by passed.id)
          from passed
          join astapa.checkouts as c
            on c.project_id = passed.project_id and c.public_id = passed.checkout_public_id
          where c.environment = mode), '[]')));
  end
  $$;

comment on function api.payment_feed(text, bigint, integer) is
  'Applied payment events after after_event (up to size, stopping before the oldest unapplied one) for '
  'checkouts in the project''s current mode, each with its checkout as the payments list shows it; cursor is '
  'the last event passed (also ones of the other mode). AS400 for a bad after_event or size.';

grant execute on function api.payment_feed(text, bigint, integer) to astapa_app;

create or replace function api.signups_per_day(project_id text, days integer default 30,
                                    until timestamptz default pg_catalog.now())
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    mode text := astapa.require_project(project_id);
    last_day date;
  begin
    if days is null or days not between 1 and 366 then
      raise exception using errcode = 'AS400', message = 'days must be from 1 to 366.';
    end if;
    last_day := (until at time zone 'UTC')::date;
    return (
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'day', pg_catalog.to_char(d.day, 'YYYY-MM-DD'),
               'count', (select pg_catalog.count(*) from astapa.users as u
                         where u.project_id = signups_per_day.project_id and u.environment = mode
                           and u.deleted_at is null -- a deleted account (tombstone) is no user any more
                           and u.created_at >= (d.day::timestamp at time zone 'UTC')
                           and u.created_at < ((d.day + 1)::timestamp at time zone 'UTC')))
             order by d.day)
      from pg_catalog.generate_series(0, days - 1) as g(n)
      cross join lateral (select last_day - (days - 1) + g.n as day) as d);
  end
  $$;

comment on function api.signups_per_day(text, integer, timestamptz) is
  '[{day: YYYY-MM-DD, count}] for the days (UTC) days ending on until''s: users created in the project''s '
  'current mode and not deleted since (tombstones do not count). AS400 unless 1 <= days <= 366; AS404 for a project that is not visible.';

grant execute on function api.signups_per_day(text, integer, timestamptz) to astapa_app;

create or replace function api.revenue_by_method(project_id text, days integer default 30,
                                      until timestamptz default pg_catalog.now())
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    mode text := astapa.require_project(project_id);
    since timestamptz;
  begin
    if days is null or days not between 1 and 366 then
      raise exception using errcode = 'AS400', message = 'days must be from 1 to 366.';
    end if;
    -- The same window as signups_per_day: from the start of the first of the UTC days.
    since := (((until at time zone 'UTC')::date - (days - 1))::timestamp at time zone 'UTC');
    return (
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'method', totals.method, 'amount', totals.amount, 'payments', totals.payments)
             order by totals.position)
      from (select m.method, m.position, coalesce(pg_catalog.sum(paid.amount), 0)::bigint as amount,
                   pg_catalog.count(paid.id) as payments
            from pg_catalog.unnest(astapa.payment_methods()) with ordinality as m(method, position)
            left join lateral (
              select y.id, y.amount from astapa.payments as y
              join astapa.checkouts as c on c.project_id = y.project_id and c.id = y.checkout_id
              where y.project_id = revenue_by_method.project_id and y.method = m.method and y.status = 'paid'
                and c.environment = mode and y.paid_at >= since and y.paid_at <= until) as paid on true
            group by m.method, m.position) as totals);
  end
  $$;

comment on function api.revenue_by_method(text, integer, timestamptz) is
  '[{method, amount, payments}] for every method of astapa.payment_methods(), in its order: paid charges of the '
  'project''s current mode paid in the days (UTC) days ending on until''s. AS400 unless 1 <= days <= 366.';

grant execute on function api.revenue_by_method(text, integer, timestamptz) to astapa_app;

create or replace function astapa.audit_user_id(target text) returns bigint
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$ select case when pg_catalog.starts_with(target, 'user:') then astapa.user_id_of(pg_catalog.substr(target, 6)) end $$;

comment on function astapa.audit_user_id(text) is 'The user an audit target names (user:<id>), or null.';

grant execute on function astapa.audit_user_id(text) to astapa_app;

create or replace function api.list_audit(project_id text, filters jsonb default '{}', before_id bigint default null,
                               max_rows integer default 50) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    current_mode text := astapa.require_project(project_id);
    wanted_actor text := nullif(pg_catalog.btrim(filters ->> 'actor'), '');
    wanted_action text := nullif(pg_catalog.btrim(filters ->> 'action'), '');
    wanted_user text := nullif(pg_catalog.btrim(filters ->> 'user'), '');
  begin
    if filters is null or pg_catalog.jsonb_typeof(filters) <> 'object'
       or exists (select from pg_catalog.jsonb_object_keys(filters) as k where k not in ('actor', 'action', 'user')) then
      raise exception using errcode = 'AS400', message = 'Audit filters are actor, action and user.';
    end if;
    if max_rows is null or max_rows not between 1 and 200 then
      raise exception using errcode = 'AS400', message = 'A page holds 1 to 200 audit entries.';
    end if;
    if wanted_user is not null and astapa.user_id_of(wanted_user) is null then
      raise exception using errcode = 'AS400', message = 'Filter by user with their sub (digits only).';
    end if;
    if wanted_action is not null and wanted_action !~ '^[a-z_]+(\.[a-z_]*)?$' then
      raise exception using errcode = 'AS400',
        message = 'An action looks like user.create (or user. for every user action).';
    end if;
    -- A developer's email stands for their account.
    if wanted_actor ~ '@' then
      select 'account:' || a.id into wanted_actor from astapa.accounts as a
      where pg_catalog.lower(a.email) = pg_catalog.lower(wanted_actor);
      wanted_actor := coalesce(wanted_actor, 'account:none');
    end if;
    return (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'id', e.id::text, 'at', e.at, 'actor', e.actor, 'actor_email', e.actor_email, 'action', e.action,
          'target', e.target, 'details', e.details) order by e.id desc), '[]')
      from (
        select l.id, l.at, l.actor, acc.email as actor_email, l.action, l.target, l.details
        from astapa.audit_log as l
        left join astapa.users as u
          on u.project_id = l.project_id and u.id = astapa.audit_user_id(l.target)
        left join astapa.accounts as acc
          on acc.id = case when l.actor ~ '^account:[0-9]{1,18}$' then pg_catalog.substr(l.actor, 9)::bigint end
        where l.project_id = list_audit.project_id
          and (before_id is null or l.id < before_id)
          and (u.id is null or u.environment = current_mode)
          and (wanted_actor is null or l.actor = wanted_actor)
          and (wanted_action is null or l.action = wanted_action
               or (wanted_action ~ '\.$' and pg_catalog.starts_with(l.action, wanted_action)))
          and (wanted_user is null or l.target = 'user:' || wanted_user)
        order by l.id desc
        limit max_rows) as e);
  end
  $$;

comment on function api.list_audit(text, jsonb, bigint, integer) is
  'The project''s audit log, newest first, before before_id (keyset), at most max_rows (1–200). filters: actor '
  '(exact, or a developer''s email), action (exact, or a prefix ending in a dot), user (a sub: target user:<sub>). '
  'Entries about the other environment''s users are left out; account actors come with their email. AS400 bad '
  'filters or size; AS404 unknown project.';

grant execute on function api.list_audit(text, jsonb, bigint, integer) to astapa_app;

create or replace function api.list_mail_outbox(project_id text, status text default null, before_id bigint default null,
                                     max_rows integer default 50) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    current_mode text := astapa.require_project(project_id);
  begin
    if status is not null and status not in ('queued', 'sent', 'failed') then
      raise exception using errcode = 'AS400', message = 'A mail status is queued, sent or failed.';
    end if;
    if max_rows is null or max_rows not between 1 and 200 then
      raise exception using errcode = 'AS400', message = 'A page holds 1 to 200 messages.';
    end if;
    return (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'id', m.id::text, 'to', m.to_address, 'kind', m.kind, 'locale', m.locale, 'status', m.status,
          'attempts', m.attempts, 'last_error', m.last_error, 'created_at', m.created_at, 'sent_at', m.sent_at,
          'next_attempt_at', case when m.status = 'queued' then m.next_attempt_at end) order by m.id desc), '[]')
      from (
        select o.*, case when o.sent_at is not null then 'sent' when o.attempts >= 8 then 'failed' else 'queued' end
                 as status
        from astapa.mail_outbox as o
        where o.project_id = list_mail_outbox.project_id
          and (before_id is null or o.id < before_id)
          and (o.environment is null or o.environment = current_mode)
          and (list_mail_outbox.status is null
               or list_mail_outbox.status = case when o.sent_at is not null then 'sent'
                                                 when o.attempts >= 8 then 'failed' else 'queued' end)
        order by o.id desc
        limit max_rows) as m);
  end
  $$;

comment on function api.list_mail_outbox(text, text, bigint, integer) is
  'The project''s outbox without bodies or subjects (they hold links), newest first, before before_id, at most '
  'max_rows (1–200), optionally one status: queued, sent, failed (8 attempts without success). Only the '
  'current environment''s mail (and mail from before environments were recorded). AS400 bad status or size; '
  'AS404 unknown project.';

grant execute on function api.list_mail_outbox(text, text, bigint, integer) to astapa_app;
