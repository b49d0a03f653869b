-- The event types of organizations (issue 28): the list of migration 3080 plus organization.* and membership.*.
alter table astapa.events drop constraint events_type_check;
alter table astapa.events add constraint events_type_check check (type in (
  'user.created', 'user.mfa_enrolled', 'user.mfa_removed',
  'subscription.updated', 'subscription.renewal_due', 'subscription.trial_will_end', 'subscription.plan_change',
  'payment.succeeded', 'payment.failed', 'payment.refunded',
  'organization.created', 'organization.updated', 'organization.deleted',
  'membership.created', 'membership.updated', 'membership.deleted'));
