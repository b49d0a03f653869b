-- The dashboard's delivery log reads deliveries a page at a time: newest first, keyset-paginated on the
-- delivery id (stable while new deliveries arrive), with the attempt details the page shows.

create function api.webhook_delivery_page(project_id text, before_id bigint default null,
                                          max_deliveries integer default 25)
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    rows jsonb;
  begin
    perform astapa.require_project(project_id);
    if max_deliveries not between 1 and 200 then
      raise exception using errcode = 'AS400', message = 'Show 1 to 200 deliveries a page.';
    end if;
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'id', d.id::text, 'event_id', ev.public_id, 'event_type', ev.type, 'status', d.status,
        'attempts', d.attempts, 'last_status', d.last_status, 'last_error', d.last_error,
        'last_attempt_at', d.last_attempt_at, 'next_attempt_at',
        case when d.status = 'pending' then d.next_attempt_at end,
        'delivered_at', d.delivered_at, 'created_at', d.created_at) order by d.id desc), '[]')
    into rows
    from (select * from astapa.webhook_deliveries as w
          where w.project_id = webhook_delivery_page.project_id
            and (before_id is null or w.id < before_id)
          order by w.id desc limit max_deliveries + 1) as d
    join astapa.events as ev on ev.project_id = d.project_id and ev.id = d.event_id;
    -- One row more than a page was read to learn whether an older page exists.
    return pg_catalog.jsonb_build_object(
      'deliveries', pg_catalog.jsonb_path_query_array(rows, pg_catalog.format('$[0 to %s]', max_deliveries - 1)::jsonpath),
      'older', case when pg_catalog.jsonb_array_length(rows) > max_deliveries
                    then rows -> (max_deliveries - 1) ->> 'id' end);
  end
  $$;

comment on function api.webhook_delivery_page(text, bigint, integer) is
  'One page of the project''s webhook deliveries, newest first, older than before_id when given: '
  '{deliveries, older}; older is the id to pass as before_id for the next page, or null on the last page.';

grant execute on function api.webhook_delivery_page(text, bigint, integer) to astapa_app;
