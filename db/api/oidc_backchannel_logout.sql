-- OpenID Connect Back-Channel Logout 1.0 received from an organization's IdP (docs/enterprise-sso.md "Back-channel
-- logout from the IdP"): the OpenID Connect SSO sign-in behind each hosted-login session, or held with a
-- second-factor challenge until it starts one (astapa.sso_oidc_sign_ins, migration 4315: the ID token's sub and sid
-- and the sealed ID token), and the sessions an IdP's verified logout token ends. The app verifies the logout
-- token's signature, issuer, audience, times, events and nonce before it calls api.end_oidc_sessions, which records
-- its jti (once) and ends the sessions as a sign-out ends them (astapa.end_session_grants: refresh tokens revoked,
-- logout tokens to the apps queued). The SAML counterpart is db/api/saml_single_logout.sql; what both protocols
-- share (the move from challenge to session, what a sign-out tells the IdP) is db/api/sso_sign_ins.sql.

drop policy if exists "a project reads its own oidc sign ins" on astapa.sso_oidc_sign_ins;
create policy "a project reads its own oidc sign ins" on astapa.sso_oidc_sign_ins
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own oidc sign ins" on astapa.sso_oidc_sign_ins;
create policy "a project records its own oidc sign ins" on astapa.sso_oidc_sign_ins
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

-- One update policy for the two updates the grant allows: the move from challenge to session
-- (api.carry_sso_sign_in) and the operator's reseal of the ID token (api.replace_sealed_values).
drop policy if exists "a project carries its own oidc sign ins on and reseals their id tokens"
  on astapa.sso_oidc_sign_ins;
create policy "a project carries its own oidc sign ins on and reseals their id tokens" on astapa.sso_oidc_sign_ins
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

-- Forgotten when the session ends (astapa.forget_sso_sign_ins) and, held with a challenge nobody met, by the grant
-- sweeper a day later (api.sweep_grants).
drop policy if exists "a project forgets its own oidc sign ins" on astapa.sso_oidc_sign_ins;
create policy "a project forgets its own oidc sign ins" on astapa.sso_oidc_sign_ins
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "the sweeper finds oidc sign ins of unmet challenges" on astapa.sso_oidc_sign_ins;
create policy "the sweeper finds oidc sign ins of unmet challenges" on astapa.sso_oidc_sign_ins
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

drop policy if exists "the sweeper removes oidc sign ins of unmet challenges" on astapa.sso_oidc_sign_ins;
create policy "the sweeper removes oidc sign ins of unmet challenges" on astapa.sso_oidc_sign_ins
  for delete to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

create or replace function astapa.keep_oidc_sign_in(
  session_hash bytea,
  challenge_hash bytea,
  connection_id text,
  subject text,
  idp_sid text,
  id_token_sealed text
) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
  begin
    if project is null then
      raise exception using errcode = 'AS403', message = 'An OpenID Connect SSO session is kept for one project.';
    end if;
    if subject is null or pg_catalog.length(subject) not between 1 and 255
       or pg_catalog.length(idp_sid) not between 1 and 255 then
      raise exception using errcode = 'AS400',
        message = 'An OpenID Connect SSO session needs its sub (1 to 255 characters); a sid is 1 to 255.';
    end if;
    perform astapa.assert_sso_sign_in_key(project, keep_oidc_sign_in.session_hash, keep_oidc_sign_in.challenge_hash);
    insert into astapa.sso_oidc_sign_ins (project_id, session_hash, challenge_hash, connection_id, subject, idp_sid,
                                          id_token_sealed)
    values (project, keep_oidc_sign_in.session_hash, keep_oidc_sign_in.challenge_hash, keep_oidc_sign_in.connection_id,
            keep_oidc_sign_in.subject, keep_oidc_sign_in.idp_sid, keep_oidc_sign_in.id_token_sealed);
  end
  $$;

comment on function astapa.keep_oidc_sign_in(bytea, bytea, text, text, text, text) is
  'What api.record_oidc_session and api.hold_oidc_sign_in both do, the one with a live session of the current '
  'project, the other with an open second-factor challenge (astapa.assert_sso_sign_in_key: the session when given): '
  'checks the fields — a project (AS403), a sub of 1 to 255 characters and a sid of 1 to 255 when given (AS400) — '
  'and keeps the sign-in.';

grant execute on function astapa.keep_oidc_sign_in(bytea, bytea, text, text, text, text) to astapa_app;

create or replace function api.record_oidc_session(
  session_hash bytea,
  connection_id text,
  subject text,
  idp_sid text,
  id_token_sealed text
) returns void
  language sql
  volatile
  set search_path = ''
  as $$
    select astapa.keep_oidc_sign_in(session_hash, null, connection_id, subject, idp_sid, id_token_sealed)
  $$;

comment on function api.record_oidc_session(bytea, text, text, text, text) is
  'Records the OpenID Connect SSO sign-in behind a live session of the current project, in the transaction that '
  'starts it: the connection, the ID token''s sub and sid (null when the IdP sent none) and the ID token itself, '
  'sealed by the app (for RP-initiated logout at the IdP; null: none kept), through astapa.keep_oidc_sign_in. AS404 '
  'no such live session, AS400 a bad field, AS403 no project. A connection unknown to the project fails its foreign '
  'key.';

grant execute on function api.record_oidc_session(bytea, text, text, text, text) to astapa_app;

create or replace function api.hold_oidc_sign_in(
  challenge_hash bytea,
  connection_id text,
  subject text,
  idp_sid text,
  id_token_sealed text
) returns void
  language sql
  volatile
  set search_path = ''
  as $$
    select astapa.keep_oidc_sign_in(null, challenge_hash, connection_id, subject, idp_sid, id_token_sealed)
  $$;

comment on function api.hold_oidc_sign_in(bytea, text, text, text, text) is
  'Keeps an OpenID Connect SSO sign-in''s connection, sub, sid and sealed ID token with the second-factor challenge '
  'it started (no session yet), for api.carry_sso_sign_in, through astapa.keep_oidc_sign_in. AS404 no such open '
  'challenge of the project, AS400 a bad field, AS403 no project.';

grant execute on function api.hold_oidc_sign_in(bytea, text, text, text, text) to astapa_app;

create or replace function astapa.end_sso_sessions(
  session_hashes bytea[],
  action text,
  connection_id text
) returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    ended integer := 0;
    person record;
  begin
    -- The users' rows first, in id order, then their sessions: the lock order of api.end_login_session and a
    -- sign-out everywhere (astapa.void_ways_back).
    perform from astapa.users u
    where u.project_id = project and u.id in (
      select s.user_id from astapa.login_sessions s
      where s.project_id = project and s.token_hash = any(end_sso_sessions.session_hashes) and s.ended_at is null)
    order by u.id
    for update of u;
    -- Ending them is a sign-out's end: astapa.end_session_grants revokes their refresh tokens (but offline ones)
    -- and queues logout tokens to the apps they signed in to.
    for person in
      with gone as (
        update astapa.login_sessions s set ended_at = pg_catalog.now()
        where s.project_id = project and s.token_hash = any(end_sso_sessions.session_hashes) and s.ended_at is null
        returning s.user_id
      )
      select g.user_id, pg_catalog.count(*)::integer as sessions from gone g group by g.user_id
    loop
      perform astapa.audit(project, end_sso_sessions.action, 'user:' || person.user_id,
        pg_catalog.jsonb_build_object('connection', end_sso_sessions.connection_id, 'sessions', person.sessions));
      ended := ended + person.sessions;
    end loop;
    return ended;
  end
  $$;

comment on function astapa.end_sso_sessions(bytea[], text, text) is
  'Ends the live sessions of the current project among session_hashes, as a sign-out ends them (astapa.end_session_grants: '
  'refresh tokens revoked, logout tokens queued), the users'' rows locked first; audited `action` per user '
  '{connection, sessions}. How many ended. For an IdP''s logout whose sessions the caller found (api.end_oidc_sessions, '
  'api.end_saml_sessions).';

grant execute on function astapa.end_sso_sessions(bytea[], text, text) to astapa_app;

create or replace function api.end_oidc_sessions(
  connection_id text,
  jti text,
  expires_at timestamptz,
  subject text,
  idp_sid text
) returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
  begin
    if project is null then
      raise exception using errcode = 'AS403', message = 'Back-channel logout acts for one project.';
    end if;
    if subject is null and idp_sid is null then
      raise exception using errcode = 'AS400', message = 'A logout token names a sub, a sid or both.';
    end if;
    -- Only an enabled OpenID Connect connection of the project hears its IdP (a disabled one is as if none).
    if not exists (select from astapa.sso_connections c
                   where c.project_id = project and c.id = end_oidc_sessions.connection_id and c.protocol = 'oidc'
                     and c.enabled) then
      raise exception using errcode = 'AS404', message = 'No enabled OpenID Connect connection has this id.';
    end if;
    -- Once per jti (AS409 a replay, AS400 a bad jti), recorded with the sessions' end in one transaction.
    perform api.record_sso_message_id(end_oidc_sessions.connection_id, end_oidc_sessions.jti,
                                      end_oidc_sessions.expires_at);
    return astapa.end_sso_sessions(array(
      select x.session_hash from astapa.sso_oidc_sign_ins x
      where x.project_id = project and x.connection_id = end_oidc_sessions.connection_id
        and x.session_hash is not null
        and (end_oidc_sessions.subject is null or x.subject = end_oidc_sessions.subject)
        and (end_oidc_sessions.idp_sid is null or x.idp_sid = end_oidc_sessions.idp_sid)),
      'user.idp_backchannel_logout', end_oidc_sessions.connection_id);
  end
  $$;

comment on function api.end_oidc_sessions(text, text, timestamptz, text, text) is
  'Takes a verified back-channel logout token of an enabled OpenID Connect connection of the current project: '
  'records its jti until expires_at (AS409 when it was used before: nothing ends) and ends the live sessions that '
  'sign-ins through the connection started for the IdP sid (with the sub too when both are given) or, with sub only, '
  'for the IdP subject, as a sign-out ends them (astapa.end_session_grants: refresh tokens revoked, logout tokens '
  'queued); the users'' rows locked first. Audited user.idp_backchannel_logout per user {connection, sessions}. '
  'Returns how many ended (0: nothing to end, which back-channel logout counts as done). AS400 neither sub nor sid, '
  'or a bad jti; AS404 no enabled OpenID Connect connection of the project has the id; AS403 no project.';

grant execute on function api.end_oidc_sessions(text, text, timestamptz, text, text) to astapa_app;
