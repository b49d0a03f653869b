-- What a developer account may see: its own projects, and its role in each.

-- Listing an account's projects crosses projects. api.list_account_projects puts the account id into
-- astapa.list_account_projects for its one query and clears it again; these owner-only policies then show
-- that account's memberships and the projects they name, nothing else. The app role could set the setting
-- itself, but the policies name only the owner role, which the app reaches only through definer functions.
create policy "definer functions list an account's memberships" on astapa.memberships
  for select to astapa_owner
  using (account_id = nullif(pg_catalog.current_setting('astapa.list_account_projects', true), '')::bigint);

create policy "definer functions list the projects an account is a member of" on astapa.projects
  for select to astapa_owner
  using (exists (
    select from astapa.memberships as m
    where m.project_id = projects.id
      and m.account_id = nullif(pg_catalog.current_setting('astapa.list_account_projects', true), '')::bigint));

create function api.list_account_projects(account_id bigint) returns jsonb
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
    if account_id is null or astapa.current_actor() is distinct from 'account:' || account_id then
      raise exception using errcode = 'AS403', message = 'An account lists only its own projects.';
    end if;
    -- Only for this one query (on an error the transaction's rollback undoes it).
    perform pg_catalog.set_config('astapa.list_account_projects', account_id::text, true);
    listed := coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'project_id', p.id, 'name', p.name, 'mode', p.mode, 'client_id', p.client_id, 'created_at', p.created_at,
        'role', m.role) order by p.created_at, p.id)
      from astapa.memberships as m
      join astapa.projects as p on p.id = m.project_id
      where m.account_id = list_account_projects.account_id), '[]');
    perform pg_catalog.set_config('astapa.list_account_projects', '', true);
    return listed;
  end
  $$;

comment on function api.list_account_projects(bigint) is
  'The projects an account is a member of, with its role (no secrets), for the dashboard. Security definer '
  'because the list crosses projects: its set_config turns on the owner-only policies "definer functions list '
  'an account''s memberships" and "… the projects an account is a member of" for its one query. Guards: '
  'refused while acting for a project, and only for the account the transaction acts as (astapa.actor).';

grant execute on function api.list_account_projects(bigint) to astapa_app;

create function api.member_role(project_id text, account_id bigint) returns text
  language sql
  stable
  set search_path = ''
  as $$
    select m.role from astapa.memberships as m
    where m.project_id = member_role.project_id and m.account_id = member_role.account_id
  $$;

comment on function api.member_role(text, bigint) is
  'The account''s role (owner, admin, viewer) in the project the transaction acts for, or null.';

grant execute on function api.member_role(text, bigint) to astapa_app;

create function api.list_members(project_id text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    perform astapa.require_project(project_id);
    return coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('account_id', a.id::text, 'email', a.email,
        'role', m.role, 'signed_in', a.console_user_id is not null) order by m.created_at, a.id)
      from astapa.memberships as m
      join astapa.accounts as a on a.id = m.account_id
      where m.project_id = list_members.project_id), '[]');
  end
  $$;

comment on function api.list_members(text) is
  'The project''s members with their emails and roles; signed_in is false for an invitation not yet used.';

grant execute on function api.list_members(text) to astapa_app;
