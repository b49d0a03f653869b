-- Support staff sign in as a user (docs/impersonation.md): the project's own client asks for a one-time link for
-- one user, naming who acts (actor) and why; opening it starts a hosted-login session for that user, marked with
-- the impersonation, until ends_at. Only the SHA-256 of the link's token is kept. A row goes with its user.
create table astapa.impersonations (
  project_id text not null,
  id text not null default astapa.random_id('imp_', 24),
  user_id bigint not null,
  actor text not null,
  reason text,
  token_hash bytea not null,
  created_at timestamptz not null default now(),
  link_expires_at timestamptz not null,
  ends_at timestamptz not null,
  opened_at timestamptz,
  ended_at timestamptz,
  constraint impersonations_pkey primary key (project_id, id),
  constraint impersonations_token_hash_key unique (project_id, token_hash),
  constraint impersonations_user_id_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint impersonations_actor_check check (length(actor) between 1 and 200),
  constraint impersonations_reason_check check (length(reason) <= 500),
  constraint impersonations_token_hash_check check (length(token_hash) = 32),
  constraint impersonations_link_lifetime_check check (link_expires_at <= created_at + interval '5 minutes'),
  constraint impersonations_lifetime_check
    check (ends_at > created_at and ends_at <= created_at + interval '60 minutes')
);
create index impersonations_user_id_idx on astapa.impersonations (project_id, user_id);
alter table astapa.impersonations enable row level security;
alter table astapa.impersonations force row level security;
comment on table astapa.impersonations is
  'A project''s support staff signed in as one of its users: who acts (actor, as the app named them) and why, the '
  'one-time link''s token (SHA-256 only; usable until link_expires_at, 5 minutes, and once: opened_at), and when '
  'the impersonation ends (ends_at, at most 60 minutes after it was asked for; ended_at when ended early). The '
  'session it opened and the codes and refresh tokens issued from it name it (impersonation_id).';
grant select, insert on astapa.impersonations to astapa_app;
grant update (opened_at, ended_at) on astapa.impersonations to astapa_app;
