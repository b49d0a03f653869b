-- `astapa account create` printed a sign-in URL at localhost:8000 whenever the CLI ran without ASTAPA_BASE_URL
-- (issue 17 #12), though the servers run at another address. Every server registers its base URL's dashboard
-- callback with the console project at boot (api.ensure_console_project), so the CLI can read the addresses
-- the deployment is actually served at.

create function api.console_base_urls() returns text[]
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    console_id text := (select d.console_project_id from astapa.deployment as d);
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403',
        message = 'The console''s addresses cannot be read while acting for another project.';
    end if;
    if console_id is null then
      return '{}'::text[];
    end if;
    -- Act for the console project (as api.ensure_console_project does) so RLS shows its row.
    perform pg_catalog.set_config('astapa.project_id', console_id, true);
    return array(
      select pg_catalog.left(u.uri, -pg_catalog.length('/dashboard/callback'))
      from astapa.projects as p, pg_catalog.unnest(p.redirect_uris) with ordinality as u(uri, n)
      where p.id = console_id and u.uri like '%/dashboard/callback'
      order by u.n);
  end
  $$;

comment on function api.console_base_urls() is
  'The base URLs servers of this deployment have booted with (from the console project''s dashboard callbacks), '
  'oldest first; empty before the first boot. Makes the transaction act for the console project; refused '
  '(AS403) while acting for another project.';

grant execute on function api.console_base_urls() to astapa_app;
