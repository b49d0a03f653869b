-- One list of the event types the events table takes, after three branches each restated it with their own
-- (3011 second factors, 3040/3042 trials and plan changes, 3052 refunds; the last one run would have dropped
-- the others'). tests/sql/event_types_test.ts checks that every type db/api emits is in this list.
alter table astapa.events drop constraint events_type_check;
alter table astapa.events add constraint events_type_check check (type in (
  'user.created', 'user.mfa_enrolled', 'user.mfa_removed',
  'subscription.updated', 'subscription.renewal_due', 'subscription.trial_will_end', 'subscription.plan_change',
  'payment.succeeded', 'payment.failed', 'payment.refunded'));
