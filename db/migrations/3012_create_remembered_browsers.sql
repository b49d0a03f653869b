-- "Remember this browser for N days" (issue 19 #3): a browser that presented a second factor may skip it at
-- later sign-ins of the same person, for the days the project allows (settings.mfa.remember_days). The browser
-- holds a random token; only its SHA-256 is here, and revoking the row (an admin's reset) ends it.
create table astapa.remembered_browsers (
  project_id text not null,
  token_hash bytea not null,
  user_id bigint not null,
  created_at timestamptz not null default pg_catalog.now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  constraint remembered_browsers_pkey primary key (project_id, token_hash),
  constraint remembered_browsers_user_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint remembered_browsers_token_hash_check check (pg_catalog.length(token_hash) = 32),
  constraint remembered_browsers_lifetime_check check (expires_at > created_at)
);

create index remembered_browsers_user_idx on astapa.remembered_browsers (project_id, user_id);

comment on table astapa.remembered_browsers is
  'Browsers a person let skip the second factor after presenting it ("remember this browser"), until expires_at '
  'or revoked_at (an admin''s reset of their factors). Only the SHA-256 of the cookie is kept.';

alter table astapa.remembered_browsers enable row level security;
alter table astapa.remembered_browsers force row level security;

grant select, insert on astapa.remembered_browsers to astapa_app;
grant update (revoked_at) on astapa.remembered_browsers to astapa_app;
