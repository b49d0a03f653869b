-- Anonymous (guest) users (docs/anonymous-users.md): settings.anonymous_users, the sign-in that makes a guest, and
-- the sweep of guests who never came back.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

create or replace function astapa.anonymous_users_settings(settings jsonb) returns jsonb
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    -- The defaults stand for every key not stored (api.update_project_settings stores only what was set).
    select pg_catalog.jsonb_build_object(
      'enabled', coalesce(settings -> 'anonymous_users' -> 'enabled' = 'true'::jsonb, false),
      'sweep_after_days', coalesce((settings -> 'anonymous_users' ->> 'sweep_after_days')::integer, 30),
      'hourly_limit', coalesce((settings -> 'anonymous_users' ->> 'hourly_limit')::integer, 1000))
  $$;

comment on function astapa.anonymous_users_settings(jsonb) is
  'settings.anonymous_users with its defaults: {enabled (false), sweep_after_days (30: a guest with no refresh '
  'for that long is erased), hourly_limit (1000 new guests per project per hour)}.';

grant execute on function astapa.anonymous_users_settings(jsonb) to astapa_app;

create or replace function astapa.anonymous_users_settings_problem(value jsonb) returns text
  language plpgsql
  immutable
  set search_path = ''
  as $$
  declare
    key text;
    bounds jsonb := '{"sweep_after_days": [1, 365], "hourly_limit": [1, 100000]}';
  begin
    if pg_catalog.jsonb_typeof(value) <> 'object'
       or exists (select from pg_catalog.jsonb_object_keys(value) as k
                  where k not in ('enabled', 'sweep_after_days', 'hourly_limit')) then
      return 'anonymous_users takes enabled, sweep_after_days and hourly_limit only.';
    end if;
    -- A key given null returns to its default (api.update_project_settings merges anonymous_users key by key).
    if coalesce(value -> 'enabled', 'null') <> 'null'::jsonb
       and pg_catalog.jsonb_typeof(value -> 'enabled') <> 'boolean' then
      return 'anonymous_users.enabled must be true or false.';
    end if;
    for key in select pg_catalog.jsonb_object_keys(bounds) loop
      continue when coalesce(value -> key, 'null') = 'null'::jsonb;
      if pg_catalog.jsonb_typeof(value -> key) <> 'number'
         or (value ->> key)::numeric <> pg_catalog.trunc((value ->> key)::numeric)
         or (value ->> key)::numeric not between (bounds -> key ->> 0)::numeric and (bounds -> key ->> 1)::numeric then
        return pg_catalog.format('anonymous_users.%s must be a whole number from %s to %s.', key,
          bounds -> key ->> 0, bounds -> key ->> 1);
      end if;
    end loop;
    return null;
  end
  $$;

comment on function astapa.anonymous_users_settings_problem(jsonb) is
  'Why a value is refused for settings.anonymous_users ({enabled: boolean, sweep_after_days: 1–365, '
  'hourly_limit: 1–100000}, any of them, null for the default), or null.';

grant execute on function astapa.anonymous_users_settings_problem(jsonb) to astapa_app;

create or replace function api.anonymous_user_settings(project_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.anonymous_users_settings(p.settings) from astapa.projects p
    where p.id = anonymous_user_settings.project_id
  $$;

comment on function api.anonymous_user_settings(text) is
  'The project''s settings.anonymous_users with defaults (astapa.anonymous_users_settings); null when not visible.';

grant execute on function api.anonymous_user_settings(text) to astapa_app;

create or replace function api.update_anonymous_user_settings(project_id text, changes jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- The one setter of settings (validated, merged key by key, audited as project.settings).
    perform api.update_project_settings(project_id, pg_catalog.jsonb_build_object('anonymous_users', changes));
    return api.anonymous_user_settings(project_id);
  end
  $$;

comment on function api.update_anonymous_user_settings(text, jsonb) is
  'Changes some of settings.anonymous_users (a key given null returns to its default) through '
  'api.update_project_settings (AS400 with the reason; audited) and returns them with defaults.';

grant execute on function api.update_anonymous_user_settings(text, jsonb) to astapa_app;

create or replace function api.sign_in_anonymously(
  client_id text, address text, refresh_hash bytea, scope text default 'openid')
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project record;
    settings jsonb;
    wait integer;
    new_id bigint;
    family uuid := astapa.new_time_ordered_uuid();
    refresh_lookup_id uuid := astapa.new_time_ordered_uuid();
    policy record;
    refresh_expires timestamptz;
  begin
    select p.id, p.mode, p.client_id, p.settings into project from astapa.projects p
    where p.id = (select astapa.current_project_id()) and p.deleted_at is null;
    if not found or project.client_id is distinct from sign_in_anonymously.client_id then
      raise exception using errcode = 'AS4U0', message = 'Guests are made for the project''s own client only.';
    end if;
    settings := astapa.anonymous_users_settings(project.settings);
    if settings -> 'enabled' <> 'true'::jsonb then
      raise exception using errcode = 'AS4A0', message = 'Anonymous sign-ins are off for this project: '
        'turn on settings.anonymous_users.enabled first.';
    end if;
    -- A guest's tokens cannot carry a DPoP proof yet: a project that requires one of every grant makes no guests.
    if project.settings -> 'dpop' -> 'required' = 'true'::jsonb then
      raise exception using errcode = 'AS4U0',
        message = 'This project requires DPoP proofs of every grant; anonymous sign-ins cannot carry one.';
    end if;
    if refresh_hash is null or pg_catalog.length(refresh_hash) <> 32 then
      raise exception using errcode = 'AS400', message = 'refresh_hash must be a SHA-256 digest.';
    end if;
    perform astapa.assert_grant_target(scope, null);
    -- 30 guests an hour from one address, an IPv6 one's /64 (shared by every instance), then Retry-After.
    wait := api.rate_limit_hit('anonymous:' || project.id || ':' || coalesce(astapa.address_bucket(address), ''),
                               30, 3600);
    if wait > 0 then
      raise exception using errcode = 'AS429', hint = wait::text,
        message = 'Too many guests from this address: try again later.';
    end if;
    -- The project's cap on new guests an hour, counted exactly: one maker at a time per project.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('anonymous:' || project.id, 0));
    if (select count(*) from astapa.users u
        where u.project_id = project.id and u.is_anonymous
          and u.created_at > pg_catalog.now() - interval '1 hour') >= (settings ->> 'hourly_limit')::integer then
      raise exception using errcode = 'AS429', hint = '60',
        message = 'This project made as many guests as it allows in an hour (settings.anonymous_users.hourly_limit).';
    end if;
    new_id := astapa.insert_user(project.id, project.mode, null, false, null, is_anonymous => true);
    update astapa.users u set last_sign_in_at = pg_catalog.now() where u.project_id = project.id and u.id = new_id;
    perform astapa.audit(project.id, 'user.create', 'user:' || new_id,
      pg_catalog.jsonb_build_object('environment', project.mode, 'is_anonymous', true));
    select * into policy from astapa.token_lifetimes(project.settings);
    refresh_expires := pg_catalog.now() + pg_catalog.make_interval(secs => policy.refresh_ttl);
    insert into astapa.refresh_tokens (
      project_id, lookup_id, token_hash, family_id, user_id, client_id, scope, auth_time, expires_at, amr)
    values (project.id, refresh_lookup_id, refresh_hash, family, new_id, project.client_id, coalesce(scope, ''),
            pg_catalog.now(), refresh_expires, '{anon}');
    return astapa.grant_result(new_id, scope, null, pg_catalog.now(), null, refresh_expires, policy.access_ttl)
      || pg_catalog.jsonb_build_object('amr', pg_catalog.to_jsonb('{anon}'::text[]),
                                       'refresh_token_id', refresh_lookup_id);
  end
  $$;

comment on function api.sign_in_anonymously(text, text, bytea, text) is
  'Makes a guest of the current project (settings.anonymous_users on, else AS4A0; AS4U0 for another client or a '
  'project that requires DPoP): a user with no email, phone nor password in the project''s mode '
  '(is_anonymous; user.created; audited user.create {is_anonymous}), and starts its refresh-token family as a code '
  'redemption does (amr {anon}, scope as asked, the project''s own). At most 30 guests an hour from one address '
  'and settings.anonymous_users.hourly_limit a project: AS429 with the wait as HINT. Returns the grant''s claims '
  '(astapa.grant_result, with is_anonymous: true).';

grant execute on function api.sign_in_anonymously(text, text, bytea, text) to astapa_app;

drop policy if exists "the sweeper finds guests who never came back" on astapa.users;
create policy "the sweeper finds guests who never came back" on astapa.users
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on' and is_anonymous);

drop policy if exists "the sweeper reads how long each project keeps its guests" on astapa.projects;
create policy "the sweeper reads how long each project keeps its guests" on astapa.projects
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on' and settings ? 'anonymous_users');

create or replace function astapa.sweep_abandoned_guests() returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    guest record;
    swept integer := 0;
  begin
    if pg_catalog.current_setting('astapa.sweep_grants', true) is distinct from 'on' then
      raise exception using errcode = 'AS403', message = 'Guests are swept by api.sweep_grants only.';
    end if;
    -- Guests older than their project's sweep_after_days (30 for a project whose row is not visible here: one
    -- that never set anonymous_users) with no refresh token issued since, erased as a deletion is (user.deleted,
    -- audited by the sweeper), acting for the project the while. A guest with a subscription (a trial too), a
    -- checkout, a payment method still linked (the guest chose to pay: not abandoned) or an organization membership
    -- (it may be an organization's only owner) is kept: money, plans and teams are never lost to a sweep; the app
    -- deletes such a guest itself. Those kept are passed over (the cursor reads on), so they never hold back the
    -- 1000 a run erases.
    for guest in
      select due.project_id, due.id, due.cutoff from (
        select u.project_id, u.id, u.created_at,
               pg_catalog.now() - pg_catalog.make_interval(days =>
                 (astapa.anonymous_users_settings(p.settings) ->> 'sweep_after_days')::integer) as cutoff
        from astapa.users u left join astapa.projects p on p.id = u.project_id
        where u.is_anonymous and u.deleted_at is null) as due
      where due.created_at < due.cutoff
        and not exists (select from astapa.refresh_tokens r
                        where r.project_id = due.project_id and r.user_id = due.id and r.revoked_at is null
                          and r.created_at >= due.cutoff)
      order by due.created_at
    loop
      exit when swept >= 1000;
      perform pg_catalog.set_config('astapa.project_id', guest.project_id, true);
      -- The guest's row locked, then everything asked again: a sign-up (its row lock), a checkout, a refresh or a
      -- link (their foreign keys' share lock) that committed while this waited keeps the guest, where the cursor's
      -- older answer would have erased an account that had just signed up or paid.
      perform from astapa.users u
      where u.project_id = guest.project_id and u.id = guest.id and u.is_anonymous and u.deleted_at is null
      for update of u;
      if found
         and not exists (select from astapa.refresh_tokens r
                         where r.project_id = guest.project_id and r.user_id = guest.id and r.revoked_at is null
                           and r.created_at >= guest.cutoff)
         and not exists (select from astapa.subscriptions s
                         where s.project_id = guest.project_id and s.user_id = guest.id)
         and not exists (select from astapa.checkouts k where k.project_id = guest.project_id and k.user_id = guest.id)
         and not exists (select from astapa.linked_methods m
                         where m.project_id = guest.project_id and m.user_id = guest.id
                           and m.status in ('requires_action', 'active'))
         and not exists (select from astapa.organization_memberships o
                         where o.project_id = guest.project_id and o.user_id = guest.id)
         and astapa.erase_user(guest.id, 'sweeper') then
        swept := swept + 1;
      end if;
      perform pg_catalog.set_config('astapa.project_id', '', true);
    end loop;
    return swept;
  end
  $$;

comment on function astapa.sweep_abandoned_guests() is
  'Erases (astapa.erase_user, by sweeper) up to 1000 guests older than their project''s '
  'settings.anonymous_users.sweep_after_days with no refresh token issued since, and no subscription, checkout, '
  'live linked payment method nor organization membership (asked again under the guest''s row lock, so a sign-up, '
  'payment or refresh that commits meanwhile keeps the guest); returns how many. Only inside api.sweep_grants '
  '(its owner-only policies show every project''s guests); AS403 elsewhere.';

grant execute on function astapa.sweep_abandoned_guests() to astapa_app;

create or replace function astapa.lock_guest(project_id text, guest_id bigint) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    mode text := astapa.require_project(project_id);
  begin
    -- The guest's row, locked: of two sign-ups of one guest at once, the second waits and finds a user.
    perform from astapa.users u
    where u.project_id = lock_guest.project_id and u.id = lock_guest.guest_id and u.is_anonymous
      and not u.disabled and u.deleted_at is null and u.environment = mode
    for update of u;
    -- A guest's only way back is its refresh token: once the app signed the guest out (every token revoked or
    -- expired), an ID token it handed out earlier (still unexpired, held on a shared device) names a guest no one
    -- holds any more, whose sub, plan and payments must not take the address of whoever typed one. An
    -- impersonation's tokens are support's, not the guest's.
    if found and not exists (select from astapa.refresh_tokens r
                             where r.project_id = lock_guest.project_id and r.user_id = lock_guest.guest_id
                               and r.revoked_at is null and r.expires_at > pg_catalog.now()
                               and r.impersonation_id is null) then
      raise exception using errcode = 'AS4A1',
        message = 'This guest was signed out: its app makes a new guest, or you sign in to your account.';
    end if;
    if not found then
      raise exception using errcode = 'AS4A1',
        message = 'This guest has signed up already or is gone: sign in to the account instead.';
    end if;
  end
  $$;

comment on function astapa.lock_guest(text, bigint) is
  'Locks a guest''s row for its sign-up (astapa.convert_guest): AS4A1 when the user '
  'is no longer a guest (signed up already, erased, disabled, another environment''s) or unknown, or when the '
  'guest was signed out (no refresh token of its own left unrevoked and unexpired).';

grant execute on function astapa.lock_guest(text, bigint) to astapa_app;

create or replace function astapa.signing_up_guest() returns bigint
  language sql
  stable
  set search_path = ''
  as $$
    -- Set by db/client.ts (signUpContext) only from an id_token_hint the hosted login checked
    -- (lib/login/guest_hint.ts).
    select nullif(pg_catalog.current_setting('astapa.sign_up_guest', true), '')::bigint
  $$;

comment on function astapa.signing_up_guest() is
  'The guest a hosted-login sign-up keeps (astapa.sign_up_guest, set by db/client.ts from a checked '
  'id_token_hint with prompt=create; docs/anonymous-users.md), or null: whose row the sign-up''s new account is.';

grant execute on function astapa.signing_up_guest() to astapa_app;

create or replace function astapa.convert_guest(project_id text, guest_id bigint, email text, email_verified boolean,
                                                phone_number text, provider text, password_hash text default null)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    mode text;
  begin
    perform astapa.lock_guest(project_id, guest_id);
    begin
      -- A phone number comes only from a code sent to it: verified, as a phone sign-up's new user's is. A guest
      -- has no password: a password sign-up's comes in the same write. The guest's environment (the project's
      -- mode, as astapa.lock_guest checked) comes back for the audit.
      update astapa.users u
      set email = convert_guest.email, email_verified = coalesce(convert_guest.email_verified, false),
          phone_number = convert_guest.phone_number, phone_number_verified = convert_guest.phone_number is not null,
          password_hash = convert_guest.password_hash, is_anonymous = false,
          legal_accepted_at = astapa.legal_accepted_now()
      where u.project_id = convert_guest.project_id and u.id = guest_id
      returning u.environment into mode;
    exception when unique_violation then
      -- As api.create_user says it, so the hosted login answers as for any sign-up (never which account).
      raise exception using errcode = 'AS409', message = case when convert_guest.email is null
        then 'A user with this phone number already exists in this project.'
        else 'A user with this email already exists in this project.' end;
    end;
    perform astapa.audit(project_id, 'user.converted', 'user:' || guest_id,
      pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('environment', mode, 'provider', provider)));
  end
  $$;

comment on function astapa.convert_guest(text, bigint, text, boolean, text, text, text) is
  'The one step of every guest''s sign-up (docs/anonymous-users.md): the guest''s row, locked (astapa.lock_guest: '
  'AS4A1 when no longer a guest), gets the address or the number (the number verified) and a password sign-up''s '
  'password_hash, and stops being a guest: same sub, plan and payments (user.updated; audited user.converted '
  '{environment, provider: how, none for a password}). AS409 when the address or number is taken, changing '
  'nothing. The caller checks the sign-up rules.';

grant execute on function astapa.convert_guest(text, bigint, text, boolean, text, text, text) to astapa_app;

create or replace function astapa.sign_up_with_proven_email(project_id text, email text, provider text)
  returns bigint
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    guest bigint := astapa.signing_up_guest();
  begin
    if guest is null then
      return (api.create_user(project_id, email, null, true) ->> 'id')::bigint;
    end if;
    perform astapa.assert_email(pg_catalog.btrim(email));
    perform astapa.convert_guest(project_id, guest, pg_catalog.btrim(email), true, null, provider);
    return guest;
  end
  $$;

comment on function astapa.sign_up_with_proven_email(text, text, text) is
  'The account a sign-up whose address is proven makes (a mailed code answered: email codes, passkey sign-ups; '
  'the organization''s IdP: SSO; provider says which): the guest the request keeps (astapa.signing_up_guest, '
  'converted with the address verified), else a new verified user (api.create_user). AS409 when the address is '
  'taken. The caller checks the sign-up rules.';

grant execute on function astapa.sign_up_with_proven_email(text, text, text) to astapa_app;

create or replace function api.sign_up_guest(project_id text, guest_id bigint, email text, password_hash text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- The same checks, in the same order, as api.sign_up_user: the answer does not depend on whether an account
    -- has the address.
    perform astapa.assert_sso_not_required(project_id, email);
    perform astapa.assert_sign_up_allowed(project_id, pg_catalog.btrim(email));
    perform astapa.assert_email(pg_catalog.btrim(email));
    if password_hash is null or password_hash !~ '^\$argon2id\$' then
      raise exception using errcode = 'AS400', message = 'Password hashes must be argon2id.';
    end if;
    perform astapa.convert_guest(project_id, guest_id, pg_catalog.btrim(email), false, null, null, password_hash);
    return astapa.user_json(project_id, guest_id);
  end
  $$;

comment on function api.sign_up_guest(text, bigint, text, text) is
  'A guest signs up with a password on the hosted login (docs/anonymous-users.md): api.sign_up_user''s checks '
  '(enforced SSO, settings.sign_up), then the guest''s own row (locked) gets the address (unverified) and the '
  'password and stops being a guest: same sub, plan and payments (user.updated; audited user.converted). AS4A1 '
  'when the user is no longer a guest (signed up already, erased, disabled, another environment''s) or unknown; '
  'AS409 when the address is taken, changing nothing.';

grant execute on function api.sign_up_guest(text, bigint, text, text) to astapa_app;

create or replace function api.sign_up_guest_with_identity(guest_id bigint, provider text, subject text, email text,
                                                           email_verified boolean)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    mode text := astapa.require_project(project);
    clean_email text := pg_catalog.btrim(email);
  begin
    if provider is null or provider not in ('google', 'github', 'apple', 'microsoft') then
      raise exception using errcode = 'AS400', message = 'A guest signs up with google, github, apple or microsoft.';
    end if;
    -- The same lock as api.sign_in_with_identity's: a first sign-in of this identity elsewhere waits, or wins.
    perform pg_catalog.pg_advisory_xact_lock(
      pg_catalog.hashtextextended(project || ' ' || provider || ' ' || subject, 0));
    -- An identity someone has, or an address an account has: the ordinary social sign-in (its account, never
    -- the guest; the app gets that sub and moves the guest's data itself).
    if clean_email is null
       or exists (select from astapa.identities i
                  where i.project_id = project and i.provider = sign_up_guest_with_identity.provider
                    and i.subject = sign_up_guest_with_identity.subject)
       or exists (select from astapa.users u
                  where u.project_id = project and u.environment = mode
                    and u.email_lower = pg_catalog.lower(clean_email)) then
      return api.sign_in_with_identity(provider, subject, email, email_verified);
    end if;
    -- A new identity and address: api.sign_in_with_identity's checks for a new user, then the guest's own row.
    perform astapa.assert_sso_not_required(project, clean_email);
    perform astapa.assert_email(clean_email);
    perform astapa.assert_sign_up_allowed(project, clean_email);
    perform astapa.convert_guest(project, guest_id, clean_email, sign_up_guest_with_identity.email_verified, null,
      provider);
    insert into astapa.identities (project_id, provider, subject, user_id, email)
    values (project, sign_up_guest_with_identity.provider, sign_up_guest_with_identity.subject, guest_id,
            clean_email);
    perform astapa.audit(project, 'user.identity_link', 'user:' || guest_id,
      pg_catalog.jsonb_build_object('provider', provider, 'created', true));
    return pg_catalog.jsonb_build_object('user_id', guest_id::text, 'created', true, 'linked', false);
  end
  $$;

comment on function api.sign_up_guest_with_identity(bigint, text, text, text, boolean) is
  'A guest signs up with Google, GitHub, Apple or Microsoft (docs/anonymous-users.md): a new identity with an '
  'address no account has goes onto the guest''s own row (astapa.convert_guest; the address verified as the provider says; '
  'audited user.converted and user.identity_link), after api.sign_in_with_identity''s checks for a new user. '
  'An identity or address someone has already is api.sign_in_with_identity itself (that account, never the '
  'guest). AS4A1 when the user is no longer a guest. Returns {user_id, created, linked}.';

grant execute on function api.sign_up_guest_with_identity(bigint, text, text, text, boolean) to astapa_app;
