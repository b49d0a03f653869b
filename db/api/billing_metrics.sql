-- Subscription metrics for the dashboard (issue 23 item 8): monthly recurring revenue and churn by month, in
-- IDR, computed here so every instance and the Platform API would read the same numbers.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

create or replace function api.mrr_by_month(project_id text, months integer default 12,
                                            until timestamptz default pg_catalog.now())
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    mode text := astapa.require_project(project_id);
    first_month date;
  begin
    if months is null or months not between 1 and 36 then
      raise exception using errcode = 'AS400', message = 'months must be from 1 to 36.';
    end if;
    first_month := (pg_catalog.date_trunc('month', until at time zone 'UTC') - pg_catalog.make_interval(months => months - 1))::date;
    return (
      with bounds as (
        -- Each UTC month, measured at its start and at its end (the current month: at until).
        select pg_catalog.to_char(m, 'YYYY-MM') as month,
               (m at time zone 'UTC') as starts,
               least(((m + interval '1 month') at time zone 'UTC'), until) as ends
        from pg_catalog.generate_series(first_month::timestamp,
                                        pg_catalog.date_trunc('month', until at time zone 'UTC'),
                                        interval '1 month') as m),
      paid as (
        -- Paid subscriptions of the project's current mode, with what each is worth a month (a yearly price
        -- divided by 12, rounded down); today's plan price, since past prices are not kept.
        select s.user_id, s.created_at, coalesce(s.ended_at, 'infinity') as ended_at, s.paid_through,
               case p.interval when 'month' then p.price_idr when 'year' then p.price_idr / 12 end as monthly
        from astapa.subscriptions as s
        join astapa.users as u on u.project_id = s.project_id and u.id = s.user_id and u.environment = mode
        join astapa.plans as p on p.project_id = s.project_id and p.key = s.plan_key
        where s.project_id = mrr_by_month.project_id and s.source = 'payment' and s.paid_through is not null
          and p.price_idr > 0 and p.interval in ('month', 'year')),
      per_month as (
        select b.month,
               (select coalesce(pg_catalog.sum(x.monthly), 0) from paid as x
                where x.created_at <= b.ends and x.ended_at > b.ends and x.paid_through > b.ends)::bigint as mrr,
               (select pg_catalog.array_agg(distinct x.user_id) from paid as x
                where x.created_at <= b.starts and x.ended_at > b.starts and x.paid_through > b.starts) as at_start,
               (select pg_catalog.array_agg(distinct x.user_id) from paid as x
                where x.created_at <= b.ends and x.ended_at > b.ends and x.paid_through > b.ends) as at_end
        from bounds as b)
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'month', pm.month, 'mrr_idr', pm.mrr,
               'paying', coalesce(pg_catalog.cardinality(pm.at_end), 0),
               'new', (select pg_catalog.count(*) from pg_catalog.unnest(coalesce(pm.at_end, '{}')) as e(id)
                       where e.id <> all (coalesce(pm.at_start, '{}'))),
               'churned', (select pg_catalog.count(*) from pg_catalog.unnest(coalesce(pm.at_start, '{}')) as s(id)
                           where s.id <> all (coalesce(pm.at_end, '{}'))),
               'paying_at_start', coalesce(pg_catalog.cardinality(pm.at_start), 0))
             order by pm.month)
      from per_month as pm);
  end
  $$;

comment on function api.mrr_by_month(text, integer, timestamptz) is
  '[{month: YYYY-MM, mrr_idr, paying, new, churned, paying_at_start}] for the months (UTC) months ending with '
  'until''s: paid subscriptions of the project''s current mode whose paid period covers the month''s end (the '
  'current month: until), each worth its plan''s monthly price (yearly / 12). churned: paying at the month''s '
  'start and not at its end; new: the reverse. AS400 unless 1 <= months <= 36; AS404 for a project that is not '
  'visible.';

grant execute on function api.mrr_by_month(text, integer, timestamptz) to astapa_app;
