-- Projects: creation, keys, settings, going live and deletion.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

create or replace function astapa.random_id(prefix text, length integer) returns text
  language sql
  volatile
  parallel safe
  set search_path = ''
  as $$
    select prefix || pg_catalog.string_agg(
      pg_catalog.substr('abcdefghijklmnopqrstuvwxyz234567', (pg_catalog.get_byte(r.bytes, s.i) & 31) + 1, 1),
      '' order by s.i)
    from (select pg_catalog.uuid_send(pg_catalog.gen_random_uuid())
                 || pg_catalog.uuid_send(pg_catalog.gen_random_uuid()) as bytes) as r,
         lateral (select i from pg_catalog.generate_series(0, 31) as i
                  where i not in (6, 22) order by i limit length) as s
  $$;

comment on function astapa.random_id(text, integer) is
  'A public identifier: prefix + up to 30 random base32 characters (5 bits each) from gen_random_uuid().';

grant execute on function astapa.random_id(text, integer) to astapa_app;

create or replace function astapa.is_valid_redirect_uri(uri text) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select pg_catalog.length(uri) <= 2000
      and uri !~ '[\s#]'
      and (uri ~ '^https://[^/?@\s:]+(:[0-9]{1,5})?(/.*)?(\?.*)?$'
        or uri ~ '^http://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?(/.*)?(\?.*)?$')
  $$;

comment on function astapa.is_valid_redirect_uri(text) is
  'True for an absolute https URL, or http on localhost/127.0.0.1/[::1]; no fragment, no whitespace, no userinfo.';

grant execute on function astapa.is_valid_redirect_uri(text) to astapa_app;

create or replace function astapa.is_valid_initiate_login_uri(uri text) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select astapa.is_valid_redirect_uri(uri) and uri ~ '^https://'
  $$;

comment on function astapa.is_valid_initiate_login_uri(text) is
  'True for a client''s initiate_login_uri (OIDC Core §4, OIDC Dynamic Client Registration §2): a redirect URI''s '
  'form (astapa.is_valid_redirect_uri) and https only. Astapa never fetches it, only sends the browser there.';

grant execute on function astapa.is_valid_initiate_login_uri(text) to astapa_app;

create or replace function astapa.are_valid_redirect_uris(uris text[]) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select pg_catalog.cardinality(uris) <= 50
      and pg_catalog.array_position(uris, null) is null
      and coalesce(bool_and(astapa.is_valid_redirect_uri(u)), true)
      and count(distinct u) = pg_catalog.cardinality(uris)
    from pg_catalog.unnest(uris) as u
  $$;

comment on function astapa.are_valid_redirect_uris(text[]) is
  'At most 50 distinct valid redirect URIs (see astapa.is_valid_redirect_uri).';

grant execute on function astapa.are_valid_redirect_uris(text[]) to astapa_app;

drop policy if exists "a project reads its own row" on astapa.projects;
create policy "a project reads its own row" on astapa.projects
  for select to astapa_app, astapa_owner
  using (id = (select astapa.current_project_id()));

drop policy if exists "a project is created as the project the transaction acts for" on astapa.projects;
create policy "a project is created as the project the transaction acts for" on astapa.projects
  for insert to astapa_app, astapa_owner
  with check (id = (select astapa.current_project_id()));

drop policy if exists "a project updates its own row" on astapa.projects;
create policy "a project updates its own row" on astapa.projects
  for update to astapa_app, astapa_owner
  using (id = (select astapa.current_project_id()))
  with check (id = (select astapa.current_project_id()));

drop policy if exists "definer functions find the project a client id names" on astapa.projects;
create policy "definer functions find the project a client id names" on astapa.projects
  for select to astapa_owner
  using (client_id = nullif(pg_catalog.current_setting('astapa.lookup_client_id', true), ''));

drop policy if exists "definer functions list every project for the operator" on astapa.projects;
create policy "definer functions list every project for the operator" on astapa.projects
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.list_all_projects', true) = 'on');

create or replace function astapa.project_json(project_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'project_id', p.id, 'name', p.name, 'mode', p.mode, 'client_id', p.client_id,
      'redirect_uris', pg_catalog.to_jsonb(p.redirect_uris), 'settings', p.settings,
      'created_at', p.created_at, 'updated_at', p.updated_at)
    from astapa.projects as p
    where p.id = project_json.project_id
  $$;

comment on function astapa.project_json(text) is
  'A project as the API returns it (never the secret hash); null when the project is not visible.';

grant execute on function astapa.project_json(text) to astapa_app;

create or replace function astapa.assert_redirect_uri(uri text) returns void
  language plpgsql
  immutable
  set search_path = ''
  as $$
  begin
    if uri is null or not astapa.is_valid_redirect_uri(uri) then
      raise exception using errcode = 'AS400',
        message = pg_catalog.format('Redirect URI %s is not allowed: use an absolute https URL (http only on '
          'localhost, 127.0.0.1 or [::1]) without a fragment.', coalesce(uri, 'null'));
    end if;
  end
  $$;

comment on function astapa.assert_redirect_uri(text) is 'Raises AS400 with a readable message for a bad redirect URI.';

grant execute on function astapa.assert_redirect_uri(text) to astapa_app;

create or replace function astapa.assert_secret_hash(secret_hash bytea) returns void
  language plpgsql
  immutable
  set search_path = ''
  as $$
  begin
    if secret_hash is null or pg_catalog.length(secret_hash) <> 32 then
      raise exception using errcode = 'AS400', message = 'The client secret hash must be a SHA-256 digest (32 bytes).';
    end if;
  end
  $$;

comment on function astapa.assert_secret_hash(bytea) is 'Raises AS400 unless given a 32-byte digest.';

grant execute on function astapa.assert_secret_hash(bytea) to astapa_app;

create or replace function astapa.require_project(project_id text) returns text
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    found_mode text;
  begin
    select p.mode into found_mode from astapa.projects as p where p.id = require_project.project_id;
    if found_mode is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Project %s was not found.', project_id);
    end if;
    return found_mode;
  end
  $$;

comment on function astapa.require_project(text) is
  'The visible project''s mode, or AS404. Another project''s id is not found, by RLS.';

grant execute on function astapa.require_project(text) to astapa_app;

create or replace function api.create_project(name text, redirect_uris text[], client_secret_hash bytea) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    new_id text := astapa.random_id('proj_', 16);
    uri text;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403',
        message = 'A project cannot be created while acting for another project.';
    end if;
    if name is null or pg_catalog.length(pg_catalog.btrim(name)) not between 1 and 100 then
      raise exception using errcode = 'AS400', message = 'A project name must be 1 to 100 characters.';
    end if;
    foreach uri in array coalesce(redirect_uris, '{}') loop
      perform astapa.assert_redirect_uri(uri);
    end loop;
    if not astapa.are_valid_redirect_uris(coalesce(redirect_uris, '{}')) then
      raise exception using errcode = 'AS400', message = 'Redirect URIs must be distinct, at most 50.';
    end if;
    perform astapa.assert_secret_hash(client_secret_hash);
    -- From here on the transaction acts for the new project (the insert policy checks exactly that).
    perform pg_catalog.set_config('astapa.project_id', new_id, true);
    insert into astapa.projects (id, name, client_id, client_secret_hash, redirect_uris)
    values (new_id, pg_catalog.btrim(name), astapa.random_id('cid_', 24), client_secret_hash,
            coalesce(redirect_uris, '{}'));
    perform astapa.audit(new_id, 'project.create', new_id,
      pg_catalog.jsonb_build_object('name', pg_catalog.btrim(name), 'redirect_uris', redirect_uris));
    return astapa.project_json(new_id);
  end
  $$;

comment on function api.create_project(text, text[], bytea) is
  'Creates a project in sandbox mode and makes the transaction act for it. Refused (AS403) while acting for '
  'another project.';

grant execute on function api.create_project(text, text[], bytea) to astapa_app;

create or replace function api.get_project(project_id text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    perform astapa.require_project(project_id);
    return astapa.project_json(project_id);
  end
  $$;

comment on function api.get_project(text) is 'The project, or AS404 when it is not the one the transaction acts for.';

grant execute on function api.get_project(text) to astapa_app;

create or replace function api.list_projects() returns jsonb
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
    -- Only for this one query (on an error the transaction's rollback undoes it).
    perform pg_catalog.set_config('astapa.list_all_projects', 'on', true);
    listed := coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'project_id', p.id, 'name', p.name, 'mode', p.mode, 'client_id', p.client_id, 'created_at', p.created_at)
        order by p.created_at, p.id)
      from astapa.projects as p
      where p.deleted_at is null), '[]');
    perform pg_catalog.set_config('astapa.list_all_projects', '', true);
    return listed;
  end
  $$;

comment on function api.list_projects() is
  'Every project not deleted (no secrets), for the operator''s CLI. Security definer because listing crosses '
  'projects: its set_config turns on the owner-only policy "definer functions list every project for the '
  'operator" for its one query. Guard: refused while the transaction acts for a project, so a request cannot '
  'list its neighbours.';

grant execute on function api.list_projects() to astapa_app;

create or replace function astapa.settings_size_problem(settings jsonb) returns text
  language sql
  immutable
  set search_path = ''
  as $$
    -- Every request of the project reads its settings (cached in each instance), so they stay small: 16 KiB.
    -- The mail texts, read only to send mail, have their own budget: wording every kind of mail in both
    -- languages at full length (astapa.mail_texts_problem's limits) takes about 35 KiB of ASCII; 128 KiB holds
    -- it in most scripts.
    select case
      when pg_catalog.octet_length((settings - 'mail_texts')::text) > 16384
        then 'Project settings must stay within 16 KiB (the mail texts aside).'
      when pg_catalog.octet_length(coalesce(settings -> 'mail_texts', '{}')::text) > 131072
        then 'The mail texts (settings.mail_texts) must stay within 128 KiB.'
    end
  $$;

comment on function astapa.settings_size_problem(jsonb) is
  'Why a project''s settings are too big, or null (null settings too): at most 16 KiB besides mail_texts, which '
  'has 128 KiB of its own (enough to word every kind of mail in both languages at full length).';

grant execute on function astapa.settings_size_problem(jsonb) to astapa_app;

create or replace function api.update_project(project_id text, name text default null, mode text default null,
                                              settings jsonb default null) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    changes jsonb := pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('name', name, 'mode', mode));
    current_mode text;
    too_big text;
  begin
    current_mode := astapa.require_project(project_id);
    if name is not null and pg_catalog.length(pg_catalog.btrim(name)) not between 1 and 100 then
      raise exception using errcode = 'AS400', message = 'A project name must be 1 to 100 characters.';
    end if;
    if mode is not null and mode not in ('sandbox', 'production') then
      raise exception using errcode = 'AS400', message = 'A project''s mode is sandbox or production.';
    end if;
    if settings is not null and pg_catalog.jsonb_typeof(settings) <> 'object' then
      raise exception using errcode = 'AS400', message = 'Project settings must be a JSON object.';
    end if;
    too_big := astapa.settings_size_problem(settings);
    if too_big is not null then
      raise exception using errcode = 'AS400', message = too_big;
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

grant execute on function api.update_project(text, text, text, jsonb) to astapa_app;

create or replace function api.add_redirect_uri(project_id text, uri text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    current_uris text[];
  begin
    perform astapa.require_project(project_id);
    perform astapa.assert_redirect_uri(uri);
    select p.redirect_uris into current_uris from astapa.projects as p where p.id = add_redirect_uri.project_id
    for update;
    if uri = any (current_uris) then
      raise exception using errcode = 'AS409', message = pg_catalog.format('Redirect URI %s is already allowed.', uri);
    end if;
    if pg_catalog.cardinality(current_uris) >= 50 then
      raise exception using errcode = 'AS400', message = 'A project may have at most 50 redirect URIs.';
    end if;
    update astapa.projects as p
    set redirect_uris = p.redirect_uris || uri, updated_at = pg_catalog.now()
    where p.id = add_redirect_uri.project_id;
    perform astapa.audit(project_id, 'redirect_uri.add', uri);
    return astapa.project_json(project_id);
  end
  $$;

comment on function api.add_redirect_uri(text, text) is
  'Allows one more redirect URI (exact string). AS400 when invalid, AS409 when already allowed.';

grant execute on function api.add_redirect_uri(text, text) to astapa_app;

create or replace function api.remove_redirect_uri(project_id text, uri text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    perform astapa.require_project(project_id);
    update astapa.projects as p
    set redirect_uris = pg_catalog.array_remove(p.redirect_uris, uri), updated_at = pg_catalog.now()
    where p.id = remove_redirect_uri.project_id and uri = any (p.redirect_uris);
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Redirect URI %s is not allowed for '
        'this project, so there is nothing to remove.', uri);
    end if;
    perform astapa.audit(project_id, 'redirect_uri.remove', uri);
    return astapa.project_json(project_id);
  end
  $$;

comment on function api.remove_redirect_uri(text, text) is 'Stops allowing a redirect URI; AS404 when it was not allowed.';

grant execute on function api.remove_redirect_uri(text, text) to astapa_app;

create or replace function api.rotate_client_secret(project_id text, client_secret_hash bytea) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    perform astapa.require_project(project_id);
    perform astapa.assert_secret_hash(client_secret_hash);
    update astapa.projects as p
    set client_secret_hash = rotate_client_secret.client_secret_hash, updated_at = pg_catalog.now()
    where p.id = rotate_client_secret.project_id;
    perform astapa.audit(project_id, 'client_secret.rotate', project_id);
    return astapa.project_json(project_id);
  end
  $$;

comment on function api.rotate_client_secret(text, bytea) is
  'Replaces the client secret hash; the old secret stops verifying at once (no grace period).';

grant execute on function api.rotate_client_secret(text, bytea) to astapa_app;

create or replace function api.verify_client_credentials(client_id text, client_secret_hash bytea) returns text
  language sql
  volatile
  security invoker
  set search_path = ''
  as $$
    select v.found ->> 'project_id'
    from (select api.verify_client(client_id, client_secret_hash) as found) as v
    where (v.found ->> 'enabled')::boolean
  $$;

comment on function api.verify_client_credentials(text, bytea) is
  'The project whose enabled client (the project''s own or a machine client) has this id and secret (SHA-256), '
  'or null. See api.verify_client.';

grant execute on function api.verify_client_credentials(text, bytea) to astapa_app;

create or replace function astapa.token_lifetime_limits() returns jsonb
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select '{"access_token_ttl": {"default": 3600, "min": 300, "max": 86400},
             "refresh_token_ttl": {"default": 2592000, "min": 3600, "max": 31536000},
             "refresh_grace_seconds": {"default": 10, "min": 0, "max": 60},
             "refresh_token_max_age": {"default": 7776000, "min": 3600, "max": 315360000},
             "login_session_ttl": {"default": 604800, "min": 300, "max": 2592000}}'::jsonb
  $$;

comment on function astapa.token_lifetime_limits() is
  'Token lifetime settings: default, min and max seconds for access_token_ttl, refresh_token_ttl, '
  'refresh_grace_seconds, refresh_token_max_age and login_session_ttl (how long a hosted-login session keeps a '
  'browser signed in). The one source of these numbers.';

grant execute on function astapa.token_lifetime_limits() to astapa_app;

create or replace function api.token_lifetime_limits() returns jsonb
  language sql
  immutable
  set search_path = ''
  as $$ select astapa.token_lifetime_limits() $$;

comment on function api.token_lifetime_limits() is
  'The token lifetime settings with their default, min and max (seconds), for pages and tools to show.';

grant execute on function api.token_lifetime_limits() to astapa_app;

create or replace function astapa.clamp_setting(settings jsonb, key text) returns integer
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

create or replace function astapa.is_exact_origin(origin text) returns boolean
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

create or replace function astapa.apple_provider_problem(entry jsonb) returns text
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    -- Apple has no client secret: the project's own app is a Services ID (client_id), its Team ID, and a
    -- signing key (Key ID + the .p8 private key, sealed) from which Astapa makes each client secret.
    select case
      when pg_catalog.jsonb_typeof(entry) <> 'object'
        or exists (select from pg_catalog.jsonb_object_keys(entry) as k
                   where k not in ('enabled', 'client_id', 'team_id', 'key_id', 'private_key_sealed')) then
        'social_login.apple takes enabled, client_id, team_id, key_id and private_key_sealed only.'
      when entry ? 'enabled' and pg_catalog.jsonb_typeof(entry -> 'enabled') <> 'boolean' then
        'social_login.apple.enabled must be true or false.'
      when (select pg_catalog.count(*) from pg_catalog.jsonb_object_keys(entry) as k
            where k in ('client_id', 'team_id', 'key_id', 'private_key_sealed')) not in (0, 4) then
        'social_login.apple needs all of a Services ID, a Team ID, a Key ID and a private key.'
      when entry ? 'client_id' and (pg_catalog.jsonb_typeof(entry -> 'client_id') <> 'string'
        or (entry ->> 'client_id') !~ '^[A-Za-z0-9][A-Za-z0-9.-]{0,254}$') then
        'The Apple Services ID looks like com.example.signin (letters, digits, dots and hyphens).'
      when entry ? 'team_id' and (pg_catalog.jsonb_typeof(entry -> 'team_id') <> 'string'
        or (entry ->> 'team_id') !~ '^[A-Z0-9]{10}$') then
        'The Apple Team ID is 10 capital letters and digits.'
      when entry ? 'key_id' and (pg_catalog.jsonb_typeof(entry -> 'key_id') <> 'string'
        or (entry ->> 'key_id') !~ '^[A-Z0-9]{10}$') then
        'The Apple Key ID is 10 capital letters and digits.'
      when entry ? 'private_key_sealed' and (pg_catalog.jsonb_typeof(entry -> 'private_key_sealed') <> 'string'
        or (entry ->> 'private_key_sealed') !~ '^[A-Za-z0-9_-]{40,}$'
        or pg_catalog.length(entry ->> 'private_key_sealed') > 4000) then
        'The Apple private key must be sealed by the server (base64url).'
    end
  $$;

comment on function astapa.apple_provider_problem(jsonb) is
  'A readable reason a settings.social_login.apple entry is refused (enabled; or all of client_id = the '
  'Services ID, team_id, key_id and private_key_sealed), or null when it is valid.';

grant execute on function astapa.apple_provider_problem(jsonb) to astapa_app;

create or replace function astapa.social_provider_problem(provider text, entry jsonb) returns text
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select case
      when entry is null or entry = 'null'::jsonb then null
      when provider not in ('google', 'github', 'apple', 'microsoft') then
        pg_catalog.format('Social sign-in providers are google, github, apple and microsoft, not %s.', provider)
      when provider = 'apple' then astapa.apple_provider_problem(entry)
      when pg_catalog.jsonb_typeof(entry) <> 'object'
        or exists (select from pg_catalog.jsonb_object_keys(entry) as k
                   where k not in ('enabled', 'client_id', 'client_secret_sealed')
                     and not (provider = 'microsoft' and k = 'tenant')) then
        case when provider = 'microsoft'
          then 'social_login.microsoft takes enabled, client_id, client_secret_sealed and tenant only.'
          else pg_catalog.format('social_login.%s takes enabled, client_id and client_secret_sealed only.', provider)
        end
      -- Microsoft's tenant: common, organizations, consumers, a tenant GUID or a domain
      -- (lib/login/social/microsoft.ts).
      when provider = 'microsoft' and entry ? 'tenant' and (pg_catalog.jsonb_typeof(entry -> 'tenant') <> 'string'
        or (entry ->> 'tenant') !~ '^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$') then
        'The Microsoft tenant is common, organizations, consumers, a tenant ID or a domain.'
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


create or replace function astapa.mail_text_kinds() returns jsonb
  language sql
  immutable
  set search_path = ''
  as $$
    select '{
      "verify_email": {"about": "Email confirmation link after sign-up", "placeholders": ["app"]},
      "reset_password": {"about": "Password reset link", "placeholders": ["app"]},
      "email_code": {"about": "Sign-in code and magic link", "placeholders": ["app", "code"]},
      "passkey_sign_up": {"about": "Code that proves the address on a passkey sign-up", "placeholders": ["app", "code"]},
      "account_claimed": {"about": "Notice that an unconfirmed account was claimed by its address", "placeholders": ["app"]},
      "recovery_code_used": {"about": "A recovery code signed someone in", "placeholders": ["app", "remaining"]},
      "mfa_removed": {"about": "An administrator removed the person''s two-step verification", "placeholders": ["app"]},
      "recovery_codes_regenerated": {"about": "New recovery codes were made", "placeholders": ["app"]},
      "own_mfa_removed": {"about": "The person removed their own authenticator app", "placeholders": ["app"]},
      "passkey_removed": {"about": "The person removed one of their passkeys", "placeholders": ["app", "passkey"]},
      "passkey_removed_by_admin": {"about": "An administrator removed a passkey", "placeholders": ["app", "passkey"]},
      "organization_invitation": {"about": "Invitation to join an organization", "placeholders": ["app", "organization", "days"]},
      "waitlist_approved": {"about": "Waitlist approval: the person may now sign up", "placeholders": ["app"]},
      "email_change": {"about": "Link confirming a new email address (account page)", "placeholders": ["app"]},
      "email_changed": {"about": "Notice to the old address once the email changed", "placeholders": ["app"]},
      "password_changed": {"about": "The password was changed or set", "placeholders": ["app"]},
      "identity_unlinked": {"about": "A Google, GitHub, Apple or Microsoft sign-in was removed", "placeholders": ["app", "provider"]},
      "account_deleted": {"about": "The account was deleted at the person''s request", "placeholders": ["app"]},
      "renewal_due": {"about": "Renewal notice with the next period''s pay link (both languages in one mail)", "placeholders": ["app", "plan", "amount", "date"]},
      "trial_ending": {"about": "Trial reminder with the pay link that keeps the plan (both languages in one mail)", "placeholders": ["app", "plan", "amount", "date"]},
      "organization_renewal_due": {"about": "A team plan''s renewal notice to its owners and admins (both languages in one mail)", "placeholders": ["app", "plan", "organization", "seats", "amount", "date"]},
      "receipt": {"about": "Receipt after a payment, with its amounts and PPN (both languages in one mail)", "placeholders": ["app", "plan", "number", "amount"]}
    }'::jsonb
  $$;

comment on function astapa.mail_text_kinds() is
  'The mails a project may word itself (settings.mail_texts), each with what it is and the placeholders its '
  'texts may use; lib/mail/own_texts.ts holds the same registry (a test proves they agree).';

grant execute on function astapa.mail_text_kinds() to astapa_app;

create or replace function astapa.mail_texts_problem(value jsonb) returns text
  language plpgsql
  immutable
  set search_path = ''
  as $$
  declare
    kinds jsonb := astapa.mail_text_kinds();
    kind text;
    lang text;
    field text;
    text_value jsonb;
    longest integer;
    placeholder text;
  begin
    if pg_catalog.jsonb_typeof(value) <> 'object' then
      return 'mail_texts must be an object keyed by the kind of mail (verify_email, reset_password, email_code, …).';
    end if;
    for kind in select pg_catalog.jsonb_object_keys(value) loop
      if not kinds ? kind or pg_catalog.jsonb_typeof(value -> kind) <> 'object' then
        return pg_catalog.format('mail_texts.%s: the kinds are %s, each an object by language (en, id).', kind,
          (select pg_catalog.string_agg(k, ', ' order by k) from pg_catalog.jsonb_object_keys(kinds) as k));
      end if;
      for lang in select pg_catalog.jsonb_object_keys(value -> kind) loop
        if lang not in ('en', 'id') or pg_catalog.jsonb_typeof(value -> kind -> lang) <> 'object' then
          return pg_catalog.format('mail_texts.%s.%s: the languages are en and id, each {subject?, intro?, '
            'closing?}.', kind, lang);
        end if;
        for field, text_value in select e.key, e.value from pg_catalog.jsonb_each(value -> kind -> lang) as e loop
          if field not in ('subject', 'intro', 'closing') then
            return pg_catalog.format('mail_texts.%s.%s.%s: only subject, intro and closing can be changed; the '
              'link, the code and the security note stay Astapa''s.', kind, lang, field);
          end if;
          -- One line each (a subject is a header: no CR/LF), printable, and short enough for a phone's screen.
          longest := case field when 'subject' then 150 else 300 end;
          if pg_catalog.jsonb_typeof(text_value) <> 'string' or pg_catalog.btrim(text_value #>> '{}') = ''
             or text_value #>> '{}' ~ '[[:cntrl:]\u2028\u2029]' or pg_catalog.length(text_value #>> '{}') > longest then
            return pg_catalog.format('mail_texts.%s.%s.%s must be one line of text, at most %s characters.', kind,
              lang, field, longest);
          end if;
          -- Placeholders are plain substitutions of the kind's own values; any other {…} is refused, so a typo
          -- is found when saved rather than mailed as written.
          for placeholder in select m[1] from pg_catalog.regexp_matches(text_value #>> '{}', '\{([^{}]*)\}', 'g') as m
          loop
            if not (kinds -> kind -> 'placeholders') ? placeholder then
              return pg_catalog.format('mail_texts.%s.%s.%s: {%s} is not a placeholder of this mail; it has %s.',
                kind, lang, field, placeholder,
                (select pg_catalog.string_agg('{' || p || '}', ', ')
                 from pg_catalog.jsonb_array_elements_text(kinds -> kind -> 'placeholders') as p));
            end if;
          end loop;
        end loop;
      end loop;
    end loop;
    return null;
  end
  $$;

comment on function astapa.mail_texts_problem(jsonb) is
  'A readable reason settings.mail_texts ({<kind of astapa.mail_text_kinds()>: {en|id: {subject?, intro?, '
  'closing?}}}, one line each, only the kind''s placeholders) is refused, or null when it is valid.';

grant execute on function astapa.mail_texts_problem(jsonb) to astapa_app;

create or replace function astapa.setting_problem(key text, value jsonb) returns text
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
    when 'logout' then
      return astapa.logout_setting_problem(value); -- OIDC logout metadata of the project's client (docs/tokens.md)
    when 'dpop' then
      -- Every token request of the project's clients must carry a DPoP proof (RFC 9449; docs/tokens.md).
      if pg_catalog.jsonb_typeof(value) <> 'object'
         or exists (select from pg_catalog.jsonb_object_keys(value) as k where k <> 'required')
         or pg_catalog.jsonb_typeof(value -> 'required') is distinct from 'boolean' then
        return 'dpop must be {"required": true | false}.';
      end if;
    when 'require_verified_email' then
      if pg_catalog.jsonb_typeof(value) <> 'boolean' then
        return 'require_verified_email must be true or false.';
      end if;
    when 'mfa' then
      -- The second-factor policy (docs/mfa.md): who is asked, and how long a remembered browser is trusted.
      if pg_catalog.jsonb_typeof(value) <> 'object' or not (value ?| array['policy'])
         or exists (select from pg_catalog.jsonb_object_keys(value) as k
                    where k not in ('policy', 'remember_days', 'phone'))
         or coalesce(value ->> 'policy', '') not in ('off', 'optional', 'required') then
        return 'mfa must be {"policy": "off" | "optional" | "required"}, optionally with remember_days and phone.';
      end if;
      if value ? 'phone' and pg_catalog.jsonb_typeof(value -> 'phone') <> 'boolean' then
        return 'mfa.phone (a phone code as second factor) must be true or false.';
      end if;
      if value ? 'remember_days' and (pg_catalog.jsonb_typeof(value -> 'remember_days') <> 'number'
         or (value ->> 'remember_days')::numeric <> pg_catalog.trunc((value ->> 'remember_days')::numeric)
         or (value ->> 'remember_days')::numeric not between 0 and 90) then
        return 'mfa.remember_days must be a whole number of days from 0 to 90.';
      end if;
    when 'passkeys' then
      -- Passkey sign-in and management on the hosted login (docs/passkeys.md).
      if pg_catalog.jsonb_typeof(value) <> 'boolean' then
        return 'passkeys must be true or false.';
      end if;
    when 'passkey_upgrade' then
      -- After a password sign-in, the password manager may make a passkey silently (docs/passkeys.md).
      if pg_catalog.jsonb_typeof(value) <> 'boolean' then
        return 'passkey_upgrade must be true or false.';
      end if;
    when 'email_codes' then
      -- "Email me a code" on the sign-in page (docs/passkeys.md).
      if pg_catalog.jsonb_typeof(value) <> 'boolean' then
        return 'email_codes must be true or false.';
      end if;
    when 'email_code_sign_up' then
      -- An emailed code to an unknown address creates the account when redeemed (docs/passkeys.md).
      if pg_catalog.jsonb_typeof(value) <> 'boolean' then
        return 'email_code_sign_up must be true or false.';
      end if;
    when 'passwords' then
      -- false: a password-free project (docs/passkeys.md); whether another way in is on is checked on the merge.
      if pg_catalog.jsonb_typeof(value) <> 'boolean' then
        return 'passwords must be true or false.';
      end if;
    when 'breached_passwords', 'breached_password_sign_in' then
      -- false: no Pwned Passwords lookup when a password is chosen / at sign-in (docs/hosted-login.md).
      if pg_catalog.jsonb_typeof(value) <> 'boolean' then
        return pg_catalog.format('%s must be true or false.', key);
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
    when 'initiate_login_uri' then
      -- Where a sign-in Astapa's mail starts goes first (OIDC Core §4; docs/hosted-login.md "Sign-ins the app did
      -- not start"): the app's route that begins its own authorization request.
      if pg_catalog.jsonb_typeof(value) <> 'string' or not astapa.is_valid_initiate_login_uri(value #>> '{}') then
        return 'initiate_login_uri must be an absolute https URL without a fragment, whitespace or userinfo.';
      end if;
    when 'mail_sender_name' then
      if pg_catalog.jsonb_typeof(value) <> 'string' or pg_catalog.btrim(value #>> '{}') = ''
         or value #>> '{}' !~ '^[^[:cntrl:]<>"\\@]{1,80}$' then
        return 'mail_sender_name must be 1 to 80 characters, without <, >, ", \, @ or line breaks.';
      end if;
    when 'mail_from_address' then
      -- A bare address (no display name, no quoting): the name is mail_sender_name. Whether the deployment may
      -- send for its domain is the sender's check (MAIL_FROM_DOMAINS is configuration, not data).
      if pg_catalog.jsonb_typeof(value) <> 'string' or pg_catalog.length(value #>> '{}') > 254
         or value #>> '{}' !~ '^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$' then
        return 'mail_from_address must be a plain email address such as halo@shop.example.';
      end if;
    when 'mail_texts' then
      return astapa.mail_texts_problem(value);
    when 'branding' then
      return astapa.branding_problem(value);
    when 'phone' then
      return astapa.phone_settings_problem(value);
    when 'linked_methods' then
      return astapa.linked_methods_settings_problem(value);
    when 'sign_up' then
      -- Who may create an account through the hosted login (db/api/sign_up_rules.sql).
      return astapa.sign_up_settings_problem(value);
    when 'bot_protection' then
      -- A challenge on the hosted login's forms (db/api/bot_protection.sql).
      return astapa.bot_protection_problem(value);
    when 'anonymous_users' then
      -- Guests (db/api/anonymous_users.sql).
      return astapa.anonymous_users_settings_problem(value);
    when 'billing_refund_duplicates' then
      -- A paid_again payment refunded without an operator (astapa.refund_duplicate_payment).
      if pg_catalog.jsonb_typeof(value) <> 'boolean' then
        return 'billing_refund_duplicates must be true or false.';
      end if;
    when 'billing_grace_days', 'billing_renewal_notice_days', 'billing_trial_reminder_days' then
      -- The billing pass reads them with astapa.setting_days (0–365 whole days, else its default).
      if pg_catalog.jsonb_typeof(value) <> 'number' or value::numeric <> pg_catalog.trunc(value::numeric)
         or value::numeric not between 0 and 365 then
        return pg_catalog.format('%s must be a whole number of days from 0 to 365.', key);
      end if;
    when 'social_login' then
      if pg_catalog.jsonb_typeof(value) <> 'object' then
        return 'social_login must be an object with google, github, apple and/or microsoft.';
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

create or replace function api.update_project_settings(project_id text, changes jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    change record;
    problem text;
    merged jsonb;
    stored jsonb;
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
        when change.key = 'bot_protection' then astapa.bot_protection_logged(change.value)
        else change.value end);
    end loop;
    select p.settings into merged from astapa.projects as p where p.id = update_project_settings.project_id
    for update;
    stored := merged;
    -- Providers merge one by one, so changing Google leaves GitHub as it was; null removes a provider.
    if pg_catalog.jsonb_typeof(changes -> 'social_login') = 'object' then
      changes := pg_catalog.jsonb_set(changes, '{social_login}',
        coalesce(merged -> 'social_login', '{}') || (changes -> 'social_login'));
    end if;
    -- Branding merges key by key too, and keeps its logo (set by api.set_project_logo only).
    if pg_catalog.jsonb_typeof(changes -> 'branding') = 'object' then
      changes := pg_catalog.jsonb_set(changes, '{branding}',
        coalesce(merged -> 'branding', '{}') || (changes -> 'branding'));
    end if;
    -- sign_up merges key by key as well: a key given null returns to its default (open, no list).
    if pg_catalog.jsonb_typeof(changes -> 'sign_up') = 'object' then
      changes := pg_catalog.jsonb_set(changes, '{sign_up}',
        coalesce(merged -> 'sign_up', '{}') || (changes -> 'sign_up'));
    end if;
    -- anonymous_users merges key by key as sign_up does.
    if pg_catalog.jsonb_typeof(changes -> 'anonymous_users') = 'object' then
      changes := pg_catalog.jsonb_set(changes, '{anonymous_users}',
        coalesce(merged -> 'anonymous_users', '{}') || (changes -> 'anonymous_users'));
    end if;
    -- bot_protection merges too: a change without a secret keeps the sealed one (write-only on every surface).
    if changes ? 'bot_protection' then
      changes := pg_catalog.jsonb_set(changes, '{bot_protection}', coalesce(
        astapa.bot_protection_merged(merged -> 'bot_protection', changes -> 'bot_protection'), 'null'));
    end if;
    -- branding: null removes all of it, the uploaded logo too (no image left behind that nothing names).
    if changes -> 'branding' = 'null'::jsonb then
      delete from astapa.project_logos as l where l.project_id = update_project_settings.project_id;
    end if;
    merged := pg_catalog.jsonb_strip_nulls(merged || changes);
    -- Without passwords a person needs another way in: refused whichever change would leave none.
    if merged -> 'passwords' = 'false'::jsonb and merged -> 'passkeys' is distinct from 'true'::jsonb
       and merged -> 'email_codes' is distinct from 'true'::jsonb then
      raise exception using errcode = 'AS400', message = 'Passwords can be off only while email codes or '
        'passkeys are on: turn one of them on first (or in the same change).';
    end if;
    -- Consent asked for needs something to agree to, whichever change (turning it on, clearing the last
    -- address) would leave the sign-up form's box with no link.
    if merged #> '{sign_up,require_legal_consent}' = 'true'::jsonb
       and merged #> '{branding,terms_url}' is null and merged #> '{branding,privacy_url}' is null then
      raise exception using errcode = 'AS400', message = 'Legal consent at sign-up needs a terms of service or '
        'privacy policy address: set branding.terms_url or branding.privacy_url first (or in the same change).';
    end if;
    problem := astapa.settings_size_problem(merged);
    if problem is not null then
      raise exception using errcode = 'AS400', message = problem;
    end if;
    -- Nothing to write when nothing changed (turning off what is off): no row touched, no client change noted.
    if merged is distinct from stored then
      update astapa.projects as p set settings = merged, updated_at = pg_catalog.now()
      where p.id = update_project_settings.project_id;
    end if;
    perform astapa.audit(project_id, 'project.settings', project_id, logged);
    return astapa.project_json(project_id);
  end
  $$;

comment on function api.update_project_settings(text, jsonb) is
  'Sets (or, given null, removes) allowed_origins, access_token_ttl, refresh_token_ttl, refresh_grace_seconds, '
  'require_verified_email, dpop, social_login, mfa, passkeys, passkey_upgrade, email_codes, email_code_sign_up, passwords (false only beside email_codes '
  'or passkeys), mail_sender_name, mail_texts, branding, linked_methods, phone, sign_up, billing_grace_days, '
  'billing_renewal_notice_days, billing_trial_reminder_days, billing_refund_duplicates, bot_protection and '
  'anonymous_users, each validated '
  '(AS400 with the reason); other settings are kept. branding: null also deletes the uploaded logo. social_login, '
  'branding, sign_up, anonymous_users and bot_protection merge key by key (null in one: back to its default). '
  'sign_up.require_legal_consent only beside branding.terms_url or privacy_url (AS400 whichever change would '
  'leave it without either). Audited as project.settings without secrets; a change that leaves the settings as '
  'they were writes no row.';

grant execute on function api.update_project_settings(text, jsonb) to astapa_app;

create or replace function api.billing_settings(project_id text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    settings jsonb;
  begin
    perform astapa.require_project(project_id);
    select p.settings into settings from astapa.projects as p where p.id = billing_settings.project_id;
    -- Defaults filled in exactly as the billing pass and the portal read them.
    return pg_catalog.jsonb_build_object(
      'linked_methods', pg_catalog.jsonb_build_object(
        'enabled', coalesce((settings #>> '{linked_methods,enabled}')::boolean, false),
        'shopeepay', coalesce((settings #>> '{linked_methods,shopeepay}')::boolean, false),
        'gopay_recurring', coalesce((settings #>> '{linked_methods,gopay_recurring}')::boolean, false),
        'direct_debit', coalesce((settings #>> '{linked_methods,direct_debit}')::boolean, false),
        'cards', coalesce((settings #>> '{linked_methods,cards}')::boolean, false)),
      'billing_grace_days', pg_catalog.date_part('day', astapa.setting_days(settings, 'billing_grace_days', 3))::integer,
      'billing_renewal_notice_days',
        pg_catalog.date_part('day', astapa.setting_days(settings, 'billing_renewal_notice_days', 7))::integer,
      'billing_trial_reminder_days',
        pg_catalog.date_part('day', astapa.setting_days(settings, 'billing_trial_reminder_days', 3))::integer,
      'billing_refund_duplicates', coalesce(settings -> 'billing_refund_duplicates' = 'true'::jsonb, false),
      -- Publishable, so readable; the secret key and callback token beside them never leave the database.
      'xendit_public_keys', pg_catalog.jsonb_build_object(
        'sandbox', api.xendit_public_key(project_id, 'sandbox'),
        'production', api.xendit_public_key(project_id, 'production')));
  end
  $$;

comment on function api.billing_settings(text) is
  'The project''s billing settings with defaults filled in: linked_methods switches (all off when absent), '
  'billing_grace_days (3), billing_renewal_notice_days (7), billing_trial_reminder_days (3), '
  'billing_refund_duplicates (false: a paid_again payment refunded without an operator), and xendit_public_keys '
  '{sandbox, production} of its own Xendit account (null when unset). AS404 unknown project.';

grant execute on function api.billing_settings(text) to astapa_app;

create or replace function api.update_billing_settings(project_id text, changes jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    public_keys jsonb;
    environment text;
    problem text;
    problems jsonb := '{}';
  begin
    -- The project's own client only: the tables' triggers refuse other clients' writes, but a change that writes
    -- nothing (a key as it already is) must be refused to them as well.
    perform astapa.assert_own_client('change its billing settings');
    perform astapa.require_project(project_id);
    if pg_catalog.jsonb_typeof(changes) = 'object' and exists (
         select from pg_catalog.jsonb_object_keys(changes) as k
         where k not in ('linked_methods', 'billing_grace_days', 'billing_renewal_notice_days',
                         'billing_trial_reminder_days', 'billing_refund_duplicates', 'xendit_public_keys')) then
      raise exception using errcode = 'AS400', message = 'Billing settings are linked_methods, billing_grace_days, '
        'billing_renewal_notice_days, billing_trial_reminder_days, billing_refund_duplicates and '
        'xendit_public_keys.';
    end if;
    if pg_catalog.jsonb_typeof(changes) = 'object' and changes ? 'xendit_public_keys' then
      public_keys := changes -> 'xendit_public_keys';
      changes := changes - 'xendit_public_keys';
      if pg_catalog.jsonb_typeof(public_keys) <> 'object' or public_keys = '{}' or exists (
           select from pg_catalog.jsonb_object_keys(public_keys) as k where k not in ('sandbox', 'production')) then
        perform astapa.raise_problems(pg_catalog.jsonb_build_object('xendit_public_keys',
          pg_catalog.jsonb_build_array('An object with a sandbox key, a production key or both (null removes one).')));
      end if;
      -- Every key is checked before any is stored, each error named by the field the request used.
      for environment in select k from pg_catalog.jsonb_object_keys(public_keys) as k loop
        problem := case when pg_catalog.jsonb_typeof(public_keys -> environment) in ('string', 'null')
          then astapa.xendit_public_key_problem(environment, public_keys ->> environment)
          else 'Must be a Xendit public key (xnd_public_…).' end;
        if problem is not null then
          problems := problems || pg_catalog.jsonb_build_object('xendit_public_keys.' || environment,
            pg_catalog.jsonb_build_array(problem));
        end if;
      end loop;
      perform astapa.raise_problems(nullif(problems, '{}'));
      -- The dashboard's setter (AS409 without the environment's secret key; audited xendit_keys.set), only for
      -- a real change: answering back what GET read stores nothing.
      for environment in select k from pg_catalog.jsonb_object_keys(public_keys) as k loop
        if public_keys ->> environment is distinct from api.xendit_public_key(project_id, environment) then
          perform api.set_xendit_public_key(project_id, environment, public_keys ->> environment);
        end if;
      end loop;
      if changes = '{}' then
        return api.billing_settings(project_id);
      end if;
    end if;
    -- linked_methods merges switch by switch, so turning ShopeePay on leaves the others as they were.
    if pg_catalog.jsonb_typeof(changes -> 'linked_methods') = 'object' then
      changes := pg_catalog.jsonb_set(changes, '{linked_methods}', coalesce(
        (select p.settings -> 'linked_methods' from astapa.projects as p
         where p.id = update_billing_settings.project_id and pg_catalog.jsonb_typeof(p.settings -> 'linked_methods') = 'object'),
        '{}') || (changes -> 'linked_methods'));
    end if;
    -- The one settings setter (validation, merge, project.settings audit entry), as the dashboard uses it.
    perform api.update_project_settings(project_id, changes);
    return api.billing_settings(project_id);
  end
  $$;

comment on function api.update_billing_settings(text, jsonb) is
  'Changes only the billing settings (linked_methods, merged switch by switch; the three day counts; '
  'billing_refund_duplicates; null restores a default) through api.update_project_settings, and the publishable '
  'keys (xendit_public_keys {sandbox, production}, null removes one) through api.set_xendit_public_key, then answers '
  'api.billing_settings. The project''s own client only (AS4U3). AS400 another key or a refused value, naming '
  'the field for a key; AS409 a key for an environment without its secret key; AS404 unknown project.';

grant execute on function api.update_billing_settings(text, jsonb) to astapa_app;

create or replace function astapa.can_take_live_payments(project_id text) returns boolean
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

create or replace function astapa.retire_client_id(project_id text) returns void
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  begin
    if not exists (select from astapa.projects as p
                   where p.id = retire_client_id.project_id and p.id = (select astapa.current_project_id())
                     and p.deleted_at is not null) then
      raise exception using errcode = 'AS403', message = 'Only a deleted project''s client id is retired.';
    end if;
    update astapa.projects as p set client_id = astapa.random_id('cid_', 24)
    where p.id = retire_client_id.project_id;
  end
  $$;

comment on function astapa.retire_client_id(text) is
  'Gives a deleted project a new random client id, so the old one names nothing (hosted login, billing). '
  'Security definer because the app role may never change a client id; guard: only the project the '
  'transaction acts for, and only once api.delete_project has marked it deleted.';

revoke execute on function astapa.retire_client_id(text) from public;

grant execute on function astapa.retire_client_id(text) to astapa_app;

create or replace function astapa.end_deleted_project_sign_ins(project_id text, skip_held boolean) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if skip_held then
      update astapa.refresh_tokens as r set revoked_at = pg_catalog.now(), revoked_reason = 'revoked_by_admin'
      where r.project_id = end_deleted_project_sign_ins.project_id and r.id in (
        select h.id from astapa.refresh_tokens as h
        where h.project_id = end_deleted_project_sign_ins.project_id and h.revoked_at is null
        for update skip locked);
      update astapa.login_sessions as s set ended_at = pg_catalog.now()
      where s.project_id = end_deleted_project_sign_ins.project_id and s.token_hash in (
        select h.token_hash from astapa.login_sessions as h
        where h.project_id = end_deleted_project_sign_ins.project_id and h.ended_at is null
        for update skip locked);
    else
      update astapa.refresh_tokens as r set revoked_at = pg_catalog.now(), revoked_reason = 'revoked_by_admin'
      where r.project_id = end_deleted_project_sign_ins.project_id and r.revoked_at is null;
      update astapa.login_sessions as s set ended_at = pg_catalog.now()
      where s.project_id = end_deleted_project_sign_ins.project_id and s.ended_at is null;
    end if;
  end
  $$;

comment on function astapa.end_deleted_project_sign_ins(text, boolean) is
  'api.delete_project''s part: revokes every live refresh token of the project (revoked_by_admin) and ends every '
  'live login session; skip_held leaves out the rows another transaction holds (the last pass, which must not '
  'wait: it holds the project''s row for update).';

grant execute on function astapa.end_deleted_project_sign_ins(text, boolean) to astapa_app;

create or replace function astapa.checkouts_project_deletion_ends(project_id text)
  returns setof astapa.checkouts
  language sql
  stable
  set search_path = ''
  as $$
    select * from astapa.checkouts as c
    where c.project_id = checkouts_project_deletion_ends.project_id
      and (c.status in ('open', 'pending')
           or exists (select from astapa.payments as pay
                      where pay.project_id = c.project_id and pay.checkout_id = c.id and pay.status = 'pending'))
  $$;

comment on function astapa.checkouts_project_deletion_ends(text) is
  'The checkouts api.delete_project ends: unpaid ones it expires, and any with a pending charge it expires. It '
  'locks the charged ones (not open: a checkout with a charge is never open again) before its users'' rows, the '
  'open ones after them.';

grant execute on function astapa.checkouts_project_deletion_ends(text) to astapa_app;

create or replace function api.delete_project(project_id text, confirm_name text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    found record;
    live_payments bigint;
    ended jsonb;
    endpoint_id text;
    held bigint[];
  begin
    perform astapa.require_project(project_id);
    -- For no key update, not for update: a second delete waits here, and a sign-out or a reset under way, which
    -- holds a user's row and tokens and then writes its audit entry (a key share on this row), is not held up by
    -- it. Held for update from the start, this waited for those tokens while they waited for it (a deadlock).
    select p.name, p.mode, p.deleted_at into found
    from astapa.projects as p where p.id = delete_project.project_id for no key update;
    if exists (select from astapa.deployment as d where d.console_project_id = delete_project.project_id) then
      raise exception using errcode = 'AS403',
        message = 'The console project signs developers in to this deployment; it cannot be deleted.';
    end if;
    if found.deleted_at is not null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Project %s was deleted already.', project_id);
    end if;
    if confirm_name is null or pg_catalog.btrim(confirm_name) <> found.name then
      raise exception using errcode = 'AS400',
        message = pg_catalog.format('To delete this project, type its name exactly: %s.', found.name);
    end if;
    select count(*) into live_payments
    from astapa.payments as pay
    join astapa.checkouts as c on c.project_id = pay.project_id and c.id = pay.checkout_id
    where pay.project_id = delete_project.project_id and pay.status = 'paid' and c.environment = 'production';
    if found.mode = 'production' and live_payments > 0 then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('This project is live and has taken %s live payments. Switch it back to '
          'sandbox first, then delete it; its payment records are kept either way.', live_payments);
    end if;
    -- Lock order (docs/database.md): the charged checkouts expired below (pending, or with a pending charge) before
    -- the users' rows, in id order. A success callback holds such a checkout and its charge and then waits for its
    -- payer's row: taking the rows first deadlocked with it. Open ones, with no charge, no callback holds: they are
    -- expired after the rows. (A team plan's organization, which a callback takes before its checkout, is not
    -- taken: nothing here waits for an organization.)
    held := array(select c.id from astapa.checkouts as c
                  where c.project_id = delete_project.project_id
                    and c.id in (select x.id from astapa.checkouts_project_deletion_ends(delete_project.project_id) as x
                                 where x.status <> 'open')
                  order by c.id
                  for update);
    -- The one lock order of every revocation (docs/security.md): the users' rows first, for update, in id order,
    -- then their tokens. A rotation, a redemption or a device poll under way holds its user's row for key share
    -- until it commits its successor or first token, so the revocation below, a statement of its own, sees it;
    -- every other locker of a user's tokens or sessions either holds the user's row first (a sign-out, a reset, a
    -- claim, a reuse detection, a sign-in), or waits for nothing but this row's key share once it holds one (one
    -- browser's sign-out, the account page's), which no key update lets through. Before, the tokens were locked
    -- in scan order with the project's row held for update, and a successor committed during the scan stayed live.
    -- Only the users with a live token or session: locking a row writes it (its page and a WAL record), and a
    -- project of a million people, most of them signed out, took a million such writes. A first token or session
    -- of someone with nothing live, being made now, is not waited for here: caught at the end when its
    -- transaction also named the project (an audit entry, an event), else left live and of no use (a refresh in
    -- a deleted project is refused, api.rotate_refresh_token; the project's client id names nothing).
    perform from astapa.users as u
    where u.project_id = delete_project.project_id
      and u.id in (select r.user_id from astapa.refresh_tokens as r
                   where r.project_id = delete_project.project_id and r.revoked_at is null
                   union
                   select s.user_id from astapa.login_sessions as s
                   where s.project_id = delete_project.project_id and s.ended_at is null)
    order by u.id
    for update of u;
    -- One charged since the set above was read is refused (40001, run again); the open ones are held from now.
    perform astapa.hold_checkouts_after_person(project_id, held,
      array(select c.id from astapa.checkouts_project_deletion_ends(delete_project.project_id) as c));
    perform astapa.end_deleted_project_sign_ins(project_id, false);
    update astapa.machine_clients as m set enabled = false, updated_at = pg_catalog.now()
    where m.project_id = delete_project.project_id and m.enabled;
    for endpoint_id in select e.public_id from astapa.webhook_endpoints as e
                       where e.project_id = delete_project.project_id order by e.id loop
      perform api.delete_webhook_endpoint(project_id, endpoint_id);
    end loop;
    update astapa.checkouts as c set status = 'expired', updated_at = pg_catalog.now()
    where c.project_id = delete_project.project_id and c.status in ('open', 'pending');
    update astapa.payments as pay set status = 'expired', updated_at = pg_catalog.now()
    where pay.project_id = delete_project.project_id and pay.status = 'pending';
    with closed as (
      update astapa.subscriptions as s set ended_at = pg_catalog.now()
      where s.project_id = delete_project.project_id and s.ended_at is null
      returning s.id)
    select pg_catalog.jsonb_build_object('subscriptions_ended', count(*)) into ended from closed;
    delete from astapa.memberships as m where m.project_id = delete_project.project_id;
    -- The client id changes last: a key update, which takes this row for update and so waits for every
    -- transaction that wrote a row naming the project (an audit entry, an event) meanwhile. Taken first, it made
    -- those that hold a user's row or tokens, a session, a payment, wait for it while it waited for them.
    update astapa.projects as p
    set client_secret_hash = pg_catalog.sha256(pg_catalog.uuid_send(pg_catalog.gen_random_uuid())),
        redirect_uris = '{}', deleted_at = pg_catalog.now(), updated_at = pg_catalog.now()
    where p.id = delete_project.project_id;
    perform astapa.retire_client_id(project_id);
    -- The client id's change waited for every transaction that had written a row naming the project (an audit
    -- entry, an event): the tokens and sessions such a one committed after the revocation above are ended now.
    -- One another transaction holds is skipped rather than waited for: its holder may be waiting for this row
    -- (to write an audit entry), a circle.
    perform astapa.end_deleted_project_sign_ins(project_id, true);
    perform astapa.audit(project_id, 'project.delete', project_id,
      ended || pg_catalog.jsonb_build_object('name', found.name, 'mode', found.mode));
    return pg_catalog.jsonb_build_object('project_id', project_id, 'name', found.name, 'deleted', true);
  end
  $$;

comment on function api.delete_project(text, text) is
  'Soft-deletes a project once its name is typed (AS400 otherwise): credentials replaced, tokens revoked, '
  'sessions ended, machine clients disabled, webhooks removed, subscriptions ended, unpaid checkouts expired, '
  'members removed; users, payments and the audit log kept. AS403 for the console project, AS404 when already '
  'deleted, AS409 for a production project with live paid payments (switch to sandbox first). Locks the '
  'project''s row for no key update, then its charged checkouts (pending, or with a pending charge: a success '
  'callback holds one before its payer''s row), then the row of every user with a live token or session, in id order, '
  'then its open checkouts (one charged since the first raises 40001: astapa.hold_checkouts_after_person), before '
  'revoking their tokens and ending their sessions (the one lock order of revocations), and changes the client id '
  '(for update) last, which waits for every transaction that wrote a row naming the project; the tokens and '
  'sessions those committed meanwhile are ended then (one held by another transaction is skipped).';

grant execute on function api.delete_project(text, text) to astapa_app;
