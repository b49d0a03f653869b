-- Back-channel logout (OpenID Connect Back-Channel Logout 1.0, docs/tokens.md): what a session's end tells the apps.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project queues its own backchannel logouts" on astapa.backchannel_logouts;
create policy "a project queues its own backchannel logouts" on astapa.backchannel_logouts
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own backchannel logouts" on astapa.backchannel_logouts;
create policy "a project reads its own backchannel logouts" on astapa.backchannel_logouts
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project updates its own backchannel logouts" on astapa.backchannel_logouts;
create policy "a project updates its own backchannel logouts" on astapa.backchannel_logouts
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "definer functions find projects with due backchannel logouts" on astapa.backchannel_logouts;
create policy "definer functions find projects with due backchannel logouts" on astapa.backchannel_logouts
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.find_due_backchannel_logouts', true) = 'on');

create or replace function astapa.logout_setting_problem(value jsonb) returns text
  language plpgsql
  immutable
  set search_path = ''
  as $$
  begin
    if pg_catalog.jsonb_typeof(value) <> 'object'
       or exists (select from pg_catalog.jsonb_object_keys(value) as k
                  where k not in ('post_logout_redirect_uris', 'backchannel_logout_uri',
                                  'backchannel_logout_session_required')) then
      return 'logout must be an object with post_logout_redirect_uris, backchannel_logout_uri and '
        'backchannel_logout_session_required.';
    end if;
    if value ? 'post_logout_redirect_uris' and (pg_catalog.jsonb_typeof(value -> 'post_logout_redirect_uris') <> 'array'
       or pg_catalog.jsonb_array_length(value -> 'post_logout_redirect_uris') > 20
       or exists (select from pg_catalog.jsonb_array_elements(value -> 'post_logout_redirect_uris') as u
                  where pg_catalog.jsonb_typeof(u) <> 'string' or not astapa.is_valid_redirect_uri(u #>> '{}'))) then
      return 'logout.post_logout_redirect_uris must be at most 20 absolute URLs (https, or http on localhost), '
        'without fragments.';
    end if;
    if value ? 'backchannel_logout_uri' and (pg_catalog.jsonb_typeof(value -> 'backchannel_logout_uri') <> 'string'
       or not astapa.is_valid_redirect_uri(value ->> 'backchannel_logout_uri')) then
      return 'logout.backchannel_logout_uri must be an absolute URL (https, or http on localhost), without a fragment.';
    end if;
    if value ? 'backchannel_logout_session_required'
       and pg_catalog.jsonb_typeof(value -> 'backchannel_logout_session_required') <> 'boolean' then
      return 'logout.backchannel_logout_session_required must be true or false.';
    end if;
    return null;
  end
  $$;

comment on function astapa.logout_setting_problem(jsonb) is
  'Why a project''s settings.logout is refused (astapa.setting_problem), or null: post_logout_redirect_uris (at '
  'most 20 URLs), backchannel_logout_uri and backchannel_logout_session_required, as OIDC client metadata names them.';

grant execute on function astapa.logout_setting_problem(jsonb) to astapa_app;

create or replace function astapa.backchannel_logout_uri(client_id text) returns text
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(
      (select p.settings -> 'logout' ->> 'backchannel_logout_uri' from astapa.projects as p
       where p.id = (select astapa.current_project_id()) and p.client_id = backchannel_logout_uri.client_id),
      (select d.metadata ->> 'backchannel_logout_uri' from astapa.dynamic_clients as d
       where d.client_id = backchannel_logout_uri.client_id),
      -- A metadata document is the client's own word, fetched and cached: its URI is taken only in the form the
      -- other two are registered in (https, or http on a loopback host).
      (select m.document ->> 'backchannel_logout_uri' from astapa.client_metadata_documents as m
       where m.client_id = backchannel_logout_uri.client_id
         and astapa.is_valid_redirect_uri(m.document ->> 'backchannel_logout_uri')))
  $$;

comment on function astapa.backchannel_logout_uri(text) is
  'Where a client of the current project takes logout tokens: the project''s own client''s '
  'settings.logout.backchannel_logout_uri, a self-registered client''s registered backchannel_logout_uri, or the '
  'one in a URL client''s cached metadata document (when https, or http on a loopback host); null when none.';

grant execute on function astapa.backchannel_logout_uri(text) to astapa_app;

create or replace function astapa.session_clients(session_id text) returns setof text
  language sql
  stable
  set search_path = ''
  as $$
    -- The clients the session issued codes to (kept a day after they expire) and the sign-ins those started
    -- (refresh tokens, kept until their family is swept): together, every app holding tokens from it.
    select a.client_id from astapa.authorization_codes as a
    where a.project_id = (select astapa.current_project_id()) and a.session_id = session_clients.session_id
    union
    select r.client_id from astapa.refresh_tokens as r
    where r.project_id = (select astapa.current_project_id()) and r.session_id = session_clients.session_id
  $$;

comment on function astapa.session_clients(text) is
  'The clients of the current project that received tokens from the session (public id session_id): the apps a '
  'sign-out of it tells (astapa.queue_backchannel_logouts) and may be asked by (api.client_login_session).';

grant execute on function astapa.session_clients(text) to astapa_app;

create or replace function api.client_login_session(token_hash bytea, client_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select live.session from api.login_session(client_login_session.token_hash) as live(session)
    where exists (select from astapa.session_clients(live.session ->> 'sid') as issued(client_id)
                  where issued.client_id = client_login_session.client_id)
  $$;

comment on function api.client_login_session(bytea, text) is
  'The live session behind a cookie (as api.login_session), only when it gave the client tokens, else null: how '
  'a sign-out request from a client of no project (dcl_, a metadata-document URL) without an id_token_hint '
  'finds the session it can mean.';

grant execute on function api.client_login_session(bytea, text) to astapa_app;

create or replace function astapa.queue_backchannel_logouts(session_id text, user_id bigint) returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    queued integer;
  begin
    insert into astapa.backchannel_logouts (project_id, client_id, url, session_id, user_id)
    select (select astapa.current_project_id()), c.client_id, c.url, queue_backchannel_logouts.session_id,
           queue_backchannel_logouts.user_id
    from (select issued.client_id, astapa.backchannel_logout_uri(issued.client_id) as url
          from astapa.session_clients(queue_backchannel_logouts.session_id) as issued(client_id)) as c
    where c.url is not null
    order by c.client_id;
    get diagnostics queued = row_count;
    if queued > 0 then
      perform pg_catalog.pg_notify('astapa_backchannel_logouts',
        pg_catalog.jsonb_build_object('project_id', astapa.current_project_id())::text);
    end if;
    return queued;
  end
  $$;

comment on function astapa.queue_backchannel_logouts(text, bigint) is
  'Queues a logout token for every client of the current project that received tokens from the session '
  '(public id session_id: its codes and refresh tokens name it) and registered a backchannel_logout_uri, and '
  'wakes the workers (NOTIFY astapa_backchannel_logouts with the project id). Returns how many it queued.';

grant execute on function astapa.queue_backchannel_logouts(text, bigint) to astapa_app;

create or replace function astapa.end_session_grants() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- The user's row for update, as every revocation of a user's tokens takes it (held already by the callers that
    -- end sessions: api.end_login_session, astapa.void_ways_back, ...): a rotation under way commits its
    -- successor first, and the revocation below, a statement of its own, sees it.
    perform from astapa.users as u where u.project_id = new.project_id and u.id = new.user_id for update of u;
    -- A session support opened as the person (docs/impersonation.md) ends its impersonation with it, and every
    -- refresh token issued from it, offline_access included: introspection says inactive for them and for the
    -- access tokens whose act names it. The user's row, held above, is the lock api.end_impersonation takes first.
    if new.impersonation_id is not null then
      update astapa.impersonations as i set ended_at = pg_catalog.now()
      where i.project_id = new.project_id and i.id = new.impersonation_id and i.ended_at is null;
      update astapa.refresh_tokens as r set revoked_at = pg_catalog.now(), revoked_reason = 'impersonation_ended'
      where r.project_id = new.project_id and r.impersonation_id = new.impersonation_id and r.revoked_at is null;
    end if;
    -- Back-Channel Logout 1.0 §2.7: refresh tokens that are not for offline access end with the session.
    update astapa.refresh_tokens as r set revoked_at = pg_catalog.now(), revoked_reason = 'session_ended'
    where r.project_id = new.project_id and r.session_id = new.public_id and r.revoked_at is null
      and not ('offline_access' = any (pg_catalog.string_to_array(r.scope, ' ')));
    perform astapa.queue_backchannel_logouts(new.public_id, new.user_id);
    return null;
  end
  $$;

comment on function astapa.end_session_grants() is
  'Trigger: when a hosted-login session ends (ended_at set), whatever path ended it, revokes the refresh tokens '
  'its sign-ins started but those granted offline_access (reason session_ended) and queues a logout token for '
  'every app that received tokens from it (astapa.queue_backchannel_logouts); a session an impersonation opened '
  'ends the impersonation (ended_at) and revokes every refresh token issued from it (impersonation_ended, '
  'offline_access too). Locks the user''s row for update first: callers take it before the '
  'session''s row.';

grant execute on function astapa.end_session_grants() to astapa_app;

create or replace trigger login_sessions_end_grants after update of ended_at on astapa.login_sessions
  for each row when (old.ended_at is null and new.ended_at is not null)
  execute function astapa.end_session_grants();

create or replace function api.projects_with_due_backchannel_logouts(max_projects integer default 100) returns text[]
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    found_projects text[];
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Due logout tokens are found across projects, not for one.';
    end if;
    perform pg_catalog.set_config('astapa.find_due_backchannel_logouts', 'on', true);
    select array(
      select d.project_id from astapa.backchannel_logouts as d
      where (d.status = 'pending' and d.next_attempt_at <= pg_catalog.now())
         or (d.status = 'sending' and d.lease_until <= pg_catalog.now())
      group by d.project_id
      order by min(d.next_attempt_at)
      limit max_projects) into found_projects;
    perform pg_catalog.set_config('astapa.find_due_backchannel_logouts', '', true);
    return found_projects;
  end
  $$;

comment on function api.projects_with_due_backchannel_logouts(integer) is
  'Which projects have logout tokens due, oldest first, so the worker can claim them per project (as the app '
  'role, under RLS). Security definer because the worker acts for no project yet: its set_config turns on the '
  'owner-only policy "definer functions find projects with due backchannel logouts" for this one query and '
  'returns project ids only. Guard: refused while the transaction acts for a project.';

revoke execute on function api.projects_with_due_backchannel_logouts(integer) from public;
grant execute on function api.projects_with_due_backchannel_logouts(integer) to astapa_app;

create or replace function api.claim_backchannel_logouts(project_id text, max_logouts integer default 20,
                                                         lease_seconds integer default 60)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    claimed_until timestamptz := astapa.outbox_lease_until(max_logouts, lease_seconds, 'logout tokens');
    result jsonb;
  begin
    with due as (
        select d.id from astapa.backchannel_logouts as d
        where d.project_id = claim_backchannel_logouts.project_id
          and ((d.status = 'pending' and d.next_attempt_at <= pg_catalog.now())
               or (d.status = 'sending' and d.lease_until <= pg_catalog.now()))
        order by d.next_attempt_at, d.id
        limit max_logouts
        -- Another worker's claims are skipped, not waited for: each row goes to exactly one worker at a time.
        for update of d skip locked),
      claimed as (
        update astapa.backchannel_logouts as d
        set status = 'sending', attempts = d.attempts + 1, last_attempt_at = pg_catalog.now(),
            lease_until = claimed_until
        from due
        where d.project_id = claim_backchannel_logouts.project_id and d.id = due.id
        returning d.*)
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'id', c.id::text, 'attempt', c.attempts, 'client_id', c.client_id, 'url', c.url, 'sid', c.session_id,
      'sub', c.user_id::text) order by c.id), '[]')
    into result from claimed as c;
    return result;
  end
  $$;

comment on function api.claim_backchannel_logouts(text, integer, integer) is
  'Claims up to max_logouts due logout tokens of the project (pending and due, or sending with an expired lease) '
  'for lease_seconds, counting an attempt each; returns what to sign and send: client_id, url, sid, sub, attempt.';

grant execute on function api.claim_backchannel_logouts(text, integer, integer) to astapa_app;

create or replace function api.record_backchannel_logout_attempt(project_id text, logout_id bigint, attempt integer,
                                                                 http_status integer, error text,
                                                                 retry_in_seconds integer)
  returns text
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    tried record := astapa.outbox_attempt_result(http_status, record_backchannel_logout_attempt.error,
                                                 retry_in_seconds);
  begin
    update astapa.backchannel_logouts as d
    set status = tried.status,
        lease_until = null,
        last_status = tried.last_status,
        last_error = tried.last_error,
        delivered_at = case when tried.status = 'delivered' then pg_catalog.now() end,
        next_attempt_at = coalesce(tried.next_attempt_at, d.next_attempt_at)
    -- Fencing: only the claim that made this attempt may record it (a lease that ran out was claimed again).
    where d.project_id = record_backchannel_logout_attempt.project_id and d.id = logout_id
      and d.status = 'sending' and d.attempts = attempt;
    return case when found then tried.status end;
  end
  $$;

comment on function api.record_backchannel_logout_attempt(text, bigint, integer, integer, text, integer) is
  'Records how attempt number `attempt` of a logout token went: 2xx delivered; otherwise pending again in '
  'retry_in_seconds, or failed when that is null. Returns the new status, or null when the claim was no longer '
  'this attempt''s.';

grant execute on function api.record_backchannel_logout_attempt(text, bigint, integer, integer, text, integer)
  to astapa_app;

create or replace function api.list_backchannel_logouts(max_logouts integer default 50) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'id', d.id::text, 'client_id', d.client_id, 'url', d.url, 'sid', d.session_id, 'sub', d.user_id::text,
      'status', d.status, 'attempts', d.attempts, 'last_status', d.last_status, 'last_error', d.last_error,
      'created_at', d.created_at, 'delivered_at', d.delivered_at) order by d.id desc), '[]')
    from (select * from astapa.backchannel_logouts as b
          where b.project_id = (select astapa.current_project_id())
          order by b.id desc limit least(greatest(max_logouts, 1), 200)) as d
  $$;

comment on function api.list_backchannel_logouts(integer) is
  'The current project''s latest logout tokens (at most 200, newest first): to whom, how each went.';

grant execute on function api.list_backchannel_logouts(integer) to astapa_app;

create or replace function api.update_logout_settings(project_id text, changes jsonb, internal_reason text default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    merged jsonb;
  begin
    -- The SSRF guard's verdict on backchannel_logout_uri is made in TypeScript (it resolves the host,
    -- lib/webhooks/address_guard.ts); sandbox projects may point at local receivers while developing.
    if internal_reason is not null and astapa.require_project(project_id) = 'production' then
      perform astapa.raise_problems(pg_catalog.jsonb_build_object('backchannel_logout_uri',
        pg_catalog.jsonb_build_array('A production project''s logout tokens must go to a public address: '
                                     || internal_reason)));
    end if;
    if changes is null or pg_catalog.jsonb_typeof(changes) <> 'object' then
      raise exception using errcode = 'AS400', message = 'Give the logout settings to change as a JSON object.';
    end if;
    -- Key by key: a key given replaces that key, null returns it to its default (none registered).
    merged := pg_catalog.jsonb_strip_nulls(coalesce(
      (select p.settings -> 'logout' from astapa.projects as p where p.id = update_logout_settings.project_id),
      '{}') || changes);
    return api.update_project_settings(project_id, pg_catalog.jsonb_build_object('logout',
      case when merged = '{}'::jsonb then 'null'::jsonb else merged end));
  end
  $$;

comment on function api.update_logout_settings(text, jsonb, text) is
  'Changes the project client''s logout metadata (settings.logout: post_logout_redirect_uris, '
  'backchannel_logout_uri, backchannel_logout_session_required) key by key, null removing one, through '
  'api.update_project_settings (validated by astapa.logout_setting_problem, audited as project.settings). AS400 '
  '(fields.backchannel_logout_uri) when internal_reason — why the URL reaches an internal address — is set and '
  'the project is in production. Returns the project.';

grant execute on function api.update_logout_settings(text, jsonb, text) to astapa_app;

drop policy if exists "the sweeper finds old backchannel logouts" on astapa.backchannel_logouts;
create policy "the sweeper finds old backchannel logouts" on astapa.backchannel_logouts
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_backchannel_logouts', true) = 'on');

drop policy if exists "the sweeper removes old backchannel logouts" on astapa.backchannel_logouts;
create policy "the sweeper removes old backchannel logouts" on astapa.backchannel_logouts
  for delete to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_backchannel_logouts', true) = 'on');

create or replace function api.sweep_backchannel_logouts() returns integer
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    swept integer;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'The logout sweeper runs outside any project.';
    end if;
    perform pg_catalog.set_config('astapa.sweep_backchannel_logouts', 'on', true);
    delete from astapa.backchannel_logouts as d
    where d.status in ('delivered', 'failed') and d.created_at < pg_catalog.now() - interval '30 days';
    get diagnostics swept = row_count;
    perform pg_catalog.set_config('astapa.sweep_backchannel_logouts', '', true);
    return swept;
  end
  $$;

comment on function api.sweep_backchannel_logouts() is
  'Deletes logout tokens delivered or given up more than 30 days ago, across projects; returns how many. '
  'Security definer because the app role may not delete them at all: it runs only with no project set, '
  'through the owner-only policies "the sweeper finds/removes old backchannel logouts", on for its own duration. '
  'Called after the hourly grant sweep (lib/tokens/grant_sweeper.ts).';

revoke execute on function api.sweep_backchannel_logouts() from public;
grant execute on function api.sweep_backchannel_logouts() to astapa_app;
