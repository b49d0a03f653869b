-- Grants as SQL: issuing and redeeming codes, rotating and revoking refresh tokens. Each function runs as
-- astapa_app for the project the client authenticated into, so RLS confines it to that project.
--
-- Failures raise these SQLSTATEs, which the error catalogue maps to RFC 6749 codes:
--   AS4G0 invalid_grant, AS4S0 invalid_scope, AS4T0 invalid_target, AS4U0 unauthorized_client
-- Failures that must also revoke something (a replayed code, a reused refresh token) cannot raise, or the
-- revocation would roll back with them: those functions return {"error": "invalid_grant", ...} instead.

create function astapa.setting_seconds(settings jsonb, key text) returns integer
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select case when pg_catalog.jsonb_typeof(settings -> key) = 'number'
                then least(greatest((settings ->> key)::numeric, 0), 2147483647)::integer end
  $$;

comment on function astapa.setting_seconds(jsonb, text) is
  'A whole number of seconds from a settings object, or null when the key is absent or not a number.';

grant execute on function astapa.setting_seconds(jsonb, text) to astapa_app;

create function astapa.token_policy(
  out access_ttl integer, out refresh_ttl integer, out refresh_grace integer)
  language sql
  stable
  set search_path = ''
  as $$
    -- Per-project lifetimes from settings, clamped to sane bounds; defaults: 1 h, 30 d, 10 s. A setting that
    -- is not a number is ignored rather than failing every token request of the project.
    select
      least(greatest(coalesce(astapa.setting_seconds(s, 'access_token_ttl'), 3600), 300), 86400),
      least(greatest(coalesce(astapa.setting_seconds(s, 'refresh_token_ttl'), 2592000), 3600), 31536000),
      least(greatest(coalesce(astapa.setting_seconds(s, 'refresh_grace_seconds'), 10), 0), 60)
    from (select p.settings as s from astapa.projects p where p.id = astapa.current_project_id()) as project
  $$;

comment on function astapa.token_policy() is
  'Token lifetimes of the current project: access 300–86400 s (default 3600), refresh 1 h–365 d (default 30 d), '
  'reuse grace 0–60 s (default 10).';

grant execute on function astapa.token_policy() to astapa_app;

create function astapa.assert_grant_allowed(grant_type text) returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    -- settings.grant_types, when present, lists the grants the project's client may use; absent means all.
    if exists (select from astapa.projects p
               where p.id = astapa.current_project_id() and p.settings ? 'grant_types'
                 and not (p.settings -> 'grant_types') ? grant_type) then
      raise exception 'this client may not use the % grant', grant_type using errcode = 'AS4U0';
    end if;
  end
  $$;

comment on function astapa.assert_grant_allowed(text) is
  'Raises AS4U0 (unauthorized_client) when the current project''s settings.grant_types leaves out this grant.';

grant execute on function astapa.assert_grant_allowed(text) to astapa_app;

create function astapa.assert_user_may_sign_in(user_id bigint) returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    candidate record;
  begin
    select u.disabled, u.environment, p.mode into candidate
    from astapa.users u join astapa.projects p on p.id = u.project_id
    where u.project_id = astapa.current_project_id() and u.id = user_id;
    if not found then
      raise exception 'the user no longer exists' using errcode = 'AS4G0';
    end if;
    if candidate.disabled then
      raise exception 'the user is disabled' using errcode = 'AS4G0';
    end if;
    -- Sandbox and production data never mix: once a project goes live, its sandbox users get no tokens.
    if candidate.environment <> candidate.mode then
      raise exception 'this user belongs to the project''s % data, and the project is in % mode',
        candidate.environment, candidate.mode using errcode = 'AS4G0';
    end if;
  end
  $$;

comment on function astapa.assert_user_may_sign_in(bigint) is
  'Raises AS4G0 unless the user exists, is enabled, and belongs to the environment the project is in now.';

grant execute on function astapa.assert_user_may_sign_in(bigint) to astapa_app;

create function astapa.grant_result(
  user_id bigint, scope text, resource text, auth_time timestamptz, nonce text, refresh_expires_at timestamptz)
  returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    -- Everything the token endpoint signs, read fresh: a plan or role change shows in the next token.
    select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'sub', u.id::text,
      'email', u.email,
      'email_verified', u.email_verified,
      'project_id', u.project_id,
      -- Only sandbox tokens say where they come from, so production tokens stay exactly as documented.
      'environment', nullif(u.environment, 'production'),
      'custom_claims', api.token_claims(u.project_id, u.id),
      'scope', scope,
      'resource', resource,
      'auth_time', pg_catalog.floor(extract(epoch from auth_time))::bigint,
      'nonce', nonce,
      'access_ttl', (select access_ttl from astapa.token_policy()),
      'refresh_expires_in', pg_catalog.floor(extract(epoch from refresh_expires_at - pg_catalog.now()))::bigint))
    from astapa.users u
    where u.project_id = astapa.current_project_id() and u.id = user_id
  $$;

comment on function astapa.grant_result(bigint, text, text, timestamptz, text, timestamptz) is
  'The claims and metadata a successful grant returns for signing.';

grant execute on function astapa.grant_result(bigint, text, text, timestamptz, text, timestamptz) to astapa_app;

create function astapa.pkce_s256(verifier text) returns text
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select pg_catalog.translate(
      pg_catalog.rtrim(pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(verifier, 'UTF8')), 'base64'), '='),
      '+/', '-_')
  $$;

comment on function astapa.pkce_s256(text) is 'BASE64URL(SHA256(verifier)), the S256 code challenge (RFC 7636 §4.2).';

grant execute on function astapa.pkce_s256(text) to astapa_app;

create function api.issue_authorization_code(
  code_hash bytea, client_id text, user_id bigint, redirect_uri text, scope text, resource text,
  code_challenge text, code_challenge_method text, nonce text, auth_time timestamptz, ttl_seconds integer default 60)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if ttl_seconds not between 1 and 600 then
      raise exception 'authorization codes live 1 to 600 seconds' using errcode = 'AS400';
    end if;
    insert into astapa.authorization_codes (
      project_id, code_hash, client_id, user_id, redirect_uri, scope, resource,
      code_challenge, code_challenge_method, nonce, auth_time, expires_at)
    values (
      astapa.current_project_id(), code_hash, client_id, user_id, redirect_uri, coalesce(scope, ''), resource,
      code_challenge, code_challenge_method, nonce, auth_time,
      pg_catalog.now() + pg_catalog.make_interval(secs => ttl_seconds));
  end
  $$;

comment on function api.issue_authorization_code(bytea, text, bigint, text, text, text, text, text, text, timestamptz, integer) is
  'Stores a new authorization code (by its SHA-256) for the current project; codes live 60 s by default.';

create function api.redeem_authorization_code(
  code_hash bytea, client_id text, redirect_uri text, code_verifier text, refresh_hash bytea)
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

comment on function api.redeem_authorization_code(bytea, text, text, text, bytea) is
  'Redeems a code once for the client it was issued to (redirect_uri and PKCE S256 checked) and starts a '
  'refresh-token family. A second redemption revokes that family and returns an invalid_grant error object.';

create function api.rotate_refresh_token(
  token_hash bytea, client_id text, successor_hash bytea, requested_scope text)
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

comment on function api.rotate_refresh_token(bytea, text, bytea, text) is
  'Exchanges a refresh token for its successor (whose hash the caller derives from the token, so a retry '
  'yields the same one). Reuse after the grace window revokes the family and returns an invalid_grant object.';

create function api.revoke_user_refresh_tokens(user_id bigint, reason text default 'revoked_by_client')
  returns integer
  language sql
  volatile
  set search_path = ''
  as $$
    with revoked as (
      update astapa.refresh_tokens r set revoked_at = pg_catalog.now(), revoked_reason = reason
      where r.project_id = astapa.current_project_id() and r.user_id = revoke_user_refresh_tokens.user_id
        and r.revoked_at is null
      returning 1)
    select count(*)::integer from revoked
  $$;

comment on function api.revoke_user_refresh_tokens(bigint, text) is
  'Revokes every live refresh token of a user in the current project; returns how many.';

create function api.refresh_token_owner(token_hash bytea) returns bigint
  language sql
  stable
  set search_path = ''
  as $$
    select r.user_id from astapa.refresh_tokens r
    where r.project_id = astapa.current_project_id() and r.token_hash = refresh_token_owner.token_hash
  $$;

comment on function api.refresh_token_owner(bytea) is
  'The user a refresh token (live or not) belongs to in the current project, or null.';

create function api.introspect_refresh_token(token_hash bytea) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'active', true,
      'token_type', 'refresh_token',
      'client_id', r.client_id,
      'sub', r.user_id::text,
      'scope', nullif(r.scope, ''),
      'iat', pg_catalog.floor(extract(epoch from r.created_at))::bigint,
      'exp', pg_catalog.floor(extract(epoch from r.expires_at))::bigint,
      'project_id', r.project_id))
    from astapa.refresh_tokens r
    join astapa.users u on u.project_id = r.project_id and u.id = r.user_id
    where r.project_id = astapa.current_project_id() and r.token_hash = introspect_refresh_token.token_hash
      and r.revoked_at is null and r.used_at is null and r.expires_at > pg_catalog.now() and not u.disabled
  $$;

comment on function api.introspect_refresh_token(bytea) is
  'RFC 7662 fields for a live refresh token of the current project, or null when it is not active.';

create function api.user_info(user_id bigint) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'sub', u.id::text, 'email', u.email, 'email_verified', u.email_verified, 'project_id', u.project_id,
      'custom_claims', api.token_claims(u.project_id, u.id))
    from astapa.users u
    join astapa.projects p on p.id = u.project_id
    where u.project_id = astapa.current_project_id() and u.id = user_info.user_id and not u.disabled
      and u.environment = p.mode
  $$;

comment on function api.user_info(bigint) is
  'OpenID userinfo claims for an enabled user of the current project in the project''s current environment.';

grant execute on function api.issue_authorization_code(bytea, text, bigint, text, text, text, text, text, text, timestamptz, integer) to astapa_app;
grant execute on function api.redeem_authorization_code(bytea, text, text, text, bytea) to astapa_app;
grant execute on function api.rotate_refresh_token(bytea, text, bytea, text) to astapa_app;
grant execute on function api.revoke_user_refresh_tokens(bigint, text) to astapa_app;
grant execute on function api.refresh_token_owner(bytea) to astapa_app;
grant execute on function api.introspect_refresh_token(bytea) to astapa_app;
grant execute on function api.user_info(bigint) to astapa_app;

create function api.client_credentials_grant(requested_scope text, resource text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    settings jsonb;
    allowed_scopes text[];
    allowed_resources text[];
    granted text[];
  begin
    perform astapa.assert_grant_allowed('client_credentials');
    select p.settings into settings from astapa.projects p where p.id = astapa.current_project_id();
    if not found then
      raise exception 'no project is set for this transaction' using errcode = 'AS404';
    end if;
    allowed_scopes := coalesce(
      array(select pg_catalog.jsonb_array_elements_text(settings -> 'client_credentials_scopes')), '{}');
    allowed_resources := coalesce(array(select pg_catalog.jsonb_array_elements_text(settings -> 'resources')), '{}');
    -- No scope asked: grant everything the client may have (RFC 6749 §3.3 lets the server pick a default).
    granted := coalesce(pg_catalog.string_to_array(requested_scope, ' '), allowed_scopes);
    if not granted <@ allowed_scopes then
      raise exception 'the requested scope exceeds the scopes this client may use' using errcode = 'AS4S0';
    end if;
    if resource is not null and not resource = any (allowed_resources) then
      raise exception 'the requested resource is not registered for this project' using errcode = 'AS4T0';
    end if;
    return pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'project_id', astapa.current_project_id(),
      'scope', nullif(pg_catalog.array_to_string(granted, ' '), ''),
      'resource', resource,
      'access_ttl', (select access_ttl from astapa.token_policy())));
  end
  $$;

comment on function api.client_credentials_grant(text, text) is
  'Decides a client_credentials grant for the current project''s own client: scope within settings '
  'client_credentials_scopes, resource among settings resources.';

grant execute on function api.client_credentials_grant(text, text) to astapa_app;
