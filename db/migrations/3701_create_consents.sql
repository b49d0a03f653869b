-- Remembered consent (issue 26 item 6): what a person allowed a self-registered or metadata-document client,
-- per resource, so a signed-in person is asked again only for scopes they have not allowed yet.
create table astapa.consents (
  project_id text not null,
  user_id bigint not null,
  client_id text not null,
  resource text not null,
  scopes text[] not null default '{}',
  granted_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint consents_pkey primary key (project_id, user_id, client_id, resource),
  constraint consents_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint consents_user_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint consents_client_id_check check (length(client_id) between 1 and 1000),
  constraint consents_resource_check check (length(resource) between 1 and 2000),
  constraint consents_scopes_check check (cardinality(scopes) <= 100)
);
comment on table astapa.consents is
  'A person''s remembered consent: the scopes they allowed a self-registered (dcl_…) or metadata-document (URL) '
  'client for one protected resource of the project. Widened when they allow more (incremental), removed when '
  'they or an admin revoke it, which also revokes the refresh tokens of that client and resource.';
create index consents_project_id_client_id_idx on astapa.consents (project_id, client_id);
alter table astapa.consents enable row level security;
alter table astapa.consents force row level security;
grant select, insert, update, delete on astapa.consents to astapa_app;

-- Registrations never used are swept after 30 days (api.sweep_grants); a code issued for one marks it used.
alter table astapa.dynamic_clients add column last_used_at timestamptz;
comment on column astapa.dynamic_clients.last_used_at is
  'When an authorization code was last issued to this client (null: never), for the sweep of unused registrations.';
grant select (last_used_at), update (last_used_at) on astapa.dynamic_clients to astapa_app;

-- A refresh token ended because the person (or an admin) revoked the consent it was issued under.
alter table astapa.refresh_tokens drop constraint refresh_tokens_revoked_reason_check;
alter table astapa.refresh_tokens add constraint refresh_tokens_revoked_reason_check check (
  revoked_reason in ('reuse_detected', 'code_replayed', 'revoked_by_client', 'user_disabled', 'revoked_by_admin',
                     'consent_revoked'));
