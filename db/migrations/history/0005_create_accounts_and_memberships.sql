-- Accounts are the developers who run projects (the dashboard signs them in later); memberships say which
-- projects an account may administer and how. Accounts are deployment-wide, not tenant data: no project_id,
-- no RLS; the password hash is kept from the app role by column privileges instead.

create table astapa.accounts (
  id bigint generated always as identity,
  email text not null,
  password_hash text,
  password_reset_required boolean not null default false,
  created_at timestamptz not null default pg_catalog.now(),
  constraint accounts_pkey primary key (id),
  constraint accounts_email_check check (
    pg_catalog.length(email) <= 254 and email ~ '^[^@\s]+@[^@\s]+$'),
  constraint accounts_password_hash_check check (password_hash ~ '^\$argon2id\$')
);

-- Emails differing only in case are the same account.
create unique index accounts_email_key on astapa.accounts (pg_catalog.lower(email));

comment on table astapa.accounts is
  'Developers who administer projects. Email unique case-insensitively. password_hash (argon2id) is null for '
  'an invited account that has not set one; the app role cannot select it.';
comment on column astapa.accounts.password_reset_required is
  'True while the account still has the one-time password it was created with.';

grant select (id, email, password_reset_required, created_at) on astapa.accounts to astapa_app;
grant insert (email, password_hash, password_reset_required) on astapa.accounts to astapa_app;
grant update (password_hash, password_reset_required) on astapa.accounts to astapa_app;

create table astapa.memberships (
  project_id text not null,
  account_id bigint not null,
  role text not null,
  created_at timestamptz not null default pg_catalog.now(),
  constraint memberships_pkey primary key (project_id, account_id),
  constraint memberships_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint memberships_account_id_fkey foreign key (account_id) references astapa.accounts (id),
  constraint memberships_role_check check (role in ('owner', 'admin', 'viewer'))
);

-- The dashboard lists an account's projects by account.
create index memberships_account_id_idx on astapa.memberships (account_id);

comment on table astapa.memberships is 'Which accounts administer a project: owner, admin or viewer.';

alter table astapa.memberships enable row level security;
alter table astapa.memberships force row level security;

create policy "a project reads its own members" on astapa.memberships
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project adds its own members" on astapa.memberships
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project changes its own members' roles" on astapa.memberships
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

create policy "a project removes its own members" on astapa.memberships
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

grant select, insert, delete on astapa.memberships to astapa_app;
grant update (role) on astapa.memberships to astapa_app;
