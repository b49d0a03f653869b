-- The deployment's own settings: one row, written once. It names the built-in console project, the project
-- whose users are the developers signing in to the dashboard (the product signs its own developers in).

create table astapa.deployment (
  singleton boolean not null default true,
  console_project_id text not null,
  created_at timestamptz not null default pg_catalog.now(),
  constraint deployment_pkey primary key (singleton),
  constraint deployment_singleton_check check (singleton),
  constraint deployment_console_project_id_fkey foreign key (console_project_id) references astapa.projects (id)
);

comment on table astapa.deployment is
  'One row per deployment: which project is the console (the dashboard''s own sign-in). Deployment-wide, no '
  'tenant data, so no RLS; the app role may read it and insert it once, never change it.';

grant select, insert on astapa.deployment to astapa_app;
