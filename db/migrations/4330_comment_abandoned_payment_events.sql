-- The billing pass now also records the local end of a charge Xendit still calls pending past its horizon
-- (api.abandon_charge, db/api/billing.sql): the table's comment says what it holds besides Xendit's callbacks.
comment on table astapa.payment_events is
  'Xendit callbacks, the billing pass''s answers from Xendit (body.reconciled) and its local ends of charges '
  'Xendit still called pending past their horizon (EXPIRED, body.abandoned with body.reason: api.abandon_charge), '
  'deduplicated on provider id + status + amount and currency. processed_at/outcome are set '
  'by api.apply_payment_event: applied, paid, failed, expired, no_change, unknown_payment, amount_mismatch, '
  'currency_mismatch, paid_again, account_deleted (money of an account erased meanwhile: kept with its receipt, '
  'for a refund), or error (with the message in error; requeue with api.requeue_payment_event).';
