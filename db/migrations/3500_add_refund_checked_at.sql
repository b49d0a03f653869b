-- Refunds Xendit accepted (or never answered about) but whose callback never came are asked about again by the
-- billing pass (api.claim_stale_refunds, lib/payments/refund_reconcile.ts): when it last asked.
alter table astapa.refunds add column checked_at timestamptz;

comment on column astapa.refunds.checked_at is
  'When reconciliation last asked Xendit about this requested or pending refund.';

grant update (checked_at) on astapa.refunds to astapa_app;
