-- What an app keeps about each of its users for its own backend (a customer id elsewhere, an onboarding step,
-- a support note): a JSON object per user, read and changed through the Platform API, never put in a token.
-- A table of its own rather than a users column: the grants read users on every request and need not carry it.
create table astapa.user_metadata (
  project_id text not null,
  user_id bigint not null,
  metadata jsonb not null default '{}',
  updated_at timestamptz not null default now(),
  constraint user_metadata_pkey primary key (project_id, user_id),
  constraint user_metadata_user_fkey foreign key (project_id, user_id) references astapa.users (project_id, id)
    on delete cascade,
  constraint user_metadata_metadata_check check (jsonb_typeof(metadata) = 'object'
    and octet_length(metadata::text) <= 8192)
);
alter table astapa.user_metadata enable row level security;
alter table astapa.user_metadata force row level security;
comment on table astapa.user_metadata is
  'The app''s own JSON object about a user (at most 8 KiB), for its backend: never in a token, shown to the '
  'person only in their data export. Changed by JSON merge patch (astapa.json_merge_patch); erased with the user.';
grant select, insert, update (metadata, updated_at), delete on astapa.user_metadata to astapa_app;
