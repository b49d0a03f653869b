-- Protected resources and scopes.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

create or replace function astapa.is_valid_resource_uri(uri text) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select pg_catalog.length(uri) <= 2000
      and uri !~ '[\s#]'
      and (uri ~ '^https://[a-z0-9.-]+(:[0-9]{1,5})?([/?].*)?$'
        or uri ~ '^http://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?([/?].*)?$')
      and uri !~ '^[a-z]+://[^/?]+/$'
  $$;

comment on function astapa.is_valid_resource_uri(text) is
  'True for a canonical resource URI: https (http only on loopback), lower-case host, no fragment or userinfo, '
  'a bare origin without trailing slash.';

grant execute on function astapa.is_valid_resource_uri(text) to astapa_app;

drop policy if exists "a project reads its own resources" on astapa.resources;
create policy "a project reads its own resources" on astapa.resources
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project registers its own resources" on astapa.resources;
create policy "a project registers its own resources" on astapa.resources
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own resources" on astapa.resources;
create policy "a project removes its own resources" on astapa.resources
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create or replace function astapa.is_valid_scope_name(name text) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    -- RFC 6749 §3.3 scope-token characters: %x21 / %x23-5B / %x5D-7E.
    select name ~ '^[!#-\[\]-~]{1,100}$'
      and name not in ('openid', 'email', 'profile', 'phone', 'offline_access')
  $$;

comment on function astapa.is_valid_scope_name(text) is
  'An RFC 6749 scope token of 1 to 100 characters that is not one of the OpenID user scopes.';

grant execute on function astapa.is_valid_scope_name(text) to astapa_app;

drop policy if exists "a project reads its own scopes" on astapa.scopes;
create policy "a project reads its own scopes" on astapa.scopes
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project declares its own scopes" on astapa.scopes;
create policy "a project declares its own scopes" on astapa.scopes
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project redescribes its own scopes" on astapa.scopes;
create policy "a project redescribes its own scopes" on astapa.scopes
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own scopes" on astapa.scopes;
create policy "a project removes its own scopes" on astapa.scopes
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create or replace function astapa.resource_json(r astapa.resources) returns jsonb
  language sql
  immutable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('uri', r.uri, 'name', r.name, 'created_at', r.created_at,
      'verified', r.verified_at is not null)
  $$;

comment on function astapa.resource_json(astapa.resources) is 'A protected resource as the API returns it.';

grant execute on function astapa.resource_json(astapa.resources) to astapa_app;

create or replace function api.remove_resource(uri text) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    delete from astapa.resources r where r.project_id = (select astapa.current_project_id())
                                         and r.uri = remove_resource.uri;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Resource %s is not registered.', uri);
    end if;
    -- Clients stop being allowed it at once (the grant checks the registry too; this keeps listings honest).
    update astapa.machine_clients m
    set resources = pg_catalog.array_remove(m.resources, remove_resource.uri), updated_at = pg_catalog.now()
    where m.project_id = (select astapa.current_project_id()) and remove_resource.uri = any (m.resources);
    perform astapa.audit(astapa.current_project_id(), 'resource.remove', uri);
  end
  $$;

comment on function api.remove_resource(text) is
  'Unregisters a resource of the current project and takes it off every machine client; AS404 when unknown.';

grant execute on function api.remove_resource(text) to astapa_app;

create or replace function api.list_resources() returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(astapa.resource_json(r) order by r.uri), '[]')
    from astapa.resources r
    where r.project_id = (select astapa.current_project_id())
  $$;

comment on function api.list_resources() is 'The current project''s protected resources, by URI.';

grant execute on function api.list_resources() to astapa_app;

create or replace function api.declare_scope(name text, description text default '') returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    declared astapa.scopes;
  begin
    if astapa.current_project_id() is null then
      raise exception using errcode = 'AS404', message = 'No project is set for this transaction.';
    end if;
    if name is null or not astapa.is_valid_scope_name(name) then
      raise exception using errcode = 'AS400', message = pg_catalog.format(
        'Scope %s is not allowed: use 1 to 100 printable ASCII characters without spaces, quotes or '
        'backslashes; openid, email, profile and offline_access are reserved.', coalesce(name, 'null'));
    end if;
    if pg_catalog.length(coalesce(description, '')) > 500 then
      raise exception using errcode = 'AS400', message = 'A scope description is at most 500 characters.';
    end if;
    insert into astapa.scopes as s (project_id, name, description)
    values (astapa.current_project_id(), name, coalesce(pg_catalog.btrim(description), ''))
    on conflict on constraint scopes_pkey do update set description = excluded.description
    returning * into declared;
    perform astapa.audit(declared.project_id, 'scope.declare', name);
    return pg_catalog.jsonb_build_object('name', declared.name, 'description', declared.description);
  end
  $$;

comment on function api.declare_scope(text, text) is
  'Declares a scope for the current project, or changes the description of one already declared.';

grant execute on function api.declare_scope(text, text) to astapa_app;

create or replace function api.remove_scope(name text) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    delete from astapa.scopes s where s.project_id = (select astapa.current_project_id())
                                and s.name = remove_scope.name;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Scope %s is not declared.', name);
    end if;
    update astapa.machine_clients m
    set scopes = pg_catalog.array_remove(m.scopes, remove_scope.name), updated_at = pg_catalog.now()
    where m.project_id = (select astapa.current_project_id()) and remove_scope.name = any (m.scopes);
    perform astapa.audit(astapa.current_project_id(), 'scope.remove', name);
  end
  $$;

comment on function api.remove_scope(text) is
  'Withdraws a scope of the current project and takes it off every machine client; AS404 when unknown.';

grant execute on function api.remove_scope(text) to astapa_app;

create or replace function api.list_scopes() returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(
      pg_catalog.jsonb_build_object('name', s.name, 'description', s.description) order by s.name), '[]')
    from astapa.scopes s
    where s.project_id = (select astapa.current_project_id())
  $$;

comment on function api.list_scopes() is 'The current project''s declared scopes, by name.';

grant execute on function api.list_scopes() to astapa_app;

create or replace function astapa.resource_key(uri text) returns text
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$ select pg_catalog.lower(pg_catalog.rtrim(uri, '/')) $$;

comment on function astapa.resource_key(text) is
  'The identity of a resource URI for deployment-wide uniqueness: case-folded, trailing slashes dropped. Two '
  'URIs with one key are one resource (a variant cannot be registered by another project).';

grant execute on function astapa.resource_key(text) to astapa_app;

drop policy if exists "definer functions see the registration a claim names" on astapa.resources;
create policy "definer functions see the registration a claim names" on astapa.resources
  for select to astapa_owner
  using (astapa.resource_key(uri) = nullif(pg_catalog.current_setting('astapa.claim_resource_key', true), ''));

drop policy if exists "definer functions release the registration a claim names" on astapa.resources;
create policy "definer functions release the registration a claim names" on astapa.resources
  for delete to astapa_owner
  using (astapa.resource_key(uri) = nullif(pg_catalog.current_setting('astapa.claim_resource_key', true), ''));

create or replace function astapa.release_resource(key text, mode text) returns text
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    acting text := astapa.current_project_id();
    held record;
  begin
    perform pg_catalog.set_config('astapa.claim_resource_key', key, true);
    select r.project_id, r.uri, r.verified_at into held
    from astapa.resources r
    where astapa.resource_key(r.uri) = key and r.project_id is distinct from acting;
    if held.project_id is null then
      perform pg_catalog.set_config('astapa.claim_resource_key', '', true);
      return 'free';
    end if;
    if mode = 'look' or mode = 'unproven' and held.verified_at is not null then
      perform pg_catalog.set_config('astapa.claim_resource_key', '', true);
      return 'held';
    end if;
    delete from astapa.resources r where r.project_id = held.project_id and r.uri = held.uri;
    perform pg_catalog.set_config('astapa.claim_resource_key', '', true);
    -- The holder's own policies for its machine clients and audit log, then back to the acting project.
    perform pg_catalog.set_config('astapa.project_id', held.project_id, true);
    update astapa.machine_clients m
    set resources = pg_catalog.array_remove(m.resources, held.uri), updated_at = pg_catalog.now()
    where m.project_id = held.project_id and held.uri = any (m.resources);
    perform astapa.audit(held.project_id, 'resource.displaced', held.uri,
      pg_catalog.jsonb_build_object('by', coalesce(acting, 'deployment owner')));
    perform pg_catalog.set_config('astapa.project_id', coalesce(acting, ''), true);
    return 'released';
  end
  $$;

comment on function astapa.release_resource(text, text) is
  'Reports, or takes away, another project''s registration of a resource key: for a proven claim (only an '
  'unproven holder) or the deployment owner''s assignment (any holder). Security definer because the holder is '
  'another project: it sees that one registration through the policy "definer functions see the registration a '
  'claim names" and acts in the holder''s project for the clean-up. Not granted to the app role; only '
  'api.add_resource and api.assign_resource call it, each after its own guard.';

revoke all on function astapa.release_resource(text, text) from public;

create or replace function api.add_resource(uri text, name text default '', proven boolean default false) returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    added astapa.resources;
    project_mode text;
  begin
    if astapa.current_project_id() is null then
      raise exception using errcode = 'AS404', message = 'No project is set for this transaction.';
    end if;
    if uri is null or not astapa.is_valid_resource_uri(uri) then
      raise exception using errcode = 'AS400', message = pg_catalog.format(
        'Resource %s is not allowed: use an absolute https URI (http only on localhost, 127.0.0.1 or [::1]) '
        'with a lower-case host, no fragment, and no trailing slash after a bare host.', coalesce(uri, 'null'));
    end if;
    if pg_catalog.length(coalesce(name, '')) > 100 then
      raise exception using errcode = 'AS400', message = 'A resource name is at most 100 characters.';
    end if;
    select p.mode into project_mode from astapa.projects p where p.id = (select astapa.current_project_id());
    if project_mode = 'production' and not coalesce(proven, false) then
      raise exception using errcode = 'AS403', message = pg_catalog.format(
        'Resource %s needs proof of control before a production project may register it: serve its '
        'protected-resource metadata naming this issuer and the project (docs/mcp.md).', uri);
    end if;
    if exists (select 1 from astapa.resources r
               where r.project_id = (select astapa.current_project_id())
                 and astapa.resource_key(r.uri) = astapa.resource_key(add_resource.uri)) then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        'Resource %s is already registered for this project.', uri);
    end if;
    -- Another project's registration: a proven claim displaces an unproven one; anything else is refused
    -- without naming the other project.
    if astapa.release_resource(astapa.resource_key(uri),
         case when coalesce(proven, false) then 'unproven' else 'look' end) = 'held' then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        'Resource %s is already registered (resources are unique across the deployment).', uri);
    end if;
    begin
      insert into astapa.resources (project_id, uri, name, verified_at)
      values (astapa.current_project_id(), uri, coalesce(pg_catalog.btrim(name), ''),
              case when proven then pg_catalog.now() end)
      returning * into added;
    exception when unique_violation then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        'Resource %s is already registered (resources are unique across the deployment).', uri);
    end;
    perform astapa.audit(added.project_id, 'resource.add', uri,
      pg_catalog.jsonb_build_object('proven', added.verified_at is not null));
    return astapa.resource_json(added);
  end
  $$;

comment on function api.add_resource(text, text, boolean) is
  'Registers a protected resource URI (canonical form) for the current project. proven: the app checked the '
  'resource''s protected-resource metadata (lib/oauth/resource_proof.ts); production projects must pass it. A '
  'proven claim displaces another project''s unproven registration of the same resource (same key, see '
  'astapa.resource_key); otherwise AS409. Security definer only to call astapa.release_resource (the other '
  'project''s row is invisible to the app role); its guard is the project set for the transaction.';

revoke all on function api.add_resource(text, text, boolean) from public;

grant execute on function api.add_resource(text, text, boolean) to astapa_app;

create or replace function api.assign_resource(uri text, project_id text, name text default '') returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    assigned astapa.resources;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Only the deployment owner assigns resources.';
    end if;
    if uri is null or not astapa.is_valid_resource_uri(uri) then
      raise exception using errcode = 'AS400', message = pg_catalog.format('Resource %s is not allowed.',
        coalesce(uri, 'null'));
    end if;
    perform pg_catalog.set_config('astapa.project_id', assign_resource.project_id, true);
    if not exists (select 1 from astapa.projects p where p.id = assign_resource.project_id) then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Project %s does not exist.',
        assign_resource.project_id);
    end if;
    perform astapa.release_resource(astapa.resource_key(uri), 'any');
    delete from astapa.resources r
    where r.project_id = assign_resource.project_id and astapa.resource_key(r.uri) = astapa.resource_key(assign_resource.uri);
    insert into astapa.resources (project_id, uri, name, verified_at)
    values (assign_resource.project_id, uri, coalesce(pg_catalog.btrim(name), ''), pg_catalog.now())
    returning * into assigned;
    perform astapa.audit(assigned.project_id, 'resource.assign', uri, '{"by":"deployment owner"}');
    perform pg_catalog.set_config('astapa.project_id', '', true);
    return astapa.resource_json(assigned);
  end
  $$;

comment on function api.assign_resource(text, text, text) is
  'The deployment owner (CLI `resource assign`) gives a resource to a project, taking it from whoever holds it '
  '(audited in both). Security definer because it crosses projects; guard: refused while the transaction acts '
  'for a project, as api.list_projects, so no request acting for a tenant can call it.';

revoke all on function api.assign_resource(text, text, text) from public;

grant execute on function api.assign_resource(text, text, text) to astapa_app;
