-- Refunds through Xendit's Refund API (issue 23, item 4): one row per refund asked for, with the plan effect
-- chosen. Its callbacks go through astapa.payment_events like payment callbacks. Functions and policies:
-- db/api/refunds.sql.

create table astapa.refunds (
  project_id text not null,
  id bigint generated always as identity not null,
  public_id text not null default astapa.random_id('rfd_', 24),
  payment_id bigint not null,
  checkout_public_id text not null,
  amount bigint not null,
  reason text not null,
  plan_effect text not null,
  status text not null default 'requested',
  provider_id text,
  failure_code text,
  requested_by text not null,
  created_at timestamptz not null default pg_catalog.now(),
  updated_at timestamptz not null default pg_catalog.now(),
  succeeded_at timestamptz,
  constraint refunds_pkey primary key (project_id, id),
  constraint refunds_public_id_key unique (public_id),
  constraint refunds_provider_id_key unique (project_id, provider_id),
  constraint refunds_payment_fkey foreign key (project_id, payment_id) references astapa.payments (project_id, id),
  constraint refunds_public_id_check check (public_id ~ '^rfd_[a-z2-7]{24}$'),
  constraint refunds_amount_check check (amount >= 1 and amount <= 1000000000000),
  constraint refunds_reason_check check (reason in ('REQUESTED_BY_CUSTOMER', 'CANCELLATION', 'DUPLICATE',
    'FRAUDULENT', 'OTHERS')),
  constraint refunds_plan_effect_check check (plan_effect in ('end_now', 'keep_to_period_end', 'none')),
  constraint refunds_status_check check (status in ('requested', 'pending', 'succeeded', 'failed')),
  constraint refunds_provider_id_check check (pg_catalog.length(provider_id) between 1 and 255),
  constraint refunds_failure_code_check check (pg_catalog.length(failure_code) <= 500),
  constraint refunds_requested_by_check check (pg_catalog.length(requested_by) between 1 and 200)
);
alter table astapa.refunds enable row level security;
alter table astapa.refunds force row level security;
comment on table astapa.refunds is
  'Refunds of paid payments through Xendit. status: requested (asked of Xendit), pending (Xendit accepted it), '
  'succeeded (the refund callback said so; final) or failed (Xendit refused it or reported failure; its amount '
  'is free again). A payment''s requested, pending and succeeded refunds never add up to more than it paid. '
  'plan_effect is applied when the refund succeeds: end_now (back to the default plan), keep_to_period_end '
  '(canceled at period end) or none.';
create index refunds_payment_idx on astapa.refunds (project_id, payment_id, id);
comment on column astapa.refunds.checkout_public_id is
  'The checkout the refunded payment belongs to, kept here so a refund callback finds its account from the refund alone.';
grant select, insert (project_id, payment_id, checkout_public_id, amount, reason, plan_effect, requested_by) on astapa.refunds
  to astapa_app;
grant update (status, provider_id, failure_code, updated_at, succeeded_at) on astapa.refunds to astapa_app;
