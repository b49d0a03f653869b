-- An organization's team plan changed from the next period (issue 28's leftover): a plan change belongs to a
-- person (user_id) or to an organization (organization_id), never both. An organization's change is always
-- scheduled (kind scheduled) for the end of its paid period, with the seats the new plan will have; the
-- organizations' renewal pass renews into it (db/api/team_plans.sql). One open change per organization, as per
-- person. Functions: db/api/plan_changes.sql and db/api/team_plans.sql.
alter table astapa.plan_changes alter column user_id drop not null;
alter table astapa.plan_changes add column organization_id text;
alter table astapa.plan_changes add column seats integer;
alter table astapa.plan_changes add constraint plan_changes_organization_fkey foreign key (project_id, organization_id)
  references astapa.organizations (project_id, id) on delete cascade;
alter table astapa.plan_changes add constraint plan_changes_owner_check
  check ((user_id is null) <> (organization_id is null));
alter table astapa.plan_changes add constraint plan_changes_seats_check
  check (seats is null or (organization_id is not null and seats between 1 and 100000));
comment on column astapa.plan_changes.organization_id is
  'The organization whose team plan changes (user_id null); null for a person''s change.';
comment on column astapa.plan_changes.seats is
  'An organization''s change: the seat limit of the new plan''s first period (a flat plan''s own seats, or the '
  'seats to buy of a per-seat plan); null for a person''s.';
create unique index plan_changes_open_organization_key on astapa.plan_changes (project_id, organization_id)
  where organization_id is not null and status in ('awaiting_payment', 'scheduled');
create index plan_changes_organization_idx on astapa.plan_changes (project_id, organization_id, id)
  where organization_id is not null;

insert into astapa.event_types (type) values ('organization.plan_change');
