-- Free trials (issue 23): starting one. The renewal pass (db/api/billing.sql) reminds and ends them; paying
-- (db/api/payments.sql) turns one into a paid period starting at the trial's end.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own trials" on astapa.trials;
create policy "a project reads its own trials" on astapa.trials
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own trials" on astapa.trials;
create policy "a project records its own trials" on astapa.trials
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads the addresses it gave trials" on astapa.trial_addresses;
create policy "a project reads the addresses it gave trials" on astapa.trial_addresses
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records the addresses it gives trials" on astapa.trial_addresses;
create policy "a project records the addresses it gives trials" on astapa.trial_addresses
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project confirms the addresses it gave trials" on astapa.trial_addresses;
create policy "a project confirms the addresses it gave trials" on astapa.trial_addresses
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

create or replace function astapa.mailbox_key(email text) returns text
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    -- The local part lower-cased and cut at its first +: most mail systems deliver name+anything@ to name@
    -- (sub-addressing). Gmail ignores the local part's dots, and googlemail.com is gmail.com. An iCloud account
    -- made before 2012 has name@me.com (and from MobileMe name@mac.com) as well as name@icloud.com: one mailbox.
    -- A Proton account's personal addresses are one username at proton.me or protonmail.com, its short pm.me
    -- and (before 2016) protonmail.ch (https://protonmail.com/support/knowledge-base/addresses-and-aliases/,
    -- .../pm-me-addresses/), and Proton treats '.', '_' and '-' in a username as transparent: user.name and
    -- user_name are the account username's, never another account's (.../knowledge-base/change-username/).
    -- A Yandex account's login is its address at every Yandex mail domain, one mailbox
    -- (https://yandex.com/support/id/authorization/email.html, "addresses using your username on all Yandex
    -- domains"; https://yandex.com/support/domain/additional/mailbox-alias.xml): yandex.ru, yandex.com, ya.ru,
    -- yandex.by, yandex.kz, yandex.ua and yandex.com.tr read as yandex.ru. Its login's '.' and '-' stay apart:
    -- no Yandex page found says they are one.
    -- Fastmail delivers anything@name.fastmail.com as name+anything@fastmail.com (subdomain addressing,
    -- https://www.fastmail.help/hc/en-us/articles/360060591053; fastmail.fm in
    -- https://www.fastmail.com/blog/two-address-resolving-additions): only the two domains named there (no list
    -- of Fastmail's other domains from Fastmail was found), one label deep. The domain as the mail system
    -- delivers to it (astapa.email_domain).
    select case when parts.domain in ('gmail.com', 'googlemail.com')
                then pg_catalog.replace(parts.local, '.', '') || '@gmail.com'
                when parts.domain in ('me.com', 'mac.com') then parts.local || '@icloud.com'
                when parts.domain in ('proton.me', 'protonmail.com', 'protonmail.ch', 'pm.me')
                then pg_catalog.translate(parts.local, '._-', '') || '@proton.me'
                when parts.domain in ('yandex.ru', 'yandex.com', 'ya.ru', 'yandex.by', 'yandex.kz', 'yandex.ua',
                                      'yandex.com.tr')
                then parts.local || '@yandex.ru'
                when parts.domain ~ '^[^.]+\.fastmail\.(com|fm)$'
                then pg_catalog.regexp_replace(parts.domain, '^([^.]+)\.', '\1@')
                else parts.local || '@' || parts.domain end
    from (select pg_catalog.split_part(
                   pg_catalog.lower(pg_catalog.regexp_replace(pg_catalog.btrim(email), '@[^@]*$', '')), '+', 1)
                   as local,
                 astapa.email_domain(email) as domain) as parts
    where pg_catalog.strpos(email, '@') > 0
  $$;

comment on function astapa.mailbox_key(text) is
  'The mailbox an address delivers to, for "one per address" rules: lower case, the +tag cut, Gmail''s dots '
  'dropped (googlemail.com is gmail.com), me.com and mac.com read as icloud.com, protonmail.com, protonmail.ch '
  'and pm.me as proton.me (its usernames'' dots, underscores and hyphens dropped), Yandex''s seven mail domains '
  'as yandex.ru, Fastmail''s anything@name.fastmail.com (or .fm) as name@fastmail.com, the domain as '
  'astapa.email_domain. Null for no address.';

grant execute on function astapa.mailbox_key(text) to astapa_app;

create or replace function astapa.trial_address_digests(project_id text, email text, phone_number text)
  returns bytea[]
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    -- A digest, not the address: the table outlives deleted accounts. The project is in it, so that one
    -- person's rows in two projects do not match.
    select coalesce(pg_catalog.array_agg(pg_catalog.sha256(pg_catalog.convert_to(
                      trial_address_digests.project_id || ' ' || a.address, 'UTF8'))), '{}')
    from (values ('mailto:' || astapa.mailbox_key(email)), ('tel:' || phone_number)) as a(address)
    where a.address is not null
  $$;

comment on function astapa.trial_address_digests(text, text, text) is
  'The digests (SHA-256 of the project and the mailbox or phone number) under which astapa.trial_addresses '
  'holds an account''s trials: none, one or two.';

grant execute on function astapa.trial_address_digests(text, text, text) to astapa_app;

create or replace function astapa.user_trial_addresses(project_id text, user_id bigint)
  returns table (address_digest bytea, verified boolean)
  language sql
  stable
  set search_path = ''
  as $$
    select d.digest, a.verified
    from astapa.users as u
    cross join lateral (values (u.email, null::text, u.email_verified),
                               (null::text, u.phone_number, u.phone_number_verified)) as a(email, phone, verified)
    cross join lateral pg_catalog.unnest(astapa.trial_address_digests(u.project_id, a.email, a.phone)) as d(digest)
    where u.project_id = user_trial_addresses.project_id and u.id = user_trial_addresses.user_id
  $$;

comment on function astapa.user_trial_addresses(text, bigint) is
  'A user''s mailbox and phone number as astapa.trial_addresses holds them (astapa.trial_address_digests), each '
  'with whether the user verified it.';

grant execute on function astapa.user_trial_addresses(text, bigint) to astapa_app;

create or replace function astapa.confirm_trial_addresses() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- The address a trial was recorded under unverified is verified now: its record holds the trial against
    -- verified accounts too. Only for plans this account trialed itself, so another (unverified) account's
    -- record of the same mailbox is never confirmed by someone else's verification.
    update astapa.trial_addresses as held set verified = true
    from astapa.user_trial_addresses(new.project_id, new.id) as mine
    where held.project_id = new.project_id and held.environment = new.environment
      and held.address_digest = mine.address_digest and mine.verified
      and not held.verified
      and held.plan_key in (select t.plan_key from astapa.trials as t
                            where t.project_id = new.project_id and t.user_id = new.id);
    return null;
  end
  $$;

comment on function astapa.confirm_trial_addresses() is
  'Trigger: when a user verifies their email address or phone number, the unverified astapa.trial_addresses '
  'records of that address (in their environment) for the plans they trialed become verified.';

grant execute on function astapa.confirm_trial_addresses() to astapa_app;

create or replace trigger users_confirm_trial_addresses
  after update of email_verified, phone_number_verified on astapa.users
  for each row when ((new.email_verified and not old.email_verified)
                     or (new.phone_number_verified and not old.phone_number_verified))
  execute function astapa.confirm_trial_addresses();

create or replace function api.start_trial(project_id text, user_id bigint, plan_key text,
                                now timestamptz default pg_catalog.now())
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    chosen astapa.plans;
    current astapa.subscriptions;
    is_guest boolean;
    user_environment text;
    addresses integer;
    recorded integer;
    ends_at timestamptz;
    started jsonb;
  begin
    if now is null then
      raise exception using errcode = 'AS400', message = 'Starting a trial needs the time it starts at (now).';
    end if;
    -- The user's row lock queues this behind any other plan change of theirs (as api.assign_plan does).
    select u.is_anonymous, u.environment into is_guest, user_environment from astapa.users as u
    join astapa.projects as p on p.id = u.project_id
    where u.project_id = start_trial.project_id and u.id = start_trial.user_id and not u.disabled
      and u.environment = p.mode
    for no key update of u;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    if is_guest then
      -- A guest is one request away from another guest: a trial waits for an account, whose address holds it.
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('User %s is a guest: a trial starts once they have an account.', user_id);
    end if;
    select * into chosen from astapa.plans as p
    where p.project_id = start_trial.project_id and p.key = start_trial.plan_key and p.archived_at is null;
    if chosen.seat_pricing is not null then
      -- A team plan is an organization's (api.create_organization_checkout), so a person cannot trial it.
      raise exception using errcode = 'AS400', detail = '{"plan": ["A team plan: buy it for an organization."]}',
        message = pg_catalog.format('Plan %s is a team plan: buy it for an organization.', chosen.key);
    end if;
    if not found or chosen.trial_days < 1 or chosen.price_idr < 1 or chosen.interval not in ('month', 'year') then
      raise exception using errcode = 'AS400', detail = '{"plan": ["This plan offers no trial."]}',
        message = pg_catalog.format('Plan %s offers no trial.', plan_key);
    end if;
    select * into current from astapa.subscriptions as s
    where s.project_id = start_trial.project_id and s.user_id = start_trial.user_id and s.ended_at is null;
    if current.id is not null and astapa.grants_plan(current)
       and exists (select from astapa.plans as p
                   where p.project_id = current.project_id and p.key = current.plan_key and p.price_idr > 0) then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('User %s already has the paid plan %s (or a trial of it).', user_id, current.plan_key);
    end if;
    ends_at := now + pg_catalog.make_interval(days => chosen.trial_days);
    -- One trial per user and plan: the primary key decides, also between two concurrent starts.
    insert into astapa.trials (project_id, user_id, plan_key, started_at, ends_at)
    values (project_id, user_id, chosen.key, now, ends_at)
    on conflict on constraint trials_pkey do nothing;
    if not found then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('User %s has already had a trial of plan %s.', user_id, chosen.key);
    end if;
    -- And one per address: a new account of the same mailbox or number (a deleted one's, a +tag, Gmail's dots)
    -- is refused, in the account's environment (sandbox and production accounts of one address are two). Only a
    -- verified address holds a trial against a verified account: an unverified record (anyone can type another
    -- person's address) is taken over by the first verified account of it, never the reverse. The unique key
    -- decides between two accounts starting at once; any address already held rolls the whole start back.
    with mine as (
      select * from astapa.user_trial_addresses(start_trial.project_id, start_trial.user_id)),
    kept as (
      insert into astapa.trial_addresses as held (project_id, environment, plan_key, address_digest, verified,
                                                  started_at, ends_at)
      select start_trial.project_id, user_environment, chosen.key, mine.address_digest, mine.verified, now, ends_at
      from mine
      on conflict on constraint trial_addresses_pkey do update
        set verified = true, started_at = excluded.started_at, ends_at = excluded.ends_at
        where excluded.verified and not held.verified
      returning 1)
    select (select count(*) from mine), (select count(*) from kept) into addresses, recorded;
    if recorded < addresses then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('The address of user %s has already had a trial of plan %s, on another account.',
          user_id, chosen.key);
    end if;
    started := api.assign_plan(project_id, user_id, chosen.key, 'trial', pg_catalog.tstzrange(now, ends_at));
    perform astapa.audit(project_id, 'subscription.trial_start', 'user:' || user_id,
      pg_catalog.jsonb_build_object('plan', chosen.key, 'trial_ends_at', ends_at));
    return started;
  end
  $$;

comment on function api.start_trial(text, bigint, text, timestamptz) is
  'Starts a free trial of a plan for a user, once per user, address and plan: a trialing subscription until now '
  '+ the plan''s trial_days (through api.assign_plan, source trial); the user''s mailbox and number recorded in '
  'astapa.trial_addresses under its environment (verified or not; a verified account takes over an unverified '
  'record). AS400 a plan without a trial, or a team plan (an organization''s); AS404 unknown, disabled or '
  'other-environment user; AS409 a second trial of the plan (by this account, or another of its address and '
  'environment that verified it or, for an unverified address, any), a guest, or the user already on a paid plan.';

grant execute on function api.start_trial(text, bigint, text, timestamptz) to astapa_app;

create or replace function api.user_trials(project_id text, user_id bigint) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    with own as (
      select t.plan_key, t.started_at, t.ends_at, false as other_account
      from astapa.trials as t
      where t.project_id = user_trials.project_id and t.user_id = user_trials.user_id),
    of_address as (
      -- The records api.start_trial would meet: a verified one, or any while this address is unverified.
      select distinct on (a.plan_key) a.plan_key, a.started_at, a.ends_at, true as other_account
      from astapa.user_trial_addresses(user_trials.project_id, user_trials.user_id) as mine
      join astapa.users as u on u.project_id = user_trials.project_id and u.id = user_trials.user_id
      join astapa.trial_addresses as a
        on a.project_id = user_trials.project_id and a.environment = u.environment
           and a.address_digest = mine.address_digest
      where (a.verified or not mine.verified)
        and a.plan_key not in (select own.plan_key from own)
      order by a.plan_key, a.started_at)
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'plan', t.plan_key, 'started_at', t.started_at, 'ends_at', t.ends_at, 'other_account', t.other_account)
        order by t.started_at), '[]')
    from (select * from own union all select * from of_address) as t
  $$;

comment on function api.user_trials(text, bigint) is
  'The trials a user had, oldest first: their own, and (other_account true) those another account of their '
  'address or number in their environment had. A plan listed here offers them no trial.';

grant execute on function api.user_trials(text, bigint) to astapa_app;
