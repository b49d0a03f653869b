-- SAML Single Logout (docs/enterprise-sso.md "Single logout"): the SAML sign-in behind each hosted-login session
-- (astapa.sso_saml_sessions, migration 4285; held with a second-factor challenge until it starts one,
-- astapa.sso_saml_challenges, migration 4286), the sessions an IdP's verified LogoutRequest ends, and what a sign-out
-- at Astapa tells the IdP. The app verifies the LogoutRequest's signature, issuer, destination, freshness and ID
-- (once, api.record_sso_message_id) before it calls api.end_saml_sessions; the sessions end as a sign-out ends them
-- (their refresh tokens revoked and logout tokens queued by astapa.end_session_grants).

drop policy if exists "a project reads its own saml sessions" on astapa.sso_saml_sessions;
create policy "a project reads its own saml sessions" on astapa.sso_saml_sessions
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own saml sessions" on astapa.sso_saml_sessions;
create policy "a project records its own saml sessions" on astapa.sso_saml_sessions
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own saml challenges" on astapa.sso_saml_challenges;
create policy "a project reads its own saml challenges" on astapa.sso_saml_challenges
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own saml challenges" on astapa.sso_saml_challenges;
create policy "a project records its own saml challenges" on astapa.sso_saml_challenges
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project carries its own saml challenges on" on astapa.sso_saml_challenges;
create policy "a project carries its own saml challenges on" on astapa.sso_saml_challenges
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create or replace function astapa.assert_saml_session_fields(
  project text,
  name_id text,
  name_id_format text,
  session_index text
) returns void
  language plpgsql
  immutable
  set search_path = ''
  as $$
  begin
    if project is null then
      raise exception using errcode = 'AS403', message = 'A SAML session is kept for one project.';
    end if;
    if name_id is null or pg_catalog.length(name_id) not between 1 and 1024
       or pg_catalog.length(name_id_format) > 256 or pg_catalog.length(session_index) not between 1 and 256 then
      raise exception using errcode = 'AS400',
        message = 'A SAML session needs its NameID (1 to 1024 characters); a SessionIndex is 1 to 256.';
    end if;
  end
  $$;

comment on function astapa.assert_saml_session_fields(text, text, text, text) is
  'What a SAML sign-in kept for single logout must be (api.record_saml_session, api.hold_saml_sign_in): a project '
  '(AS403), a NameID of 1 to 1024 characters, a format of at most 256 and a SessionIndex of 1 to 256 when given '
  '(AS400).';

grant execute on function astapa.assert_saml_session_fields(text, text, text, text) to astapa_app;

create or replace function api.record_saml_session(
  session_hash bytea,
  connection_id text,
  name_id text,
  name_id_format text,
  session_index text
) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
  begin
    perform astapa.assert_saml_session_fields(project, name_id, name_id_format, session_index);
    if not exists (select from astapa.login_sessions s
                   where s.project_id = project and s.token_hash = record_saml_session.session_hash
                     and s.ended_at is null) then
      raise exception using errcode = 'AS404', message = 'No live session of this project has this token.';
    end if;
    insert into astapa.sso_saml_sessions (project_id, session_hash, connection_id, name_id, name_id_format,
                                          session_index)
    values (project, record_saml_session.session_hash, record_saml_session.connection_id, record_saml_session.name_id,
            nullif(record_saml_session.name_id_format, ''), record_saml_session.session_index);
  end
  $$;

comment on function api.record_saml_session(bytea, text, text, text, text) is
  'Records the SAML sign-in behind a live session of the current project, in the transaction that starts it: the '
  'connection, the assertion''s NameID (and its format) and SessionIndex (null when the IdP sent none). AS404 no '
  'such live session, AS400 a bad field, AS403 no project. A connection unknown to the project fails its foreign key.';

grant execute on function api.record_saml_session(bytea, text, text, text, text) to astapa_app;

create or replace function api.end_saml_sessions(connection_id text, name_id text, session_index text default null)
  returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
  begin
    if project is null then
      raise exception using errcode = 'AS403', message = 'SAML single logout acts for one project.';
    end if;
    return astapa.end_sso_sessions(array(
      select x.session_hash from astapa.sso_saml_sessions x
      where x.project_id = project and x.connection_id = end_saml_sessions.connection_id
        and x.name_id = end_saml_sessions.name_id
        and (end_saml_sessions.session_index is null or x.session_index = end_saml_sessions.session_index)),
      'user.saml_logout', end_saml_sessions.connection_id);
  end
  $$;

comment on function api.end_saml_sessions(text, text, text) is
  'Ends the live sessions of the current project that a SAML sign-in through the connection started for the NameID '
  '(only the one with that SessionIndex when one is given), as a sign-out ends them (astapa.end_session_grants: '
  'refresh tokens revoked, logout tokens queued); the users'' rows locked first. Audited user.saml_logout per user '
  '{connection, sessions}. Returns how many ended (0: nothing to end, which single logout counts as done). The '
  'caller has verified the IdP''s signed LogoutRequest. AS403 no project.';

grant execute on function api.end_saml_sessions(text, text, text) to astapa_app;

create or replace function api.saml_logout_of_session(session_hash bytea) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('connection_id', x.connection_id, 'name_id', x.name_id,
                                         'name_id_format', x.name_id_format, 'session_index', x.session_index)
    from astapa.sso_saml_sessions x
    join astapa.login_sessions s on s.project_id = x.project_id and s.token_hash = x.session_hash
    join astapa.sso_connections c on c.project_id = x.project_id and c.id = x.connection_id
    where x.project_id = (select astapa.current_project_id()) and x.session_hash = saml_logout_of_session.session_hash
      and s.ended_at is null and c.protocol = 'saml' and c.enabled and c.idp_slo_url is not null
  $$;

comment on function api.saml_logout_of_session(bytea) is
  'What a sign-out at Astapa tells the IdP about a live session of the current project that a SAML sign-in started: '
  '{connection_id, name_id, name_id_format, session_index}; null when the session is not live, did not come from '
  'SAML, or its connection is disabled or has no idp_slo_url (the sign-out then ends the Astapa session only).';

grant execute on function api.saml_logout_of_session(bytea) to astapa_app;

create or replace function api.hold_saml_sign_in(
  challenge_hash bytea,
  connection_id text,
  name_id text,
  name_id_format text,
  session_index text
) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
  begin
    perform astapa.assert_saml_session_fields(project, name_id, name_id_format, session_index);
    -- A challenge of the project that is still open (its foreign key alone would accept a used one).
    if not exists (select from astapa.mfa_challenges m
                   where m.project_id = project and m.token_hash = hold_saml_sign_in.challenge_hash
                     and m.used_at is null and m.expires_at > pg_catalog.now()) then
      raise exception using errcode = 'AS404', message = 'No open second-factor challenge has this token.';
    end if;
    insert into astapa.sso_saml_challenges (project_id, challenge_hash, connection_id, name_id, name_id_format,
                                            session_index)
    values (project, hold_saml_sign_in.challenge_hash, hold_saml_sign_in.connection_id, hold_saml_sign_in.name_id,
            nullif(hold_saml_sign_in.name_id_format, ''), hold_saml_sign_in.session_index);
  end
  $$;

comment on function api.hold_saml_sign_in(bytea, text, text, text, text) is
  'Keeps a SAML sign-in''s connection, NameID (and format) and SessionIndex with the second-factor challenge it '
  'started (no session yet), for api.carry_saml_sign_in. AS404 no such open challenge of the project, AS400 a bad '
  'field, AS403 no project.';

grant execute on function api.hold_saml_sign_in(bytea, text, text, text, text) to astapa_app;

create or replace function api.carry_saml_sign_in(challenge_hash bytea, session_hash bytea) returns boolean
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    held astapa.sso_saml_challenges;
  begin
    delete from astapa.sso_saml_challenges x
    where x.project_id = project and x.challenge_hash = carry_saml_sign_in.challenge_hash
    returning * into held;
    if held.project_id is null then
      return false;
    end if;
    perform api.record_saml_session(carry_saml_sign_in.session_hash, held.connection_id, held.name_id,
                                    held.name_id_format, held.session_index);
    return true;
  end
  $$;

comment on function api.carry_saml_sign_in(bytea, bytea) is
  'Moves the SAML sign-in held with a met second-factor challenge to the session the challenge started '
  '(api.record_saml_session), in the transaction that starts it; false when the challenge held none (every met '
  'challenge calls it).';

grant execute on function api.carry_saml_sign_in(bytea, bytea) to astapa_app;
