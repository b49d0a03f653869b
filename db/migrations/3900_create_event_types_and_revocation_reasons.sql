-- The event types and the refresh-token revocation reasons were check constraints, and every branch that
-- added a value restated the whole list (3080, 3201, 3401, 3800, 3812, 3861): merged in either order, the last
-- migration silently dropped the other branch's values. Now each list is a table: a migration that adds a
-- value inserts one row, and two branches' rows merge without touching each other.
create table astapa.event_types (
  type text primary key,
  constraint event_types_type_check check (type ~ '^[a-z][a-z_]*(\.[a-z][a-z_]*)+$')
);
comment on table astapa.event_types is
  'The types an astapa.events row may have (events.type references it). Add a type with an insert in a '
  'migration; apps subscribe to the subset astapa.webhook_event_types() names.';
grant select on astapa.event_types to astapa_app;

insert into astapa.event_types (type) values
  ('user.created'), ('user.mfa_enrolled'), ('user.mfa_removed'), ('user.deleted'),
  ('user.passkey_added'), ('user.passkey_removed'),
  ('subscription.updated'), ('subscription.renewal_due'), ('subscription.trial_will_end'),
  ('subscription.plan_change'),
  ('payment.succeeded'), ('payment.failed'), ('payment.refunded'),
  ('organization.created'), ('organization.updated'), ('organization.deleted'),
  ('membership.created'), ('membership.updated'), ('membership.deleted'),
  ('phone.budget_reached');

alter table astapa.events drop constraint events_type_check;
alter table astapa.events add constraint events_type_fkey foreign key (type) references astapa.event_types (type);

create table astapa.refresh_token_revocation_reasons (
  reason text primary key,
  constraint refresh_token_revocation_reasons_reason_check check (reason ~ '^[a-z][a-z_]*$')
);
comment on table astapa.refresh_token_revocation_reasons is
  'Why a refresh token may have been revoked (refresh_tokens.revoked_reason references it). Add a reason with '
  'an insert in a migration.';
grant select on astapa.refresh_token_revocation_reasons to astapa_app;

insert into astapa.refresh_token_revocation_reasons (reason) values
  ('reuse_detected'), ('code_replayed'), ('revoked_by_client'), ('user_disabled'), ('revoked_by_admin'),
  ('revoked_by_user'), ('consent_revoked');

alter table astapa.refresh_tokens drop constraint refresh_tokens_revoked_reason_check;
alter table astapa.refresh_tokens add constraint refresh_tokens_revoked_reason_fkey
  foreign key (revoked_reason) references astapa.refresh_token_revocation_reasons (reason);
