-- Several webhook endpoints per project (as Stripe and Svix allow): each endpoint gets an id — a bigint key
-- inside the database and a public id (wep_…) the API, dashboard and CLI name it by — and the primary key
-- becomes (project_id, id). Existing endpoints keep their url, secret, events, all_events and enabled. At most
-- 16 a project, checked by api.create_webhook_endpoint under astapa.lock_webhook_endpoint (db/api/webhooks.sql).
alter table astapa.webhook_endpoints
  add column id bigint generated always as identity,
  add column public_id text not null default astapa.random_id('wep_', 24);

alter table astapa.webhook_endpoints
  drop constraint webhook_endpoints_pkey,
  add constraint webhook_endpoints_pkey primary key (project_id, id),
  add constraint webhook_endpoints_public_id_key unique (public_id),
  add constraint webhook_endpoints_public_id_check check (public_id ~ '^wep_[a-z2-7]{24}$');

comment on table astapa.webhook_endpoints is
  'A project''s webhook endpoints (at most 16): url (https, or http on loopback), the event types each '
  'receives, whether it is enabled, and its signing secret sealed under the deployment''s master key (never '
  'stored in the clear). public_id (wep_…) is how the API names one; the oldest is what the deprecated '
  'singular /api/platform/webhook-endpoint manages.';

comment on column astapa.webhook_endpoints.public_id is
  'The endpoint''s id in the API, dashboard and CLI (wep_ and 24 base32 characters).';

-- Deliveries name the endpoint they go to. Removing an endpoint does not lose its log: the reference turns
-- null (on delete set null) and endpoint_url keeps where the deliveries went.
alter table astapa.webhook_deliveries
  add column endpoint_id bigint,
  add column endpoint_url text;

-- Every delivery so far went to the project's one endpoint; RLS is lifted for this statement only.
alter table astapa.webhook_deliveries no force row level security;
alter table astapa.webhook_endpoints no force row level security;
update astapa.webhook_deliveries as d set endpoint_id = e.id, endpoint_url = e.url
from astapa.webhook_endpoints as e
where e.project_id = d.project_id;
alter table astapa.webhook_deliveries force row level security;
alter table astapa.webhook_endpoints force row level security;

alter table astapa.webhook_deliveries
  add constraint webhook_deliveries_endpoint_fkey foreign key (project_id, endpoint_id)
    references astapa.webhook_endpoints (project_id, id) on delete set null (endpoint_id),
  add constraint webhook_deliveries_endpoint_url_check
    check (pg_catalog.length(endpoint_url) <= 4000 and (endpoint_url is not null or endpoint_id is null));

-- The delivery log of one endpoint, newest first (and what on delete set null looks up).
create index webhook_deliveries_endpoint_idx on astapa.webhook_deliveries (project_id, endpoint_id, id);

grant insert (endpoint_id, endpoint_url) on astapa.webhook_deliveries to astapa_app;
grant update (endpoint_url) on astapa.webhook_deliveries to astapa_app;

comment on table astapa.webhook_deliveries is
  'Outbox of app webhooks, one row per event and endpoint: status pending (due at next_attempt_at), sending '
  '(claimed until lease_until), delivered, or failed (gave up). attempts, last_status and last_error show how '
  'each try went. Removing an endpoint keeps its deliveries: waiting ones are marked failed, endpoint_id turns '
  'null (on delete set null) and endpoint_url still says where they went.';

comment on column astapa.webhook_deliveries.endpoint_id is
  'The endpoint the delivery goes to; null once that endpoint was removed (or, for deliveries older than '
  'migration 4220, when the project had no endpoint left then).';

comment on column astapa.webhook_deliveries.endpoint_url is
  'Where the delivery goes: the endpoint''s url when it was queued, then the url of its latest attempt; kept '
  'after the endpoint is removed.';
