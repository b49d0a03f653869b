-- A webhook endpoint can be paused without losing its URL and secret: while disabled, new events queue no
-- deliveries, and those still waiting are marked failed (they can be resent once it is enabled again).

alter table astapa.webhook_endpoints add column enabled boolean not null default true;

comment on column astapa.webhook_endpoints.enabled is
  'false pauses the endpoint: no deliveries are queued for it until it is enabled again.';

grant update (enabled) on astapa.webhook_endpoints to astapa_app;

create or replace function astapa.queue_webhook_deliveries() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    insert into astapa.webhook_deliveries (project_id, event_id)
    select e.project_id, new.id from astapa.webhook_endpoints as e
    where e.project_id = new.project_id and e.enabled and new.type = any (e.events);
    return null;
  end
  $$;

comment on function astapa.queue_webhook_deliveries() is
  'Trigger: queues a delivery of each new event to the project''s endpoint when it is enabled and subscribes '
  'to its type.';

create or replace function astapa.webhook_endpoint_json(project_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('url', e.url, 'events', pg_catalog.to_jsonb(e.events),
      'enabled', e.enabled, 'created_at', e.created_at, 'updated_at', e.updated_at)
    from astapa.webhook_endpoints as e
    where e.project_id = webhook_endpoint_json.project_id
  $$;

comment on function astapa.webhook_endpoint_json(text) is 'A webhook endpoint as the API shows it (never its secret).';

create function api.set_webhook_endpoint_enabled(project_id text, enabled boolean) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if enabled is null then
      raise exception using errcode = 'AS400', message = 'enabled must be true or false.';
    end if;
    update astapa.webhook_endpoints as e
    set enabled = set_webhook_endpoint_enabled.enabled, updated_at = pg_catalog.now()
    where e.project_id = set_webhook_endpoint_enabled.project_id;
    if not found then
      raise exception using errcode = 'AS404', message = 'This project has no webhook endpoint.';
    end if;
    if not enabled then
      update astapa.webhook_deliveries as d
      set status = 'failed', last_error = 'The webhook endpoint was disabled.', lease_until = null
      where d.project_id = set_webhook_endpoint_enabled.project_id and d.status = 'pending';
    end if;
    perform astapa.audit(project_id, case when enabled then 'webhook.enable' else 'webhook.disable' end, project_id);
    return astapa.webhook_endpoint_json(project_id);
  end
  $$;

comment on function api.set_webhook_endpoint_enabled(text, boolean) is
  'Enables or pauses the project''s webhook endpoint; pausing marks waiting deliveries failed (resendable '
  'later). AS404 when there is no endpoint.';

grant execute on function api.set_webhook_endpoint_enabled(text, boolean) to astapa_app;
