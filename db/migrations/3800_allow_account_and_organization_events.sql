-- Migrations 3201 (user.deleted) and 3401 (organization.*, membership.*) each restated the list of 3080 with
-- only their own additions; whichever ran last would refuse the other's events. This is the union.
alter table astapa.events drop constraint events_type_check;
alter table astapa.events add constraint events_type_check check (type in (
  'user.created', 'user.mfa_enrolled', 'user.mfa_removed', 'user.deleted',
  'subscription.updated', 'subscription.renewal_due', 'subscription.trial_will_end', 'subscription.plan_change',
  'payment.succeeded', 'payment.failed', 'payment.refunded',
  'organization.created', 'organization.updated', 'organization.deleted',
  'membership.created', 'membership.updated', 'membership.deleted'));
