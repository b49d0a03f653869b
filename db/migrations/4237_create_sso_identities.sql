-- Enterprise SSO matches a person by the IdP's subject (docs/enterprise-sso.md, "Matching by subject"): the
-- first SSO sign-in links (project, connection, subject) to the account; later ones find it by that link first,
-- so an IdP that changes a person's address keeps their account. A link goes with its connection and its user
-- (cascade); one link per user and connection, so an address matched again under another subject (the IdP
-- replaced, the address given to someone new at the IdP) moves the link rather than adds one.
create table astapa.sso_identities (
  project_id text not null,
  connection_id text not null,
  subject text not null,
  user_id bigint not null,
  created_at timestamptz not null default now(),
  last_sign_in_at timestamptz not null default now(),
  constraint sso_identities_pkey primary key (project_id, connection_id, subject),
  constraint sso_identities_user_id_key unique (project_id, connection_id, user_id),
  constraint sso_identities_connection_id_fkey foreign key (project_id, connection_id)
    references astapa.sso_connections (project_id, id) on delete cascade,
  constraint sso_identities_user_id_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint sso_identities_subject_check check (length(subject) between 1 and 255)
);
create index sso_identities_user_id_idx on astapa.sso_identities (project_id, user_id);
alter table astapa.sso_identities enable row level security;
alter table astapa.sso_identities force row level security;
comment on table astapa.sso_identities is
  'Who an SSO connection''s IdP subject is in this project: filled at the person''s first SSO sign-in, read '
  'first at every later one (an address changed at the IdP keeps the account). Removed with the connection or '
  'the user.';
grant select, insert, update, delete on astapa.sso_identities to astapa_app;
