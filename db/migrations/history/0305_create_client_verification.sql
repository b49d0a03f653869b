-- One way to authenticate any client: a project's own client (cid_…) or a machine client (mcl_…). Then the
-- client_credentials decision for machine clients.

create function api.verify_client(client_id text, client_secret_hash bytea) returns jsonb
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
      select pg_catalog.jsonb_build_object('project_id', p.id, 'kind', 'project', 'enabled', true) into found
      from astapa.projects as p
      where p.client_id = verify_client.client_id and p.client_secret_hash = verify_client.client_secret_hash;
    else
      select pg_catalog.jsonb_build_object('project_id', m.project_id, 'kind', 'machine', 'enabled', m.enabled)
      into found
      from astapa.machine_clients as m
      where m.client_id = verify_client.client_id and m.secret_hash = verify_client.client_secret_hash;
    end if;
    perform pg_catalog.set_config('astapa.lookup_client_id', '', true);
    return found;
  end
  $$;

comment on function api.verify_client(text, bytea) is
  'The client whose id and secret (given as SHA-256) match, as {project_id, kind: project|machine, enabled}, '
  'or null. Security definer because it runs before any project is known and reads secret hashes the app role '
  'cannot select; it sees only the one client its id names, through the owner-only policies "definer functions '
  'find the project a client id names" and "… the machine client a client id names", turned on by set_config '
  'for its one query and off again before it returns.';

grant execute on function api.verify_client(text, bytea) to astapa_app;

-- Kept for operators and existing callers; now a thin invoker over api.verify_client, so only one function
-- holds definer rights over client secrets.
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

create function api.machine_client_grant(client_id text, requested_scope text, resource text) returns jsonb
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
    where m.project_id = astapa.current_project_id() and m.client_id = machine_client_grant.client_id;
    if not found or not client.enabled then
      raise exception 'this machine client is unknown or disabled' using errcode = 'AS4U0';
    end if;
    -- Only scopes the project still declares count, so withdrawing a scope takes effect at once.
    allowed := array(select s from pg_catalog.unnest(client.scopes) as s
                     where exists (select from astapa.scopes d
                                   where d.project_id = astapa.current_project_id() and d.name = s)
                     order by s);
    -- No scope asked: grant everything the client may have (RFC 6749 §3.3 lets the server pick a default).
    granted := coalesce(pg_catalog.string_to_array(requested_scope, ' '), allowed);
    if not granted <@ allowed then
      raise exception 'the requested scope exceeds the scopes this client may use' using errcode = 'AS4S0';
    end if;
    if resource is not null and not (
      resource = any (client.resources)
      and exists (select from astapa.resources r
                  where r.project_id = astapa.current_project_id() and r.uri = machine_client_grant.resource)) then
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
  'scopes that the project still declares (all of them when none is asked), resource among the client''s '
  'resources that the project still registers (it becomes aud), lifetime the client''s or the project''s.';

grant execute on function api.machine_client_grant(text, text, text) to astapa_app;
