-- The payment.refunded event (issue 23, refunds): the events table names every type it accepts. A branch that
-- adds other types must restate this list with its own (the later migration's list is the one that holds).
alter table astapa.events drop constraint events_type_check;
alter table astapa.events add constraint events_type_check check (type in ('user.created', 'subscription.updated',
  'subscription.renewal_due', 'payment.succeeded', 'payment.failed', 'payment.refunded'));

-- An app may subscribe to every type there is, however many there are.
alter table astapa.webhook_endpoints drop constraint webhook_endpoints_events_check;
alter table astapa.webhook_endpoints add constraint webhook_endpoints_events_check check (
  pg_catalog.cardinality(events) >= 1
  and pg_catalog.cardinality(events) <= pg_catalog.cardinality(astapa.webhook_event_types())
  and events <@ astapa.webhook_event_types());
