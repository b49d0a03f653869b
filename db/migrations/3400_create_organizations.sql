-- Organizations (issue 28 item 1): teams inside a project, their members and roles, invitations by email and
-- verified email domains. Functions and policies: db/api/organizations.sql.
create table astapa.organizations (
  project_id text not null,
  id text not null,
  name text not null,
  slug text not null,
  metadata jsonb not null default '{}',
  -- How many members the organization may have; null is no limit (a team plan with seats sets it, item 3).
  seat_limit integer,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint organizations_pkey primary key (project_id, id),
  constraint organizations_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint organizations_project_id_slug_key unique (project_id, slug),
  constraint organizations_id_check check (id ~ '^org_[a-z2-7]{24}$'),
  constraint organizations_name_check check (length(name) between 1 and 200 and name !~ '[[:cntrl:]]'),
  constraint organizations_slug_check check (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$'),
  constraint organizations_metadata_check check (jsonb_typeof(metadata) = 'object' and octet_length(metadata::text) <= 4096),
  constraint organizations_seat_limit_check check (seat_limit between 1 and 100000)
);
alter table astapa.organizations enable row level security;
alter table astapa.organizations force row level security;
comment on table astapa.organizations is
  'A team of a project''s users (an organization): name, slug unique per project, metadata the app keeps, and '
  'the seat limit its plan allows (null: none). Its members are in organization_memberships.';
grant select, insert, update, delete on astapa.organizations to astapa_app;

create table astapa.organization_roles (
  project_id text not null,
  key text not null,
  name text not null,
  permissions text[] not null default '{}',
  created_at timestamptz not null default now(),
  constraint organization_roles_pkey primary key (project_id, key),
  constraint organization_roles_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint organization_roles_key_check check (key ~ '^[a-z][a-z0-9_:-]{0,63}$'),
  constraint organization_roles_name_check check (length(name) between 1 and 100 and name !~ '[[:cntrl:]]'),
  constraint organization_roles_permissions_check check (cardinality(permissions) <= 100)
);
alter table astapa.organization_roles enable row level security;
alter table astapa.organization_roles force row level security;
comment on table astapa.organization_roles is
  'The roles a project''s organizations give their members beside the built-in owner, admin and member, with the '
  'permissions each carries into tokens (org_permissions). A row keyed owner, admin or member gives that built-in '
  'role permissions.';
grant select, insert, update, delete on astapa.organization_roles to astapa_app;

create table astapa.organization_memberships (
  project_id text not null,
  organization_id text not null,
  user_id bigint not null,
  role text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint organization_memberships_pkey primary key (project_id, organization_id, user_id),
  constraint organization_memberships_organization_id_fkey foreign key (project_id, organization_id)
    references astapa.organizations (project_id, id) on delete cascade,
  constraint organization_memberships_user_id_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint organization_memberships_role_check check (role ~ '^[a-z][a-z0-9_:-]{0,63}$')
);
create index organization_memberships_user_id_idx on astapa.organization_memberships (project_id, user_id);
alter table astapa.organization_memberships enable row level security;
alter table astapa.organization_memberships force row level security;
comment on table astapa.organization_memberships is
  'A user''s membership of an organization and their role there (owner, admin, member or a project-defined '
  'one). An organization always keeps at least one owner.';
grant select, insert, update, delete on astapa.organization_memberships to astapa_app;

create table astapa.organization_invitations (
  project_id text not null,
  id text not null,
  organization_id text not null,
  email text not null,
  role text not null,
  token_hash bytea not null,
  invited_by bigint,
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_by bigint,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  constraint organization_invitations_pkey primary key (project_id, id),
  constraint organization_invitations_token_hash_key unique (token_hash),
  constraint organization_invitations_organization_id_fkey foreign key (project_id, organization_id)
    references astapa.organizations (project_id, id) on delete cascade,
  constraint organization_invitations_id_check check (id ~ '^oin_[a-z2-7]{24}$'),
  constraint organization_invitations_email_check check (length(email) <= 254 and email ~ '^[^@\s]+@[^@\s]+$'),
  constraint organization_invitations_role_check check (role ~ '^[a-z][a-z0-9_:-]{0,63}$'),
  constraint organization_invitations_token_hash_check check (octet_length(token_hash) = 32)
);
create index organization_invitations_organization_id_idx
  on astapa.organization_invitations (project_id, organization_id, created_at);
-- One open invitation per address and organization: inviting again replaces it.
create unique index organization_invitations_open_key on astapa.organization_invitations
  (project_id, organization_id, lower(email)) where accepted_at is null and revoked_at is null;
alter table astapa.organization_invitations enable row level security;
alter table astapa.organization_invitations force row level security;
comment on table astapa.organization_invitations is
  'An invitation by email to join an organization with a role, accepted once through the hosted login before '
  'expires_at. Only the SHA-256 of the link''s token is kept.';
grant select, insert, update, delete on astapa.organization_invitations to astapa_app;

create table astapa.organization_domains (
  project_id text not null,
  organization_id text not null,
  domain text not null,
  verification_token text not null,
  verified_at timestamptz,
  created_at timestamptz not null default now(),
  constraint organization_domains_pkey primary key (project_id, organization_id, domain),
  constraint organization_domains_organization_id_fkey foreign key (project_id, organization_id)
    references astapa.organizations (project_id, id) on delete cascade,
  constraint organization_domains_domain_check check (
    length(domain) <= 253 and domain ~ '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$')
);
-- A domain is verified for at most one organization of a project.
create unique index organization_domains_verified_key on astapa.organization_domains (project_id, domain)
  where verified_at is not null;
create index organization_domains_domain_idx on astapa.organization_domains (project_id, domain);
alter table astapa.organization_domains enable row level security;
alter table astapa.organization_domains force row level security;
comment on table astapa.organization_domains is
  'An email domain an organization claims. Once verified (by a DNS TXT record holding verification_token, or '
  'by the project) people with a verified address there may join, or are joined, per the project''s '
  'organization_domain_join setting. Verified for one organization per project at most.';
grant select, insert, update, delete on astapa.organization_domains to astapa_app;
