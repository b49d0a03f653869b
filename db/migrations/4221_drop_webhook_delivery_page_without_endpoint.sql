-- api.webhook_delivery_page takes endpoint_id (one endpoint's log, migration 4220): the three-argument form
-- goes; the current one is in db/api/webhooks.sql.
drop function api.webhook_delivery_page(text, bigint, integer);
