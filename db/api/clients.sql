-- Machine clients, dynamic clients and client authentication.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own machine clients" on astapa.machine_clients;
create policy "a project reads its own machine clients" on astapa.machine_clients
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds its own machine clients" on astapa.machine_clients;
create policy "a project adds its own machine clients" on astapa.machine_clients
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project updates its own machine clients" on astapa.machine_clients;
create policy "a project updates its own machine clients" on astapa.machine_clients
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project deletes its own machine clients" on astapa.machine_clients;
create policy "a project deletes its own machine clients" on astapa.machine_clients
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "definer functions find the machine client a client id names" on astapa.machine_clients;
create policy "definer functions find the machine client a client id names" on astapa.machine_clients
  for select to astapa_owner
  using (client_id = nullif(pg_catalog.current_setting('astapa.lookup_client_id', true), ''));

create or replace function astapa.machine_client_json(client_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'client_id', m.client_id, 'project_id', m.project_id, 'name', m.name,
      'scopes', pg_catalog.to_jsonb(m.scopes), 'resources', pg_catalog.to_jsonb(m.resources),
      'access_token_ttl', m.access_token_ttl, 'enabled', m.enabled, 'secret_rotated_at', m.secret_rotated_at,
      'jwks', m.jwks, 'created_at', m.created_at, 'updated_at', m.updated_at,
      'dpop_bound_access_tokens', m.dpop_bound_access_tokens))
    from astapa.machine_clients m
    where m.project_id = (select astapa.current_project_id()) and m.client_id = machine_client_json.client_id
  $$;

comment on function astapa.machine_client_json(text) is
  'A machine client as the API returns it (never the secret hash); null when not visible.';

grant execute on function astapa.machine_client_json(text) to astapa_app;

create or replace function astapa.assert_machine_client_fields(name text, scopes text[], resources text[], access_token_ttl integer)
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
    where not exists (select from astapa.scopes d where d.project_id = (select astapa.current_project_id())
          and d.name = s)
    limit 1;
    if missing is not null then
      raise exception using errcode = 'AS400', message = pg_catalog.format(
        'Scope %s is not declared for this project: declare it first.', missing);
    end if;
    select r into missing from pg_catalog.unnest(resources) as r
    where not exists (select from astapa.resources d where d.project_id = (select astapa.current_project_id())
          and d.uri = r)
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

create or replace function api.create_machine_client(
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

grant execute on function api.create_machine_client(text, bytea, text[], text[], integer) to astapa_app;

create or replace function api.list_machine_clients() returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(astapa.machine_client_json(m.client_id) order by m.created_at, m.client_id),
                    '[]')
    from astapa.machine_clients m
    where m.project_id = (select astapa.current_project_id())
  $$;

comment on function api.list_machine_clients() is 'The current project''s machine clients, oldest first.';

grant execute on function api.list_machine_clients() to astapa_app;

create or replace function api.get_machine_client(client_id text) returns jsonb
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

grant execute on function api.get_machine_client(text) to astapa_app;

create or replace function api.update_machine_client(
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
    where m.project_id = (select astapa.current_project_id()) and m.client_id = update_machine_client.client_id;
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

grant execute on function api.update_machine_client(text, text, text[], text[], integer, boolean) to astapa_app;

create or replace function api.rotate_machine_client_secret(client_id text, secret_hash bytea) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    perform astapa.assert_secret_hash(secret_hash);
    update astapa.machine_clients m
    set secret_hash = rotate_machine_client_secret.secret_hash, secret_rotated_at = pg_catalog.now(),
        updated_at = pg_catalog.now()
    where m.project_id = (select astapa.current_project_id()) and m.client_id = rotate_machine_client_secret.client_id;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Machine client %s was not found.', client_id);
    end if;
    perform astapa.audit(astapa.current_project_id(), 'machine_client.rotate_secret', client_id);
    return astapa.machine_client_json(client_id);
  end
  $$;

comment on function api.rotate_machine_client_secret(text, bytea) is
  'Replaces a machine client''s secret hash; the old secret stops verifying at once.';

grant execute on function api.rotate_machine_client_secret(text, bytea) to astapa_app;

create or replace function api.delete_machine_client(client_id text) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    delete from astapa.machine_clients m
    where m.project_id = (select astapa.current_project_id()) and m.client_id = delete_machine_client.client_id;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Machine client %s was not found.', client_id);
    end if;
    perform astapa.audit(astapa.current_project_id(), 'machine_client.delete', client_id);
  end
  $$;

comment on function api.delete_machine_client(text) is
  'Deletes a machine client of the current project (tokens already issued live out their short lifetime).';

grant execute on function api.delete_machine_client(text) to astapa_app;

create or replace function api.verify_client(client_id text, client_secret_hash bytea) returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    found jsonb;
  begin
    perform astapa.assert_secret_hash(client_secret_hash);
    if client_id is null or client_id !~ '^(cid|mcl)_[a-z2-7]{24}$' then
      return null;
    end if;
    -- Shows the owner this one client for the next query only (on an error, rollback undoes it).
    perform pg_catalog.set_config('astapa.lookup_client_id', client_id, true);
    -- Comparing digests: the caller controls only the secret, not its SHA-256, so `=` on bytea stopping at
    -- the first differing byte reveals nothing useful about the stored hash.
    if pg_catalog.starts_with(client_id, 'cid_') then
      select pg_catalog.jsonb_build_object('project_id', p.id, 'kind', 'project', 'enabled', true,
               'dpop_required', coalesce(p.settings -> 'dpop' -> 'required' = 'true'::jsonb, false)) into found
      from astapa.projects as p
      where p.client_id = verify_client.client_id and p.client_secret_hash = verify_client.client_secret_hash;
    else
      select pg_catalog.jsonb_build_object('project_id', m.project_id, 'kind', 'machine', 'enabled', m.enabled,
               'dpop_required', m.dpop_bound_access_tokens)
      into found
      from astapa.machine_clients as m
      where m.client_id = verify_client.client_id and m.secret_hash = verify_client.client_secret_hash;
    end if;
    perform pg_catalog.set_config('astapa.lookup_client_id', '', true);
    return found;
  end
  $$;

comment on function api.verify_client(text, bytea) is
  'The client whose id and secret (given as SHA-256) match, as {project_id, kind: project|machine, enabled, '
  'dpop_required} (the project client: its project''s settings.dpop.required; a machine client: its '
  'dpop_bound_access_tokens), or null. Security definer because it runs before any project is known and reads '
  'secret hashes the app role cannot select; it sees only the one client its id names, through the owner-only '
  'policies "definer functions find the project a client id names" and "… the machine client a client id '
  'names", turned on by set_config for its one query and off again before it returns.';

grant execute on function api.verify_client(text, bytea) to astapa_app;

create or replace function api.machine_client_grant(client_id text, requested_scope text, resource text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    client record;
    allowed text[];
    granted text[];
  begin
    select m.enabled, m.scopes, m.resources, m.access_token_ttl into client
    from astapa.machine_clients m
    where m.project_id = (select astapa.current_project_id()) and m.client_id = machine_client_grant.client_id;
    if not found or not client.enabled then
      raise exception 'this machine client is unknown or disabled' using errcode = 'AS4U0';
    end if;
    -- Only scopes the project still declares count, so withdrawing a scope takes effect at once.
    allowed := array(select s from pg_catalog.unnest(client.scopes) as s
                     where exists (select from astapa.scopes d
                                   where d.project_id = (select astapa.current_project_id()) and d.name = s)
                     order by s);
    -- No scope asked: grant everything the client may have (RFC 6749 §3.3 lets the server pick a default).
    -- Asked for more: grant the part the client may have, in the order asked (§3.3 lets the server narrow; the
    -- token response's scope then says what was granted). MCP clients ask for a resource's whole
    -- scopes_supported when its challenge names none. Nothing of what was asked is allowed: invalid_scope.
    granted := case when requested_scope is null then allowed else array(
      select x.s from pg_catalog.unnest(pg_catalog.string_to_array(requested_scope, ' ')) with ordinality as x(s, n)
      where x.s = any (allowed) order by x.n) end;
    if requested_scope is not null and pg_catalog.cardinality(granted) = 0 then
      raise exception 'none of the requested scopes is one this client may use' using errcode = 'AS4S0';
    end if;
    if resource is not null and not (
      resource = any (client.resources)
      and exists (select from astapa.resources r
                  where r.project_id = (select astapa.current_project_id())
                        and r.uri = machine_client_grant.resource)) then
      raise exception 'the requested resource is not one this client may ask for' using errcode = 'AS4T0';
    end if;
    return pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'project_id', astapa.current_project_id(),
      'scope', nullif(pg_catalog.array_to_string(granted, ' '), ''),
      'resource', resource,
      'access_ttl', coalesce(client.access_token_ttl, (select p.access_ttl from astapa.token_policy() as p))));
  end
  $$;

comment on function api.machine_client_grant(text, text, text) is
  'Decides a client_credentials grant for a machine client of the current project: scope within the client''s '
  'scopes that the project still declares (all of them when none is asked, the allowed part of a wider request, '
  'invalid_scope when none of it is allowed), resource among the client''s '
  'resources that the project still registers (it becomes aud), lifetime the client''s or the project''s. '
  'Whether it must send DPoP proofs is client authentication''s to say (api.verify_client''s dpop_required).';

grant execute on function api.machine_client_grant(text, text, text) to astapa_app;

create or replace function api.authenticate_client(client_id text, client_secret_hash bytea, buckets jsonb)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    wait integer := astapa.client_lockout_wait(buckets);
    found jsonb;
  begin
    if wait > 0 then
      return pg_catalog.jsonb_build_object('wait', wait);
    end if;
    found := api.verify_client(client_id, client_secret_hash);
    if found is not null then
      -- An enabled client's project and kind are who the rest of the transaction acts for (RLS reads the
      -- project, the management tables' triggers the kind), so the grant can follow in the same transaction.
      if (found ->> 'enabled')::boolean then
        perform pg_catalog.set_config('astapa.project_id', found ->> 'project_id', true);
        perform pg_catalog.set_config('astapa.client_kind', found ->> 'kind', true);
        -- RFC 9449 §5: a project that requires DPoP requires it of its machine clients too (the project's own
        -- client has it from its row already). Read here, as the project, so the grant needs no other read.
        if found ->> 'kind' = 'machine' and found -> 'dpop_required' = 'false'::jsonb then
          found := found || pg_catalog.jsonb_build_object('dpop_required', coalesce(
            (select p.settings -> 'dpop' -> 'required' = 'true'::jsonb from astapa.projects as p
             where p.id = found ->> 'project_id'), false));
        end if;
      end if;
      return pg_catalog.jsonb_build_object('client', found);
    end if;
    perform astapa.count_client_failure(buckets);
    return '{}'::jsonb;
  end
  $$;

comment on function api.authenticate_client(text, bytea, jsonb) is
  'Authenticates a client (id and SHA-256 of its secret) behind brute-force limits, in one call. buckets: '
  '[{name, max, window_seconds}]. Returns {wait: seconds} when a bucket is locked (the secret is not checked), '
  '{client: <api.verify_client result>} when the secret matches — and, for an enabled client, sets '
  'astapa.project_id for the rest of the transaction; its dpop_required also says whether the project requires '
  'DPoP of every client (settings.dpop.required) — or {} after counting a failure in every bucket.';

grant execute on function api.authenticate_client(text, bytea, jsonb) to astapa_app;

create or replace function api.register_dynamic_client(client jsonb, secret_hash bytea, address text, max_per_hour integer)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    wait integer;
    new_id text;
    issued timestamptz;
  begin
    if pg_catalog.jsonb_typeof(client) is distinct from 'object'
       or pg_catalog.jsonb_typeof(client -> 'redirect_uris') is distinct from 'array'
       or pg_catalog.jsonb_typeof(coalesce(client -> 'grant_types', '[]')) <> 'array'
       or pg_catalog.jsonb_typeof(coalesce(client -> 'metadata', '{}')) <> 'object' then
      raise exception 'client must be an object with a redirect_uris array (grant_types an array, metadata an object)'
        using errcode = 'AS400';
    end if;
    -- Counted before anything is stored: every accepted registration uses up one of the address's allowance (an
    -- IPv6 address's /64's).
    wait := api.rate_limit_hit('client_registration:address:' || pg_catalog.left(coalesce(astapa.address_bucket(address), ''), 100),
                               max_per_hour, 3600);
    if wait > 0 then
      return pg_catalog.jsonb_build_object('wait', wait);
    end if;
    insert into astapa.dynamic_clients (
      client_id, client_name, redirect_uris, grant_types, token_endpoint_auth_method, secret_hash, scope, metadata,
      registered_from)
    values (
      astapa.random_id('dcl_', 24),
      coalesce(client ->> 'client_name', ''),
      array(select pg_catalog.jsonb_array_elements_text(client -> 'redirect_uris')),
      coalesce(nullif(array(select pg_catalog.jsonb_array_elements_text(client -> 'grant_types')), '{}'),
               '{authorization_code}'),
      coalesce(client ->> 'token_endpoint_auth_method', 'client_secret_basic'),
      secret_hash,
      coalesce(client ->> 'scope', ''),
      -- Keys fetched from a jwks_uri are stamped, so later uses know when to fetch them again.
      coalesce(client -> 'metadata', '{}') || case when client -> 'metadata' ? 'jwks_uri'
        then pg_catalog.jsonb_build_object('jwks_fetched_at', pg_catalog.now()) else '{}' end,
      pg_catalog.left(coalesce(address, ''), 100))
    returning client_id, created_at into new_id, issued;
    return api.dynamic_client(new_id) || pg_catalog.jsonb_build_object(
      'client_id_issued_at', pg_catalog.floor(extract(epoch from issued))::bigint);
  end
  $$;

comment on function api.register_dynamic_client(jsonb, bytea, text, integer) is
  'Registers a client (RFC 7591) from {client_name, redirect_uris, grant_types, token_endpoint_auth_method, '
  'scope, metadata}, secret_hash null for a public client. At most max_per_hour registrations per address: past '
  'it, returns {wait: seconds} and stores nothing. Otherwise returns the registered metadata (api.dynamic_client) '
  'plus client_id_issued_at.';

grant execute on function api.register_dynamic_client(jsonb, bytea, text, integer) to astapa_app;

create or replace function api.dynamic_client(client_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select d.metadata || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'client_id', d.client_id,
      'client_name', nullif(d.client_name, ''),
      'redirect_uris', pg_catalog.to_jsonb(d.redirect_uris),
      'grant_types', pg_catalog.to_jsonb(d.grant_types),
      'response_types', pg_catalog.jsonb_build_array('code'),
      'token_endpoint_auth_method', d.token_endpoint_auth_method,
      'scope', nullif(d.scope, '')))
    from astapa.dynamic_clients d
    where d.client_id = dynamic_client.client_id
  $$;

comment on function api.dynamic_client(text) is
  'A dynamically registered client''s metadata as RFC 7591 spells it (never its secret), or null.';

grant execute on function api.dynamic_client(text) to astapa_app;

create or replace function api.store_dynamic_client_jwks(client_id text, jwks jsonb) returns boolean
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  begin
    -- Dynamic clients belong to no project: their keys are refreshed before any project is chosen.
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Client keys are refreshed before a project is chosen.';
    end if;
    if pg_catalog.jsonb_typeof(jwks -> 'keys') is distinct from 'array'
       or pg_catalog.jsonb_array_length(jwks -> 'keys') not between 1 and 5
       or exists (select from pg_catalog.jsonb_array_elements(jwks -> 'keys') as k(key)
                  where pg_catalog.jsonb_typeof(k.key) <> 'object' or k.key ?| array['d', 'p', 'q', 'k']) then
      raise exception 'jwks must be {keys: [1 to 5 public keys]}' using errcode = 'AS400';
    end if;
    update astapa.dynamic_clients d
    set metadata = d.metadata || pg_catalog.jsonb_build_object('jwks', jwks, 'jwks_fetched_at', pg_catalog.now())
    where d.client_id = store_dynamic_client_jwks.client_id
      and d.token_endpoint_auth_method = 'private_key_jwt' and d.metadata ? 'jwks_uri';
    return found;
  end
  $$;

comment on function api.store_dynamic_client_jwks(text, jsonb) is
  'Replaces the keys of a private_key_jwt client registered with a jwks_uri by a fresh fetch of that URI (the '
  'fetch and its checks happen in lib/oauth/registered_client_jwks.ts) and stamps jwks_fetched_at. False when '
  'no such client (or it registered its keys inline). Security definer because the app role may update only '
  'last_used_at of dynamic clients; this touches nothing but the keys of a client that named a jwks_uri, with '
  'public keys only, and only outside any project.';

grant execute on function api.store_dynamic_client_jwks(text, jsonb) to astapa_app;

create or replace function api.verify_dynamic_client(client_id text, secret_hash bytea) returns boolean
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  begin
    perform astapa.assert_secret_hash(secret_hash);
    -- Comparing digests: the caller controls the secret, not its SHA-256, so `=` reveals nothing useful.
    return exists (select from astapa.dynamic_clients d
                   where d.client_id = verify_dynamic_client.client_id
                     and d.secret_hash = verify_dynamic_client.secret_hash);
  end
  $$;

comment on function api.verify_dynamic_client(text, bytea) is
  'True when a confidential dynamic client''s id and secret (as SHA-256) match. Security definer because the app '
  'role may not select secret hashes; it answers yes or no for the one client named and nothing else.';

grant execute on function api.verify_dynamic_client(text, bytea) to astapa_app;

drop policy if exists "definer functions find the resource a lookup names" on astapa.resources;
create policy "definer functions find the resource a lookup names" on astapa.resources
  for select to astapa_owner
  using (uri = nullif(pg_catalog.current_setting('astapa.lookup_resource', true), ''));

create or replace function api.resource_owner(resource text) returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    owner record;
    answer jsonb;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Resource lookups happen before a project is chosen.';
    end if;
    if resource is null or not astapa.is_valid_resource_uri(resource) then
      return null;
    end if;
    perform pg_catalog.set_config('astapa.lookup_resource', resource, true);
    select r.project_id, r.name into owner from astapa.resources r where r.uri = resource_owner.resource;
    perform pg_catalog.set_config('astapa.lookup_resource', '', true);
    if owner.project_id is null then
      return null;
    end if;
    -- Acts for the owning project for one read through that project's own policies, then lets go again.
    perform pg_catalog.set_config('astapa.project_id', owner.project_id, true);
    select pg_catalog.jsonb_build_object(
             'project_id', p.id, 'name', p.name, 'mode', p.mode, 'settings', p.settings,
             'resource', resource, 'resource_name', owner.name,
             'dynamic_clients', coalesce(p.settings -> 'dynamic_clients' = 'true'::jsonb, false),
             'scopes', coalesce((select pg_catalog.jsonb_agg(s.name order by s.name) from astapa.scopes s
                                 where s.project_id = p.id), '[]'::jsonb))
      into answer
    from astapa.projects p where p.id = owner.project_id;
    perform pg_catalog.set_config('astapa.project_id', '', true);
    return answer;
  end
  $$;

comment on function api.resource_owner(text) is
  'For a dynamic client''s authorization request: the project owning a protected resource (id, name, mode, '
  'settings, whether it accepts dynamic clients, its declared scopes) and the resource''s name, or null. '
  'Security definer because no project is known yet; it sees only the one resource named (policy "definer '
  'functions find the resource a lookup names"), then that project''s row and scopes through the project''s '
  'own policies, and refuses to run once a project is set.';

grant execute on function api.resource_owner(text) to astapa_app;

create or replace function astapa.client_lockout_wait(buckets jsonb) returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    entry jsonb;
    wait integer;
  begin
    if pg_catalog.jsonb_typeof(buckets) is distinct from 'array' or exists (
      select from pg_catalog.jsonb_array_elements(buckets) as b(value)
      where pg_catalog.jsonb_typeof(b.value -> 'name') is distinct from 'string'
         or pg_catalog.jsonb_typeof(b.value -> 'max') is distinct from 'number'
         or pg_catalog.jsonb_typeof(b.value -> 'window_seconds') is distinct from 'number'
         or pg_catalog.jsonb_typeof(b.value -> 'spare_if_clean') not in ('string', 'null')) then
      raise exception 'buckets must be an array of {name, max, window_seconds, spare_if_clean?}'
        using errcode = 'AS400';
    end if;
    for entry in select b.value from pg_catalog.jsonb_array_elements(buckets) as b(value) loop
      wait := api.rate_limit_wait(entry ->> 'name', (entry ->> 'max')::integer);
      if wait > 0 and entry ->> 'spare_if_clean' is not null and not exists (
        select from astapa.rate_limits r
        where r.bucket = entry ->> 'spare_if_clean' and r.hits > 0
          and r.window_start + pg_catalog.make_interval(secs => r.window_seconds) > pg_catalog.now()) then
        wait := 0;
      end if;
      if wait > 0 then
        return wait;
      end if;
    end loop;
    return 0;
  end
  $$;

comment on function astapa.client_lockout_wait(jsonb) is
  'Seconds to wait before the first locked bucket of [{name, max, window_seconds, spare_if_clean?}] allows '
  'another attempt; 0 when none is locked. A locked bucket naming spare_if_clean does not lock a caller whose '
  'bucket of that name holds no failure in its window. AS400 for malformed buckets.';

grant execute on function astapa.client_lockout_wait(jsonb) to astapa_app;

create or replace function astapa.count_client_failure(buckets jsonb) returns void
  language sql
  volatile
  set search_path = ''
  as $$
    -- Every instance's client-credential cache stops answering for these buckets (lib/oauth/verified_clients.ts):
    -- the payload is the bucket's name, the key of its astapa.rate_limits row.
    select api.rate_limit_hit(b.value ->> 'name', (b.value ->> 'max')::integer, (b.value ->> 'window_seconds')::integer),
           pg_catalog.pg_notify('astapa_client_failures', b.value ->> 'name')
    from pg_catalog.jsonb_array_elements(buckets) as b(value)
  $$;

comment on function astapa.count_client_failure(jsonb) is
  'Counts one failed client authentication in every bucket and announces each bucket on NOTIFY '
  'astapa_client_failures (payload: the bucket name), so no instance answers those buckets from its cache.';

grant execute on function astapa.count_client_failure(jsonb) to astapa_app;

create or replace function api.authenticate_dynamic_client(client_id text, client_secret_hash bytea, buckets jsonb)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    wait integer := astapa.client_lockout_wait(buckets);
    verified boolean;
  begin
    if wait > 0 then
      return pg_catalog.jsonb_build_object('wait', wait);
    end if;
    verified := api.verify_dynamic_client(client_id, client_secret_hash);
    if not verified then
      perform astapa.count_client_failure(buckets);
    end if;
    return pg_catalog.jsonb_build_object('verified', verified);
  end
  $$;

comment on function api.authenticate_dynamic_client(text, bytea, jsonb) is
  'A confidential dynamic client''s secret check behind the same lockout as api.authenticate_client: {wait} when '
  'a bucket is locked (the secret is not checked), else {verified}, a failure counted in every bucket.';

grant execute on function api.authenticate_dynamic_client(text, bytea, jsonb) to astapa_app;

create or replace function astapa.current_client_kind() returns text
  language sql
  stable
  parallel safe
  set search_path = ''
  as $$ select nullif(pg_catalog.current_setting('astapa.client_kind', true), '') $$;

comment on function astapa.current_client_kind() is
  'The kind of OAuth client the transaction acts for (project, machine, dynamic), from the transaction-local '
  'setting astapa.client_kind; null when no client authenticated (dashboard, CLI, hosted login, workers).';

grant execute on function astapa.current_client_kind() to astapa_app;

create or replace function astapa.assert_own_client(action text) returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    if astapa.current_client_kind() in ('machine', 'dynamic') then
      raise exception using errcode = 'AS4U3',
        message = pg_catalog.format('Only the project''s own client may %s.', action);
    end if;
  end
  $$;

comment on function astapa.assert_own_client(text) is
  'Raises AS4U3 ("Only the project''s own client may <action>.") when the transaction acts for a machine or '
  'self-registered client: for calls the management tables'' triggers do not cover (a read, or a change that '
  'writes nothing). Developers, the CLI and workers (no client kind) pass.';

grant execute on function astapa.assert_own_client(text) to astapa_app;

create or replace function astapa.refuse_foreign_client_writes() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if astapa.current_client_kind() in ('machine', 'dynamic') then
      raise exception 'only the project''s own client may change % (this is a % client)',
        tg_table_name, astapa.current_client_kind()
        using errcode = 'AS4U3';
    end if;
    return null;
  end
  $$;

comment on function astapa.refuse_foreign_client_writes() is
  'Statement trigger on the tables the Platform management API changes: a transaction acting for a machine or '
  'self-registered client may not write them (AS4U3, answered as 403 unauthorized_client).';

-- The tables the Platform management API changes; a new management table gets one too.
create or replace trigger plans_refuse_foreign_client_writes before insert or update or delete or truncate
  on astapa.plans for each statement execute function astapa.refuse_foreign_client_writes();

create or replace trigger subscriptions_refuse_foreign_client_writes before insert or update or delete or truncate
  on astapa.subscriptions for each statement execute function astapa.refuse_foreign_client_writes();

create or replace trigger user_claims_refuse_foreign_client_writes before insert or update or delete or truncate
  on astapa.user_claims for each statement execute function astapa.refuse_foreign_client_writes();

create or replace trigger users_refuse_foreign_client_writes before insert or update or delete or truncate
  on astapa.users for each statement execute function astapa.refuse_foreign_client_writes();

create or replace trigger identities_refuse_foreign_client_writes before insert or update or delete or truncate
  on astapa.identities for each statement execute function astapa.refuse_foreign_client_writes();

create or replace trigger checkouts_refuse_foreign_client_writes before insert or update or delete or truncate
  on astapa.checkouts for each statement execute function astapa.refuse_foreign_client_writes();

create or replace trigger payments_refuse_foreign_client_writes before insert or update or delete or truncate
  on astapa.payments for each statement execute function astapa.refuse_foreign_client_writes();

create or replace trigger machine_clients_refuse_foreign_client_writes before insert or update or delete or truncate
  on astapa.machine_clients for each statement execute function astapa.refuse_foreign_client_writes();

create or replace trigger resources_refuse_foreign_client_writes before insert or update or delete or truncate
  on astapa.resources for each statement execute function astapa.refuse_foreign_client_writes();

create or replace trigger scopes_refuse_foreign_client_writes before insert or update or delete or truncate
  on astapa.scopes for each statement execute function astapa.refuse_foreign_client_writes();

create or replace trigger projects_refuse_foreign_client_writes before insert or update or delete or truncate
  on astapa.projects for each statement execute function astapa.refuse_foreign_client_writes();

create or replace trigger webhook_endpoints_refuse_foreign_client_writes before insert or update or delete or truncate
  on astapa.webhook_endpoints for each statement execute function astapa.refuse_foreign_client_writes();

create or replace trigger xendit_keys_refuse_foreign_client_writes before insert or update or delete or truncate
  on astapa.xendit_keys for each statement execute function astapa.refuse_foreign_client_writes();

create or replace trigger memberships_refuse_foreign_client_writes before insert or update or delete or truncate
  on astapa.memberships for each statement execute function astapa.refuse_foreign_client_writes();

create or replace function api.record_refused_client(client_id text, kind text, method text, path text) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if astapa.current_project_id() is null then
      raise exception 'no project is set' using errcode = 'AS400';
    end if;
    perform astapa.audit(astapa.current_project_id(), 'client.refused', client_id,
      pg_catalog.jsonb_build_object('kind', kind, 'method', pg_catalog.left(method, 10),
                                    'path', pg_catalog.left(path, 200)));
  end
  $$;

comment on function api.record_refused_client(text, text, text, text) is
  'Audits a call by a known client of a kind the route does not accept (client.refused), in the client''s '
  'project.';

grant execute on function api.record_refused_client(text, text, text, text) to astapa_app;

-- The client caches of each instance (lib/oauth/verified_clients.ts, lib/login/authorization_clients.ts): what
-- invalidates them.

create or replace function astapa.note_client_change() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    noted bigint;
  begin
    insert into astapa.client_changes (source) values (tg_table_name) returning seq into noted;
    if noted % 100 = 0 then
      delete from astapa.client_changes c where c.changed_at < pg_catalog.now() - interval '1 day';
    end if;
    -- Other instances hear it on commit; this session's own process hears the notice at once, before the
    -- statement returns, so a change made through one instance is never answered from that instance's cache.
    perform pg_catalog.pg_notify('astapa_client_changes', noted::text);
    raise notice using message = 'astapa_client_change', detail = noted::text;
    return null;
  end
  $$;

comment on function astapa.note_client_change() is
  'Statement trigger on what a client_credentials grant or an authorization request''s client depends on: '
  'records the change in astapa.client_changes, sends NOTIFY astapa_client_changes (payload: seq) and raises the '
  'notice astapa_client_change for its own session, so every instance drops its cached client credentials and '
  'authorization clients.';

create or replace trigger projects_note_client_change
  after update of client_id, client_secret_hash, name, mode, redirect_uris, settings, deleted_at or delete
  on astapa.projects for each statement execute function astapa.note_client_change();

create or replace trigger machine_clients_note_client_change after insert or update or delete or truncate
  on astapa.machine_clients for each statement execute function astapa.note_client_change();

create or replace trigger scopes_note_client_change after insert or update or delete or truncate
  on astapa.scopes for each statement execute function astapa.note_client_change();

create or replace trigger resources_note_client_change after insert or update or delete or truncate
  on astapa.resources for each statement execute function astapa.note_client_change();

create or replace function api.failing_client_buckets(prefix text, max_rows integer) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('bucket', f.bucket, 'seconds', f.seconds)), '[]')
    from (select r.bucket,
                 greatest(1, ceil(extract(epoch from r.window_start
                   + pg_catalog.make_interval(secs => r.window_seconds) - pg_catalog.now())))::integer as seconds
          from astapa.rate_limits r
          where pg_catalog.starts_with(r.bucket, failing_client_buckets.prefix) and r.hits > 0
            and r.window_start + pg_catalog.make_interval(secs => r.window_seconds) > pg_catalog.now()
          limit greatest(max_rows, 0)) as f
  $$;

comment on function api.failing_client_buckets(text, integer) is
  'Brute-force buckets whose name starts with prefix and that hold a failure in their current window, as '
  '[{bucket, seconds left}], at most max_rows: what a starting or re-listening instance must not answer from '
  'its client-credential cache.';

grant execute on function api.failing_client_buckets(text, integer) to astapa_app;
