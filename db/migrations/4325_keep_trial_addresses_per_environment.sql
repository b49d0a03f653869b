-- Sandbox and production are two sets of accounts (users.environment: one address may have an account in
-- each), but astapa.trial_addresses held an address's trial across both: a trial tried out in sandbox refused
-- the person's production account its own (and was listed on it). Each record now names the environment of
-- the account that started it, in the key; api.start_trial and api.user_trials meet only their own
-- environment's. And an old iCloud account's name@me.com and name@mac.com are its name@icloud.com mailbox
-- (astapa.mailbox_key now says so): the records of such accounts are recorded again under the new key.
alter table astapa.trial_addresses add column environment text;

-- RLS is lifted for these statements only (no project is set in a migration).
alter table astapa.trials no force row level security;
alter table astapa.users no force row level security;
alter table astapa.projects no force row level security;
alter table astapa.trial_addresses no force row level security;
-- A record's start and end are its trial's (api.start_trial copies them, also when a verified account takes
-- the record over): that trial's account's environment, preferring an account still at the address, then
-- production (a record held too widely only refuses a trial; one in the wrong environment would give one).
-- A record no trial matches keeps the project's mode.
update astapa.trial_addresses as a
set environment = coalesce(
  (select u.environment
   from astapa.trials as t
   join astapa.users as u on u.project_id = t.project_id and u.id = t.user_id
   left join lateral (
     select pg_catalog.split_part(pg_catalog.lower(pg_catalog.regexp_replace(pg_catalog.btrim(u.email), '@[^@]*$', '')),
                                  '+', 1) as local,
            pg_catalog.rtrim(pg_catalog.lower(pg_catalog.split_part(pg_catalog.btrim(u.email), '@', -1)), '.') as domain
     where pg_catalog.strpos(u.email, '@') > 0
   ) as mailbox on true
   where t.project_id = a.project_id and t.plan_key = a.plan_key and t.started_at = a.started_at
     and t.ends_at = a.ends_at
   order by a.address_digest in (
              pg_catalog.sha256(pg_catalog.convert_to(t.project_id || ' tel:' || u.phone_number, 'UTF8')),
              pg_catalog.sha256(pg_catalog.convert_to(t.project_id || ' mailto:' ||
                case when mailbox.domain in ('gmail.com', 'googlemail.com')
                     then pg_catalog.replace(mailbox.local, '.', '') || '@gmail.com'
                     else mailbox.local || '@' || mailbox.domain end, 'UTF8'))) desc nulls last,
            u.environment = 'production' desc
   limit 1),
  (select p.mode from astapa.projects as p where p.id = a.project_id));

alter table astapa.trial_addresses alter column environment set not null;
alter table astapa.trial_addresses add constraint trial_addresses_environment_check
  check (environment in ('sandbox', 'production'));
-- Digest after the environment: an account's trials of every plan are still one range of the key.
alter table astapa.trial_addresses drop constraint trial_addresses_pkey;
alter table astapa.trial_addresses add constraint trial_addresses_pkey
  primary key (project_id, environment, address_digest, plan_key);

-- The accounts at me.com or mac.com: their records under name@me.com (the key before this migration) are
-- copied under name@icloud.com. An erased account's address is gone, so its record cannot be found again.
insert into astapa.trial_addresses (project_id, environment, plan_key, address_digest, verified, started_at, ends_at)
select a.project_id, a.environment, a.plan_key,
       pg_catalog.sha256(pg_catalog.convert_to(u.project_id || ' mailto:' || mailbox.local || '@icloud.com', 'UTF8')),
       a.verified, a.started_at, a.ends_at
from astapa.users as u
cross join lateral (
  select pg_catalog.split_part(pg_catalog.lower(pg_catalog.regexp_replace(pg_catalog.btrim(u.email), '@[^@]*$', '')),
                               '+', 1) as local,
         pg_catalog.rtrim(pg_catalog.lower(pg_catalog.split_part(pg_catalog.btrim(u.email), '@', -1)), '.') as domain
  where pg_catalog.strpos(u.email, '@') > 0
) as mailbox
join astapa.trial_addresses as a
  on a.project_id = u.project_id and a.environment = u.environment
     and a.address_digest = pg_catalog.sha256(pg_catalog.convert_to(
           u.project_id || ' mailto:' || mailbox.local || '@' || mailbox.domain, 'UTF8'))
where mailbox.domain in ('me.com', 'mac.com')
on conflict do nothing;
alter table astapa.trials force row level security;
alter table astapa.users force row level security;
alter table astapa.projects force row level security;
alter table astapa.trial_addresses force row level security;

comment on column astapa.trial_addresses.environment is
  'The environment of the account that started the trial (users.environment): a record holds the address '
  'against that environment''s accounts only, as sandbox and production accounts of one address are two.';
comment on table astapa.trial_addresses is
  'The addresses (mailbox or phone number, as astapa.trial_address_digests) a trial of a plan was started for: '
  'one trial per address, plan and environment, across accounts and after an account is deleted. A digest, not '
  'the address.';
