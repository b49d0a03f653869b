-- Branding per project (issue 21, item 2): the project's logo, stored in Postgres so every instance serves the
-- same bytes. The rest of the brand (display name, colour, theme, links, support address) is settings.branding;
-- settings.branding.logo names this row's hash. Functions and policies: db/api/branding.sql.

create table astapa.project_logos (
  project_id text not null,
  sha256 bytea not null,
  content_type text not null,
  image bytea not null,
  width integer not null,
  height integer not null,
  created_at timestamptz not null default pg_catalog.now(),
  constraint project_logos_pkey primary key (project_id),
  constraint project_logos_project_id_fkey foreign key (project_id) references astapa.projects (id)
    on delete cascade,
  constraint project_logos_sha256_check check (pg_catalog.octet_length(sha256) = 32),
  constraint project_logos_content_type_check check (content_type in ('image/png', 'image/jpeg', 'image/webp')),
  constraint project_logos_image_check check (pg_catalog.octet_length(image) between 1 and 262144),
  constraint project_logos_size_check check (width between 1 and 2048 and height between 1 and 2048)
);
alter table astapa.project_logos enable row level security;
alter table astapa.project_logos force row level security;
comment on table astapa.project_logos is
  'A project''s logo (PNG, JPEG or WebP up to 256 KiB and 2048×2048 px), validated by decoding before it is '
  'stored; served at /branding/<project>/logo-<sha256>.<ext>, so a new logo is a new URL. One per project.';
grant select, insert, update, delete on astapa.project_logos to astapa_app;
