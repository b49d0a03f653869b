-- A charge whose reconciliation failed on a bug of ours (not Xendit's silence, which the pass simply asks about
-- again) was asked about every 15 minutes until its checkout expired, an error in the log each time. Now each
-- such failure is counted (api.record_payment_reconcile_error), as refunds' are (4186): the next question waits
-- twice as long each time (15, 30, 60 minutes, api.claim_stale_payments), and the third stops automatic
-- reconciliation of that charge — reconcile_stopped_at — which the API and the dashboard's payments list show,
-- and which is logged as an error once. Xendit's callback still settles such a charge.

alter table astapa.payments
  add column reconcile_errors integer not null default 0
    constraint payments_reconcile_errors_check check (reconcile_errors >= 0),
  add column reconcile_stopped_at timestamptz;

grant update (reconcile_errors, reconcile_stopped_at) on astapa.payments to astapa_app;

comment on column astapa.payments.reconcile_errors is
  'How many times reconciling this pending charge failed on an error of ours (not Xendit''s): each doubles the '
  'wait before the next question; the third stops automatic reconciliation (reconcile_stopped_at).';

comment on column astapa.payments.reconcile_stopped_at is
  'When the billing pass stopped asking Xendit about this charge after its third error of ours; null while it '
  'still asks. The charge''s callback still settles it.';
