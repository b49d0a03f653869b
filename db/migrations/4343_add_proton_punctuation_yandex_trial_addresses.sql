-- astapa.mailbox_key now drops the '.', '_' and '-' of a Proton username (user.name@proton.me is
-- username@proton.me) and reads Yandex's yandex.com, ya.ru, yandex.by, yandex.kz, yandex.ua and yandex.com.tr
-- addresses as the account's yandex.ru one (db/api/trials.sql cites where each provider documents it). The trial
-- records of accounts at those addresses, under the key before this migration (as 4327 left it), are copied under
-- the new key, as 4327 did. An erased account's address is gone, so its record cannot be found again.

-- RLS is lifted for these statements only (no project is set in a migration).
alter table astapa.users no force row level security;
alter table astapa.trial_addresses no force row level security;
insert into astapa.trial_addresses (project_id, environment, plan_key, address_digest, verified, started_at, ends_at)
select a.project_id, a.environment, a.plan_key,
       pg_catalog.sha256(pg_catalog.convert_to(u.project_id || ' mailto:' || mailbox.folded, 'UTF8')),
       a.verified, a.started_at, a.ends_at
from astapa.users as u
cross join lateral (
  select pg_catalog.split_part(pg_catalog.lower(pg_catalog.regexp_replace(pg_catalog.btrim(u.email), '@[^@]*$', '')),
                               '+', 1) as local,
         pg_catalog.rtrim(pg_catalog.lower(pg_catalog.split_part(pg_catalog.btrim(u.email), '@', -1)), '.') as domain
  where pg_catalog.strpos(u.email, '@') > 0
) as parts
cross join lateral (
  select case when parts.domain in ('proton.me', 'protonmail.com', 'protonmail.ch', 'pm.me')
              then parts.local || '@proton.me'
              else parts.local || '@' || parts.domain end as before,
         case when parts.domain in ('proton.me', 'protonmail.com', 'protonmail.ch', 'pm.me')
              then pg_catalog.translate(parts.local, '._-', '') || '@proton.me'
              else parts.local || '@yandex.ru' end as folded
  where (parts.domain in ('proton.me', 'protonmail.com', 'protonmail.ch', 'pm.me') and parts.local ~ '[._-]')
     or parts.domain in ('yandex.com', 'ya.ru', 'yandex.by', 'yandex.kz', 'yandex.ua', 'yandex.com.tr')
) as mailbox
join astapa.trial_addresses as a
  on a.project_id = u.project_id and a.environment = u.environment
     and a.address_digest = pg_catalog.sha256(pg_catalog.convert_to(
           u.project_id || ' mailto:' || mailbox.before, 'UTF8'))
on conflict do nothing;
alter table astapa.users force row level security;
alter table astapa.trial_addresses force row level security;
