-- The offline simulator's reusable payment methods (linked e-wallets, direct debit, cards) live in Postgres
-- beside its charges (astapa.sandbox_charges), so every instance's simulator sees the same methods: a method
-- linked through one instance is approved, charged and unlinked through any other. Functions and policies:
-- db/api/sandbox_payment_methods.sql.

create table astapa.sandbox_payment_methods (
  project_id text not null,
  id text not null,
  status text not null,
  -- The simulator's record (lib/payments/xendit_simulator/payment_methods.ts), without any key; card numbers
  -- are never in it, only their last four digits.
  record jsonb not null,
  created_at timestamptz not null default pg_catalog.now(),
  updated_at timestamptz not null default pg_catalog.now(),
  constraint sandbox_payment_methods_pkey primary key (project_id, id),
  constraint sandbox_payment_methods_id_key unique (id),
  constraint sandbox_payment_methods_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint sandbox_payment_methods_id_check check (pg_catalog.length(id) between 1 and 100),
  constraint sandbox_payment_methods_status_check check (status ~ '^[A-Z_]{1,40}$')
);

comment on table astapa.sandbox_payment_methods is
  'Reusable payment methods made through the offline Xendit simulator, per project: the state every '
  'instance''s simulator shares. Sandbox data only; no money moves.';

alter table astapa.sandbox_payment_methods enable row level security;
alter table astapa.sandbox_payment_methods force row level security;

grant select, insert, update on astapa.sandbox_payment_methods to astapa_app;
