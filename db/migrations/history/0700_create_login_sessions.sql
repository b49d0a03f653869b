-- The hosted login: finding the client an authorization request names, and the browser sessions that let a
-- returning person skip the password. Session tokens are stored as SHA-256 only.

create function api.authorization_client(client_id text) returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    found_client jsonb;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Client lookups happen before a project is chosen.';
    end if;
    if client_id is null or client_id !~ '^cid_[a-z2-7]{24}$' then
      return null;
    end if;
    -- Shows this one project to the owner for the next query only (on an error, rollback undoes it).
    perform pg_catalog.set_config('astapa.lookup_client_id', client_id, true);
    select pg_catalog.jsonb_build_object('project_id', p.id, 'name', p.name, 'mode', p.mode,
             'redirect_uris', pg_catalog.to_jsonb(p.redirect_uris), 'settings', p.settings)
      into found_client
    from astapa.projects p where p.client_id = authorization_client.client_id;
    perform pg_catalog.set_config('astapa.lookup_client_id', '', true);
    return found_client;
  end
  $$;

comment on function api.authorization_client(text) is
  'For /auth/login: the project a client id names (id, name, mode, redirect URIs, settings) or null. Security '
  'definer because no project is known yet; it sees only that one project, through the owner-only policy '
  '"definer functions find the project a client id names", and refuses to run once a project is set.';

grant execute on function api.authorization_client(text) to astapa_app;

create table astapa.login_sessions (
  project_id text not null,
  token_hash bytea not null,
  user_id bigint not null,
  created_at timestamptz not null default pg_catalog.now(),
  expires_at timestamptz not null,
  ended_at timestamptz,
  constraint login_sessions_pkey primary key (project_id, token_hash),
  constraint login_sessions_user_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint login_sessions_token_hash_check check (pg_catalog.length(token_hash) = 32),
  constraint login_sessions_lifetime_check check (expires_at > created_at)
);

create index login_sessions_user_idx on astapa.login_sessions (project_id, user_id);

comment on table astapa.login_sessions is
  'Hosted-login browser sessions, one per person per project per browser: within its lifetime a returning '
  'person is sent back to the app without typing the password again. Only the SHA-256 of the cookie is kept.';

alter table astapa.login_sessions enable row level security;
alter table astapa.login_sessions force row level security;

create policy "a project reads its own login sessions" on astapa.login_sessions
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project starts login sessions for its own users" on astapa.login_sessions
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project ends its own login sessions" on astapa.login_sessions
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

grant select, insert, update (ended_at) on astapa.login_sessions to astapa_app;

create function api.start_login_session(user_id bigint, token_hash bytea, ttl_seconds integer default 604800)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if ttl_seconds not between 60 and 2592000 then
      raise exception 'login sessions last between a minute and 30 days' using errcode = 'AS400';
    end if;
    insert into astapa.login_sessions (project_id, token_hash, user_id, expires_at)
    values (astapa.current_project_id(), token_hash, user_id,
            pg_catalog.now() + pg_catalog.make_interval(secs => ttl_seconds));
    update astapa.users u set last_sign_in_at = pg_catalog.now()
    where u.project_id = astapa.current_project_id() and u.id = start_login_session.user_id;
    perform astapa.audit(astapa.current_project_id(), 'user.sign_in', 'user:' || user_id);
  end
  $$;

comment on function api.start_login_session(bigint, bytea, integer) is
  'Records a signed-in browser for the current project (7 days by default) and the sign-in time.';

create function api.login_session_user(token_hash bytea) returns bigint
  language sql
  stable
  set search_path = ''
  as $$
    select s.user_id
    from astapa.login_sessions s
    join astapa.users u on u.project_id = s.project_id and u.id = s.user_id
    join astapa.projects p on p.id = s.project_id
    where s.project_id = astapa.current_project_id() and s.token_hash = login_session_user.token_hash
      and s.ended_at is null and s.expires_at > pg_catalog.now()
      and not u.disabled and u.environment = p.mode
  $$;

comment on function api.login_session_user(bytea) is
  'The user a live session belongs to, or null (ended, expired, disabled user, or the other environment).';

create function api.end_login_session(token_hash bytea) returns void
  language sql
  volatile
  set search_path = ''
  as $$
    update astapa.login_sessions s set ended_at = pg_catalog.now()
    where s.project_id = astapa.current_project_id() and s.token_hash = end_login_session.token_hash
      and s.ended_at is null
  $$;

comment on function api.end_login_session(bytea) is 'Signs the browser out of the current project.';

grant execute on function api.start_login_session(bigint, bytea, integer) to astapa_app;
grant execute on function api.login_session_user(bytea) to astapa_app;
grant execute on function api.end_login_session(bytea) to astapa_app;
