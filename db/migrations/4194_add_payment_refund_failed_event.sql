-- payment.refund_failed: apps are told when a refund fails — Xendit refused it when asked (at request time or
-- asked again by the billing pass) or its refund callback reported FAILED. Functions: db/api/refunds.sql
-- (astapa.refund_event_data, api.record_refund_answer, astapa.apply_refund_event) and db/api/webhooks.sql
-- (astapa.webhook_event_types). Existing endpoints keep the types they chose; an app picks this one.
insert into astapa.event_types (type) values ('payment.refund_failed');
