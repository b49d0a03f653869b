-- Going live needs a way to take live payments: a project switches to production only with its own live
-- Xendit keys (astapa.xendit_keys, environment production) or when the deployment has default live keys
-- (XENDIT_SECRET_KEY without the xnd_development_ prefix, plus XENDIT_CALLBACK_TOKEN). Postgres cannot read
-- the server's environment, so the caller states the latter in the transaction-local setting
-- astapa.deployment_live_xendit ('on'); db/projects.ts updateProject sets it from the configuration. The
-- dashboard, the CLI and the API all change the mode through api.update_project, so the rule lives there.

create function astapa.can_take_live_payments(project_id text) returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.current_setting('astapa.deployment_live_xendit', true), '') = 'on'
      or exists (select from astapa.xendit_keys as k
                 where k.project_id = can_take_live_payments.project_id and k.environment = 'production')
  $$;

comment on function astapa.can_take_live_payments(text) is
  'True when the project has its own live Xendit keys, or the caller says the deployment has default live keys '
  '(astapa.deployment_live_xendit = on).';

grant execute on function astapa.can_take_live_payments(text) to astapa_app;

create or replace function api.update_project(project_id text, name text default null, mode text default null,
                                              settings jsonb default null) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    changes jsonb := pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('name', name, 'mode', mode));
    current_mode text;
  begin
    current_mode := astapa.require_project(project_id);
    if name is not null and pg_catalog.length(pg_catalog.btrim(name)) not between 1 and 100 then
      raise exception using errcode = 'AS400', message = 'A project name must be 1 to 100 characters.';
    end if;
    if mode is not null and mode not in ('sandbox', 'production') then
      raise exception using errcode = 'AS400', message = 'A project''s mode is sandbox or production.';
    end if;
    if settings is not null and (pg_catalog.jsonb_typeof(settings) <> 'object'
                                 or pg_catalog.octet_length(settings::text) > 16384) then
      raise exception using errcode = 'AS400', message = 'Project settings must be a JSON object of at most 16 KiB.';
    end if;
    -- The console takes no payments (it signs developers in), so it is the one project exempt.
    if mode = 'production' and current_mode <> 'production'
       and not exists (select from astapa.deployment as d where d.console_project_id = update_project.project_id)
       and not astapa.can_take_live_payments(project_id) then
      raise exception using errcode = 'AS409',
        message = 'Add live Xendit keys before going live: set this project''s live secret key and webhook '
          'verification token on the project''s Settings page, or give the deployment XENDIT_SECRET_KEY and '
          'XENDIT_CALLBACK_TOKEN with a live key. Production projects cannot take payments without them.';
    end if;
    update astapa.projects as p
    set name = coalesce(pg_catalog.btrim(update_project.name), p.name),
        mode = coalesce(update_project.mode, p.mode),
        settings = coalesce(update_project.settings, p.settings),
        updated_at = pg_catalog.now()
    where p.id = update_project.project_id;
    if settings is not null then
      changes := changes || '{"settings": "changed"}';
    end if;
    perform astapa.audit(project_id, 'project.update', project_id, changes);
    return astapa.project_json(project_id);
  end
  $$;

comment on function api.update_project(text, text, text, jsonb) is
  'Changes name, mode and/or settings (null leaves a field as it is). Mode applies to users created from now on. '
  'Switching to production needs live Xendit keys (the project''s own, or the deployment''s as stated by '
  'astapa.deployment_live_xendit); AS409 says how to add them. The console project is exempt.';

-- The console goes to production on first boot; its deployment row is written first so update_project
-- recognises it (before, the row came after the mode change).
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
