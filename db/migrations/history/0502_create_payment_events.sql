-- Payment events: Xendit callbacks exactly as received, stored before anything is applied so none is lost.
-- Unique on (provider id, provider status): Xendit's duplicate deliveries collapse to one row. Inserting a
-- row NOTIFYs astapa_payment_events with its id; every instance's worker then applies unprocessed rows with
-- FOR UPDATE SKIP LOCKED through api.apply_payment_event, and drains the backlog when it starts.

create table astapa.payment_events (
  project_id text not null,
  id bigint generated always as identity,
  provider text not null default 'xendit',
  provider_id text not null,
  provider_status text not null,
  checkout_public_id text not null,
  body jsonb not null,
  received_at timestamptz not null default pg_catalog.now(),
  processed_at timestamptz,
  outcome text,
  constraint payment_events_pkey primary key (project_id, id),
  constraint payment_events_dedupe_key unique (project_id, provider, provider_id, provider_status),
  constraint payment_events_project_id_fkey foreign key (project_id) references astapa.projects (id) on delete cascade,
  constraint payment_events_provider_check check (provider = 'xendit'),
  constraint payment_events_provider_id_check check (pg_catalog.length(provider_id) between 1 and 255),
  constraint payment_events_provider_status_check check (provider_status ~ '^[A-Z_]{1,40}$'),
  constraint payment_events_body_check check (
    pg_catalog.jsonb_typeof(body) = 'object' and pg_catalog.octet_length(body::text) <= 65536),
  constraint payment_events_processed_check check ((processed_at is null) = (outcome is null))
);

create index payment_events_unprocessed_idx on astapa.payment_events (project_id, id) where processed_at is null;

comment on table astapa.payment_events is
  'Raw Xendit callbacks (deduplicated on provider id + status). processed_at/outcome are set by '
  'api.apply_payment_event: applied, paid, failed, expired, no_change, unknown_payment, amount_mismatch, '
  'paid_again.';

alter table astapa.payment_events enable row level security;
alter table astapa.payment_events force row level security;

create policy "a project reads its own payment events" on astapa.payment_events
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project records its own payment events" on astapa.payment_events
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project marks its own payment events processed" on astapa.payment_events
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

-- Workers serve every project: api.projects_with_payment_events turns this on for its one query.
create policy "definer functions see which projects have unprocessed payment events" on astapa.payment_events
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.list_payment_event_projects', true) = 'on' and processed_at is null);

grant select, insert (project_id, provider_id, provider_status, checkout_public_id, body) on astapa.payment_events
  to astapa_app;
grant update (processed_at, outcome) on astapa.payment_events to astapa_app;

create function astapa.notify_payment_event() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- Delivered at commit: a worker never wakes for a row it cannot see yet.
    perform pg_catalog.pg_notify('astapa_payment_events', new.id::text);
    return null;
  end
  $$;

comment on function astapa.notify_payment_event() is 'Trigger: NOTIFY astapa_payment_events with the new event''s id.';

grant execute on function astapa.notify_payment_event() to astapa_app;

create trigger payment_events_notify after insert on astapa.payment_events
  for each row execute function astapa.notify_payment_event();
