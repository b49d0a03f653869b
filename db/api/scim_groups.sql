-- SCIM Groups (docs/scim.md; RFC 7643 §4.2, RFC 7644) mapped to organization roles. An organization's IdP pushes
-- groups (Okta Group Push, Entra ID group provisioning) to /scim/v2/{directory}/Groups; the organization's admins
-- map a group to one of the organization roles (never owner). A member of mapped groups holds the highest of their
-- roles (admin, then the project's own roles — more permissions first, then by key — then member); leaving every
-- mapped group returns them to member, the role SCIM provisions with. Unmapped groups are kept and change nothing.
-- Roles change through astapa.set_membership_role (membership.updated, reason scim, audited; claims in the next
-- token) and never touch an owner: owners are the organization's own decision (transfer), so SCIM can neither
-- make nor demote one. The tables are in migration 4265. Lock order: the organization, the group, the memberships.

drop policy if exists "a project reads its own scim groups" on astapa.scim_groups;
create policy "a project reads its own scim groups" on astapa.scim_groups
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds its own scim groups" on astapa.scim_groups;
create policy "a project adds its own scim groups" on astapa.scim_groups
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project changes its own scim groups" on astapa.scim_groups;
create policy "a project changes its own scim groups" on astapa.scim_groups
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own scim groups" on astapa.scim_groups;
create policy "a project removes its own scim groups" on astapa.scim_groups
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own scim group members" on astapa.scim_group_members;
create policy "a project reads its own scim group members" on astapa.scim_group_members
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds its own scim group members" on astapa.scim_group_members;
create policy "a project adds its own scim group members" on astapa.scim_group_members
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own scim group members" on astapa.scim_group_members;
create policy "a project removes its own scim group members" on astapa.scim_group_members
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

-- Management tables, as scim_directories: machine and self-registered clients may not write them.
create or replace trigger scim_groups_refuse_foreign_client_writes
  before insert or update or delete or truncate
  on astapa.scim_groups for each statement execute function astapa.refuse_foreign_client_writes();

create or replace trigger scim_group_members_refuse_foreign_client_writes
  before insert or update or delete or truncate
  on astapa.scim_group_members for each statement execute function astapa.refuse_foreign_client_writes();

create or replace function astapa.scim_mapped_role(project_id text, directory_id text, user_id bigint) returns text
  language sql
  stable
  set search_path = ''
  as $$
    -- The ordering is the organizations area's (astapa.highest_organization_role), shared with SSO group roles.
    select astapa.highest_organization_role(scim_mapped_role.project_id, array(
      select g.role from astapa.scim_users u
      join astapa.scim_group_members gm on gm.project_id = u.project_id and gm.member_id = u.id
      join astapa.scim_groups g on g.project_id = gm.project_id and g.id = gm.group_id
      where u.project_id = scim_mapped_role.project_id and u.directory_id = scim_mapped_role.directory_id
        and u.user_id = scim_mapped_role.user_id and u.deleted_at is null and g.role is not null))
  $$;

comment on function astapa.scim_mapped_role(text, text, bigint) is
  'The highest organization role the directory''s mapped groups give a user (admin, then project-defined roles by '
  'number of permissions and key, then member); null when they are in no mapped group.';

grant execute on function astapa.scim_mapped_role(text, text, bigint) to astapa_app;

create or replace function astapa.scim_sync_roles(o astapa.organizations, d astapa.scim_directories, members uuid[])
  returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    person record;
    wanted text;
    changed integer := 0;
  begin
    -- Members of the (locked) organization only: a deprovisioned person has no membership to change, and gets
    -- their mapped role when re-provisioned (astapa.scim_reprovision).
    for person in
      select m.user_id, m.role from astapa.scim_users u
      join astapa.organization_memberships m
        on m.project_id = u.project_id and m.organization_id = o.id and m.user_id = u.user_id
      where u.project_id = d.project_id and u.directory_id = d.id and u.id = any(members) and u.deleted_at is null
      order by m.user_id
      for update of m
    loop
      -- Owners are never the IdP's to change: SCIM neither makes nor demotes one (the last one least of all).
      continue when person.role = 'owner';
      wanted := coalesce(astapa.scim_mapped_role(d.project_id, d.id, person.user_id), 'member');
      continue when wanted = person.role;
      perform astapa.set_membership_role(o, person.user_id, wanted, 'scim');
      changed := changed + 1;
    end loop;
    return changed;
  end
  $$;

comment on function astapa.scim_sync_roles(astapa.organizations, astapa.scim_directories, uuid[]) is
  'Gives each member of the (locked) organization among the named User resources the role their mapped groups give '
  '(astapa.scim_mapped_role), or member when they are in none, through astapa.set_membership_role (reason scim); '
  'owners are left as they are. Returns how many roles changed.';

grant execute on function astapa.scim_sync_roles(astapa.organizations, astapa.scim_directories, uuid[]) to astapa_app;

create or replace function astapa.scim_group_json(g astapa.scim_groups, with_members boolean default true)
  returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    -- RFC 7643 §4.2; meta.location and the members' $ref are added by the app, which knows the base URL.
    select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'schemas', pg_catalog.jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:Group'),
      'id', g.id::text, 'externalId', g.external_id, 'displayName', g.display_name,
      'members', case when with_members then (
        select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                 'value', u.id::text, 'display', u.user_name, 'type', 'User') order by gm.created_at, u.id), '[]')
        from astapa.scim_group_members gm
        join astapa.scim_users u on u.project_id = gm.project_id and u.id = gm.member_id
        where gm.project_id = g.project_id and gm.group_id = g.id) end,
      'meta', pg_catalog.jsonb_build_object('resourceType', 'Group', 'created', g.created_at,
        'lastModified', g.updated_at,
        'version', 'W/"' || (pg_catalog.date_part('epoch', g.updated_at) * 1000000)::bigint::text || '"')))
  $$;

comment on function astapa.scim_group_json(astapa.scim_groups, boolean) is
  'A SCIM Group resource (RFC 7643 §4.2): displayName, externalId and, unless with_members is false '
  '(excludedAttributes=members), its members as {value, display, type}; without meta.location.';

grant execute on function astapa.scim_group_json(astapa.scim_groups, boolean) to astapa_app;

create or replace function astapa.scim_locked_group(d astapa.scim_directories, id text) returns astapa.scim_groups
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    g astapa.scim_groups;
  begin
    if id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
      select * into g from astapa.scim_groups x
      where x.project_id = d.project_id and x.directory_id = d.id and x.id = scim_locked_group.id::uuid
      for update;
    end if;
    if g.id is null then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('Group %s was not found.', pg_catalog.left(id, 64));
    end if;
    return g;
  end
  $$;

comment on function astapa.scim_locked_group(astapa.scim_directories, text) is
  'A Group of the directory by id, locked for update; AS404 otherwise (another directory''s group too, and any '
  'text that is no UUID).';

grant execute on function astapa.scim_locked_group(astapa.scim_directories, text) to astapa_app;

create or replace function astapa.scim_member_ids(d astapa.scim_directories, members jsonb) returns uuid[]
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    wanted text[];
    stranger text;
    found uuid[];
  begin
    if members is null or pg_catalog.jsonb_typeof(members) = 'null' then
      return '{}';
    end if;
    if pg_catalog.jsonb_typeof(members) <> 'array' then
      raise exception using errcode = 'AS400', message = 'members is an array of User ids.';
    end if;
    if exists (select from pg_catalog.jsonb_array_elements(members) e where pg_catalog.jsonb_typeof(e) <> 'string') then
      raise exception using errcode = 'AS400', message = 'members: each value is a User id.';
    end if;
    wanted := array(select distinct pg_catalog.lower(e #>> '{}') from pg_catalog.jsonb_array_elements(members) e);
    select pg_catalog.array_agg(u.id) into found from astapa.scim_users u
    where u.project_id = d.project_id and u.directory_id = d.id and u.deleted_at is null
      and u.id::text = any(wanted);
    -- The same answer for an unknown id and another directory's (or project's) User: nothing about them leaks.
    select w into stranger from pg_catalog.unnest(wanted) w
    where not w = any(coalesce(found, '{}')::text[]) limit 1;
    if stranger is not null then
      raise exception using errcode = 'AS400', message = pg_catalog.format(
        'members: %s is not a User of this directory.', pg_catalog.left(stranger, 64));
    end if;
    return coalesce(found, '{}');
  end
  $$;

comment on function astapa.scim_member_ids(astapa.scim_directories, jsonb) is
  'The User resource ids of a members value list (an array of id strings): every one must be a live '
  'User of the directory, AS400 otherwise (the same for an unknown id and another directory''s).';

grant execute on function astapa.scim_member_ids(astapa.scim_directories, jsonb) to astapa_app;

create or replace function api.scim_list_groups(directory_id text, attribute text, value text,
  start_index integer default 1, max_results integer default 100, with_members boolean default true)
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    d astapa.scim_directories := astapa.scim_directory(directory_id);
    total integer;
    page jsonb;
  begin
    if scim_list_groups.attribute is not null
       and scim_list_groups.attribute not in ('displayName', 'externalId', 'id') then
      raise exception using errcode = 'AS400',
        message = pg_catalog.format('Filtering Groups by %s is not supported.', scim_list_groups.attribute);
    end if;
    -- displayName compares without case (RFC 7643 §4.2 caseExact false), externalId and id exactly.
    with matching as (
      select g.id, g.created_at from astapa.scim_groups g
      where g.project_id = d.project_id and g.directory_id = d.id
        and case scim_list_groups.attribute
              when 'displayName' then pg_catalog.lower(g.display_name) = pg_catalog.lower(scim_list_groups.value)
              when 'externalId' then g.external_id = scim_list_groups.value
              when 'id' then g.id::text = pg_catalog.lower(scim_list_groups.value)
              else true
            end),
    numbered as (
      select m.id, pg_catalog.row_number() over (order by m.created_at, m.id) as n from matching m)
    select (select pg_catalog.count(*)::integer from matching),
           coalesce(pg_catalog.jsonb_agg(astapa.scim_group_json(g, with_members) order by x.n), '[]')
    into total, page
    from numbered x
    join astapa.scim_groups g on g.project_id = d.project_id and g.id = x.id
    where x.n >= greatest(start_index, 1) and x.n < greatest(start_index, 1) + least(greatest(max_results, 0), 100);
    return pg_catalog.jsonb_build_object('total', total, 'resources', page);
  end
  $$;

comment on function api.scim_list_groups(text, text, text, integer, integer, boolean) is
  'A page of the directory''s Group resources (RFC 7644 §3.4.2): those whose attribute (displayName, externalId, '
  'id; null: all) equals value, in creation order, from start_index (1-based) for up to max_results (at most 100), '
  'with or without their members. Returns {total, resources}. AS400 another attribute.';

grant execute on function api.scim_list_groups(text, text, text, integer, integer, boolean) to astapa_app;

create or replace function api.scim_get_group(directory_id text, id text, with_members boolean default true)
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    d astapa.scim_directories := astapa.scim_directory(directory_id);
    g astapa.scim_groups;
  begin
    if id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
      select * into g from astapa.scim_groups x
      where x.project_id = d.project_id and x.directory_id = d.id and x.id = scim_get_group.id::uuid;
    end if;
    if g.id is null then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('Group %s was not found.', pg_catalog.left(id, 64));
    end if;
    return astapa.scim_group_json(g, with_members);
  end
  $$;

comment on function api.scim_get_group(text, text, boolean) is
  'A Group resource of the directory, with or without its members; AS404 when there is none (another '
  'directory''s group id too).';

grant execute on function api.scim_get_group(text, text, boolean) to astapa_app;

create or replace function astapa.assert_scim_group_name(d astapa.scim_directories, name text, except_id uuid)
  returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    taken text;
  begin
    if name is null or name = '' or pg_catalog.length(name) > 255 or name ~ '[[:cntrl:]]' then
      raise exception using errcode = 'AS400', message = 'displayName is 1 to 255 characters.';
    end if;
    select g.id::text into taken from astapa.scim_groups g
    where g.project_id = d.project_id and g.directory_id = d.id and g.id is distinct from except_id
      and pg_catalog.lower(g.display_name) = pg_catalog.lower(name);
    if taken is not null then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        'displayName %s is already a Group of this directory (Group %s).', name, taken);
    end if;
  end
  $$;

comment on function astapa.assert_scim_group_name(astapa.scim_directories, text, uuid) is
  'AS400 unless the displayName is 1 to 255 characters without control characters; AS409 when another Group of '
  'the directory (but except_id) has it, in any case.';

grant execute on function astapa.assert_scim_group_name(astapa.scim_directories, text, uuid) to astapa_app;

create or replace function api.scim_create_group(directory_id text, resource jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    d astapa.scim_directories := astapa.scim_directory(directory_id);
    o astapa.organizations := astapa.lock_organization(d.organization_id);
    name text := pg_catalog.btrim(resource ->> 'displayName');
    ids uuid[];
    g astapa.scim_groups;
  begin
    perform astapa.assert_scim_group_name(d, name, null);
    ids := astapa.scim_member_ids(d, resource -> 'members');
    insert into astapa.scim_groups (project_id, directory_id, display_name, external_id)
    values (d.project_id, d.id, name, nullif(pg_catalog.btrim(resource ->> 'externalId'), ''))
    returning * into g;
    insert into astapa.scim_group_members (project_id, group_id, member_id)
    select d.project_id, g.id, m from pg_catalog.unnest(ids) m;
    -- A new group is unmapped: it changes no role until the organization's admins map it.
    perform astapa.audit(d.project_id, 'scim.group_created', o.id, pg_catalog.jsonb_build_object(
      'directory', d.id, 'group', g.id::text, 'display_name', g.display_name,
      'members', pg_catalog.cardinality(ids)));
    return astapa.scim_group_json(g);
  end
  $$;

comment on function api.scim_create_group(text, jsonb) is
  'SCIM POST /Groups: a Group {displayName, externalId, members: [User ids]} of the directory, unmapped (it changes '
  'no role until the organization''s admins map it). Audited scim.group_created. AS400 bad displayName or a member '
  'that is no User of this directory, AS409 displayName taken.';

grant execute on function api.scim_create_group(text, jsonb) to astapa_app;

create or replace function api.scim_change_group(directory_id text, id text, steps jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    d astapa.scim_directories := astapa.scim_directory(directory_id);
    o astapa.organizations := astapa.lock_organization(d.organization_id);
    g astapa.scim_groups := astapa.scim_locked_group(d, id);
    name text := g.display_name;
    external text := g.external_id;
    before uuid[];
    members uuid[];
    ids uuid[];
    step jsonb;
    added uuid[];
    removed uuid[];
    changed text[];
    roles integer := 0;
  begin
    if pg_catalog.jsonb_typeof(steps) is distinct from 'array' then
      raise exception using errcode = 'AS400', message = 'A group change is a list of steps.';
    end if;
    if (select pg_catalog.sum(pg_catalog.jsonb_array_length(coalesce(s -> 'ids', '[]')))
        from pg_catalog.jsonb_array_elements(steps) s where pg_catalog.jsonb_typeof(s -> 'ids') = 'array') > 1000 then
      raise exception using errcode = 'AS400', message = 'A request names at most 1000 members.';
    end if;
    before := array(select gm.member_id from astapa.scim_group_members gm
                    where gm.project_id = g.project_id and gm.group_id = g.id);
    members := before;
    -- Applied in order (RFC 7644 §3.5.2), as the IdP sent them; a remove of someone not in the group changes
    -- nothing (IdPs retry), an add or replace names Users of this directory only.
    for step in select e from pg_catalog.jsonb_array_elements(steps) e loop
      case step ->> 'op'
        when 'displayName' then
          name := pg_catalog.btrim(step ->> 'value');
          perform astapa.assert_scim_group_name(d, name, g.id);
        when 'externalId' then
          external := nullif(pg_catalog.btrim(step ->> 'value'), '');
          if pg_catalog.length(external) > 255 then
            raise exception using errcode = 'AS400', message = 'externalId is at most 255 characters.';
          end if;
        when 'add' then
          ids := astapa.scim_member_ids(d, step -> 'ids');
          members := members || array(select m from pg_catalog.unnest(ids) m where not m = any(members));
        when 'replace' then
          members := astapa.scim_member_ids(d, step -> 'ids');
        when 'remove' then
          if pg_catalog.jsonb_typeof(step -> 'ids') is distinct from 'array' then
            raise exception using errcode = 'AS400', message = 'A remove names its members as a list.';
          end if;
          members := array(select m from pg_catalog.unnest(members) m
                           where not m::text = any(array(select pg_catalog.lower(e #>> '{}')
                                                         from pg_catalog.jsonb_array_elements(step -> 'ids') e)));
        when 'remove_all' then
          members := '{}';
        else
          raise exception using errcode = 'AS400',
            message = pg_catalog.format('Unknown group change %s.', pg_catalog.left(step ->> 'op', 40));
      end case;
    end loop;
    added := array(select m from pg_catalog.unnest(members) m where not m = any(before));
    removed := array(select m from pg_catalog.unnest(before) m where not m = any(members));
    changed := array(select f.c from (values
      (1, 'displayName', name is distinct from g.display_name),
      (2, 'externalId', external is distinct from g.external_id),
      (3, 'members', pg_catalog.cardinality(added) + pg_catalog.cardinality(removed) > 0)) as f(n, c, differs)
      where f.differs order by f.n);
    if pg_catalog.cardinality(changed) = 0 then
      return astapa.scim_group_json(g); -- a repeat changes nothing and says nothing
    end if;
    delete from astapa.scim_group_members gm
    where gm.project_id = g.project_id and gm.group_id = g.id and gm.member_id = any(removed);
    insert into astapa.scim_group_members (project_id, group_id, member_id)
    select g.project_id, g.id, m from pg_catalog.unnest(added) m;
    update astapa.scim_groups x set display_name = name, external_id = external, updated_at = pg_catalog.now()
    where x.project_id = g.project_id and x.id = g.id
    returning * into g;
    -- Only a mapped group's members change roles; those it did not gain or lose keep theirs.
    if g.role is not null then
      roles := astapa.scim_sync_roles(o, d, added || removed);
    end if;
    perform astapa.audit(d.project_id, 'scim.group_updated', o.id, pg_catalog.jsonb_build_object(
      'directory', d.id, 'group', g.id::text, 'display_name', g.display_name, 'changed', pg_catalog.to_jsonb(changed),
      'added', pg_catalog.cardinality(added), 'removed', pg_catalog.cardinality(removed), 'roles_changed', roles));
    return astapa.scim_group_json(g);
  end
  $$;

comment on function api.scim_change_group(text, text, jsonb) is
  'SCIM PUT and PATCH /Groups/{id}: applies steps in order — {op: displayName|externalId, value}, {op: add|replace|'
  'remove, ids: [User ids]}, {op: remove_all} (lib/scim/group_patch.ts builds them) — then, for a mapped group, '
  'gives the members it gained or lost their role (astapa.scim_sync_roles). Audited scim.group_updated with what '
  'changed; a repeat that changes nothing is not. AS404 no such group, AS400 bad step, displayName, more than 1000 '
  'ids or a member that is no User of this directory, AS409 displayName taken.';

grant execute on function api.scim_change_group(text, text, jsonb) to astapa_app;

create or replace function api.scim_delete_group(directory_id text, id text) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    d astapa.scim_directories := astapa.scim_directory(directory_id);
    o astapa.organizations := astapa.lock_organization(d.organization_id);
    g astapa.scim_groups := astapa.scim_locked_group(d, id);
    members uuid[] := array(select gm.member_id from astapa.scim_group_members gm
                            where gm.project_id = g.project_id and gm.group_id = g.id);
    roles integer := 0;
  begin
    delete from astapa.scim_groups x where x.project_id = g.project_id and x.id = g.id;
    if g.role is not null then
      roles := astapa.scim_sync_roles(o, d, members);
    end if;
    perform astapa.audit(d.project_id, 'scim.group_deleted', o.id, pg_catalog.jsonb_build_object(
      'directory', d.id, 'group', g.id::text, 'display_name', g.display_name, 'role', g.role,
      'members', pg_catalog.cardinality(members), 'roles_changed', roles));
  end
  $$;

comment on function api.scim_delete_group(text, text) is
  'SCIM DELETE /Groups/{id}: the group and its mapping go; when it was mapped its members hold what their other '
  'mapped groups give, else member (astapa.scim_sync_roles). Audited scim.group_deleted. AS404 no such group.';

grant execute on function api.scim_delete_group(text, text) to astapa_app;

create or replace function astapa.scim_group_mapping_json(g astapa.scim_groups) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'id', g.id::text, 'directory_id', g.directory_id, 'display_name', g.display_name,
      'external_id', g.external_id, 'role', g.role,
      'members', (select pg_catalog.count(*) from astapa.scim_group_members gm
                  where gm.project_id = g.project_id and gm.group_id = g.id),
      'created_at', g.created_at, 'updated_at', g.updated_at)
  $$;

comment on function astapa.scim_group_mapping_json(astapa.scim_groups) is
  'A SCIM Group as the Platform API shows it to the organization''s admins: its names, how many members, and the '
  'organization role it is mapped to (null: unmapped).';

grant execute on function astapa.scim_group_mapping_json(astapa.scim_groups) to astapa_app;

create or replace function api.list_scim_groups(organization_id text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    d astapa.scim_directories;
  begin
    select x.* into d from astapa.scim_directories x
    join astapa.organizations o on o.project_id = x.project_id and o.id = x.organization_id
    where x.project_id = (select astapa.current_project_id())
      and (o.id = list_scim_groups.organization_id or o.slug = list_scim_groups.organization_id);
    if d.id is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format(
        'Organization %s has no SCIM directory.', organization_id);
    end if;
    return (select coalesce(pg_catalog.jsonb_agg(astapa.scim_group_mapping_json(g)
                              order by pg_catalog.lower(g.display_name), g.id), '[]')
            from astapa.scim_groups g where g.project_id = d.project_id and g.directory_id = d.id);
  end
  $$;

comment on function api.list_scim_groups(text) is
  'The groups an organization''s (id or slug) IdP pushed, each with its mapped role; AS404 no directory.';

grant execute on function api.list_scim_groups(text) to astapa_app;

create or replace function api.map_scim_group(organization_id text, group_id text, role text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    d astapa.scim_directories;
    g astapa.scim_groups;
    previous text;
    roles integer := 0;
  begin
    select x.* into d from astapa.scim_directories x where x.project_id = o.project_id and x.organization_id = o.id;
    if d.id is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('%s has no SCIM directory.', o.name);
    end if;
    if role = 'owner' then
      raise exception using errcode = 'AS400', message = 'owner is not mapped to a group: an IdP neither makes '
        'owners nor demotes them (transfer the ownership instead).';
    end if;
    if role is not null then
      perform astapa.assert_organization_role(role);
    end if;
    g := astapa.scim_locked_group(d, group_id);
    previous := g.role;
    if previous is not distinct from role then
      return astapa.scim_group_mapping_json(g);
    end if;
    update astapa.scim_groups x set role = map_scim_group.role, updated_at = pg_catalog.now()
    where x.project_id = g.project_id and x.id = g.id
    returning * into g;
    roles := astapa.scim_sync_roles(o, d, array(select gm.member_id from astapa.scim_group_members gm
                                                where gm.project_id = g.project_id and gm.group_id = g.id));
    perform astapa.audit(o.project_id, 'scim.group_mapped', o.id, pg_catalog.jsonb_build_object(
      'directory', d.id, 'group', g.id::text, 'display_name', g.display_name, 'role', g.role,
      'previous', previous, 'roles_changed', roles));
    return astapa.scim_group_mapping_json(g);
  end
  $$;

comment on function api.map_scim_group(text, text, text) is
  'Maps an organization''s (id or slug) SCIM group to an organization role (null: unmapped) and gives its members '
  'the role their mapped groups now give (astapa.scim_sync_roles; owners untouched). Audited scim.group_mapped. '
  'AS404 no directory or group, AS400 owner or an unknown role.';

grant execute on function api.map_scim_group(text, text, text) to astapa_app;
