-- Linked payment methods (issue 23, item 6): a user's reusable e-wallet account linked through Xendit's
-- Payment Method API (MULTIPLE_USE), which the renewal pass may charge without the customer. Functions and
-- policies: db/api/linked_methods.sql.

create table astapa.linked_methods (
  project_id text not null,
  id bigint generated always as identity not null,
  public_id text not null default astapa.random_id('lpm_', 24),
  user_id bigint not null,
  environment text not null,
  xendit_account text not null,
  channel text not null,
  label text not null,
  provider_id text,
  status text not null default 'requires_action',
  failure_code text,
  created_at timestamptz not null default pg_catalog.now(),
  updated_at timestamptz not null default pg_catalog.now(),
  activated_at timestamptz,
  constraint linked_methods_pkey primary key (project_id, id),
  constraint linked_methods_public_id_key unique (public_id),
  constraint linked_methods_provider_id_key unique (project_id, provider_id),
  constraint linked_methods_user_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint linked_methods_public_id_check check (public_id ~ '^lpm_[a-z2-7]{24}$'),
  constraint linked_methods_environment_check check (environment in ('sandbox', 'production')),
  constraint linked_methods_xendit_account_check check (xendit_account in ('project', 'deployment', 'simulator')),
  constraint linked_methods_channel_check check (channel in ('OVO', 'DANA', 'SHOPEEPAY', 'GOPAY')),
  constraint linked_methods_label_check check (pg_catalog.length(label) between 1 and 100),
  constraint linked_methods_provider_id_check check (pg_catalog.length(provider_id) between 1 and 255),
  constraint linked_methods_status_check check (status in ('requires_action', 'active', 'failed', 'expired')),
  constraint linked_methods_failure_code_check check (pg_catalog.length(failure_code) <= 500)
);
alter table astapa.linked_methods enable row level security;
alter table astapa.linked_methods force row level security;
comment on table astapa.linked_methods is
  'E-wallet accounts users linked for automatic renewal (Xendit Payment Methods, MULTIPLE_USE). status: '
  'requires_action (the customer has not approved in the e-wallet yet), active (chargeable), failed (declined '
  'or never completed) or expired (unlinked; final). label is masked (channel and the last digits), never the '
  'full number. One requires_action or active method per user and channel.';
create index linked_methods_user_idx on astapa.linked_methods (project_id, user_id, id);
create unique index linked_methods_live_key on astapa.linked_methods (project_id, user_id, channel)
  where status in ('requires_action', 'active');
grant select, insert (project_id, user_id, environment, xendit_account, channel, label) on astapa.linked_methods
  to astapa_app;
grant update (label, provider_id, status, failure_code, updated_at, activated_at) on astapa.linked_methods
  to astapa_app;
