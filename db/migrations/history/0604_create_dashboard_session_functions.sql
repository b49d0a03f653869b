-- Dashboard sessions: started after a console sign-in, looked up on every dashboard request, ended on sign-out.

create function api.start_dashboard_session(session_hash bytea, account_id bigint, ttl_seconds integer)
  returns timestamptz
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    expires timestamptz;
  begin
    if session_hash is null or pg_catalog.length(session_hash) <> 32 then
      raise exception using errcode = 'AS400', message = 'A session is stored as a SHA-256 digest (32 bytes).';
    end if;
    if ttl_seconds is null or ttl_seconds not between 60 and 2592000 then
      raise exception using errcode = 'AS400', message = 'Dashboard sessions last 1 minute to 30 days.';
    end if;
    if not exists (select from astapa.accounts as a where a.id = start_dashboard_session.account_id) then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Account %s was not found.', account_id);
    end if;
    insert into astapa.dashboard_sessions (session_hash, account_id, expires_at)
    values (session_hash, account_id, pg_catalog.now() + pg_catalog.make_interval(secs => ttl_seconds))
    returning expires_at into expires;
    return expires;
  end
  $$;

comment on function api.start_dashboard_session(bytea, bigint, integer) is
  'Starts a dashboard session for the account, stored by the SHA-256 of its cookie token; returns its expiry.';

grant execute on function api.start_dashboard_session(bytea, bigint, integer) to astapa_app;

create function api.dashboard_session(session_hash bytea) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.account_json(s.account_id) || pg_catalog.jsonb_build_object('expires_at', s.expires_at)
    from astapa.dashboard_sessions as s
    where s.session_hash = dashboard_session.session_hash
      and s.ended_at is null and s.expires_at > pg_catalog.now()
  $$;

comment on function api.dashboard_session(bytea) is
  'The account a live dashboard session signs in (with the session''s expiry), or null.';

grant execute on function api.dashboard_session(bytea) to astapa_app;

create function api.end_dashboard_session(session_hash bytea) returns boolean
  language sql
  volatile
  set search_path = ''
  as $$
    with ended as (
      update astapa.dashboard_sessions as s set ended_at = pg_catalog.now()
      where s.session_hash = end_dashboard_session.session_hash and s.ended_at is null
      returning 1)
    select exists (select from ended)
  $$;

comment on function api.end_dashboard_session(bytea) is 'Ends a dashboard session (sign-out); false when it was not live.';

grant execute on function api.end_dashboard_session(bytea) to astapa_app;
