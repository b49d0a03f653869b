-- App webhooks user.mfa_enrolled and user.mfa_removed (issue 19): the events table and an endpoint's list take
-- them (an endpoint may now subscribe to all six types).
alter table astapa.events drop constraint events_type_check;
alter table astapa.events add constraint events_type_check check (type = any (array['user.created',
  'subscription.updated', 'subscription.renewal_due', 'payment.succeeded', 'payment.failed', 'user.mfa_enrolled',
  'user.mfa_removed']));
alter table astapa.webhook_endpoints drop constraint webhook_endpoints_events_check;
alter table astapa.webhook_endpoints add constraint webhook_endpoints_events_check
  check (pg_catalog.cardinality(events) between 1 and 6 and events <@ astapa.webhook_event_types());
