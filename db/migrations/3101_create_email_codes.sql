-- Passwordless sign-in by email (issue 20): a 6-digit code and a magic link in one mail, for a user the
-- project already has. Only SHA-256 of the code and of the link's token is kept.

create table astapa.email_codes (
  project_id text not null,
  link_hash bytea not null,
  user_id bigint not null,
  code_hash bytea not null,
  sign_in_request text not null,
  tries integer not null default 0,
  created_at timestamptz not null default pg_catalog.now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  constraint email_codes_pkey primary key (project_id, link_hash),
  constraint email_codes_user_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint email_codes_link_hash_check check (pg_catalog.length(link_hash) = 32),
  constraint email_codes_code_hash_check check (pg_catalog.length(code_hash) = 32),
  constraint email_codes_tries_check check (tries between 0 and 5),
  constraint email_codes_sign_in_request_check check (pg_catalog.length(sign_in_request) <= 8000),
  constraint email_codes_lifetime_check check (expires_at > created_at)
);

create index email_codes_user_idx on astapa.email_codes (project_id, user_id);

comment on table astapa.email_codes is
  'A sign-in code mailed to a user (10 minutes, 5 tries, single use; a newer code voids older ones) and the '
  'magic link in the same mail (link_hash), which opens sign_in_request: the authorization request it came with.';

alter table astapa.email_codes enable row level security;
alter table astapa.email_codes force row level security;

grant select, insert on astapa.email_codes to astapa_app;
grant update (tries, used_at) on astapa.email_codes to astapa_app;
