-- Leaving an organization sticks (issue 21, the account page's Organizations section): with
-- organization_domain_join automatic, a person whose domain an organization verified would be joined again at
-- the next sign-in after they left or were removed. A departure row stops that automatic join; the
-- organization stays offered, so they may still join it again by choice (or by an invitation).
create table astapa.organization_departures (
  project_id text not null,
  organization_id text not null,
  user_id bigint not null,
  reason text not null,
  departed_at timestamptz not null default now(),
  constraint organization_departures_pkey primary key (project_id, organization_id, user_id),
  constraint organization_departures_organization_id_fkey foreign key (project_id, organization_id)
    references astapa.organizations (project_id, id) on delete cascade,
  constraint organization_departures_user_id_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint organization_departures_reason_check check (reason in ('left', 'removed'))
);
create index organization_departures_user_id_idx on astapa.organization_departures (project_id, user_id);
alter table astapa.organization_departures enable row level security;
alter table astapa.organization_departures force row level security;
comment on table astapa.organization_departures is
  'A person who left (or was removed from) an organization: automatic domain joining does not add them back. '
  'The latest departure per person and organization.';
grant select, insert, update, delete on astapa.organization_departures to astapa_app;
