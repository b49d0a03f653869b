-- Audience binding (RFC 8707) for codes and refresh tokens, and the per-project switch for dynamic clients:
-- a token request that names a resource must name the one the sign-in was for (invalid_target otherwise), and a
-- dynamically registered client's grant works only while its project accepts such clients.

create function astapa.assert_dynamic_client_allowed(client_id text) returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    if pg_catalog.starts_with(client_id, 'dcl_') and not exists (
      select from astapa.projects p
      where p.id = astapa.current_project_id() and p.settings -> 'dynamic_clients' = 'true'::jsonb) then
      raise exception 'this project does not accept dynamically registered clients' using errcode = 'AS4U0';
    end if;
  end
  $$;

comment on function astapa.assert_dynamic_client_allowed(text) is
  'Raises AS4U0 (unauthorized_client) for a dynamic client (dcl_…) unless the current project''s '
  'settings.dynamic_clients is true.';

grant execute on function astapa.assert_dynamic_client_allowed(text) to astapa_app;

drop function api.redeem_authorization_code(bytea, text, text, text, bytea);
drop function api.rotate_refresh_token(bytea, text, bytea, text);

create function api.redeem_authorization_code(
  code_hash bytea, client_id text, redirect_uri text, code_verifier text, refresh_hash bytea,
  resource text default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    code astapa.authorization_codes;
    family uuid := pg_catalog.gen_random_uuid();
    policy record;
    refresh_expires timestamptz;
    revoked integer;
  begin
    perform astapa.assert_grant_allowed('authorization_code');
    perform astapa.assert_dynamic_client_allowed(client_id);
    select * into code from astapa.authorization_codes c
    where c.project_id = astapa.current_project_id() and c.code_hash = redeem_authorization_code.code_hash
    for update;
    if not found then
      raise exception 'the authorization code is unknown' using errcode = 'AS4G0';
    end if;
    if code.redeemed_at is not null then
      -- RFC 6749 §4.1.2: a code used twice is likely stolen; revoke what the first use issued.
      update astapa.refresh_tokens r set revoked_at = pg_catalog.now(), revoked_reason = 'code_replayed'
      where r.project_id = code.project_id and r.family_id = code.refresh_family and r.revoked_at is null;
      get diagnostics revoked = row_count;
      return pg_catalog.jsonb_build_object('error', 'invalid_grant', 'error_description',
        'The authorization code was already used; tokens issued with it are revoked.', 'revoked', revoked);
    end if;
    if code.expires_at <= pg_catalog.now() then
      raise exception 'the authorization code has expired' using errcode = 'AS4G0';
    end if;
    if code.client_id is distinct from redeem_authorization_code.client_id then
      raise exception 'the authorization code was issued to another client' using errcode = 'AS4G0';
    end if;
    if code.redirect_uri is distinct from redeem_authorization_code.redirect_uri then
      raise exception 'redirect_uri does not match the authorization request' using errcode = 'AS4G0';
    end if;
    -- RFC 8707 §2.2: the token request may narrow to a resource the authorization named, never name another.
    if resource is not null and resource is distinct from code.resource then
      raise exception 'the resource differs from the one the authorization request named' using errcode = 'AS4T0';
    end if;
    if code.code_challenge is null and pg_catalog.starts_with(code.client_id, 'dcl_') then
      raise exception 'dynamically registered clients must use PKCE' using errcode = 'AS4G0';
    end if;
    if code.code_challenge is null and code_verifier is not null then
      raise exception 'code_verifier was sent but the authorization request had no code_challenge'
        using errcode = 'AS4G0';
    end if;
    if code.code_challenge is not null and (
      code_verifier is null or code_verifier !~ '^[A-Za-z0-9._~-]{43,128}$'
      or astapa.pkce_s256(code_verifier) <> code.code_challenge) then
      raise exception 'code_verifier does not match the code_challenge' using errcode = 'AS4G0';
    end if;
    perform astapa.assert_user_may_sign_in(code.user_id);

    select * into policy from astapa.token_policy();
    refresh_expires := pg_catalog.now() + pg_catalog.make_interval(secs => policy.refresh_ttl);
    update astapa.authorization_codes c set redeemed_at = pg_catalog.now(), refresh_family = family
    where c.project_id = code.project_id and c.code_hash = code.code_hash;
    insert into astapa.refresh_tokens (
      project_id, token_hash, family_id, user_id, client_id, scope, resource, auth_time, expires_at)
    values (code.project_id, refresh_hash, family, code.user_id, code.client_id, code.scope, code.resource,
            code.auth_time, refresh_expires);
    update astapa.users u set last_sign_in_at = pg_catalog.now()
    where u.project_id = code.project_id and u.id = code.user_id;
    return astapa.grant_result(code.user_id, code.scope, code.resource, code.auth_time, code.nonce, refresh_expires);
  end
  $$;

comment on function api.redeem_authorization_code(bytea, text, text, text, bytea, text) is
  'Redeems a code once for the client it was issued to (redirect_uri, PKCE S256 and, when sent, resource checked) '
  'and starts a refresh-token family. A second redemption revokes that family and returns an invalid_grant '
  'error object. Dynamic clients need PKCE and a project that accepts them.';

create function api.rotate_refresh_token(
  token_hash bytea, client_id text, successor_hash bytea, requested_scope text,
  resource text default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    presented astapa.refresh_tokens;
    successor astapa.refresh_tokens;
    policy record;
    refresh_expires timestamptz;
  begin
    perform astapa.assert_grant_allowed('refresh_token');
    perform astapa.assert_dynamic_client_allowed(client_id);
    -- FOR UPDATE: concurrent refreshes of one token queue here, so exactly one of them creates the successor.
    select * into presented from astapa.refresh_tokens r
    where r.project_id = astapa.current_project_id() and r.token_hash = rotate_refresh_token.token_hash
    for update;
    if not found or presented.revoked_at is not null or presented.expires_at <= pg_catalog.now() then
      raise exception 'the refresh token is unknown, expired or revoked' using errcode = 'AS4G0';
    end if;
    if presented.client_id is distinct from rotate_refresh_token.client_id then
      raise exception 'the refresh token was issued to another client' using errcode = 'AS4G0';
    end if;
    -- The audience stays what the sign-in was for: a refresh may not move the token to another resource.
    if resource is not null and resource is distinct from presented.resource then
      raise exception 'the resource differs from the one this refresh token was issued for'
        using errcode = 'AS4T0';
    end if;
    if requested_scope is not null and not (
      pg_catalog.string_to_array(requested_scope, ' ') <@ pg_catalog.string_to_array(presented.scope, ' ')) then
      raise exception 'the requested scope exceeds the scope originally granted' using errcode = 'AS4S0';
    end if;
    perform astapa.assert_user_may_sign_in(presented.user_id);

    select * into policy from astapa.token_policy();
    if presented.used_at is not null then
      select * into successor from astapa.refresh_tokens r
      where r.project_id = presented.project_id and r.parent_id = presented.id;
      if presented.used_at > pg_catalog.now() - pg_catalog.make_interval(secs => policy.refresh_grace)
         and successor.token_hash = rotate_refresh_token.successor_hash and successor.revoked_at is null then
        -- A concurrent retry (another tab, a server render) inside the grace window: same successor, no logout.
        return astapa.grant_result(presented.user_id, coalesce(requested_scope, presented.scope),
          presented.resource, presented.auth_time, null, successor.expires_at);
      end if;
      update astapa.refresh_tokens r set revoked_at = pg_catalog.now(), revoked_reason = 'reuse_detected'
      where r.project_id = presented.project_id and r.family_id = presented.family_id and r.revoked_at is null;
      return pg_catalog.jsonb_build_object('error', 'invalid_grant', 'error_description',
        'The refresh token was already used; every token of this sign-in is revoked.');
    end if;

    refresh_expires := pg_catalog.now() + pg_catalog.make_interval(secs => policy.refresh_ttl);
    update astapa.refresh_tokens r set used_at = pg_catalog.now()
    where r.project_id = presented.project_id and r.id = presented.id;
    insert into astapa.refresh_tokens (
      project_id, token_hash, family_id, parent_id, user_id, client_id, scope, resource, auth_time, expires_at)
    values (presented.project_id, successor_hash, presented.family_id, presented.id, presented.user_id,
            presented.client_id, presented.scope, presented.resource, presented.auth_time, refresh_expires);
    return astapa.grant_result(presented.user_id, coalesce(requested_scope, presented.scope),
      presented.resource, presented.auth_time, null, refresh_expires);
  end
  $$;

comment on function api.rotate_refresh_token(bytea, text, bytea, text, text) is
  'Exchanges a refresh token for its successor (whose hash the caller derives from the token, so a retry '
  'yields the same one), keeping its resource (a different one is invalid_target). Reuse after the grace '
  'window revokes the family and returns an invalid_grant object.';

grant execute on function api.redeem_authorization_code(bytea, text, text, text, bytea, text) to astapa_app;
grant execute on function api.rotate_refresh_token(bytea, text, bytea, text, text) to astapa_app;
