-- Coupons (issue 23): a percentage or a fixed IDR discount, for once, N periods or forever, with an optional
-- expiry, maximum number of redemptions and plan restriction. A redemption is one user's use of a coupon
-- (the primary key: each user redeems a coupon once; renewals carry it without redeeming again). Checkouts
-- keep what the receipt shows: coupon_code and discount_idr (amount is what is charged; amount + discount_idr
-- is the list price).
create table astapa.coupons (
  project_id text not null,
  code text not null,
  percent_off integer,
  amount_off_idr bigint,
  duration text not null default 'once',
  duration_periods integer,
  max_redemptions integer,
  plan_keys text[],
  expires_at timestamptz,
  disabled_at timestamptz,
  created_at timestamptz not null default now(),
  constraint coupons_pkey primary key (project_id, code),
  constraint coupons_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint coupons_code_check check (code ~ '^[A-Z0-9_-]{3,40}$'),
  constraint coupons_discount_check check ((percent_off is null) <> (amount_off_idr is null)),
  constraint coupons_percent_off_check check (percent_off between 1 and 99),
  constraint coupons_amount_off_idr_check check (amount_off_idr between 1 and 1000000000000),
  constraint coupons_duration_check check (duration in ('once', 'repeating', 'forever')
    and (duration = 'repeating') = (duration_periods is not null)),
  constraint coupons_duration_periods_check check (duration_periods between 1 and 120),
  constraint coupons_max_redemptions_check check (max_redemptions >= 1),
  constraint coupons_plan_keys_check check (cardinality(plan_keys) between 1 and 100)
);
alter table astapa.coupons enable row level security;
alter table astapa.coupons force row level security;
comment on table astapa.coupons is
  'Discount codes of a project: percent_off (1–99) or amount_off_idr, duration once | repeating '
  '(duration_periods paid periods) | forever, optional expires_at, max_redemptions (users) and plan_keys '
  '(null: any plan). Disabled, never deleted: redemptions keep naming them.';
grant select, insert on astapa.coupons to astapa_app;
grant update (disabled_at) on astapa.coupons to astapa_app;

create table astapa.coupon_redemptions (
  project_id text not null,
  coupon_code text not null,
  user_id bigint not null,
  checkout_id bigint not null,
  created_at timestamptz not null default now(),
  constraint coupon_redemptions_pkey primary key (project_id, coupon_code, user_id),
  constraint coupon_redemptions_coupon_fkey foreign key (project_id, coupon_code)
    references astapa.coupons (project_id, code),
  constraint coupon_redemptions_user_fkey foreign key (project_id, user_id) references astapa.users (project_id, id)
    on delete cascade,
  constraint coupon_redemptions_checkout_fkey foreign key (project_id, checkout_id)
    references astapa.checkouts (project_id, id) on delete cascade
);
alter table astapa.coupon_redemptions enable row level security;
alter table astapa.coupon_redemptions force row level security;
comment on table astapa.coupon_redemptions is
  'Each user''s redemption of a coupon, pointing at the checkout it was applied to. It counts towards '
  'max_redemptions unless that checkout expired unpaid (then the user, or someone else, may use the slot).';
create index coupon_redemptions_checkout_idx on astapa.coupon_redemptions (project_id, checkout_id);
grant select, insert, delete on astapa.coupon_redemptions to astapa_app;
grant update (checkout_id, created_at) on astapa.coupon_redemptions to astapa_app;

alter table astapa.checkouts add column coupon_code text;
alter table astapa.checkouts add column discount_idr bigint not null default 0;
alter table astapa.checkouts add constraint checkouts_discount_idr_check
  check (discount_idr >= 0 and discount_idr <= 1000000000000);
alter table astapa.checkouts add constraint checkouts_coupon_fkey foreign key (project_id, coupon_code)
  references astapa.coupons (project_id, code);
comment on column astapa.checkouts.coupon_code is 'The coupon applied to this checkout (receipts name it).';
comment on column astapa.checkouts.discount_idr is
  'Rupiah taken off the list price by coupon_code: amount is what is charged, amount + discount_idr the list price.';
create index checkouts_coupon_idx on astapa.checkouts (project_id, coupon_code) where coupon_code is not null;
grant update (amount, coupon_code, discount_idr, updated_at) on astapa.checkouts to astapa_app;
grant insert (coupon_code, discount_idr) on astapa.checkouts to astapa_app;
