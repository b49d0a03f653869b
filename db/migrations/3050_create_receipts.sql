-- Receipts and PPN (issue 23, item 5): each project's tax settings, a gapless receipt counter per project and
-- year, the receipts themselves (a snapshot of what was sold and the tax on it), and the buyer's optional
-- name and NPWP/NIK on a checkout. Functions and policies: db/api/receipts.sql.

create table astapa.tax_settings (
  project_id text not null,
  pkp boolean not null default false,
  ppn_rate numeric(5, 2) not null default 12,
  tax_base_numerator integer not null default 11,
  tax_base_denominator integer not null default 12,
  seller_name text,
  seller_npwp text,
  seller_address text,
  updated_at timestamptz not null default pg_catalog.now(),
  constraint tax_settings_pkey primary key (project_id),
  constraint tax_settings_project_id_fkey foreign key (project_id) references astapa.projects (id)
    on delete cascade,
  constraint tax_settings_ppn_rate_check check (ppn_rate >= 0 and ppn_rate <= 100),
  constraint tax_settings_tax_base_check check (tax_base_numerator between 1 and 1000
    and tax_base_denominator between 1 and 1000 and tax_base_numerator <= tax_base_denominator),
  constraint tax_settings_seller_name_check check (pg_catalog.length(seller_name) between 1 and 200),
  constraint tax_settings_seller_npwp_check check (seller_npwp ~ '^[0-9]{15,16}$'),
  constraint tax_settings_seller_address_check check (pg_catalog.length(seller_address) between 1 and 500)
);
alter table astapa.tax_settings enable row level security;
alter table astapa.tax_settings force row level security;
comment on table astapa.tax_settings is
  'A project''s PPN settings for receipts: pkp (a Pengusaha Kena Pajak charges PPN), ppn_rate in percent and the '
  'tax base (DPP) as a fraction of the price before PPN (12 % of 11/12 by default, PMK 131/2024), and the seller '
  'details printed on receipts. No row: not a PKP, no PPN. Prices are tax-inclusive.';
grant select, insert, update (pkp, ppn_rate, tax_base_numerator, tax_base_denominator, seller_name, seller_npwp,
  seller_address, updated_at) on astapa.tax_settings to astapa_app;

create table astapa.receipt_counters (
  project_id text not null,
  environment text not null,
  year integer not null,
  last_sequence integer not null,
  constraint receipt_counters_pkey primary key (project_id, environment, year),
  constraint receipt_counters_project_id_fkey foreign key (project_id) references astapa.projects (id)
    on delete cascade,
  constraint receipt_counters_environment_check check (environment in ('sandbox', 'production')),
  constraint receipt_counters_year_check check (year between 2000 and 9999),
  constraint receipt_counters_last_sequence_check check (last_sequence >= 1)
);
alter table astapa.receipt_counters enable row level security;
alter table astapa.receipt_counters force row level security;
comment on table astapa.receipt_counters is
  'The last receipt number used per project, environment and year (Asia/Jakarta): sandbox payments never take '
  'a number from the production sequence. Incremented in the transaction that '
  'issues the receipt: the row lock serialises instances and a rollback gives the number back, so numbers have '
  'no gaps and no duplicates.';
grant select, insert, update (last_sequence) on astapa.receipt_counters to astapa_app;

create table astapa.receipts (
  project_id text not null,
  id bigint generated always as identity not null,
  public_id text not null default astapa.random_id('rcp_', 24),
  payment_id bigint not null,
  checkout_id bigint not null,
  user_id bigint not null,
  year integer not null,
  sequence integer not null,
  number text not null,
  issued_at timestamptz not null default pg_catalog.now(),
  seller jsonb not null,
  buyer_email text,
  buyer_name text,
  buyer_tax_id text,
  plan_key text not null,
  plan_name text not null,
  period_start timestamptz,
  period_end timestamptz,
  method text not null,
  bank text,
  discount_idr bigint,
  coupon_code text,
  amount bigint not null,
  pkp boolean not null,
  ppn_rate numeric(5, 2),
  tax_base_numerator integer,
  tax_base_denominator integer,
  price_before_tax_idr bigint not null,
  tax_base_idr bigint,
  ppn_idr bigint not null,
  environment text not null,
  constraint receipts_pkey primary key (project_id, id),
  constraint receipts_public_id_key unique (public_id),
  constraint receipts_payment_key unique (project_id, payment_id),
  constraint receipts_number_key unique (project_id, environment, year, sequence),
  constraint receipts_payment_fkey foreign key (project_id, payment_id) references astapa.payments (project_id, id),
  constraint receipts_checkout_fkey foreign key (project_id, checkout_id)
    references astapa.checkouts (project_id, id),
  constraint receipts_public_id_check check (public_id ~ '^rcp_[a-z2-7]{24}$'),
  constraint receipts_sequence_check check (sequence >= 1),
  constraint receipts_amount_check check (amount >= 1),
  constraint receipts_tax_check check (price_before_tax_idr + ppn_idr = amount and ppn_idr >= 0
    and (pkp or ppn_idr = 0)),
  constraint receipts_discount_check check (discount_idr >= 0),
  constraint receipts_environment_check check (environment in ('sandbox', 'production'))
);
alter table astapa.receipts enable row level security;
alter table astapa.receipts force row level security;
comment on table astapa.receipts is
  'One receipt per paid payment, numbered per project, environment and year without gaps (number = '
  'R-<year>-<sequence>, TEST-R-… in sandbox). A '
  'snapshot taken when the payment was applied: seller, buyer (email, name, NPWP/NIK), plan, amount paid '
  '(tax-inclusive), and for a PKP the price before PPN, the tax base (DPP) and the PPN; later changes to the '
  'settings, the plan or the user do not alter an issued receipt. discount_idr/coupon_code are copied from the '
  'checkout when it has them. public_id is the capability in the receipt page''s URL.';
create index receipts_checkout_idx on astapa.receipts (project_id, checkout_id);
create index receipts_user_idx on astapa.receipts (project_id, user_id, id);
grant select, insert on astapa.receipts to astapa_app;

alter table astapa.checkouts add column buyer_name text,
  add column buyer_tax_id text,
  add constraint checkouts_buyer_name_check check (pg_catalog.length(buyer_name) between 1 and 200),
  add constraint checkouts_buyer_tax_id_check check (buyer_tax_id ~ '^[0-9]{15,16}$');
comment on column astapa.checkouts.buyer_name is 'The name (person or company) the receipt is made out to, if given.';
comment on column astapa.checkouts.buyer_tax_id is
  'The buyer''s NPWP (15 or 16 digits) or NIK (16 digits) for the receipt, digits only, if given.';
grant update (buyer_name, buyer_tax_id) on astapa.checkouts to astapa_app;
