-- What SSO sign-ins of either protocol share once kept for a later sign-out (astapa.sso_saml_sign_ins, migration
-- 4314; astapa.sso_oidc_sign_ins, 4315): whose row it is — a live session, or an open second-factor challenge
-- until the met challenge starts the session —, the move from one to the other, and what a sign-out at Astapa
-- tells the IdP. What each protocol keeps and how its IdP's logout finds sessions stay in
-- db/api/saml_single_logout.sql and db/api/oidc_backchannel_logout.sql.

create or replace function astapa.assert_sso_sign_in_key(project text, session_hash bytea, challenge_hash bytea)
  returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    if assert_sso_sign_in_key.session_hash is not null then
      if not exists (select from astapa.login_sessions s
                     where s.project_id = project and s.token_hash = assert_sso_sign_in_key.session_hash
                       and s.ended_at is null) then
        raise exception using errcode = 'AS404', message = 'No live session of this project has this token.';
      end if;
    -- A challenge of the project that is still open (its foreign key alone would accept a used one).
    elsif not exists (select from astapa.mfa_challenges m
                      where m.project_id = project and m.token_hash = assert_sso_sign_in_key.challenge_hash
                        and m.used_at is null and m.expires_at > pg_catalog.now()) then
      raise exception using errcode = 'AS404', message = 'No open second-factor challenge has this token.';
    end if;
  end
  $$;

comment on function astapa.assert_sso_sign_in_key(text, bytea, bytea) is
  'What an SSO sign-in is kept with: a live session of the project (session_hash given), else an open second-factor '
  'challenge of it (AS404 for either missing). For astapa.keep_saml_sign_in, astapa.keep_oidc_sign_in and '
  'api.carry_sso_sign_in.';

grant execute on function astapa.assert_sso_sign_in_key(text, bytea, bytea) to astapa_app;

create or replace function api.carry_sso_sign_in(challenge_hash bytea, session_hash bytea) returns boolean
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
  begin
    -- A challenge holds one sign-in of one protocol at most (it started from one IdP's answer).
    update astapa.sso_saml_sign_ins x set session_hash = carry_sso_sign_in.session_hash, challenge_hash = null
    where x.project_id = project and x.challenge_hash = carry_sso_sign_in.challenge_hash;
    if not found then
      update astapa.sso_oidc_sign_ins x set session_hash = carry_sso_sign_in.session_hash, challenge_hash = null
      where x.project_id = project and x.challenge_hash = carry_sso_sign_in.challenge_hash;
      if not found then
        return false;
      end if;
    end if;
    perform astapa.assert_sso_sign_in_key(project, carry_sso_sign_in.session_hash, null);
    return true;
  end
  $$;

comment on function api.carry_sso_sign_in(bytea, bytea) is
  'Moves the SSO sign-in (SAML or OpenID Connect) held with a met second-factor challenge of the current project to '
  'the live session the challenge started, in the transaction that starts it: the row keeps its facts, its session '
  'set and its challenge cleared. False when the challenge held none; AS404 when the session is not live. Every way '
  'of meeting a challenge (an app code, a recovery code, a passkey, a phone code) calls it.';

grant execute on function api.carry_sso_sign_in(bytea, bytea) to astapa_app;

create or replace function api.sso_logout_of_session(session_hash bytea) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(
      (select pg_catalog.jsonb_build_object('protocol', 'saml', 'connection_id', x.connection_id,
                                            'name_id', x.name_id, 'name_id_format', x.name_id_format,
                                            'session_index', x.session_index)
       from astapa.sso_saml_sign_ins x
       join astapa.sso_connections c on c.project_id = x.project_id and c.id = x.connection_id
       where x.project_id = (select astapa.current_project_id())
         and x.session_hash = sso_logout_of_session.session_hash
         and c.protocol = 'saml' and c.enabled and c.idp_slo_url is not null),
      (select pg_catalog.jsonb_build_object('protocol', 'oidc', 'connection_id', x.connection_id,
                                            'id_token_sealed', x.id_token_sealed)
       from astapa.sso_oidc_sign_ins x
       join astapa.sso_connections c on c.project_id = x.project_id and c.id = x.connection_id
       where x.project_id = (select astapa.current_project_id())
         and x.session_hash = sso_logout_of_session.session_hash
         and c.protocol = 'oidc' and c.enabled and x.id_token_sealed is not null))
    where exists (select from astapa.login_sessions s
                  where s.project_id = (select astapa.current_project_id())
                    and s.token_hash = sso_logout_of_session.session_hash and s.ended_at is null)
  $$;

comment on function api.sso_logout_of_session(bytea) is
  'What a sign-out at Astapa tells the IdP about a live session of the current project that an SSO sign-in started: '
  'SAML {protocol: saml, connection_id, name_id, name_id_format, session_index} while its connection is enabled and '
  'has an idp_slo_url; OpenID Connect {protocol: oidc, connection_id, id_token_sealed} (the id_token_hint of '
  'RP-initiated logout) while its connection is enabled and the ID token was kept. Null otherwise, or when the '
  'session is not live (the sign-out then ends the Astapa session only). Whether an OpenID Connect IdP has an '
  'end_session_endpoint is the app''s to find out (its discovery document).';

grant execute on function api.sso_logout_of_session(bytea) to astapa_app;

create or replace function astapa.forget_sso_sign_ins() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- Read before the session ends (a sign-out takes what it tells the IdP first: api.sso_logout_of_session), and
    -- no use after: an IdP's logout ends live sessions only. The IdP's ID token holds the person's address, name
    -- and groups, and its NameID is often the address: kept no longer than the session, erasure included.
    delete from astapa.sso_saml_sign_ins x where x.project_id = new.project_id and x.session_hash = new.token_hash;
    delete from astapa.sso_oidc_sign_ins x where x.project_id = new.project_id and x.session_hash = new.token_hash;
    return null;
  end
  $$;

comment on function astapa.forget_sso_sign_ins() is
  'Trigger: when a hosted-login session ends (ended_at set), whatever path ended it, deletes the SSO sign-in kept '
  'for its sign-out (astapa.sso_saml_sign_ins, astapa.sso_oidc_sign_ins).';

grant execute on function astapa.forget_sso_sign_ins() to astapa_app;

create or replace trigger login_sessions_forget_sso_sign_ins after update of ended_at on astapa.login_sessions
  for each row when (old.ended_at is null and new.ended_at is not null)
  execute function astapa.forget_sso_sign_ins();
