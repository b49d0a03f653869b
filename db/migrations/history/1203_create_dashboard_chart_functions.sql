-- Aggregates for the dashboard's charts, per UTC day, in the project's current mode: sign-ups per day and
-- paid revenue per payment method. Every day and every method is present (zero when nothing happened), so
-- the page draws what SQL answers without filling gaps.

create function api.signups_per_day(project_id text, days integer default 30,
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
                           and u.created_at >= (d.day::timestamp at time zone 'UTC')
                           and u.created_at < ((d.day + 1)::timestamp at time zone 'UTC')))
             order by d.day)
      from pg_catalog.generate_series(0, days - 1) as g(n)
      cross join lateral (select last_day - (days - 1) + g.n as day) as d);
  end
  $$;

comment on function api.signups_per_day(text, integer, timestamptz) is
  '[{day: YYYY-MM-DD, count}] for the days (UTC) days ending on until''s: users created in the project''s '
  'current mode. AS400 unless 1 <= days <= 366; AS404 for a project that is not visible.';

grant execute on function api.signups_per_day(text, integer, timestamptz) to astapa_app;

create function api.revenue_by_method(project_id text, days integer default 30,
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
            from (values ('qris', 1), ('gopay', 2), ('ovo', 3), ('bank_transfer', 4)) as m(method, position)
            left join lateral (
              select y.id, y.amount from astapa.payments as y
              join astapa.checkouts as c on c.project_id = y.project_id and c.id = y.checkout_id
              where y.project_id = revenue_by_method.project_id and y.method = m.method and y.status = 'paid'
                and c.environment = mode and y.paid_at >= since and y.paid_at <= until) as paid on true
            group by m.method, m.position) as totals);
  end
  $$;

comment on function api.revenue_by_method(text, integer, timestamptz) is
  '[{method, amount, payments}] for qris, gopay, ovo and bank_transfer: paid charges of the project''s current '
  'mode paid in the days (UTC) days ending on until''s. AS400 unless 1 <= days <= 366.';

grant execute on function api.revenue_by_method(text, integer, timestamptz) to astapa_app;
