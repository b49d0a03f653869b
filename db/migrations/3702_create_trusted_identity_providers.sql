-- Enterprise-managed authorization (issue 26 item 8): the enterprise identity providers a project trusts to
-- vouch for its people with identity assertion JWTs (ID-JAG, the jwt-bearer grant), and the replay check of
-- the assertions accepted.
create table astapa.trusted_identity_providers (
  project_id text not null,
  issuer text not null,
  jwks jsonb not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint trusted_identity_providers_pkey primary key (project_id, issuer),
  constraint trusted_identity_providers_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint trusted_identity_providers_issuer_check
    check (issuer ~ '^https://[^\s#?]+$' and length(issuer) <= 500),
  constraint trusted_identity_providers_jwks_check
    check (jsonb_typeof(jwks -> 'keys') = 'array' and octet_length(jwks::text) <= 8192)
);
comment on table astapa.trusted_identity_providers is
  'Enterprise identity providers (issuer and public JWK Set) whose identity assertion JWTs (ID-JAG, RFC 7523 '
  'jwt-bearer grant) the project accepts: the IdP vouches that one of the project''s people (by email) lets a '
  'client act for them, without a browser round trip.';
alter table astapa.trusted_identity_providers enable row level security;
alter table astapa.trusted_identity_providers force row level security;
grant select, insert, update, delete on astapa.trusted_identity_providers to astapa_app;

create table astapa.identity_assertion_jtis (
  project_id text not null,
  issuer text not null,
  jti text not null,
  expires_at timestamptz not null,
  constraint identity_assertion_jtis_pkey primary key (project_id, issuer, jti),
  constraint identity_assertion_jtis_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint identity_assertion_jtis_jti_check check (length(jti) between 1 and 200),
  constraint identity_assertion_jtis_issuer_check check (length(issuer) <= 500)
);
comment on table astapa.identity_assertion_jtis is
  'The jti of every identity assertion (ID-JAG) accepted, kept until it expires, so a replay is refused by '
  'every instance.';
create index identity_assertion_jtis_expires_at_idx on astapa.identity_assertion_jtis (expires_at);
alter table astapa.identity_assertion_jtis enable row level security;
alter table astapa.identity_assertion_jtis force row level security;
grant select, insert, delete on astapa.identity_assertion_jtis to astapa_app;
