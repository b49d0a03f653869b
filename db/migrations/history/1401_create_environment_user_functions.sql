-- The dashboard shows a project's users in its current environment only: a production project's pages never
-- show (or act on) the users its sandbox created, and vice versa. api.get_user/api.list_users stay as they
-- were for the CLI, which an operator uses across environments.

create function api.get_environment_user(project_id text, user_id bigint) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    found jsonb;
  begin
    select astapa.user_json(u.project_id, u.id) into found
    from astapa.users as u
    join astapa.projects as p on p.id = u.project_id and p.mode = u.environment
    where u.project_id = get_environment_user.project_id and u.id = get_environment_user.user_id;
    if found is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    return found;
  end
  $$;

comment on function api.get_environment_user(text, bigint) is
  'The user when they belong to the project''s current environment; AS404 otherwise (unknown, another '
  'project''s, or the other environment''s user).';

grant execute on function api.get_environment_user(text, bigint) to astapa_app;

create function api.list_environment_users(project_id text, page_size integer default 50, after_id bigint default 0)
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    current_mode text := astapa.require_project(project_id);
  begin
    if page_size is null or page_size not between 1 and 1000 then
      raise exception using errcode = 'AS400', message = 'A page holds 1 to 1000 users.';
    end if;
    return coalesce((
      select pg_catalog.jsonb_agg(astapa.user_json(page.project_id, page.id) order by page.id)
      from (select u.project_id, u.id from astapa.users as u
            where u.project_id = list_environment_users.project_id and u.environment = current_mode
              and u.id > coalesce(after_id, 0)
            order by u.id limit page_size) as page), '[]');
  end
  $$;

comment on function api.list_environment_users(text, integer, bigint) is
  'A page of the project''s users in its current environment, in id order after after_id. AS400 page size '
  'outside 1–1000; AS404 unknown project.';

grant execute on function api.list_environment_users(text, integer, bigint) to astapa_app;
