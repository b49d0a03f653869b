-- SCIM Groups (docs/scim.md, RFC 7643 §4.2): the groups an organization's IdP pushes (Okta Group Push, Entra ID
-- group provisioning), their members (the directory's own User resources only), and the organization role each
-- group is mapped to by the organization's admins (null: unmapped, the group changes nothing). A member of mapped
-- groups holds the highest of their roles in the directory's organization (db/api/scim_groups.sql).
create table astapa.scim_groups (
  project_id text not null,
  directory_id text not null,
  id uuid not null default gen_random_uuid(),
  display_name text not null,
  external_id text,
  role text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint scim_groups_pkey primary key (project_id, id),
  constraint scim_groups_directory_id_fkey foreign key (project_id, directory_id)
    references astapa.scim_directories (project_id, id) on delete cascade,
  constraint scim_groups_display_name_check check (
    length(display_name) between 1 and 255 and display_name !~ '[[:cntrl:]]'),
  constraint scim_groups_external_id_check check (length(external_id) between 1 and 255),
  -- owner is never mapped: an IdP must not make owners, nor demote the last one (docs/scim.md).
  constraint scim_groups_role_check check (role ~ '^[a-z][a-z0-9_:-]{0,63}$' and role <> 'owner')
);
create unique index scim_groups_display_name_key on astapa.scim_groups (project_id, directory_id, lower(display_name));
create index scim_groups_external_id_idx on astapa.scim_groups (project_id, directory_id, external_id);
create index scim_groups_role_idx on astapa.scim_groups (project_id, role) where role is not null;
alter table astapa.scim_groups enable row level security;
alter table astapa.scim_groups force row level security;
comment on table astapa.scim_groups is
  'A SCIM Group of a directory: the displayName and externalId its IdP sent, and the organization role the '
  'organization''s admins mapped it to (null: unmapped, kept but changing nothing; never owner).';
grant select, insert, update, delete on astapa.scim_groups to astapa_app;

-- A group's members: User resources of the group's own directory (the functions in db/api/scim_groups.sql check
-- the directory; the foreign keys make a deleted group or resource take its rows with it).
create table astapa.scim_group_members (
  project_id text not null,
  group_id uuid not null,
  member_id uuid not null,
  created_at timestamptz not null default now(),
  constraint scim_group_members_pkey primary key (project_id, group_id, member_id),
  constraint scim_group_members_group_id_fkey foreign key (project_id, group_id)
    references astapa.scim_groups (project_id, id) on delete cascade,
  constraint scim_group_members_member_id_fkey foreign key (project_id, member_id)
    references astapa.scim_users (project_id, id) on delete cascade
);
create index scim_group_members_member_id_idx on astapa.scim_group_members (project_id, member_id);
alter table astapa.scim_group_members enable row level security;
alter table astapa.scim_group_members force row level security;
comment on table astapa.scim_group_members is
  'The members of a SCIM Group: User resources of the group''s directory (the IdP''s member values).';
grant select, insert, delete on astapa.scim_group_members to astapa_app;
