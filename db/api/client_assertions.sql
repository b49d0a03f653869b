-- Client assertions (private_key_jwt, RFC 7523 §2.2): the public keys a client signs with, the deployment-wide
-- replay check of accepted assertions, and the audit of refused ones (issue 26 item 3).
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

create or replace function astapa.assert_public_jwks(jwks jsonb) returns void
  language plpgsql
  immutable
  set search_path = ''
  as $$
  begin
    if pg_catalog.jsonb_typeof(jwks) is distinct from 'object'
       or pg_catalog.jsonb_typeof(jwks -> 'keys') is distinct from 'array'
       or pg_catalog.jsonb_array_length(jwks -> 'keys') not between 1 and 5
       or pg_catalog.octet_length(jwks::text) > 8192 then
      raise exception 'jwks must be a JWK Set of 1 to 5 keys' using errcode = 'AS400';
    end if;
    -- Only public keys: a private member (d, p, q, dp, dq, qi) or a symmetric key (k) is refused.
    if exists (select from pg_catalog.jsonb_array_elements(jwks -> 'keys') as k
               where pg_catalog.jsonb_typeof(k) is distinct from 'object'
                  or k ?| array['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']
                  or coalesce(k ->> 'kty', '') not in ('RSA', 'EC', 'OKP')) then
      raise exception 'jwks must hold public RSA, EC or OKP keys only' using errcode = 'AS400';
    end if;
  end
  $$;

comment on function astapa.assert_public_jwks(jsonb) is
  'Raises AS400 unless jwks is a JWK Set of 1 to 5 public RSA, EC or OKP keys (no private or symmetric members).';

grant execute on function astapa.assert_public_jwks(jsonb) to astapa_app;

create or replace function api.set_machine_client_jwks(client_id text, jwks jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if jwks is not null then
      perform astapa.assert_public_jwks(jwks);
    end if;
    update astapa.machine_clients m
    set jwks = set_machine_client_jwks.jwks, updated_at = pg_catalog.now()
    where m.project_id = (select astapa.current_project_id()) and m.client_id = set_machine_client_jwks.client_id;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Machine client %s was not found.', client_id);
    end if;
    perform astapa.audit(astapa.current_project_id(), 'machine_client.set_keys', client_id,
      pg_catalog.jsonb_build_object('kids', coalesce(
        (select pg_catalog.jsonb_agg(k -> 'kid') from pg_catalog.jsonb_array_elements(jwks -> 'keys') as k),
        '[]')));
    return astapa.machine_client_json(client_id);
  end
  $$;

comment on function api.set_machine_client_jwks(text, jsonb) is
  'Sets (or, with null, removes) the public keys a machine client of the current project signs client '
  'assertions with (private_key_jwt); its secret keeps working. Audited as machine_client.set_keys.';

grant execute on function api.set_machine_client_jwks(text, jsonb) to astapa_app;

create or replace function api.machine_client_keys(client_id text) returns jsonb
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  declare
    found jsonb;
    acting text := pg_catalog.current_setting('astapa.project_id', true);
  begin
    if client_id is null or client_id !~ '^mcl_[a-z2-7]{24}$' then
      return null;
    end if;
    -- Shows the owner this one client for the next query only (as api.verify_client does).
    perform pg_catalog.set_config('astapa.lookup_client_id', client_id, true);
    select pg_catalog.jsonb_build_object('project_id', m.project_id, 'enabled', m.enabled, 'jwks', m.jwks,
             'dpop_required', m.dpop_bound_access_tokens)
    into found
    from astapa.machine_clients as m
    where m.client_id = machine_client_keys.client_id and m.jwks is not null;
    perform pg_catalog.set_config('astapa.lookup_client_id', '', true);
    -- A project that requires DPoP (settings.dpop.required) requires it of this client too: read as that project
    -- for one query, through its own policy, then acting for whoever the caller acted for again.
    if found -> 'dpop_required' = 'false'::jsonb then
      perform pg_catalog.set_config('astapa.project_id', found ->> 'project_id', true);
      found := found || pg_catalog.jsonb_build_object('dpop_required', coalesce(
        (select p.settings -> 'dpop' -> 'required' = 'true'::jsonb from astapa.projects as p
         where p.id = found ->> 'project_id'), false));
      perform pg_catalog.set_config('astapa.project_id', coalesce(acting, ''), true);
    end if;
    return found;
  end
  $$;

comment on function api.machine_client_keys(text) is
  'A machine client''s public keys for checking its client assertion, as {project_id, enabled, jwks, '
  'dpop_required} (its dpop_bound_access_tokens or its project''s settings.dpop.required), or null when it has '
  'none. Security definer because it runs before any project is known (the client''s project comes from it); it '
  'sees only the one client its id names, through the owner-only policy "definer functions find the machine '
  'client a client id names", then that project''s row through the project''s own policy, and returns public '
  'keys only.';

grant execute on function api.machine_client_keys(text) to astapa_app;

create or replace function api.consume_client_assertion(client_id text, jti text, expires_at timestamptz)
  returns boolean
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if client_id is null or jti is null or pg_catalog.length(jti) not between 1 and 200
       or expires_at is null or expires_at > pg_catalog.now() + interval '10 minutes' then
      raise exception 'a client assertion needs a jti of 1 to 200 characters and expires within 10 minutes'
        using errcode = 'AS400';
    end if;
    -- Sweeps a few expired entries on each call: the table stays as small as the assertions still alive.
    delete from astapa.client_assertion_jtis j
    where j.ctid in (select e.ctid from astapa.client_assertion_jtis e
                     where e.expires_at < pg_catalog.now() - interval '1 minute' limit 20);
    insert into astapa.client_assertion_jtis (client_id, jti, expires_at)
    values (consume_client_assertion.client_id, consume_client_assertion.jti,
            greatest(consume_client_assertion.expires_at, pg_catalog.now()))
    on conflict on constraint client_assertion_jtis_pkey do nothing;
    return found;
  end
  $$;

comment on function api.consume_client_assertion(text, text, timestamptz) is
  'Records an accepted client assertion''s jti until it expires (at most 10 minutes ahead); false when the client '
  'already used that jti — a replay, refused on every instance (RFC 7523 §3 item 7).';

grant execute on function api.consume_client_assertion(text, text, timestamptz) to astapa_app;

create or replace function api.record_client_assertion_refused(client_id text, reason text, path text)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if astapa.current_project_id() is null then
      raise exception 'no project is set' using errcode = 'AS400';
    end if;
    perform astapa.audit(astapa.current_project_id(), 'client.assertion_refused',
      pg_catalog.left(client_id, 100),
      pg_catalog.jsonb_build_object('reason', pg_catalog.left(reason, 200), 'path', pg_catalog.left(path, 200)));
  end
  $$;

comment on function api.record_client_assertion_refused(text, text, text) is
  'Audits a refused client assertion (client.assertion_refused: bad signature, replay, wrong audience, …) in '
  'the project of the client or of the resource the request names.';

grant execute on function api.record_client_assertion_refused(text, text, text) to astapa_app;
