-- The webhook outbox: one delivery per event and endpoint, written in the transaction that records the
-- event (so an event is never lost and never delivered without having happened). Delivery workers claim due
-- rows with FOR UPDATE SKIP LOCKED under a lease; attempts counts claims and fences late results.

create table astapa.webhook_deliveries (
  project_id text not null,
  id bigint generated always as identity,
  event_id bigint not null,
  status text not null default 'pending',
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default pg_catalog.now(),
  lease_until timestamptz,
  last_attempt_at timestamptz,
  last_status integer,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz not null default pg_catalog.now(),
  constraint webhook_deliveries_pkey primary key (project_id, id),
  constraint webhook_deliveries_event_fkey foreign key (project_id, event_id) references astapa.events (project_id, id),
  constraint webhook_deliveries_status_check check (status in ('pending', 'sending', 'delivered', 'failed')),
  constraint webhook_deliveries_attempts_check check (attempts >= 0),
  constraint webhook_deliveries_last_status_check check (last_status between 100 and 599),
  constraint webhook_deliveries_last_error_check check (pg_catalog.length(last_error) <= 500)
);

-- What workers look for: rows still to send, by when they are due.
create index webhook_deliveries_due_idx on astapa.webhook_deliveries (next_attempt_at)
  where status in ('pending', 'sending');
create index webhook_deliveries_event_idx on astapa.webhook_deliveries (project_id, event_id);

comment on table astapa.webhook_deliveries is
  'Outbox of app webhooks: status pending (due at next_attempt_at), sending (claimed until lease_until), '
  'delivered, or failed (gave up). attempts, last_status and last_error show how each try went.';

alter table astapa.webhook_deliveries enable row level security;
alter table astapa.webhook_deliveries force row level security;

create policy "a project reads its own webhook deliveries" on astapa.webhook_deliveries
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project queues its own webhook deliveries" on astapa.webhook_deliveries
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project updates its own webhook deliveries" on astapa.webhook_deliveries
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

-- Workers start without a project: api.projects_with_due_webhooks turns this on for its one query.
create policy "definer functions find projects with due webhooks" on astapa.webhook_deliveries
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.find_due_webhooks', true) = 'on');

grant select, insert (project_id, event_id) on astapa.webhook_deliveries to astapa_app;
grant update (status, attempts, next_attempt_at, lease_until, last_attempt_at, last_status, last_error, delivered_at)
  on astapa.webhook_deliveries to astapa_app;

create function astapa.queue_webhook_deliveries() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    insert into astapa.webhook_deliveries (project_id, event_id)
    select e.project_id, new.id from astapa.webhook_endpoints as e
    where e.project_id = new.project_id and new.type = any (e.events);
    return null;
  end
  $$;

comment on function astapa.queue_webhook_deliveries() is
  'Trigger: queues a delivery of each new event to the project''s endpoint when it subscribes to its type.';

grant execute on function astapa.queue_webhook_deliveries() to astapa_app;

create trigger events_queue_webhook_deliveries after insert on astapa.events
  for each row execute function astapa.queue_webhook_deliveries();
