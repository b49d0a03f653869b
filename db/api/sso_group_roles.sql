-- An SSO connection's attribute mapping and its IdP groups mapped to organization roles (docs/enterprise-sso.md
-- "Attribute mapping and groups"). The mapping names the SAML attributes or OpenID Connect claims the address, the
-- given and family names and the groups arrive in (null: the well-known names, as before). The group roles map
-- group values (names or ids, exact match) to the organization's roles, never owner; at each sign-in through the
-- connection the person holds the highest role of their mapped groups — by SCIM's ordering,
-- astapa.highest_organization_role — or member with none, as SCIM does when someone leaves every mapped group.
-- An organization whose SCIM directory maps groups takes its roles from SCIM only. The tables are in migration 4293.

drop policy if exists "a project reads its own sso group roles" on astapa.sso_group_roles;
create policy "a project reads its own sso group roles" on astapa.sso_group_roles
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds its own sso group roles" on astapa.sso_group_roles;
create policy "a project adds its own sso group roles" on astapa.sso_group_roles
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own sso group roles" on astapa.sso_group_roles;
create policy "a project removes its own sso group roles" on astapa.sso_group_roles
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

-- A management table, as sso_connections: machine and self-registered clients may not write it.
create or replace trigger sso_group_roles_refuse_foreign_client_writes
  before insert or update or delete or truncate
  on astapa.sso_group_roles for each statement execute function astapa.refuse_foreign_client_writes();

create or replace function astapa.sso_mapping_json(c astapa.sso_connections) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'attribute_mapping', pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'email', c.email_attribute, 'given_name', c.given_name_attribute,
        'family_name', c.family_name_attribute, 'groups', c.groups_attribute)),
      'group_roles', coalesce((select pg_catalog.jsonb_object_agg(g.idp_group, g.role order by g.idp_group)
                               from astapa.sso_group_roles g
                               where g.project_id = c.project_id and g.connection_id = c.id), '{}'::jsonb))
  $$;

comment on function astapa.sso_mapping_json(astapa.sso_connections) is
  'A connection''s attribute_mapping (only the names set; {}: the well-known names) and group_roles (group value → '
  'role; {}: groups change no role), as the API shows them.';

grant execute on function astapa.sso_mapping_json(astapa.sso_connections) to astapa_app;

create or replace function astapa.assert_sso_name(field text, value text) returns void
  language plpgsql
  immutable
  set search_path = ''
  as $$
  begin
    if value is null or pg_catalog.length(value) not between 1 and 256 or value ~ '[[:cntrl:]]'
       or value <> pg_catalog.btrim(value) then
      raise exception using errcode = 'AS400', message = pg_catalog.format(
        '%s must be 1 to 256 characters, without control characters or surrounding spaces.', field);
    end if;
  end
  $$;

comment on function astapa.assert_sso_name(text, text) is
  'AS400 (naming the field) unless an attribute name or group value is 1 to 256 characters without control '
  'characters or surrounding spaces (what the table''s checks allow).';

grant execute on function astapa.assert_sso_name(text, text) to astapa_app;

create or replace function astapa.assert_sso_claim_path(field text, value text) returns void
  language plpgsql
  immutable
  set search_path = ''
  as $$
  begin
    if value like '.%' or value like '%.' or pg_catalog.strpos(value, '..') > 0
       or pg_catalog.length(value) - pg_catalog.length(pg_catalog.replace(value, '.', '')) > 15 then
      raise exception using errcode = 'AS400', message = pg_catalog.format(
        '%s: a claim path has no empty part (no leading, trailing or doubled dot) and at most 15 dots.', field);
    end if;
  end
  $$;

comment on function astapa.assert_sso_claim_path(text, text) is
  'AS400 (naming the field) unless an OpenID Connect claim name, read as a top-level claim first and else as a path '
  'into nested claims split at dots (lib/login/sso/claim_path.ts), has no empty part and at most 15 dots.';

grant execute on function astapa.assert_sso_claim_path(text, text) to astapa_app;

create or replace function astapa.set_sso_mapping(c astapa.sso_connections, attribute_mapping jsonb, group_roles jsonb)
  returns astapa.sso_connections
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    entry record;
  begin
    if attribute_mapping is not null then
      if pg_catalog.jsonb_typeof(attribute_mapping) <> 'object'
         or exists (select from pg_catalog.jsonb_object_keys(attribute_mapping) k
                    where k not in ('email', 'given_name', 'family_name', 'groups')) then
        raise exception using errcode = 'AS400',
          message = 'attribute_mapping names email, given_name, family_name and groups only.';
      end if;
      for entry in select e.key, e.value from pg_catalog.jsonb_each(attribute_mapping) e loop
        continue when pg_catalog.jsonb_typeof(entry.value) = 'null';
        if pg_catalog.jsonb_typeof(entry.value) <> 'string' then
          raise exception using errcode = 'AS400',
            message = pg_catalog.format('attribute_mapping.%s is an attribute name (a string) or null.', entry.key);
        end if;
        perform astapa.assert_sso_name('attribute_mapping.' || entry.key, entry.value #>> '{}');
        -- A SAML attribute name is only ever a name; an OpenID Connect claim name may be a path.
        if c.protocol = 'oidc' then
          perform astapa.assert_sso_claim_path('attribute_mapping.' || entry.key, entry.value #>> '{}');
        end if;
      end loop;
      -- The whole mapping is replaced: a name left out goes back to the well-known names.
      update astapa.sso_connections x set
        email_attribute = attribute_mapping ->> 'email',
        given_name_attribute = attribute_mapping ->> 'given_name',
        family_name_attribute = attribute_mapping ->> 'family_name',
        groups_attribute = attribute_mapping ->> 'groups',
        updated_at = pg_catalog.now()
      where x.project_id = c.project_id and x.id = c.id
      returning * into c;
    end if;
    if group_roles is not null then
      if pg_catalog.jsonb_typeof(group_roles) <> 'object' then
        raise exception using errcode = 'AS400', message = 'group_roles maps group values to roles (an object).';
      end if;
      if (select pg_catalog.count(*) from pg_catalog.jsonb_object_keys(group_roles)) > 100 then
        raise exception using errcode = 'AS400', message = 'group_roles maps at most 100 groups.';
      end if;
      for entry in select e.key, e.value from pg_catalog.jsonb_each(group_roles) e order by e.key loop
        perform astapa.assert_sso_name('A group_roles group', entry.key);
        if pg_catalog.jsonb_typeof(entry.value) <> 'string' then
          raise exception using errcode = 'AS400', message = pg_catalog.format(
            'group_roles: %s maps to a role key (a string).', pg_catalog.left(entry.key, 64));
        end if;
        -- As for SCIM groups (api.map_scim_group): an IdP neither makes owners nor demotes them.
        if entry.value #>> '{}' = 'owner' then
          raise exception using errcode = 'AS400', message = 'owner is not mapped to a group: an IdP neither makes '
            'owners nor demotes them (transfer the ownership instead).';
        end if;
        perform astapa.assert_organization_role(entry.value #>> '{}');
      end loop;
      delete from astapa.sso_group_roles g where g.project_id = c.project_id and g.connection_id = c.id;
      insert into astapa.sso_group_roles (project_id, connection_id, idp_group, role)
      select c.project_id, c.id, e.key, e.value from pg_catalog.jsonb_each_text(group_roles) e;
      update astapa.sso_connections x set updated_at = pg_catalog.now()
      where x.project_id = c.project_id and x.id = c.id
      returning * into c;
    end if;
    return c;
  end
  $$;

comment on function astapa.set_sso_mapping(astapa.sso_connections, jsonb, jsonb) is
  'Replaces a connection''s attribute_mapping ({email, given_name, family_name, groups}: attribute or claim names, '
  'null or left out: the well-known names) and its group_roles ({group value: role}, at most 100; never owner, '
  'every role one of the organization''s); null keeps either. Returns the connection. AS400 a bad name, group or '
  'role.';

grant execute on function astapa.set_sso_mapping(astapa.sso_connections, jsonb, jsonb) to astapa_app;

create or replace function astapa.sso_group_role(c astapa.sso_connections, groups text[]) returns text
  language sql
  stable
  set search_path = ''
  as $$
    select case
      -- No group mapped on this connection: the sign-in changes no role (as before groups existed).
      when not exists (select from astapa.sso_group_roles g where g.project_id = c.project_id and g.connection_id = c.id)
        then null
      -- The organization's SCIM directory maps groups: SCIM is the source of its roles, sign-ins change none.
      when exists (select from astapa.scim_directories d
                   join astapa.scim_groups g on g.project_id = d.project_id and g.directory_id = d.id
                   where d.project_id = c.project_id and d.organization_id = c.organization_id and g.role is not null)
        then null
      else coalesce(astapa.highest_organization_role(c.project_id, array(
             select g.role from astapa.sso_group_roles g
             where g.project_id = c.project_id and g.connection_id = c.id
               and g.idp_group = any(coalesce(sso_group_role.groups, '{}')))), 'member')
    end
  $$;

comment on function astapa.sso_group_role(astapa.sso_connections, text[]) is
  'The organization role a sign-in through the connection gives for the groups the IdP sent: the highest of their '
  'mapped roles (astapa.highest_organization_role, SCIM''s ordering), member when none is mapped; null when groups '
  'decide nothing (the connection maps none, or the organization''s SCIM directory maps groups).';

grant execute on function astapa.sso_group_role(astapa.sso_connections, text[]) to astapa_app;

create or replace function api.set_sso_connection_mapping(organization_id text, attribute_mapping jsonb,
                                                           group_roles jsonb)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    c astapa.sso_connections;
  begin
    select * into c from astapa.sso_connections x where x.project_id = o.project_id and x.organization_id = o.id
    for update;
    if c.id is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format(
        'Organization %s has no SSO connection in this project.', organization_id);
    end if;
    c := astapa.set_sso_mapping(c, attribute_mapping, group_roles);
    perform astapa.audit(o.project_id, 'sso_connection.updated', o.id,
      pg_catalog.jsonb_build_object('connection', c.id, 'protocol', c.protocol, 'enabled', c.enabled)
        || astapa.sso_mapping_json(c));
    return astapa.sso_connection_json(c);
  end
  $$;

comment on function api.set_sso_connection_mapping(text, jsonb, jsonb) is
  'Replaces an organization''s SSO connection''s attribute_mapping and/or group_roles (null keeps either; '
  'astapa.set_sso_mapping) and nothing else (the dashboard''s form). Audited sso_connection.updated. AS404 no '
  'connection, AS400 a bad name, group or role.';

grant execute on function api.set_sso_connection_mapping(text, jsonb, jsonb) to astapa_app;
