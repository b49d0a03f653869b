-- SCIM 2.0 directory provisioning (docs/scim.md, RFC 7643/7644): an organization's IdP (Okta, Entra ID, …) creates,
-- changes and deprovisions the organization's people through /scim/v2/{directory}. One directory per organization;
-- its bearer token is kept as SHA-256 only (null once revoked). The directory id is unique across the deployment:
-- the SCIM URL names it with no project known, and astapa.authenticate_scim_directory finds it by id alone.
create table astapa.scim_directories (
  project_id text not null,
  id text not null default astapa.random_id('scim_', 24),
  organization_id text not null,
  token_hash bytea,
  token_created_at timestamptz,
  created_at timestamptz not null default now(),
  constraint scim_directories_pkey primary key (project_id, id),
  constraint scim_directories_id_key unique (id),
  constraint scim_directories_organization_id_key unique (project_id, organization_id),
  constraint scim_directories_organization_id_fkey foreign key (project_id, organization_id)
    references astapa.organizations (project_id, id) on delete cascade,
  constraint scim_directories_id_check check (id ~ '^scim_[a-z2-7]{24}$'),
  constraint scim_directories_token_hash_check check (length(token_hash) = 32),
  constraint scim_directories_token_check check ((token_hash is null) = (token_created_at is null))
);
alter table astapa.scim_directories enable row level security;
alter table astapa.scim_directories force row level security;
comment on table astapa.scim_directories is
  'An organization''s SCIM directory: the id its IdP''s SCIM base URL names (unique in the deployment) and the '
  'SHA-256 of its bearer token (null: revoked, the directory answers nobody). One per organization; goes with it.';
grant select, insert, update, delete on astapa.scim_directories to astapa_app;

-- The people a directory provisioned: the SCIM User resource (its id, the IdP's userName, externalId, name and
-- emails as sent, active) and the project user it stands for. A DELETE keeps the row as a tombstone (deleted_at):
-- the resource is gone (404) but the directory still knows it disabled that user, so a later POST of the same
-- person re-enables them, and a user the project disabled itself is never re-enabled by the IdP.
create table astapa.scim_users (
  project_id text not null,
  directory_id text not null,
  id uuid not null default gen_random_uuid(),
  user_id bigint not null,
  user_name text not null,
  external_id text,
  given_name text,
  family_name text,
  display_name text,
  emails jsonb not null default '[]',
  active boolean not null default true,
  disabled_by_scim boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  constraint scim_users_pkey primary key (project_id, id),
  constraint scim_users_directory_id_fkey foreign key (project_id, directory_id)
    references astapa.scim_directories (project_id, id) on delete cascade,
  constraint scim_users_user_id_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint scim_users_user_name_check check (length(user_name) between 3 and 254),
  constraint scim_users_external_id_check check (length(external_id) between 1 and 255),
  constraint scim_users_names_check check (
    length(given_name) <= 255 and length(family_name) <= 255 and length(display_name) <= 255),
  constraint scim_users_emails_check check (
    jsonb_typeof(emails) = 'array' and jsonb_array_length(emails) <= 10 and length(emails::text) <= 4096)
);
create unique index scim_users_user_name_key on astapa.scim_users (project_id, directory_id, lower(user_name))
  where deleted_at is null;
create unique index scim_users_user_id_key on astapa.scim_users (project_id, directory_id, user_id)
  where deleted_at is null;
create index scim_users_external_id_idx on astapa.scim_users (project_id, directory_id, external_id)
  where deleted_at is null;
create index scim_users_user_id_idx on astapa.scim_users (project_id, user_id);
alter table astapa.scim_users enable row level security;
alter table astapa.scim_users force row level security;
comment on table astapa.scim_users is
  'A SCIM User resource of a directory: the attributes the IdP sent and the project user it provisions (created, '
  'or an existing one at a verified domain linked). disabled_by_scim: the directory disabled that user, so only '
  'it re-enables them. deleted_at: a tombstone after a SCIM DELETE (the user is deprovisioned, never deleted).';
grant select, insert, update, delete on astapa.scim_users to astapa_app;
