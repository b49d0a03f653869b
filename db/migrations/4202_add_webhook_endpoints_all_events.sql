-- "Every event, including future ones": an endpoint with all_events receives every type
-- astapa.webhook_event_types() names — today's and those a later release adds — and stores no list (events is
-- null); otherwise it receives the types in events. New endpoints set without a list get all_events (the column
-- default and api.set_webhook_endpoint). Functions: db/api/webhooks.sql (astapa.queue_webhook_deliveries,
-- astapa.webhook_endpoint_json, api.set_webhook_endpoint).
--
-- Existing endpoints keep exactly the list they have (all_events false): nobody's subscription widens here. An
-- endpoint whose list holds every type that existed when it was set may have meant "all" or just "these"; we
-- cannot tell, so it keeps its list and its owner switches it (docs/plans.md, "Which events an endpoint
-- receives").
alter table astapa.webhook_endpoints add column all_events boolean not null default false;
alter table astapa.webhook_endpoints alter column all_events set default true;
alter table astapa.webhook_endpoints alter column events drop not null, alter column events drop default;

alter table astapa.webhook_endpoints drop constraint webhook_endpoints_events_check;
alter table astapa.webhook_endpoints add constraint webhook_endpoints_events_check check (
  case when all_events then events is null
       else events is not null
            and pg_catalog.cardinality(events) between 1 and pg_catalog.cardinality(astapa.webhook_event_types())
            and events <@ astapa.webhook_event_types() end);

grant update (all_events) on astapa.webhook_endpoints to astapa_app;

comment on column astapa.webhook_endpoints.all_events is
  'true: the endpoint receives every type astapa.webhook_event_types() names, including types added later, and '
  'events is null. false: it receives the types listed in events.';

comment on column astapa.webhook_endpoints.events is
  'The event types the endpoint receives when all_events is false (one or more of astapa.webhook_event_types()); '
  'null when all_events is true.';
