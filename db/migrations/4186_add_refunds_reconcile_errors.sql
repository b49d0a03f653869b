-- A refund whose reconciliation failed on a bug of ours (not Xendit's silence, which the pass simply asks about
-- again) used to be asked about every 15 minutes for good, an error in the log each time. Now each such failure
-- is counted (api.record_refund_reconcile_error): the next question waits twice as long each time (15, 30, 60
-- minutes, api.claim_stale_refunds), and the third stops automatic reconciliation of that refund —
-- reconcile_stopped_at — which the API and the dashboard show, and which is logged as an error once. Xendit's
-- callback still settles such a refund.

alter table astapa.refunds
  add column reconcile_errors integer not null default 0
    constraint refunds_reconcile_errors_check check (reconcile_errors >= 0),
  add column reconcile_stopped_at timestamptz;

grant update (reconcile_errors, reconcile_stopped_at) on astapa.refunds to astapa_app;

comment on column astapa.refunds.reconcile_errors is
  'How many times reconciling this refund failed on an error of ours (not Xendit''s): each doubles the wait '
  'before the next question; the third stops automatic reconciliation (reconcile_stopped_at).';

comment on column astapa.refunds.reconcile_stopped_at is
  'When the billing pass stopped asking Xendit about this refund after its third error of ours; null while it '
  'still asks. The refund''s callback still settles it.';
