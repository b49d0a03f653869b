-- webhook.test: the event api.send_test_webhook queues to one endpoint when a developer asks to check their
-- receiver. The events table takes it; astapa.webhook_event_types() does not name it, so no endpoint
-- subscribes to it, all-events endpoints included (db/api/webhooks.sql).
insert into astapa.event_types (type) values ('webhook.test');
