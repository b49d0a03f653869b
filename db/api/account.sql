-- A person's own account page (/account, issue 21): what they see of their account and what they change
-- themselves. Every function acts for the person behind a live hosted-login session (its token's SHA-256),
-- never for a user id the caller names, so one person cannot reach another's sessions, apps or data.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own email changes" on astapa.email_changes;
create policy "a project reads its own email changes" on astapa.email_changes
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own email changes" on astapa.email_changes;
create policy "a project records its own email changes" on astapa.email_changes
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project uses up its own email changes" on astapa.email_changes;
create policy "a project uses up its own email changes" on astapa.email_changes
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project forgets its own email changes" on astapa.email_changes;
create policy "a project forgets its own email changes" on astapa.email_changes
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create or replace function astapa.account_user(session_hash bytea, fresh_seconds integer default null)
  returns bigint
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    person bigint;
    started timestamptz;
    acting text;
  begin
    select s.user_id, s.created_at, s.impersonation_id into person, started, acting
    from astapa.login_sessions s
    where s.project_id = (select astapa.current_project_id()) and s.token_hash = account_user.session_hash
      and s.ended_at is null and s.expires_at > pg_catalog.now()
      and astapa.user_may_sign_in(s.project_id, s.user_id);
    if person is null then
      raise exception 'this session has ended; sign in again' using errcode = 'AS4G0';
    end if;
    -- What needs a fresh sign-in (password, email, unlinking, export, deletion) is the person's alone: support
    -- staff signed in as them (docs/impersonation.md) are refused, whatever the session's age.
    if fresh_seconds is not null and acting is not null then
      raise exception 'support staff signed in as this person cannot do this' using errcode = 'AS4I0';
    end if;
    if fresh_seconds is not null and started < pg_catalog.now() - pg_catalog.make_interval(secs => fresh_seconds) then
      raise exception 'sign in again to do this (a fresh sign-in is needed)' using errcode = 'AS403';
    end if;
    return person;
  end
  $$;

comment on function astapa.account_user(bytea, integer) is
  'The person behind a live session of the current project (same liveness rules as api.login_session: not '
  'ended, not expired, its user may sign in now, astapa.user_may_sign_in). With fresh_seconds the session must '
  'have started that recently (max_age), and not have been opened by an impersonation (AS4I0: sensitive changes '
  'are the person''s alone). AS4G0 no live session; AS403 not fresh.';

grant execute on function astapa.account_user(bytea, integer) to astapa_app;

create or replace function api.describe_login_session(token_hash bytea, user_agent text) returns void
  language sql
  volatile
  set search_path = ''
  as $$
    update astapa.login_sessions s set user_agent = pg_catalog.left(describe_login_session.user_agent, 512)
    where s.project_id = (select astapa.current_project_id()) and s.token_hash = describe_login_session.token_hash
  $$;

comment on function api.describe_login_session(bytea, text) is
  'Records which browser (User-Agent, cut to 512 characters) a new hosted-login session is, for the account '
  'page''s list of sessions.';

grant execute on function api.describe_login_session(bytea, text) to astapa_app;

create or replace function api.account_overview(session_hash bytea, user_agent text default null) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    person bigint;
  begin
    begin
      person := astapa.account_user(session_hash);
    exception when sqlstate 'AS4G0' then
      return null;
    end;
    -- Seen now, with this browser: what the sessions list shows as last use.
    update astapa.login_sessions s
    set last_used_at = pg_catalog.now(), user_agent = coalesce(pg_catalog.left(account_overview.user_agent, 512), s.user_agent)
    where s.project_id = project and s.token_hash = session_hash;
    return (
      select pg_catalog.jsonb_build_object(
        'user', pg_catalog.jsonb_build_object('id', u.id::text, 'email', u.email, 'email_verified', u.email_verified,
          'phone_number', u.phone_number,
          'name', u.name, 'given_name', u.given_name, 'family_name', u.family_name, 'picture', u.picture,
          'locale', u.locale, 'nickname', u.nickname, 'middle_name', u.middle_name,
          'preferred_username', u.preferred_username, 'website', u.website, 'zoneinfo', u.zoneinfo,
          'birthdate', u.birthdate, 'gender', u.gender, 'created_at', u.created_at),
        'email_managed', astapa.sso_manages_email(project, person),
        -- Enforced SSO refuses a password at this address (astapa.assert_user_not_sso): none is offered.
        'sso_sign_in', astapa.sso_connection_requiring(project, u.email) is not null,
        'auth_time', pg_catalog.floor(extract(epoch from (select s.created_at from astapa.login_sessions s
          where s.project_id = project and s.token_hash = session_hash)))::bigint,
        'methods', api.user_sign_in_methods(project, person),
        -- What the phone section offers: the form for a number, the switch for the phone second factor.
        'phone', (select pg_catalog.jsonb_build_object('addable', astapa.phone_number_addable(s),
                                                      'second_factor', s -> 'second_factor')
                  from astapa.phone_settings(project) as s),
        'factor', pg_catalog.jsonb_build_object(
          'enrolled', exists (select from astapa.user_factors f
            where f.project_id = project and f.user_id = person and f.kind = 'totp' and f.confirmed_at is not null),
          'phone', exists (select from astapa.user_factors f
            where f.project_id = project and f.user_id = person and f.kind = 'phone' and f.confirmed_at is not null),
          'second_factors', pg_catalog.to_jsonb(astapa.second_factor_kinds(project, person)),
          'recovery_codes_left', (select pg_catalog.count(*) from astapa.recovery_codes r
            where r.project_id = project and r.user_id = person and r.used_at is null)),
        'pending_email', (select e.new_email from astapa.email_changes e
          where e.project_id = project and e.user_id = person and e.used_at is null and e.expires_at > pg_catalog.now()
          order by e.created_at desc limit 1),
        'sessions', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
            'current', s.token_hash = session_hash, 'user_agent', s.user_agent, 'created_at', s.created_at,
            'last_used_at', coalesce(s.last_used_at, s.created_at),
            -- The person sees who signed in as them (docs/impersonation.md).
            'impersonated_by', (select i.actor from astapa.impersonations i
                                where i.project_id = s.project_id and i.id = s.impersonation_id))
            order by s.token_hash = session_hash desc, coalesce(s.last_used_at, s.created_at) desc), '[]')
          from astapa.login_sessions s
          where s.project_id = project and s.user_id = person and s.ended_at is null and s.expires_at > pg_catalog.now()),
        'apps', api.account_apps(person),
        'passkeys', (select coalesce(pg_catalog.jsonb_agg(astapa.passkey_json(k) order by k.created_at,
            k.credential_id), '[]')
          from astapa.passkeys k where k.project_id = project and k.user_id = person),
        -- Listing them joins them first where the project joins by domain automatically, as the sign-in does.
        'organizations', api.user_organizations(person) -> 'memberships',
        'subscription', (select pg_catalog.jsonb_build_object('plan', sub.plan_key, 'status', sub.status,
            'paid', sub.source = 'payment', 'current_period_end', sub.current_period_end)
          from astapa.subscriptions sub
          where sub.project_id = project and sub.user_id = person and sub.ended_at is null
            and sub.status in ('trialing', 'active', 'past_due')
          order by sub.created_at desc limit 1))
      from astapa.users u where u.project_id = project and u.id = person);
  end
  $$;

comment on function api.account_overview(bytea, text) is
  'Everything the account page shows the person behind a live session: profile, sign-in methods, what the '
  'phone section offers ({addable: astapa.phone_number_addable, second_factor}), second factor, a pending '
  'email change (and email_managed: astapa.sso_manages_email, no change offered; sso_sign_in: the address '
  'signs in through SSO only, no password offered), live sessions (the current one first, with user agents, and impersonated_by: the actor of one '
  'the project''s support staff opened), connected apps, '
  'passkeys (name, added, last used; never a key), organizations (api.user_organizations) and the current '
  'subscription; marks this session used now with this user agent. Null without a live session.';

grant execute on function api.account_overview(bytea, text) to astapa_app;

create or replace function api.account_apps(user_id bigint) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    with tokens as (
      select r.client_id, pg_catalog.min(r.created_at) as since, pg_catalog.string_agg(distinct r.scope, ' ') as scope
      from astapa.refresh_tokens r
      where r.project_id = (select astapa.current_project_id()) and r.user_id = account_apps.user_id
        and astapa.is_third_party_client_id(r.client_id) and r.revoked_at is null and r.used_at is null
        and r.expires_at > pg_catalog.now()
      group by r.client_id),
    remembered as (
      select c.client_id, pg_catalog.min(c.granted_at) as since,
             pg_catalog.jsonb_agg(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('resource', c.resource,
               'resource_name', (select x.name from astapa.resources x
                                 where x.project_id = c.project_id and x.uri = c.resource),
               'scopes', pg_catalog.to_jsonb(c.scopes), 'granted_at', c.granted_at)) order by c.resource) as consents
      from astapa.consents c
      where c.project_id = (select astapa.current_project_id()) and c.user_id = account_apps.user_id
      group by c.client_id),
    -- One entry per client: what it holds (live tokens) and what the person allowed it (consents).
    clients as (
      select coalesce(t.client_id, k.client_id) as client_id, least(t.since, k.since) as since,
             coalesce(t.scope, '') as scope, coalesce(k.consents, '[]') as consents
      from tokens t full join remembered k on k.client_id = t.client_id)
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'client_id', x.client_id,
        'name', coalesce(nullif(astapa.third_party_client_name(x.client_id), ''), x.client_id),
        'host', case when astapa.is_metadata_document_client_id(x.client_id)
                     then pg_catalog.substring(x.client_id, '^https?://([^/?#]+)') end,
        'scope', x.scope, 'since', x.since, 'consents', x.consents)) order by x.since, x.client_id), '[]')
    from clients x
  $$;

comment on function api.account_apps(bigint) is
  'The third-party clients (self-registered dcl_ or metadata-document URL) a user allowed, one entry per '
  'client: its name (its own unverified claim), the host of a metadata-document URL (the verified part), the '
  'scopes its live refresh tokens hold, since when, and the remembered consents (resource, scopes).';

grant execute on function api.account_apps(bigint) to astapa_app;

create or replace function api.account_set_password(session_hash bytea, password_hash text, fresh_seconds integer,
  mail jsonb default null)
  returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    -- Under the user's row lock (astapa.hold_live_login_session): a claim, a reset, a sign-out everywhere or a
    -- disable under way is waited for and refuses this; one that comes later replaces or removes this password.
    person bigint := astapa.hold_live_login_session(session_hash, fresh_seconds);
    had_password boolean;
    ended integer;
  begin
    if password_hash is null or password_hash !~ '^\$argon2id\$' then
      raise exception 'password hashes must be argon2id' using errcode = 'AS400';
    end if;
    had_password := exists (select from pg_catalog.jsonb_array_elements(api.user_sign_in_methods(project, person)) m
                            where m ->> 'provider' = 'password');
    update astapa.users u set password_hash = account_set_password.password_hash
    where u.project_id = project and u.id = person;
    -- Whoever knew the old password is signed out everywhere else; this browser stays signed in.
    with other as (
      update astapa.login_sessions s set ended_at = pg_catalog.now()
      where s.project_id = project and s.user_id = person and s.ended_at is null and s.token_hash <> session_hash
      returning 1)
    select pg_catalog.count(*)::integer into ended from other;
    perform astapa.audit(project, case when had_password then 'user.password_changed' else 'user.password_set' end,
      'user:' || person, pg_catalog.jsonb_build_object('by', 'user', 'sessions_ended', ended));
    if mail is not null then
      perform api.queue_mail(project, mail || pg_catalog.jsonb_build_object('to',
        (select u.email from astapa.users u where u.project_id = project and u.id = person)));
    end if;
    return ended;
  end
  $$;

comment on function api.account_set_password(bytea, text, integer, jsonb) is
  'After a fresh sign-in (fresh_seconds), the person sets a new argon2id password (or a first one, for a '
  'social-only account); their other sessions end. Audited user.password_changed or user.password_set; mailed '
  'when mail is given. Returns the sessions ended. AS400 not argon2id; AS4G0 no session; AS403 not fresh (the '
  'session checked under the user''s row lock: astapa.hold_live_login_session).';

grant execute on function api.account_set_password(bytea, text, integer, jsonb) to astapa_app;

create or replace function api.account_request_email_change(session_hash bytea, new_email text, token_hash bytea,
  fresh_seconds integer, mail jsonb)
  returns boolean
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    -- Under the user's row lock (astapa.hold_live_login_session): a claim, a reset, a sign-out everywhere or a
    -- disable under way is waited for and refuses this; a claim that comes later deletes the link's change.
    person bigint := astapa.hold_live_login_session(session_hash, fresh_seconds);
    wanted text := pg_catalog.btrim(coalesce(new_email, ''));
    held boolean;
  begin
    perform astapa.assert_email(wanted);
    perform astapa.assert_email_not_sso_managed(project, person);
    -- Nor may an account move to an address at a domain that signs in through SSO (AS4E0): its next SSO sign-in
    -- would link the IdP's person to this account, and its password and codes with it.
    perform astapa.assert_sso_not_required(project, wanted);
    -- Their own address may be asked for again while unverified: that is how someone whose number is verified
    -- confirms an address the app attached (it signs in only once confirmed: astapa.proof_signs_in).
    if exists (select from astapa.users u where u.project_id = project and u.id = person
               and u.email_lower = pg_catalog.lower(wanted) and u.email_verified) then
      raise exception 'that is already your email address' using errcode = 'AS400';
    end if;
    -- At most 5 links an hour per person: the page cannot be used to flood someone's mailbox. Over the limit
    -- nothing is sent and the answer is the same as for a taken address.
    if api.rate_limit_hit('account_email_change:' || project || ':' || person, 5, 3600) > 0 then
      perform astapa.audit(project, 'user.email_change_requested', 'user:' || person,
        pg_catalog.jsonb_build_object('sent', false, 'limited', true));
      return false;
    end if;
    update astapa.email_changes e set used_at = pg_catalog.now()
    where e.project_id = project and e.user_id = person and e.used_at is null;
    held := exists (select from astapa.users u join astapa.projects p on p.id = u.project_id
                    where u.project_id = project and u.environment = p.mode and u.id <> person
                      and u.email_lower = pg_catalog.lower(wanted));
    perform astapa.audit(project, 'user.email_change_requested', 'user:' || person,
      pg_catalog.jsonb_build_object('sent', not held));
    -- An address another user holds gets no link, and the page answers the same: no one learns who signed up.
    if held then
      return false;
    end if;
    insert into astapa.email_changes (project_id, token_hash, user_id, new_email, expires_at)
    values (project, token_hash, person, wanted, pg_catalog.now() + interval '1 hour');
    perform api.queue_mail(project, mail || pg_catalog.jsonb_build_object('to', wanted));
    return true;
  end
  $$;

comment on function api.account_request_email_change(bytea, text, bytea, integer, jsonb) is
  'After a fresh sign-in, the person asks to change their email: the link (token_hash) is mailed to the new '
  'address, valid 1 hour, voiding earlier requests. An address another user of the project holds, or a sixth '
  'request within an hour, gets no link (false), silently. Their own address while unverified gets a link too: '
  'confirming it verifies it. Audited user.email_change_requested. AS400 bad address, or their own verified '
  'one; AS4E2 an address the organization''s IdP manages (astapa.assert_email_not_sso_managed); AS4E0 a new '
  'address at a domain that signs in through SSO (astapa.assert_sso_not_required); AS4G0; AS403 (the session '
  'checked under the user''s row lock: astapa.hold_live_login_session).';

grant execute on function api.account_request_email_change(bytea, text, bytea, integer, jsonb) to astapa_app;

create or replace function api.email_change_pending(token_hash bytea) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    -- own: the link names the address the account has now (asked for again while unverified), which it only
    -- confirms (api.confirm_email_change), so the page asks to confirm it rather than to change to it.
    select pg_catalog.jsonb_build_object('email', e.new_email,
      'own', u.email is not null and pg_catalog.lower(u.email) = pg_catalog.lower(e.new_email))
    from astapa.email_changes e
    join astapa.users u on u.project_id = e.project_id and u.id = e.user_id
    where e.project_id = (select astapa.current_project_id()) and e.token_hash = email_change_pending.token_hash
      and e.used_at is null and e.expires_at > pg_catalog.now() and u.deleted_at is null
  $$;

comment on function api.email_change_pending(bytea) is
  'What an unused, unexpired email-change link would do, or null: {email: the address it would set, own: '
  'whether that is the account''s current address, which it would only confirm}; what the link''s page says '
  'on GET.';

grant execute on function api.email_change_pending(bytea) to astapa_app;

create or replace function api.confirm_email_change(token_hash bytea, old_mail jsonb default null) returns text
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    change astapa.email_changes;
    old_email text;
  begin
    -- The user's row before the change's (astapa.void_ways_back takes them in that order): a sign-out
    -- everywhere, a reset or a disable under way is waited for, and its voiding then leaves this link used.
    perform from astapa.users u join astapa.email_changes e on e.project_id = u.project_id and e.user_id = u.id
    where e.project_id = project and e.token_hash = confirm_email_change.token_hash
    for no key update of u;
    update astapa.email_changes e set used_at = pg_catalog.now()
    where e.project_id = project and e.token_hash = confirm_email_change.token_hash
      and e.used_at is null and e.expires_at > pg_catalog.now()
    returning * into change;
    if change.user_id is null then
      raise exception 'this email-change link is unknown, used or expired' using errcode = 'AS4G0';
    end if;
    select u.email into old_email from astapa.users u
    where u.project_id = project and u.id = change.user_id and u.deleted_at is null for no key update;
    if old_email is null then
      raise exception 'this email-change link is unknown, used or expired' using errcode = 'AS4G0';
    end if;
    -- Asked for before the person's organization turned SSO on (or linked the account), or before the new
    -- address's domain began to sign in through SSO: refused now too.
    perform astapa.assert_email_not_sso_managed(project, change.user_id);
    perform astapa.assert_sso_not_required(project, change.new_email);
    -- Taken since the request (someone signed up with it): refused, never two users with one address.
    if exists (select from astapa.users u join astapa.projects p on p.id = u.project_id
               where u.project_id = project and u.environment = p.mode and u.id <> change.user_id
                 and u.email_lower = pg_catalog.lower(change.new_email)) then
      raise exception 'another account uses this address now' using errcode = 'AS409';
    end if;
    -- Their own unverified address, asked for again: confirmed as it is written, not changed (nobody to tell).
    if pg_catalog.lower(old_email) = pg_catalog.lower(change.new_email) then
      update astapa.users u set email_verified = true where u.project_id = project and u.id = change.user_id;
      perform astapa.audit(project, 'user.email_verified', 'user:' || change.user_id,
        pg_catalog.jsonb_build_object('by', 'user'));
      return 'confirmed';
    end if;
    -- As every address move: the reset links, codes and other changes mailed to the old address die with it.
    perform astapa.move_user_email(project, change.user_id, change.new_email, true,
      pg_catalog.jsonb_build_object('by', 'user'));
    -- The old address is told, so a takeover through a stolen session does not go unnoticed.
    if old_mail is not null then
      perform api.queue_mail(project, old_mail || pg_catalog.jsonb_build_object('to', old_email));
    end if;
    return 'changed';
  end
  $$;

comment on function api.confirm_email_change(bytea, jsonb) is
  'Uses an email-change link once: the new address (proven by the mailbox) replaces the old, verified, through '
  'astapa.move_user_email (links and codes mailed to the old address die); the old address gets old_mail. '
  'Audited user.email_changed; a link to the person''s own unverified address verifies it '
  '(audited user.email_verified, no old_mail). Returns which it did, for the page to say: ''changed'' or '
  '''confirmed''. AS4G0 unknown, used or expired link; AS409 the address was taken meanwhile; AS4E2 the '
  'organization''s IdP manages the address now (astapa.assert_email_not_sso_managed); AS4E0 the new address''s '
  'domain signs in through SSO now (astapa.assert_sso_not_required).';

grant execute on function api.confirm_email_change(bytea, jsonb) to astapa_app;

create or replace function api.account_end_other_sessions(session_hash bytea) returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    person bigint := astapa.account_user(session_hash);
    ended integer;
  begin
    -- The user's row before the sessions', as astapa.void_ways_back takes them (astapa.end_session_grants).
    perform from astapa.users u where u.project_id = project and u.id = person for update of u;
    with other as (
      update astapa.login_sessions s set ended_at = pg_catalog.now()
      where s.project_id = project and s.user_id = person and s.ended_at is null and s.token_hash <> session_hash
      returning 1)
    select pg_catalog.count(*)::integer into ended from other;
    perform astapa.audit(project, 'user.other_sessions_ended', 'user:' || person,
      pg_catalog.jsonb_build_object('sessions', ended));
    return ended;
  end
  $$;

comment on function api.account_end_other_sessions(bytea) is
  'Signs the person out of every other browser (their other hosted-login sessions end; this one stays). '
  'Audited user.other_sessions_ended with the count. AS4G0 no session.';

grant execute on function api.account_end_other_sessions(bytea) to astapa_app;

create or replace function api.account_unlink(session_hash bytea, provider text, subject text, fresh_seconds integer,
  mail jsonb default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    person bigint := astapa.account_user(session_hash, fresh_seconds);
    methods jsonb;
  begin
    if provider is null or provider not in ('google', 'github', 'apple', 'microsoft') then
      raise exception 'only a Google, GitHub, Apple or Microsoft identity is unlinked here' using errcode = 'AS400';
    end if;
    methods := api.unlink_sign_in_method(project, person, provider, subject);
    if mail is not null then
      perform api.queue_mail(project, mail || pg_catalog.jsonb_build_object('to',
        (select u.email from astapa.users u where u.project_id = project and u.id = person)));
    end if;
    return methods;
  end
  $$;

comment on function api.account_unlink(bytea, text, text, integer, jsonb) is
  'After a fresh sign-in, the person unlinks one of their own Google/GitHub/Apple/Microsoft identities, never '
  'their last way to sign in (api.unlink_sign_in_method: audited identity.unlink; AS404 not theirs; AS409 the last method), '
  'and is mailed when mail is given.';

grant execute on function api.account_unlink(bytea, text, text, integer, jsonb) to astapa_app;

create or replace function api.account_revoke_app(session_hash bytea, client_id text) returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    person bigint := astapa.account_user(session_hash);
    revoked integer;
    forgotten integer;
  begin
    if client_id is null or not (client_id ~ '^dcl_[a-z2-7]{24}$'
        or (astapa.is_metadata_document_client_id(client_id) and pg_catalog.length(client_id) <= 1000)) then
      raise exception 'a connected app is a self-registered client (dcl_…) or a client metadata URL'
        using errcode = 'AS400';
    end if;
    -- The person's row first, for update, as every revocation of a user's tokens takes it: a rotation under way
    -- (key share, then its token) commits first and its successor is revoked below; a reuse detection of one of
    -- the app's families waits, or this waits for it. Then the tokens in id order, as a reuse detection locks them.
    perform from astapa.users u where u.project_id = project and u.id = person for update of u;
    with gone as (
      update astapa.refresh_tokens r set revoked_at = pg_catalog.now(), revoked_reason = 'revoked_by_user'
      where r.project_id = project and r.id in (
        select t.id from astapa.refresh_tokens t
        where t.project_id = project and t.user_id = person and t.client_id = account_revoke_app.client_id
          and t.revoked_at is null
        order by t.id
        for update of t)
      returning 1)
    select pg_catalog.count(*)::integer into revoked from gone;
    -- Its remembered consents go too: the next time it asks, the person is asked again.
    delete from astapa.consents c
    where c.project_id = project and c.user_id = person and c.client_id = account_revoke_app.client_id;
    get diagnostics forgotten = row_count;
    if revoked = 0 and forgotten = 0 then
      raise exception 'this app has no access to your account' using errcode = 'AS404';
    end if;
    perform astapa.audit(project, 'user.app_revoked', 'user:' || person,
      pg_catalog.jsonb_build_object('client_id', pg_catalog.left(client_id, 200), 'refresh_tokens', revoked,
                                    'consents', forgotten));
    return revoked;
  end
  $$;

comment on function api.account_revoke_app(bytea, text) is
  'The person removes a connected app: every live refresh token of that third-party client for them is '
  'revoked (revoked_by_user) and its remembered consents are forgotten. Audited user.app_revoked. AS400 not a '
  'dcl_ id or metadata URL; AS404 nothing to revoke. Returns the refresh tokens revoked. Locks the person''s row '
  'for update first, then the tokens in id order.';

grant execute on function api.account_revoke_app(bytea, text) to astapa_app;

create or replace function api.account_leave_organization(session_hash bytea, organization_id text) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    person bigint := astapa.account_user(session_hash);
  begin
    if not exists (select from astapa.organization_memberships m
                   where m.project_id = project and m.user_id = person
                     and m.organization_id = account_leave_organization.organization_id) then
      raise exception 'you are not a member of this organization' using errcode = 'AS404';
    end if;
    perform api.remove_organization_member(organization_id, person, true);
  end
  $$;

comment on function api.account_leave_organization(bytea, text) is
  'The person leaves one of their organizations (api.remove_organization_member with leaving: membership.deleted '
  'reason left, audited; automatic domain joining does not add them back). AS404 not their organization; AS409 '
  'they are its last owner.';

grant execute on function api.account_leave_organization(bytea, text) to astapa_app;

create or replace function api.account_revoke_consent(session_hash bytea, client_id text, resource text)
  returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    return (api.revoke_consent(astapa.account_user(session_hash), client_id, resource, false)
            ->> 'refresh_tokens_revoked')::integer;
  end
  $$;

comment on function api.account_revoke_consent(bytea, text, text) is
  'The person revokes one remembered consent (a client and resource) through api.revoke_consent: the refresh '
  'tokens issued under it end (consent_revoked); audited consent.revoked by user. Returns the tokens revoked. '
  'AS404 no such consent of theirs; AS4G0 no session.';

grant execute on function api.account_revoke_consent(bytea, text, text) to astapa_app;

create or replace function api.account_export(session_hash bytea, fresh_seconds integer) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    person bigint := astapa.account_user(session_hash, fresh_seconds);
    audited text := 'user:' || person;
    export jsonb;
  begin
    export := pg_catalog.jsonb_build_object(
      'exported_at', pg_catalog.now(),
      -- The profile fields are in the user (astapa.user_json); a `name` custom claim, if any, is under claims.
      'profile', astapa.user_json(project, person),
      'identities', api.user_sign_in_methods(project, person),
      'claims', api.user_own_claims(project, person),
      'metadata', coalesce((select m.metadata from astapa.user_metadata m
                            where m.project_id = project and m.user_id = person), '{}'),
      'sessions', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('created_at', s.created_at,
          'last_used_at', s.last_used_at, 'ended_at', s.ended_at, 'user_agent', s.user_agent) order by s.created_at), '[]')
        from astapa.login_sessions s where s.project_id = project and s.user_id = person),
      'subscriptions', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('plan', s.plan_key,
          'status', s.status, 'source', s.source, 'current_period_start', s.current_period_start,
          'current_period_end', s.current_period_end, 'created_at', s.created_at, 'ended_at', s.ended_at)
          order by s.created_at), '[]')
        from astapa.subscriptions s where s.project_id = project and s.user_id = person),
      'payments', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('checkout', c.public_id,
          'plan', c.plan_key, 'amount', c.amount, 'currency', c.currency, 'status', c.status, 'method', c.method,
          'paid_at', c.paid_at, 'created_at', c.created_at) order by c.created_at), '[]')
        from astapa.checkouts c where c.project_id = project and c.user_id = person),
      'audit', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('action', a.action,
          'actor', a.actor, 'details', a.details, 'at', a.at) order by a.id), '[]')
        from astapa.audit_log a where a.project_id = project and a.target = audited));
    perform astapa.audit(project, 'user.data_exported', audited, '{}');
    return export;
  end
  $$;

comment on function api.account_export(bytea, integer) is
  'After a fresh sign-in, everything the project holds about the person, as JSON: profile, sign-in methods, '
  'claims, the app''s metadata about them, sessions, subscriptions, payments (checkouts) and the audit of their account. Never secrets or '
  'hashes. Audited user.data_exported. AS4G0 no session; AS403 not fresh.';

grant execute on function api.account_export(bytea, integer) to astapa_app;

create or replace function astapa.checkouts_erasure_changes(project_id text, user_id bigint)
  returns setof astapa.checkouts
  language sql
  stable
  set search_path = ''
  as $$
    select * from astapa.checkouts as c
    where c.project_id = checkouts_erasure_changes.project_id and c.user_id = checkouts_erasure_changes.user_id
      and (c.buyer_name is not null or c.buyer_tax_id is not null
           or (c.status = 'open' and c.organization_id is null))
  $$;

comment on function astapa.checkouts_erasure_changes(text, bigint) is
  'The checkouts of a person astapa.erase_user changes: those whose buyer details it clears and their own open '
  'ones it expires. It locks the charged ones (not open) before the person''s row, the open ones after it.';

grant execute on function astapa.checkouts_erasure_changes(text, bigint) to astapa_app;

create or replace function astapa.erase_user(user_id bigint, erased_by text default 'user') returns boolean
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    deleted timestamptz;
    former text;
    user_environment text;
    placeholder text := 'deleted-' || erase_user.user_id || '@deleted.invalid';
    m astapa.organization_memberships;
    counts jsonb;
    held bigint[];
  begin
    -- Lock order (docs/database.md): the charged checkouts whose buyer details this clears, each after its team
    -- plan's organization, before the person's row. A success callback holds such a checkout and then waits for
    -- the payer's row: taking the row first deadlocked with it. (Open ones, with no charge, no callback holds.)
    perform from astapa.organizations as o
    where o.project_id = project
      and o.id in (select c.organization_id from astapa.checkouts_erasure_changes(project, erase_user.user_id) as c
                   where c.status <> 'open')
    order by o.id
    for update;
    held := array(select c.id from astapa.checkouts as c
                  where c.project_id = project
                    and c.id in (select x.id from astapa.checkouts_erasure_changes(project, erase_user.user_id) as x
                                 where x.status <> 'open')
                  order by c.id
                  for update);
    select u.deleted_at, u.email_lower, u.environment into deleted, former, user_environment from astapa.users u
    where u.project_id = project and u.id = erase_user.user_id for update;
    if not found or deleted is not null then
      return false; -- deleted already (or never here): a second deletion changes nothing
    end if;
    -- One charged since the set above was read is refused (40001, run again); the open ones are held from now.
    perform astapa.hold_checkouts_after_person(project, held,
      array(select c.id from astapa.checkouts_erasure_changes(project, erase_user.user_id) as c));
    perform astapa.emit_event(project, 'user.deleted', pg_catalog.jsonb_build_object(
      'user', pg_catalog.jsonb_build_object('id', user_id::text, 'deleted_at', pg_catalog.now())));
    -- The row stays as a tombstone (payments, receipts and the audit keep its id); nothing personal remains.
    update astapa.users u set email = placeholder, email_verified = false,
      phone_number = null, phone_number_verified = false,
      password_hash = null, disabled = true, external_id = null, deleted_at = pg_catalog.now(),
      name = null, given_name = null, family_name = null, picture = null, locale = null, nickname = null,
      middle_name = null, preferred_username = null, website = null, zoneinfo = null, birthdate = null, gender = null,
      profile_updated_at = null
    where u.project_id = project and u.id = erase_user.user_id;
    -- Every way back, as the other enders close them (the user's row already held): sessions, refresh tokens
    -- (reason user_disabled, as erasure always recorded), and the codes, approved devices, address changes and
    -- open second-step challenges. The grants refuse a deleted user anyway; a challenge did not: met after the
    -- erasure, it started a session for the tombstone.
    counts := astapa.void_ways_back(erase_user.user_id, reason => 'user_disabled');
    -- Memberships end as if the person left (membership.deleted, reason account_deleted), without the
    -- last-owner check: an organization whose only owner this was keeps its members, and an admin names one.
    for m in select * from astapa.organization_memberships x
             where x.project_id = project and x.user_id = erase_user.user_id
             order by x.organization_id for update loop
      delete from astapa.organization_memberships x
      where x.project_id = m.project_id and x.organization_id = m.organization_id and x.user_id = m.user_id;
      perform astapa.emit_membership('membership.deleted', m, 'account_deleted');
    end loop;
    -- E-wallets and cards linked for renewals: nobody is left to pay, yet each stays authorised at Xendit until
    -- expired there. Marked for unlink as the erasure (never charged again; an organization that chose one has
    -- none again), expired at Xendit by the next billing pass, outside this transaction.
    counts := counts || pg_catalog.jsonb_build_object('payment_methods',
      astapa.unlink_every_method(project, erase_user.user_id, 'erasure'));
    delete from astapa.passkeys k where k.project_id = project and k.user_id = erase_user.user_id;
    update astapa.email_codes e set used_at = pg_catalog.now()
    where e.project_id = project and e.user_id = erase_user.user_id and e.used_at is null;
    delete from astapa.consents c where c.project_id = project and c.user_id = erase_user.user_id;
    delete from astapa.identities i where i.project_id = project and i.user_id = erase_user.user_id;
    delete from astapa.sso_identities l where l.project_id = project and l.user_id = erase_user.user_id;
    delete from astapa.user_factors f where f.project_id = project and f.user_id = erase_user.user_id;
    delete from astapa.recovery_codes r where r.project_id = project and r.user_id = erase_user.user_id;
    delete from astapa.email_changes e where e.project_id = project and e.user_id = erase_user.user_id;
    delete from astapa.user_metadata x where x.project_id = project and x.user_id = erase_user.user_id;
    update astapa.user_claims c set extra = '{}', role = null, feature_flags = '{}', updated_at = pg_catalog.now()
    where c.project_id = project and c.user_id = erase_user.user_id;
    -- Ended above (or before); what browser each was goes too.
    update astapa.login_sessions s set user_agent = null
    where s.project_id = project and s.user_id = erase_user.user_id and s.user_agent is not null;
    update astapa.email_tokens t set used_at = pg_catalog.now()
    where t.project_id = project and t.user_id = erase_user.user_id and t.used_at is null;
    update astapa.remembered_browsers b set revoked_at = pg_catalog.now()
    where b.project_id = project and b.user_id = erase_user.user_id and b.revoked_at is null;
    update astapa.checkouts c set buyer_name = null, buyer_tax_id = null
    where c.project_id = project and c.user_id = erase_user.user_id
      and (c.buyer_name is not null or c.buyer_tax_id is not null);
    update astapa.subscriptions s set status = 'canceled', ended_at = pg_catalog.now()
    where s.project_id = project and s.user_id = erase_user.user_id and s.ended_at is null;
    -- Pay links with no charge yet (a renewal's, a trial's, one the app made) expire: nobody is left to pay, and a
    -- link opened later would take money for a tombstone. One with a charge at Xendit stays as it is; if paid, it is
    -- kept for a refund (astapa.apply_payment_event_row: account_deleted). An organization's checkout is its own.
    update astapa.checkouts c set status = 'expired', updated_at = pg_catalog.now()
    where c.project_id = project and c.user_id = erase_user.user_id and c.status = 'open'
      and c.organization_id is null;
    -- The outbox forgets the address too: only the pseudonymous placeholder stays. Mail not sent yet is
    -- dropped (nobody to send it to), except the goodbye queued in this transaction, which still goes out
    -- and loses its address once delivered (api.mail_delivered).
    if former is not null then
      update astapa.mail_outbox o
      set to_address = placeholder,
          attempts = case when o.sent_at is null then 8 else o.attempts end,
          last_error = case when o.sent_at is null then 'not sent: the account was deleted' else o.last_error end,
          body_text = case when o.sent_at is null then '(erased: the account was deleted)' else o.body_text end,
          body_html = null
      where o.project_id = project and pg_catalog.lower(o.to_address) = former
        and (o.environment is null or o.environment = user_environment)
        and not (o.sent_at is null and o.kind = 'account_deleted' and o.created_at = pg_catalog.now());
    end if;
    perform astapa.audit(project, 'user.deleted', 'user:' || user_id,
      pg_catalog.jsonb_build_object('by', erased_by) || counts);
    return true;
  end
  $$;

comment on function astapa.erase_user(bigint, text) is
  'Erases a user of the current project, once (audited with erased_by: user, admin (api.delete_user), or sweeper for an abandoned '
  'passkey sign-up, and the counts of astapa.void_ways_back): emits user.deleted, keeps the users row as a '
  'pseudonymous tombstone (deleted_at, a placeholder address, no phone number), closes every way back '
  '(astapa.void_ways_back, refresh tokens revoked as user_disabled: sessions, codes, approved devices, address '
  'changes, open second-step challenges) and removes or blanks identities (social and SSO), factors, '
  'passkeys, recovery codes, email codes, consents, organization memberships (membership.deleted), claims, '
  'sessions'' browsers, mailed links, remembered browsers, buyer names, the address on its outbox mail '
  '(unsent mail is dropped, but for the goodbye queued with the deletion), ends subscriptions and expires its '
  'own pay links with no charge yet (status open; one with a charge, if paid, is account_deleted). Its live '
  'linked payment methods are marked for unlink as the erasure (astapa.unlink_every_method: never charged again, '
  'expired at Xendit by the next billing pass; counted payment_methods in the audit). False when already deleted. '
  'Locks the charged checkouts whose buyer details it clears (after their team plans'' organizations) before '
  'the person''s row, as a success callback takes them, and the open ones it changes after it; one charged in '
  'between raises 40001 (astapa.hold_checkouts_after_person; docs/database.md "Lock order").';

grant execute on function astapa.erase_user(bigint, text) to astapa_app;

create or replace function api.delete_own_account(session_hash bytea, typed_email text, fresh_seconds integer,
  mail jsonb default null)
  returns boolean
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    person bigint := astapa.account_user(session_hash, fresh_seconds);
  begin
    -- The typed confirmation: the person's own address, in any case; someone without one (signed up by phone)
    -- types their number, spaces and dashes allowed.
    if not exists (select from astapa.users u where u.project_id = project and u.id = person
                   and (u.email_lower = pg_catalog.lower(pg_catalog.btrim(coalesce(typed_email, '')))
                        or (u.email is null and u.phone_number =
                              pg_catalog.regexp_replace(coalesce(typed_email, ''), '[[:space:]-]', '', 'g')))) then
      raise exception 'type your email address to confirm the deletion' using errcode = 'AS400';
    end if;
    -- The goodbye goes to the address before it is erased (someone without one gets none).
    if mail is not null and exists (select from astapa.users u
                                    where u.project_id = project and u.id = person and u.email is not null) then
      perform api.queue_mail(project, mail || pg_catalog.jsonb_build_object('to',
        (select u.email from astapa.users u where u.project_id = project and u.id = person)));
    end if;
    return astapa.erase_user(person);
  end
  $$;

comment on function api.delete_own_account(bytea, text, integer, jsonb) is
  'After a fresh sign-in and with their email typed as confirmation, the person deletes their own account '
  '(astapa.erase_user; the app hears user.deleted), told by mail first. AS400 the typed email does not match; '
  'AS4G0 no live session (a deleted account has none); AS403 not fresh.';

grant execute on function api.delete_own_account(bytea, text, integer, jsonb) to astapa_app;
