-- DPoP (RFC 9449, docs/tokens.md "DPoP"): the replay store of accepted proofs, and the binding of a public
-- client's refresh tokens to its key. lib/oauth/dpop.ts checks the proof itself; what needs shared state is here.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own DPoP proofs" on astapa.dpop_proofs;
create policy "a project reads its own DPoP proofs" on astapa.dpop_proofs
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own DPoP proofs" on astapa.dpop_proofs;
create policy "a project records its own DPoP proofs" on astapa.dpop_proofs
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "the sweeper finds expired DPoP proofs" on astapa.dpop_proofs;
create policy "the sweeper finds expired DPoP proofs" on astapa.dpop_proofs
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

drop policy if exists "the sweeper removes expired DPoP proofs" on astapa.dpop_proofs;
create policy "the sweeper removes expired DPoP proofs" on astapa.dpop_proofs
  for delete to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

create or replace function api.use_dpop_proof(
  proof_hash bytea, expires_at timestamptz, jkt text, bind_refresh boolean, grant_result jsonb)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    bound text;
    refresh_id uuid := (grant_result ->> 'refresh_token_id')::uuid;
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
    if refresh_id is null then
      return grant_result;
    end if;
    -- The refresh token the grant hands out: a rotation's successor keeps the key of the token presented.
    select r.dpop_jkt into bound from astapa.refresh_tokens r
    where r.project_id = (select astapa.current_project_id()) and r.lookup_id = refresh_id;
    if bound is not null and bound is distinct from jkt then
      raise exception 'this refresh token is bound to a DPoP key: send a DPoP proof made with that key'
        using errcode = 'AS4G0';
    end if;
    if bound is null and bind_refresh and jkt is not null then
      update astapa.refresh_tokens r set dpop_jkt = jkt
      where r.project_id = (select astapa.current_project_id()) and r.lookup_id = refresh_id;
    end if;
    return grant_result;
  end
  $$;

comment on function api.use_dpop_proof(bytea, timestamptz, text, boolean, jsonb) is
  'Wraps a token grant''s result (RFC 9449): records the proof (proof_hash, null when the request had none) in '
  'astapa.dpop_proofs until expires_at, AS4D0 (invalid_dpop_proof) when it was used before; a refresh token the '
  'grant hands out (refresh_token_id) that is bound to a key other than jkt (or any key when jkt is null) is '
  'AS4G0, rolling the grant back; with bind_refresh (a public client''s proof) an unbound one is bound to jkt. '
  'Returns grant_result unchanged.';

grant execute on function api.use_dpop_proof(bytea, timestamptz, text, boolean, jsonb) to astapa_app;
