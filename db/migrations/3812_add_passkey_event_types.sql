-- Passkey added/removed app webhooks (issue 20): the full list of event types restated (3800's union) with
-- user.passkey_added and user.passkey_removed.
alter table astapa.events drop constraint events_type_check;
alter table astapa.events add constraint events_type_check check (type in (
  'user.created', 'user.mfa_enrolled', 'user.mfa_removed', 'user.deleted',
  'user.passkey_added', 'user.passkey_removed',
  'subscription.updated', 'subscription.renewal_due', 'subscription.trial_will_end', 'subscription.plan_change',
  'payment.succeeded', 'payment.failed', 'payment.refunded',
  'organization.created', 'organization.updated', 'organization.deleted',
  'membership.created', 'membership.updated', 'membership.deleted'));
