-- The dashboard's live payments feed, read from the durable astapa.payment_events table: a server-sent event
-- per applied callback, its id the event's id, so a client reconnecting with Last-Event-ID misses nothing.
-- Only applied events are sent (the checkout then shows what the event did), and never past the oldest event
-- still waiting: events are applied in id order per project, so a cursor never skips one applied later.

create function astapa.payment_feed_horizon(project_id text) returns bigint
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

create function api.payment_feed_cursor(project_id text) returns bigint
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

create function api.payment_feed(project_id text, after_event bigint, size integer default 50) returns jsonb
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
