-- Users and identities.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own users" on astapa.users;
create policy "a project reads its own users" on astapa.users
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds its own users" on astapa.users;
create policy "a project adds its own users" on astapa.users
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project updates its own users" on astapa.users;
create policy "a project updates its own users" on astapa.users
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own identities" on astapa.identities;
create policy "a project reads its own identities" on astapa.identities
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project links identities to its own users" on astapa.identities;
create policy "a project links identities to its own users" on astapa.identities
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project unlinks its own identities" on astapa.identities;
create policy "a project unlinks its own identities" on astapa.identities
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create or replace function astapa.has_usable_passkey(project_id text, user_id bigint) returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    -- A passkey signs its person in (and meets the second step) while the project offers passkeys and the key is
    -- not marked cloned (api.use_passkey refuses those).
    select exists (select from astapa.passkeys k
                   where k.project_id = has_usable_passkey.project_id and k.user_id = has_usable_passkey.user_id
                     and k.cloned_at is null)
      and coalesce((select p.settings -> 'passkeys' = 'true'::jsonb from astapa.projects p
                    where p.id = has_usable_passkey.project_id), false)
  $$;

comment on function astapa.has_usable_passkey(text, bigint) is
  'Whether the user holds a passkey that works now: one not marked cloned, in a project that offers passkeys. '
  'The one rule for a passkey as a second factor (astapa.second_factor_kinds) and as a way in '
  '(api.unlink_sign_in_method never removes the last one).';

grant execute on function astapa.has_usable_passkey(text, bigint) to astapa_app;

create or replace function astapa.second_factor_kinds(project_id text, user_id bigint,
  phone_settings jsonb default null)
  returns text[]
  language sql
  stable
  set search_path = ''
  as $$
    -- One definition of "has a second factor" for the sign-in policy, mfa_enrolled, /account and the dashboard:
    -- each kind counts only while the project lets it meet the challenge on /auth/mfa.
    -- The phone counts by astapa.phone_second_factor, so not with the MFA policy off, as it is neither turned
    -- on nor offered then; read only for someone with a phone factor (user_json runs this for every user).
    select pg_catalog.array_remove(array[
      case when astapa.has_usable_passkey(u.project_id, u.id) then 'passkey' end,
      case when exists (select from astapa.user_factors f
          where f.project_id = u.project_id and f.user_id = u.id and f.kind = 'phone' and f.confirmed_at is not null)
        and u.phone_number is not null and u.phone_number_verified
        then case when astapa.phone_second_factor(u.project_id, second_factor_kinds.phone_settings)
          then 'phone' end end,
      case when exists (select from astapa.user_factors f
          where f.project_id = u.project_id and f.user_id = u.id and f.kind = 'totp' and f.confirmed_at is not null)
        then 'totp' end], null)
    from astapa.users as u
    where u.project_id = second_factor_kinds.project_id and u.id = second_factor_kinds.user_id
  $$;

comment on function astapa.second_factor_kinds(text, bigint, jsonb) is
  'The second factors a user can present now, sorted: passkey (one not marked cloned, where the project offers '
  'passkeys), phone (a phone factor, a verified number, and astapa.phone_second_factor, judged on phone_settings '
  'when the caller read them), totp (a confirmed app). Empty: no second factor. Null for an unknown user.';

grant execute on function astapa.second_factor_kinds(text, bigint, jsonb) to astapa_app;

create or replace function astapa.user_json(project_id text, user_id bigint) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'id', u.id::text, 'email', u.email, 'email_verified', u.email_verified,
      'phone_number', u.phone_number, 'phone_number_verified', u.phone_number_verified, 'disabled', u.disabled,
      'environment', u.environment, 'created_at', u.created_at, 'last_sign_in_at', u.last_sign_in_at,
      'legal_accepted_at', u.legal_accepted_at,
      'mfa_enrolled', pg_catalog.cardinality(astapa.second_factor_kinds(u.project_id, u.id)) > 0,
      'name', u.name, 'given_name', u.given_name, 'family_name', u.family_name, 'picture', u.picture,
      'locale', u.locale, 'nickname', u.nickname, 'middle_name', u.middle_name,
      'preferred_username', u.preferred_username, 'website', u.website, 'zoneinfo', u.zoneinfo,
      'birthdate', u.birthdate, 'gender', u.gender, 'profile_updated_at', u.profile_updated_at,
      'is_anonymous', u.is_anonymous)
    from astapa.users as u
    where u.project_id = user_json.project_id and u.id = user_json.user_id and u.deleted_at is null
  $$;

comment on function astapa.user_json(text, bigint) is
  'A user as the API returns it (id as a string, the JWT sub; never the password hash; mfa_enrolled: has a '
  'second factor, astapa.second_factor_kinds; email or phone_number may be null, both only for a guest, '
  'is_anonymous; legal_accepted_at: when the person agreed to the terms at sign-up, or null; the profile fields, '
  'null when unset); null when not visible or deleted (a tombstone, api.delete_own_account).';

grant execute on function astapa.user_json(text, bigint) to astapa_app;

create or replace function astapa.assert_email(email text) returns void
  language plpgsql
  immutable
  set search_path = ''
  as $$
  begin
    if email is null or pg_catalog.length(email) > 254 or email !~ '^[^@\s]+@[^@\s]+$' then
      raise exception using errcode = 'AS400', message = 'An email address looks like name@example.com.';
    end if;
  end
  $$;

comment on function astapa.assert_email(text) is 'Raises AS400 unless the text looks like an email address.';

grant execute on function astapa.assert_email(text) to astapa_app;

create or replace function astapa.insert_user(project_id text, environment text, email text,
                                              email_verified boolean, password_hash text,
                                              external_id text default null,
                                              created_at timestamptz default null,
                                              profile jsonb default null,
                                              is_anonymous boolean default false,
                                              legal_accepted_at timestamptz default null) returns bigint
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    new_id bigint;
    violated text;
  begin
    -- Two users created in the same millisecond draw the same 22 random bits once in about four million
    -- pairs (an import creates thousands a second): that id clash is drawn again; any other is the caller's.
    for attempt in 1..5 loop
      begin
        if external_id is null and created_at is null and profile is null and legal_accepted_at is null then
          -- The app role may insert only these columns (an import, which sets the others, runs as the owner).
          -- A hosted-login sign-up whose person agreed to the terms records when (astapa.legal_accepted_now).
          insert into astapa.users (project_id, email, email_verified, password_hash, environment, is_anonymous,
                                    legal_accepted_at)
          values (project_id, email, email_verified, password_hash, environment, is_anonymous,
                  astapa.legal_accepted_now())
          returning id into new_id;
        else
          -- profile: an import's (db/api/profile.sql's stored values), in the row user.created describes.
          insert into astapa.users (project_id, email, email_verified, password_hash, environment, external_id,
                                    created_at, name, given_name, family_name, picture, locale, nickname,
                                    middle_name, preferred_username, website, zoneinfo, birthdate, gender,
                                    profile_updated_at, legal_accepted_at)
          values (project_id, email, email_verified, password_hash, environment, external_id,
                  coalesce(created_at, pg_catalog.now()), profile ->> 'name', profile ->> 'given_name',
                  profile ->> 'family_name', profile ->> 'picture', profile ->> 'locale', profile ->> 'nickname',
                  profile ->> 'middle_name', profile ->> 'preferred_username', profile ->> 'website',
                  profile ->> 'zoneinfo', profile ->> 'birthdate', profile ->> 'gender',
                  case when profile is not null then pg_catalog.now() end, legal_accepted_at)
          returning id into new_id;
        end if;
        return new_id;
      exception when unique_violation then
        get stacked diagnostics violated = constraint_name;
        if violated is distinct from 'users_pkey' or attempt = 5 then
          raise;
        end if;
      end;
    end loop;
  end
  $$;

comment on function astapa.insert_user(text, text, text, boolean, text, text, timestamptz, jsonb, boolean, timestamptz) is
  'The one place a user row is inserted: returns the new id, drawing it again when it clashes with an '
  'existing one (users_pkey); any other unique violation (the email) is raised to the caller unchanged. '
  'external_id, created_at and profile (name … locale, as stored) need the owner''s rights (api.import_users); '
  'is_anonymous: a guest, with no email, phone nor password (api.sign_in_anonymously). legal_accepted_at: an '
  'import''s (owner''s rights); otherwise a hosted-login sign-up''s consent sets it (astapa.legal_accepted_now).';

grant execute on function astapa.insert_user(text, text, text, boolean, text, text, timestamptz, jsonb, boolean, timestamptz) to astapa_app;

create or replace function api.create_user(project_id text, email text, password_hash text default null,
                                email_verified boolean default false) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    mode text := astapa.require_project(project_id);
    new_id bigint;
  begin
    perform astapa.assert_email(pg_catalog.btrim(email));
    if password_hash is not null and password_hash !~ '^\$argon2id\$' then
      raise exception using errcode = 'AS400', message = 'Password hashes must be argon2id.';
    end if;
    begin
      new_id := astapa.insert_user(project_id, mode, pg_catalog.btrim(email), email_verified, password_hash);
    exception when unique_violation then
      raise exception using errcode = 'AS409', message = 'A user with this email already exists in this project.';
    end;
    perform astapa.audit(project_id, 'user.create', 'user:' || new_id, pg_catalog.jsonb_build_object('environment', mode));
    return astapa.user_json(project_id, new_id);
  end
  $$;

comment on function api.create_user(text, text, text, boolean) is
  'Creates a user in the project''s current environment; AS409 when the email (in any case) is taken there. '
  'The row is inserted by astapa.insert_user, which draws a clashing id again.';

grant execute on function api.create_user(text, text, text, boolean) to astapa_app;

create or replace function api.find_user_by_email(project_id text, email text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.user_json(u.project_id, u.id)
    from astapa.users as u
    join astapa.projects as p on p.id = u.project_id and p.mode = u.environment
    where u.project_id = find_user_by_email.project_id
      and u.email_lower = pg_catalog.lower(pg_catalog.btrim(find_user_by_email.email))
  $$;

comment on function api.find_user_by_email(text, text) is
  'The user with this email (any case) in the project''s current environment, or null.';

grant execute on function api.find_user_by_email(text, text) to astapa_app;

create or replace function api.get_user(project_id text, user_id bigint) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    found jsonb := astapa.user_json(project_id, user_id);
  begin
    if found is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    return found;
  end
  $$;

comment on function api.get_user(text, bigint) is 'The user, or AS404 (also for another project''s user, by RLS).';

grant execute on function api.get_user(text, bigint) to astapa_app;

create or replace function api.list_users(project_id text, page_size integer default 100, after_id bigint default 0)
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    perform astapa.require_project(project_id);
    if page_size not between 1 and 1000 then
      raise exception using errcode = 'AS400', message = 'A page holds 1 to 1000 users.';
    end if;
    return coalesce((
      select pg_catalog.jsonb_agg(astapa.user_json(page.project_id, page.id) order by page.id)
      -- A passkey sign-up that never stored its passkey (nor signed in otherwise) is no user yet (migration 4070).
      from (select u.project_id, u.id from astapa.users as u
            where u.project_id = list_users.project_id and u.id > coalesce(after_id, 0) and u.deleted_at is null
              and (u.awaiting_passkey_since is null or u.last_sign_in_at is not null)
            order by u.id limit page_size) as page), '[]');
  end
  $$;

comment on function api.list_users(text, integer, bigint) is
  'A page of the project''s users (every environment) in id order, after after_id, without unfinished passkey '
  'sign-ups (users.awaiting_passkey_since); AS404 for an unknown project.';

grant execute on function api.list_users(text, integer, bigint) to astapa_app;

create or replace function astapa.void_ways_back(user_id bigint, sign_out boolean default true,
  reason text default 'revoked_by_admin') returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    sessions integer := 0;
    refresh_tokens integer := 0;
    authorization_codes integer;
    device_authorizations integer;
    email_changes integer;
    mfa_challenges integer;
    impersonation_links integer;
  begin
    -- The user's row first, for update, once; then the rows below, never the other way round. Whatever makes one
    -- of these ways holds that row before its own: a session or refresh token being created (its foreign key's
    -- key share), a rotation, a code redemption and astapa.hold_live_login_session (key share), a confirmation of
    -- an address change (no key update). So each committed before the scans below, which end or void what it
    -- made, or it waits for this transaction and finds its session ended or its row void. A device poll that
    -- holds its device row takes the user's row skip locked and never waits for it (api.poll_device_authorization).
    perform from astapa.users u
    where u.project_id = (select astapa.current_project_id()) and u.id = void_ways_back.user_id
    for update of u;
    -- A disable (sign_out false) ends neither: its sessions and refresh tokens are refused while the user is
    -- disabled and live again after a re-enable, as they were before it.
    if sign_out then
      -- The revocation POST /api/platform/revoke performs (api.revoke_user_refresh_tokens), the row already held;
      -- an erasure records its own reason (user_disabled, as it always had: astapa.erase_user). Before the
      -- sessions end, so that their trigger (astapa.end_session_grants) finds none left to revoke as session_ended.
      with revoked as (
        update astapa.refresh_tokens r set revoked_at = pg_catalog.now(), revoked_reason = void_ways_back.reason
        where r.project_id = (select astapa.current_project_id()) and r.user_id = void_ways_back.user_id
          and r.revoked_at is null
        returning 1)
      select pg_catalog.count(*)::integer into refresh_tokens from revoked;
      -- Each session's end queues its logout tokens (astapa.end_session_grants).
      with ended as (
        update astapa.login_sessions s set ended_at = pg_catalog.now()
        where s.project_id = (select astapa.current_project_id()) and s.user_id = void_ways_back.user_id
          and s.ended_at is null
        returning 1)
      select pg_catalog.count(*)::integer into sessions from ended;
    else
      -- A disable keeps the sessions, but the apps are told to end theirs (Back-Channel Logout 1.0): nobody may
      -- use them while the user is disabled, and a re-enable lets the person sign in to them again.
      perform astapa.queue_backchannel_logouts(s.public_id, s.user_id) from astapa.login_sessions s
      where s.project_id = (select astapa.current_project_id()) and s.user_id = void_ways_back.user_id
        and s.ended_at is null and s.expires_at > pg_catalog.now();
    end if;
    -- A code issued to one of those sessions a moment ago would still start a refresh token within its 60 s.
    -- Redeemed without a refresh family: what api.redeem_authorization_code answers invalid_grant for, revoking
    -- nothing. Kept, not deleted: the sweeper removes them with the rest a day after they expire.
    with void as (
      update astapa.authorization_codes c set redeemed_at = pg_catalog.now()
      where c.project_id = (select astapa.current_project_id()) and c.user_id = void_ways_back.user_id
        and c.redeemed_at is null and c.expires_at > pg_catalog.now()
      returning 1)
    select pg_catalog.count(*)::integer into authorization_codes from void;
    -- A device approved in one of them would get a refresh token at its next poll; voided, the poll answers
    -- access_denied. The reverse of the poll's order (device row, then user) without a cycle: a poll redeeming an
    -- approved row takes the user's row skip locked, and a replay holds a redeemed row, which this never locks.
    -- Pending requests carry no user until approved, and approving takes a live session checked under the user's
    -- row lock (api.decide_device_authorization): one after this comes from a fresh sign-in. Kept, not deleted:
    -- who approved stays on the row until it expires (30 minutes at most) and is swept.
    with void as (
      update astapa.device_authorizations a set status = 'voided'
      where a.project_id = (select astapa.current_project_id()) and a.user_id = void_ways_back.user_id
        and a.status = 'approved' and a.expires_at > pg_catalog.now()
      returning 1)
    select pg_catalog.count(*)::integer into device_authorizations from void;
    -- An address change asked for from one of them (whoever held the password) would move the account to that
    -- mailbox within the hour, and every later reset with it; voided, its link reads as used.
    with void as (
      update astapa.email_changes e set used_at = pg_catalog.now()
      where e.project_id = (select astapa.current_project_id()) and e.user_id = void_ways_back.user_id
        and e.used_at is null and e.expires_at > pg_catalog.now()
      returning 1)
    select pg_catalog.count(*)::integer into email_changes from void;
    -- A second step begun before (a sign-in's, after the password it followed, or a step-up's) would still end
    -- in a new session for its 10 minutes: met with the factor, or where a person with none sets one up.
    with void as (
      update astapa.mfa_challenges m set used_at = pg_catalog.now()
      where m.project_id = (select astapa.current_project_id()) and m.user_id = void_ways_back.user_id
        and m.used_at is null and m.expires_at > pg_catalog.now()
      returning 1)
    select pg_catalog.count(*)::integer into mfa_challenges from void;
    -- Support's link not yet opened would start a session within its 5 minutes after a sign-out everywhere, a
    -- reset or a disable: it ends (its page says the link no longer works). One already opened ended above with
    -- its session (astapa.end_session_grants ends the impersonation), or, on a disable, stays with it, refused
    -- while the user is disabled. An opening under way holds the user's row for key share first
    -- (api.open_impersonation): it committed before this, and its session ended above, or finds its link ended.
    with ended as (
      update astapa.impersonations i set ended_at = pg_catalog.now()
      where i.project_id = (select astapa.current_project_id()) and i.user_id = void_ways_back.user_id
        and i.opened_at is null and i.ended_at is null and i.link_expires_at > pg_catalog.now()
      returning 1)
    select pg_catalog.count(*)::integer into impersonation_links from ended;
    return pg_catalog.jsonb_build_object('sessions', sessions, 'refresh_tokens', refresh_tokens,
      'authorization_codes', authorization_codes, 'device_authorizations', device_authorizations,
      'email_changes', email_changes, 'mfa_challenges', mfa_challenges, 'impersonation_links', impersonation_links);
  end
  $$;

comment on function astapa.void_ways_back(bigint, boolean, text) is
  'Closes every way back into a user''s account in the current project, for the five that end them all '
  '(api.sign_out_everywhere, api.reset_password, astapa.claim_unproven_account, api.disable_user, '
  'astapa.erase_user): ends every login session and revokes every refresh token (reason revoked_by_admin, as '
  'api.revoke_user_refresh_tokens; an erasure passes user_disabled), '
  'and voids every unredeemed authorization code (a redemption answers invalid_grant), every approved device '
  'authorization not yet polled (status voided: the poll answers access_denied), every pending address change '
  '(its link reads as used), every open second-step challenge, a sign-in''s or a step-up''s (used_at set), and '
  'every impersonation link not yet opened (ended_at set; one opened ends with its session). '
  'sign_out false (a disable) keeps the sessions and refresh tokens, refused while the user is disabled, and '
  'queues logout tokens for the apps its live sessions signed in to (astapa.queue_backchannel_logouts). Returns '
  'the counts {sessions, refresh_tokens, authorization_codes, device_authorizations, email_changes, '
  'mfa_challenges, impersonation_links} for the caller''s audit entry. Locks the user''s row for update first, then the '
  'rows it ends.';

grant execute on function astapa.void_ways_back(bigint, boolean, text) to astapa_app;

create or replace function astapa.end_sessions_started_while_disabled(project_id text, user_id bigint)
  returns integer
  language sql
  volatile
  set search_path = ''
  as $$
    with ended as (
      update astapa.login_sessions s set ended_at = pg_catalog.now()
      where s.project_id = end_sessions_started_while_disabled.project_id
        and s.user_id = end_sessions_started_while_disabled.user_id
        and s.started_while_disabled and s.ended_at is null
      returning 1)
    select pg_catalog.count(*)::integer from ended
  $$;

comment on function astapa.end_sessions_started_while_disabled(text, bigint) is
  'For a re-enable (api.disable_user, an import row): ends the user''s sessions that started while they were '
  'disabled (api.start_login_session marks them; inert until now), so the re-enable gives back only the sessions '
  'the user had before the disable. Returns how many it ended. The caller holds the user''s row.';

grant execute on function astapa.end_sessions_started_while_disabled(text, bigint) to astapa_app;

create or replace function api.disable_user(project_id text, user_id bigint, disabled boolean default true) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    counts jsonb := '{}';
  begin
    -- The user's row first, for update, as astapa.void_ways_back takes it: a redemption under way holds it for
    -- key share and then updates it (last_sign_in_at), so a plain update here (no key update) and a for update
    -- taken later could each wait for the other.
    -- An erased user (astapa.erase_user) is a tombstone, disabled for good: not found here, so no re-enable
    -- makes its row a live account again.
    perform from astapa.users as u
    where u.project_id = disable_user.project_id and u.id = disable_user.user_id and u.deleted_at is null
    for update of u;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    update astapa.users as u set disabled = disable_user.disabled
    where u.project_id = disable_user.project_id and u.id = disable_user.user_id;
    -- A disabled user's codes and challenges are refused anyway; void, they stay refused after a re-enable within
    -- their lifetime (minutes), as do the approved devices and the address changes. The sessions and refresh
    -- tokens are refused while disabled and kept (sign_out false): a re-enable gives them back — but not a
    -- session started while disabled (api.start_login_session marks it): nobody was let in then, so it ends.
    if disable_user.disabled then
      counts := astapa.void_ways_back(disable_user.user_id, sign_out => false);
    else
      counts := pg_catalog.jsonb_build_object('sessions',
        astapa.end_sessions_started_while_disabled(disable_user.project_id, disable_user.user_id));
    end if;
    perform astapa.audit(project_id, case when disabled then 'user.disable' else 'user.enable' end, 'user:' || user_id,
      counts);
    return astapa.user_json(project_id, user_id);
  end
  $$;

comment on function api.disable_user(text, bigint, boolean) is
  'Disables (or with disabled = false re-enables) a user; AS404 when not in this project or erased (an erased '
  'user stays disabled for good). Disabling voids the user''s unredeemed authorization codes, approved and '
  'unpolled device authorizations, pending address changes and open second-step challenges '
  '(astapa.void_ways_back with sign_out false; audited user.disable with its counts {sessions: 0, '
  'refresh_tokens: 0, authorization_codes, device_authorizations, email_changes, mfa_challenges, '
  'impersonation_links}), so a '
  're-enable does not revive them; its sessions and refresh tokens are refused while disabled and work again '
  'after, except the sessions started while disabled (login_sessions.started_while_disabled), which a re-enable '
  'ends (audited user.enable {sessions}). Locks the user''s row first.';

grant execute on function api.disable_user(text, bigint, boolean) to astapa_app;

create or replace function astapa.move_user_email(project_id text, user_id bigint, new_email text,
  verified boolean, audit_details jsonb) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- Another address (not just another spelling of it): anything mailed to the old one stops working — reset
    -- and verification links, email codes, a change the person asked for — whoever moves it.
    if exists (select from astapa.users u where u.project_id = move_user_email.project_id
               and u.id = move_user_email.user_id and u.email_lower is distinct from pg_catalog.lower(new_email)) then
      update astapa.email_tokens t set used_at = pg_catalog.now()
      where t.project_id = move_user_email.project_id and t.user_id = move_user_email.user_id and t.used_at is null;
      update astapa.email_codes e set used_at = pg_catalog.now()
      where e.project_id = move_user_email.project_id and e.user_id = move_user_email.user_id and e.used_at is null;
      update astapa.email_changes e set used_at = pg_catalog.now()
      where e.project_id = move_user_email.project_id and e.user_id = move_user_email.user_id and e.used_at is null;
    end if;
    update astapa.users u set email = new_email, email_verified = verified
    where u.project_id = move_user_email.project_id and u.id = move_user_email.user_id;
    perform astapa.audit(project_id, 'user.email_changed', 'user:' || user_id, audit_details);
  end
  $$;

comment on function astapa.move_user_email(text, bigint, text, boolean, jsonb) is
  'What moving a user''s address does, for every caller that moves one (api.update_user, a SCIM rename, an IdP''s '
  'new address, api.confirm_email_change): to another address, the links, codes and pending change mailed to '
  'the old one are voided; the address and its verification are set; audited user.email_changed with '
  'audit_details. The caller holds the user''s row and has checked that no other account has the address.';

grant execute on function astapa.move_user_email(text, bigint, text, boolean, jsonb) to astapa_app;

create or replace function api.update_user(project_id text, user_id bigint, change jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target record;
    had_password boolean;
    email_given boolean := change ? 'email';
    new_email text := pg_catalog.btrim(change ->> 'email');
    verified boolean;
    counts jsonb;
  begin
    if change is null or pg_catalog.jsonb_typeof(change) <> 'object' or change = '{}'
       or exists (select from pg_catalog.jsonb_object_keys(change) as k
                  where k not in ('email', 'email_verified', 'password_hash', 'disabled')
                    and k <> all (astapa.profile_fields())) then
      raise exception using errcode = 'AS400',
        message = 'Change one or more of email, email_verified, password, disabled and the profile fields.';
    end if;
    if change ? 'email_verified' and pg_catalog.jsonb_typeof(change -> 'email_verified') <> 'boolean'
       or change ? 'disabled' and pg_catalog.jsonb_typeof(change -> 'disabled') <> 'boolean' then
      raise exception using errcode = 'AS400', message = 'email_verified and disabled are true or false.';
    end if;
    -- The user's row first, for update, as astapa.void_ways_back and api.disable_user take it.
    -- Not u.*: the app role may not read password hashes (api.user_sign_in_methods says whether there is one).
    select u.project_id, u.id, u.email, u.email_lower, u.email_verified, u.disabled, u.environment into target
    from astapa.users as u join astapa.projects as p on p.id = u.project_id
    where u.project_id = update_user.project_id and u.id = update_user.user_id and u.environment = p.mode
      and u.deleted_at is null and update_user.project_id = (select astapa.current_project_id())
    for update of u;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    -- The profile fields present (db/api/profile.sql): set, or cleared by null or blank.
    perform astapa.save_profile(target.project_id, target.id,
      (select pg_catalog.jsonb_object_agg(k, v) from pg_catalog.jsonb_each(change) as e(k, v)
       where k = any (astapa.profile_fields())), 'admin');
    verified := coalesce((change ->> 'email_verified')::boolean, target.email_verified);
    if email_given and new_email is distinct from target.email then
      perform astapa.assert_email(new_email);
      if pg_catalog.lower(new_email) is distinct from target.email_lower then
        if exists (select from astapa.users u where u.project_id = target.project_id
                   and u.environment = target.environment and u.email_lower = pg_catalog.lower(new_email)) then
          raise exception using errcode = 'AS409', message = 'Another user of this project has this address.';
        end if;
        -- A new address is unproven unless the app says it checked it.
        verified := coalesce((change ->> 'email_verified')::boolean, false);
      end if;
      perform astapa.move_user_email(target.project_id, target.id, new_email, verified,
        pg_catalog.jsonb_build_object('by', 'admin', 'email_verified', verified));
    elsif verified is distinct from target.email_verified then
      if target.email is null then
        raise exception using errcode = 'AS409', message = 'This user has no email address to verify.';
      end if;
      update astapa.users u set email_verified = verified where u.project_id = target.project_id and u.id = target.id;
      perform astapa.audit(target.project_id,
        case when verified then 'user.email_verified' else 'user.email_unverified' end, 'user:' || target.id,
        pg_catalog.jsonb_build_object('by', 'admin'));
    end if;
    if change ? 'password_hash' then
      if pg_catalog.jsonb_typeof(change -> 'password_hash') = 'null' then
        update astapa.users u set password_hash = null where u.project_id = target.project_id and u.id = target.id;
        -- Never the last way in: the account would be locked for good.
        if not astapa.has_way_in(target.project_id, target.id) then
          raise exception using errcode = 'AS409',
            message = 'The password is this user''s last way to sign in; it stays.';
        end if;
        perform astapa.audit(target.project_id, 'user.password_removed', 'user:' || target.id,
          pg_catalog.jsonb_build_object('by', 'admin'));
      else
        if (change ->> 'password_hash') !~ '^\$argon2id\$' then
          raise exception using errcode = 'AS400', message = 'Password hashes must be argon2id.';
        end if;
        if (select u.email from astapa.users u where u.project_id = target.project_id and u.id = target.id) is null then
          raise exception using errcode = 'AS409', message = 'A password signs in with an email address; this user has none.';
        end if;
        had_password := exists (select from pg_catalog.jsonb_array_elements(
                                   api.user_sign_in_methods(target.project_id, target.id)) as m
                                 where m ->> 'provider' = 'password');
        update astapa.users u set password_hash = change ->> 'password_hash'
        where u.project_id = target.project_id and u.id = target.id;
        -- As a password reset: whoever held a session or a token from before is signed out.
        counts := astapa.void_ways_back(target.id);
        perform astapa.audit(target.project_id,
          case when had_password then 'user.password_changed' else 'user.password_set' end,
          'user:' || target.id, pg_catalog.jsonb_build_object('by', 'admin') || counts);
      end if;
    end if;
    if change ? 'disabled' and (change ->> 'disabled')::boolean is distinct from target.disabled then
      return api.disable_user(target.project_id, target.id, (change ->> 'disabled')::boolean);
    end if;
    return astapa.user_json(target.project_id, target.id);
  end
  $$;

comment on function api.update_user(text, bigint, jsonb) is
  'The project''s app changes a user of its current environment, all or nothing: email (AS409 taken; the '
  'mailed links, codes and pending change of the old address voided; unverified unless email_verified says '
  'so), email_verified, password_hash (argon2id: every way back closed as a reset does, astapa.void_ways_back; '
  'null removes it unless it is the last way in, AS409), disabled (api.disable_user), the profile fields '
  '(astapa.save_profile). Each change audited with by: admin. AS400 unknown keys or types; AS404 unknown, erased '
  'or another environment''s user.';

grant execute on function api.update_user(text, bigint, jsonb) to astapa_app;

create or replace function api.delete_user(project_id text, user_id bigint) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- The project's own app (its client or a dashboard admin) erases one of its users, e.g. on a request under
    -- the right to erasure: the same erasure as the person's own deletion, but no goodbye mail (the app says it).
    -- Another environment's user is not found: a sandbox client cannot erase production data, nor the reverse.
    if project_id is distinct from astapa.current_project_id()
       or not exists (select from astapa.users as u join astapa.projects as p on p.id = u.project_id
                      where u.project_id = delete_user.project_id and u.id = delete_user.user_id
                        and u.environment = p.mode and u.deleted_at is null)
       or not astapa.erase_user(delete_user.user_id, 'admin') then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
  end
  $$;

comment on function api.delete_user(text, bigint) is
  'Erases a user of the current project in its current environment (astapa.erase_user, audited user.deleted '
  '{by: admin}; the app hears user.deleted); AS404 when unknown, another environment''s, or erased already (a '
  'tombstone is not found, so a second deletion is a 404, and changes nothing).';

grant execute on function api.delete_user(text, bigint) to astapa_app;

create or replace function api.user_for_sign_in(project_id text, email text) returns jsonb
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  begin
    if project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403', message = 'Sign-in lookups are for the project the request acts for.';
    end if;
    return (
      select pg_catalog.jsonb_build_object('id', u.id::text, 'password_hash', u.password_hash, 'disabled', u.disabled,
                                          'email_verified', u.email_verified)
      from astapa.users as u
      join astapa.projects as p on p.id = u.project_id and p.mode = u.environment
      where u.project_id = user_for_sign_in.project_id
        and u.email_lower = pg_catalog.lower(pg_catalog.btrim(user_for_sign_in.email)));
  end
  $$;

comment on function api.user_for_sign_in(text, text) is
  'For the hosted login: the user''s id, argon2id password hash, disabled and email_verified flags, or null, so the server can '
  'verify a password. Security definer because the app role cannot select password hashes; RLS still applies '
  '(the owner is not exempt) and the guard refuses any project but the one the transaction acts for.';

grant execute on function api.user_for_sign_in(text, text) to astapa_app;

create or replace function astapa.lock_password_sign_in(project_id text, user_id bigint, password_hash text)
  returns void
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  begin
    if lock_password_sign_in.project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403', message = 'A sign-in is checked for the project the request acts for.';
    end if;
    -- Locked until the caller's transaction ends: a reset, a claim (astapa.claim_unproven_account), a password
    -- change or removal, or a disable committed since the app read the hash is seen here (read committed
    -- re-reads the row it waited for), and one that comes later waits for the session and then ends it.
    perform from astapa.users as u
    join astapa.projects as p on p.id = u.project_id and p.mode = u.environment
    where u.project_id = lock_password_sign_in.project_id and u.id = lock_password_sign_in.user_id
      and u.password_hash = lock_password_sign_in.password_hash and not u.disabled
    for no key update of u;
    if not found then
      raise exception using errcode = 'AS4C0',
        message = 'The password or the account changed after the password was checked: sign in again.';
    end if;
  end
  $$;

comment on function astapa.lock_password_sign_in(text, bigint, text) is
  'For the step that starts a password sign-in''s session or second-step challenge: locks the user''s row and '
  'raises AS4C0 unless password_hash (the stored hash the app verified the password against, read by '
  'api.user_for_sign_in in an earlier transaction) is still the hash of an enabled user of the project''s '
  'current environment. Security definer because the app role cannot read password_hash (the compare); it '
  'refuses any project but the one the transaction acts for, AS403.';

revoke execute on function astapa.lock_password_sign_in(text, bigint, text) from public;

grant execute on function astapa.lock_password_sign_in(text, bigint, text) to astapa_app;

create or replace function api.get_environment_user(project_id text, user_id bigint) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    found jsonb;
  begin
    select astapa.user_json(u.project_id, u.id) into found
    from astapa.users as u
    join astapa.projects as p on p.id = u.project_id and p.mode = u.environment
    where u.project_id = get_environment_user.project_id and u.id = get_environment_user.user_id;
    if found is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    return found;
  end
  $$;

comment on function api.get_environment_user(text, bigint) is
  'The user when they belong to the project''s current environment; AS404 otherwise (unknown, another '
  'project''s, or the other environment''s user).';

grant execute on function api.get_environment_user(text, bigint) to astapa_app;

create or replace function api.list_environment_users(project_id text, page_size integer default 50, after_id bigint default 0,
  is_anonymous boolean default null)
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    current_mode text := astapa.require_project(project_id);
  begin
    if page_size is null or page_size not between 1 and 1000 then
      raise exception using errcode = 'AS400', message = 'A page holds 1 to 1000 users.';
    end if;
    return coalesce((
      select pg_catalog.jsonb_agg(astapa.user_json(page.project_id, page.id) order by page.id)
      from (select u.project_id, u.id from astapa.users as u
            where u.project_id = list_environment_users.project_id and u.environment = current_mode
              and u.id > coalesce(after_id, 0) and u.deleted_at is null
              and (u.awaiting_passkey_since is null or u.last_sign_in_at is not null)
              and (list_environment_users.is_anonymous is null or u.is_anonymous = list_environment_users.is_anonymous)
            order by u.id limit page_size) as page), '[]');
  end
  $$;

comment on function api.list_environment_users(text, integer, bigint, boolean) is
  'A page of the project''s users in its current environment, in id order after after_id; is_anonymous true: '
  'guests only, false: no guests, null: everyone. AS400 page size outside 1–1000; AS404 unknown project.';

grant execute on function api.list_environment_users(text, integer, bigint, boolean) to astapa_app;

create or replace function api.search_environment_users(project_id text, query text, page_size integer default 50,
  after_id bigint default 0)
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    current_mode text := astapa.require_project(project_id);
    q text := pg_catalog.lower(pg_catalog.btrim(coalesce(query, '')));
    -- Every string with the prefix q sorts (bytewise) at or above q and below q followed by the last code point.
    q_end text := q || pg_catalog.chr(1114111);
    domain text;
  begin
    if page_size is null or page_size not between 1 and 1000 then
      raise exception using errcode = 'AS400', message = 'A page holds 1 to 1000 users.';
    end if;
    if q = '' or pg_catalog.length(q) > 254 then
      raise exception using errcode = 'AS400', message = 'Search for 1 to 254 characters.';
    end if;
    if astapa.user_id_of(q) is not null then
      -- A sub: that one user.
      return coalesce((
        select pg_catalog.jsonb_agg(astapa.user_json(u.project_id, u.id))
        from astapa.users as u
        where u.project_id = search_environment_users.project_id and u.environment = current_mode
          and u.id = astapa.user_id_of(q) and u.id > coalesce(after_id, 0) and u.deleted_at is null
          and (u.awaiting_passkey_since is null or u.last_sign_in_at is not null)), '[]');
    end if;
    if q like '@%' then
      domain := pg_catalog.substr(q, 2);
      return coalesce((
        select pg_catalog.jsonb_agg(astapa.user_json(page.project_id, page.id) order by page.id)
        from (select u.project_id, u.id from astapa.users as u
              where u.project_id = search_environment_users.project_id and u.environment = current_mode
                and u.email_domain = domain
                and u.id > coalesce(after_id, 0) and u.deleted_at is null
              and (u.awaiting_passkey_since is null or u.last_sign_in_at is not null)
              order by u.id limit page_size) as page), '[]');
    end if;
    -- Otherwise a prefix of the email, of the profile's name, given name or family name, or of the `name` custom
    -- claim (where the account page kept it before the profile). Each branch is one prefix index's range
    -- (project, environment, the lowercase column; migration 4280 says why stored copies); who a search lists —
    -- not erased, not a passkey sign-up never finished — is decided once, on the union.
    return coalesce((
      select pg_catalog.jsonb_agg(astapa.user_json(search_environment_users.project_id, page.id) order by page.id)
      from (select found.id from (
              select u.id from astapa.users as u
              where u.project_id = search_environment_users.project_id and u.environment = current_mode
                and u.email_lower operator(pg_catalog.~>=~) q and u.email_lower operator(pg_catalog.~<~) q_end
              union
              select u.id from astapa.users as u
              where u.project_id = search_environment_users.project_id and u.environment = current_mode
                and u.name_lower operator(pg_catalog.~>=~) q and u.name_lower operator(pg_catalog.~<~) q_end
              union
              -- Given and family names on their own: Lestari finds Dewi Lestari.
              select u.id from astapa.users as u
              where u.project_id = search_environment_users.project_id and u.environment = current_mode
                and u.given_name_lower operator(pg_catalog.~>=~) q
                and u.given_name_lower operator(pg_catalog.~<~) q_end
              union
              select u.id from astapa.users as u
              where u.project_id = search_environment_users.project_id and u.environment = current_mode
                and u.family_name_lower operator(pg_catalog.~>=~) q
                and u.family_name_lower operator(pg_catalog.~<~) q_end
              union
              select c.user_id from astapa.user_claims as c
              where c.project_id = search_environment_users.project_id
                and c.name_lower operator(pg_catalog.~>=~) q and c.name_lower operator(pg_catalog.~<~) q_end) as found
            join astapa.users as u on u.project_id = search_environment_users.project_id and u.id = found.id
            where found.id > coalesce(after_id, 0) and u.environment = current_mode and u.deleted_at is null
              and (u.awaiting_passkey_since is null or u.last_sign_in_at is not null)
            order by found.id limit page_size) as page), '[]');
  end
  $$;

comment on function api.search_environment_users(text, text, integer, bigint) is
  'A page (id order, after after_id) of the project''s users in its current environment matching query: '
  'digits = the sub exactly; @domain = every email at that domain; else a prefix of the email, of the profile''s '
  'name, given_name or family_name, or of the `name` custom claim, in any case. AS400 empty or over-long query, '
  'bad page size; AS404 unknown project.';

grant execute on function api.search_environment_users(text, text, integer, bigint) to astapa_app;

create or replace function astapa.social_provider_offered(project_id text, provider text) returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    -- As lib/login/social/providers.ts decides it: the project's own switch or app, else the deployment's
    -- credentials, which only the app can see (db/client.ts setDeploymentSocial; unset: none).
    select coalesce((
      select case
        when own -> 'enabled' = 'false'::jsonb then false
        -- Apple's own app is a signing key (private_key_sealed), not a client secret.
        when own ? 'client_id' and (own ? 'client_secret_sealed' or own ? 'private_key_sealed') then true
        else social_provider_offered.provider = any(pg_catalog.string_to_array(
          coalesce(pg_catalog.current_setting('astapa.deployment_social', true), ''), ','))
      end
      from (select p.settings -> 'social_login' -> social_provider_offered.provider as own
            from astapa.projects as p where p.id = social_provider_offered.project_id) as s), false)
  $$;

comment on function astapa.social_provider_offered(text, text) is
  'Whether the project''s sign-in pages offer this social provider now: not turned off, and its own OAuth app '
  'or the deployment''s credentials (astapa.deployment_social, set per transaction by the app). A linked '
  'identity is a way in only then (api.user_sign_in_methods).';

grant execute on function astapa.social_provider_offered(text, text) to astapa_app;

create or replace function api.user_sign_in_methods(project_id text, user_id bigint) returns jsonb
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  declare
    person record;
    ways jsonb;
    usable_ways integer;
    passkey boolean;
  begin
    if project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403', message = 'Sign-in methods are listed for the project the request acts for.';
    end if;
    select u.password_hash is not null as has_password, u.email, u.email_verified, u.phone_number,
           u.phone_number_verified, u.created_at, p.settings -> 'passwords' is distinct from 'false'::jsonb as passwords
    into person
    from astapa.users as u join astapa.projects as p on p.id = u.project_id
    where u.project_id = user_sign_in_methods.project_id and u.id = user_sign_in_methods.user_id;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    select coalesce(pg_catalog.jsonb_agg(m.method order by m.linked_at, m.method ->> 'provider'), '[]') into ways
    from (
      -- A password or identity stays listed while the project does not offer it (usable false: the dashboard
      -- greys it), as it works again once the project does; a password is typed beside an email address.
      select pg_catalog.jsonb_build_object('provider', 'password', 'subject', null, 'email', person.email,
               'linked_at', person.created_at, 'usable', person.passwords and person.email is not null) as method,
             person.created_at as linked_at
      where person.has_password
      union all
      select pg_catalog.jsonb_build_object('provider', i.provider, 'subject', i.subject, 'email', i.email,
               'linked_at', i.created_at,
               'usable', astapa.social_provider_offered(user_sign_in_methods.project_id, i.provider))
             -- Apple's word on its private relay's forwarding (db/api/apple_lifecycle.sql), once it has said.
             || case when i.email_forwarding is not null
                  then pg_catalog.jsonb_build_object('email_forwarding', i.email_forwarding) else '{}' end,
             i.created_at
      from astapa.identities as i
      where i.project_id = user_sign_in_methods.project_id and i.user_id = user_sign_in_methods.user_id
      union all
      -- A code to what the person holds signs them in too, while the project offers it: only a proven number
      -- or address counts (an unverified one may not be theirs). Nothing records since when: linked_at null.
      select pg_catalog.jsonb_build_object('provider', 'phone', 'subject', null, 'email', null,
               'phone_number', person.phone_number, 'linked_at', null, 'usable', true), null
      where person.phone_number is not null and person.phone_number_verified
        and (astapa.phone_settings(user_sign_in_methods.project_id) ->> 'enabled')::boolean
      union all
      select pg_catalog.jsonb_build_object('provider', 'email_code', 'subject', null, 'email', person.email,
               'linked_at', null, 'usable', true), null
      where person.email is not null and person.email_verified
        and exists (select from astapa.projects as p
                    where p.id = user_sign_in_methods.project_id and p.settings -> 'email_codes' = 'true'::jsonb)
    ) as m;
    -- The one rule for "never the last way in" (the dashboard disables its button from it,
    -- api.unlink_sign_in_method refuses by it, astapa.has_way_in answers it): a password or identity may go while
    -- another usable way stays. One the project does not offer now counts for nothing, but goes only beside one
    -- that works (it would sign them in again once offered).
    select count(*) into usable_ways from pg_catalog.jsonb_array_elements(ways) as w where (w ->> 'usable')::boolean;
    passkey := astapa.has_usable_passkey(project_id, user_id);
    return (
      select coalesce(pg_catalog.jsonb_agg(w.method || pg_catalog.jsonb_build_object('removable',
               w.method ->> 'provider' in ('password', 'google', 'github', 'apple', 'microsoft')
               and (passkey or usable_ways - case when (w.method ->> 'usable')::boolean then 1 else 0 end > 0))
               order by w.position), '[]')
      from pg_catalog.jsonb_array_elements(ways) with ordinality as w(method, position));
  end
  $$;

comment on function api.user_sign_in_methods(text, bigint) is
  'Every way a user can sign in but a passkey: {provider: password|google|github|apple|microsoft|phone|email_code, '
  'subject, '
  'email, linked_at, usable, removable} (phone also phone_number; an Apple identity email_forwarding once Apple '
  'said whether its private relay forwards), oldest first, the read-only phone (a verified '
  'number, settings.phone.enabled) and email_code (a verified address, settings.email_codes) last with linked_at '
  'null. usable: it signs them in now (a password with settings.passwords not false and an email address; an '
  'identity while astapa.social_provider_offered; phone and email_code always). removable: a password or '
  'identity while another usable way in stays (a working passkey counts: astapa.has_usable_passkey). Security '
  'definer because the app role cannot read password hashes (it learns only whether one is set); RLS still '
  'applies and the guard refuses any project but the one the transaction acts for. AS404 unknown user.';

grant execute on function api.user_sign_in_methods(text, bigint) to astapa_app;

create or replace function astapa.has_way_in(project_id text, user_id bigint) returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.has_usable_passkey(has_way_in.project_id, has_way_in.user_id)
      or exists (select from pg_catalog.jsonb_array_elements(
                   api.user_sign_in_methods(has_way_in.project_id, has_way_in.user_id)) as w
                 where (w ->> 'usable')::boolean)
  $$;

comment on function astapa.has_way_in(text, bigint) is
  'Whether the user can sign in now by some way (a usable row of api.user_sign_in_methods, or a working passkey): '
  'the rule api.set_user_phone and astapa.import_user keep and the grant sweeper reads for abandoned passkey '
  'sign-ups. AS404 unknown user; AS403 outside the acting project.';

grant execute on function astapa.has_way_in(text, bigint) to astapa_app;

create or replace function astapa.proof_signs_in(project_id text, user_id bigint, channel text) returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    -- A proven channel signs in; an unproven one only while nothing on the account is proven (the proof then
    -- claims it: astapa.claim_unproven_account). Beside a proven other channel it belongs to whoever proved that
    -- one, who confirms it from inside the account: a number or address an app attached unverified may be a
    -- typo, or someone else's now.
    select coalesce((
      select case proof_signs_in.channel
               when 'email' then (u.email is not null and u.email_verified)
                 or not (u.phone_number is not null and u.phone_number_verified)
               when 'phone' then (u.phone_number is not null and u.phone_number_verified)
                 or not (u.email is not null and u.email_verified)
             end
      from astapa.users u
      where u.project_id = proof_signs_in.project_id and u.id = proof_signs_in.user_id), false)
  $$;

comment on function astapa.proof_signs_in(text, bigint, text) is
  'Whether proving the user''s email (channel ''email'': a mailed code, magic link, reset link or passkey '
  'sign-up code) or phone number (''phone'': a sign-in code) signs in to the account: yes when that channel is '
  'verified, or when neither is (the proof claims the account: astapa.claim_unproven_account); no when it is '
  'unverified (or absent) beside a verified other channel, and for a user it cannot see. Every such path asks '
  'it before sending and again before accepting (docs/security.md, "Pre-account hijacking").';

grant execute on function astapa.proof_signs_in(text, bigint, text) to astapa_app;

create or replace function astapa.claim_unproven_account(project_id text, user_id bigint, proven text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    -- Whatever the account had beside the proof, counted before it goes (for the audit).
    methods jsonb;
    passwords integer;
    identities integer;
    recovery_codes integer;
    factors integer;
    passkeys integer := 0;
    consents integer;
    ways jsonb;
    memberships jsonb;
    payment_methods integer;
    other_channel boolean;
    credential bytea;
    removed jsonb;
  begin
    if claim_unproven_account.project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403', message = 'An account is claimed in the project the request acts for.';
    end if;
    if proven is null or proven not in ('email', 'phone') then
      raise exception using errcode = 'AS400', message = 'What was proven is the email or the phone.';
    end if;
    -- Each caller asks astapa.proof_signs_in first; asked again under the user's row lock, a proof of the other
    -- channel that landed meanwhile (which verified it, or removed this one) refuses this one.
    perform from astapa.users u
    where u.project_id = claim_unproven_account.project_id and u.id = claim_unproven_account.user_id
    for update;
    if not found then
      return null;
    end if;
    -- AS4C9 (account_changed_during_sign_in): the message is the catalogue's, which the hosted pages show
    -- (lib/http/errors.ts; Indonesian in lib/http/error_text.ts).
    if not astapa.proof_signs_in(project_id, user_id, proven) then
      raise exception using errcode = 'AS4C9',
        message = 'This account changed while you were signing in: its other email address or phone number was '
          'confirmed a moment ago, so this code or link no longer signs you in. Sign in again, with the one that '
          'was confirmed.';
    end if;
    -- The proof verifies the address or number; only the call that finds it unverified claims the account. The
    -- row lock makes a second proof at the same moment wait and then find it verified: nothing to claim twice.
    if proven = 'email' then
      update astapa.users u set email_verified = true
      where u.project_id = claim_unproven_account.project_id and u.id = claim_unproven_account.user_id
        and u.email is not null and not u.email_verified;
    else
      update astapa.users u set phone_number_verified = true
      where u.project_id = claim_unproven_account.project_id and u.id = claim_unproven_account.user_id
        and u.phone_number is not null and not u.phone_number_verified;
    end if;
    if not found then
      return null;
    end if;
    -- Until now nobody had proven this address or number, so anyone may have set up the rest: a password, keys,
    -- factors, linked accounts and sessions of someone who typed another person's address ("pre-account
    -- hijacking", docs/security.md). The person who proved it keeps only what is proven.
    methods := api.user_sign_in_methods(project_id, user_id);
    select pg_catalog.count(*) filter (where m ->> 'provider' = 'password') into passwords
    from pg_catalog.jsonb_array_elements(methods) as m;
    update astapa.users u set password_hash = null
    where u.project_id = claim_unproven_account.project_id and u.id = claim_unproven_account.user_id
      and passwords > 0;
    -- Every identity at once, as astapa.erase_user removes them: api.unlink_sign_in_method removes one an admin
    -- names and keeps the last way in, which here is the proof just made.
    with unlinked as (
      delete from astapa.identities i
      where i.project_id = claim_unproven_account.project_id and i.user_id = claim_unproven_account.user_id
      returning 1)
    select pg_catalog.count(*)::integer into identities from unlinked;
    -- A consent remembered for a third-party client lets it get a code without asking: one allowed before the
    -- proof may be the client of whoever set up the rest, waiting for the owner's next sign-in through it.
    with forgotten as (
      delete from astapa.consents c
      where c.project_id = claim_unproven_account.project_id and c.user_id = claim_unproven_account.user_id
      returning 1)
    select pg_catalog.count(*)::integer into consents from forgotten;
    -- Each key through the one removal, so the app hears of each as when a person or an admin removes it.
    for credential in select k.credential_id from astapa.passkeys k
                      where k.project_id = claim_unproven_account.project_id
                        and k.user_id = claim_unproven_account.user_id
                      order by k.created_at loop
      if astapa.forget_passkey(project_id, user_id, credential, '{"by": "claim"}') is not null then
        passkeys := passkeys + 1;
      end if;
    end loop;
    select pg_catalog.count(*)::integer into recovery_codes from astapa.recovery_codes r
    where r.project_id = claim_unproven_account.project_id and r.user_id = claim_unproven_account.user_id
      and r.used_at is null;
    -- The admin's reset: factors, recovery codes and remembered browsers go (user.mfa_removed told to the app).
    factors := (api.reset_user_factors(project_id, user_id) ->> 'removed')::integer;
    -- Organizations the account was put in (or made) before the proof may be those of whoever set up the rest:
    -- the app would put the owner's data in one as the active organization. Every membership goes, the last
    -- owner's too; the organizations and their other members stay (astapa.remove_claimed_memberships). Before
    -- the other channel goes, so the app's membership.deleted still names the address.
    memberships := astapa.remove_claimed_memberships(project_id, user_id);
    -- E-wallets and cards linked before the proof may be those of whoever set up the rest: the owner's renewals
    -- (and an organization's that chose one) would be charged to them. Marked for unlink, as the person's own unlink marks
    -- one, so none is charged from now on; the billing pass expires them at Xendit on its next pass, outside this
    -- transaction. An organization that chose one has no method again (astapa.unlink_every_method).
    payment_methods := astapa.unlink_every_method(project_id, user_id, 'claim');
    -- The other channel stays only if someone proved it; an unproven one is a way back in for whoever typed it.
    if proven = 'email' then
      update astapa.users u set phone_number = null
      where u.project_id = claim_unproven_account.project_id and u.id = claim_unproven_account.user_id
        and u.phone_number is not null and not u.phone_number_verified;
    else
      update astapa.users u set email = null
      where u.project_id = claim_unproven_account.project_id and u.id = claim_unproven_account.user_id
        and u.email is not null and not u.email_verified;
    end if;
    other_channel := found;
    -- Links and codes started before the proof are someone else's ways in too: a reset link, an email code or a
    -- code to a number being added.
    update astapa.email_tokens t set used_at = pg_catalog.now()
    where t.project_id = claim_unproven_account.project_id and t.user_id = claim_unproven_account.user_id
      and t.used_at is null;
    update astapa.email_codes c set used_at = pg_catalog.now()
    where c.project_id = claim_unproven_account.project_id and c.user_id = claim_unproven_account.user_id
      and c.used_at is null;
    update astapa.phone_codes c set used_at = pg_catalog.now()
    where c.project_id = claim_unproven_account.project_id and c.user_id = claim_unproven_account.user_id
      and c.used_at is null;
    -- Signed out everywhere (the sign-in under way starts its session after this), with every way back a session
    -- left: a code or device approval not yet turned into tokens, an address change mailed earlier, a second step
    -- half done (astapa.void_ways_back).
    ways := astapa.void_ways_back(user_id);
    -- The address changes go, not only void: each names an address someone else typed.
    delete from astapa.email_changes e
    where e.project_id = claim_unproven_account.project_id and e.user_id = claim_unproven_account.user_id;
    removed := pg_catalog.jsonb_build_object('password', passwords, 'passkeys', passkeys, 'factors', factors,
      'recovery_codes', recovery_codes, 'identities', identities, 'consents', consents,
      'payment_methods', payment_methods)
      || memberships
      || ways
      || pg_catalog.jsonb_build_object(case when proven = 'email' then 'phone_number' else 'email' end,
                                       case when other_channel then 1 else 0 end);
    perform astapa.audit(project_id, 'user.claimed', 'user:' || user_id,
      pg_catalog.jsonb_build_object('proven', proven, 'removed', removed));
    return removed;
  end
  $$;

comment on function astapa.claim_unproven_account(text, bigint, text) is
  'Someone proved the email (proven ''email'': a code or link mailed to it, a password reset) or the phone '
  'number (''phone'': a sign-in code) of an account that had not proven it: it is verified, and the account '
  'becomes theirs. Everything anyone could have set up without that proof goes: the password, identities, '
  'remembered consents of third-party clients, passkeys (user.passkey_removed each), factors and recovery codes '
  '(api.reset_user_factors), every organization membership and the open invitations the account sent '
  '(astapa.remove_claimed_memberships: membership.deleted each, the last owner''s too; the organizations stay), '
  'every linked payment method still live (astapa.unlink_every_method: never charged again, expired at Xendit '
  'by the next billing pass; an organization that chose one has its choice cleared, audited '
  'organization.billing_method_set with reason claimed), '
  'the other channel when unverified (the phone number, or the email), unused mailed '
  'links, email and phone codes, and every way back a session left (astapa.void_ways_back: every session and '
  'refresh token, unredeemed authorization codes, approved and unpolled device authorizations, pending email '
  'changes, which are then deleted, and open second-step challenges). A verified other channel stays; a '
  'proof of one that does not sign in (astapa.proof_signs_in: it is unverified beside a verified other channel) '
  'is refused, AS4C9 (a proof of the other channel landed between the caller''s check and this one). '
  'Audited user.claimed {proven, removed: counts per kind, astapa.void_ways_back''s among them}, which it '
  'returns; null when the address or number was verified already (nothing changes). AS403 outside the acting '
  'project; AS400 proven neither email nor phone.';

grant execute on function astapa.claim_unproven_account(text, bigint, text) to astapa_app;

create or replace function astapa.claim_notice(project_id text, user_id bigint, removed jsonb) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    -- Whoever proved the address or number is told what a claim removed, by every path that claims: the page
    -- that proved it (lib/login/claimed_mail.ts), and a mail only at a proven address (a phone code's claim
    -- removes an unproven one, and leaves nowhere to write). Only when it removed something: an account with
    -- nothing on it has nothing to tell.
    select case when exists (select from pg_catalog.jsonb_each(claim_notice.removed) as e
                             where pg_catalog.jsonb_typeof(e.value) = 'number' and (e.value)::integer > 0)
      then pg_catalog.jsonb_build_object('claimed', claim_notice.removed) || coalesce((
        select pg_catalog.jsonb_build_object('email', u.email)
        from astapa.users u
        where u.project_id = claim_notice.project_id and u.id = claim_notice.user_id
          and u.email is not null and u.email_verified), '{}'::jsonb)
      else '{}'::jsonb
    end
  $$;

comment on function astapa.claim_notice(text, bigint, jsonb) is
  'What a caller of astapa.claim_unproven_account returns so its page can tell the person, in their language '
  'and in the claim''s transaction, what went: {claimed: the counts removed} when the claim removed something, '
  'with email: the proven address to mail when the account has a verified one (a phone claim leaves none); {} '
  'otherwise (removed null: nothing claimed; all zero).';

grant execute on function astapa.claim_notice(text, bigint, jsonb) to astapa_app;

create or replace function api.unlink_sign_in_method(project_id text, user_id bigint, provider text, subject text default null)
  returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    target jsonb;
  begin
    if project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403', message = 'Sign-in methods are changed for the project the request acts for.';
    end if;
    if provider is null or provider not in ('password', 'google', 'github', 'apple', 'microsoft') then
      raise exception using errcode = 'AS400', message = 'A sign-in method is password, google, github, apple or microsoft.';
    end if;
    -- One change at a time per user, so two unlinks cannot together remove the last two methods. A user of the
    -- project's current environment only, as every user endpoint.
    perform from astapa.users as u
    where u.project_id = unlink_sign_in_method.project_id and u.id = unlink_sign_in_method.user_id
      and u.environment = (select p.mode from astapa.projects as p where p.id = unlink_sign_in_method.project_id)
    for no key update of u;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    select m into target from pg_catalog.jsonb_array_elements(api.user_sign_in_methods(project_id, user_id)) as m
    where m ->> 'provider' = provider and (provider = 'password' or m ->> 'subject' = unlink_sign_in_method.subject);
    if target is null then
      raise exception using errcode = 'AS404', message = case when provider = 'password'
        then 'This user has no password to remove.'
        else pg_catalog.format('This user has no %s identity %s.', provider, coalesce(subject, '(none given)')) end;
    end if;
    if not (target ->> 'removable')::boolean then
      raise exception using errcode = 'AS409',
        message = 'This is the only way this user can sign in: link another method (or let them set a password) first.';
    end if;
    if provider = 'password' then
      update astapa.users as u set password_hash = null
      where u.project_id = unlink_sign_in_method.project_id and u.id = unlink_sign_in_method.user_id;
    else
      delete from astapa.identities as i
      where i.project_id = unlink_sign_in_method.project_id and i.user_id = unlink_sign_in_method.user_id
        and i.provider = unlink_sign_in_method.provider and i.subject = unlink_sign_in_method.subject;
    end if;
    perform astapa.audit(project_id, 'identity.unlink', 'user:' || user_id,
      pg_catalog.jsonb_build_object('provider', provider));
    return api.user_sign_in_methods(project_id, user_id);
  end
  $$;

comment on function api.unlink_sign_in_method(text, bigint, text, text) is
  'Removes one way to sign in (the password, or a google/github/apple/microsoft identity by subject) when '
  'api.user_sign_in_methods calls it removable: never the last usable way in (a verified number with phone '
  'sign-in, a verified address with email codes, a working passkey all count; a password with passwords off or '
  'an identity whose provider is not offered do not), and audits identity.unlink. Security '
  'definer because it must see whether a password is set (the app role cannot); the guard refuses any project '
  'but the current one. AS400 unknown provider; AS404 no such method, or no such user in the project''s current '
  'environment; AS409 the last way in.';

grant execute on function api.unlink_sign_in_method(text, bigint, text, text) to astapa_app;

create or replace function api.user_ways_in(project_id text, user_id bigint) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    -- First: api.user_passkeys refuses a user outside the current project's current environment (AS404), as
    -- every user endpoint, before anything else is read.
    passkeys jsonb := api.user_passkeys(project_id, user_id);
  begin
    return pg_catalog.jsonb_build_object(
      'methods', api.user_sign_in_methods(project_id, user_id),
      'passkeys', passkeys,
      'factors', api.user_factors(project_id, user_id));
  end
  $$;

comment on function api.user_ways_in(text, bigint) is
  'Everything a user signs in with, for the Platform API: methods (api.user_sign_in_methods), passkeys '
  '(api.user_passkeys) and second factors (api.user_factors); never a secret, key or hash. AS404 unless a '
  'user of the current project''s current environment.';

grant execute on function api.user_ways_in(text, bigint) to astapa_app;

create or replace function astapa.login_session_json(s astapa.login_sessions) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'sid', s.public_id, 'created_at', s.created_at, 'expires_at', s.expires_at, 'ended_at', s.ended_at,
      'live', s.ended_at is null and s.expires_at > pg_catalog.now(),
      -- Which device it is, so support ends the right one: the browser's User-Agent as it started the session,
      -- and the last time the hosted pages saw it (null: not since it started).
      'user_agent', s.user_agent, 'last_used_at', s.last_used_at,
      'impersonated_by', (select i.actor from astapa.impersonations i
                          where i.project_id = s.project_id and i.id = s.impersonation_id));
  $$;

comment on function astapa.login_session_json(astapa.login_sessions) is
  'A hosted-login session as the Platform API and the dashboard show it: sid (the ID tokens'' sid), started, '
  'expires, ended, live, user_agent and last_used_at, and impersonated_by (the actor when support staff opened it, docs/impersonation.md). '
  'Never the token hash.';

grant execute on function astapa.login_session_json(astapa.login_sessions) to astapa_app;

create or replace function api.list_login_sessions(project_id text, user_id bigint, max_rows integer default 20) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    if astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    return (
      select coalesce(pg_catalog.jsonb_agg(astapa.login_session_json(s) order by s.created_at desc), '[]')
      from (select * from astapa.login_sessions as l
            where l.project_id = list_login_sessions.project_id and l.user_id = list_login_sessions.user_id
            order by l.created_at desc limit least(greatest(max_rows, 1), 100)) as s);
  end
  $$;

comment on function api.list_login_sessions(text, bigint, integer) is
  'A user''s hosted-login sessions, newest first (at most max_rows, 1–100), as astapa.login_session_json. '
  'AS404 unknown user.';

grant execute on function api.list_login_sessions(text, bigint, integer) to astapa_app;

create or replace function api.end_user_session(project_id text, user_id bigint, sid text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    ended astapa.login_sessions;
  begin
    if project_id is distinct from astapa.current_project_id() or astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    -- The user's row before the session's, the order astapa.void_ways_back takes them in: the session's end
    -- revokes its refresh tokens and queues logout tokens (astapa.end_session_grants).
    perform from astapa.users u where u.project_id = end_user_session.project_id and u.id = end_user_session.user_id
    for update of u;
    update astapa.login_sessions s set ended_at = pg_catalog.now()
    where s.project_id = end_user_session.project_id and s.user_id = end_user_session.user_id
      and s.public_id = end_user_session.sid and s.ended_at is null
    returning * into ended;
    if found then
      perform astapa.audit(project_id, 'user.session_ended', 'user:' || user_id,
        pg_catalog.jsonb_build_object('by', 'admin', 'sid', sid));
      return astapa.login_session_json(ended);
    end if;
    -- Ended already (by the person, an expiry sweep or an earlier call): answered as it is, nothing audited.
    select * into ended from astapa.login_sessions s
    where s.project_id = end_user_session.project_id and s.user_id = end_user_session.user_id
      and s.public_id = end_user_session.sid;
    if not found then
      raise exception using errcode = 'AS404', message = 'No session of this user has that sid.';
    end if;
    return astapa.login_session_json(ended);
  end
  $$;

comment on function api.end_user_session(text, bigint, text) is
  'Ends one of the user''s hosted-login sessions by its sid, as signing out in that browser would: its refresh '
  'tokens but offline ones are revoked and its apps sent logout tokens (astapa.end_session_grants). Audited '
  'user.session_ended {by: admin, sid}. A session already ended is answered unchanged. AS404 unknown user, or '
  'no session of theirs with that sid.';

grant execute on function api.end_user_session(text, bigint, text) to astapa_app;

create or replace function api.sign_out_everywhere(project_id text, user_id bigint) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    counts jsonb;
  begin
    if project_id is distinct from astapa.current_project_id() or astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    -- The user's row first, for update (astapa.void_ways_back takes it before anything else): a session, refresh
    -- token, code or approval being created for the user commits before its scans, which then end or void it too.
    counts := astapa.void_ways_back(user_id);
    perform astapa.audit(project_id, 'user.sign_out_everywhere', 'user:' || user_id, counts);
    return counts;
  end
  $$;

comment on function api.sign_out_everywhere(text, bigint) is
  'Closes every way back into the user''s account (astapa.void_ways_back): ends every hosted-login session, '
  'revokes every refresh token (reason revoked_by_admin, as POST /api/platform/revoke), and voids every '
  'unredeemed authorization code, every approved device authorization not yet polled for tokens, every pending '
  'address change and every open second-step challenge, a sign-in''s or a step-up''s; returns and audits '
  'user.sign_out_everywhere with the counts {sessions, refresh_tokens, authorization_codes, '
  'device_authorizations, email_changes, mfa_challenges}. The user''s row is locked first, so a session, '
  'refresh token or code being created meanwhile is ended, revoked or voided too. AS404 unknown user.';

grant execute on function api.sign_out_everywhere(text, bigint) to astapa_app;

create or replace function api.user_own_claims(project_id text, user_id bigint) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    if astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    return coalesce((
      select pg_catalog.jsonb_build_object('role', c.role, 'feature_flags', pg_catalog.to_jsonb(c.feature_flags),
                                          'extra', c.extra)
      from astapa.user_claims as c
      where c.project_id = user_own_claims.project_id and c.user_id = user_own_claims.user_id),
      '{"role": null, "feature_flags": [], "extra": {}}');
  end
  $$;

comment on function api.user_own_claims(text, bigint) is
  'The claims set on the user themself (role, feature_flags, extra custom claims), without the plan''s: what '
  'the dashboard''s claims form edits. AS404 unknown user.';

grant execute on function api.user_own_claims(text, bigint) to astapa_app;

create or replace function astapa.user_id_of(sub text) returns bigint
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    -- Only the form ids are issued in (astapa.new_user_id: up to 19 digits since mid-2027), so one user has
    -- one spelling: no sign, no leading zero, at most 2^63 - 1.
    select case when sub ~ '^[1-9][0-9]{0,18}$' and sub::numeric <= 9223372036854775807 then sub::bigint end
  $$;

comment on function astapa.user_id_of(text) is
  'The user id a sub names (decimal, no leading zero, 1 to 2^63 - 1), or null for any other text. The one '
  'reading of a sub from text (lib/http/user_id.ts is its TypeScript twin).';

grant execute on function astapa.user_id_of(text) to astapa_app;

create or replace function astapa.new_user_id() returns bigint
  language sql
  volatile
  security invoker
  set search_path = ''
  as $$
    select ((pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp()) * 1000)::bigint
             - 1577836800000) << 22)
           | (('x' || pg_catalog.substr(pg_catalog.md5(pg_catalog.gen_random_uuid()::text), 1, 8))::bit(32)::bigint
              & 4194303)
  $$;

comment on function astapa.new_user_id() is
  'A new user''s id: milliseconds since 2020-01-01 shifted left 22 bits, OR 22 bits from gen_random_uuid() '
  '(a strong random source). Positive, below 2^63 until about 2089, not guessable from a neighbour, and '
  'ordered by time to the millisecond.';

grant execute on function astapa.new_user_id() to astapa_app;
