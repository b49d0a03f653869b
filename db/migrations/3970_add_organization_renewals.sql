-- Renewals of organizations' team plans (issue 28): the renewal pass (api.organization_renewal_step,
-- db/api/team_plans.sql) mails owners and admins the next period's pay link once per period, keeps the plan for
-- the grace days after plan_paid_through, then the organization falls back (no plan, no seat limit). Owners and
-- admins may cancel at the period's end.
alter table astapa.organizations add column plan_reminded_for timestamptz;
alter table astapa.organizations add column plan_canceled_at timestamptz;
comment on column astapa.organizations.plan_reminded_for is
  'The plan_paid_through whose renewal pay link was sent (once per period); null: none sent yet.';
comment on column astapa.organizations.plan_canceled_at is
  'When an owner, admin or the app canceled the team plan: it runs to plan_paid_through, is not renewed, then '
  'ends; null: renews.';
create index organizations_plan_paid_through_idx on astapa.organizations (project_id, plan_paid_through)
  where plan_paid_through is not null;

insert into astapa.event_types (type) values ('organization.renewal_due'), ('organization.plan_ended');
