-- A success for an account erased meanwhile is applied as outcome account_deleted (db/api/payments.sql): the
-- table's comment lists every outcome.
comment on table astapa.payment_events is
  'Raw Xendit callbacks (deduplicated on provider id + status + amount and currency). processed_at/outcome are set '
  'by api.apply_payment_event: applied, paid, failed, expired, no_change, unknown_payment, amount_mismatch, '
  'currency_mismatch, paid_again, account_deleted (money of an account erased meanwhile: kept with its receipt, '
  'for a refund), or error (with the message in error; requeue with api.requeue_payment_event).';
