-- The dashboard's Payments page: a project's checkouts, newest first, a page at a time (keyset on the
-- checkout's id), filtered by status and method, in the project's current mode only.

create function astapa.dashboard_payment_json(c astapa.checkouts) returns jsonb
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
      'environment', c.environment, 'created_at', c.created_at, 'paid_at', c.paid_at)
  $$;

comment on function astapa.dashboard_payment_json(astapa.checkouts) is
  'A checkout as a row of the dashboard''s payments list (with the user''s email and the plan''s name).';

grant execute on function astapa.dashboard_payment_json(astapa.checkouts) to astapa_app;

create function api.list_payments(project_id text, filter jsonb default '{}') returns jsonb
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
    if filter ? 'method' and filter ->> 'method' not in ('qris', 'bank_transfer', 'ovo', 'gopay') then
      problems := problems || '{"method": ["method must be qris, bank_transfer, ovo or gopay."]}';
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
              and (not filter ? 'before' or c.id < (filter ->> 'before')::bigint)
            order by c.id desc
            limit page_size) as c), '[]');
  end
  $$;

comment on function api.list_payments(text, jsonb) is
  'A page of the project''s checkouts in its current mode, newest first: filter {status?, method?, before? (a '
  'row''s id: the rows older than it), size? (1-200, default 50)}. AS400 naming the bad filter field.';

grant execute on function api.list_payments(text, jsonb) to astapa_app;
