-- Refresh tokens slid forever: each use gave 30 more days, so a sign-in used once a month never ended.
-- Like Auth0's and Zitadel's absolute lifetime, a sign-in now ends settings.refresh_token_max_age seconds
-- after the person signed in (default 90 days, 1 hour to 10 years), however often its tokens are used.

-- One more lifetime with its bounds in the one table of them (1100), so the settings API and page take it.
create or replace function astapa.token_lifetime_limits() returns jsonb
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select '{"access_token_ttl": {"default": 3600, "min": 300, "max": 86400},
             "refresh_token_ttl": {"default": 2592000, "min": 3600, "max": 31536000},
             "refresh_grace_seconds": {"default": 10, "min": 0, "max": 60},
             "refresh_token_max_age": {"default": 7776000, "min": 3600, "max": 315360000}}'::jsonb
  $$;

comment on function astapa.token_lifetime_limits() is
  'Token lifetime settings: default, min and max seconds for access_token_ttl, refresh_token_ttl, '
  'refresh_grace_seconds and refresh_token_max_age. The one source of these numbers.';

create function astapa.refresh_max_age() returns integer
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.clamp_setting(p.settings, 'refresh_token_max_age')
    from astapa.projects p where p.id = astapa.current_project_id()
  $$;

comment on function astapa.refresh_max_age() is
  'How long a sign-in of the current project lasts at most, in seconds: settings.refresh_token_max_age clamped '
  'to astapa.token_lifetime_limits() (1 h–10 years, default 90 days).';

grant execute on function astapa.refresh_max_age() to astapa_app;

create or replace function api.rotate_refresh_token(
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
    signed_in_at timestamptz;
    sign_in_ends timestamptz;
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
    -- However often it is used, a sign-in ends max_age after it happened (tokens from before auth_time was
    -- recorded fall back to the family's first token).
    signed_in_at := coalesce(presented.auth_time, (select pg_catalog.min(r.created_at) from astapa.refresh_tokens r
      where r.project_id = presented.project_id and r.family_id = presented.family_id));
    sign_in_ends := signed_in_at + pg_catalog.make_interval(secs => astapa.refresh_max_age());
    if sign_in_ends <= pg_catalog.now() then
      raise exception 'the sign-in this refresh token belongs to has reached its maximum age; sign in again'
        using errcode = 'AS4G0';
    end if;

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

    refresh_expires := least(pg_catalog.now() + pg_catalog.make_interval(secs => policy.refresh_ttl), sign_in_ends);
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
  'window revokes the family and returns an invalid_grant object. A sign-in ends astapa.refresh_max_age() after '
  'auth_time, however often its tokens are used (AS4G0).';
