-- Subscriptions: which plan a user is on, and since when. Each change of plan ends the current row
-- (ended_at) and starts a new one, so the table is also the user's plan history. Only api.assign_plan
-- starts rows; status changes in place (payments: past_due, canceled, expired).

create table astapa.subscriptions (
  project_id text not null,
  id bigint generated always as identity,
  user_id bigint not null,
  plan_key text not null,
  status text not null default 'active',
  source text not null,
  current_period_start timestamptz not null default pg_catalog.now(),
  current_period_end timestamptz,
  paid_through timestamptz,
  created_at timestamptz not null default pg_catalog.now(),
  ended_at timestamptz,
  constraint subscriptions_pkey primary key (project_id, id),
  constraint subscriptions_user_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint subscriptions_plan_fkey foreign key (project_id, plan_key) references astapa.plans (project_id, key),
  constraint subscriptions_status_check check (status in ('active', 'past_due', 'canceled', 'expired')),
  constraint subscriptions_source_check check (source in ('payment', 'claims_api', 'dashboard', 'cli', 'default')),
  constraint subscriptions_period_check check (current_period_end is null or current_period_end > current_period_start)
);

-- One current subscription per user; the index also serves every lookup of it.
create unique index subscriptions_current_key on astapa.subscriptions (project_id, user_id) where ended_at is null;
create index subscriptions_user_idx on astapa.subscriptions (project_id, user_id, id);

comment on table astapa.subscriptions is
  'A user''s plan over time: the row with ended_at null is current. status active or past_due grants the plan; '
  'canceled grants it until current_period_end; expired does not (the default plan applies). source says who '
  'assigned it: payment, claims_api, dashboard, cli or default.';

alter table astapa.subscriptions enable row level security;
alter table astapa.subscriptions force row level security;

create policy "a project reads its own subscriptions" on astapa.subscriptions
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project starts subscriptions for its own users" on astapa.subscriptions
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project changes its own subscriptions" on astapa.subscriptions
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

grant select, insert (project_id, user_id, plan_key, status, source, current_period_start, current_period_end,
                      paid_through) on astapa.subscriptions to astapa_app;
grant update (status, current_period_end, paid_through, ended_at) on astapa.subscriptions to astapa_app;
