-- Auto-renewal with linked e-wallets (issue 23 item 6): the renewal pass charges a subscription's active linked
-- method (astapa.linked_methods) with a Payment Request naming it. One attempt per renewal checkout, so instances
-- running the pass together never charge twice. Functions and policies: db/api/renewal_charges.sql.

-- A linked DANA or ShopeePay account is charged as itself (OVO and GoPay were methods already).
alter table astapa.payments drop constraint payments_method_check;
alter table astapa.payments add constraint payments_method_check
  check (method in ('qris', 'bank_transfer', 'ovo', 'gopay', 'dana', 'shopeepay'));
alter table astapa.checkouts drop constraint checkouts_method_check;
alter table astapa.checkouts add constraint checkouts_method_check
  check (method is null or method in ('qris', 'bank_transfer', 'ovo', 'gopay', 'dana', 'shopeepay'));

create table astapa.renewal_charges (
  project_id text not null,
  id bigint generated always as identity not null,
  public_id text not null default astapa.random_id('rch_', 24),
  checkout_id bigint not null,
  linked_method_id bigint not null,
  status text not null default 'charging',
  amount bigint,
  provider_id text,
  failure_code text,
  tries integer not null default 0,
  attempted_at timestamptz,
  mailed_at timestamptz,
  created_at timestamptz not null default pg_catalog.now(),
  updated_at timestamptz not null default pg_catalog.now(),
  constraint renewal_charges_pkey primary key (project_id, id),
  constraint renewal_charges_public_id_key unique (public_id),
  constraint renewal_charges_checkout_key unique (project_id, checkout_id),
  constraint renewal_charges_checkout_fkey foreign key (project_id, checkout_id)
    references astapa.checkouts (project_id, id) on delete cascade,
  constraint renewal_charges_linked_method_fkey foreign key (project_id, linked_method_id)
    references astapa.linked_methods (project_id, id) on delete cascade,
  constraint renewal_charges_public_id_check check (public_id ~ '^rch_[a-z2-7]{24}$'),
  constraint renewal_charges_status_check check (status in ('charging', 'pending', 'paid', 'failed')),
  constraint renewal_charges_amount_check check (amount between 1 and 1000000000000),
  constraint renewal_charges_provider_id_check check (pg_catalog.length(provider_id) between 1 and 255),
  constraint renewal_charges_failure_code_check check (pg_catalog.length(failure_code) <= 500),
  constraint renewal_charges_tries_check check (tries between 0 and 100)
);
alter table astapa.renewal_charges enable row level security;
alter table astapa.renewal_charges force row level security;
comment on table astapa.renewal_charges is
  'Charges of a linked method for a renewal checkout, one per checkout (the unique key is what keeps two '
  'instances from charging twice). status: charging (claimed, Xendit not yet answered; retried with the same '
  'idempotency key, public_id), pending (Xendit took it: provider_id, the payment row), paid, or failed (then '
  'the pay-link mail went out: mailed_at). While charging or pending, the renewal''s pay-link mail is held back.';
create index renewal_charges_work_idx on astapa.renewal_charges (project_id, status, id)
  where status in ('charging', 'pending');
create index renewal_charges_linked_method_idx on astapa.renewal_charges (project_id, linked_method_id);
grant select, insert (project_id, checkout_id, linked_method_id) on astapa.renewal_charges to astapa_app;
grant update (status, amount, provider_id, failure_code, tries, attempted_at, mailed_at, updated_at)
  on astapa.renewal_charges to astapa_app;
