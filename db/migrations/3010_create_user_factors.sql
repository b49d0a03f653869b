-- Second factors (issue 19): authenticator-app (TOTP) secrets sealed with the master key, single-use recovery
-- codes (SHA-256), the pending step between a first factor and a code (mfa_challenges), and the
-- authentication methods (RFC 8176 amr) that sessions, codes and refresh tokens carry into tokens.

create table astapa.user_factors (
  project_id text not null,
  user_id bigint not null,
  kind text not null,
  secret_sealed bytea not null,
  created_at timestamptz not null default pg_catalog.now(),
  confirmed_at timestamptz,
  last_used_step bigint,
  constraint user_factors_pkey primary key (project_id, user_id, kind),
  constraint user_factors_user_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint user_factors_kind_check check (kind = 'totp')
);

comment on table astapa.user_factors is
  'A user''s second factors, one per kind (totp: RFC 6238, SHA-1, 6 digits, 30 s). secret_sealed is AES-GCM '
  'under the master key (never readable without it). A row with confirmed_at null is an enrolment in progress: '
  'it never asks for a code. last_used_step refuses a code''s replay within its time step.';

alter table astapa.user_factors enable row level security;
alter table astapa.user_factors force row level security;

grant select, insert, delete on astapa.user_factors to astapa_app;
grant update (secret_sealed, created_at, confirmed_at, last_used_step) on astapa.user_factors to astapa_app;

create table astapa.recovery_codes (
  project_id text not null,
  user_id bigint not null,
  code_hash bytea not null,
  created_at timestamptz not null default pg_catalog.now(),
  used_at timestamptz,
  constraint recovery_codes_pkey primary key (project_id, user_id, code_hash),
  constraint recovery_codes_user_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint recovery_codes_code_hash_check check (pg_catalog.length(code_hash) = 32)
);

comment on table astapa.recovery_codes is
  'Single-use recovery codes (10 per enrolment, shown once), stored as SHA-256 of the normalised code.';

alter table astapa.recovery_codes enable row level security;
alter table astapa.recovery_codes force row level security;

grant select, insert, delete on astapa.recovery_codes to astapa_app;
grant update (used_at) on astapa.recovery_codes to astapa_app;

create table astapa.mfa_challenges (
  project_id text not null,
  token_hash bytea not null,
  user_id bigint not null,
  amr text[] not null,
  created_at timestamptz not null default pg_catalog.now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  constraint mfa_challenges_pkey primary key (project_id, token_hash),
  constraint mfa_challenges_user_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint mfa_challenges_token_hash_check check (pg_catalog.length(token_hash) = 32),
  constraint mfa_challenges_lifetime_check check (expires_at > created_at)
);

create index mfa_challenges_user_idx on astapa.mfa_challenges (project_id, user_id);

comment on table astapa.mfa_challenges is
  'A first factor passed (amr so far: pwd, or an upstream provider''s) and a second one still owed: the browser '
  'holds the token (SHA-256 here) for 10 minutes, single use. No session or code exists until it is met.';

alter table astapa.mfa_challenges enable row level security;
alter table astapa.mfa_challenges force row level security;

grant select, insert on astapa.mfa_challenges to astapa_app;
grant update (used_at) on astapa.mfa_challenges to astapa_app;

alter table astapa.login_sessions add column amr text[] not null default '{pwd}';
alter table astapa.authorization_codes add column amr text[] not null default '{pwd}';
alter table astapa.refresh_tokens add column amr text[] not null default '{pwd}';

comment on column astapa.login_sessions.amr is
  'How the person signed in (RFC 8176 values: pwd, otp, mfa; ext for Google/GitHub); copied into codes.';
comment on column astapa.authorization_codes.amr is 'The session''s amr when the code was issued.';
comment on column astapa.refresh_tokens.amr is 'The sign-in''s amr, kept across rotations.';

-- The functions whose argument lists gain amr (db/api/login.sql, db/api/tokens.sql) come back there.
drop function api.start_login_session(bigint, bytea, integer);
drop function api.issue_authorization_code(bytea, text, bigint, text, text, text, text, text, text, timestamptz, integer);
