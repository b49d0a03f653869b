-- Dashboard accounts, memberships and console sessions.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own members" on astapa.memberships;
create policy "a project reads its own members" on astapa.memberships
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds its own members" on astapa.memberships;
create policy "a project adds its own members" on astapa.memberships
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project changes its own members' roles" on astapa.memberships;
create policy "a project changes its own members' roles" on astapa.memberships
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own members" on astapa.memberships;
create policy "a project removes its own members" on astapa.memberships
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create or replace function api.create_account(email text, password_hash text, password_reset_required boolean default true)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    created jsonb;
  begin
    perform astapa.assert_email(pg_catalog.btrim(email));
    if password_hash is not null and password_hash !~ '^\$argon2id\$' then
      raise exception using errcode = 'AS400', message = 'Password hashes must be argon2id.';
    end if;
    begin
      insert into astapa.accounts as a (email, password_hash, password_reset_required)
      values (pg_catalog.btrim(email), password_hash, coalesce(password_reset_required, true))
      returning pg_catalog.jsonb_build_object('id', a.id::text, 'email', a.email,
        'password_reset_required', a.password_reset_required, 'created_at', a.created_at) into created;
    exception when unique_violation then
      raise exception using errcode = 'AS409', message = 'An account with this email already exists.';
    end;
    return created;
  end
  $$;

comment on function api.create_account(text, text, boolean) is
  'Creates a developer account (email unique in any case). password_hash is argon2id or null for an invite.';

grant execute on function api.create_account(text, text, boolean) to astapa_app;

create or replace function api.add_member(project_id text, account_id bigint, role text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    perform astapa.require_project(project_id);
    if role is null or role not in ('owner', 'admin', 'viewer') then
      raise exception using errcode = 'AS400', message = 'A member''s role is owner, admin or viewer.';
    end if;
    if not exists (select from astapa.accounts as a where a.id = add_member.account_id) then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Account %s was not found.', account_id);
    end if;
    begin
      insert into astapa.memberships (project_id, account_id, role) values (project_id, account_id, role);
    exception when unique_violation then
      raise exception using errcode = 'AS409', message = 'This account is already a member of this project.';
    end;
    perform astapa.audit(project_id, 'member.add', 'account:' || account_id, pg_catalog.jsonb_build_object('role', role));
    return pg_catalog.jsonb_build_object('project_id', project_id, 'account_id', account_id::text, 'role', role);
  end
  $$;

comment on function api.add_member(text, bigint, text) is
  'Lets an account administer the project as owner, admin or viewer. AS404 unknown project/account, AS409 twice.';

grant execute on function api.add_member(text, bigint, text) to astapa_app;

create or replace function astapa.member_account_id(project_id text, email text) returns bigint
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    found_id bigint;
  begin
    select m.account_id into found_id
    from astapa.memberships as m
    join astapa.accounts as a on a.id = m.account_id
    where m.project_id = member_account_id.project_id
      and pg_catalog.lower(a.email) = pg_catalog.lower(pg_catalog.btrim(member_account_id.email));
    if found_id is null then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('%s is not a member of this project.', pg_catalog.btrim(email));
    end if;
    return found_id;
  end
  $$;

comment on function astapa.member_account_id(text, text) is
  'The account of the project''s member with this email (any case); AS404 when none.';

grant execute on function astapa.member_account_id(text, text) to astapa_app;

create or replace function astapa.keep_an_owner(project_id text, account_id bigint) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- Lock the project's owners first, so two owners removing each other at once cannot both succeed:
    -- the second waits, then counts the owners the first left. In account order: rows locked in the order a scan
    -- meets them can be met in another order by another scan (a row an update moved), and two such wait in a
    -- circle.
    perform from astapa.memberships as m
    where m.project_id = keep_an_owner.project_id and m.role = 'owner'
    order by m.account_id
    for update;
    if exists (
      select from astapa.memberships as m
      where m.project_id = keep_an_owner.project_id and m.account_id = keep_an_owner.account_id and m.role = 'owner'
    ) and not exists (
      select from astapa.memberships as m
      where m.project_id = keep_an_owner.project_id and m.role = 'owner' and m.account_id <> keep_an_owner.account_id
    ) then
      raise exception using errcode = 'AS409',
        message = 'This is the project''s last owner: make another member owner first.';
    end if;
  end
  $$;

comment on function astapa.keep_an_owner(text, bigint) is
  'Refuses (AS409) taking the owner role from the project''s last owner; locks the owners while it checks.';

grant execute on function astapa.keep_an_owner(text, bigint) to astapa_app;

create or replace function api.set_member_role(project_id text, email text, role text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    member_id bigint;
  begin
    perform astapa.require_project(project_id);
    if role is null or role not in ('owner', 'admin', 'viewer') then
      raise exception using errcode = 'AS400', message = 'A member''s role is owner, admin or viewer.';
    end if;
    member_id := astapa.member_account_id(project_id, email);
    if role <> 'owner' then
      perform astapa.keep_an_owner(project_id, member_id);
    end if;
    update astapa.memberships as m set role = set_member_role.role
    where m.project_id = set_member_role.project_id and m.account_id = member_id;
    perform astapa.audit(project_id, 'member.role', 'account:' || member_id, pg_catalog.jsonb_build_object('role', role));
    return pg_catalog.jsonb_build_object('project_id', project_id, 'account_id', member_id::text, 'role', role);
  end
  $$;

comment on function api.set_member_role(text, text, text) is
  'Changes the role of the member with this email. AS404 not a member, AS409 demoting the last owner.';

grant execute on function api.set_member_role(text, text, text) to astapa_app;

create or replace function api.remove_member(project_id text, email text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    member_id bigint;
    old_role text;
  begin
    perform astapa.require_project(project_id);
    member_id := astapa.member_account_id(project_id, email);
    perform astapa.keep_an_owner(project_id, member_id);
    delete from astapa.memberships as m
    where m.project_id = remove_member.project_id and m.account_id = member_id
    returning m.role into old_role;
    perform astapa.audit(project_id, 'member.remove', 'account:' || member_id,
      pg_catalog.jsonb_build_object('role', old_role));
    return pg_catalog.jsonb_build_object('project_id', project_id, 'account_id', member_id::text, 'role', old_role);
  end
  $$;

comment on function api.remove_member(text, text) is
  'Takes the member with this email off the project (the account stays). AS404 not a member, AS409 last owner.';

grant execute on function api.remove_member(text, text) to astapa_app;

create or replace function api.ensure_console_project(redirect_uri text, client_secret_hash bytea) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    console_id text;
    -- A plain-http base URL off loopback cannot be a redirect URI (see astapa.is_valid_redirect_uri): the
    -- console then exists without one and the dashboard explains why sign-in is unavailable.
    usable boolean := coalesce(astapa.is_valid_redirect_uri(redirect_uri), false);
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403',
        message = 'The console project cannot be ensured while acting for another project.';
    end if;
    -- Instances booting together queue here; the second one finds the first one's row.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('astapa.console_project'));
    select d.console_project_id into console_id from astapa.deployment as d;
    if console_id is null then
      console_id := api.create_project('Astapa console',
        case when usable then array[redirect_uri] else '{}'::text[] end, client_secret_hash) ->> 'project_id';
      insert into astapa.deployment (console_project_id) values (console_id);
      -- Developers are real people from the first day: the console never runs in sandbox.
      perform api.update_project(console_id, mode => 'production');
    else
      perform pg_catalog.set_config('astapa.project_id', console_id, true);
      -- Another base URL (a second instance, a moved deployment) adds its callback; existing ones stay.
      if usable and not exists (select from astapa.projects as p
                                where p.id = console_id and ensure_console_project.redirect_uri = any (p.redirect_uris)) then
        perform api.add_redirect_uri(console_id, redirect_uri);
      end if;
    end if;
    return (select pg_catalog.jsonb_build_object('project_id', p.id, 'client_id', p.client_id,
              'redirect_uri_allowed', ensure_console_project.redirect_uri = any (p.redirect_uris))
            from astapa.projects as p where p.id = console_id);
  end
  $$;

comment on function api.ensure_console_project(text, bytea) is
  'The console project (id, client id, whether this redirect URI is allowed), created in production mode on '
  'first boot; adds the redirect URI when missing and allowed. Makes the transaction act for the console '
  'project. Safe under concurrent boots (advisory lock). Refused (AS403) while acting for another project.';

grant execute on function api.ensure_console_project(text, bytea) to astapa_app;

create or replace function astapa.account_json(account_id bigint) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('id', a.id::text, 'email', a.email,
      'deployment_owner', a.deployment_owner, 'console_user_id', a.console_user_id::text)
    from astapa.accounts as a
    where a.id = account_json.account_id
  $$;

comment on function astapa.account_json(bigint) is
  'A developer account as the dashboard sees it (never the password hash); null when there is none.';

grant execute on function astapa.account_json(bigint) to astapa_app;

create or replace function api.link_console_account(user_id bigint) returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    console_id text := (select d.console_project_id from astapa.deployment as d);
    console_user astapa.users;
    account record;
  begin
    if console_id is null or astapa.current_project_id() is distinct from console_id then
      raise exception using errcode = 'AS403', message = 'Developer accounts are linked as the console project only.';
    end if;
    select * into console_user from astapa.users as u where u.project_id = console_id and u.id = link_console_account.user_id;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Console user %s was not found.', user_id);
    end if;
    if console_user.disabled then
      raise exception using errcode = 'AS403', message = 'This developer sign-in is disabled.';
    end if;
    -- One linker at a time, so two first sign-ins on a fresh install cannot both become the owner.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('astapa.link_console_account'));
    select a.id, a.console_user_id into account
    from astapa.accounts as a where a.console_user_id = link_console_account.user_id;
    if found then
      return astapa.account_json(account.id);
    end if;
    select a.id, a.console_user_id into account
    from astapa.accounts as a where pg_catalog.lower(a.email) = pg_catalog.lower(console_user.email);
    if found then
      if account.console_user_id is not null then
        raise exception using errcode = 'AS409',
          message = 'The developer account for this email signs in as another console user.';
      end if;
      -- An invitation is claimed only by someone who proved they read that mailbox.
      if not console_user.email_verified then
        raise exception using errcode = 'AS403',
          message = pg_catalog.format('Verify %s first: follow the link in the email we sent, then sign in again.',
            console_user.email);
      end if;
      update astapa.accounts as a set console_user_id = link_console_account.user_id where a.id = account.id;
    elsif not exists (select from astapa.accounts) then
      insert into astapa.accounts (email, console_user_id, deployment_owner)
      values (console_user.email, link_console_account.user_id, true) returning id, console_user_id into account;
    else
      raise exception using errcode = 'AS403',
        message = pg_catalog.format('This deployment is invite-only: ask its owner to invite %s.', console_user.email);
    end if;
    -- Accounts made with the CLI before anyone signed in: the first of them to sign in owns the deployment.
    if not exists (select from astapa.accounts as a where a.deployment_owner) then
      update astapa.accounts as a set deployment_owner = true where a.id = account.id;
    end if;
    perform astapa.audit(console_id, 'account.link', 'account:' || account.id,
      pg_catalog.jsonb_build_object('console_user_id', user_id::text));
    return astapa.account_json(account.id);
  end
  $$;

comment on function api.link_console_account(bigint) is
  'The developer account a console user signs in as: already linked; or an invited account with the same '
  '(verified) email, linked now; or, on a fresh install with no accounts, a new account that owns the '
  'deployment. Otherwise AS403 (invite-only). Security definer because it sets console_user_id and '
  'deployment_owner, which the app role may not write. Guard: only while acting for the console project, and '
  'only for a user of it (RLS still filters users to that project).';

grant execute on function api.link_console_account(bigint) to astapa_app;

create or replace function api.invite_account(email text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    account_id bigint;
  begin
    perform astapa.assert_email(pg_catalog.btrim(email));
    select a.id into account_id from astapa.accounts as a
    where pg_catalog.lower(a.email) = pg_catalog.lower(pg_catalog.btrim(invite_account.email));
    if account_id is null then
      begin
        insert into astapa.accounts (email, password_reset_required) values (pg_catalog.btrim(email), false)
        returning id into account_id;
      exception when unique_violation then
        -- Invited by someone else a moment ago.
        select a.id into account_id from astapa.accounts as a
        where pg_catalog.lower(a.email) = pg_catalog.lower(pg_catalog.btrim(invite_account.email));
      end;
    end if;
    return astapa.account_json(account_id);
  end
  $$;

comment on function api.invite_account(text) is
  'The account for this email (any case), creating it as an invitation (no sign-in yet) when missing.';

grant execute on function api.invite_account(text) to astapa_app;

create or replace function api.start_dashboard_session(session_hash bytea, account_id bigint, ttl_seconds integer)
  returns timestamptz
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    expires timestamptz;
  begin
    if session_hash is null or pg_catalog.length(session_hash) <> 32 then
      raise exception using errcode = 'AS400', message = 'A session is stored as a SHA-256 digest (32 bytes).';
    end if;
    if ttl_seconds is null or ttl_seconds not between 60 and 2592000 then
      raise exception using errcode = 'AS400', message = 'Dashboard sessions last 1 minute to 30 days.';
    end if;
    if not exists (select from astapa.accounts as a where a.id = start_dashboard_session.account_id) then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Account %s was not found.', account_id);
    end if;
    insert into astapa.dashboard_sessions (session_hash, account_id, expires_at)
    values (session_hash, account_id, pg_catalog.now() + pg_catalog.make_interval(secs => ttl_seconds))
    returning expires_at into expires;
    return expires;
  end
  $$;

comment on function api.start_dashboard_session(bytea, bigint, integer) is
  'Starts a dashboard session for the account, stored by the SHA-256 of its cookie token; returns its expiry.';

grant execute on function api.start_dashboard_session(bytea, bigint, integer) to astapa_app;

create or replace function api.dashboard_session(session_hash bytea) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.account_json(s.account_id) || pg_catalog.jsonb_build_object('expires_at', s.expires_at)
    from astapa.dashboard_sessions as s
    where s.session_hash = dashboard_session.session_hash
      and s.ended_at is null and s.expires_at > pg_catalog.now()
  $$;

comment on function api.dashboard_session(bytea) is
  'The account a live dashboard session signs in (with the session''s expiry), or null.';

grant execute on function api.dashboard_session(bytea) to astapa_app;

create or replace function api.end_dashboard_session(session_hash bytea) returns boolean
  language sql
  volatile
  set search_path = ''
  as $$
    with ended as (
      update astapa.dashboard_sessions as s set ended_at = pg_catalog.now()
      where s.session_hash = end_dashboard_session.session_hash and s.ended_at is null
      returning 1)
    select exists (select from ended)
  $$;

comment on function api.end_dashboard_session(bytea) is 'Ends a dashboard session (sign-out); false when it was not live.';

grant execute on function api.end_dashboard_session(bytea) to astapa_app;

drop policy if exists "definer functions list an account's memberships" on astapa.memberships;
create policy "definer functions list an account's memberships" on astapa.memberships
  for select to astapa_owner
  using (account_id = nullif(pg_catalog.current_setting('astapa.list_account_projects', true), '')::bigint);

drop policy if exists "definer functions list the projects an account is a member of" on astapa.projects;
create policy "definer functions list the projects an account is a member of" on astapa.projects
  for select to astapa_owner
  using (exists (
    select from astapa.memberships as m
    where m.project_id = projects.id
      and m.account_id = nullif(pg_catalog.current_setting('astapa.list_account_projects', true), '')::bigint));

create or replace function api.list_account_projects(account_id bigint) returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    listed jsonb;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Projects cannot be listed while acting for one project.';
    end if;
    if account_id is null or astapa.current_actor() is distinct from 'account:' || account_id then
      raise exception using errcode = 'AS403', message = 'An account lists only its own projects.';
    end if;
    -- Only for this one query (on an error the transaction's rollback undoes it).
    perform pg_catalog.set_config('astapa.list_account_projects', account_id::text, true);
    listed := coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'project_id', p.id, 'name', p.name, 'mode', p.mode, 'client_id', p.client_id, 'created_at', p.created_at,
        'role', m.role) order by p.created_at, p.id)
      from astapa.memberships as m
      join astapa.projects as p on p.id = m.project_id
      where m.account_id = list_account_projects.account_id), '[]');
    perform pg_catalog.set_config('astapa.list_account_projects', '', true);
    return listed;
  end
  $$;

comment on function api.list_account_projects(bigint) is
  'The projects an account is a member of, with its role (no secrets), for the dashboard. Security definer '
  'because the list crosses projects: its set_config turns on the owner-only policies "definer functions list '
  'an account''s memberships" and "… the projects an account is a member of" for its one query. Guards: '
  'refused while acting for a project, and only for the account the transaction acts as (astapa.actor).';

grant execute on function api.list_account_projects(bigint) to astapa_app;

create or replace function api.member_role(project_id text, account_id bigint) returns text
  language sql
  stable
  set search_path = ''
  as $$
    select m.role from astapa.memberships as m
    where m.project_id = member_role.project_id and m.account_id = member_role.account_id
  $$;

comment on function api.member_role(text, bigint) is
  'The account''s role (owner, admin, viewer) in the project the transaction acts for, or null.';

grant execute on function api.member_role(text, bigint) to astapa_app;

create or replace function api.list_members(project_id text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    perform astapa.require_project(project_id);
    return coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('account_id', a.id::text, 'email', a.email,
        'role', m.role, 'signed_in', a.console_user_id is not null) order by m.created_at, a.id)
      from astapa.memberships as m
      join astapa.accounts as a on a.id = m.account_id
      where m.project_id = list_members.project_id), '[]');
  end
  $$;

comment on function api.list_members(text) is
  'The project''s members with their emails and roles; signed_in is false for an invitation not yet used.';

grant execute on function api.list_members(text) to astapa_app;

create or replace function api.console_base_urls() returns text[]
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    console_id text := (select d.console_project_id from astapa.deployment as d);
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403',
        message = 'The console''s addresses cannot be read while acting for another project.';
    end if;
    if console_id is null then
      return '{}'::text[];
    end if;
    -- Act for the console project (as api.ensure_console_project does) so RLS shows its row.
    perform pg_catalog.set_config('astapa.project_id', console_id, true);
    return array(
      select pg_catalog.left(u.uri, -pg_catalog.length('/dashboard/callback'))
      from astapa.projects as p, pg_catalog.unnest(p.redirect_uris) with ordinality as u(uri, n)
      where p.id = console_id and u.uri like '%/dashboard/callback'
      order by u.n);
  end
  $$;

comment on function api.console_base_urls() is
  'The base URLs servers of this deployment have booted with (from the console project''s dashboard callbacks), '
  'oldest first; empty before the first boot. Makes the transaction act for the console project; refused '
  '(AS403) while acting for another project.';

grant execute on function api.console_base_urls() to astapa_app;
