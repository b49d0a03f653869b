-- The project API. Custom SQLSTATEs (mapped in lib/http/errors.ts): AS400 validation_failed,
-- AS403 forbidden, AS404 not_found, AS409 conflict. Messages are safe to show to the caller.
-- Client secrets reach Postgres only as their SHA-256 (computed by the caller), so the secret itself can
-- never appear in a log, an error or a backup.

create function astapa.project_json(project_id text) returns jsonb
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

create function astapa.assert_redirect_uri(uri text) returns void
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

create function astapa.assert_secret_hash(secret_hash bytea) returns void
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

create function astapa.require_project(project_id text) returns text
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

create function api.create_project(name text, redirect_uris text[], client_secret_hash bytea) returns jsonb
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

create function api.get_project(project_id text) returns jsonb
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

create function api.list_projects() returns jsonb
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
      from astapa.projects as p), '[]');
    perform pg_catalog.set_config('astapa.list_all_projects', '', true);
    return listed;
  end
  $$;

comment on function api.list_projects() is
  'Every project (no secrets), for the operator''s CLI. Security definer because listing crosses projects: its '
  'set_config turns on the owner-only policy "definer functions list every project for the operator" for its '
  'one query. Guard: refused while the transaction acts for a project, so a request cannot list its neighbours.';

grant execute on function api.list_projects() to astapa_app;

create function api.update_project(project_id text, name text default null, mode text default null,
                                   settings jsonb default null) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    changes jsonb := pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('name', name, 'mode', mode));
  begin
    perform astapa.require_project(project_id);
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
  'Changes name, mode and/or settings (null leaves a field as it is). Mode applies to users created from now on.';

grant execute on function api.update_project(text, text, text, jsonb) to astapa_app;

create function api.add_redirect_uri(project_id text, uri text) returns jsonb
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

create function api.remove_redirect_uri(project_id text, uri text) returns jsonb
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

create function api.rotate_client_secret(project_id text, client_secret_hash bytea) returns jsonb
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

create function api.verify_client_credentials(client_id text, client_secret_hash bytea) returns text
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    found_project text;
  begin
    perform astapa.assert_secret_hash(client_secret_hash);
    if client_id is null or client_id !~ '^cid_[a-z2-7]{24}$' then
      return null;
    end if;
    -- Shows this one project to the owner for the next query only (on an error, rollback undoes it).
    perform pg_catalog.set_config('astapa.lookup_client_id', client_id, true);
    -- Comparing digests: `=` on bytea stops at the first differing byte, but the caller controls only the
    -- secret, not its SHA-256, so the timing reveals nothing useful about the stored hash.
    select p.id into found_project
    from astapa.projects as p
    where p.client_id = verify_client_credentials.client_id
      and p.client_secret_hash = verify_client_credentials.client_secret_hash;
    perform pg_catalog.set_config('astapa.lookup_client_id', '', true);
    return found_project;
  end
  $$;

comment on function api.verify_client_credentials(text, bytea) is
  'The project whose client id and secret (given as SHA-256) match, or null. Security definer because it runs '
  'before any project is known and reads client_secret_hash, which the app role cannot select; it sees only the '
  'project its client id names, through the owner-only policy "definer functions find the project a client id '
  'names", turned on by set_config for its one query and off again before it returns.';

grant execute on function api.verify_client_credentials(text, bytea) to astapa_app;
