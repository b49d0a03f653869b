-- Authorization codes, refresh tokens and the grant sweeper.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own authorization codes" on astapa.authorization_codes;
create policy "a project reads its own authorization codes" on astapa.authorization_codes
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project issues its own authorization codes" on astapa.authorization_codes;
create policy "a project issues its own authorization codes" on astapa.authorization_codes
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project redeems its own authorization codes" on astapa.authorization_codes;
create policy "a project redeems its own authorization codes" on astapa.authorization_codes
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own refresh tokens" on astapa.refresh_tokens;
create policy "a project reads its own refresh tokens" on astapa.refresh_tokens
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project issues its own refresh tokens" on astapa.refresh_tokens;
create policy "a project issues its own refresh tokens" on astapa.refresh_tokens
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project rotates and revokes its own refresh tokens" on astapa.refresh_tokens;
create policy "a project rotates and revokes its own refresh tokens" on astapa.refresh_tokens
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

create or replace function astapa.setting_seconds(settings jsonb, key text) returns integer
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

create or replace function astapa.token_lifetimes(settings jsonb,
  out access_ttl integer, out refresh_ttl integer, out refresh_grace integer, out refresh_max_age integer)
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    -- astapa.clamp_setting for all four lifetimes at once, the limits read once (issue 24: a refresh made 7
    -- clamp_setting and 18 token_lifetime_limits calls). Same numbers as clamp_setting, key by key
    -- (tests/sql/function_calls_test.ts compares them).
    select pg_catalog.max(v) filter (where k = 'access_token_ttl'),
           pg_catalog.max(v) filter (where k = 'refresh_token_ttl'),
           pg_catalog.max(v) filter (where k = 'refresh_grace_seconds'),
           pg_catalog.max(v) filter (where k = 'refresh_token_max_age')
    from (select l.key as k,
                 least(greatest(coalesce(
                   case when pg_catalog.jsonb_typeof(settings -> l.key) = 'number'
                        then least(greatest((settings ->> l.key)::numeric, 0), 2147483647)::integer end,
                   (l.value ->> 'default')::integer), (l.value ->> 'min')::integer), (l.value ->> 'max')::integer) as v
          from pg_catalog.jsonb_each(astapa.token_lifetime_limits()) as l) as clamped
  $$;

comment on function astapa.token_lifetimes(jsonb) is
  'A project''s token lifetimes from its settings, each clamped as astapa.clamp_setting does, in one call.';

grant execute on function astapa.token_lifetimes(jsonb) to astapa_app;

create or replace function astapa.token_policy(
  out access_ttl integer, out refresh_ttl integer, out refresh_grace integer)
  language sql
  stable
  set search_path = ''
  as $$
    -- Per-project lifetimes from settings, clamped to astapa.token_lifetime_limits(). A setting that is not a
    -- number is ignored rather than failing every token request of the project.
    select l.access_ttl, l.refresh_ttl, l.refresh_grace
    from astapa.projects p cross join astapa.token_lifetimes(p.settings) as l
    where p.id = (select astapa.current_project_id())
  $$;

comment on function astapa.token_policy() is
  'Token lifetimes of the current project from its settings, each clamped to astapa.token_lifetime_limits().';

grant execute on function astapa.token_policy() to astapa_app;

create or replace function astapa.assert_grant_allowed(grant_type text) returns void
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.assert_grant_allowed(grant_type, p.settings)
    from astapa.projects p where p.id = (select astapa.current_project_id())
  $$;

comment on function astapa.assert_grant_allowed(text) is
  'Raises AS4U0 (unauthorized_client) when the current project''s settings.grant_types leaves out this grant.';

grant execute on function astapa.assert_grant_allowed(text) to astapa_app;

create or replace function astapa.assert_grant_allowed(grant_type text, settings jsonb) returns void
  language plpgsql
  immutable
  set search_path = ''
  as $$
  begin
    -- settings.grant_types, when present, lists the grants the project's client may use; absent means all.
    if settings ? 'grant_types' and not (settings -> 'grant_types') ? grant_type then
      raise exception 'this client may not use the % grant', grant_type using errcode = 'AS4U0';
    end if;
  end
  $$;

comment on function astapa.assert_grant_allowed(text, jsonb) is
  'Raises AS4U0 (unauthorized_client) when these project settings'' grant_types leave out this grant (for '
  'grants that read the settings once for every check).';

grant execute on function astapa.assert_grant_allowed(text, jsonb) to astapa_app;

create or replace function astapa.sign_in_user_claims(user_id bigint) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    candidate record;
  begin
    select u.id, u.project_id, u.email, u.email_verified, u.phone_number, u.phone_number_verified, u.disabled,
           u.environment, p.mode, u.name, u.given_name, u.family_name, u.picture, u.locale, u.nickname,
           u.middle_name, u.preferred_username, u.website, u.zoneinfo, u.birthdate, u.gender, u.profile_updated_at,
           u.is_anonymous
      into candidate
    from astapa.users u join astapa.projects p on p.id = u.project_id
    where u.project_id = (select astapa.current_project_id()) and u.id = user_id and u.deleted_at is null;
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
    return pg_catalog.jsonb_build_object(
      'sub', candidate.id::text,
      'email', candidate.email,
      'email_verified', case when candidate.email is not null then candidate.email_verified end,
      'phone_number', candidate.phone_number,
      'phone_number_verified', case when candidate.phone_number is not null then candidate.phone_number_verified end,
      'project_id', candidate.project_id,
      -- Only a guest's tokens say so (Supabase's claim name), so a signed-up user's stay exactly as documented.
      'is_anonymous', nullif(candidate.is_anonymous, false),
      -- Only sandbox tokens say where they come from, so production tokens stay exactly as documented.
      'environment', nullif(candidate.environment, 'production'),
      -- The OIDC profile claims (astapa.profile_claims's object, inlined: read in this same statement, no call of
      -- its own on the grants' path). Only ID tokens of grants with the profile scope carry them (grant_result).
      'profile', nullif(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'name', candidate.name, 'given_name', candidate.given_name, 'family_name', candidate.family_name,
        'picture', candidate.picture, 'locale', candidate.locale, 'nickname', candidate.nickname,
        'middle_name', candidate.middle_name, 'preferred_username', candidate.preferred_username,
        'website', candidate.website, 'zoneinfo', candidate.zoneinfo, 'birthdate', candidate.birthdate,
        'gender', candidate.gender,
        'updated_at', pg_catalog.floor(extract(epoch from candidate.profile_updated_at))::bigint)), '{}'));
  end
  $$;

comment on function astapa.sign_in_user_claims(bigint) is
  'The standard claims (sub, email, phone_number, their *_verified, project_id; is_anonymous when a guest; '
  'environment when sandbox; null '
  'when absent; profile: the OIDC profile claims the user has, or null) of the current project''s user, read '
  'once; raises AS4G0 unless they exist (not deleted), are enabled, and belong to the environment the project '
  'is in now.';

grant execute on function astapa.sign_in_user_claims(bigint) to astapa_app;

create or replace function astapa.assert_user_may_sign_in(user_id bigint) returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    perform astapa.sign_in_user_claims(user_id);
  end
  $$;

comment on function astapa.assert_user_may_sign_in(bigint) is
  'Raises AS4G0 unless the user exists (not deleted), is enabled, and belongs to the environment the project is '
  'in now (astapa.sign_in_user_claims).';

grant execute on function astapa.assert_user_may_sign_in(bigint) to astapa_app;

create or replace function astapa.user_may_sign_in(project_id text, user_id bigint) returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    select exists (select from astapa.users u join astapa.projects p on p.id = u.project_id
      where u.project_id = user_may_sign_in.project_id and u.id = user_may_sign_in.user_id
        and not u.disabled and u.deleted_at is null and u.environment = p.mode)
  $$;

comment on function astapa.user_may_sign_in(text, bigint) is
  'Whether the user may sign in now (astapa.sign_in_user_claims''s rule as a predicate: exists, not deleted, '
  'enabled, of the environment the project is in now). Every read or use of a browser session or a second-step '
  'challenge asks it (api.login_session, astapa.account_user, api.meet_mfa_challenge, api.start_mfa_challenge, '
  '...): a disable or an erasure voids them (astapa.void_ways_back), and this refuses one that a missed path '
  'left (an admin''s edit, a restore) rather than trusting the voiding alone.';

grant execute on function astapa.user_may_sign_in(text, bigint) to astapa_app;

create or replace function astapa.grant_result(
  user_id bigint, scope text, resource text, auth_time timestamptz, nonce text, refresh_expires_at timestamptz,
  access_ttl integer)
  returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    -- Everything the token endpoint signs, read fresh (a plan or role change shows in the next token), the user
    -- read once and checked here: no grant signs for a user who may not sign in (issue 24: the grants had read
    -- the user three times, in their own check, here and in the claims).
    -- The profile claims go only to a grant with the profile scope (OIDC Core §5.4), for its ID token.
    select pg_catalog.jsonb_strip_nulls((astapa.sign_in_user_claims(user_id)
        - case when 'profile' = any (pg_catalog.string_to_array(scope, ' ')) then '' else 'profile' end)
      || pg_catalog.jsonb_build_object(
      'custom_claims', astapa.custom_claims(astapa.current_project_id(), user_id),
      'scope', scope,
      'resource', resource,
      'auth_time', pg_catalog.floor(extract(epoch from auth_time))::bigint,
      'nonce', nonce,
      'access_ttl', access_ttl,
      'refresh_expires_in', pg_catalog.floor(extract(epoch from refresh_expires_at - pg_catalog.now()))::bigint))
  $$;

comment on function astapa.grant_result(bigint, text, text, timestamptz, text, timestamptz, integer) is
  'The claims and metadata a successful grant returns for signing, with the access token lifetime the caller '
  'already read (astapa.token_lifetimes); profile (the OIDC profile claims) only when scope has profile. Raises '
  'AS4G0 unless the user may sign in (astapa.sign_in_user_claims).';

grant execute on function astapa.grant_result(bigint, text, text, timestamptz, text, timestamptz, integer) to astapa_app;

create or replace function astapa.grant_result(
  user_id bigint, scope text, resource text, auth_time timestamptz, nonce text, refresh_expires_at timestamptz)
  returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.grant_result(user_id, scope, resource, auth_time, nonce, refresh_expires_at,
                               (select p.access_ttl from astapa.token_policy() as p))
  $$;

comment on function astapa.grant_result(bigint, text, text, timestamptz, text, timestamptz) is
  'The claims and metadata a successful grant returns for signing; AS4G0 unless the user may sign in.';

grant execute on function astapa.grant_result(bigint, text, text, timestamptz, text, timestamptz) to astapa_app;

create or replace function astapa.pkce_s256(verifier text) returns text
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

create or replace function api.issue_authorization_code(
  code_hash bytea, client_id text, user_id bigint, redirect_uri text, scope text, resource text,
  code_challenge text, code_challenge_method text, nonce text, auth_time timestamptz, ttl_seconds integer default 60,
  amr text[] default '{pwd}', organization_id text default null, session_hash bytea default null)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    acting text;
    sid text;
  begin
    if ttl_seconds not between 1 and 600 then
      raise exception 'authorization codes live 1 to 600 seconds' using errcode = 'AS400';
    end if;
    -- The browser session the code is for, still live, under its user's row lock: the hosted login found it live
    -- in an earlier transaction (a returning person, the consent or organization step), and a sign-out everywhere,
    -- a reset, a claim or a disable committed since has voided the codes already, not this one.
    if session_hash is not null
       and astapa.hold_live_login_session(session_hash) is distinct from issue_authorization_code.user_id then
      raise exception 'this session is another person''s' using errcode = 'AS403';
    end if;
    -- A session an impersonation opened passes it on: the code's tokens carry act and end with it.
    -- Its public id (sid) goes with the code, so that the session's end finds the app (back-channel logout).
    select s.impersonation_id, s.public_id into acting, sid from astapa.login_sessions s
    where s.project_id = (select astapa.current_project_id()) and s.token_hash = issue_authorization_code.session_hash;
    perform astapa.assert_grant_target(scope, resource);
    insert into astapa.authorization_codes (
      project_id, code_hash, client_id, user_id, redirect_uri, scope, resource,
      code_challenge, code_challenge_method, nonce, auth_time, expires_at, amr, organization_id, impersonation_id,
      session_id)
    values (
      astapa.current_project_id(), code_hash, client_id, user_id, redirect_uri, coalesce(scope, ''), resource,
      code_challenge, code_challenge_method, nonce, coalesce(auth_time, pg_catalog.now()),
      pg_catalog.now() + pg_catalog.make_interval(secs => ttl_seconds), coalesce(amr, '{pwd}'),
      astapa.member_organization(user_id, organization_id), acting, sid);
    -- A code for a third-party client means the person allowed it: remembered (db/api/consents.sql). Support
    -- staff signed in as the person may allow it for their own sign-in, never for the person's later ones.
    if acting is null then
      perform astapa.remember_consent(user_id, client_id, resource, scope);
    end if;
  end
  $$;

comment on function api.issue_authorization_code(bytea, text, bigint, text, text, text, text, text, text, timestamptz, integer, text[], text, bytea) is
  'Stores a new authorization code (by its SHA-256) for the current project; codes live 60 s by default. Scope '
  'and resource must be the project''s own (astapa.assert_grant_target). amr: how the person signed in (RFC 8176); '
  'auth_time: when (now when null); organization_id: the active organization (id or slug; the person must be a '
  'member, AS403), kept by the sign-in''s refresh tokens. For a third-party client (dcl_… or a URL) the consent '
  'is remembered. session_hash: the browser session the code is for (the hosted login always passes it), '
  'checked live under its user''s row lock (astapa.hold_live_login_session: AS4G0 once ended, AS403 another '
  'person''s), so a sign-out everywhere, reset, claim or disable that ended it leaves no code behind; null only '
  'for callers with no browser (tests, benchmarks). A session an impersonation opened names it in the code '
  '(impersonation_id: its tokens carry act and end with it), and its consent is not remembered.';

grant execute on function api.issue_authorization_code(bytea, text, bigint, text, text, text, text, text, text, timestamptz, integer, text[], text, bytea) to astapa_app;

create or replace function api.revoke_user_refresh_tokens(user_id bigint, reason text default 'revoked_by_client')
  returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    revoked integer;
  begin
    -- The user's row first, for update: it waits for a rotation under way (api.rotate_refresh_token holds the row
    -- for key share while it inserts the successor), and the scan below, a statement of its own, then sees that
    -- successor. Without it a successor committed after the scan began stayed live.
    perform from astapa.users u
    where u.project_id = (select astapa.current_project_id()) and u.id = revoke_user_refresh_tokens.user_id
    for update of u;
    with revoked_tokens as (
      update astapa.refresh_tokens r set revoked_at = pg_catalog.now(), revoked_reason = reason
      where r.project_id = (select astapa.current_project_id()) and r.user_id = revoke_user_refresh_tokens.user_id
        and r.revoked_at is null
      returning 1)
    select pg_catalog.count(*)::integer into revoked from revoked_tokens;
    return revoked;
  end
  $$;

comment on function api.revoke_user_refresh_tokens(bigint, text) is
  'Revokes every live refresh token of a user in the current project; returns how many. Locks the user''s row '
  'first, so a rotation under way (api.rotate_refresh_token) has its successor revoked too, and one that comes '
  'after finds its token revoked.';

grant execute on function api.revoke_user_refresh_tokens(bigint, text) to astapa_app;

create or replace function astapa.revoke_refresh_family(family_id uuid, reason text) returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    revoked integer := 0;
    pass integer;
  begin
    -- The family's tokens locked in id order, one order for every revocation of a family, so two of them never
    -- wait for each other in a circle. Until a pass finds nothing: a pass may wait for a rotation of the
    -- family's newest token under way, whose successor, committed meanwhile, only the next statement sees.
    loop
      update astapa.refresh_tokens r set revoked_at = pg_catalog.now(), revoked_reason = revoke_refresh_family.reason
      where r.project_id = (select astapa.current_project_id()) and r.id in (
        select f.id from astapa.refresh_tokens f
        where f.project_id = (select astapa.current_project_id()) and f.family_id = revoke_refresh_family.family_id
          and f.revoked_at is null
        order by f.id
        for update of f);
      get diagnostics pass = row_count;
      exit when pass = 0;
      revoked := revoked + pass;
    end loop;
    return revoked;
  end
  $$;

comment on function astapa.revoke_refresh_family(uuid, text) is
  'Revokes every live refresh token of a family in the current project (revoked_reason: reuse_detected, '
  'code_replayed, …); returns how many. Locks the tokens in id order. Callers lock the owner''s row for update '
  'first (api.rotate_refresh_token, api.redeem_authorization_code, api.poll_device_authorization).';

grant execute on function astapa.revoke_refresh_family(uuid, text) to astapa_app;

create or replace function astapa.presented_refresh_token_id(lookup_id uuid, token_hash bytea) returns bigint
  language sql
  stable
  set search_path = ''
  as $$
    -- A token issued since migration 4160 names its row by lookup_id; an older one only by its hash, indexed for
    -- those alone. The second branch runs only when there is no lookup id (a one-time filter in the plan).
    select r.id from astapa.refresh_tokens r
    where r.lookup_id = presented_refresh_token_id.lookup_id and r.token_hash = presented_refresh_token_id.token_hash
      and r.project_id = (select astapa.current_project_id())
    union all
    select r.id from astapa.refresh_tokens r
    where presented_refresh_token_id.lookup_id is null
      and r.lookup_id is null and r.token_hash = presented_refresh_token_id.token_hash
      and r.project_id = (select astapa.current_project_id())
  $$;

comment on function astapa.presented_refresh_token_id(uuid, bytea) is
  'The id of the current project''s refresh token (live or not) whose lookup id and secret''s hash were '
  'presented (lookup_id null: a token from before lookup ids, found by its hash), or null.';

grant execute on function astapa.presented_refresh_token_id(uuid, bytea) to astapa_app;

create or replace function api.refresh_token_owner(token_hash bytea, lookup_id uuid default null) returns bigint
  language sql
  stable
  set search_path = ''
  as $$
    select r.user_id from astapa.refresh_tokens r
    where r.project_id = (select astapa.current_project_id())
      and r.id = astapa.presented_refresh_token_id(refresh_token_owner.lookup_id, refresh_token_owner.token_hash)
  $$;

comment on function api.refresh_token_owner(bytea, uuid) is
  'The user a refresh token (live or not) belongs to in the current project, or null; lookup_id is the one the '
  'token carries (null for tokens from before lookup ids).';

grant execute on function api.refresh_token_owner(bytea, uuid) to astapa_app;

create or replace function api.introspect_refresh_token(token_hash bytea, lookup_id uuid default null)
  returns jsonb
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
      'project_id', r.project_id,
      -- RFC 9449 §6.2's confirmation, for a refresh token bound to a public client's DPoP key (§5).
      'cnf', case when r.dpop_jkt is not null then pg_catalog.jsonb_build_object('jkt', r.dpop_jkt) end))
    from astapa.refresh_tokens r
    join astapa.users u on u.project_id = r.project_id and u.id = r.user_id
    join astapa.projects p on p.id = r.project_id
    where r.project_id = (select astapa.current_project_id())
      and r.id = astapa.presented_refresh_token_id(introspect_refresh_token.lookup_id,
                                                   introspect_refresh_token.token_hash)
      and r.revoked_at is null and r.used_at is null and r.expires_at > pg_catalog.now() and not u.disabled
      -- A sandbox user's token after going live (or the reverse) can no longer be refreshed: not active.
      and u.environment = p.mode
      -- Nor one of a client whose kind the project has turned off (dynamic clients, metadata documents).
      and astapa.dynamic_client_allowed(r.client_id)
  $$;

comment on function api.introspect_refresh_token(bytea, uuid) is
  'RFC 7662 fields for a live refresh token of the current project (lookup_id: the one it carries; cnf.jkt when '
  'it is bound to a DPoP key), or null when '
  'it is not active (revoked, used, expired, its user disabled or outside the project''s current environment, its '
  'client''s kind turned off by the project).';

grant execute on function api.introspect_refresh_token(bytea, uuid) to astapa_app;

create or replace function api.user_info(user_id bigint, client_id text, scope text, impersonation_id text default null)
  returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    -- Standard claims a user lacks (a phone-only user's email) are left out, not null. A token of a client
    -- kind the project turned off gets nothing, as introspection says it is inactive (api.access_token_active).
    -- The profile claims only for a token with the profile scope (OIDC Core §5.4).
    select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'sub', u.id::text, 'email', u.email, 'email_verified', case when u.email is not null then u.email_verified end,
      'phone_number', u.phone_number,
      'phone_number_verified', case when u.phone_number is not null then u.phone_number_verified end,
      'project_id', u.project_id, 'is_anonymous', nullif(u.is_anonymous, false))) || pg_catalog.jsonb_build_object(
      'custom_claims', api.token_claims(u.project_id, u.id))
      || case when 'profile' = any (pg_catalog.string_to_array(user_info.scope, ' '))
              then coalesce(astapa.profile_claims(u.name, u.given_name, u.family_name, u.picture, u.locale,
                                                  u.nickname, u.middle_name, u.preferred_username, u.website,
                                                  u.zoneinfo, u.birthdate, u.gender, u.profile_updated_at), '{}')
              else '{}' end
    from astapa.users u
    join astapa.projects p on p.id = u.project_id
    where u.project_id = (select astapa.current_project_id()) and u.id = user_info.user_id and not u.disabled
      and u.environment = p.mode and astapa.dynamic_client_allowed(user_info.client_id)
      -- A token issued under an impersonation that has ended gets nothing, as introspection says it is inactive.
      and (user_info.impersonation_id is null or astapa.impersonation_is_live(user_info.impersonation_id, u.id))
  $$;

comment on function api.user_info(bigint, text, text, text) is
  'OpenID userinfo claims for an enabled user of the current project in the project''s current environment, '
  'for an access token issued to client_id with this scope (the profile claims when it has profile); null when '
  'the project no longer accepts that client''s kind (dynamic clients, metadata documents), or when the token was '
  'issued under an impersonation (impersonation_id, from its act) that has ended (astapa.impersonation_is_live).';

grant execute on function api.user_info(bigint, text, text, text) to astapa_app;

create or replace function api.client_credentials_grant(requested_scope text, resource text) returns jsonb
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
    select p.settings into settings from astapa.projects p where p.id = (select astapa.current_project_id());
    if not found then
      raise exception 'no project is set for this transaction' using errcode = 'AS404';
    end if;
    allowed_scopes := coalesce(
      array(select pg_catalog.jsonb_array_elements_text(settings -> 'client_credentials_scopes')), '{}');
    allowed_resources := coalesce(array(select pg_catalog.jsonb_array_elements_text(settings -> 'resources')), '{}');
    -- No scope asked: grant everything the client may have (RFC 6749 §3.3 lets the server pick a default).
    -- Asked for more: grant the part the client may have, in the order asked (§3.3 lets the server narrow; the
    -- token response's scope then says what was granted). MCP clients ask for a resource's whole
    -- scopes_supported when its challenge names none. Nothing of what was asked is allowed: invalid_scope.
    granted := case when requested_scope is null then allowed_scopes else array(
      select x.s from pg_catalog.unnest(pg_catalog.string_to_array(requested_scope, ' ')) with ordinality as x(s, n)
      where x.s = any (allowed_scopes) order by x.n) end;
    if requested_scope is not null and pg_catalog.cardinality(granted) = 0 then
      raise exception 'none of the requested scopes is one this client may use' using errcode = 'AS4S0';
    end if;
    -- settings are free JSON: the resource must also be registered by this project, or settings could name
    -- another project's resource as this token's audience.
    if resource is not null and not (
      resource = any (allowed_resources)
      and exists (select from astapa.resources r
                  where r.project_id = (select astapa.current_project_id())
                        and r.uri = client_credentials_grant.resource)) then
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
  'client_credentials_scopes (all when none is asked, the allowed part of a wider request, invalid_scope when '
  'none of it is allowed), resource among settings resources and registered by the project (astapa.resources).';

grant execute on function api.client_credentials_grant(text, text) to astapa_app;

drop policy if exists "the sweeper removes expired authorization codes" on astapa.authorization_codes;
create policy "the sweeper removes expired authorization codes" on astapa.authorization_codes
  for delete to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

drop policy if exists "the sweeper removes dead refresh token families" on astapa.refresh_tokens;
create policy "the sweeper removes dead refresh token families" on astapa.refresh_tokens
  for delete to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

drop policy if exists "the sweeper finds dead refresh token families" on astapa.refresh_tokens;
create policy "the sweeper finds dead refresh token families" on astapa.refresh_tokens
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

drop policy if exists "the sweeper finds abandoned passkey sign ups" on astapa.users;
create policy "the sweeper finds abandoned passkey sign ups" on astapa.users
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on' and awaiting_passkey_since is not null);

drop policy if exists "the sweeper finds expired authorization codes" on astapa.authorization_codes;
create policy "the sweeper finds expired authorization codes" on astapa.authorization_codes
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

create or replace function api.sweep_grants() returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    codes integer;
    tokens integer;
    registrations integer;
    documents integer;
    proofs integer;
    impersonations integer;
    abandoned record;
    sign_ups integer := 0;
    guests integer;
    sso_sign_ins integer;
    held integer;
    social_sign_ups integer;
    swept record;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'The grant sweeper runs outside any project.';
    end if;
    perform pg_catalog.set_config('astapa.sweep_grants', 'on', true);
    delete from astapa.authorization_codes c where c.expires_at < pg_catalog.now() - interval '1 day';
    get diagnostics codes = row_count;
    delete from astapa.refresh_tokens r
    where (r.project_id, r.family_id) in (
      select f.project_id, f.family_id from astapa.refresh_tokens f
      group by f.project_id, f.family_id
      having pg_catalog.bool_and(f.revoked_at is not null or f.used_at is not null or f.expires_at < pg_catalog.now())
         and pg_catalog.max(greatest(f.created_at, f.used_at, f.revoked_at)) < pg_catalog.now() - interval '7 days');
    get diagnostics tokens = row_count;
    -- Registrations never used (no code ever issued) 30 days after they were made, and cached metadata
    -- documents nobody used for 30 days (issue 26 item 6).
    delete from astapa.dynamic_clients d
    where d.last_used_at is null and d.created_at < pg_catalog.now() - interval '30 days';
    get diagnostics registrations = row_count;
    delete from astapa.client_metadata_documents m where m.last_used_at < pg_catalog.now() - interval '30 days';
    get diagnostics documents = row_count;
    -- DPoP proofs whose iat has left the acceptance window: refused for their age from then on (db/api/dpop.sql).
    delete from astapa.dpop_proofs p where p.expires_at < pg_catalog.now();
    get diagnostics proofs = row_count;
    -- Impersonations 30 days after they ended (or ran out), with the session each opened and what it issued, all
    -- dead since (docs/impersonation.md); the audit log's entries stay, the record of who acted as whom.
    delete from astapa.impersonations i
    where greatest(i.ends_at, i.ended_at) < pg_catalog.now() - interval '30 days';
    get diagnostics impersonations = row_count;
    -- Passkey sign-ups abandoned 7 days ago (issue 20): the user the mailed code made, which never stored a
    -- passkey nor got another way in, is erased like a deletion (user.deleted; audited by the sweeper), acting
    -- for its project the while. Its address may sign up afresh. "Another way in" is astapa.has_way_in (an email
    -- code to the address the sign-up proved counts while the project offers codes); a stored passkey or
    -- identity the project does not offer now still keeps them, as an erasure cannot be undone.
    for abandoned in
      select u.project_id, u.id from astapa.users u
      where u.awaiting_passkey_since < pg_catalog.now() - interval '7 days'
        and u.last_sign_in_at is null and u.password_hash is null and u.deleted_at is null
      order by u.awaiting_passkey_since limit 1000
    loop
      perform pg_catalog.set_config('astapa.project_id', abandoned.project_id, true);
      if not exists (select from astapa.passkeys k where k.project_id = abandoned.project_id and k.user_id = abandoned.id)
         and not exists (select from astapa.identities i
                         where i.project_id = abandoned.project_id and i.user_id = abandoned.id)
         and not astapa.has_way_in(abandoned.project_id, abandoned.id)
         and astapa.erase_user(abandoned.id, 'sweeper') then
        sign_ups := sign_ups + 1;
      else
        -- Some other way in after all: a user like any other from now on.
        update astapa.users u set awaiting_passkey_since = null
        where u.project_id = abandoned.project_id and u.id = abandoned.id;
      end if;
      perform pg_catalog.set_config('astapa.project_id', '', true);
    end loop;
    -- SSO sign-ins held with a second-factor challenge nobody met (a challenge lasts ten minutes; a met one carries
    -- its sign-in to the session): the IdP's NameID or ID token of a sign-in that started no session.
    delete from astapa.sso_saml_sign_ins x
    where x.challenge_hash is not null and x.created_at < pg_catalog.now() - interval '1 day';
    get diagnostics sso_sign_ins = row_count;
    delete from astapa.sso_oidc_sign_ins x
    where x.challenge_hash is not null and x.created_at < pg_catalog.now() - interval '1 day';
    get diagnostics held = row_count;
    sso_sign_ins := sso_sign_ins + held;
    -- First social sign-ins held for consent (db/api/held_social_sign_ups.sql) a day past their ten minutes: the
    -- identity a provider proved, of a person who never agreed.
    -- Apple's token of one (never moved to an identity) is given back as for any sign-in that made no account:
    -- its revocation is queued, as the row's project.
    social_sign_ups := 0;
    for swept in delete from astapa.held_social_sign_ups h where h.expires_at < pg_catalog.now() - interval '1 day'
                 returning h.project_id, h.token_client_id, h.refresh_token_sealed loop
      social_sign_ups := social_sign_ups + 1;
      if swept.refresh_token_sealed is not null then
        perform pg_catalog.set_config('astapa.project_id', swept.project_id, true);
        perform astapa.queue_apple_revocation(swept.project_id, swept.token_client_id, swept.refresh_token_sealed);
        perform pg_catalog.set_config('astapa.project_id', '', true);
      end if;
    end loop;
    -- Guests who never came back (docs/anonymous-users.md), erased the same way.
    guests := astapa.sweep_abandoned_guests();
    perform pg_catalog.set_config('astapa.sweep_grants', '', true);
    return pg_catalog.jsonb_build_object('authorization_codes', codes, 'refresh_tokens', tokens,
      'dynamic_clients', registrations, 'client_metadata_documents', documents, 'abandoned_sign_ups', sign_ups,
      'dpop_proofs', proofs, 'impersonations', impersonations, 'abandoned_guests', guests,
      'sso_sign_ins', sso_sign_ins, 'held_social_sign_ups', social_sign_ups);
  end
  $$;

comment on function api.sweep_grants() is
  'Deletes authorization codes a day past expiry and refresh-token families entirely dead for a week, across '
  'projects, registrations never used 30 days after they were made, metadata documents unused for 30 days, DPoP '
  'proofs past expires_at, impersonations 30 days after they ended (the audit log keeps their entries), SSO '
  'sign-ins held a day with a second-factor challenge nobody met, social sign-ins held for consent a day past '
  'expiry, and '
  'erases (astapa.erase_user, by sweeper) users of passkey sign-ups abandoned 7 days ago with no way in '
  '(astapa.has_way_in, nor a stored passkey or identity), and guests who never came back '
  '(astapa.sweep_abandoned_guests). '
  'Security definer because the app role may not delete grants at all; it runs only with no project '
  'set and sees other projects through owner-only policies switched on for its own duration.';

grant execute on function api.sweep_grants() to astapa_app;

create or replace function api.sweep_grants_when_due(every interval default interval '50 minutes') returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    last_started timestamptz;
  begin
    -- Definer: astapa.maintenance_runs is the owner's (the app role has no grant on it). Deployment-wide, so
    -- outside any project, as api.sweep_grants itself.
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'The grant sweeper runs outside any project.';
    end if;
    if every is null or every < interval '0' then
      raise exception using errcode = 'AS400', message = 'The sweep''s interval must be zero or more.';
    end if;
    -- Every instance asks at start and hourly; the sweep reads every refresh token (14–23 s at 10 million,
    -- docs/performance.md), so one instance sweeps once in `every` and the others skip instead of queueing
    -- behind it. The job's row is held until this transaction ends: that is the "running elsewhere" signal.
    select r.last_started_at into last_started from astapa.maintenance_runs r
    where r.job = 'sweep_grants'
    for update skip locked;
    if not found then
      return pg_catalog.jsonb_build_object('skipped', 'running elsewhere');
    end if;
    if last_started > pg_catalog.now() - every then
      return pg_catalog.jsonb_build_object('skipped', 'not due', 'last_started_at', last_started);
    end if;
    update astapa.maintenance_runs r set last_started_at = pg_catalog.now() where r.job = 'sweep_grants';
    return api.sweep_grants();
  end
  $$;

comment on function api.sweep_grants_when_due(interval) is
  'Definer: runs api.sweep_grants unless another instance is running it now or one started less than `every` '
  'ago (default 50 minutes, under the instances'' hourly timers), then {skipped: "running elsewhere" | "not '
  'due", last_started_at}. Outside any project only (AS403).';

revoke execute on function api.sweep_grants_when_due(interval) from public;

grant execute on function api.sweep_grants_when_due(interval) to astapa_app;

create or replace function astapa.client_kind_allowed(client_id text, settings jsonb) returns boolean
  language sql
  immutable
  set search_path = ''
  as $$
    select case
      when pg_catalog.starts_with(client_id, 'dcl_') then
        coalesce(settings -> 'dynamic_clients' = 'true'::jsonb, false)
      when astapa.is_metadata_document_client_id(client_id) then
        coalesce(settings -> 'client_metadata_documents' = 'true'::jsonb, false)
      else true
    end
  $$;

comment on function astapa.client_kind_allowed(text, jsonb) is
  'Whether a project with these settings accepts this client''s kind: a dynamic client (dcl_…) only while '
  'settings.dynamic_clients is true, a client known by its metadata document URL only while '
  'settings.client_metadata_documents is true; every other client id is true.';

grant execute on function astapa.client_kind_allowed(text, jsonb) to astapa_app;

create or replace function astapa.dynamic_client_allowed(client_id text) returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    -- Only a dynamic or metadata-document client needs the settings.
    select astapa.client_kind_allowed(dynamic_client_allowed.client_id, null) or coalesce((
      select astapa.client_kind_allowed(dynamic_client_allowed.client_id, p.settings)
      from astapa.projects p where p.id = (select astapa.current_project_id())), false)
  $$;

comment on function astapa.dynamic_client_allowed(text) is
  'Whether the current project accepts this client''s kind (astapa.client_kind_allowed on its settings).';

grant execute on function astapa.dynamic_client_allowed(text) to astapa_app;

create or replace function astapa.assert_dynamic_client_allowed(client_id text, settings jsonb) returns void
  language plpgsql
  immutable
  set search_path = ''
  as $$
  begin
    if astapa.client_kind_allowed(client_id, settings) then
      return;
    end if;
    if pg_catalog.starts_with(client_id, 'dcl_') then
      raise exception 'this project does not accept dynamically registered clients' using errcode = 'AS4U0';
    end if;
    raise exception 'this project does not accept clients known by a metadata document URL' using errcode = 'AS4U0';
  end
  $$;

comment on function astapa.assert_dynamic_client_allowed(text, jsonb) is
  'Raises AS4U0 (unauthorized_client) unless a project with these settings accepts this client''s kind '
  '(astapa.client_kind_allowed), for grants that read the settings once for every check.';

grant execute on function astapa.assert_dynamic_client_allowed(text, jsonb) to astapa_app;

create or replace function astapa.assert_dynamic_client_allowed(client_id text) returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    -- Only a dynamic or metadata-document client needs the settings.
    if not astapa.client_kind_allowed(client_id, null) then
      perform astapa.assert_dynamic_client_allowed(client_id,
        (select p.settings from astapa.projects p where p.id = (select astapa.current_project_id())));
    end if;
  end
  $$;

comment on function astapa.assert_dynamic_client_allowed(text) is
  'Raises AS4U0 (unauthorized_client) unless the current project accepts this client''s kind '
  '(astapa.client_kind_allowed on its settings).';

grant execute on function astapa.assert_dynamic_client_allowed(text) to astapa_app;

create or replace function api.access_token_active(user_id bigint, client_id text, impersonation_id text default null)
  returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    -- A project that turned the client's kind off has stopped its tokens; a person's token ends with the
    -- person (disabled, or outside the project's current environment), and an impersonation's with the
    -- impersonation (ended early, or by its session's end). user_id is null for a machine token.
    select astapa.dynamic_client_allowed(access_token_active.client_id)
      and (access_token_active.user_id is null or exists (
        select from astapa.users u
        join astapa.projects p on p.id = u.project_id
        where u.project_id = (select astapa.current_project_id()) and u.id = access_token_active.user_id
          and not u.disabled and u.environment = p.mode))
      and (access_token_active.impersonation_id is null
           or astapa.impersonation_is_live(access_token_active.impersonation_id, access_token_active.user_id))
  $$;

comment on function api.access_token_active(bigint, text, text) is
  'Whether a signature-valid access token of the current project is still active for introspection (RFC '
  '7662): its client''s kind is still accepted by the project (dynamic clients, metadata documents), for '
  'a person''s token (user_id not null) the person is enabled and in the project''s current environment, and for '
  'one issued under an impersonation (impersonation_id, from its act claim) the impersonation has not ended.';

grant execute on function api.access_token_active(bigint, text, text) to astapa_app;

create or replace function astapa.new_time_ordered_uuid() returns uuid
  language sql
  volatile
  parallel safe
  set search_path = ''
  as $$
    -- RFC 9562 version 7: the Unix time in milliseconds (48 bits), then gen_random_uuid()'s random bits with
    -- the version nibble turned from 4 (0100) into 7 (0111), bits 52 and 53; the variant bits stay.
    select pg_catalog.encode(
      pg_catalog.set_bit(pg_catalog.set_bit(
        pg_catalog.overlay(pg_catalog.uuid_send(pg_catalog.gen_random_uuid()),
          pg_catalog.substr(pg_catalog.int8send(
            pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp()) * 1000)::bigint), 3),
          1, 6),
        52, 1), 53, 1), 'hex')::uuid
  $$;

comment on function astapa.new_time_ordered_uuid() is
  'A UUID version 7 (RFC 9562; uuidv7() exists only from Postgres 18): a refresh-token family''s id and a '
  'refresh token''s lookup id. Ordered by time, so a sign-in''s or a rotation''s entry lands at the right edge of '
  'its index instead of on a random page of it (issue 24, growth); the 74 random bits keep it unguessable.';

grant execute on function astapa.new_time_ordered_uuid() to astapa_app;

create or replace function api.redeem_authorization_code(
  code_hash bytea, client_id text, redirect_uri text, code_verifier text, refresh_hash bytea,
  resource text default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    code astapa.authorization_codes;
    family uuid := astapa.new_time_ordered_uuid();
    refresh_lookup_id uuid := astapa.new_time_ordered_uuid();
    -- The project's settings, read once: the grant check, the client's kind and the lifetimes (issue 24).
    project_settings jsonb :=
      (select p.settings from astapa.projects p where p.id = (select astapa.current_project_id()));
    policy record;
    refresh_expires timestamptz;
    revoked integer;
    acting astapa.impersonations;
    impersonated jsonb := '{}';
  begin
    perform astapa.assert_grant_allowed('authorization_code', project_settings);
    perform astapa.assert_dynamic_client_allowed(client_id, project_settings);
    -- An unredeemed code's user's row first, for key share, as a rotation takes it (api.rotate_refresh_token): a
    -- voiding of the user's codes (astapa.void_ways_back) locks that row before the codes, so it either
    -- waits for this redemption or this one waits and finds the code void. Always user, then code: never a circle.
    perform from astapa.users u
    where u.project_id = (select astapa.current_project_id()) and u.id = (select c.user_id
      from astapa.authorization_codes c
      where c.project_id = (select astapa.current_project_id()) and c.code_hash = redeem_authorization_code.code_hash
        and c.redeemed_at is null)
    for key share of u;
    if not found then
      -- A code redeemed already (a replay, or void; redeemed_at, once set, stays) or unknown: the user's row for
      -- update, as every revocation of a family takes it, so a rotation or a reuse detection of the family under
      -- way commits first and the revocation below sees its successor. Taken here, never after the key share: two
      -- replays of one code would each hold a key share while one waited for the other's to go (a deadlock).
      perform from astapa.users u
      where u.project_id = (select astapa.current_project_id()) and u.id = (select c.user_id
        from astapa.authorization_codes c
        where c.project_id = (select astapa.current_project_id())
          and c.code_hash = redeem_authorization_code.code_hash)
      for update of u;
    end if;
    select * into code from astapa.authorization_codes c
    where c.project_id = (select astapa.current_project_id()) and c.code_hash = redeem_authorization_code.code_hash
    for update;
    if not found then
      raise exception 'the authorization code is unknown' using errcode = 'AS4G0';
    end if;
    if code.redeemed_at is not null and code.refresh_family is null then
      return pg_catalog.jsonb_build_object('error', 'invalid_grant', 'error_description',
        'The authorization code is void: a code_verifier that did not match was presented for it, or every way '
        'into the account was ended since it was issued (a sign-out everywhere, a password reset, a claim).');
    end if;
    if code.redeemed_at is not null then
      -- RFC 6749 §4.1.2: a code used twice is likely stolen; revoke what the first use issued. Passes until none
      -- is left matter here: a code redeemed by another redemption while this one waited for it holds only the
      -- key share, under which a rotation of the family may commit a successor.
      revoked := astapa.revoke_refresh_family(code.refresh_family, 'code_replayed');
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
    if code.code_challenge is null and (pg_catalog.starts_with(code.client_id, 'dcl_')
       or astapa.is_metadata_document_client_id(code.client_id)) then
      raise exception 'dynamically registered clients must use PKCE' using errcode = 'AS4G0';
    end if;
    if code.code_challenge is null and code_verifier is not null then
      raise exception 'code_verifier was sent but the authorization request had no code_challenge'
        using errcode = 'AS4G0';
    end if;
    if code.code_challenge is not null and (
      code_verifier is null or code_verifier !~ '^[A-Za-z0-9._~-]{43,128}$'
      or astapa.pkce_s256(code_verifier) <> code.code_challenge) then
      -- Whoever holds the code without its verifier gets no second guess: the code is void from now on
      -- (returned, not raised, so that this survives the statement).
      update astapa.authorization_codes c set redeemed_at = pg_catalog.now()
      where c.project_id = code.project_id and c.code_hash = code.code_hash;
      return pg_catalog.jsonb_build_object('error', 'invalid_grant', 'error_description',
        'code_verifier does not match the code_challenge; the authorization code is now void.');
    end if;
    perform astapa.assert_grant_target(code.scope, code.resource);

    select * into policy from astapa.token_lifetimes(project_settings);
    refresh_expires := pg_catalog.now() + pg_catalog.make_interval(secs => policy.refresh_ttl);
    -- An impersonation's sign-in (AS4G0 once it ended): act in the tokens, none outliving ends_at.
    if code.impersonation_id is not null then
      acting := astapa.live_impersonation(code.impersonation_id);
      refresh_expires := least(refresh_expires, acting.ends_at);
      impersonated := astapa.impersonation_claims(acting, policy.access_ttl);
    end if;
    update astapa.authorization_codes c set redeemed_at = pg_catalog.now(), refresh_family = family
    where c.project_id = code.project_id and c.code_hash = code.code_hash;
    insert into astapa.refresh_tokens (
      project_id, lookup_id, token_hash, family_id, user_id, client_id, scope, resource, auth_time, expires_at, amr,
      organization_id, impersonation_id, session_id)
    values (code.project_id, refresh_lookup_id, refresh_hash, family, code.user_id, code.client_id, code.scope,
            code.resource, code.auth_time, refresh_expires, code.amr, code.organization_id, code.impersonation_id,
            code.session_id);
    -- The person did not sign in when an actor did.
    update astapa.users u set last_sign_in_at = pg_catalog.now()
    where u.project_id = code.project_id and u.id = code.user_id and code.impersonation_id is null;
    -- A code bound to a DPoP key (dpop_jkt) says so: api.use_dpop_proof, around this call, checks the proof.
    return astapa.grant_result(code.user_id, code.scope, code.resource, code.auth_time, code.nonce, refresh_expires,
                               policy.access_ttl)
      || pg_catalog.jsonb_build_object('amr', pg_catalog.to_jsonb(code.amr), 'refresh_token_id', refresh_lookup_id)
      || astapa.organization_grant(code.user_id, code.organization_id)
      || impersonated
      || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
           'sid', code.session_id, 'dpop_jkt', code.dpop_jkt));
  end
  $$;

comment on function api.redeem_authorization_code(bytea, text, text, text, bytea, text) is
  'Redeems a code once for the client it was issued to (redirect_uri, PKCE S256 and, when sent, resource checked; '
  'scope and resource still the project''s own) and starts a refresh-token family (refresh_token_id: the lookup '
  'id the first token carries beside refresh_hash''s secret). A second redemption revokes '
  'that family, and a wrong code_verifier voids the code (as astapa.void_ways_back does): both '
  'return an invalid_grant error object. Dynamic clients need PKCE and a project that accepts them. Locks the '
  'code''s user''s row before the code: for key share when the code is unredeemed, else for update (a replay '
  'then locks the family''s tokens in id order, as a reuse detection does). A code of an impersonation''s session '
  'passes it to the family (impersonation_id): act {sub: actor} in the result, the refresh token expiring at its '
  'ends_at at the latest and access_ttl cut to it (astapa.impersonation_claims); AS4G0 once it ended. A code '
  'bound to a DPoP key names it (dpop_jkt) for api.use_dpop_proof to check.';

grant execute on function api.redeem_authorization_code(bytea, text, text, text, bytea, text) to astapa_app;

create or replace function api.rotate_refresh_token(
  token_hash bytea, client_id text, successor_hash bytea, requested_scope text,
  resource text default null, lookup_id uuid default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    presented astapa.refresh_tokens;
    successor astapa.refresh_tokens;
    -- The project's settings, read once: the grant check and every lifetime come from them (issue 24).
    acting_project text := astapa.current_project_id();
    project_settings jsonb;
    project_deleted boolean;
    policy record;
    refresh_expires timestamptz;
    signed_in_at timestamptz;
    sign_in_ends timestamptz;
    presented_id bigint;
    successor_lookup_id uuid;
    reused boolean;
    acting astapa.impersonations;
    impersonated jsonb := '{}';
  begin
    select p.settings, p.deleted_at is not null into project_settings, project_deleted
    from astapa.projects p where p.id = acting_project;
    -- A deleted project's sign-ins end: api.delete_project revokes what is live, and a token an issuance under way
    -- committed after it (api.delete_project locks only the users with something live) is refused here.
    if project_deleted then
      raise exception 'the project this refresh token belongs to was deleted' using errcode = 'AS4G0';
    end if;
    select * into policy from astapa.token_lifetimes(project_settings);
    perform astapa.assert_grant_allowed('refresh_token', project_settings);
    perform astapa.assert_dynamic_client_allowed(client_id, project_settings);
    -- The token as astapa.presented_refresh_token_id finds it: by the lookup id it carries (an older one by its
    -- hash alone).
    presented_id := astapa.presented_refresh_token_id(rotate_refresh_token.lookup_id, rotate_refresh_token.token_hash);
    -- A token not used yet: its owner's row first, for key share (rotations do not wait for each other; the
    -- successor's foreign key takes this lock anyway, but later): a revocation of every token of the user
    -- (api.revoke_user_refresh_tokens) locks it before its scan, so it either waits for this successor and revokes
    -- it, or this rotation waits and finds the token revoked. Always user, then token: never a circle.
    perform from astapa.users u
    where u.project_id = acting_project and u.id = (select r.user_id from astapa.refresh_tokens r
      where r.project_id = acting_project and r.id = presented_id and r.used_at is null)
    for key share of u;
    reused := not found;
    if reused then
      -- A token used already (used_at, once set, stays; or an unknown one): a retry in the grace window, or a
      -- reuse that revokes the family. The owner's row for update, as api.revoke_user_refresh_tokens takes it, and
      -- no lock on the token: two detections in one family queue here instead of each holding the token it
      -- presented while it locks the rest (a deadlock), and a rotation or redemption of the user under way (key
      -- share) commits first, so the family's revocation below sees its successor. Then the family, in id order.
      perform from astapa.users u
      where u.project_id = acting_project and u.id = (select r.user_id from astapa.refresh_tokens r
        where r.project_id = acting_project and r.id = presented_id)
      for update of u;
      select * into presented from astapa.refresh_tokens r
      where r.project_id = acting_project and r.id = presented_id;
    else
      -- FOR UPDATE: concurrent refreshes of one token queue here, so exactly one of them creates the successor.
      -- Taken at once in the usual case: nobody else holds the token and it is still unused.
      select * into presented from astapa.refresh_tokens r
      where r.project_id = acting_project and r.id = presented_id and r.used_at is null
      for update skip locked;
      -- Else another refresh of it is under way (or just committed), and this one finds the token used once that
      -- one is done: a retry in the grace window, or a reuse, which locks the family in id order below. Waiting
      -- for it must not leave this token held: two copies of one family doing so at once each held the token it
      -- had waited for while it locked the other's (a deadlock). So the wait's lock is taken in a subtransaction
      -- rolled back at once, which gives the lock back, and the token is read again in a statement of its own.
      while not found loop
        begin
          perform from astapa.refresh_tokens r where r.project_id = acting_project and r.id = presented_id for update;
          raise exception using errcode = 'AS2WT', message = 'waited';
        exception when sqlstate 'AS2WT' then
          null; -- the other refresh has ended; its lock is ours no longer
        end;
        select * into presented from astapa.refresh_tokens r
        where r.project_id = acting_project and r.id = presented_id;
        exit when not found or presented.used_at is not null;
        -- Still unused (the other rolled back): take it as usual, or wait again.
        select * into presented from astapa.refresh_tokens r
        where r.project_id = acting_project and r.id = presented_id and r.used_at is null
        for update skip locked;
      end loop;
    end if;
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
    -- A sign-in keeps only what its project still owns: a resource or scope withdrawn (or never the project's,
    -- from before this check) ends it here.
    perform astapa.assert_grant_target(presented.scope, presented.resource);
    -- However often it is used, a sign-in ends max_age after it happened (tokens from before auth_time was
    -- recorded fall back to the family's first token).
    signed_in_at := coalesce(presented.auth_time, (select pg_catalog.min(r.created_at) from astapa.refresh_tokens r
      where r.project_id = presented.project_id and r.family_id = presented.family_id));
    sign_in_ends := signed_in_at + pg_catalog.make_interval(secs => policy.refresh_max_age);
    if sign_in_ends <= pg_catalog.now() then
      raise exception 'the sign-in this refresh token belongs to has reached its maximum age; sign in again'
        using errcode = 'AS4G0';
    end if;
    -- An impersonation's sign-in ends with it (AS4G0 after ends_at or an early end), and keeps its act.
    if presented.impersonation_id is not null then
      acting := astapa.live_impersonation(presented.impersonation_id);
      sign_in_ends := least(sign_in_ends, acting.ends_at);
      impersonated := astapa.impersonation_claims(acting, policy.access_ttl);
    end if;

    if presented.used_at is not null then
      select * into successor from astapa.refresh_tokens r
      where r.project_id = presented.project_id and r.parent_id = presented.id;
      if presented.used_at > pg_catalog.now() - pg_catalog.make_interval(secs => policy.refresh_grace)
         and successor.token_hash = rotate_refresh_token.successor_hash and successor.revoked_at is null then
        -- A concurrent retry (another tab, a server render) inside the grace window: same successor, no logout.
        return astapa.grant_result(presented.user_id, coalesce(requested_scope, presented.scope),
          presented.resource, presented.auth_time, null, successor.expires_at, policy.access_ttl)
          || pg_catalog.jsonb_build_object('amr', pg_catalog.to_jsonb(presented.amr),
                                           'refresh_token_id', successor.lookup_id)
          || astapa.organization_grant(presented.user_id, presented.organization_id)
          || impersonated
          || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
               'sid', presented.session_id, 'dpop_jkt', presented.dpop_jkt));
      end if;
      -- Under the key share (a token found used only once locked) a pass may wait for a rotation of the family's
      -- newest token under way: astapa.revoke_refresh_family repeats until none is left.
      perform astapa.revoke_refresh_family(presented.family_id, 'reuse_detected');
      return pg_catalog.jsonb_build_object('error', 'invalid_grant', 'error_description',
        'The refresh token was already used; every token of this sign-in is revoked.');
    end if;

    refresh_expires := least(pg_catalog.now() + pg_catalog.make_interval(secs => policy.refresh_ttl), sign_in_ends);
    update astapa.refresh_tokens r set used_at = pg_catalog.now()
    where r.project_id = presented.project_id and r.id = presented.id;
    successor_lookup_id := astapa.new_time_ordered_uuid();
    -- A DPoP-bound sign-in stays bound to its key (the result's dpop_jkt; api.use_dpop_proof checks it).
    insert into astapa.refresh_tokens (
      project_id, lookup_id, token_hash, family_id, parent_id, user_id, client_id, scope, resource, auth_time,
      expires_at, amr, organization_id, impersonation_id, dpop_jkt, session_id)
    values (presented.project_id, successor_lookup_id, successor_hash, presented.family_id, presented.id,
            presented.user_id, presented.client_id, presented.scope, presented.resource, presented.auth_time,
            refresh_expires, presented.amr, presented.organization_id, presented.impersonation_id,
            presented.dpop_jkt, presented.session_id);
    -- The active organization stays; its claims are read fresh, so a removed member's stop here.
    return astapa.grant_result(presented.user_id, coalesce(requested_scope, presented.scope),
      presented.resource, presented.auth_time, null, refresh_expires, policy.access_ttl)
      || pg_catalog.jsonb_build_object('amr', pg_catalog.to_jsonb(presented.amr),
                                       'refresh_token_id', successor_lookup_id)
      || astapa.organization_grant(presented.user_id, presented.organization_id)
      || impersonated
      || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
           'sid', presented.session_id, 'dpop_jkt', presented.dpop_jkt));
  end
  $$;

comment on function api.rotate_refresh_token(bytea, text, bytea, text, text, uuid) is
  'Exchanges a refresh token (lookup_id: the one it carries; null for tokens from before lookup ids) for its '
  'successor, whose secret''s hash the caller derives from the token, so a retry yields the same one '
  '(refresh_token_id: the successor''s lookup id), keeping its resource (a different one is invalid_target). '
  'Reuse after the grace window revokes the family and returns an invalid_grant object. A sign-in ends '
  'astapa.refresh_max_age() after auth_time, however often its tokens are used (AS4G0), and when its scope or '
  'resource is no longer the project''s own (AS4S0 / AS4T0). An impersonation''s sign-in keeps its act and '
  'impersonation_id, ends at its ends_at (successors expire then at the latest) and is refused once it ended '
  '(AS4G0; astapa.live_impersonation). Locks: an unused token''s user for key share, then '
  'the token (one found used after waiting for another refresh of it is not kept); a used one''s user for '
  'update (a retry or a reuse), no token, then the family in id order. A '
  'token bound to a DPoP key passes the binding to its successor and names it (dpop_jkt) for '
  'api.use_dpop_proof to check.';

grant execute on function api.rotate_refresh_token(bytea, text, bytea, text, text, uuid) to astapa_app;

create or replace function astapa.refresh_max_age() returns integer
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.clamp_setting(p.settings, 'refresh_token_max_age')
    from astapa.projects p where p.id = (select astapa.current_project_id())
  $$;

comment on function astapa.refresh_max_age() is
  'How long a sign-in of the current project lasts at most, in seconds: settings.refresh_token_max_age clamped '
  'to astapa.token_lifetime_limits() (1 h–10 years, default 90 days).';

grant execute on function astapa.refresh_max_age() to astapa_app;

create or replace function astapa.grant_target_refusal(scope text, resource text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    -- Every project grants these; a request for them alone, without a resource, reads nothing (most do).
    openid_scopes constant text[] := '{openid,email,profile,phone,offline_access}';
    asked text[] := pg_catalog.array_remove(pg_catalog.string_to_array(coalesce(scope, ''), ' '), '');
    undeclared text;
  begin
    if resource is null and asked <@ openid_scopes then
      return null;
    end if;
    select pg_catalog.string_agg(s, ' ' order by s) into undeclared
    from pg_catalog.unnest(asked) as s
    where s <> all (openid_scopes)
      and not exists (select from astapa.scopes d
                      where d.project_id = (select astapa.current_project_id()) and d.name = s);
    if undeclared is not null then
      return pg_catalog.jsonb_build_object('sqlstate', 'AS4S0',
        'message', 'not a scope this project declares: ' || undeclared);
    end if;
    if resource is not null and not exists (
      select from astapa.resources r
      where r.project_id = (select astapa.current_project_id()) and r.uri = grant_target_refusal.resource) then
      return pg_catalog.jsonb_build_object('sqlstate', 'AS4T0',
        'message', 'the resource is not one this project registered');
    end if;
    return null;
  end
  $$;

comment on function astapa.grant_target_refusal(text, text) is
  'Why the current project may not grant this scope and resource, as {sqlstate, message}, or null when it may: '
  'AS4S0 (invalid_scope) for a scope it did not declare (the OpenID user scopes are always allowed), AS4T0 '
  '(invalid_target) for a resource it did not register. Answers rather than raises so that the authorization '
  'request (api.authorization_request_client) keeps the client it found; grants raise it (assert_grant_target).';

grant execute on function astapa.grant_target_refusal(text, text) to astapa_app;

create or replace function astapa.assert_grant_target(scope text, resource text) returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    refusal jsonb := astapa.grant_target_refusal(scope, resource);
  begin
    if refusal is not null then
      raise exception using errcode = refusal->>'sqlstate', message = refusal->>'message';
    end if;
  end
  $$;

comment on function astapa.assert_grant_target(text, text) is
  'Raises astapa.grant_target_refusal''s refusal: AS4S0 (invalid_scope) for a scope the current project did not '
  'declare, AS4T0 (invalid_target) for a resource it did not register. Every user grant calls it.';

grant execute on function astapa.assert_grant_target(text, text) to astapa_app;
