-- One free trial per address, not only per account: deleting an account and signing up again with the same
-- address (or a +tag or, at Gmail, dotted spelling of it) made a new user with no trials. astapa.trial_addresses
-- keeps, per project and plan, a SHA-256 digest of each trialing account's mailbox (astapa.mailbox_key) or phone
-- number; it has no user column, so it outlives the account it came from. api.start_trial records and checks it.
-- `verified`: whether the account had proved it holds the address. An unverified record never stops a verified
-- account (anyone can type someone else's address), so nobody can use up another person's trial.
create table astapa.trial_addresses (
  project_id text not null,
  plan_key text not null,
  address_digest bytea not null,
  verified boolean not null,
  started_at timestamptz not null,
  ends_at timestamptz not null,
  -- Digest first: an account's trials of every plan are one range of the key (api.user_trials).
  constraint trial_addresses_pkey primary key (project_id, address_digest, plan_key),
  constraint trial_addresses_plan_fkey foreign key (project_id, plan_key) references astapa.plans (project_id, key),
  constraint trial_addresses_digest_check check (pg_catalog.length(address_digest) = 32),
  constraint trial_addresses_period_check check (ends_at > started_at)
);
alter table astapa.trial_addresses enable row level security;
alter table astapa.trial_addresses force row level security;
comment on table astapa.trial_addresses is
  'The addresses (mailbox or phone number, as astapa.trial_address_digests) a trial of a plan was started for: '
  'one trial per address and plan, across accounts and after an account is deleted. A digest, not the address.';
grant select, insert on astapa.trial_addresses to astapa_app;
-- A verified account takes over an unverified record of its address (api.start_trial).
grant update (verified, started_at, ends_at) on astapa.trial_addresses to astapa_app;

-- The trials started so far, under their accounts' addresses. The mailbox key is spelled out here (versioned
-- migrations run before db/api defines astapa.mailbox_key); it matches it for every ASCII domain, and
-- tests/sql/trial_addresses_migration_test.ts holds the two together. RLS is lifted for this statement only.
alter table astapa.trials no force row level security;
alter table astapa.users no force row level security;
alter table astapa.trial_addresses no force row level security;
insert into astapa.trial_addresses (project_id, plan_key, address_digest, verified, started_at, ends_at)
select distinct on (t.project_id, t.plan_key, d.digest)
       t.project_id, t.plan_key, d.digest, d.verified, t.started_at, t.ends_at
from astapa.trials as t
join astapa.users as u on u.project_id = t.project_id and u.id = t.user_id
left join lateral (
  select pg_catalog.split_part(pg_catalog.lower(pg_catalog.regexp_replace(pg_catalog.btrim(u.email), '@[^@]*$', '')),
                               '+', 1) as local,
         pg_catalog.rtrim(pg_catalog.lower(pg_catalog.split_part(pg_catalog.btrim(u.email), '@', -1)), '.') as domain
  where pg_catalog.strpos(u.email, '@') > 0
) as mailbox on true
cross join lateral (
  select pg_catalog.sha256(pg_catalog.convert_to(t.project_id || ' ' || a.address, 'UTF8')) as digest, a.verified
  from (values ('mailto:' || case when mailbox.domain in ('gmail.com', 'googlemail.com')
                                 then pg_catalog.replace(mailbox.local, '.', '') || '@gmail.com'
                                 else mailbox.local || '@' || mailbox.domain end, u.email_verified),
               ('tel:' || u.phone_number, u.phone_number_verified)) as a(address, verified)
  where a.address is not null
) as d
-- A verified account's record first: it is the one that holds the address.
order by t.project_id, t.plan_key, d.digest, d.verified desc, t.started_at
on conflict on constraint trial_addresses_pkey do nothing;
alter table astapa.trials force row level security;
alter table astapa.users force row level security;
alter table astapa.trial_addresses force row level security;
