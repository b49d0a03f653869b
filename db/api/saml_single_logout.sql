-- SAML Single Logout (docs/enterprise-sso.md "Single logout"): the SAML sign-in behind each hosted-login session,
-- or held with a second-factor challenge until it starts one (astapa.sso_saml_sign_ins, migration 4314), and the
-- sessions an IdP's verified LogoutRequest ends. The app verifies the LogoutRequest's signature, issuer,
-- destination, freshness and ID (once, api.record_sso_message_id) before it calls api.end_saml_sessions; the
-- sessions end as a sign-out ends them (their refresh tokens revoked and logout tokens queued by
-- astapa.end_session_grants). What a sign-out at Astapa tells the IdP, and the move from challenge to session, are
-- the same for both protocols (db/api/sso_sign_ins.sql).

drop policy if exists "a project reads its own saml sign ins" on astapa.sso_saml_sign_ins;
create policy "a project reads its own saml sign ins" on astapa.sso_saml_sign_ins
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own saml sign ins" on astapa.sso_saml_sign_ins;
create policy "a project records its own saml sign ins" on astapa.sso_saml_sign_ins
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project carries its own saml sign ins on to their sessions" on astapa.sso_saml_sign_ins;
create policy "a project carries its own saml sign ins on to their sessions" on astapa.sso_saml_sign_ins
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

-- Forgotten when the session ends (astapa.forget_sso_sign_ins) and, held with a challenge nobody met, by the grant
-- sweeper a day later (api.sweep_grants).
drop policy if exists "a project forgets its own saml sign ins" on astapa.sso_saml_sign_ins;
create policy "a project forgets its own saml sign ins" on astapa.sso_saml_sign_ins
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "the sweeper finds saml sign ins of unmet challenges" on astapa.sso_saml_sign_ins;
create policy "the sweeper finds saml sign ins of unmet challenges" on astapa.sso_saml_sign_ins
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

drop policy if exists "the sweeper removes saml sign ins of unmet challenges" on astapa.sso_saml_sign_ins;
create policy "the sweeper removes saml sign ins of unmet challenges" on astapa.sso_saml_sign_ins
  for delete to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

create or replace function astapa.keep_saml_sign_in(
  session_hash bytea,
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
    if project is null then
      raise exception using errcode = 'AS403', message = 'A SAML session is kept for one project.';
    end if;
    if name_id is null or pg_catalog.length(name_id) not between 1 and 1024
       or pg_catalog.length(name_id_format) > 256 or pg_catalog.length(session_index) not between 1 and 256 then
      raise exception using errcode = 'AS400',
        message = 'A SAML session needs its NameID (1 to 1024 characters); a SessionIndex is 1 to 256.';
    end if;
    perform astapa.assert_sso_sign_in_key(project, keep_saml_sign_in.session_hash, keep_saml_sign_in.challenge_hash);
    insert into astapa.sso_saml_sign_ins (project_id, session_hash, challenge_hash, connection_id, name_id,
                                          name_id_format, session_index)
    values (project, keep_saml_sign_in.session_hash, keep_saml_sign_in.challenge_hash, keep_saml_sign_in.connection_id,
            keep_saml_sign_in.name_id, nullif(keep_saml_sign_in.name_id_format, ''), keep_saml_sign_in.session_index);
  end
  $$;

comment on function astapa.keep_saml_sign_in(bytea, bytea, text, text, text, text) is
  'What api.record_saml_session and api.hold_saml_sign_in both do, the one with a live session of the current '
  'project, the other with an open second-factor challenge (astapa.assert_sso_sign_in_key: the session when given): '
  'checks the fields — a project (AS403), a NameID of 1 to 1024 characters, a format of at most 256 ('''' is none) '
  'and a SessionIndex of 1 to 256 when given (AS400) — and keeps the sign-in.';

grant execute on function astapa.keep_saml_sign_in(bytea, bytea, text, text, text, text) to astapa_app;

create or replace function api.record_saml_session(
  session_hash bytea,
  connection_id text,
  name_id text,
  name_id_format text,
  session_index text
) returns void
  language sql
  volatile
  set search_path = ''
  as $$
    select astapa.keep_saml_sign_in(session_hash, null, connection_id, name_id, name_id_format, session_index)
  $$;

comment on function api.record_saml_session(bytea, text, text, text, text) is
  'Records the SAML sign-in behind a live session of the current project, in the transaction that starts it: the '
  'connection, the assertion''s NameID (and its format) and SessionIndex (null when the IdP sent none), through '
  'astapa.keep_saml_sign_in. AS404 no such live session, AS400 a bad field, AS403 no project. A connection unknown '
  'to the project fails its foreign key.';

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
      select x.session_hash from astapa.sso_saml_sign_ins x
      where x.project_id = project and x.connection_id = end_saml_sessions.connection_id
        and x.session_hash is not null
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

create or replace function api.hold_saml_sign_in(
  challenge_hash bytea,
  connection_id text,
  name_id text,
  name_id_format text,
  session_index text
) returns void
  language sql
  volatile
  set search_path = ''
  as $$
    select astapa.keep_saml_sign_in(null, challenge_hash, connection_id, name_id, name_id_format, session_index)
  $$;

comment on function api.hold_saml_sign_in(bytea, text, text, text, text) is
  'Keeps a SAML sign-in''s connection, NameID (and format) and SessionIndex with the second-factor challenge it '
  'started (no session yet), for api.carry_sso_sign_in, through astapa.keep_saml_sign_in. AS404 no such open '
  'challenge of the project, AS400 a bad field, AS403 no project.';

grant execute on function api.hold_saml_sign_in(bytea, text, text, text, text) to astapa_app;
