-- Organizations (issue 28): teams inside a project, their members and roles (built-in owner, admin, member and
-- project-defined ones with permissions), invitations by email, verified email domains, and the active
-- organization's claims in a token.
-- Every function that changes who belongs to an organization first locks its row (astapa.lock_organization),
-- so the races the issue names serialise: two acceptances into the last seat, the last owner leaving while
-- another is demoted, a domain verified by two organizations (the partial unique index decides that one).
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own organizations" on astapa.organizations;
create policy "a project reads its own organizations" on astapa.organizations
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds its own organizations" on astapa.organizations;
create policy "a project adds its own organizations" on astapa.organizations
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project changes its own organizations" on astapa.organizations;
create policy "a project changes its own organizations" on astapa.organizations
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own organizations" on astapa.organizations;
create policy "a project removes its own organizations" on astapa.organizations
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own organization roles" on astapa.organization_roles;
create policy "a project reads its own organization roles" on astapa.organization_roles
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds its own organization roles" on astapa.organization_roles;
create policy "a project adds its own organization roles" on astapa.organization_roles
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project changes its own organization roles" on astapa.organization_roles;
create policy "a project changes its own organization roles" on astapa.organization_roles
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own organization roles" on astapa.organization_roles;
create policy "a project removes its own organization roles" on astapa.organization_roles
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own organization memberships" on astapa.organization_memberships;
create policy "a project reads its own organization memberships" on astapa.organization_memberships
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds its own organization memberships" on astapa.organization_memberships;
create policy "a project adds its own organization memberships" on astapa.organization_memberships
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project changes its own organization memberships" on astapa.organization_memberships;
create policy "a project changes its own organization memberships" on astapa.organization_memberships
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own organization memberships" on astapa.organization_memberships;
create policy "a project removes its own organization memberships" on astapa.organization_memberships
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own organization invitations" on astapa.organization_invitations;
create policy "a project reads its own organization invitations" on astapa.organization_invitations
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds its own organization invitations" on astapa.organization_invitations;
create policy "a project adds its own organization invitations" on astapa.organization_invitations
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project changes its own organization invitations" on astapa.organization_invitations;
create policy "a project changes its own organization invitations" on astapa.organization_invitations
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own organization invitations" on astapa.organization_invitations;
create policy "a project removes its own organization invitations" on astapa.organization_invitations
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own organization domains" on astapa.organization_domains;
create policy "a project reads its own organization domains" on astapa.organization_domains
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds its own organization domains" on astapa.organization_domains;
create policy "a project adds its own organization domains" on astapa.organization_domains
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project changes its own organization domains" on astapa.organization_domains;
create policy "a project changes its own organization domains" on astapa.organization_domains
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own organization domains" on astapa.organization_domains;
create policy "a project removes its own organization domains" on astapa.organization_domains
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));
create or replace function astapa.organization_json(o astapa.organizations) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'id', o.id, 'name', o.name, 'slug', o.slug, 'metadata', o.metadata, 'plan', o.plan_key,
      'plan_paid_through', o.plan_paid_through, 'plan_canceled_at', o.plan_canceled_at,
      'seat_limit', astapa.organization_seat_limit(o),
      'next_seat_limit', case when o.next_seat_limit_from > pg_catalog.now() then o.next_seat_limit end,
      'next_seat_limit_from', case when o.next_seat_limit_from > pg_catalog.now() then o.next_seat_limit_from end,
      'members', (select count(*) from astapa.organization_memberships m
                  where m.project_id = o.project_id and m.organization_id = o.id),
      -- As api.billing_account's open_change for a person: the change the next period renews into, or null.
      'open_change', (select astapa.plan_change_json(c) from astapa.scheduled_plan_change(o) as c
                      where c.id is not null),
      'created_at', o.created_at, 'updated_at', o.updated_at)
  $$;

comment on function astapa.organization_json(astapa.organizations) is
  'An organization as the API shows it: id, name, slug, metadata, plan (its team plan''s key or null), '
  'plan_paid_through (when bought through Astapa), plan_canceled_at (canceled: ends at plan_paid_through), '
  'seat_limit (in force now), next_seat_limit and '
  'next_seat_limit_from (fewer seats paid for a later period, from its start; else null), members (a count), '
  'open_change (the plan change scheduled for its next period, else null), timestamps.';

grant execute on function astapa.organization_json(astapa.organizations) to astapa_app;

create or replace function astapa.lock_organization(organization_id text) returns astapa.organizations
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations;
  begin
    select * into o from astapa.organizations as x
    where x.project_id = (select astapa.current_project_id())
      and (x.id = lock_organization.organization_id or x.slug = lock_organization.organization_id)
    for update;
    if o.id is null then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('Organization %s was not found in this project.', organization_id);
    end if;
    return o;
  end
  $$;

comment on function astapa.lock_organization(text) is
  'The current project''s organization (by id or slug: a slug never contains _), locked for the rest of the '
  'transaction so that membership changes to it happen one after another; AS404 when there is none.';

grant execute on function astapa.lock_organization(text) to astapa_app;

create or replace function astapa.organization_role_permissions(role text) returns text[]
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce((select r.permissions from astapa.organization_roles r
                     where r.project_id = (select astapa.current_project_id()) and r.key = role), '{}')
  $$;

comment on function astapa.organization_role_permissions(text) is
  'The permissions a role carries in the current project (its organization_roles row''s; none otherwise).';

grant execute on function astapa.organization_role_permissions(text) to astapa_app;

create or replace function astapa.assert_organization_role(role text) returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    if role is null or not (role in ('owner', 'admin', 'member') or exists (
        select from astapa.organization_roles r where r.project_id = (select astapa.current_project_id())
                                                      and r.key = role)) then
      raise exception using errcode = 'AS400', message = pg_catalog.format(
        'Role %s is neither owner, admin, member nor one this project defined.', coalesce(role, '(none)'));
    end if;
  end
  $$;

comment on function astapa.assert_organization_role(text) is
  'AS400 unless the role is built in (owner, admin, member) or defined by the current project.';

grant execute on function astapa.assert_organization_role(text) to astapa_app;

create or replace function astapa.highest_organization_role(project_id text, roles text[]) returns text
  language sql
  stable
  set search_path = ''
  as $$
    select x.role from pg_catalog.unnest(roles) as x(role)
    left join astapa.organization_roles r on r.project_id = highest_organization_role.project_id and r.key = x.role
    -- owner is never an IdP's to give (SCIM groups and SSO group roles cannot map it): never among the candidates.
    where x.role is not null and x.role <> 'owner'
    -- The highest role wins: admin, then the project's own roles (more permissions first, then by key), then member.
    order by case x.role when 'admin' then 0 when 'member' then 2 else 1 end,
             pg_catalog.cardinality(coalesce(r.permissions, '{}')) desc, x.role
    limit 1
  $$;

comment on function astapa.highest_organization_role(text, text[]) is
  'The highest of the roles an IdP''s groups give (admin, then project-defined roles by number of permissions and '
  'key, then member; owner never): the one ordering SCIM groups (astapa.scim_mapped_role) and SSO group roles '
  '(astapa.sso_group_role) share. Null when there is none.';

grant execute on function astapa.highest_organization_role(text, text[]) to astapa_app;

create or replace function astapa.membership_json(m astapa.organization_memberships) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'organization_id', m.organization_id, 'user_id', m.user_id::text, 'email', u.email, 'role', m.role,
      'permissions', pg_catalog.to_jsonb(astapa.organization_role_permissions(m.role)),
      'created_at', m.created_at, 'updated_at', m.updated_at)
    from astapa.users u where u.project_id = m.project_id and u.id = m.user_id
  $$;

comment on function astapa.membership_json(astapa.organization_memberships) is
  'A membership as the API shows it: organization_id, user_id (the sub), email, role, permissions, timestamps.';

grant execute on function astapa.membership_json(astapa.organization_memberships) to astapa_app;

create or replace function astapa.assert_organization_keeps_an_owner(organization_id text) returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    if not exists (select from astapa.organization_memberships m
                   where m.project_id = (select astapa.current_project_id())
                     and m.organization_id = assert_organization_keeps_an_owner.organization_id and m.role = 'owner') then
      raise exception using errcode = 'AS409', message = 'An organization keeps at least one owner: '
        'make another member owner first (transfer the ownership), or delete the organization.';
    end if;
  end
  $$;

comment on function astapa.assert_organization_keeps_an_owner(text) is
  'AS409 when a change left the organization without an owner (its transaction then rolls back).';

grant execute on function astapa.assert_organization_keeps_an_owner(text) to astapa_app;

create or replace function astapa.organization_seat_limit(o astapa.organizations) returns integer
  language sql
  stable
  set search_path = ''
  as $$
    select case when o.next_seat_limit_from <= pg_catalog.now() then o.next_seat_limit else o.seat_limit end
  $$;

comment on function astapa.organization_seat_limit(astapa.organizations) is
  'The seat limit in force now: next_seat_limit once its period has begun (fewer seats paid for a later period), '
  'else seat_limit; null: no limit.';

grant execute on function astapa.organization_seat_limit(astapa.organizations) to astapa_app;

create or replace function astapa.assert_organization_seat(o astapa.organizations, counting_invitations boolean)
  returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    taken integer;
    seats integer := astapa.organization_seat_limit(o);
    -- A plan change scheduled for the next period (api.change_organization_plan) was allowed for the members of
    -- then: nobody joins past its seats meanwhile, so the renewal never starts with more members than seats.
    scheduled astapa.plan_changes := astapa.scheduled_plan_change(o);
  begin
    if seats is null and scheduled.seats is null then
      return;
    end if;
    select count(*) into taken from astapa.organization_memberships m
    where m.project_id = o.project_id and m.organization_id = o.id;
    if counting_invitations then
      taken := taken + (select count(*) from astapa.organization_invitations i
                        where i.project_id = o.project_id and i.organization_id = o.id
                          and i.accepted_at is null and i.revoked_at is null and i.expires_at > pg_catalog.now());
    end if;
    -- AS4F9 (organization_full, a conflict): the hosted login tells a full organization from other refusals.
    if taken >= seats then
      raise exception using errcode = 'AS4F9', message = pg_catalog.format(
        'Organization %s has all of its %s seats taken%s: remove a member%s or move to a plan with more seats.',
        o.name, seats, case when counting_invitations then ' (members and open invitations)' else '' end,
        case when counting_invitations then ', revoke an invitation' else '' end);
    elsif taken >= scheduled.seats then
      raise exception using errcode = 'AS4F9', message = pg_catalog.format(
        'Organization %s moves to plan %s with %s seats on %s, and they are all taken%s: withdraw or change the '
        'plan change, or remove a member%s.', o.name, scheduled.to_plan, scheduled.seats,
        pg_catalog.to_char(scheduled.effective_at at time zone 'UTC', 'YYYY-MM-DD'),
        case when counting_invitations then ' (members and open invitations)' else '' end,
        case when counting_invitations then ' or revoke an invitation' else '' end);
    end if;
  end
  $$;

comment on function astapa.assert_organization_seat(astapa.organizations, boolean) is
  'AS4F9 (organization_full) when the (locked) organization has no free seat: members, and open invitations when inviting; under '
  'the limit in force and under the seats of a plan change scheduled for its next period.';

grant execute on function astapa.assert_organization_seat(astapa.organizations, boolean) to astapa_app;

create or replace function astapa.emit_membership(type text, m astapa.organization_memberships, reason text)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- One literal per type, so tests/sql/event_types_test.ts sees every type this file emits.
    case type
      when 'membership.created' then
        perform astapa.emit_event(m.project_id, 'membership.created', pg_catalog.jsonb_build_object(
          'membership', astapa.membership_json(m), 'reason', reason));
      when 'membership.updated' then
        perform astapa.emit_event(m.project_id, 'membership.updated', pg_catalog.jsonb_build_object(
          'membership', astapa.membership_json(m), 'reason', reason));
      else
        perform astapa.emit_event(m.project_id, 'membership.deleted', pg_catalog.jsonb_build_object(
          'membership', astapa.membership_json(m), 'reason', reason));
    end case;
    perform astapa.audit(m.project_id, type, m.organization_id,
      pg_catalog.jsonb_build_object('user_id', m.user_id::text, 'role', m.role, 'reason', reason));
  end
  $$;

comment on function astapa.emit_membership(text, astapa.organization_memberships, text) is
  'Emits membership.created|updated|deleted for a membership and audits it with the reason (added, invitation, sso, '
  'domain, role, transfer, removed, left, claimed, scim).';

grant execute on function astapa.emit_membership(text, astapa.organization_memberships, text) to astapa_app;

create or replace function astapa.assert_may_join(o astapa.organizations, user_id bigint, role text)
  returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    if not exists (select from astapa.users u where u.project_id = o.project_id and u.id = assert_may_join.user_id) then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    if exists (select from astapa.organization_memberships x
               where x.project_id = o.project_id and x.organization_id = o.id and x.user_id = assert_may_join.user_id) then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('User %s is already a member of %s.', user_id, o.name);
    end if;
    perform astapa.assert_organization_role(role);
    perform astapa.assert_organization_seat(o, false);
  end
  $$;

comment on function astapa.assert_may_join(astapa.organizations, bigint, text) is
  'Whether a user of the project may become a member of the organization with a role, without adding them (the '
  'hosted login asks before an invitation is accepted). AS404 unknown user, AS409 already a member, AS4F9 no '
  'free seat, AS400 unknown role.';

grant execute on function astapa.assert_may_join(astapa.organizations, bigint, text) to astapa_app;

create or replace function astapa.add_membership(o astapa.organizations, user_id bigint, role text, reason text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    m astapa.organization_memberships;
  begin
    perform astapa.assert_may_join(o, user_id, role);
    insert into astapa.organization_memberships (project_id, organization_id, user_id, role)
    values (o.project_id, o.id, user_id, role) returning * into m;
    perform astapa.emit_membership('membership.created', m, reason);
    return astapa.membership_json(m);
  end
  $$;

comment on function astapa.add_membership(astapa.organizations, bigint, text, text) is
  'Makes a user of the project a member of the (locked) organization with a role, within its seat limit; '
  'emitted and audited. astapa.assert_may_join''s errors: AS404 unknown user, AS409 already a member, AS4F9 no '
  'free seat, AS400 unknown role.';

grant execute on function astapa.add_membership(astapa.organizations, bigint, text, text) to astapa_app;

create or replace function api.create_organization(
  name text, slug text, owner_user_id bigint default null, metadata jsonb default '{}')
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations;
  begin
    if name is null or pg_catalog.length(pg_catalog.btrim(name)) not between 1 and 200 or name ~ '[[:cntrl:]]' then
      raise exception using errcode = 'AS400', message = 'name must be 1 to 200 characters.';
    elsif slug is null or slug !~ '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$' then
      raise exception using errcode = 'AS400',
        message = 'slug must be 1 to 64 characters of a-z, 0-9 and -, not starting or ending with -.';
    elsif pg_catalog.jsonb_typeof(coalesce(metadata, '{}')) <> 'object'
          or pg_catalog.octet_length(metadata::text) > 4096 then
      raise exception using errcode = 'AS400', message = 'metadata must be a JSON object of at most 4 KiB.';
    elsif exists (select from astapa.organizations x
                  where x.project_id = (select astapa.current_project_id()) and x.slug = create_organization.slug) then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('Another organization of this project has the slug %s.', slug);
    end if;
    insert into astapa.organizations (project_id, id, name, slug, metadata)
    values (astapa.current_project_id(), astapa.random_id('org_', 24), pg_catalog.btrim(name), slug,
            coalesce(metadata, '{}'))
    returning * into o;
    perform astapa.emit_event(o.project_id, 'organization.created',
      pg_catalog.jsonb_build_object('organization', astapa.organization_json(o)));
    perform astapa.audit(o.project_id, 'organization.created', o.id, pg_catalog.jsonb_build_object('slug', o.slug));
    if owner_user_id is not null then
      perform astapa.add_membership(o, owner_user_id, 'owner', 'created');
    end if;
    return astapa.organization_json(o);
  end
  $$;

comment on function api.create_organization(text, text, bigint, jsonb) is
  'Creates an organization in the current project, with owner_user_id as its first owner when given; emitted '
  '(organization.created) and audited. AS400 bad name, slug or metadata; AS409 slug taken; AS404 unknown owner.';

grant execute on function api.create_organization(text, text, bigint, jsonb) to astapa_app;

create or replace function api.update_organization(organization_id text, patch jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    members integer;
  begin
    if pg_catalog.jsonb_typeof(patch) is distinct from 'object' or exists (
        select from pg_catalog.jsonb_object_keys(patch) k where k not in ('name', 'slug', 'metadata', 'plan', 'seat_limit')) then
      raise exception using errcode = 'AS400',
        message = 'Only name, slug, metadata, plan and seat_limit of an organization can be changed.';
    elsif patch ? 'name' and (pg_catalog.jsonb_typeof(patch -> 'name') <> 'string'
          or pg_catalog.length(pg_catalog.btrim(patch ->> 'name')) not between 1 and 200 or patch ->> 'name' ~ '[[:cntrl:]]') then
      raise exception using errcode = 'AS400', message = 'name must be 1 to 200 characters.';
    elsif patch ? 'slug' and (pg_catalog.jsonb_typeof(patch -> 'slug') <> 'string'
          or patch ->> 'slug' !~ '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$') then
      raise exception using errcode = 'AS400',
        message = 'slug must be 1 to 64 characters of a-z, 0-9 and -, not starting or ending with -.';
    elsif patch ? 'metadata' and (pg_catalog.jsonb_typeof(patch -> 'metadata') <> 'object'
          or pg_catalog.octet_length((patch -> 'metadata')::text) > 4096) then
      raise exception using errcode = 'AS400', message = 'metadata must be a JSON object of at most 4 KiB.';
    elsif patch ? 'plan' and pg_catalog.jsonb_typeof(patch -> 'plan') <> 'null' and (
          pg_catalog.jsonb_typeof(patch -> 'plan') <> 'string' or not exists (
            select from astapa.plans p where p.project_id = o.project_id and p.key = patch ->> 'plan'
              and p.archived_at is null)) then
      raise exception using errcode = 'AS400',
        message = 'plan must be null or the key of a plan of this project that is not archived.';
    elsif patch ? 'seat_limit' and pg_catalog.jsonb_typeof(patch -> 'seat_limit') <> 'null' and (
          pg_catalog.jsonb_typeof(patch -> 'seat_limit') <> 'number' or (patch ->> 'seat_limit') !~ '^[0-9]{1,6}$'
          or (patch ->> 'seat_limit')::integer not between 1 and 100000) then
      raise exception using errcode = 'AS400', message = 'seat_limit must be null or a whole number from 1 to 100000.';
    elsif exists (select from astapa.organizations x where x.project_id = o.project_id
                    and x.slug = patch ->> 'slug' and x.id <> o.id) then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('Another organization of this project has the slug %s.', patch ->> 'slug');
    end if;
    -- A personal plan never lands on an organization (issue 28), as a team plan never lands on a person.
    -- FOR SHARE: api.set_plan_seats, turning the plan personal meanwhile, waits and then sees this organization.
    if patch ? 'plan' and pg_catalog.jsonb_typeof(patch -> 'plan') = 'string' and exists (
        select from astapa.plans p where p.project_id = o.project_id and p.key = patch ->> 'plan'
          and p.seat_pricing is null for share) then
      raise exception using errcode = 'AS400', detail = '{"plan": ["A personal plan: an organization takes a team plan."]}',
        message = pg_catalog.format('Plan %s is a personal plan: an organization takes a team plan '
          '(make it one with PUT /api/platform/plans/%s/seats).', patch ->> 'plan', patch ->> 'plan');
    end if;
    if patch ? 'seat_limit' and pg_catalog.jsonb_typeof(patch -> 'seat_limit') = 'number' then
      -- Fewer seats than members would leave people the organization cannot hold: remove them first.
      select count(*) into members from astapa.organization_memberships m
      where m.project_id = o.project_id and m.organization_id = o.id;
      if members > (patch ->> 'seat_limit')::integer then
        raise exception using errcode = 'AS409', message = pg_catalog.format(
          '%s has %s members, more than %s seats: remove members first.', o.name, members, patch ->> 'seat_limit');
      end if;
    end if;
    if patch ? 'plan' then
      -- A plan the app sets itself replaces one scheduled for the next period (applied if it is that plan).
      perform astapa.settle_plan_changes(o.project_id, null, o.id, patch ->> 'plan');
    end if;
    update astapa.organizations x set
      name = coalesce(pg_catalog.btrim(patch ->> 'name'), x.name),
      slug = coalesce(patch ->> 'slug', x.slug),
      metadata = coalesce(patch -> 'metadata', x.metadata),
      plan_key = case when patch ? 'plan' then patch ->> 'plan' else x.plan_key end,
      seat_limit = case when patch ? 'seat_limit' then (patch ->> 'seat_limit')::integer else x.seat_limit end,
      -- A plan the app sets itself runs until it changes it: no paid period of Astapa's applies.
      plan_paid_through = case when patch ? 'plan' then null else x.plan_paid_through end,
      plan_canceled_at = case when patch ? 'plan' then null else x.plan_canceled_at end,
      plan_reminded_for = case when patch ? 'plan' then null else x.plan_reminded_for end,
      -- A limit or plan the app sets itself replaces any lower limit paid for a later period.
      next_seat_limit = case when patch ? 'plan' or patch ? 'seat_limit' then null else x.next_seat_limit end,
      next_seat_limit_from = case when patch ? 'plan' or patch ? 'seat_limit' then null else x.next_seat_limit_from end,
      updated_at = pg_catalog.now()
    where x.project_id = o.project_id and x.id = o.id
    returning * into o;
    perform astapa.emit_event(o.project_id, 'organization.updated',
      pg_catalog.jsonb_build_object('organization', astapa.organization_json(o)));
    perform astapa.audit(o.project_id, 'organization.updated', o.id, patch - 'metadata');
    return astapa.organization_json(o);
  end
  $$;

comment on function api.update_organization(text, jsonb) is
  'Changes an organization''s name, slug, metadata, plan (a team plan the app sells itself; null: none) or '
  'seat_limit (null: no limit) — the keys of patch; emitted and audited. AS400 bad patch or a personal plan '
  '(fields.plan), AS404 unknown organization, AS409 slug taken or fewer seats than members.';

grant execute on function api.update_organization(text, jsonb) to astapa_app;

create or replace function api.delete_organization(organization_id text) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
  begin
    -- Memberships, invitations and domains go with it (on delete cascade); tokens lose the claims at refresh.
    perform astapa.emit_event(o.project_id, 'organization.deleted',
      pg_catalog.jsonb_build_object('organization', astapa.organization_json(o)));
    perform astapa.audit(o.project_id, 'organization.deleted', o.id, pg_catalog.jsonb_build_object('slug', o.slug));
    delete from astapa.organizations x where x.project_id = o.project_id and x.id = o.id;
  end
  $$;

comment on function api.delete_organization(text) is
  'Deletes an organization with its memberships, invitations and domains; emitted and audited. AS404 unknown.';

grant execute on function api.delete_organization(text) to astapa_app;

create or replace function api.get_organization(organization_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.organization_json(o) || pg_catalog.jsonb_build_object('domains', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'domain', d.domain, 'verified', d.verified_at is not null, 'verified_at', d.verified_at,
          'verification_token', d.verification_token) order by d.domain)
        from astapa.organization_domains d where d.project_id = o.project_id and d.organization_id = o.id), '[]'))
    from astapa.organizations o
    where o.project_id = (select astapa.current_project_id())
      and (o.id = get_organization.organization_id or o.slug = get_organization.organization_id)
  $$;

comment on function api.get_organization(text) is
  'One organization of the current project by id or slug, with its domains; null when there is none.';

grant execute on function api.get_organization(text) to astapa_app;

create or replace function api.list_organizations(search text default null, max_rows integer default 100)
  returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(astapa.organization_json(o) order by o.name, o.id), '[]')
    from (select * from astapa.organizations o
          where o.project_id = (select astapa.current_project_id())
            and (search is null or o.name ilike '%' || search || '%' or o.slug ilike '%' || search || '%')
          order by o.name, o.id
          limit least(greatest(coalesce(max_rows, 100), 1), 1000)) as o
  $$;

comment on function api.list_organizations(text, integer) is
  'The current project''s organizations by name, optionally only those whose name or slug contains search.';

grant execute on function api.list_organizations(text, integer) to astapa_app;

create or replace function api.list_organization_members(organization_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(astapa.membership_json(m) order by m.created_at, m.user_id), '[]')
    from astapa.organization_memberships m
    join astapa.organizations o on o.project_id = m.project_id and o.id = m.organization_id
    where m.project_id = (select astapa.current_project_id())
      and (o.id = list_organization_members.organization_id or o.slug = list_organization_members.organization_id)
  $$;

comment on function api.list_organization_members(text) is 'An organization''s (id or slug) members, oldest first.';

grant execute on function api.list_organization_members(text) to astapa_app;

create or replace function api.add_organization_member(organization_id text, user_id bigint, role text default 'member')
  returns jsonb
  language sql
  volatile
  set search_path = ''
  as $$ select astapa.add_membership(astapa.lock_organization(organization_id), user_id, role, 'added') $$;

comment on function api.add_organization_member(text, bigint, text) is
  'Adds a user of the project to an organization with a role (astapa.add_membership''s checks and errors).';

grant execute on function api.add_organization_member(text, bigint, text) to astapa_app;

create or replace function astapa.set_membership_role(o astapa.organizations, user_id bigint, role text, reason text)
  returns astapa.organization_memberships
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    m astapa.organization_memberships;
    previous text;
  begin
    perform astapa.assert_organization_role(role);
    select x.role into previous from astapa.organization_memberships x
    where x.project_id = o.project_id and x.organization_id = o.id and x.user_id = set_membership_role.user_id
    for update;
    update astapa.organization_memberships x set role = set_membership_role.role, updated_at = pg_catalog.now()
    where x.project_id = o.project_id and x.organization_id = o.id and x.user_id = set_membership_role.user_id
    returning * into m;
    if m.user_id is null then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s is not a member of %s.', user_id, o.name);
    end if;
    -- Only an owner's demotion can leave it ownerless (as a removal): one created without an owner (by the
    -- Platform API, or provisioned by SCIM) still lets its members' roles change.
    if previous = 'owner' then
      perform astapa.assert_organization_keeps_an_owner(o.id);
    end if;
    perform astapa.emit_membership('membership.updated', m, reason);
    return m;
  end
  $$;

comment on function astapa.set_membership_role(astapa.organizations, bigint, text, text) is
  'Gives a member of the (locked) organization another role; emitted and audited with the reason (role, scim). '
  'AS404 not a member, AS400 unknown role, AS409 when it would leave the organization without an owner.';

grant execute on function astapa.set_membership_role(astapa.organizations, bigint, text, text) to astapa_app;

create or replace function api.set_organization_member_role(organization_id text, user_id bigint, role text)
  returns jsonb
  language sql
  volatile
  set search_path = ''
  as $$
    select astapa.membership_json(
      astapa.set_membership_role(astapa.lock_organization(organization_id), user_id, role, 'role'))
  $$;

comment on function api.set_organization_member_role(text, bigint, text) is
  'Gives a member another role (astapa.set_membership_role, reason role); emitted and audited. AS404 not a '
  'member, AS400 unknown role, AS409 when it would leave the organization without an owner.';

grant execute on function api.set_organization_member_role(text, bigint, text) to astapa_app;

create or replace function astapa.remove_membership(o astapa.organizations, user_id bigint, reason text)
  returns astapa.organization_memberships
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    m astapa.organization_memberships;
  begin
    -- The user's row before the membership's (the departure below refers to it): a claim holds that row for update
    -- and then removes the user's memberships (astapa.remove_claimed_memberships), so taking it after the
    -- membership's would be a cycle. Waiting here for a claim under way, the removal then finds no member.
    perform from astapa.users u
    where u.project_id = o.project_id and u.id = remove_membership.user_id
    for key share;
    delete from astapa.organization_memberships x
    where x.project_id = o.project_id and x.organization_id = o.id and x.user_id = remove_membership.user_id
    returning * into m;
    if m.user_id is null then
      return m;
    end if;
    perform astapa.emit_membership('membership.deleted', m, reason);
    -- Remembered, so automatic domain joining does not put them straight back.
    insert into astapa.organization_departures as d (project_id, organization_id, user_id, reason)
    values (o.project_id, o.id, m.user_id, case when reason = 'left' then 'left' else 'removed' end)
    on conflict on constraint organization_departures_pkey
    do update set reason = excluded.reason, departed_at = pg_catalog.now();
    return m;
  end
  $$;

comment on function astapa.remove_membership(astapa.organizations, bigint, text) is
  'Removes a user''s membership of the (locked) organization: membership.deleted emitted and audited with the '
  'reason (removed, left, scim) and a departure recorded (left, or removed), so automatic domain joining does not '
  'add them back. Returns the removed membership (all null when they were none). No last-owner rule: the callers '
  'decide (api.remove_organization_member refuses, astapa.scim_deprovision does not).';

grant execute on function astapa.remove_membership(astapa.organizations, bigint, text) to astapa_app;

create or replace function api.remove_organization_member(organization_id text, user_id bigint, leaving boolean default false)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    m astapa.organization_memberships :=
      astapa.remove_membership(o, user_id, case when leaving then 'left' else 'removed' end);
  begin
    if m.user_id is null then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s is not a member of %s.', user_id, o.name);
    end if;
    -- Only an owner leaving can leave it ownerless; one created without an owner still lets members go. The
    -- refusal rolls the removal, its event and its departure back.
    if m.role = 'owner' then
      perform astapa.assert_organization_keeps_an_owner(o.id);
    end if;
  end
  $$;

comment on function api.remove_organization_member(text, bigint, boolean) is
  'Removes a member (astapa.remove_membership; leaving: they left themselves, as the audit and event say); their '
  'tokens lose the organization''s claims at the next refresh, and automatic domain joining does not add them '
  'back (organization_departures). AS404 not a member, AS409 the last owner.';

grant execute on function api.remove_organization_member(text, bigint, boolean) to astapa_app;

create or replace function astapa.remove_claimed_memberships(project_id text, user_id bigint) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    m astapa.organization_memberships;
    i astapa.organization_invitations;
    organizations integer := 0;
    invitations integer := 0;
  begin
    if remove_claimed_memberships.project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403',
        message = 'Memberships are removed in the project the request acts for.';
    end if;
    -- Each membership goes as api.remove_organization_member removes one (membership.deleted, audited), reason
    -- claimed, with two differences. The last owner may go: explicitly no
    -- astapa.assert_organization_keeps_an_owner, since whoever proved the address is not whoever owned the
    -- organization before. And no departure is recorded: it was not the person's choice nor an admin's, so
    -- automatic domain joining may add the person who proved the address to their own domain's organizations
    -- (it needs that verified address).
    -- No organization's lock either: the caller holds the user's row for update, and a function holding an
    -- organization's lock may wait for that row (a checkout or a departure refers to it), a cycle. The
    -- membership rows' own locks order a role change, transfer or removal under way; seats only free up.
    for m in delete from astapa.organization_memberships x
             where x.project_id = remove_claimed_memberships.project_id
               and x.user_id = remove_claimed_memberships.user_id
             returning * loop
      perform astapa.emit_membership('membership.deleted', m, 'claimed');
      organizations := organizations + 1;
      -- The organization stays, with its other members, plan, payments and the app's data under its id: it may
      -- be the person's own, made before they confirmed the address. Left without an owner (or without anyone),
      -- it is said in the audit log, for the project's admins to give it one (or delete it) by API or dashboard.
      if m.role = 'owner' and not exists (
          select from astapa.organization_memberships x
          where x.project_id = m.project_id and x.organization_id = m.organization_id and x.role = 'owner') then
        perform astapa.audit(m.project_id, 'organization.owner_removed_by_claim', m.organization_id,
          pg_catalog.jsonb_build_object('user_id', m.user_id::text, 'members', (
            select pg_catalog.count(*) from astapa.organization_memberships x
            where x.project_id = m.project_id and x.organization_id = m.organization_id)));
      end if;
    end loop;
    -- Invitations sent from the account (as an owner or admin) and still open: whoever sent them held the
    -- account without proof. Withdrawn as api.revoke_organization_invitation withdraws one (audited).
    for i in update astapa.organization_invitations x set revoked_at = pg_catalog.now()
             where x.project_id = remove_claimed_memberships.project_id
               and x.invited_by = remove_claimed_memberships.user_id
               and x.accepted_at is null and x.revoked_at is null
             returning * loop
      perform astapa.audit(i.project_id, 'organization.invitation_revoked', i.organization_id,
        pg_catalog.jsonb_build_object('invitation', i.id, 'email', i.email, 'reason', 'claimed'));
      invitations := invitations + 1;
    end loop;
    return pg_catalog.jsonb_build_object('organizations', organizations, 'invitations', invitations);
  end
  $$;

comment on function astapa.remove_claimed_memberships(text, bigint) is
  'A claim''s part (astapa.claim_unproven_account) for organizations: removes every membership of the user, '
  'each emitted membership.deleted and audited with reason claimed (the last owner too, on purpose: the '
  'organization stays, audited organization.owner_removed_by_claim when left without an owner; no departure is '
  'recorded), and withdraws the open invitations the user sent (audited organization.invitation_revoked, '
  'reason claimed). Returns {organizations, invitations}: the counts. AS403 outside the acting project.';

grant execute on function astapa.remove_claimed_memberships(text, bigint) to astapa_app;

create or replace function api.transfer_organization_ownership(organization_id text, from_user_id bigint, to_user_id bigint)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    giver astapa.organization_memberships;
    taker astapa.organization_memberships;
  begin
    select * into giver from astapa.organization_memberships x
    where x.project_id = o.project_id and x.organization_id = o.id and x.user_id = from_user_id;
    if giver.role is distinct from 'owner' then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('User %s is not an owner of %s, so has no ownership to transfer.', from_user_id, o.name);
    end if;
    if from_user_id = to_user_id then
      raise exception using errcode = 'AS400', message = 'Ownership is transferred to another member.';
    end if;
    update astapa.organization_memberships x set role = 'owner', updated_at = pg_catalog.now()
    where x.project_id = o.project_id and x.organization_id = o.id and x.user_id = to_user_id
    returning * into taker;
    if taker.user_id is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format(
        'User %s is not a member of %s: invite them first.', to_user_id, o.name);
    end if;
    update astapa.organization_memberships x set role = 'admin', updated_at = pg_catalog.now()
    where x.project_id = o.project_id and x.organization_id = o.id and x.user_id = from_user_id
    returning * into giver;
    perform astapa.emit_membership('membership.updated', taker, 'transfer');
    perform astapa.emit_membership('membership.updated', giver, 'transfer');
    return api.list_organization_members(o.id);
  end
  $$;

comment on function api.transfer_organization_ownership(text, bigint, bigint) is
  'Makes a member owner and the giving owner an admin, in one step; emitted and audited. AS409 the giver is no '
  'owner, AS404 the taker is no member, AS400 the same person.';

grant execute on function api.transfer_organization_ownership(text, bigint, bigint) to astapa_app;

create or replace function api.list_organization_roles() returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_agg(r order by r ->> 'key')
    from (select pg_catalog.jsonb_build_object('key', b.key, 'name', coalesce(r.name, b.name), 'built_in', true,
                   'permissions', pg_catalog.to_jsonb(coalesce(r.permissions, '{}'))) as r
          from (values ('owner', 'Owner'), ('admin', 'Admin'), ('member', 'Member')) as b(key, name)
          left join astapa.organization_roles r on r.project_id = (select astapa.current_project_id()) and r.key = b.key
          union all
          select pg_catalog.jsonb_build_object('key', r.key, 'name', r.name, 'built_in', false,
                   'permissions', pg_catalog.to_jsonb(r.permissions))
          from astapa.organization_roles r
          where r.project_id = (select astapa.current_project_id())
                and r.key not in ('owner', 'admin', 'member')) as all_roles
  $$;

comment on function api.list_organization_roles() is
  'The roles members of the current project''s organizations may hold: owner, admin and member (built in) and '
  'the project''s own, each with its permissions, by key.';

grant execute on function api.list_organization_roles() to astapa_app;

create or replace function api.set_organization_role(key text, name text, permissions text[]) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if key is null or key !~ '^[a-z][a-z0-9_:-]{0,63}$' then
      raise exception using errcode = 'AS400',
        message = 'A role key is 1 to 64 characters of a-z, 0-9, _, : and -, starting with a letter.';
    elsif name is null or pg_catalog.length(name) not between 1 and 100 or name ~ '[[:cntrl:]]' then
      raise exception using errcode = 'AS400', message = 'A role name is 1 to 100 characters.';
    elsif pg_catalog.cardinality(coalesce(permissions, '{}')) > 100 or exists (
        select from pg_catalog.unnest(permissions) p where p is null or p !~ '^[a-zA-Z0-9_:.*-]{1,64}$') then
      raise exception using errcode = 'AS400', message =
        'permissions: at most 100, each 1 to 64 characters of letters, digits, _, :, ., * and -.';
    end if;
    insert into astapa.organization_roles as r (project_id, key, name, permissions)
    values (astapa.current_project_id(), key, name,
            array(select distinct p from pg_catalog.unnest(coalesce(permissions, '{}')) p order by p))
    on conflict on constraint organization_roles_pkey do update set name = excluded.name, permissions = excluded.permissions;
    perform astapa.audit(astapa.current_project_id(), 'organization_role.set', key,
      pg_catalog.jsonb_build_object('permissions', permissions));
    return api.list_organization_roles();
  end
  $$;

comment on function api.set_organization_role(text, text, text[]) is
  'Defines (or redefines) a role of the current project''s organizations with its permissions; keyed owner, '
  'admin or member it gives that built-in role permissions. Audited; returns every role. AS400 bad key, name or '
  'permissions.';

grant execute on function api.set_organization_role(text, text, text[]) to astapa_app;

create or replace function api.delete_organization_role(key text) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if key not in ('owner', 'admin', 'member') and exists (
        select from astapa.organization_memberships m where m.project_id = (select astapa.current_project_id())
                                                            and m.role = key
        union all
        select from astapa.organization_invitations i where i.project_id = (select astapa.current_project_id())
                                                            and i.role = key
          and i.accepted_at is null and i.revoked_at is null
        union all
        select from astapa.scim_groups g where g.project_id = (select astapa.current_project_id()) and g.role = key
        union all
        select from astapa.sso_group_roles g where g.project_id = (select astapa.current_project_id())
                                                   and g.role = key) then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        'Members, open invitations, SCIM groups or SSO group roles hold role %s: give them another role first.', key);
    end if;
    delete from astapa.organization_roles r where r.project_id = (select astapa.current_project_id())
                                                  and r.key = delete_organization_role.key;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('This project defines no role %s.', key);
    end if;
    perform astapa.audit(astapa.current_project_id(), 'organization_role.deleted', key);
  end
  $$;

comment on function api.delete_organization_role(text) is
  'Removes a project-defined role (for a built-in one: its permissions); audited. AS409 while members, open '
  'invitations, SCIM groups or SSO group roles (mapped to it) hold it, AS404 unknown.';

grant execute on function api.delete_organization_role(text) to astapa_app;
