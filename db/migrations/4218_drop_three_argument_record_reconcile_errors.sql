-- The record_*_reconcile_error functions now take the error's code and message too (db/api/billing.sql,
-- db/api/refunds.sql): a new argument list is a new signature, so the three-argument versions go. "if exists": a
-- fresh database gets its functions from db/api only after every migration ran.
drop function if exists api.record_payment_reconcile_error(text, text, timestamptz);
drop function if exists api.record_refund_reconcile_error(text, text, timestamptz);
