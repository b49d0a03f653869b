-- Registering dynamic clients, reading them back, checking a confidential one's secret, and finding the project
-- a protected resource belongs to (which is how a dynamic client's authorization request finds its project).

create function api.register_dynamic_client(client jsonb, secret_hash bytea, address text, max_per_hour integer)
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
    -- Counted before anything is stored: every accepted registration uses up one of the address's allowance.
    wait := api.rate_limit_hit('client_registration:address:' || pg_catalog.left(coalesce(address, ''), 100),
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
      coalesce(client -> 'metadata', '{}'),
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

create function api.dynamic_client(client_id text) returns jsonb
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

create function api.verify_dynamic_client(client_id text, secret_hash bytea) returns boolean
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

-- A dynamic client's authorization request names a resource before any project is known; this policy shows the
-- owner the one resource api.resource_owner looks up (astapa.lookup_resource is set for that query only).
create policy "definer functions find the resource a lookup names" on astapa.resources
  for select to astapa_owner
  using (uri = nullif(pg_catalog.current_setting('astapa.lookup_resource', true), ''));

create function api.resource_owner(resource text) returns jsonb
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

grant execute on function api.register_dynamic_client(jsonb, bytea, text, integer) to astapa_app;
grant execute on function api.dynamic_client(text) to astapa_app;
grant execute on function api.verify_dynamic_client(text, bytea) to astapa_app;
grant execute on function api.resource_owner(text) to astapa_app;
