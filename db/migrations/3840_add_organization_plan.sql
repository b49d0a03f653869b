-- The plan of an organization (issue 28 items 2 and 3): its team plan, which tokens issued with it as the active
-- organization carry as custom_claims.org_plan (docs/organizations.md). Set by the Platform API, or by paying for
-- a team plan. A plan is never deleted (archived instead), so the key keeps pointing at a row.
alter table astapa.organizations add column plan_key text;
alter table astapa.organizations add constraint organizations_plan_key_fkey
  foreign key (project_id, plan_key) references astapa.plans (project_id, key);
comment on column astapa.organizations.plan_key is
  'The organization''s team plan (a plans key), or null: custom_claims.org_plan in tokens naming the organization.';
