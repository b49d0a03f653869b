-- A project's users (the people who sign in to the developer's app) and their social identities.

create table astapa.users (
  project_id text not null,
  id bigint generated always as identity,
  email text not null,
  email_verified boolean not null default false,
  password_hash text,
  disabled boolean not null default false,
  environment text not null,
  created_at timestamptz not null default pg_catalog.now(),
  last_sign_in_at timestamptz,
  constraint users_pkey primary key (project_id, id),
  constraint users_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint users_email_check check (pg_catalog.length(email) <= 254 and email ~ '^[^@\s]+@[^@\s]+$'),
  constraint users_password_hash_check check (password_hash ~ '^\$argon2id\$'),
  constraint users_environment_check check (environment in ('sandbox', 'production'))
);

-- Emails differing only in case are the same user, per project and environment. lower() rather than citext:
-- with search_path = '' a citext column compared with a plain `=` silently resolves to text equality.
create unique index users_email_key on astapa.users (project_id, environment, pg_catalog.lower(email));

comment on table astapa.users is
  'People who sign in to a project''s app. id is the JWT sub (as a string), unique per project (a global '
  'identity, so also unique overall). environment is the project''s mode when the user was created; email is '
  'unique case-insensitively per project and environment. The app role cannot select password_hash.';
comment on column astapa.users.password_hash is 'argon2id; null for users who only sign in with a provider.';

alter table astapa.users enable row level security;
alter table astapa.users force row level security;

create policy "a project reads its own users" on astapa.users
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project adds its own users" on astapa.users
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project updates its own users" on astapa.users
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

grant select (project_id, id, email, email_verified, disabled, environment, created_at, last_sign_in_at)
  on astapa.users to astapa_app;
grant insert (project_id, email, email_verified, password_hash, environment) on astapa.users to astapa_app;
grant update (email, email_verified, password_hash, disabled, last_sign_in_at) on astapa.users to astapa_app;

create table astapa.identities (
  project_id text not null,
  provider text not null,
  subject text not null,
  user_id bigint not null,
  email text,
  created_at timestamptz not null default pg_catalog.now(),
  constraint identities_pkey primary key (project_id, provider, subject),
  constraint identities_user_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint identities_provider_check check (provider in ('google', 'github')),
  constraint identities_subject_check check (pg_catalog.length(subject) between 1 and 255)
);

create index identities_user_idx on astapa.identities (project_id, user_id);

comment on table astapa.identities is
  'Social sign-in identities: the provider''s subject for a user of this project.';

alter table astapa.identities enable row level security;
alter table astapa.identities force row level security;

create policy "a project reads its own identities" on astapa.identities
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project links identities to its own users" on astapa.identities
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project unlinks its own identities" on astapa.identities
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

grant select, insert, delete on astapa.identities to astapa_app;
