-- Enterprise SSO (docs/enterprise-sso.md): an organization signs its people in through its own OpenID Connect
-- identity provider. One connection per organization for now (a unique key, not the primary key, so a later
-- migration may allow more). The client secret is sealed by the app under the master key (AES-GCM, bound to the
-- project and the client id) before it reaches the database: a dump of this table holds no usable secret.
create table astapa.sso_connections (
  project_id text not null,
  id text not null,
  organization_id text not null,
  issuer text not null,
  client_id text not null,
  client_secret_sealed text not null,
  enabled boolean not null default true,
  -- False: the organization says its IdP is authoritative for addresses at its verified domains, so an ID token
  -- without email_verified (Microsoft Entra sends none) is accepted; the domain check applies either way.
  email_verified_required boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint sso_connections_pkey primary key (project_id, id),
  constraint sso_connections_organization_id_key unique (project_id, organization_id),
  constraint sso_connections_organization_id_fkey foreign key (project_id, organization_id)
    references astapa.organizations (project_id, id) on delete cascade,
  constraint sso_connections_id_check check (id ~ '^sso_[a-z2-7]{24}$'),
  constraint sso_connections_issuer_check check (length(issuer) <= 500 and issuer ~ '^https?://[^\s#?]+$'),
  constraint sso_connections_client_id_check check (length(client_id) between 1 and 500 and client_id !~ '[[:cntrl:]]'),
  constraint sso_connections_client_secret_sealed_check check (length(client_secret_sealed) <= 4000 and client_secret_sealed ~ '^[A-Za-z0-9_-]+$')
);
alter table astapa.sso_connections enable row level security;
alter table astapa.sso_connections force row level security;
comment on table astapa.sso_connections is
  'An organization''s enterprise SSO connection: the OpenID Connect issuer its people sign in through, the '
  'client Astapa is registered as there (the secret sealed under the master key), whether it is enabled, and '
  'whether the IdP''s email_verified is required. One per organization.';
grant select, insert, update, delete on astapa.sso_connections to astapa_app;
