-- Plan changes (issue 23): an upgrade mid-period is priced (the prorated difference) and waits for its
-- checkout to be paid (awaiting_payment → applied); a downgrade, or a yearly → monthly switch, is scheduled
-- for the period end (scheduled → applied when the renewal for the new plan is paid, canceled otherwise).
-- One open change per user (the partial unique index), so two concurrent changes cannot both stand.
create table astapa.plan_changes (
  project_id text not null,
  id bigint generated always as identity,
  user_id bigint not null,
  from_plan text not null,
  to_plan text not null,
  kind text not null,
  status text not null,
  list_amount bigint not null default 0,
  credit_idr bigint not null default 0,
  amount_idr bigint not null default 0,
  period_end timestamptz,
  effective_at timestamptz,
  created_at timestamptz not null default now(),
  resolved_at timestamptz,
  constraint plan_changes_pkey primary key (project_id, id),
  constraint plan_changes_user_fkey foreign key (project_id, user_id) references astapa.users (project_id, id)
    on delete cascade,
  constraint plan_changes_from_plan_fkey foreign key (project_id, from_plan) references astapa.plans (project_id, key),
  constraint plan_changes_to_plan_fkey foreign key (project_id, to_plan) references astapa.plans (project_id, key),
  constraint plan_changes_kind_check check (kind in ('upgrade', 'scheduled')),
  constraint plan_changes_status_check check (status in ('awaiting_payment', 'scheduled', 'applied', 'canceled')),
  constraint plan_changes_amounts_check check (list_amount >= 0 and credit_idr >= 0 and amount_idr >= 0
    and amount_idr <= 1000000000000 and list_amount <= 1000000000000)
);
alter table astapa.plan_changes enable row level security;
alter table astapa.plan_changes force row level security;
comment on table astapa.plan_changes is
  'Requested plan changes and their history. kind upgrade: charged now (amount_idr = list_amount − credit_idr, '
  'the unused share of the current plan), status awaiting_payment until its checkout (checkouts.plan_change_id) '
  'is paid, then applied; period_end is where the new plan''s period ends (same interval: the current one). '
  'kind scheduled: takes effect at effective_at (the period end) when the renewal for to_plan is paid.';
create unique index plan_changes_open_key on astapa.plan_changes (project_id, user_id)
  where status in ('awaiting_payment', 'scheduled');
create index plan_changes_user_idx on astapa.plan_changes (project_id, user_id, id);
grant select, insert on astapa.plan_changes to astapa_app;
grant update (status, resolved_at) on astapa.plan_changes to astapa_app;

alter table astapa.checkouts add column plan_change_id bigint;
alter table astapa.checkouts add constraint checkouts_plan_change_fkey foreign key (project_id, plan_change_id)
  references astapa.plan_changes (project_id, id);
comment on column astapa.checkouts.plan_change_id is
  'Set on an upgrade''s checkout: paying it applies that plan change instead of starting a new period.';
grant insert (plan_change_id) on astapa.checkouts to astapa_app;

alter table astapa.events drop constraint events_type_check;
alter table astapa.events add constraint events_type_check check (type in ('user.created', 'subscription.updated',
  'subscription.renewal_due', 'subscription.trial_will_end', 'subscription.plan_change', 'payment.succeeded',
  'payment.failed'));
