-- The daily phone budget alert (issue 27) as an app webhook: phone.budget_reached joins the event types. The
-- full current list restated (3800's union plus the new type), so no other branch's type is dropped.
alter table astapa.events drop constraint events_type_check;
alter table astapa.events add constraint events_type_check check (type in (
  'user.created', 'user.mfa_enrolled', 'user.mfa_removed', 'user.deleted',
  'subscription.updated', 'subscription.renewal_due', 'subscription.trial_will_end', 'subscription.plan_change',
  'payment.succeeded', 'payment.failed', 'payment.refunded',
  'organization.created', 'organization.updated', 'organization.deleted',
  'membership.created', 'membership.updated', 'membership.deleted',
  'phone.budget_reached'));
