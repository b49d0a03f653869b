-- Managing machine clients of the project the transaction acts for. Secrets reach Postgres only as their
-- SHA-256. Errors: AS400 validation_failed, AS404 not_found (see lib/http/errors.ts).

create function astapa.machine_client_json(client_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'client_id', m.client_id, 'project_id', m.project_id, 'name', m.name,
      'scopes', pg_catalog.to_jsonb(m.scopes), 'resources', pg_catalog.to_jsonb(m.resources),
      'access_token_ttl', m.access_token_ttl, 'enabled', m.enabled, 'secret_rotated_at', m.secret_rotated_at,
      'created_at', m.created_at, 'updated_at', m.updated_at))
    from astapa.machine_clients m
    where m.project_id = astapa.current_project_id() and m.client_id = machine_client_json.client_id
  $$;

comment on function astapa.machine_client_json(text) is
  'A machine client as the API returns it (never the secret hash); null when not visible.';

grant execute on function astapa.machine_client_json(text) to astapa_app;

-- Shared checks for create and update: every scope declared, every resource registered, sane lifetime.
create function astapa.assert_machine_client_fields(name text, scopes text[], resources text[], access_token_ttl integer)
  returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    missing text;
  begin
    if name is not null and pg_catalog.length(pg_catalog.btrim(name)) not between 1 and 100 then
      raise exception using errcode = 'AS400', message = 'A machine client name must be 1 to 100 characters.';
    end if;
    if pg_catalog.cardinality(scopes) > 50 or pg_catalog.cardinality(resources) > 50
       or pg_catalog.array_position(scopes, null) is not null
       or pg_catalog.array_position(resources, null) is not null then
      raise exception using errcode = 'AS400', message = 'A machine client has at most 50 scopes and 50 resources.';
    end if;
    select s into missing from pg_catalog.unnest(scopes) as s
    where not exists (select from astapa.scopes d where d.project_id = astapa.current_project_id() and d.name = s)
    limit 1;
    if missing is not null then
      raise exception using errcode = 'AS400', message = pg_catalog.format(
        'Scope %s is not declared for this project: declare it first.', missing);
    end if;
    select r into missing from pg_catalog.unnest(resources) as r
    where not exists (select from astapa.resources d where d.project_id = astapa.current_project_id() and d.uri = r)
    limit 1;
    if missing is not null then
      raise exception using errcode = 'AS400', message = pg_catalog.format(
        'Resource %s is not registered for this project: register it first.', missing);
    end if;
    if access_token_ttl is not null and access_token_ttl not between 300 and 86400 then
      raise exception using errcode = 'AS400', message = 'access_token_ttl must be 300 to 86400 seconds.';
    end if;
  end
  $$;

comment on function astapa.assert_machine_client_fields(text, text[], text[], integer) is
  'Raises AS400 with a readable message unless the name, scopes (declared), resources (registered) and '
  'lifetime are acceptable for the current project.';

grant execute on function astapa.assert_machine_client_fields(text, text[], text[], integer) to astapa_app;

create function api.create_machine_client(
  name text, secret_hash bytea, scopes text[] default '{}', resources text[] default '{}',
  access_token_ttl integer default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    new_id text := astapa.random_id('mcl_', 24);
    distinct_scopes text[] := array(select distinct s from pg_catalog.unnest(coalesce(scopes, '{}')) as s order by s);
    distinct_resources text[] := array(
      select distinct r from pg_catalog.unnest(coalesce(resources, '{}')) as r order by r);
  begin
    if astapa.current_project_id() is null then
      raise exception using errcode = 'AS404', message = 'No project is set for this transaction.';
    end if;
    if name is null then
      raise exception using errcode = 'AS400', message = 'A machine client name must be 1 to 100 characters.';
    end if;
    perform astapa.assert_secret_hash(secret_hash);
    perform astapa.assert_machine_client_fields(name, distinct_scopes, distinct_resources, access_token_ttl);
    insert into astapa.machine_clients (project_id, client_id, name, secret_hash, scopes, resources, access_token_ttl)
    values (astapa.current_project_id(), new_id, pg_catalog.btrim(name), secret_hash, distinct_scopes,
            distinct_resources, access_token_ttl);
    perform astapa.audit(astapa.current_project_id(), 'machine_client.create', new_id,
      pg_catalog.jsonb_build_object('name', pg_catalog.btrim(name), 'scopes', distinct_scopes,
                                    'resources', distinct_resources));
    return astapa.machine_client_json(new_id);
  end
  $$;

comment on function api.create_machine_client(text, bytea, text[], text[], integer) is
  'Creates an enabled machine client for the current project with declared scopes and registered resources.';

create function api.list_machine_clients() returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(astapa.machine_client_json(m.client_id) order by m.created_at, m.client_id),
                    '[]')
    from astapa.machine_clients m
    where m.project_id = astapa.current_project_id()
  $$;

comment on function api.list_machine_clients() is 'The current project''s machine clients, oldest first.';

create function api.get_machine_client(client_id text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    found jsonb := astapa.machine_client_json(client_id);
  begin
    if found is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Machine client %s was not found.', client_id);
    end if;
    return found;
  end
  $$;

comment on function api.get_machine_client(text) is 'One machine client of the current project, or AS404.';

create function api.update_machine_client(
  client_id text, name text default null, scopes text[] default null, resources text[] default null,
  access_token_ttl integer default null, enabled boolean default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    new_scopes text[] := array(select distinct s from pg_catalog.unnest(scopes) as s order by s);
    new_resources text[] := array(select distinct r from pg_catalog.unnest(resources) as r order by r);
  begin
    -- access_token_ttl 0 means "the project's lifetime again"; null leaves it as it is.
    perform astapa.assert_machine_client_fields(name, coalesce(new_scopes, '{}'), coalesce(new_resources, '{}'),
                                                nullif(access_token_ttl, 0));
    update astapa.machine_clients m
    set name = coalesce(pg_catalog.btrim(update_machine_client.name), m.name),
        scopes = case when update_machine_client.scopes is null then m.scopes else new_scopes end,
        resources = case when update_machine_client.resources is null then m.resources else new_resources end,
        access_token_ttl = case when update_machine_client.access_token_ttl is null then m.access_token_ttl
                                else nullif(update_machine_client.access_token_ttl, 0) end,
        enabled = coalesce(update_machine_client.enabled, m.enabled),
        updated_at = pg_catalog.now()
    where m.project_id = astapa.current_project_id() and m.client_id = update_machine_client.client_id;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Machine client %s was not found.', client_id);
    end if;
    perform astapa.audit(astapa.current_project_id(), 'machine_client.update', client_id,
      pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('name', name, 'scopes', scopes,
        'resources', resources, 'access_token_ttl', access_token_ttl, 'enabled', enabled)));
    return astapa.machine_client_json(client_id);
  end
  $$;

comment on function api.update_machine_client(text, text, text[], text[], integer, boolean) is
  'Changes a machine client; null leaves a field as it is, access_token_ttl 0 returns to the project''s lifetime.';

create function api.rotate_machine_client_secret(client_id text, secret_hash bytea) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    perform astapa.assert_secret_hash(secret_hash);
    update astapa.machine_clients m
    set secret_hash = rotate_machine_client_secret.secret_hash, secret_rotated_at = pg_catalog.now(),
        updated_at = pg_catalog.now()
    where m.project_id = astapa.current_project_id() and m.client_id = rotate_machine_client_secret.client_id;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Machine client %s was not found.', client_id);
    end if;
    perform astapa.audit(astapa.current_project_id(), 'machine_client.rotate_secret', client_id);
    return astapa.machine_client_json(client_id);
  end
  $$;

comment on function api.rotate_machine_client_secret(text, bytea) is
  'Replaces a machine client''s secret hash; the old secret stops verifying at once.';

create function api.delete_machine_client(client_id text) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    delete from astapa.machine_clients m
    where m.project_id = astapa.current_project_id() and m.client_id = delete_machine_client.client_id;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Machine client %s was not found.', client_id);
    end if;
    perform astapa.audit(astapa.current_project_id(), 'machine_client.delete', client_id);
  end
  $$;

comment on function api.delete_machine_client(text) is
  'Deletes a machine client of the current project (tokens already issued live out their short lifetime).';

grant execute on function api.create_machine_client(text, bytea, text[], text[], integer) to astapa_app;
grant execute on function api.list_machine_clients() to astapa_app;
grant execute on function api.get_machine_client(text) to astapa_app;
grant execute on function api.update_machine_client(text, text, text[], text[], integer, boolean) to astapa_app;
grant execute on function api.rotate_machine_client_secret(text, bytea) to astapa_app;
grant execute on function api.delete_machine_client(text) to astapa_app;
