-- Two lists that branches restated, each with only its own additions (whichever ran last would refuse the
-- other's values): the event types of 3201 (user.deleted) and 3401 (organization.*, membership.*), and the
-- refresh-token revocation reasons of 3200 (revoked_by_user) and 3701 (consent_revoked). Here, the unions.
alter table astapa.events drop constraint events_type_check;
alter table astapa.events add constraint events_type_check check (type in (
  'user.created', 'user.mfa_enrolled', 'user.mfa_removed', 'user.deleted',
  'subscription.updated', 'subscription.renewal_due', 'subscription.trial_will_end', 'subscription.plan_change',
  'payment.succeeded', 'payment.failed', 'payment.refunded',
  'organization.created', 'organization.updated', 'organization.deleted',
  'membership.created', 'membership.updated', 'membership.deleted'));

alter table astapa.refresh_tokens drop constraint refresh_tokens_revoked_reason_check;
alter table astapa.refresh_tokens add constraint refresh_tokens_revoked_reason_check check (revoked_reason in (
  'reuse_detected', 'code_replayed', 'revoked_by_client', 'user_disabled', 'revoked_by_admin', 'revoked_by_user',
  'consent_revoked'));
