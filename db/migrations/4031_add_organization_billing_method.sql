-- Team plans renewed by a linked method (issue 23): an owner or admin chooses one of their own active linked
-- methods to pay the organization's renewals (api.set_organization_billing_method); the renewal pass charges it
-- with the same attempts table as a person's renewal (astapa.renewal_charges). Functions: db/api/team_plans.sql.
alter table astapa.organizations add column billing_method_id bigint;
alter table astapa.organizations add constraint organizations_billing_method_fkey
  foreign key (project_id, billing_method_id) references astapa.linked_methods (project_id, id)
  on delete set null (billing_method_id);
comment on column astapa.organizations.billing_method_id is
  'The linked method an owner or admin chose to pay the team plan''s renewals (their own, active when chosen); '
  'charged only while it is active and its owner is still an owner or admin. Null: renewals are mailed pay links.';
create index organizations_billing_method_idx on astapa.organizations (project_id, billing_method_id)
  where billing_method_id is not null;
