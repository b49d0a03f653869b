-- The user API. Emails compare case-insensitively (lower()), within the project and the environment the
-- project is in now: a production project does not see the users its sandbox created.

create function astapa.user_json(project_id text, user_id bigint) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'id', u.id::text, 'email', u.email, 'email_verified', u.email_verified, 'disabled', u.disabled,
      'environment', u.environment, 'created_at', u.created_at, 'last_sign_in_at', u.last_sign_in_at)
    from astapa.users as u
    where u.project_id = user_json.project_id and u.id = user_json.user_id
  $$;

comment on function astapa.user_json(text, bigint) is
  'A user as the API returns it (id as a string, the JWT sub; never the password hash); null when not visible.';

grant execute on function astapa.user_json(text, bigint) to astapa_app;

create function astapa.assert_email(email text) returns void
  language plpgsql
  immutable
  set search_path = ''
  as $$
  begin
    if email is null or pg_catalog.length(email) > 254 or email !~ '^[^@\s]+@[^@\s]+$' then
      raise exception using errcode = 'AS400', message = 'An email address looks like name@example.com.';
    end if;
  end
  $$;

comment on function astapa.assert_email(text) is 'Raises AS400 unless the text looks like an email address.';

grant execute on function astapa.assert_email(text) to astapa_app;

create function api.create_user(project_id text, email text, password_hash text default null,
                                email_verified boolean default false) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    mode text := astapa.require_project(project_id);
    new_id bigint;
  begin
    perform astapa.assert_email(pg_catalog.btrim(email));
    if password_hash is not null and password_hash !~ '^\$argon2id\$' then
      raise exception using errcode = 'AS400', message = 'Password hashes must be argon2id.';
    end if;
    begin
      insert into astapa.users (project_id, email, email_verified, password_hash, environment)
      values (project_id, pg_catalog.btrim(email), email_verified, password_hash, mode)
      returning id into new_id;
    exception when unique_violation then
      raise exception using errcode = 'AS409', message = 'A user with this email already exists in this project.';
    end;
    perform astapa.audit(project_id, 'user.create', 'user:' || new_id, pg_catalog.jsonb_build_object('environment', mode));
    return astapa.user_json(project_id, new_id);
  end
  $$;

comment on function api.create_user(text, text, text, boolean) is
  'Creates a user in the project''s current environment; AS409 when the email (in any case) is taken there.';

grant execute on function api.create_user(text, text, text, boolean) to astapa_app;

create function api.find_user_by_email(project_id text, email text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.user_json(u.project_id, u.id)
    from astapa.users as u
    join astapa.projects as p on p.id = u.project_id and p.mode = u.environment
    where u.project_id = find_user_by_email.project_id
      and pg_catalog.lower(u.email) = pg_catalog.lower(pg_catalog.btrim(find_user_by_email.email))
  $$;

comment on function api.find_user_by_email(text, text) is
  'The user with this email (any case) in the project''s current environment, or null.';

grant execute on function api.find_user_by_email(text, text) to astapa_app;

create function api.get_user(project_id text, user_id bigint) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    found jsonb := astapa.user_json(project_id, user_id);
  begin
    if found is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    return found;
  end
  $$;

comment on function api.get_user(text, bigint) is 'The user, or AS404 (also for another project''s user, by RLS).';

grant execute on function api.get_user(text, bigint) to astapa_app;

create function api.list_users(project_id text, page_size integer default 100, after_id bigint default 0)
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    perform astapa.require_project(project_id);
    if page_size not between 1 and 1000 then
      raise exception using errcode = 'AS400', message = 'A page holds 1 to 1000 users.';
    end if;
    return coalesce((
      select pg_catalog.jsonb_agg(astapa.user_json(page.project_id, page.id) order by page.id)
      from (select u.project_id, u.id from astapa.users as u
            where u.project_id = list_users.project_id and u.id > coalesce(after_id, 0)
            order by u.id limit page_size) as page), '[]');
  end
  $$;

comment on function api.list_users(text, integer, bigint) is
  'A page of the project''s users (every environment) in id order, after after_id; AS404 for an unknown project.';

grant execute on function api.list_users(text, integer, bigint) to astapa_app;

create function api.disable_user(project_id text, user_id bigint, disabled boolean default true) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    update astapa.users as u set disabled = disable_user.disabled
    where u.project_id = disable_user.project_id and u.id = disable_user.user_id;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    perform astapa.audit(project_id, case when disabled then 'user.disable' else 'user.enable' end, 'user:' || user_id);
    return astapa.user_json(project_id, user_id);
  end
  $$;

comment on function api.disable_user(text, bigint, boolean) is
  'Disables (or with disabled = false re-enables) a user; AS404 when not in this project.';

grant execute on function api.disable_user(text, bigint, boolean) to astapa_app;

create function api.user_for_sign_in(project_id text, email text) returns jsonb
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  begin
    if project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403', message = 'Sign-in lookups are for the project the request acts for.';
    end if;
    return (
      select pg_catalog.jsonb_build_object('id', u.id::text, 'password_hash', u.password_hash, 'disabled', u.disabled,
                                          'email_verified', u.email_verified)
      from astapa.users as u
      join astapa.projects as p on p.id = u.project_id and p.mode = u.environment
      where u.project_id = user_for_sign_in.project_id
        and pg_catalog.lower(u.email) = pg_catalog.lower(pg_catalog.btrim(user_for_sign_in.email)));
  end
  $$;

comment on function api.user_for_sign_in(text, text) is
  'For the hosted login: the user''s id, argon2id password hash, disabled and email_verified flags, or null, so the server can '
  'verify a password. Security definer because the app role cannot select password hashes; RLS still applies '
  '(the owner is not exempt) and the guard refuses any project but the one the transaction acts for.';

grant execute on function api.user_for_sign_in(text, text) to astapa_app;
