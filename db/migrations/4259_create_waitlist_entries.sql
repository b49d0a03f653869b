-- A sign-up waitlist (settings.sign_up.mode = waitlist, docs/project-settings.md): people leave their address on
-- the hosted sign-up page; the project approves or declines each. Under that mode only an address with an
-- approved entry in the project's current environment may create an account (astapa.sign_up_refusal).
create table astapa.waitlist_entries (
  project_id text not null,
  id text not null default astapa.random_id('wle_', 24),
  email text not null,
  email_lower text generated always as (lower(email)) stored,
  environment text not null,
  status text not null default 'waiting',
  created_at timestamptz not null default now(),
  decided_at timestamptz,
  constraint waitlist_entries_pkey primary key (project_id, id),
  constraint waitlist_entries_project_id_fkey foreign key (project_id) references astapa.projects (id)
    on delete cascade,
  constraint waitlist_entries_id_check check (id ~ '^wle_[a-z2-7]{24}$'),
  constraint waitlist_entries_email_check check (length(email) <= 254 and email ~ '^[^@\s]+@[^@\s]+$'),
  constraint waitlist_entries_environment_check check (environment in ('sandbox', 'production')),
  constraint waitlist_entries_status_check check (status in ('waiting', 'approved', 'declined')),
  constraint waitlist_entries_decided_at_check check ((status = 'waiting') = (decided_at is null))
);
create unique index waitlist_entries_email_key on astapa.waitlist_entries (project_id, environment, email_lower);
create index waitlist_entries_status_idx on astapa.waitlist_entries (project_id, environment, status, created_at, id);
alter table astapa.waitlist_entries enable row level security;
alter table astapa.waitlist_entries force row level security;
comment on table astapa.waitlist_entries is
  'An address waiting to sign up for a project whose sign-ups go through a waitlist, one per project, '
  'environment (the project''s mode when it joined) and address in any case: waiting, approved (it may create an '
  'account; it stays approved after, as history) or declined; decided_at when approved or declined.';
grant select, insert on astapa.waitlist_entries to astapa_app;
grant update (status, decided_at) on astapa.waitlist_entries to astapa_app;
