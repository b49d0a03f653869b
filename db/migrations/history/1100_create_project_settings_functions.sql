-- Project settings the dashboard edits, validated in one place: allowed origins, token lifetimes, the email
-- verification policy and per-project social sign-in. api.update_project_settings merges the keys it is given
-- (null removes a key: back to the default), so two people editing different settings never undo each other.

-- The bounds and defaults token lifetimes have. astapa.token_policy clamps to them (replaced below to read
-- them from here), api.update_project_settings refuses values outside them, and the dashboard shows them.
create function astapa.token_lifetime_limits() returns jsonb
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select '{"access_token_ttl": {"default": 3600, "min": 300, "max": 86400},
             "refresh_token_ttl": {"default": 2592000, "min": 3600, "max": 31536000},
             "refresh_grace_seconds": {"default": 10, "min": 0, "max": 60}}'::jsonb
  $$;

comment on function astapa.token_lifetime_limits() is
  'Token lifetime settings: default, min and max seconds for access_token_ttl, refresh_token_ttl and '
  'refresh_grace_seconds. The one source of these numbers.';

grant execute on function astapa.token_lifetime_limits() to astapa_app;

create function api.token_lifetime_limits() returns jsonb
  language sql
  immutable
  set search_path = ''
  as $$ select astapa.token_lifetime_limits() $$;

comment on function api.token_lifetime_limits() is
  'The token lifetime settings with their default, min and max (seconds), for pages and tools to show.';

grant execute on function api.token_lifetime_limits() to astapa_app;

create function astapa.clamp_setting(settings jsonb, key text) returns integer
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select least(greatest(coalesce(astapa.setting_seconds(settings, key), (l ->> 'default')::integer),
                          (l ->> 'min')::integer), (l ->> 'max')::integer)
    from (select astapa.token_lifetime_limits() -> key as l) as limits
  $$;

comment on function astapa.clamp_setting(jsonb, text) is
  'A token lifetime setting in seconds: its default when absent, clamped to its bounds.';

grant execute on function astapa.clamp_setting(jsonb, text) to astapa_app;

create or replace function astapa.token_policy(
  out access_ttl integer, out refresh_ttl integer, out refresh_grace integer)
  language sql
  stable
  set search_path = ''
  as $$
    -- Per-project lifetimes from settings, clamped to astapa.token_lifetime_limits(). A setting that is not a
    -- number is ignored rather than failing every token request of the project.
    select
      astapa.clamp_setting(s, 'access_token_ttl'),
      astapa.clamp_setting(s, 'refresh_token_ttl'),
      astapa.clamp_setting(s, 'refresh_grace_seconds')
    from (select p.settings as s from astapa.projects p where p.id = astapa.current_project_id()) as project
  $$;

comment on function astapa.token_policy() is
  'Token lifetimes of the current project from its settings, each clamped to astapa.token_lifetime_limits().';

-- An allowed origin is compared with a browser's Origin header as an exact string, so it must already be in
-- the form browsers send: scheme://host[:port], lower case, no path, no trailing slash.
create function astapa.is_exact_origin(origin text) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select pg_catalog.length(origin) <= 300
      and (origin ~ '^https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$'
        or origin ~ '^http://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?$')
  $$;

comment on function astapa.is_exact_origin(text) is
  'True for an origin as browsers send it: https://host[:port] (lower case), or http on localhost, 127.0.0.1 '
  'or [::1]; no path, query, fragment, userinfo or trailing slash.';

grant execute on function astapa.is_exact_origin(text) to astapa_app;

-- Why a social_login entry is refused, or null when it is fine: {"enabled": false}, or the project's own
-- OAuth app as client_id + client_secret_sealed (sealed by the app, base64url).
create function astapa.social_provider_problem(provider text, entry jsonb) returns text
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select case
      when entry is null or entry = 'null'::jsonb then null
      when provider not in ('google', 'github') then
        pg_catalog.format('Social sign-in providers are google and github, not %s.', provider)
      when pg_catalog.jsonb_typeof(entry) <> 'object'
        or exists (select from pg_catalog.jsonb_object_keys(entry) as k
                   where k not in ('enabled', 'client_id', 'client_secret_sealed')) then
        pg_catalog.format('social_login.%s takes enabled, client_id and client_secret_sealed only.', provider)
      when entry ? 'enabled' and pg_catalog.jsonb_typeof(entry -> 'enabled') <> 'boolean' then
        pg_catalog.format('social_login.%s.enabled must be true or false.', provider)
      when (entry ? 'client_id') <> (entry ? 'client_secret_sealed') then
        pg_catalog.format('social_login.%s needs both a client id and a client secret.', provider)
      when entry ? 'client_id' and (pg_catalog.jsonb_typeof(entry -> 'client_id') <> 'string'
        or pg_catalog.length(pg_catalog.btrim(entry ->> 'client_id')) not between 1 and 500) then
        pg_catalog.format('The %s client id must be 1 to 500 characters.', provider)
      when entry ? 'client_secret_sealed' and (pg_catalog.jsonb_typeof(entry -> 'client_secret_sealed') <> 'string'
        or (entry ->> 'client_secret_sealed') !~ '^[A-Za-z0-9_-]{40,}$'
        or pg_catalog.length(entry ->> 'client_secret_sealed') > 4000) then
        pg_catalog.format('The %s client secret must be sealed by the server (base64url).', provider)
    end
  $$;

comment on function astapa.social_provider_problem(text, jsonb) is
  'A readable reason a settings.social_login.<provider> entry is refused, or null when it is valid.';

grant execute on function astapa.social_provider_problem(text, jsonb) to astapa_app;

-- Why one setting's new value is refused, or null when it is fine (a null value always is: it removes the key).
create function astapa.setting_problem(key text, value jsonb) returns text
  language plpgsql
  immutable
  set search_path = ''
  as $$
  declare
    limits jsonb := astapa.token_lifetime_limits() -> key;
    origin text;
    provider text;
  begin
    if value is null or value = 'null'::jsonb then
      return null;
    end if;
    if limits is not null then
      if pg_catalog.jsonb_typeof(value) <> 'number' or value::numeric <> pg_catalog.trunc(value::numeric)
         or value::numeric not between (limits ->> 'min')::numeric and (limits ->> 'max')::numeric then
        return pg_catalog.format('%s must be a whole number of seconds from %s to %s.', key, limits ->> 'min',
          limits ->> 'max');
      end if;
      return null;
    end if;
    case key
    when 'require_verified_email' then
      if pg_catalog.jsonb_typeof(value) <> 'boolean' then
        return 'require_verified_email must be true or false.';
      end if;
    when 'allowed_origins' then
      if pg_catalog.jsonb_typeof(value) <> 'array' then
        return 'allowed_origins must be a list of origins.';
      end if;
      if pg_catalog.jsonb_array_length(value) > 50 then
        return 'A project may allow at most 50 origins.';
      end if;
      for origin in select pg_catalog.jsonb_array_elements(value)::text loop
        if pg_catalog.left(origin, 1) <> '"' or not astapa.is_exact_origin(origin::jsonb #>> '{}') then
          return pg_catalog.format('Allowed origin %s is not an origin: use scheme://host[:port] in lower case, '
            'with no path and no trailing slash (https, or http on localhost), e.g. https://app.example.',
            origin::jsonb #>> '{}');
        end if;
      end loop;
      if (select count(distinct o) from pg_catalog.jsonb_array_elements_text(value) as o)
         <> pg_catalog.jsonb_array_length(value) then
        return 'Each allowed origin may be listed once.';
      end if;
    when 'social_login' then
      if pg_catalog.jsonb_typeof(value) <> 'object' then
        return 'social_login must be an object with google and/or github.';
      end if;
      for provider in select pg_catalog.jsonb_object_keys(value) loop
        if astapa.social_provider_problem(provider, value -> provider) is not null then
          return astapa.social_provider_problem(provider, value -> provider);
        end if;
      end loop;
    else
      return pg_catalog.format('%s is not a setting this function changes.', key);
    end case;
    return null;
  end
  $$;

comment on function astapa.setting_problem(text, jsonb) is
  'A readable reason a value is refused for one of the settings api.update_project_settings changes, or null.';

grant execute on function astapa.setting_problem(text, jsonb) to astapa_app;

create function api.update_project_settings(project_id text, changes jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    change record;
    problem text;
    merged jsonb;
    logged jsonb := '{}';
  begin
    perform astapa.require_project(project_id);
    if changes is null or pg_catalog.jsonb_typeof(changes) <> 'object' or changes = '{}'::jsonb then
      raise exception using errcode = 'AS400', message = 'Give the settings to change as a non-empty JSON object.';
    end if;
    for change in select e.key, e.value from pg_catalog.jsonb_each(changes) as e loop
      problem := astapa.setting_problem(change.key, change.value);
      if problem is not null then
        raise exception using errcode = 'AS400', message = problem;
      end if;
      -- The audit log never holds secrets: sealed provider secrets are logged as which providers changed.
      logged := logged || pg_catalog.jsonb_build_object(change.key, case
        when change.key = 'social_login' and pg_catalog.jsonb_typeof(change.value) = 'object' then
          (select pg_catalog.jsonb_object_agg(k, case
             when coalesce(change.value -> k, 'null') = 'null' then 'default'
             when change.value -> k -> 'enabled' = 'false' then 'off'
             else 'own_app' end)
           from pg_catalog.jsonb_object_keys(change.value) as k)
        else change.value end);
    end loop;
    select p.settings into merged from astapa.projects as p where p.id = update_project_settings.project_id
    for update;
    -- Providers merge one by one, so changing Google leaves GitHub as it was; null removes a provider.
    if pg_catalog.jsonb_typeof(changes -> 'social_login') = 'object' then
      changes := pg_catalog.jsonb_set(changes, '{social_login}',
        coalesce(merged -> 'social_login', '{}') || (changes -> 'social_login'));
    end if;
    merged := pg_catalog.jsonb_strip_nulls(merged || changes);
    if pg_catalog.octet_length(merged::text) > 16384 then
      raise exception using errcode = 'AS400', message = 'Project settings must stay within 16 KiB.';
    end if;
    update astapa.projects as p set settings = merged, updated_at = pg_catalog.now()
    where p.id = update_project_settings.project_id;
    perform astapa.audit(project_id, 'project.settings', project_id, logged);
    return astapa.project_json(project_id);
  end
  $$;

comment on function api.update_project_settings(text, jsonb) is
  'Sets (or, given null, removes) allowed_origins, access_token_ttl, refresh_token_ttl, refresh_grace_seconds, '
  'require_verified_email and social_login, each validated (AS400 with the reason); other settings are kept. '
  'Audited as project.settings without secrets.';

grant execute on function api.update_project_settings(text, jsonb) to astapa_app;
