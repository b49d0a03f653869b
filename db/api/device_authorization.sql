-- The device authorization grant (RFC 8628, issue 26 item 4): starting a request, finding it by the user code
-- the person types at /device, their decision, and the client's polling at the token endpoint.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own device authorizations" on astapa.device_authorizations;
create policy "a project reads its own device authorizations" on astapa.device_authorizations
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project starts its own device authorizations" on astapa.device_authorizations;
create policy "a project starts its own device authorizations" on astapa.device_authorizations
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project updates its own device authorizations" on astapa.device_authorizations;
create policy "a project updates its own device authorizations" on astapa.device_authorizations
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project sweeps its own device authorizations" on astapa.device_authorizations;
create policy "a project sweeps its own device authorizations" on astapa.device_authorizations
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "definer functions find the device authorization a user code names"
  on astapa.device_authorizations;
create policy "definer functions find the device authorization a user code names" on astapa.device_authorizations
  for select to astapa_owner
  using (user_code = nullif(pg_catalog.current_setting('astapa.lookup_user_code', true), ''));

create or replace function api.start_device_authorization(
  device_code_hash bytea, user_code text, client_id text, scope text, resource text, expires_in integer,
  max_per_minute integer)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    wait integer;
  begin
    perform astapa.assert_grant_allowed('urn:ietf:params:oauth:grant-type:device_code');
    perform astapa.assert_dynamic_client_allowed(client_id);
    -- A client known by its URL lists the grant in its document, cached by the authentication just done.
    if astapa.is_metadata_document_client_id(client_id) and not exists (
      select from astapa.client_metadata_documents m
      where m.client_id = start_device_authorization.client_id
        and m.document -> 'grant_types' ? 'urn:ietf:params:oauth:grant-type:device_code') then
      raise exception 'this client''s metadata document does not list the device_code grant type'
        using errcode = 'AS4U0';
    end if;
    if pg_catalog.starts_with(client_id, 'dcl_') and not exists (
      select from astapa.dynamic_clients d
      where d.client_id = start_device_authorization.client_id
        and 'urn:ietf:params:oauth:grant-type:device_code' = any (d.grant_types)) then
      raise exception 'this client did not register the device_code grant type' using errcode = 'AS4U0';
    end if;
    -- A registration's own scope limits nothing (RFC 7591 §2: the client's claim); the project's declared
    -- scopes do, and the person's consent on /device (docs/mcp.md, "Step-up").
    perform astapa.assert_grant_target(scope, resource);
    if expires_in is null or expires_in not between 60 and 1800 then
      raise exception 'expires_in must be 60 to 1800 seconds' using errcode = 'AS400';
    end if;
    wait := api.rate_limit_hit(pg_catalog.format('device_authorization:%s:%s', astapa.current_project_id(),
                                                 pg_catalog.left(client_id, 100)), max_per_minute, 60);
    if wait > 0 then
      return pg_catalog.jsonb_build_object('wait', wait);
    end if;
    -- Expired requests free their user codes.
    delete from astapa.device_authorizations a
    where a.ctid in (select e.ctid from astapa.device_authorizations e
                     where e.project_id = (select astapa.current_project_id()) and e.expires_at < pg_catalog.now()
                     limit 100);
    insert into astapa.device_authorizations (
      project_id, device_code_hash, user_code, client_id, scope, resource, expires_at)
    values (astapa.current_project_id(), device_code_hash, user_code, client_id, coalesce(scope, ''), resource,
            pg_catalog.now() + pg_catalog.make_interval(secs => expires_in))
    on conflict do nothing;
    if not found then
      return pg_catalog.jsonb_build_object('conflict', true);
    end if;
    perform astapa.audit(astapa.current_project_id(), 'device_authorization.started', client_id,
      pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('scope', nullif(scope, ''), 'resource', resource)));
    return pg_catalog.jsonb_build_object('expires_in', expires_in, 'interval', 5);
  end
  $$;

comment on function api.start_device_authorization(bytea, text, text, text, text, integer, integer) is
  'Starts a device authorization (RFC 8628 §3.1-3.2) for a client of the current project: the device code as '
  'SHA-256 and the user code chosen by the caller. Checks the grant is allowed (a dynamic client must have '
  'registered it), scope and resource, and at most max_per_minute requests per client. Returns {expires_in, '
  'interval}, {wait: seconds} past the limit, or {conflict: true} when the user code is taken (pick another).';

grant execute on function api.start_device_authorization(bytea, text, text, text, text, integer, integer)
  to astapa_app;

create or replace function api.device_authorization_for_user_code(user_code text, buckets jsonb) returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    wait integer;
    project text;
    found jsonb;
  begin
    -- Guessing codes (RFC 8628 §5.1): failed look-ups from an address are counted, and past the limit it waits.
    wait := astapa.client_lockout_wait(buckets);
    if wait > 0 then
      return pg_catalog.jsonb_build_object('wait', wait);
    end if;
    if user_code ~ '^[BCDFGHJKLMNPQRSTVWXZ]{8}$' then
      -- Shows the owner the one row the code names; then acts for its project to read the names around it.
      perform pg_catalog.set_config('astapa.lookup_user_code', user_code, true);
      select a.project_id into project
      from astapa.device_authorizations a
      where a.user_code = device_authorization_for_user_code.user_code and a.status = 'pending'
        and a.expires_at > pg_catalog.now();
      perform pg_catalog.set_config('astapa.lookup_user_code', '', true);
    end if;
    if project is not null then
      perform pg_catalog.set_config('astapa.project_id', project, true);
      select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'project_id', a.project_id,
        'project', pg_catalog.jsonb_build_object('id', p.id, 'name', p.name, 'mode', p.mode, 'settings', p.settings,
          'client_id', p.client_id),
        'client_id', a.client_id,
        'client_name', coalesce(nullif(d.client_name, ''), nullif(m.document ->> 'client_name', ''),
                                case when d.client_id is null and not astapa.is_metadata_document_client_id(a.client_id)
                                     then p.name end,
                                'An unnamed app'),
        'third_party', d.client_id is not null or astapa.is_metadata_document_client_id(a.client_id),
        'scope', nullif(a.scope, ''), 'resource', a.resource,
        'resource_name', (select nullif(r.name, '') from astapa.resources r
                          where r.project_id = a.project_id and r.uri = a.resource),
        'expires_at', a.expires_at))
      into found
      from astapa.device_authorizations a
      join astapa.projects p on p.id = a.project_id
      left join astapa.dynamic_clients d on d.client_id = a.client_id
      left join astapa.client_metadata_documents m on m.client_id = a.client_id
      where a.project_id = project and a.user_code = device_authorization_for_user_code.user_code;
      perform pg_catalog.set_config('astapa.project_id', '', true);
    end if;
    if found is null then
      perform astapa.count_client_failure(buckets);
    end if;
    return found;
  end
  $$;

comment on function api.device_authorization_for_user_code(text, jsonb) is
  'The pending, unexpired device authorization a user code names, as {project_id, project: {id, name, mode, '
  'settings, client_id: the project''s own client, through which /device signs people in}, client_id, client_name, third_party, scope, resource, resource_name, expires_at}, or null (counted as a failure in buckets), or {wait: seconds} '
  'while a bucket is locked. Security definer because the /device page knows no project before the code: it '
  'sees only the one row the code names, through the owner-only policy "definer functions find the device '
  'authorization a user code names", then acts for that row''s project (astapa.project_id, cleared again) to '
  'read its name and resource.';

grant execute on function api.device_authorization_for_user_code(text, jsonb) to astapa_app;

create or replace function api.decide_device_authorization(user_code text, session_hash bytea, approve boolean)
  returns boolean
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    request astapa.device_authorizations;
    person bigint;
  begin
    -- The person is whoever the browser's session is still live for, checked under their row's key share before
    -- the device row (astapa.hold_live_login_session): /device found the session live in an earlier transaction,
    -- and a sign-out everywhere, a reset, a claim or a disable committed since voided the approvals already, not
    -- this one. One that comes later waits for this transaction, then voids the approval made here.
    person := astapa.hold_live_login_session(session_hash);
    select * into request from astapa.device_authorizations a
    where a.project_id = (select astapa.current_project_id()) and a.user_code = decide_device_authorization.user_code
      and a.status = 'pending' and a.expires_at > pg_catalog.now()
    for update;
    if not found then
      return false;
    end if;
    if approve then
      perform astapa.assert_user_may_sign_in(person);
      -- A device's tokens come from no session and could not name an actor: support staff signed in as the
      -- person (docs/impersonation.md) may deny a device, never connect one.
      if exists (select from astapa.login_sessions s
                 where s.project_id = (select astapa.current_project_id())
                   and s.token_hash = decide_device_authorization.session_hash and s.impersonation_id is not null) then
        raise exception 'support staff signed in as this person cannot connect a device for them'
          using errcode = 'AS403';
      end if;
      -- Allowing a third-party client on /device is consent too (db/api/consents.sql); it marks it used.
      perform astapa.remember_consent(person, request.client_id, request.resource, request.scope);
    end if;
    update astapa.device_authorizations a
    set status = case when approve then 'approved' else 'denied' end,
        user_id = case when approve then person end,
        auth_time = case when approve then pg_catalog.now() end,
        decided_at = pg_catalog.now()
    where a.project_id = request.project_id and a.device_code_hash = request.device_code_hash;
    perform astapa.audit(astapa.current_project_id(),
      case when approve then 'device_authorization.approved' else 'device_authorization.denied' end,
      request.client_id,
      pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('user_id', person::text,
        'scope', nullif(request.scope, ''), 'resource', request.resource)));
    return true;
  end
  $$;

comment on function api.decide_device_authorization(text, bytea, boolean) is
  'The person signed in by a browser session (session_hash: its token''s SHA-256) allows (approve) or denies the '
  'pending device authorization their user code names, in the current project; audited. False when it is no '
  'longer pending (decided, expired or unknown). AS4G0 when the session is no longer live, checked under the '
  'user''s row lock before the device row (astapa.hold_live_login_session), so an approval never outlives a '
  'sign-out everywhere, reset, claim or disable that ended the session. AS403 for an approval from a session an '
  'impersonation opened (its device tokens could not carry act).';

grant execute on function api.decide_device_authorization(text, bytea, boolean) to astapa_app;

create or replace function api.poll_device_authorization(
  device_code_hash bytea, client_id text, refresh_hash bytea, resource text default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    request astapa.device_authorizations;
    family uuid := astapa.new_time_ordered_uuid();
    refresh_lookup_id uuid := astapa.new_time_ordered_uuid();
    refresh_expires timestamptz;
    revoked integer;
  begin
    perform astapa.assert_grant_allowed('urn:ietf:params:oauth:grant-type:device_code');
    perform astapa.assert_dynamic_client_allowed(client_id);
    -- FOR UPDATE: polls of one device code from several instances queue here, so the interval holds.
    select * into request from astapa.device_authorizations a
    where a.project_id = (select astapa.current_project_id())
      and a.device_code_hash = poll_device_authorization.device_code_hash
    for update;
    if not found then
      raise exception 'the device code is unknown' using errcode = 'AS4G0';
    end if;
    if request.client_id is distinct from poll_device_authorization.client_id then
      raise exception 'the device code was issued to another client' using errcode = 'AS4G0';
    end if;
    if resource is not null and resource is distinct from request.resource then
      raise exception 'the resource differs from the one the device authorization named' using errcode = 'AS4T0';
    end if;
    if request.status = 'redeemed' then
      -- Like a replayed authorization code: whoever polls again may hold a stolen device code. The user's row for
      -- update, as every revocation of a family takes it: a rotation or a reuse detection of the family under way
      -- commits first, and one that comes later waits. After the device row, as on every path of the device flow.
      -- No cycle with astapa.void_ways_back, which locks a user, then device rows: it locks only rows
      -- approved in its snapshot, never a redeemed one like this, and the approved path below never waits for the
      -- user. Then the family in id order, as a reuse detection locks it.
      perform from astapa.users u
      where u.project_id = request.project_id and u.id = request.user_id
      for update of u;
      revoked := astapa.revoke_refresh_family(request.refresh_family, 'code_replayed');
      return pg_catalog.jsonb_build_object('error', 'invalid_grant', 'error_description',
        'The device code was already used; tokens issued with it are revoked.', 'revoked', revoked);
    end if;
    if request.expires_at <= pg_catalog.now() then
      return pg_catalog.jsonb_build_object('error', 'expired_token', 'error_description',
        'The device code has expired: start again.');
    end if;
    if request.status = 'denied' then
      return pg_catalog.jsonb_build_object('error', 'access_denied', 'error_description',
        'The person denied this request.');
    end if;
    -- Voided after the approval (astapa.void_ways_back): the approval was withdrawn, not timed out.
    if request.status = 'voided' then
      return pg_catalog.jsonb_build_object('error', 'access_denied', 'error_description',
        'The approval was withdrawn: the account was signed out everywhere, reset, claimed or disabled since.');
    end if;
    if request.status = 'pending' then
      -- Returned, not raised, so that the poll's time (and a longer interval) is kept.
      if request.last_polled_at is not null
         and pg_catalog.now() < request.last_polled_at + pg_catalog.make_interval(secs => request.interval_seconds) then
        update astapa.device_authorizations a
        set interval_seconds = least(request.interval_seconds + 5, 60), last_polled_at = pg_catalog.now()
        where a.project_id = request.project_id and a.device_code_hash = request.device_code_hash;
        return pg_catalog.jsonb_build_object('error', 'slow_down', 'error_description',
          pg_catalog.format('Polling too fast: wait at least %s seconds between requests.',
                            least(request.interval_seconds + 5, 60)),
          'interval', least(request.interval_seconds + 5, 60));
      end if;
      update astapa.device_authorizations a set last_polled_at = pg_catalog.now()
      where a.project_id = request.project_id and a.device_code_hash = request.device_code_hash;
      return pg_catalog.jsonb_build_object('error', 'authorization_pending', 'error_description',
        'The person has not decided yet: keep polling at the interval.');
    end if;
    -- Approved: the user's row for key share (the refresh token's foreign key takes it too) before redeeming, but
    -- never waiting for it while this row is held: a voiding (astapa.void_ways_back) holds the user's
    -- row for update, then locks the user's approved rows. While anything holds it for update (a voiding, a
    -- revocation), the poll is answered pending; the next redeems, or finds the row voided. A voiding that comes
    -- later waits, then revokes the refresh token started here (a disable keeps it, refused while disabled).
    perform from astapa.users u
    where u.project_id = request.project_id and u.id = request.user_id
    for key share of u skip locked;
    if not found then
      return pg_catalog.jsonb_build_object('error', 'authorization_pending', 'error_description',
        'The account is being changed: keep polling at the interval.');
    end if;
    perform astapa.assert_grant_target(request.scope, request.resource);
    refresh_expires := pg_catalog.now() + pg_catalog.make_interval(secs => (select p.refresh_ttl from astapa.token_policy() as p));
    update astapa.device_authorizations a set status = 'redeemed', refresh_family = family
    where a.project_id = request.project_id and a.device_code_hash = request.device_code_hash;
    insert into astapa.refresh_tokens (
      project_id, lookup_id, token_hash, family_id, user_id, client_id, scope, resource, auth_time, expires_at)
    values (request.project_id, refresh_lookup_id, refresh_hash, family, request.user_id, request.client_id,
            request.scope, request.resource, request.auth_time, refresh_expires);
    update astapa.users u set last_sign_in_at = pg_catalog.now()
    where u.project_id = request.project_id and u.id = request.user_id;
    return astapa.grant_result(request.user_id, nullif(request.scope, ''), request.resource, request.auth_time, null,
                               refresh_expires)
      || pg_catalog.jsonb_build_object('refresh_token_id', refresh_lookup_id);
  end
  $$;

comment on function api.poll_device_authorization(bytea, text, bytea, text) is
  'The device_code grant (RFC 8628 §3.4-3.5) for the client the code was issued to: {error: '
  'authorization_pending | slow_down (interval raised by 5 s) | expired_token | access_denied} while there is '
  'nothing to issue — returned, so the poll time is kept — or, once approved, the grant with a new refresh-token '
  'family (refresh_token_id: the lookup id its first token carries), once. A second redemption revokes that '
  'family (invalid_grant); a request voided after its approval (astapa.void_ways_back) answers '
  'access_denied. Locks the device row, then its user''s row: for update on a replay (then the family''s tokens '
  'in id order), for key share skip locked on a redemption (held by a voiding: authorization_pending).';

grant execute on function api.poll_device_authorization(bytea, text, bytea, text) to astapa_app;
