-- Resending a delivery the worker gave up on: it goes back to pending, due now, and the workers are woken.
-- Its attempt count carries on (claims fence on it), so the log still shows every try.

create function api.resend_webhook_delivery(project_id text, delivery_id bigint) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    current_status text;
  begin
    perform astapa.require_project(project_id);
    select d.status into current_status from astapa.webhook_deliveries as d
    where d.project_id = resend_webhook_delivery.project_id and d.id = delivery_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = 'This project has no such webhook delivery.';
    end if;
    if current_status <> 'failed' then
      raise exception using errcode = 'AS409',
        message = 'Only a failed delivery can be resent; this one is ' || current_status || '.';
    end if;
    if not exists (select from astapa.webhook_endpoints as e where e.project_id = resend_webhook_delivery.project_id) then
      raise exception using errcode = 'AS409', message = 'This project has no webhook endpoint to resend to.';
    end if;
    if not (select e.enabled from astapa.webhook_endpoints as e where e.project_id = resend_webhook_delivery.project_id) then
      raise exception using errcode = 'AS409', message = 'The webhook endpoint is disabled: enable it to resend.';
    end if;
    update astapa.webhook_deliveries as d
    set status = 'pending', next_attempt_at = pg_catalog.now(), lease_until = null, delivered_at = null
    where d.project_id = resend_webhook_delivery.project_id and d.id = delivery_id;
    perform astapa.audit(project_id, 'webhook.resend', delivery_id::text);
    -- A wake-up call for the delivery workers (they LISTEN on the events channel); the row is the truth.
    perform pg_catalog.pg_notify('astapa_events', '');
    return (select pg_catalog.jsonb_build_object('id', d.id::text, 'status', d.status, 'attempts', d.attempts)
            from astapa.webhook_deliveries as d
            where d.project_id = resend_webhook_delivery.project_id and d.id = delivery_id);
  end
  $$;

comment on function api.resend_webhook_delivery(text, bigint) is
  'Queues a failed delivery again, due now (attempts carry on), and wakes the workers. AS404 for an unknown '
  'delivery; AS409 when it is not failed or the project has no enabled endpoint.';

grant execute on function api.resend_webhook_delivery(text, bigint) to astapa_app;
