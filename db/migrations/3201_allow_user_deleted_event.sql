-- user.deleted (issue 21: a person deleted their own account) joins the list migration 3080 made.
alter table astapa.events drop constraint events_type_check;
alter table astapa.events add constraint events_type_check check (type in (
  'user.created', 'user.mfa_enrolled', 'user.mfa_removed', 'user.deleted',
  'subscription.updated', 'subscription.renewal_due', 'subscription.trial_will_end', 'subscription.plan_change',
  'payment.succeeded', 'payment.failed', 'payment.refunded'));
