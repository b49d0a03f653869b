-- What /metrics reports about work waiting across the deployment: mail not yet sent, payment events not yet
-- applied (and how long the oldest has waited: the payment worker's lag), app webhooks not yet delivered.
-- Counts only, no project named: the scrape is the operator's, and a count reveals no tenant's data.

create function api.metrics_backlog()
  returns table (
    mail_waiting bigint,
    payment_events_waiting bigint,
    payment_lag_seconds double precision,
    webhooks_waiting bigint
  )
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'metrics_backlog runs outside any project.';
    end if;
    -- The policies the workers' own definer functions open, for these aggregate reads only.
    perform pg_catalog.set_config('astapa.list_mail_projects', 'on', true);
    perform pg_catalog.set_config('astapa.list_payment_event_projects', 'on', true);
    perform pg_catalog.set_config('astapa.find_due_webhooks', 'on', true);
    return query select
      (select pg_catalog.count(*) from astapa.mail_outbox as m where m.sent_at is null and m.attempts < 8),
      (select pg_catalog.count(*) from astapa.payment_events as e where e.processed_at is null),
      (select coalesce(extract(epoch from pg_catalog.now() - pg_catalog.min(e.received_at)), 0)::double precision
       from astapa.payment_events as e where e.processed_at is null),
      (select pg_catalog.count(*) from astapa.webhook_deliveries as d where d.status in ('pending', 'sending'));
    perform pg_catalog.set_config('astapa.list_mail_projects', '', true);
    perform pg_catalog.set_config('astapa.list_payment_event_projects', '', true);
    perform pg_catalog.set_config('astapa.find_due_webhooks', '', true);
  end
  $$;

comment on function api.metrics_backlog() is
  'Definer: the metrics scrape serves the whole deployment, so it counts rows across projects (through the '
  'workers'' existing policies). Returns counts and one age only. Runs only without a project set.';

revoke execute on function api.metrics_backlog() from public;
grant execute on function api.metrics_backlog() to astapa_app;
