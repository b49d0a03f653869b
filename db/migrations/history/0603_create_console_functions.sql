-- The console project and how its users become developer accounts.

create function api.ensure_console_project(redirect_uri text, client_secret_hash bytea) returns jsonb
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
      -- Developers are real people from the first day: the console never runs in sandbox.
      perform api.update_project(console_id, mode => 'production');
      insert into astapa.deployment (console_project_id) values (console_id);
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

create function astapa.account_json(account_id bigint) returns jsonb
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

create function api.link_console_account(user_id bigint) returns jsonb
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

create function api.invite_account(email text) returns jsonb
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
