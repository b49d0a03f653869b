-- Renewals tell the app when a subscription's next period waits to be paid (subscription.renewal_due), so an
-- app can remind its user in its own words as well as through Astapa's mail.

alter table astapa.events drop constraint events_type_check;
alter table astapa.events add constraint events_type_check check (
  type in ('user.created', 'subscription.updated', 'subscription.renewal_due', 'payment.succeeded',
           'payment.failed'));
