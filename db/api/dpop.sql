-- DPoP (RFC 9449, docs/tokens.md "DPoP"): the replay store of accepted proofs, and the binding of a public
-- client's refresh tokens to its key. lib/oauth/dpop.ts checks the proof itself; what needs shared state is here.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own dpop proofs" on astapa.dpop_proofs;
create policy "a project reads its own dpop proofs" on astapa.dpop_proofs
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own dpop proofs" on astapa.dpop_proofs;
create policy "a project records its own dpop proofs" on astapa.dpop_proofs
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "the sweeper finds expired dpop proofs" on astapa.dpop_proofs;
create policy "the sweeper finds expired dpop proofs" on astapa.dpop_proofs
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

drop policy if exists "the sweeper removes expired dpop proofs" on astapa.dpop_proofs;
create policy "the sweeper removes expired dpop proofs" on astapa.dpop_proofs
  for delete to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

create or replace function api.use_dpop_proof(
  proof_hash bytea, expires_at timestamptz, jkt text, bind_refresh boolean, grant_result jsonb)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- Called around a grant's call in the grant's own statement: the grant has run (arguments come first), and
    -- anything raised here rolls it back with the statement, so a refused proof leaves no trace of the grant.
    if proof_hash is not null then
      insert into astapa.dpop_proofs (project_id, proof_hash, expires_at)
      values ((select astapa.current_project_id()), use_dpop_proof.proof_hash, use_dpop_proof.expires_at)
      on conflict do nothing;
      if not found then
        raise exception 'this DPoP proof was used before: make a new one (a new jti) for every request'
          using errcode = 'AS4D0';
      end if;
    end if;
    -- What the grant redeemed (a code with dpop_jkt, a bound refresh token) names the key it is bound to.
    if grant_result ? 'dpop_jkt' then
      if jkt is distinct from grant_result ->> 'dpop_jkt' then
        raise exception 'this grant is bound to a DPoP key: send a DPoP proof made with that key'
          using errcode = 'AS4G0';
      end if;
      grant_result := grant_result - 'dpop_jkt';
    end if;
    -- A public client's new refresh token is bound to its key (a rotation's successor is bound already).
    if bind_refresh and jkt is not null and grant_result ? 'refresh_token_id' then
      update astapa.refresh_tokens r set dpop_jkt = jkt
      where r.project_id = (select astapa.current_project_id())
        and r.lookup_id = (grant_result ->> 'refresh_token_id')::uuid and r.dpop_jkt is null;
    end if;
    return grant_result;
  end
  $$;

comment on function api.use_dpop_proof(bytea, timestamptz, text, boolean, jsonb) is
  'Wraps a token grant''s call (RFC 9449): records the proof (proof_hash, null when the request had none) in '
  'astapa.dpop_proofs until expires_at, AS4D0 (invalid_dpop_proof) when it was used before; a grant result that '
  'names a dpop_jkt (a bound code or refresh token) needs jkt to be that key, else AS4G0, rolling the grant '
  'back (the dpop_jkt is taken out of the result); with bind_refresh (a public client''s proof) the refresh '
  'token handed out (refresh_token_id) is bound to jkt. Returns the grant''s result.';

grant execute on function api.use_dpop_proof(bytea, timestamptz, text, boolean, jsonb) to astapa_app;

create or replace function api.bind_authorization_code_to_dpop_key(code_hash bytea, jkt text) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if jkt !~ '^[A-Za-z0-9_-]{43}$' then
      raise exception 'dpop_jkt must be a base64url SHA-256 JWK thumbprint (43 characters)' using errcode = 'AS400';
    end if;
    update astapa.authorization_codes c set dpop_jkt = jkt
    where c.project_id = (select astapa.current_project_id())
      and c.code_hash = bind_authorization_code_to_dpop_key.code_hash and c.redeemed_at is null;
    if not found then
      raise exception 'no unredeemed authorization code to bind' using errcode = 'AS404';
    end if;
  end
  $$;

comment on function api.bind_authorization_code_to_dpop_key(bytea, text) is
  'Binds a code just issued (api.issue_authorization_code, same transaction) to the authorization request''s '
  'dpop_jkt (RFC 9449 §10): api.use_dpop_proof then redeems it only with a proof of that key. AS400 for a '
  'malformed thumbprint, AS404 when the code is unknown or redeemed.';

grant execute on function api.bind_authorization_code_to_dpop_key(bytea, text) to astapa_app;

create or replace function api.set_machine_client_dpop_bound(client_id text, bound boolean) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    update astapa.machine_clients m
    set dpop_bound_access_tokens = coalesce(bound, false), updated_at = pg_catalog.now()
    where m.project_id = (select astapa.current_project_id()) and m.client_id = set_machine_client_dpop_bound.client_id;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Machine client %s was not found.', client_id);
    end if;
    perform astapa.audit(astapa.current_project_id(), 'machine_client.update', client_id,
      pg_catalog.jsonb_build_object('dpop_bound_access_tokens', coalesce(bound, false)));
    return astapa.machine_client_json(client_id);
  end
  $$;

comment on function api.set_machine_client_dpop_bound(text, boolean) is
  'Marks a machine client of the current project as always using DPoP (RFC 9449 §5.2: its token requests '
  'without a proof are refused) or not; audited as machine_client.update; AS404 for an unknown client.';

grant execute on function api.set_machine_client_dpop_bound(text, boolean) to astapa_app;
