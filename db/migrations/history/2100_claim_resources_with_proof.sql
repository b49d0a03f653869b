-- Protected resources stop being first come, first served (docs/mcp.md "Who owns a resource"):
-- * variants of one URI are one resource: the app stores the canonical form (lib/oauth/scope.ts
--   canonicalResource: lower-case scheme and host, no default port, no trailing slash, no fragment), and the
--   deployment-wide uniqueness is on a case-folded key, so `https://h/MCP` cannot squat next to `https://h/mcp`;
-- * a registration records whether the project proved control of the resource (its RFC 9728 metadata names
--   this issuer and the project, checked by the app before it calls here); production projects must prove it;
-- * a proven claim displaces an unproven registration of the same resource by another project (a sandbox's
--   test registration never blocks the real owner), and the deployment owner settles anything else with
--   api.assign_resource (CLI `resource assign`).

create function astapa.resource_key(uri text) returns text
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$ select pg_catalog.lower(pg_catalog.rtrim(uri, '/')) $$;

comment on function astapa.resource_key(text) is
  'The identity of a resource URI for deployment-wide uniqueness: case-folded, trailing slashes dropped. Two '
  'URIs with one key are one resource (a variant cannot be registered by another project).';

grant execute on function astapa.resource_key(text) to astapa_app;

alter table astapa.resources add column verified_at timestamptz;

comment on column astapa.resources.verified_at is
  'When the project proved control of the resource (its protected-resource metadata named this issuer and the '
  'project), or when the deployment owner assigned it; null for an unproven (sandbox) registration.';

-- Variants registered before this migration: the earliest registration keeps the resource; later ones lose it
-- (audited in their project) and the deployment owner can reassign it. RLS is lifted for these statements only.
alter table astapa.resources no force row level security;
alter table astapa.machine_clients no force row level security;
alter table astapa.audit_log no force row level security;

create temporary table displaced_resources on commit drop as
  select r.project_id, r.uri from (
    select project_id, uri, pg_catalog.row_number() over (
      partition by astapa.resource_key(uri) order by created_at, project_id) as n
    from astapa.resources) r
  where r.n > 1;

update astapa.machine_clients m
set resources = pg_catalog.array_remove(m.resources, d.uri), updated_at = pg_catalog.now()
from displaced_resources d
where m.project_id = d.project_id and d.uri = any (m.resources);

insert into astapa.audit_log (project_id, actor, action, target, details)
select d.project_id, 'migration', 'resource.displaced', d.uri, '{"reason":"variant of an earlier registration"}'
from displaced_resources d;

delete from astapa.resources r using displaced_resources d where r.project_id = d.project_id and r.uri = d.uri;

-- The canonical form now drops a path's trailing slash too (`https://h/mcp/` → `https://h/mcp`, as every grant
-- and lookup now normalises a request): stored URIs, clients' lists and the resources grants are bound to follow.
alter table astapa.refresh_tokens no force row level security;
alter table astapa.authorization_codes no force row level security;
update astapa.resources set uri = pg_catalog.rtrim(uri, '/') where uri !~ '[?]' and uri ~ '[^/]/+$';
update astapa.machine_clients m
set resources = array(select case when r !~ '[?]' then pg_catalog.rtrim(r, '/') else r end
                      from pg_catalog.unnest(m.resources) as r)
where exists (select 1 from pg_catalog.unnest(m.resources) as r where r !~ '[?]' and r ~ '[^/]/+$');
update astapa.refresh_tokens set resource = pg_catalog.rtrim(resource, '/')
where resource !~ '[?]' and resource ~ '[^/]/+$';
update astapa.authorization_codes set resource = pg_catalog.rtrim(resource, '/')
where resource !~ '[?]' and resource ~ '[^/]/+$';
alter table astapa.refresh_tokens force row level security;
alter table astapa.authorization_codes force row level security;

alter table astapa.resources force row level security;
alter table astapa.machine_clients force row level security;
alter table astapa.audit_log force row level security;

alter table astapa.resources drop constraint resources_uri_key;
create unique index resources_resource_key_key on astapa.resources (astapa.resource_key(uri));

-- The claim functions below find another project's registration of the same resource through this policy,
-- for the one key they name (astapa.claim_resource_key is set for those statements only).
create policy "definer functions see the registration a claim names" on astapa.resources
  for select to astapa_owner
  using (astapa.resource_key(uri) = nullif(pg_catalog.current_setting('astapa.claim_resource_key', true), ''));

create policy "definer functions release the registration a claim names" on astapa.resources
  for delete to astapa_owner
  using (astapa.resource_key(uri) = nullif(pg_catalog.current_setting('astapa.claim_resource_key', true), ''));

-- Who else holds `key`: 'free' (nobody), 'held' (another project, left alone) or 'released' (taken away from
-- it: its machine clients lose the resource and its audit log says so). mode 'look' only reports;
-- 'unproven' releases an unproven registration; 'any' releases whatever is there.
create function astapa.release_resource(key text, mode text) returns text
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

drop function api.add_resource(text, text);

create function api.add_resource(uri text, name text default '', proven boolean default false) returns jsonb
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
    select p.mode into project_mode from astapa.projects p where p.id = astapa.current_project_id();
    if project_mode = 'production' and not coalesce(proven, false) then
      raise exception using errcode = 'AS403', message = pg_catalog.format(
        'Resource %s needs proof of control before a production project may register it: serve its '
        'protected-resource metadata naming this issuer and the project (docs/mcp.md).', uri);
    end if;
    if exists (select 1 from astapa.resources r
               where r.project_id = astapa.current_project_id()
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

create or replace function astapa.resource_json(r astapa.resources) returns jsonb
  language sql
  immutable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('uri', r.uri, 'name', r.name, 'created_at', r.created_at,
      'verified', r.verified_at is not null)
  $$;

-- The deployment owner settles a dispute: the resource goes to `project_id`, proven by the owner's word.
create function api.assign_resource(uri text, project_id text, name text default '') returns jsonb
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
