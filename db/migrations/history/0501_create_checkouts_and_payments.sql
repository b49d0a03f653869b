-- Checkouts and payments. A checkout is one purchase of one plan for one billing period by one user (its public
-- id chk_… is the reference Xendit carries back: reference_id, or the invoice's external_id). A payment is one
-- charge at Xendit for it — a QRIS code, a virtual account, an OVO push or a GoPay invoice; choosing another
-- method adds another payment to the same checkout. Amounts are whole rupiah.

create table astapa.checkouts (
  project_id text not null,
  id bigint generated always as identity,
  public_id text not null default astapa.random_id('chk_', 24),
  user_id bigint not null,
  plan_key text not null,
  amount bigint not null,
  currency text not null default 'IDR',
  status text not null default 'open',
  method text,
  bank text,
  xendit_account text not null,
  environment text not null,
  period_start timestamptz,
  success_url text,
  failure_url text,
  expires_at timestamptz not null,
  paid_at timestamptz,
  created_at timestamptz not null default pg_catalog.now(),
  updated_at timestamptz not null default pg_catalog.now(),
  constraint checkouts_pkey primary key (project_id, id),
  constraint checkouts_public_id_key unique (public_id),
  constraint checkouts_user_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint checkouts_plan_fkey foreign key (project_id, plan_key) references astapa.plans (project_id, key),
  constraint checkouts_public_id_check check (public_id ~ '^chk_[a-z2-7]{24}$'),
  constraint checkouts_amount_check check (amount between 1 and 1000000000000),
  constraint checkouts_currency_check check (currency = 'IDR'),
  constraint checkouts_status_check check (status in ('open', 'pending', 'paid', 'expired')),
  constraint checkouts_method_check check (method is null or method in ('qris', 'bank_transfer', 'ovo', 'gopay')),
  constraint checkouts_bank_check check (bank is null or bank in ('BCA', 'BNI', 'BRI', 'MANDIRI', 'PERMATA')),
  constraint checkouts_xendit_account_check check (xendit_account in ('project', 'deployment', 'simulator')),
  constraint checkouts_environment_check check (environment in ('sandbox', 'production')),
  constraint checkouts_urls_check check (pg_catalog.length(success_url) <= 2000 and pg_catalog.length(failure_url) <= 2000)
);

create index checkouts_user_idx on astapa.checkouts (project_id, user_id, id);
create index checkouts_status_idx on astapa.checkouts (project_id, status, created_at);

comment on table astapa.checkouts is
  'One purchase of a plan for one billing period. status: open (no charge yet), pending (a charge waits), paid, '
  'expired. xendit_account says whose keys made its charges (project, deployment or the built-in simulator), '
  'so callbacks are checked against the matching token. period_start is set for renewals (the period paid for).';

alter table astapa.checkouts enable row level security;
alter table astapa.checkouts force row level security;

create policy "a project reads its own checkouts" on astapa.checkouts
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project opens its own checkouts" on astapa.checkouts
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project updates its own checkouts" on astapa.checkouts
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

-- A Xendit callback names a checkout (reference_id / external_id) but no project. api.checkout_account puts
-- the reference into astapa.lookup_checkout for its one query, and this policy shows the owner that one row.
create policy "definer functions find the checkout a callback names" on astapa.checkouts
  for select to astapa_owner
  using (public_id = nullif(pg_catalog.current_setting('astapa.lookup_checkout', true), ''));

grant select, insert (project_id, user_id, plan_key, amount, method, bank, xendit_account, environment,
                      period_start, success_url, failure_url, expires_at) on astapa.checkouts to astapa_app;
grant update (status, method, bank, paid_at, updated_at) on astapa.checkouts to astapa_app;

create table astapa.payments (
  project_id text not null,
  id bigint generated always as identity,
  checkout_id bigint not null,
  provider text not null default 'xendit',
  kind text not null,
  provider_id text not null,
  method text not null,
  bank text,
  amount bigint not null,
  status text not null default 'pending',
  details jsonb not null default '{}',
  expires_at timestamptz,
  paid_at timestamptz,
  created_at timestamptz not null default pg_catalog.now(),
  updated_at timestamptz not null default pg_catalog.now(),
  constraint payments_pkey primary key (project_id, id),
  constraint payments_provider_id_key unique (project_id, provider, provider_id),
  constraint payments_checkout_fkey foreign key (project_id, checkout_id)
    references astapa.checkouts (project_id, id) on delete cascade,
  constraint payments_provider_check check (provider = 'xendit'),
  constraint payments_kind_check check (kind in ('payment_request', 'invoice')),
  constraint payments_provider_id_check check (pg_catalog.length(provider_id) between 1 and 255),
  constraint payments_method_check check (method in ('qris', 'bank_transfer', 'ovo', 'gopay')),
  constraint payments_amount_check check (amount between 1 and 1000000000000),
  constraint payments_status_check check (status in ('pending', 'paid', 'failed', 'expired')),
  constraint payments_details_check check (
    pg_catalog.jsonb_typeof(details) = 'object' and pg_catalog.octet_length(details::text) <= 8192)
);

create index payments_checkout_idx on astapa.payments (project_id, checkout_id, id);

comment on table astapa.payments is
  'Charges at Xendit for a checkout: kind payment_request (QRIS, VA, OVO) or invoice (GoPay), provider_id '
  '(pr-… or the invoice id), status pending → paid | failed | expired (paid is final), details the page shows '
  '(qr_string, virtual_account_number, mobile_number, invoice_url).';

alter table astapa.payments enable row level security;
alter table astapa.payments force row level security;

create policy "a project reads its own payments" on astapa.payments
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project records its own payments" on astapa.payments
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project updates its own payments" on astapa.payments
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

grant select, insert (project_id, checkout_id, kind, provider_id, method, bank, amount, status, details, expires_at)
  on astapa.payments to astapa_app;
grant update (status, details, paid_at, updated_at) on astapa.payments to astapa_app;
