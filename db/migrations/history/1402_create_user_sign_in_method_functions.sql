-- A user's ways to sign in (a password, Google, GitHub) as the dashboard shows them, and unlinking one —
-- never the last.

create function api.user_sign_in_methods(project_id text, user_id bigint) returns jsonb
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  declare
    has_password boolean;
    registered_email text;
    registered_at timestamptz;
  begin
    if project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403', message = 'Sign-in methods are listed for the project the request acts for.';
    end if;
    select u.password_hash is not null, u.email, u.created_at into has_password, registered_email, registered_at
    from astapa.users as u where u.project_id = user_sign_in_methods.project_id and u.id = user_sign_in_methods.user_id;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    return (
      select coalesce(pg_catalog.jsonb_agg(m.method order by m.linked_at, m.method ->> 'provider'), '[]')
      from (
        select pg_catalog.jsonb_build_object('provider', 'password', 'subject', null, 'email', registered_email,
                 'linked_at', registered_at) as method, registered_at as linked_at
        where has_password
        union all
        select pg_catalog.jsonb_build_object('provider', i.provider, 'subject', i.subject, 'email', i.email,
                 'linked_at', i.created_at), i.created_at
        from astapa.identities as i
        where i.project_id = user_sign_in_methods.project_id and i.user_id = user_sign_in_methods.user_id) as m);
  end
  $$;

comment on function api.user_sign_in_methods(text, bigint) is
  'A user''s ways to sign in: {provider: password|google|github, subject, email, linked_at}, oldest first. '
  'Security definer because the app role cannot read password hashes (it learns only whether one is set); RLS '
  'still applies and the guard refuses any project but the one the transaction acts for. AS404 unknown user.';

grant execute on function api.user_sign_in_methods(text, bigint) to astapa_app;

create function api.unlink_sign_in_method(project_id text, user_id bigint, provider text, subject text default null)
  returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    methods jsonb;
  begin
    if project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403', message = 'Sign-in methods are changed for the project the request acts for.';
    end if;
    if provider is null or provider not in ('password', 'google', 'github') then
      raise exception using errcode = 'AS400', message = 'A sign-in method is password, google or github.';
    end if;
    -- One change at a time per user, so two unlinks cannot together remove the last two methods.
    perform from astapa.users as u
    where u.project_id = unlink_sign_in_method.project_id and u.id = unlink_sign_in_method.user_id
    for no key update;
    methods := api.user_sign_in_methods(project_id, user_id);
    if not exists (select from pg_catalog.jsonb_array_elements(methods) as m
                   where m ->> 'provider' = provider
                     and (provider = 'password' or m ->> 'subject' = unlink_sign_in_method.subject)) then
      raise exception using errcode = 'AS404', message = case when provider = 'password'
        then 'This user has no password to remove.'
        else pg_catalog.format('This user has no %s identity %s.', provider, coalesce(subject, '(none given)')) end;
    end if;
    if pg_catalog.jsonb_array_length(methods) = 1 then
      raise exception using errcode = 'AS409',
        message = 'This is the only way this user can sign in: link another method (or let them set a password) first.';
    end if;
    if provider = 'password' then
      update astapa.users as u set password_hash = null
      where u.project_id = unlink_sign_in_method.project_id and u.id = unlink_sign_in_method.user_id;
    else
      delete from astapa.identities as i
      where i.project_id = unlink_sign_in_method.project_id and i.user_id = unlink_sign_in_method.user_id
        and i.provider = unlink_sign_in_method.provider and i.subject = unlink_sign_in_method.subject;
    end if;
    perform astapa.audit(project_id, 'identity.unlink', 'user:' || user_id,
      pg_catalog.jsonb_build_object('provider', provider));
    return api.user_sign_in_methods(project_id, user_id);
  end
  $$;

comment on function api.unlink_sign_in_method(text, bigint, text, text) is
  'Removes one way to sign in (the password, or a google/github identity by subject), never the last one, and '
  'audits identity.unlink. Security definer because it must see whether a password is set (the app role '
  'cannot); the guard refuses any project but the current one. AS400 unknown provider; AS404 no such method; '
  'AS409 the last method.';

grant execute on function api.unlink_sign_in_method(text, bigint, text, text) to astapa_app;

create function api.list_login_sessions(project_id text, user_id bigint, max_rows integer default 20) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    if astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    return (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'created_at', s.created_at, 'expires_at', s.expires_at, 'ended_at', s.ended_at,
          'live', s.ended_at is null and s.expires_at > pg_catalog.now()) order by s.created_at desc), '[]')
      from (select * from astapa.login_sessions as l
            where l.project_id = list_login_sessions.project_id and l.user_id = list_login_sessions.user_id
            order by l.created_at desc limit least(greatest(max_rows, 1), 100)) as s);
  end
  $$;

comment on function api.list_login_sessions(text, bigint, integer) is
  'A user''s hosted-login sessions, newest first (at most max_rows, 1–100): started, expires, ended, live. '
  'Never the token hash. AS404 unknown user.';

grant execute on function api.list_login_sessions(text, bigint, integer) to astapa_app;

create function api.sign_out_everywhere(project_id text, user_id bigint) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    sessions integer;
    refresh_tokens integer;
  begin
    if project_id is distinct from astapa.current_project_id() or astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    with ended as (
      update astapa.login_sessions as s set ended_at = pg_catalog.now()
      where s.project_id = sign_out_everywhere.project_id and s.user_id = sign_out_everywhere.user_id
        and s.ended_at is null
      returning 1)
    select pg_catalog.count(*)::integer into sessions from ended;
    -- The same revocation POST /api/platform/revoke performs.
    refresh_tokens := api.revoke_user_refresh_tokens(user_id, 'revoked_by_admin');
    perform astapa.audit(project_id, 'user.sign_out_everywhere', 'user:' || user_id,
      pg_catalog.jsonb_build_object('sessions', sessions, 'refresh_tokens', refresh_tokens));
    return pg_catalog.jsonb_build_object('sessions', sessions, 'refresh_tokens', refresh_tokens);
  end
  $$;

comment on function api.sign_out_everywhere(text, bigint) is
  'Ends every hosted-login session of the user and revokes every refresh token (api.revoke_user_refresh_tokens, '
  'reason revoked_by_admin); audits user.sign_out_everywhere with the counts. AS404 unknown user.';

grant execute on function api.sign_out_everywhere(text, bigint) to astapa_app;

create function api.user_own_claims(project_id text, user_id bigint) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    if astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    return coalesce((
      select pg_catalog.jsonb_build_object('role', c.role, 'feature_flags', pg_catalog.to_jsonb(c.feature_flags),
                                          'extra', c.extra)
      from astapa.user_claims as c
      where c.project_id = user_own_claims.project_id and c.user_id = user_own_claims.user_id),
      '{"role": null, "feature_flags": [], "extra": {}}');
  end
  $$;

comment on function api.user_own_claims(text, bigint) is
  'The claims set on the user themself (role, feature_flags, extra custom claims), without the plan''s: what '
  'the dashboard''s claims form edits. AS404 unknown user.';

grant execute on function api.user_own_claims(text, bigint) to astapa_app;
