-- Hosted login: sessions, email tokens, social sign-in.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

create or replace function api.authorization_client(client_id text) returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    found_client jsonb;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Client lookups happen before a project is chosen.';
    end if;
    if client_id is null or client_id !~ '^cid_[a-z2-7]{24}$' then
      return null;
    end if;
    -- Shows this one project to the owner for the next query only (on an error, rollback undoes it).
    perform pg_catalog.set_config('astapa.lookup_client_id', client_id, true);
    select pg_catalog.jsonb_build_object('project_id', p.id, 'name', p.name, 'mode', p.mode,
             'redirect_uris', pg_catalog.to_jsonb(p.redirect_uris), 'settings', p.settings)
      into found_client
    from astapa.projects p where p.client_id = authorization_client.client_id;
    perform pg_catalog.set_config('astapa.lookup_client_id', '', true);
    return found_client;
  end
  $$;

comment on function api.authorization_client(text) is
  'For /auth/login: the project a client id names (id, name, mode, redirect URIs, settings) or null. Security '
  'definer because no project is known yet; it sees only that one project, through the owner-only policy '
  '"definer functions find the project a client id names", and refuses to run once a project is set.';

grant execute on function api.authorization_client(text) to astapa_app;

create or replace function api.authorization_request_client(client_id text, scope text, resource text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    found_client jsonb := api.authorization_client(client_id);
    refusal jsonb;
  begin
    if found_client is null then
      return null;
    end if;
    -- The app may act for any project it names; here it names the one the client belongs to, for this check only.
    perform pg_catalog.set_config('astapa.project_id', found_client->>'project_id', true);
    refusal := astapa.grant_target_refusal(scope, resource);
    perform pg_catalog.set_config('astapa.project_id', '', true);
    return found_client || pg_catalog.jsonb_build_object('refusal', refusal);
  end
  $$;

comment on function api.authorization_request_client(text, text, text) is
  'For /auth/login, in one statement: api.authorization_client, plus under "refusal" why its project may not '
  'grant this scope and resource (astapa.grant_target_refusal) or null. Null for an unknown client. Runs before '
  'a project is chosen and leaves none chosen.';

grant execute on function api.authorization_request_client(text, text, text) to astapa_app;

drop policy if exists "a project reads its own login sessions" on astapa.login_sessions;
create policy "a project reads its own login sessions" on astapa.login_sessions
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project starts login sessions for its own users" on astapa.login_sessions;
create policy "a project starts login sessions for its own users" on astapa.login_sessions
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project ends its own login sessions" on astapa.login_sessions;
create policy "a project ends its own login sessions" on astapa.login_sessions
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

create or replace function api.start_login_session(user_id bigint, token_hash bytea, ttl_seconds integer default 604800,
  amr text[] default '{pwd}', password_hash text default null)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    was_disabled boolean := false;
  begin
    if ttl_seconds not between 60 and 2592000 then
      raise exception 'login sessions last between a minute and 30 days' using errcode = 'AS400';
    end if;
    -- A password sign-in checked the password in an earlier transaction: a reset, a claim, a change or a disable
    -- that committed since must not let that old password in (astapa.lock_password_sign_in).
    if password_hash is not null then
      perform astapa.lock_password_sign_in(astapa.current_project_id(), user_id, password_hash);
      -- Enforced SSO: a password never signs in an account whose address is at an SSO domain (the form refuses
      -- before checking it; this holds for every page that signs in with one, and for a connection enabled since).
      perform astapa.assert_user_not_sso(astapa.current_project_id(), user_id);
    else
      -- Other first factors judged the user in their own statements, so the session is not refused here but
      -- marked when the user is disabled: a re-enable ends it (api.disable_user) rather than give it back. Read
      -- under the user's row for key share (as the session's foreign key takes it): a disable under way commits
      -- first and is seen; one that comes later waits, and this session predates it.
      select u.disabled into was_disabled from astapa.users u
      where u.project_id = (select astapa.current_project_id()) and u.id = start_login_session.user_id
      for key share of u;
    end if;
    insert into astapa.login_sessions (project_id, token_hash, user_id, expires_at, amr, started_while_disabled)
    values (astapa.current_project_id(), token_hash, user_id,
            pg_catalog.now() + pg_catalog.make_interval(secs => ttl_seconds), coalesce(amr, '{pwd}'),
            coalesce(was_disabled, false));
    update astapa.users u set last_sign_in_at = pg_catalog.now()
    where u.project_id = (select astapa.current_project_id()) and u.id = start_login_session.user_id;
    perform astapa.audit(astapa.current_project_id(), 'user.sign_in', 'user:' || user_id,
      pg_catalog.jsonb_build_object('amr', pg_catalog.to_jsonb(coalesce(amr, '{pwd}'))));
  end
  $$;

comment on function api.start_login_session(bigint, bytea, integer, text[], text) is
  'Records a signed-in browser for the current project (7 days by default), how the person signed in (amr, '
  'RFC 8176) and the sign-in time. After a password (password_hash: the stored hash the app verified it '
  'against), only while that hash is still the enabled user''s, checked under the user''s row lock '
  '(astapa.lock_password_sign_in): AS4C0 otherwise, and no session; AS4E0 when the user''s address is at a '
  'domain that signs in through SSO (astapa.assert_user_not_sso). Other first factors judged the user in '
  'their own statements and are not checked again here: a session started for someone who may not sign in is '
  'never live (every read asks astapa.user_may_sign_in), and a code for it is refused (AS4G0); one started for '
  'a disabled user is marked started_while_disabled (read under the user''s row lock), and a re-enable ends it '
  '(api.disable_user).';

grant execute on function api.start_login_session(bigint, bytea, integer, text[], text) to astapa_app;

create or replace function api.login_session(token_hash bytea) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('user_id', s.user_id::text, 'amr', pg_catalog.to_jsonb(s.amr),
      'auth_time', pg_catalog.floor(extract(epoch from s.created_at))::bigint, 'sid', s.public_id)
    from astapa.login_sessions s
    where s.project_id = (select astapa.current_project_id()) and s.token_hash = login_session.token_hash
      and s.ended_at is null and s.expires_at > pg_catalog.now()
      and astapa.user_may_sign_in(s.project_id, s.user_id)
  $$;

comment on function api.login_session(bytea) is
  'A live session''s user, how they signed in (amr), when (auth_time, epoch seconds) and its public id (sid), or null: what '
  'acr_values, max_age and the tokens'' amr need (the same liveness rules as api.login_session_user).';

grant execute on function api.login_session(bytea) to astapa_app;

create or replace function api.login_session_user(token_hash bytea) returns bigint
  language sql
  stable
  set search_path = ''
  as $$
    select s.user_id
    from astapa.login_sessions s
    where s.project_id = (select astapa.current_project_id()) and s.token_hash = login_session_user.token_hash
      and s.ended_at is null and s.expires_at > pg_catalog.now()
      and astapa.user_may_sign_in(s.project_id, s.user_id)
  $$;

comment on function api.login_session_user(bytea) is
  'The user a live session belongs to, or null (ended, expired, or its user may not sign in now: disabled, '
  'deleted, or of the other environment, astapa.user_may_sign_in).';

grant execute on function api.login_session_user(bytea) to astapa_app;

create or replace function astapa.hold_live_login_session(session_hash bytea, fresh_seconds integer default null)
  returns bigint
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    person bigint;
  begin
    -- Whose session it is (a session's user never changes), to lock that user's row before asking anything else.
    select s.user_id into person from astapa.login_sessions s
    where s.project_id = (select astapa.current_project_id())
      and s.token_hash = hold_live_login_session.session_hash;
    -- The user's row for key share, as a code redemption or a rotation takes it: a sign-out everywhere, a reset,
    -- a claim and a disable hold it for update while they end the sessions and void the codes and approved
    -- devices, so this waits for one under way and then finds the session ended; one that comes later waits for
    -- this transaction and voids what it issued. Held until the caller's transaction ends.
    perform from astapa.users u
    where u.project_id = (select astapa.current_project_id()) and u.id = person
    for key share of u;
    -- A statement of its own, after the lock: read committed sees what the transaction waited for committed.
    return astapa.account_user(session_hash, fresh_seconds);
  end
  $$;

comment on function astapa.hold_live_login_session(bytea, integer) is
  'For what a browser''s live session decides or adds after it was found live (a code for a signed-in person, a '
  'device approval, a passkey, recovery codes, a password, a phone number or factor, an email change): holds the '
  'session''s user''s row for key share, then returns the user while the session is still live '
  '(astapa.account_user''s rules: not ended, not expired, the user enabled, not deleted, of the project''s '
  'current environment), else AS4G0 ''this session has ended; sign in again''; with fresh_seconds, AS403 unless '
  'it started that recently. So a sign-out everywhere, a password reset, a claim or a disable either committed '
  'first (refused here) or waits for the caller and then ends, voids or removes what it made.';

grant execute on function astapa.hold_live_login_session(bytea, integer) to astapa_app;

create or replace function api.end_login_session(token_hash bytea) returns void
  language sql
  volatile
  set search_path = ''
  as $$
    -- The user's row for update before the session's, the order astapa.void_ways_back takes them in: the
    -- session's end revokes its refresh tokens and queues logout tokens (astapa.end_session_grants).
    select from astapa.users u
    where u.project_id = (select astapa.current_project_id()) and u.id = (select s.user_id
      from astapa.login_sessions s
      where s.project_id = (select astapa.current_project_id()) and s.token_hash = end_login_session.token_hash)
    for update of u;
    update astapa.login_sessions s set ended_at = pg_catalog.now()
    where s.project_id = (select astapa.current_project_id()) and s.token_hash = end_login_session.token_hash
      and s.ended_at is null;
  $$;

comment on function api.end_login_session(bytea) is
  'Signs the browser out of the current project: its refresh tokens but offline ones are revoked and the apps it '
  'signed in to are sent logout tokens (astapa.end_session_grants). Locks the user''s row first.';

grant execute on function api.end_login_session(bytea) to astapa_app;

drop policy if exists "a project reads its own email tokens" on astapa.email_tokens;
create policy "a project reads its own email tokens" on astapa.email_tokens
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project issues its own email tokens" on astapa.email_tokens;
create policy "a project issues its own email tokens" on astapa.email_tokens
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project uses up its own email tokens" on astapa.email_tokens;
create policy "a project uses up its own email tokens" on astapa.email_tokens
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

create or replace function api.issue_email_token(user_id bigint, purpose text, token_hash bytea,
                                                 sign_in_request text default null) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if purpose = 'reset_password' then
      update astapa.email_tokens t set used_at = pg_catalog.now()
      where t.project_id = (select astapa.current_project_id()) and t.user_id = issue_email_token.user_id
        and t.purpose = 'reset_password' and t.used_at is null;
    end if;
    insert into astapa.email_tokens (project_id, token_hash, user_id, purpose, expires_at, sign_in_request)
    values (astapa.current_project_id(), token_hash, user_id, purpose,
            pg_catalog.now() + case purpose when 'reset_password' then interval '1 hour' else interval '3 days' end,
            sign_in_request);
  end
  $$;

comment on function api.issue_email_token(bigint, text, bytea, text) is
  'Stores a mailed link''s hash (and the sign-in request its short link opens): verify_email lasts 3 days, '
  'reset_password 1 hour and voids earlier reset links.';

grant execute on function api.issue_email_token(bigint, text, bytea, text) to astapa_app;

create or replace function api.email_verification(token_hash bytea) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('user_id', u.id::text, 'email', u.email)
    from astapa.email_tokens t
    join astapa.users u on u.project_id = t.project_id and u.id = t.user_id
    where t.project_id = (select astapa.current_project_id()) and t.token_hash = email_verification.token_hash
      and t.purpose = 'verify_email' and t.used_at is null and t.expires_at > pg_catalog.now()
  $$;

comment on function api.email_verification(bytea) is
  'The account an unused, unexpired confirmation link names, {user_id, email}, or null. Reading it does not use '
  'the link (the page asks first; api.user_for_sign_in gives it the hash to check a password against).';

grant execute on function api.email_verification(bytea) to astapa_app;

create or replace function api.confirmation_question(token_hash bytea, session_hash bytea default null)
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    link jsonb := api.email_verification(token_hash);
    account jsonb;
    person bigint;
  begin
    if link is null then
      return null;
    end if;
    -- The address's account in the project's current environment: one of the other environment is not shown.
    account := api.user_for_sign_in(project, link ->> 'email');
    if account is null or account ->> 'id' is distinct from link ->> 'user_id' then
      return null;
    end if;
    person := (link ->> 'user_id')::bigint;
    return link || pg_catalog.jsonb_build_object(
      'password_hash', account -> 'password_hash',
      'signed_in', session_hash is not null and api.login_session_user(session_hash) is not distinct from person,
      'has_passkey', exists (select from astapa.passkeys k where k.project_id = project and k.user_id = person));
  end
  $$;

comment on function api.confirmation_question(bytea, bytea) is
  'What the confirmation page needs before it checks anything, in one call: the account an unused, unexpired '
  'link names (api.email_verification) when it is the address''s account in the project''s current environment, '
  'with its password hash (api.user_for_sign_in), whether session_hash is a live session of that account '
  '(api.login_session_user) and whether it has a passkey; null otherwise. Reading it does not use the link.';

grant execute on function api.confirmation_question(bytea, bytea) to astapa_app;

create or replace function api.confirm_email(token_hash bytea, password_hash text default null,
                                             session_hash bytea default null) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    owner bigint;
    project text := astapa.current_project_id();
    claimed jsonb;
    session_user_id bigint;
  begin
    update astapa.email_tokens t set used_at = pg_catalog.now()
    where t.project_id = project and t.token_hash = confirm_email.token_hash
      and t.purpose = 'verify_email' and t.used_at is null and t.expires_at > pg_catalog.now()
    returning t.user_id into owner;
    if owner is null then
      raise exception 'this verification link is unknown, used or expired' using errcode = 'AS4G0';
    end if;
    -- The user's row first, as every claim, reset and sign-out takes it: the password or session checked below
    -- stays the account's until this commits.
    perform from astapa.users u where u.project_id = project and u.id = owner for update;
    if confirm_email.password_hash is null and session_hash is null then
      -- Opening the link proves the mailbox, nothing more. Whoever registered the address may not hold it
      -- (pre-account hijacking, docs/security.md): the mailbox's owner takes the account, as with a reset link.
      claimed := astapa.claim_unproven_account(project, owner, 'email');
      perform astapa.audit(project, 'user.email_verified', 'user:' || owner,
        pg_catalog.jsonb_build_object('confirmed_with', 'link'));
      return pg_catalog.jsonb_build_object('user_id', owner::text) || astapa.claim_notice(project, owner, claimed);
    end if;
    -- The person also knows the account's password (the hash the page verified it against is still the enabled
    -- user's: astapa.lock_password_sign_in, AS4C0 otherwise), or opened the link in a browser signed in to the
    -- account: they registered it; nothing is removed.
    if confirm_email.password_hash is not null then
      perform astapa.lock_password_sign_in(project, owner, confirm_email.password_hash);
    else
      -- The session's rules are astapa.hold_live_login_session's; an ended one is no proof here (AS4C0, so the
      -- page asks for the password) rather than an expired link.
      begin
        session_user_id := astapa.hold_live_login_session(session_hash);
      exception when sqlstate 'AS4G0' then
        session_user_id := null;
      end;
      if session_user_id is distinct from owner then
        raise exception using errcode = 'AS4C0',
          message = 'This browser is no longer signed in to the account: confirm with its password instead.';
      end if;
    end if;
    -- Beside a number proven since the link was mailed, the address is still the sign-up's own: confirmed, as
    -- the number's owner would from the account page.
    update astapa.users u set email_verified = true
    where u.project_id = project and u.id = owner and not u.email_verified;
    perform astapa.audit(project, 'user.email_verified', 'user:' || owner,
      pg_catalog.jsonb_build_object('confirmed_with',
        case when confirm_email.password_hash is not null then 'password' else 'session' end));
    return pg_catalog.jsonb_build_object('user_id', owner::text);
  end
  $$;

comment on function api.confirm_email(bytea, text, bytea) is
  'Uses a confirmation link once (AS4G0 unknown, used or expired). With the stored password hash the page '
  'verified the typed password against (password_hash), or a live login session of the same user in this '
  'browser (session_hash), the address is verified and nothing else changes (AS4C0 when that hash or session is '
  'no longer the account''s). With neither, the mailbox''s owner claims the account '
  '(astapa.claim_unproven_account: whatever was set up unproven goes) and the answer carries the claim''s notice '
  '(astapa.claim_notice). Audited user.email_verified {confirmed_with: password | session | link}.';

grant execute on function api.confirm_email(bytea, text, bytea) to astapa_app;

create or replace function api.reset_password(token_hash bytea, password_hash text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    owner bigint;
    claimed jsonb;
  begin
    if password_hash !~ '^\$argon2id\$' then
      raise exception 'password hashes must be argon2id' using errcode = 'AS400';
    end if;
    update astapa.email_tokens t set used_at = pg_catalog.now()
    where t.project_id = (select astapa.current_project_id()) and t.token_hash = reset_password.token_hash
      and t.purpose = 'reset_password' and t.used_at is null and t.expires_at > pg_catalog.now()
    returning t.user_id into owner;
    -- A link mailed before the account's number was proven, to an address still unverified, is not a way in
    -- any more (astapa.proof_signs_in): refused as an expired one.
    if owner is null or not astapa.proof_signs_in(astapa.current_project_id(), owner, 'email') then
      raise exception 'this reset link is unknown, used or expired' using errcode = 'AS4G0';
    end if;
    -- Enforced SSO: a link mailed before the organization turned SSO on resets nothing (and stays unused).
    perform astapa.assert_user_not_sso(astapa.current_project_id(), owner);
    -- The mailbox proved ownership: an account that had not proven the address becomes the person's, with only
    -- what was proven left on it (astapa.claim_unproven_account verifies it). And whoever knew the old password
    -- is now out everywhere. (The claim locks the user's row for update first, before anything below.)
    claimed := astapa.claim_unproven_account(astapa.current_project_id(), owner, 'email');
    update astapa.users u set password_hash = reset_password.password_hash
    where u.project_id = (select astapa.current_project_id()) and u.id = owner;
    -- Every way back the old password opened (astapa.void_ways_back): the sessions and refresh tokens, a code
    -- issued to one of those sessions a moment ago, a device approved in one, an address change asked for with
    -- it (which would hand the account to that mailbox) and a second step begun after it. Counted as
    -- user.sign_out_everywhere and user.claimed count theirs (a claim just made ended most already, counted in
    -- its own entry).
    perform astapa.audit(astapa.current_project_id(), 'user.password_reset', 'user:' || owner,
      astapa.void_ways_back(owner));
    -- claimed: what the claim removed and the address, so the page tells the person (astapa.claim_notice).
    return pg_catalog.jsonb_build_object('user_id', owner::text)
      || astapa.claim_notice(astapa.current_project_id(), owner, claimed);
  end
  $$;

comment on function api.reset_password(bytea, text) is
  'Uses a reset link once: sets the new argon2id hash, marks the email verified, and closes every way back '
  'into the account (astapa.void_ways_back: ends every session, revokes every refresh token, voids every '
  'unredeemed authorization code, approved and unpolled device authorization, pending address change and open '
  'second-step challenge of the user); audited user.password_reset with its counts {sessions, refresh_tokens, '
  'authorization_codes, device_authorizations, email_changes, mfa_challenges}. An account whose address was '
  'unverified is '
  'claimed first (astapa.claim_unproven_account: passkeys, factors, identities and an unverified phone go too). '
  'Returns {user_id}, plus {claimed: what the claim removed, email} when it claimed and removed something '
  '(astapa.claim_notice). AS4G0 for an unknown, used or expired link, or one to an address that does not sign '
  'in (astapa.proof_signs_in); AS4E0 (the link unused) for an address at a domain that signs in through SSO '
  '(astapa.assert_user_not_sso).';

grant execute on function api.reset_password(bytea, text) to astapa_app;

create or replace function api.mail_email_link(email text, purpose text, token_hash bytea, subject text, body_text text,
                                    kind text, body_html text default null, sign_in_request text default null)
  returns boolean
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    found_user record;
  begin
    -- Enforced SSO: no reset for an address at a domain that signs in through its IdP, said before the lookup
    -- (the same for every address there). A confirmation link signs nobody in by itself: still mailed.
    if purpose = 'reset_password' then
      perform astapa.assert_sso_not_required(astapa.current_project_id(), mail_email_link.email);
    end if;
    -- The enabled user of this project's current environment behind the address, in any letter case.
    select u.id, u.email, u.email_verified into found_user
    from astapa.users u join astapa.projects p on p.id = u.project_id
    where u.project_id = (select astapa.current_project_id()) and u.environment = p.mode and not u.disabled
      and u.email_lower = pg_catalog.lower(pg_catalog.btrim(mail_email_link.email));
    -- Silence, not an error, when there is nobody to mail: the pages answer the same either way. Neither link goes
    -- to an address left unverified beside a verified number (astapa.proof_signs_in): a reset is a way in, and
    -- a confirmation asked for on the public page by whoever holds the mailbox would make it one. Its owner (the
    -- number's) confirms it from the account page (api.account_request_email_change).
    if not found or (purpose = 'verify_email' and found_user.email_verified)
       or not astapa.proof_signs_in(astapa.current_project_id(), found_user.id, 'email') then
      return false;
    end if;
    perform api.issue_email_token(found_user.id, purpose, token_hash, sign_in_request);
    -- To the address as registered, whatever case it was typed in now.
    perform api.queue_mail(found_user.email, subject, body_text, kind, body_html);
    return true;
  end
  $$;

comment on function api.mail_email_link(text, text, bytea, text, text, text, text, text) is
  'Issues a mailed link (verify_email: only while unverified; reset_password) for the enabled user behind an '
  'email in the current project and environment whose address signs in (astapa.proof_signs_in: not an '
  'unverified one beside a verified number), stores the sign-in request its short link opens, and queues '
  'its mail. Returns false, silently, when nobody qualifies. A reset_password for an address at a domain that '
  'signs in through SSO: AS4E0, before any lookup (astapa.assert_sso_not_required).';

grant execute on function api.mail_email_link(text, text, bytea, text, text, text, text, text) to astapa_app;

create or replace function api.email_link_request(token_hash bytea) returns text
  language sql
  stable
  set search_path = ''
  as $$
    select t.sign_in_request from astapa.email_tokens as t
    where t.project_id = (select astapa.current_project_id()) and t.token_hash = email_link_request.token_hash
  $$;

comment on function api.email_link_request(bytea) is
  'The sign-in request (hosted-login path and query) a short mailed link opens, or null for an unknown token. '
  'Used and expired links lead on too: the page they open says what became of the link.';

grant execute on function api.email_link_request(bytea) to astapa_app;

create or replace function api.sign_in_with_identity(provider text, subject text, email text, email_verified boolean)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    mode text;
    -- Named columns, not users%rowtype: the app role may not read password_hash.
    found_user record;
    existed boolean;
    linked_user_id bigint;
    clean_email text := pg_catalog.btrim(email);
  begin
    if project is null then
      raise exception using errcode = 'AS403', message = 'Social sign-in acts for one project.';
    end if;
    mode := astapa.require_project(project);
    if provider is null or provider not in ('google', 'github', 'apple', 'microsoft') then
      raise exception using errcode = 'AS400', message = 'The provider must be google, github, apple or microsoft.';
    end if;
    if subject is null or pg_catalog.length(subject) not between 1 and 255 then
      raise exception using errcode = 'AS400', message = 'The provider''s subject must be 1 to 255 characters.';
    end if;
    -- Enforced SSO: neither the provider's address nor (below) the account's may be at a domain whose
    -- organization signs in through its own IdP.
    perform astapa.assert_sso_not_required(project, clean_email);
    -- Two first sign-ins of one identity at once must not create two users.
    perform pg_catalog.pg_advisory_xact_lock(
      pg_catalog.hashtextextended(project || ' ' || provider || ' ' || subject, 0));

    select i.user_id into linked_user_id from astapa.identities i
    where i.project_id = project and i.provider = sign_in_with_identity.provider
      and i.subject = sign_in_with_identity.subject;

    if linked_user_id is not null then
      select u.id, u.email, u.email_verified, u.disabled, u.environment into found_user
      from astapa.users u where u.project_id = project and u.id = linked_user_id;
      if found_user.environment <> mode then
        raise exception using errcode = 'AS409',
          message = 'This account belongs to the project''s other environment (sandbox or production).';
      end if;
      if found_user.disabled then
        raise exception using errcode = 'AS403', message = 'This account is disabled.';
      end if;
      perform astapa.assert_sso_not_required(project, found_user.email);
      -- The provider has just proved control of the user's address: that is a verification.
      if email_verified and not found_user.email_verified
         and pg_catalog.lower(found_user.email) = pg_catalog.lower(clean_email) then
        update astapa.users u set email_verified = true where u.project_id = project and u.id = found_user.id;
      end if;
      return pg_catalog.jsonb_build_object('user_id', found_user.id::text, 'created', false, 'linked', false);
    end if;

    perform astapa.assert_email(clean_email);
    select u.id, u.email, u.email_verified, u.disabled, u.environment into found_user
    from astapa.users u
    where u.project_id = project and u.environment = mode and u.email_lower = pg_catalog.lower(clean_email);
    existed := found;

    if not existed then
      perform astapa.assert_sign_up_allowed(project, clean_email);
      linked_user_id := (api.create_user(project, clean_email, null, coalesce(email_verified, false)) ->> 'id')::bigint;
    elsif not coalesce(email_verified, false) then
      raise exception using errcode = 'AS409', message =
        'An account with this email already exists, and the provider has not verified the address, so they '
        'are not linked. Sign in with your password instead.';
    elsif not found_user.email_verified then
      raise exception using errcode = 'AS409', message =
        'An account with this email already exists but its address is not confirmed yet, so they are not '
        'linked. Confirm the email from the message we sent, or sign in with your password.';
    elsif found_user.disabled then
      raise exception using errcode = 'AS403', message = 'This account is disabled.';
    else
      linked_user_id := found_user.id;
    end if;

    insert into astapa.identities (project_id, provider, subject, user_id, email)
    values (project, sign_in_with_identity.provider, sign_in_with_identity.subject, linked_user_id, clean_email);
    perform astapa.audit(project, 'user.identity_link', 'user:' || linked_user_id,
      pg_catalog.jsonb_build_object('provider', sign_in_with_identity.provider,
                                    'created', not existed));
    return pg_catalog.jsonb_build_object('user_id', linked_user_id::text, 'created', not existed,
                                         'linked', existed);
  end
  $$;

comment on function api.sign_in_with_identity(text, text, text, boolean) is
  'Social sign-in for the current project: the user a provider identity belongs to, else a new link to the '
  'user with the same email when both sides verified it, else a new user (email_verified as the provider '
  'says). Returns {user_id, created, linked}. AS409 when an account with the email exists but cannot be '
  'linked safely, or belongs to the other environment; AS403 when the user is disabled; AS4E0 when the '
  'provider''s address or the account''s is at a domain that signs in through SSO '
  '(astapa.assert_sso_not_required).';

grant execute on function api.sign_in_with_identity(text, text, text, boolean) to astapa_app;

create or replace function api.reset_link_usable(token_hash bytea) returns boolean
  language sql
  stable
  security invoker
  set search_path = ''
  as $$
    select exists (
      select from astapa.email_tokens t
      where t.project_id = (select astapa.current_project_id()) and t.token_hash = reset_link_usable.token_hash
        and t.purpose = 'reset_password' and t.used_at is null and t.expires_at > pg_catalog.now()
        and astapa.proof_signs_in(t.project_id, t.user_id, 'email')
    )
  $$;

comment on function api.reset_link_usable(bytea) is
  'True while a reset link of the current project is unused and unexpired and its address signs in (the same '
  'test api.reset_password makes); it does not use the link.';

revoke execute on function api.reset_link_usable(bytea) from public;

grant execute on function api.reset_link_usable(bytea) to astapa_app;

create or replace function api.pending_login(token_hash bytea) returns jsonb
  language sql
  stable
  security invoker
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('kind', pending.kind, 'email', pending.email,
                                         'initiate_login_uri', p.settings ->> 'initiate_login_uri')
    from (
      -- A reset link, while api.reset_password would take it (the test api.reset_link_usable makes).
      select 'reset_password' as kind, u.email
      from astapa.email_tokens as t
      join astapa.users as u on u.project_id = t.project_id and u.id = t.user_id
      where t.project_id = (select astapa.current_project_id()) and t.token_hash = pending_login.token_hash
        and t.purpose = 'reset_password' and t.used_at is null and t.expires_at > pg_catalog.now()
        and u.email is not null and u.deleted_at is null
        and astapa.proof_signs_in(t.project_id, t.user_id, 'email')
      union all
      -- A waitlist approval's link, while the entry stays approved and nobody has signed up with the address:
      -- the account's creation is what uses it.
      select 'waitlist_sign_up', e.email
      from astapa.waitlist_entries as e
      where e.project_id = (select astapa.current_project_id()) and e.start_token_hash = pending_login.token_hash
        and e.status = 'approved' and e.start_token_expires_at > pg_catalog.now()
        and not exists (select from astapa.users as u
                        where u.project_id = e.project_id and u.environment = e.environment
                          and u.email_lower = e.email_lower and u.deleted_at is null)
      union all
      -- A verified IdP-initiated SAML sign-in, while unused and its connection still accepts one.
      select 'sso_sign_in', x.email
      from astapa.sso_pending_sign_ins as x
      join astapa.sso_connections as c on c.project_id = x.project_id and c.id = x.connection_id
      where x.project_id = (select astapa.current_project_id()) and x.token_hash = pending_login.token_hash
        and x.used_at is null and x.expires_at > pg_catalog.now()
        and c.protocol = 'saml' and c.enabled and c.idp_initiated
    ) as pending
    join astapa.projects as p on p.id = (select astapa.current_project_id())
    limit 1
  $$;

comment on function api.pending_login(bytea) is
  'What a mailed /auth/start link of the current project starts (OIDC Core §4 third-party initiated login, '
  'docs/hosted-login.md "Sign-ins the app did not start"): {kind: reset_password | waitlist_sign_up | '
  'sso_sign_in (an IdP-initiated SAML sign-in, api.use_sso_pending_sign_in), email, '
  'initiate_login_uri: the project client''s, or null}, or null for a token unknown, used or expired. Reading it '
  'uses nothing: the reset (api.reset_password) or the sign-up does.';

revoke execute on function api.pending_login(bytea) from public;

grant execute on function api.pending_login(bytea) to astapa_app;

create or replace function api.send_password_reset(project_id text, user_id bigint, token_hash bytea, mail jsonb)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    settings jsonb;
    found_user record;
    wait integer;
  begin
    if project_id is distinct from astapa.current_project_id() or astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    select p.settings into settings from astapa.projects as p where p.id = send_password_reset.project_id;
    if settings ->> 'initiate_login_uri' is null then
      raise exception using errcode = 'AS4L0', message =
        'The project''s client has no initiate_login_uri, so the reset link has no app to start the sign-in: '
        'set one (PATCH /api/platform/initiate-login-settings, or the dashboard''s Settings) first.';
    end if;
    if settings -> 'passwords' = 'false'::jsonb then
      raise exception using errcode = 'AS409',
        message = 'This project signs people in without passwords: there is no password to reset.';
    end if;
    -- The user's row first, the order api.reset_password takes it in.
    select u.email, u.disabled into found_user from astapa.users as u
    where u.project_id = send_password_reset.project_id and u.id = send_password_reset.user_id
    for update of u;
    if found_user.email is null then
      raise exception using errcode = 'AS409', message = 'This user has no email address to mail a reset link to.';
    end if;
    if found_user.disabled then
      raise exception using errcode = 'AS409', message = 'This user is disabled: enable them before a reset.';
    end if;
    -- An address left unverified beside a verified number is no way in (astapa.proof_signs_in): a reset would
    -- make it one for whoever holds that mailbox.
    if not astapa.proof_signs_in(project_id, user_id, 'email') then
      raise exception using errcode = 'AS409', message =
        'This user''s email address is unverified while their phone number is verified, so it does not sign '
        'them in and gets no reset link.';
    end if;
    -- Enforced SSO: the organization's IdP holds the password, not Astapa.
    perform astapa.assert_sso_not_required(project_id, found_user.email);
    -- Per user, as the forgot form counts per address: a script looping over one user fills nobody's mailbox.
    -- Over the limit the transaction rolls back, so the count stays where it was.
    wait := api.rate_limit_hit('password_reset_sent:' || project_id || ':' || user_id, 3, 900);
    if wait > 0 then
      raise exception using errcode = 'AS429', hint = wait::text,
        message = 'Three reset links were mailed to this user in the last 15 minutes: wait before sending another.';
    end if;
    perform api.issue_email_token(user_id, 'reset_password', token_hash);
    perform api.queue_mail(project_id, mail || pg_catalog.jsonb_build_object('to', found_user.email));
    perform astapa.audit(project_id, 'user.password_reset_sent', 'user:' || user_id,
      pg_catalog.jsonb_build_object('by', 'admin'));
    return pg_catalog.jsonb_build_object('sub', user_id::text, 'sent_to', found_user.email);
  end
  $$;

comment on function api.send_password_reset(text, bigint, bytea, jsonb) is
  'The project mails one of its users a reset link (`mail`: {template, subject, text, html?}, sent to the '
  'user''s address) whose token (token_hash, a reset_password email token: 1 hour, single use, voiding earlier '
  'ones) starts a sign-in at the project client''s initiate_login_uri (/auth/start, api.pending_login). Audited '
  'user.password_reset_sent {by: admin}; at most 3 per user per 15 minutes (AS429, HINT the seconds to wait). '
  'Returns {sub, sent_to}. AS404 unknown user; AS4L0 no initiate_login_uri; AS409 a password-free project, a '
  'user without an email, disabled, or whose address does not sign in (astapa.proof_signs_in); AS4E0 an address '
  'that signs in through SSO.';

grant execute on function api.send_password_reset(text, bigint, bytea, jsonb) to astapa_app;
