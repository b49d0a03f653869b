-- A deleted project (api.delete_project) has no credentials and no members left; the operator's list shows
-- the projects that still exist. Its row, users, payments and audit log stay readable by id.

create or replace function api.list_projects() returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    listed jsonb;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Projects cannot be listed while acting for one project.';
    end if;
    -- Only for this one query (on an error the transaction's rollback undoes it).
    perform pg_catalog.set_config('astapa.list_all_projects', 'on', true);
    listed := coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'project_id', p.id, 'name', p.name, 'mode', p.mode, 'client_id', p.client_id, 'created_at', p.created_at)
        order by p.created_at, p.id)
      from astapa.projects as p
      where p.deleted_at is null), '[]');
    perform pg_catalog.set_config('astapa.list_all_projects', '', true);
    return listed;
  end
  $$;

comment on function api.list_projects() is
  'Every project not deleted (no secrets), for the operator''s CLI. Security definer because listing crosses '
  'projects: its set_config turns on the owner-only policy "definer functions list every project for the '
  'operator" for its one query. Guard: refused while the transaction acts for a project, so a request cannot '
  'list its neighbours.';
