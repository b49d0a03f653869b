-- App webhooks: where a project wants to hear about its events, and the secret its deliveries are signed
-- with. The secret must be usable for signing, so it cannot be kept as a hash: the server seals it with the
-- master key (AES-256-GCM, bound to the project) and Postgres only ever holds the sealed bytes.

create function astapa.webhook_event_types() returns text[]
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$ select array['user.created', 'subscription.updated', 'payment.succeeded', 'payment.failed'] $$;

comment on function astapa.webhook_event_types() is 'The event types an app can subscribe its webhook endpoint to.';

grant execute on function astapa.webhook_event_types() to astapa_app;

create table astapa.webhook_endpoints (
  project_id text not null,
  url text not null,
  secret_sealed bytea not null,
  events text[] not null default astapa.webhook_event_types(),
  created_at timestamptz not null default pg_catalog.now(),
  updated_at timestamptz not null default pg_catalog.now(),
  constraint webhook_endpoints_pkey primary key (project_id),
  constraint webhook_endpoints_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint webhook_endpoints_url_check check (astapa.is_valid_redirect_uri(url)),
  constraint webhook_endpoints_secret_sealed_check check (pg_catalog.length(secret_sealed) between 28 and 200),
  constraint webhook_endpoints_events_check check (
    pg_catalog.cardinality(events) between 1 and 4 and events <@ astapa.webhook_event_types())
);

comment on table astapa.webhook_endpoints is
  'One webhook endpoint per project: url (https, or http on loopback), the event types it receives, and its '
  'signing secret sealed under the deployment''s master key (never stored in the clear).';

alter table astapa.webhook_endpoints enable row level security;
alter table astapa.webhook_endpoints force row level security;

create policy "a project reads its own webhook endpoint" on astapa.webhook_endpoints
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project sets its own webhook endpoint" on astapa.webhook_endpoints
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project changes its own webhook endpoint" on astapa.webhook_endpoints
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

create policy "a project removes its own webhook endpoint" on astapa.webhook_endpoints
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

grant select, insert, delete on astapa.webhook_endpoints to astapa_app;
grant update (url, secret_sealed, events, updated_at) on astapa.webhook_endpoints to astapa_app;
