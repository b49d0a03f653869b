-- SCIM 2.0 directory provisioning (docs/scim.md; RFC 7643, RFC 7644). An organization's directory is turned on by
-- the project's own client (a bearer token, SHA-256 only); its IdP then creates, changes and deprovisions the
-- organization's people through /scim/v2/{directory}. Every rule lives here: the domain guard (only addresses at
-- the organization's verified domains, as SSO), linking an existing account rather than duplicating it,
-- deprovisioning (membership removed, account disabled, every session and refresh token ended) and re-activation.
-- The tables are in migration 4252. Lock order everywhere: the organization, the SCIM row, the user.

drop policy if exists "a project reads its own scim directories" on astapa.scim_directories;
create policy "a project reads its own scim directories" on astapa.scim_directories
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds its own scim directories" on astapa.scim_directories;
create policy "a project adds its own scim directories" on astapa.scim_directories
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project changes its own scim directories" on astapa.scim_directories;
create policy "a project changes its own scim directories" on astapa.scim_directories
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own scim directories" on astapa.scim_directories;
create policy "a project removes its own scim directories" on astapa.scim_directories
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "definer functions find the scim directory a lookup names" on astapa.scim_directories;
create policy "definer functions find the scim directory a lookup names" on astapa.scim_directories
  for select to astapa_owner
  using (id = nullif(pg_catalog.current_setting('astapa.lookup_scim_directory', true), ''));

drop policy if exists "a project reads its own scim users" on astapa.scim_users;
create policy "a project reads its own scim users" on astapa.scim_users
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds its own scim users" on astapa.scim_users;
create policy "a project adds its own scim users" on astapa.scim_users
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project changes its own scim users" on astapa.scim_users;
create policy "a project changes its own scim users" on astapa.scim_users
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own scim users" on astapa.scim_users;
create policy "a project removes its own scim users" on astapa.scim_users
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

-- Management tables: machine and self-registered clients may not write them (astapa.refuse_foreign_client_writes).
-- The SCIM endpoints act with no client kind, as the hosted login does.
create or replace trigger scim_directories_refuse_foreign_client_writes
  before insert or update or delete or truncate
  on astapa.scim_directories for each statement execute function astapa.refuse_foreign_client_writes();

create or replace trigger scim_users_refuse_foreign_client_writes
  before insert or update or delete or truncate
  on astapa.scim_users for each statement execute function astapa.refuse_foreign_client_writes();

create or replace function astapa.scim_directory_json(d astapa.scim_directories) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'id', d.id, 'organization_id', d.organization_id, 'token_active', d.token_hash is not null,
      'token_created_at', d.token_created_at, 'created_at', d.created_at,
      'users', (select pg_catalog.count(*) from astapa.scim_users u
                where u.project_id = d.project_id and u.directory_id = d.id and u.deleted_at is null),
      'active_users', (select pg_catalog.count(*) from astapa.scim_users u
                       where u.project_id = d.project_id and u.directory_id = d.id and u.deleted_at is null
                         and u.active))
  $$;

comment on function astapa.scim_directory_json(astapa.scim_directories) is
  'A SCIM directory as the Platform API shows it: never the token, only whether one is active and since when, '
  'and how many User resources it holds (active ones apart).';

grant execute on function astapa.scim_directory_json(astapa.scim_directories) to astapa_app;

create or replace function api.enable_scim_directory(organization_id text, token_hash bytea) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    d astapa.scim_directories;
    created boolean;
  begin
    if token_hash is null or pg_catalog.length(token_hash) <> 32 then
      raise exception using errcode = 'AS400', message = 'A SCIM token is stored as its SHA-256 (32 bytes).';
    end if;
    created := not exists (select from astapa.scim_directories x
                           where x.project_id = o.project_id and x.organization_id = o.id);
    -- The new token replaces the old one in the same row: the old one stops working at this commit.
    insert into astapa.scim_directories as x (project_id, organization_id, token_hash, token_created_at)
    values (o.project_id, o.id, enable_scim_directory.token_hash, pg_catalog.now())
    on conflict on constraint scim_directories_organization_id_key
    do update set token_hash = excluded.token_hash, token_created_at = excluded.token_created_at
    returning * into d;
    perform astapa.audit(o.project_id, case when created then 'scim.directory_enabled' else 'scim.token_rotated' end,
      o.id, pg_catalog.jsonb_build_object('directory', d.id));
    return astapa.scim_directory_json(d) || pg_catalog.jsonb_build_object('created', created);
  end
  $$;

comment on function api.enable_scim_directory(text, bytea) is
  'Turns on an organization''s SCIM directory with a new bearer token (its SHA-256), or gives an existing '
  'directory a new token: the old one dies at once (audited scim.directory_enabled or scim.token_rotated). '
  'Returns the directory with created. AS404 unknown organization, AS400 not a SHA-256.';

grant execute on function api.enable_scim_directory(text, bytea) to astapa_app;

create or replace function api.get_scim_directory(organization_id text) returns jsonb
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
      and (o.id = get_scim_directory.organization_id or o.slug = get_scim_directory.organization_id);
    if d.id is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format(
        'Organization %s has no SCIM directory: turn it on with POST …/organizations/%s/scim.',
        organization_id, organization_id);
    end if;
    return astapa.scim_directory_json(d);
  end
  $$;

comment on function api.get_scim_directory(text) is
  'An organization''s SCIM directory (by organization id or slug), without its token; AS404 when it has none.';

grant execute on function api.get_scim_directory(text) to astapa_app;

create or replace function api.list_scim_directories() returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(astapa.scim_directory_json(d) order by d.created_at, d.id), '[]'::jsonb)
    from astapa.scim_directories d
    where d.project_id = (select astapa.current_project_id())
  $$;

comment on function api.list_scim_directories() is
  'The current project''s SCIM directories (never a token), for the dashboard''s Organizations page.';

grant execute on function api.list_scim_directories() to astapa_app;

create or replace function api.revoke_scim_token(organization_id text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    d astapa.scim_directories;
  begin
    update astapa.scim_directories x set token_hash = null, token_created_at = null
    where x.project_id = o.project_id and x.organization_id = o.id
    returning * into d;
    if d.id is null then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('Organization %s has no SCIM directory.', organization_id);
    end if;
    perform astapa.audit(o.project_id, 'scim.token_revoked', o.id, pg_catalog.jsonb_build_object('directory', d.id));
    return astapa.scim_directory_json(d);
  end
  $$;

comment on function api.revoke_scim_token(text) is
  'Revokes an organization''s SCIM token: the directory answers nobody until it is turned on again (a new '
  'token). Its User resources and the accounts they provisioned stay as they are. Audited scim.token_revoked; '
  'AS404 no organization or no directory.';

grant execute on function api.revoke_scim_token(text) to astapa_app;

create or replace function api.authenticate_scim_directory(directory_id text, token_hash bytea) returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    hit record;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'A SCIM token is checked before a project is chosen.';
    end if;
    if directory_id is null or directory_id !~ '^scim_[a-z2-7]{24}$' or token_hash is null then
      return null;
    end if;
    -- Shows the owner this one directory for the next query only. Comparing the SHA-256 of a 256-bit random token
    -- with = leaks nothing an attacker can use (the timing is of a hash they cannot steer).
    perform pg_catalog.set_config('astapa.lookup_scim_directory', directory_id, true);
    select d.project_id, d.organization_id into hit from astapa.scim_directories d
    where d.id = authenticate_scim_directory.directory_id and d.token_hash = authenticate_scim_directory.token_hash;
    perform pg_catalog.set_config('astapa.lookup_scim_directory', '', true);
    if hit.project_id is null then
      return null;
    end if;
    return pg_catalog.jsonb_build_object('project_id', hit.project_id, 'organization_id', hit.organization_id);
  end
  $$;

comment on function api.authenticate_scim_directory(text, bytea) is
  'The project and organization of the SCIM directory the URL names when the bearer token''s SHA-256 is its '
  'current one; null otherwise (unknown, wrong, rotated or revoked token). Security definer because no project '
  'is known before the token is checked; it sees only the one directory the id names (policy "definer functions '
  'find the scim directory a lookup names") and refuses to run once a project is set.';

revoke execute on function api.authenticate_scim_directory(text, bytea) from public;
grant execute on function api.authenticate_scim_directory(text, bytea) to astapa_app;

create or replace function astapa.scim_directory(directory_id text) returns astapa.scim_directories
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    d astapa.scim_directories;
  begin
    select * into d from astapa.scim_directories x
    where x.project_id = (select astapa.current_project_id()) and x.id = scim_directory.directory_id
      and x.token_hash is not null;
    if d.id is null then
      raise exception using errcode = 'AS404', message = 'This SCIM directory is not turned on.';
    end if;
    return d;
  end
  $$;

comment on function astapa.scim_directory(text) is
  'The current project''s SCIM directory with a live token; AS404 otherwise (revoked or removed meanwhile).';

grant execute on function astapa.scim_directory(text) to astapa_app;

create or replace function astapa.scim_domain_verified(project_id text, organization_id text, email text)
  returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    select exists (
      select from astapa.organization_domains d
      where d.project_id = scim_domain_verified.project_id and d.organization_id = scim_domain_verified.organization_id
        and d.verified_at is not null and d.domain = astapa.email_domain(scim_domain_verified.email))
  $$;

comment on function astapa.scim_domain_verified(text, text, text) is
  'Whether the address is at one of the organization''s verified domains (the domains SSO enforcement uses).';

grant execute on function astapa.scim_domain_verified(text, text, text) to astapa_app;

create or replace function astapa.assert_scim_domain(o astapa.organizations, email text) returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    domains text;
  begin
    perform astapa.assert_email(pg_catalog.btrim(email));
    if not astapa.scim_domain_verified(o.project_id, o.id, email) then
      select pg_catalog.string_agg(d.domain, ', ' order by d.domain) into domains
      from astapa.organization_domains d
      where d.project_id = o.project_id and d.organization_id = o.id and d.verified_at is not null;
      raise exception using errcode = 'AS403', message = pg_catalog.format(
        'userName %s is not at a verified domain of %s: this directory provisions only addresses at %s.',
        pg_catalog.btrim(email), o.name, coalesce(domains, '(no verified domain yet)'));
    end if;
  end
  $$;

comment on function astapa.assert_scim_domain(astapa.organizations, text) is
  'AS403 (naming the verified domains) unless the address is at a verified domain of the organization; AS400 '
  'when it is no address at all.';

grant execute on function astapa.assert_scim_domain(astapa.organizations, text) to astapa_app;

create or replace function astapa.scim_user_json(r astapa.scim_users) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    -- RFC 7643 §4.1; meta.location is added by the app, which knows the base URL.
    select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'schemas', pg_catalog.jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:User'),
      'id', r.id::text, 'externalId', r.external_id, 'userName', r.user_name,
      'name', nullif(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'givenName', r.given_name, 'familyName', r.family_name,
        -- As sent; an IdP that sends none gets the given and family name.
        'formatted', coalesce(r.formatted_name, nullif(pg_catalog.concat_ws(' ', r.given_name, r.family_name), ''))
        )), '{}'::jsonb),
      'displayName', r.display_name, 'nickName', r.nick_name, 'preferredLanguage', r.preferred_language,
      'locale', r.locale, 'timezone', r.timezone,
      'emails', nullif(r.emails, '[]'::jsonb),
      'active', r.active,
      'meta', pg_catalog.jsonb_build_object('resourceType', 'User', 'created', r.created_at,
        'lastModified', r.updated_at,
        'version', 'W/"' || (pg_catalog.date_part('epoch', r.updated_at) * 1000000)::bigint::text || '"')))
  $$;

comment on function astapa.scim_user_json(astapa.scim_users) is
  'A SCIM User resource (RFC 7643 §4.1) as the IdP sent it (attributes it did not send left out); without '
  'meta.location.';

grant execute on function astapa.scim_user_json(astapa.scim_users) to astapa_app;

create or replace function astapa.scim_language_tag(accept text) returns text
  language sql
  immutable
  set search_path = ''
  as $$
    -- The language of highest weight in an Accept-Language list (RFC 7231 §5.3.5: "da, en-gb;q=0.8"), the first
    -- of equal weights; * names none. Its shape is judged where it is saved (users_locale_check).
    select pg_catalog.btrim(pg_catalog.split_part(l.part, ';', 1))
    from pg_catalog.unnest(pg_catalog.string_to_array(accept, ',')) with ordinality as l(part, n)
    where pg_catalog.btrim(pg_catalog.split_part(l.part, ';', 1)) not in ('', '*')
    order by coalesce(pg_catalog.substring(l.part, ';\s*[qQ]\s*=\s*([01](\.[0-9]{0,3})?)\s*$')::numeric, 1) desc, l.n
    limit 1
  $$;

comment on function astapa.scim_language_tag(text) is
  'The preferred language of a SCIM preferredLanguage (Accept-Language form): the tag of highest q, the first of '
  'equal ones; null for none.';

grant execute on function astapa.scim_language_tag(text) to astapa_app;

create or replace function astapa.scim_profile_change(resource jsonb) returns jsonb
  language sql
  immutable
  set search_path = ''
  as $$
    -- name: displayName, else name.formatted, else given and family name; locale: preferredLanguage's first
    -- language, else locale; zoneinfo: timezone; nickname: nickName. Only what the IdP sent (nulls left out).
    select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'name', coalesce(resource ->> 'displayName', resource ->> 'formatted',
                       nullif(pg_catalog.concat_ws(' ', resource ->> 'givenName', resource ->> 'familyName'), '')),
      'given_name', resource ->> 'givenName', 'family_name', resource ->> 'familyName',
      'locale', coalesce(astapa.scim_language_tag(resource ->> 'preferredLanguage'), resource ->> 'locale'),
      'nickname', resource ->> 'nickName', 'zoneinfo', resource ->> 'timezone'))
  $$;

comment on function astapa.scim_profile_change(jsonb) is
  'The profile fields a normalised SCIM resource states (astapa.save_profile''s change): name from displayName, '
  'else formatted, else givenName and familyName; given_name, family_name; locale from preferredLanguage, else '
  'locale; nickname from nickName; zoneinfo from timezone.';

grant execute on function astapa.scim_profile_change(jsonb) to astapa_app;

create or replace function astapa.scim_set_profile(project_id text, user_id bigint, resource jsonb,
                                                   before astapa.scim_users default null)
  returns text[]
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    -- Only what the IdP sent is set (a field it leaves out stays as it is: a directory that sends no names never
    -- blanks a linked account's profile).
    change jsonb := astapa.scim_profile_change(resource);
    was jsonb;
    refused text;
  begin
    -- A change of the resource sets only the fields whose value it changed: a PATCH of active alone (or a PUT
    -- repeating the resource) leaves a name the app changed since as it is.
    if before.id is not null then
      was := astapa.scim_profile_change(pg_catalog.jsonb_build_object(
        'givenName', before.given_name, 'familyName', before.family_name, 'formatted', before.formatted_name,
        'displayName', before.display_name, 'preferredLanguage', before.preferred_language, 'locale', before.locale,
        'nickName', before.nick_name, 'timezone', before.timezone));
      select coalesce(pg_catalog.jsonb_object_agg(c.key, c.value), '{}') into change
      from pg_catalog.jsonb_each(change) as c where c.value is distinct from was -> c.key;
    end if;
    if not exists (select from astapa.users u
                   where u.project_id = scim_set_profile.project_id and u.id = scim_set_profile.user_id
                     and u.deleted_at is null) then
      return '{}';
    end if;
    -- The IdP is the source of truth: it sets the fields, not only fills them (api.fill_profile). A value the
    -- profile's rules refuse (a bidi override, a 200-character given name) is dropped and the rest saved: a 400
    -- would fail the whole provisioning — membership, deprovisioning — over a display string, and Okta and Entra
    -- retry such a user for ever (Entra quarantines the job) with nothing an admin of the app can mend.
    for attempt in 1..8 loop
      begin
        return astapa.save_profile(project_id, user_id, change, 'scim');
      exception when sqlstate 'AS400' then
        -- astapa.profile_problem's messages start with the field's name.
        get stacked diagnostics refused = message_text;
        refused := pg_catalog.split_part(refused, ' ', 1);
        if not change ? refused then
          raise;
        end if;
        change := change - refused;
      end;
    end loop;
    return '{}';
  end
  $$;

comment on function astapa.scim_set_profile(text, bigint, jsonb, astapa.scim_users) is
  'Sets a provisioned user''s profile from a normalised SCIM resource (astapa.save_profile, by scim; the fields of '
  'astapa.scim_profile_change); with before (the stored resource), only the fields whose value the resource '
  'changed. Attributes the IdP left out leave their field alone; a value the profile''s rules refuse is dropped. '
  'Returns the fields that changed; nothing for an erased account.';

grant execute on function astapa.scim_set_profile(text, bigint, jsonb, astapa.scim_users) to astapa_app;

create or replace function astapa.scim_deprovision(o astapa.organizations, r astapa.scim_users) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    account record;
    m astapa.organization_memberships;
    disabled_now boolean := false;
    ended jsonb;
  begin
    -- The user's row first, for update, as api.disable_user and astapa.void_ways_back take it (the caller holds
    -- the organization's lock and the SCIM row's). An erased user (a tombstone) is already out.
    select u.id, u.email, u.disabled into account from astapa.users u
    where u.project_id = o.project_id and u.id = r.user_id and u.deleted_at is null
    for update;
    -- As the organizations area removes anyone (membership.deleted, reason scim; a departure recorded, so
    -- automatic domain joining does not put them straight back), without its last-owner refusal:
    m := astapa.remove_membership(o, r.user_id, 'scim');
    if m.user_id is not null then
      -- The IdP says this person is gone: their ownership goes with them (refusing would leave them in, with
      -- the IdP retrying for ever). An organization left without an owner is said, for the admins to mend.
      if m.role = 'owner' and not exists (
          select from astapa.organization_memberships x
          where x.project_id = o.project_id and x.organization_id = o.id and x.role = 'owner') then
        perform astapa.audit(o.project_id, 'organization.owner_removed_by_scim', o.id,
          pg_catalog.jsonb_build_object('user_id', m.user_id::text));
      end if;
    end if;
    -- Only an account at the organization's verified domain is the organization's to switch off: an address
    -- elsewhere (the domain unverified since) loses the membership and nothing more.
    if account.id is not null and astapa.scim_domain_verified(o.project_id, o.id, account.email) then
      if not account.disabled then
        perform api.disable_user(o.project_id, r.user_id, true);
        disabled_now := true;
      end if;
      -- A disable keeps sessions and refresh tokens for a re-enable; a deprovisioned person's are ended.
      ended := astapa.void_ways_back(r.user_id, sign_out => true);
    end if;
    return pg_catalog.jsonb_build_object('membership_removed', m.user_id is not null, 'disabled', disabled_now,
      'sessions', coalesce((ended ->> 'sessions')::integer, 0),
      'refresh_tokens', coalesce((ended ->> 'refresh_tokens')::integer, 0));
  end
  $$;

comment on function astapa.scim_deprovision(astapa.organizations, astapa.scim_users) is
  'Deprovisions the person a SCIM resource stands for: removes their membership of the (locked) organization '
  '(membership.deleted, reason scim; a departure recorded; the last owner too, audited '
  'organization.owner_removed_by_scim), and when their address is at one of its verified domains disables the '
  'account (api.disable_user) and ends every session and refresh token (astapa.void_ways_back). Returns '
  '{membership_removed, disabled (by this call), sessions, refresh_tokens}.';

grant execute on function astapa.scim_deprovision(astapa.organizations, astapa.scim_users) to astapa_app;

create or replace function astapa.scim_reprovision(o astapa.organizations, r astapa.scim_users) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    account record;
    enabled_now boolean := false;
    added boolean := false;
  begin
    select u.id, u.disabled into account from astapa.users u
    where u.project_id = o.project_id and u.id = r.user_id and u.deleted_at is null
    for update;
    if account.id is null then
      raise exception using errcode = 'AS409', message = 'The account this resource provisioned was erased.';
    end if;
    -- Only what the directory switched off: a user the project disabled itself stays disabled.
    if r.disabled_by_scim and account.disabled then
      perform api.disable_user(o.project_id, r.user_id, false);
      enabled_now := true;
    end if;
    if not exists (select from astapa.organization_memberships x
                   where x.project_id = o.project_id and x.organization_id = o.id and x.user_id = r.user_id) then
      -- The role their mapped groups give (db/api/scim_groups.sql), else member.
      perform astapa.add_membership(o, r.user_id,
        coalesce(astapa.scim_mapped_role(r.project_id, r.directory_id, r.user_id), 'member'), 'scim');
      delete from astapa.organization_departures x
      where x.project_id = o.project_id and x.organization_id = o.id and x.user_id = r.user_id;
      added := true;
    end if;
    return pg_catalog.jsonb_build_object('enabled', enabled_now, 'membership_added', added);
  end
  $$;

comment on function astapa.scim_reprovision(astapa.organizations, astapa.scim_users) is
  'Provisions the person a SCIM resource stands for: re-enables the account when this directory disabled it '
  '(never one the project disabled), and makes them a member of the (locked) organization (reason scim; the role '
  'their mapped groups give, else member) when not one. Returns {enabled, membership_added}. AS409 erased account, AS4F9 no free seat.';

grant execute on function astapa.scim_reprovision(astapa.organizations, astapa.scim_users) to astapa_app;

create or replace function astapa.scim_locked_user(d astapa.scim_directories, id text) returns astapa.scim_users
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    r astapa.scim_users;
  begin
    if id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
      select * into r from astapa.scim_users x
      where x.project_id = d.project_id and x.directory_id = d.id and x.id = scim_locked_user.id::uuid
        and x.deleted_at is null
      for update;
    end if;
    if r.id is null then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s was not found.', pg_catalog.left(id, 64));
    end if;
    return r;
  end
  $$;

comment on function astapa.scim_locked_user(astapa.scim_directories, text) is
  'A live User resource of the directory by id, locked for update; AS404 otherwise (any text: not a UUID is not '
  'found either).';

grant execute on function astapa.scim_locked_user(astapa.scim_directories, text) to astapa_app;

create or replace function api.scim_get_user(directory_id text, id text, for_update boolean default false)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    d astapa.scim_directories := astapa.scim_directory(directory_id);
    r astapa.scim_users;
  begin
    -- A PATCH reads, applies its operations and replaces in one transaction: the organization first, as every
    -- change here takes it. A plain read locks the row alone (it waits for nothing else: no cycle).
    if for_update then
      perform astapa.lock_organization(d.organization_id);
    end if;
    r := astapa.scim_locked_user(d, id);
    return astapa.scim_user_json(r);
  end
  $$;

comment on function api.scim_get_user(text, text, boolean) is
  'A User resource of the directory (its row locked); AS404 when there is none (or it was deleted). for_update: '
  'the organization locked first, for a PATCH that replaces it in the same transaction.';

grant execute on function api.scim_get_user(text, text, boolean) to astapa_app;

create or replace function api.scim_list_users(directory_id text, attribute text, value text,
  start_index integer default 1, max_results integer default 100)
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
    if scim_list_users.attribute is not null
       and scim_list_users.attribute not in ('userName', 'externalId', 'id', 'emails.value', 'name.givenName',
                                             'name.familyName') then
      raise exception using errcode = 'AS400',
        message = pg_catalog.format('Filtering by %s is not supported.', scim_list_users.attribute);
    end if;
    -- userName, emails and the names compare without case (RFC 7643 caseExact false), externalId and id exactly.
    with matching as (
      select r.* from astapa.scim_users r
      where r.project_id = d.project_id and r.directory_id = d.id and r.deleted_at is null
        and case scim_list_users.attribute
              when 'userName' then pg_catalog.lower(r.user_name) = pg_catalog.lower(scim_list_users.value)
              when 'externalId' then r.external_id = scim_list_users.value
              when 'id' then r.id::text = pg_catalog.lower(scim_list_users.value)
              when 'emails.value' then pg_catalog.lower(r.user_name) = pg_catalog.lower(scim_list_users.value)
                or exists (select from pg_catalog.jsonb_array_elements(r.emails) e(address)
                           where pg_catalog.lower(e.address ->> 'value') = pg_catalog.lower(scim_list_users.value))
              -- Within one directory (an organization's people): the scan the directory's rows already are.
              when 'name.givenName' then pg_catalog.lower(r.given_name) = pg_catalog.lower(scim_list_users.value)
              when 'name.familyName' then pg_catalog.lower(r.family_name) = pg_catalog.lower(scim_list_users.value)
              else true
            end),
    numbered as (
      select m.id, pg_catalog.row_number() over (order by m.created_at, m.id) as n from matching m)
    select (select pg_catalog.count(*)::integer from matching),
           coalesce(pg_catalog.jsonb_agg(astapa.scim_user_json(r) order by x.n), '[]')
    into total, page
    from numbered x
    join astapa.scim_users r on r.project_id = d.project_id and r.id = x.id
    where x.n >= greatest(start_index, 1) and x.n < greatest(start_index, 1) + least(greatest(max_results, 0), 100);
    return pg_catalog.jsonb_build_object('total', total, 'resources', page);
  end
  $$;

comment on function api.scim_list_users(text, text, text, integer, integer) is
  'A page of the directory''s User resources (RFC 7644 §3.4.2): those whose attribute (userName, externalId, id, '
  'emails.value, name.givenName, name.familyName; null: all) equals value, in creation order, from start_index '
  '(1-based) for up to max_results (at most 100). Returns {total, resources}. AS400 another attribute.';

grant execute on function api.scim_list_users(text, text, text, integer, integer) to astapa_app;

create or replace function api.scim_create_user(directory_id text, resource jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    mode text := astapa.require_project(project);
    d astapa.scim_directories := astapa.scim_directory(directory_id);
    o astapa.organizations := astapa.lock_organization(d.organization_id);
    wanted text := pg_catalog.btrim(resource ->> 'userName');
    taken text;
    found_user record;
    person bigint;
    created boolean := false;
    carried boolean;
    r astapa.scim_users;
    done jsonb;
  begin
    perform astapa.assert_scim_domain(o, wanted);
    select x.id::text into taken from astapa.scim_users x
    where x.project_id = project and x.directory_id = d.id and x.deleted_at is null
      and pg_catalog.lower(x.user_name) = pg_catalog.lower(wanted);
    if taken is not null then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        'userName %s is already in this directory (User %s).', wanted, taken);
    end if;
    -- Two first provisionings (or an SSO first sign-in) of one address at once must not create two users: the
    -- same lock api.sign_in_with_sso takes.
    perform pg_catalog.pg_advisory_xact_lock(
      pg_catalog.hashtextextended(project || ' sso ' || pg_catalog.lower(wanted), 0));
    select u.id, u.email_verified into found_user from astapa.users u
    where u.project_id = project and u.environment = mode and u.email_lower = pg_catalog.lower(wanted)
      and u.deleted_at is null
    for update;
    if found_user.id is null then
      -- Verified (the organization's IdP vouches for its own domain), no password: they sign in through SSO.
      person := (api.create_user(project, wanted, null, true) ->> 'id')::bigint;
      created := true;
    else
      -- An account at the organization's verified domain is the organization's person: linked, not duplicated.
      person := found_user.id;
      if exists (select from astapa.scim_users x
                 where x.project_id = project and x.directory_id = d.id and x.user_id = person
                   and x.deleted_at is null) then
        raise exception using errcode = 'AS409', message = pg_catalog.format(
          'The account of %s is already provisioned by this directory under another userName.', wanted);
      end if;
      -- One that never proved the address is claimed first, as an SSO sign-in claims it (docs/enterprise-sso.md):
      -- whatever its unproven sign-up set up goes, and its phone's owner is asked to confirm from inside it.
      if not found_user.email_verified then
        if not astapa.proof_signs_in(project, person, 'email') then
          raise exception using errcode = 'AS409', message = pg_catalog.format(
            'An account with %s exists that has not confirmed it: its owner confirms it from inside the account first.',
            wanted);
        end if;
        perform astapa.claim_unproven_account(project, person, 'email');
      end if;
    end if;
    -- What a deleted resource of the same person knew (the directory disabled them) carries over, then goes.
    select coalesce(pg_catalog.bool_or(x.disabled_by_scim), false) into carried from astapa.scim_users x
    where x.project_id = project and x.directory_id = d.id and x.user_id = person and x.deleted_at is not null;
    delete from astapa.scim_users x
    where x.project_id = project and x.directory_id = d.id and x.user_id = person and x.deleted_at is not null;
    insert into astapa.scim_users (project_id, directory_id, user_id, user_name, external_id, given_name, family_name,
                                   display_name, emails, active, disabled_by_scim, formatted_name, nick_name,
                                   preferred_language, locale, timezone)
    values (project, d.id, person, wanted, resource ->> 'externalId', resource ->> 'givenName',
            resource ->> 'familyName', resource ->> 'displayName', coalesce(resource -> 'emails', '[]'),
            coalesce((resource ->> 'active')::boolean, true), carried,
            -- Not when it is just the given and family name: the resource answers that anyway.
            nullif(resource ->> 'formatted',
                   pg_catalog.concat_ws(' ', resource ->> 'givenName', resource ->> 'familyName')),
            resource ->> 'nickName', resource ->> 'preferredLanguage', resource ->> 'locale', resource ->> 'timezone')
    returning * into r;
    perform astapa.scim_set_profile(project, person, resource);
    if r.active then
      done := astapa.scim_reprovision(o, r);
      update astapa.scim_users x set disabled_by_scim = false where x.project_id = project and x.id = r.id
      returning * into r;
    else
      done := astapa.scim_deprovision(o, r);
      update astapa.scim_users x set disabled_by_scim = r.disabled_by_scim or (done ->> 'disabled')::boolean
      where x.project_id = project and x.id = r.id
      returning * into r;
    end if;
    perform astapa.audit(project, case when created then 'scim.user_created' else 'scim.user_linked' end,
      'user:' || person, pg_catalog.jsonb_build_object('directory', d.id, 'organization', o.id,
        'resource', r.id::text, 'user_name', r.user_name, 'active', r.active) || done);
    return astapa.scim_user_json(r);
  end
  $$;

comment on function api.scim_create_user(text, jsonb) is
  'SCIM POST /Users: provisions {userName, externalId, givenName, familyName, formatted, displayName, nickName, '
  'preferredLanguage, locale, timezone, emails, active} (normalised by the app); they set the account''s profile '
  '(astapa.scim_set_profile). userName must be an address at a verified domain of the directory''s organization '
  '(AS403). The account with that address is linked (an unproven one claimed first; AS409 beside a proven phone) '
  'or created verified without a password; active makes it a member (reason scim), inactive deprovisions it. '
  'Audited scim.user_created or scim.user_linked. AS409 userName already in the directory, AS4F9 no free seat.';

grant execute on function api.scim_create_user(text, jsonb) to astapa_app;

create or replace function astapa.scim_change_address(o astapa.organizations, r astapa.scim_users, new_name text)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    account record;
  begin
    perform astapa.assert_scim_domain(o, new_name);
    if exists (select from astapa.scim_users x
               where x.project_id = r.project_id and x.directory_id = r.directory_id and x.id <> r.id
                 and x.deleted_at is null and pg_catalog.lower(x.user_name) = pg_catalog.lower(new_name)) then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('userName %s is already in this directory.', new_name);
    end if;
    select u.id, u.email, u.environment into account from astapa.users u
    where u.project_id = r.project_id and u.id = r.user_id and u.deleted_at is null
    for update;
    if account.id is null then
      raise exception using errcode = 'AS409', message = 'The account this resource provisioned was erased.';
    end if;
    -- The directory moves only an address the organization owns (never an account at another domain it linked
    -- before the domain was unverified), and never onto another account's address: two accounts are never merged.
    if not astapa.scim_domain_verified(o.project_id, o.id, account.email) then
      raise exception using errcode = 'AS403', message = pg_catalog.format(
        'The account is at %s, outside the verified domains of %s: this directory does not change its address.',
        account.email, o.name);
    end if;
    if exists (select from astapa.users u
               where u.project_id = r.project_id and u.environment = account.environment and u.id <> account.id
                 and u.email_lower = pg_catalog.lower(pg_catalog.btrim(new_name))) then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        'Another account of this project uses %s: two accounts are never merged.', pg_catalog.btrim(new_name));
    end if;
    if pg_catalog.lower(account.email) <> pg_catalog.lower(pg_catalog.btrim(new_name)) then
      perform astapa.move_user_email(r.project_id, account.id, pg_catalog.btrim(new_name), true,
        pg_catalog.jsonb_build_object('by', 'scim', 'directory', r.directory_id));
    end if;
  end
  $$;

comment on function astapa.scim_change_address(astapa.organizations, astapa.scim_users, text) is
  'A SCIM userName change moves the account''s address (verified; audited user.email_changed {by: scim}) when '
  'both the old and the new one are at the organization''s verified domains (AS403 otherwise) and no other '
  'account or resource has the new one (AS409).';

grant execute on function astapa.scim_change_address(astapa.organizations, astapa.scim_users, text) to astapa_app;

create or replace function api.scim_replace_user(directory_id text, id text, resource jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    d astapa.scim_directories := astapa.scim_directory(directory_id);
    o astapa.organizations := astapa.lock_organization(d.organization_id);
    before astapa.scim_users := astapa.scim_locked_user(d, id);
    r astapa.scim_users := before;
    changed text[] := '{}';
    done jsonb := '{}';
    action text := 'scim.user_updated';
  begin
    r.user_name := pg_catalog.btrim(resource ->> 'userName');
    if r.user_name is null then
      raise exception using errcode = 'AS400', message = 'userName is required.';
    end if;
    r.external_id := resource ->> 'externalId';
    r.given_name := resource ->> 'givenName';
    r.family_name := resource ->> 'familyName';
    r.display_name := resource ->> 'displayName';
    -- Kept only when it says more than the given and family name (what the resource answers without it).
    r.formatted_name := nullif(resource ->> 'formatted', pg_catalog.concat_ws(' ', r.given_name, r.family_name));
    r.nick_name := resource ->> 'nickName';
    r.preferred_language := resource ->> 'preferredLanguage';
    r.locale := resource ->> 'locale';
    r.timezone := resource ->> 'timezone';
    r.emails := coalesce(resource -> 'emails', '[]');
    -- A replace without active keeps it: forgetting the attribute must not re-provision anyone.
    r.active := coalesce((resource ->> 'active')::boolean, before.active);
    if pg_catalog.lower(r.user_name) <> pg_catalog.lower(before.user_name) then
      perform astapa.scim_change_address(o, before, r.user_name);
    end if;
    changed := array(select f.c from (values
      (1, 'userName', r.user_name is distinct from before.user_name),
      (2, 'externalId', r.external_id is distinct from before.external_id),
      (3, 'name.givenName', r.given_name is distinct from before.given_name),
      (4, 'name.familyName', r.family_name is distinct from before.family_name),
      (5, 'displayName', r.display_name is distinct from before.display_name),
      (6, 'name.formatted', r.formatted_name is distinct from before.formatted_name),
      (7, 'nickName', r.nick_name is distinct from before.nick_name),
      (8, 'preferredLanguage', r.preferred_language is distinct from before.preferred_language),
      (9, 'locale', r.locale is distinct from before.locale),
      (10, 'timezone', r.timezone is distinct from before.timezone),
      (11, 'emails', r.emails is distinct from before.emails),
      (12, 'active', r.active is distinct from before.active)) as f(n, c, differs) where f.differs order by f.n);
    -- The profile from what this change changed (astapa.scim_set_profile with before): audited and announced only
    -- when a field changes.
    perform astapa.scim_set_profile(d.project_id, before.user_id, resource, before);
    if pg_catalog.cardinality(changed) = 0 then
      return astapa.scim_user_json(before); -- a repeat changes nothing and says nothing
    end if;
    if r.active and not before.active then
      done := astapa.scim_reprovision(o, before);
      r.disabled_by_scim := false;
      action := 'scim.user_reactivated';
    elsif before.active and not r.active then
      done := astapa.scim_deprovision(o, before);
      r.disabled_by_scim := before.disabled_by_scim or (done ->> 'disabled')::boolean;
      action := 'scim.user_deprovisioned';
    end if;
    update astapa.scim_users x
    set user_name = r.user_name, external_id = r.external_id, given_name = r.given_name,
        family_name = r.family_name, display_name = r.display_name, formatted_name = r.formatted_name,
        nick_name = r.nick_name, preferred_language = r.preferred_language, locale = r.locale, timezone = r.timezone,
        emails = r.emails, active = r.active,
        disabled_by_scim = r.disabled_by_scim, updated_at = pg_catalog.now()
    where x.project_id = before.project_id and x.id = before.id
    returning * into r;
    perform astapa.audit(d.project_id, action, 'user:' || r.user_id, pg_catalog.jsonb_build_object(
      'directory', d.id, 'organization', o.id, 'resource', r.id::text, 'changed', pg_catalog.to_jsonb(changed)) || done);
    return astapa.scim_user_json(r);
  end
  $$;

comment on function api.scim_replace_user(text, text, jsonb) is
  'SCIM PUT /Users/{id} (and the end of a PATCH): replaces the resource''s attributes with the normalised '
  'resource (active left out: unchanged); the profile attributes it changed set the account''s profile '
  '(astapa.scim_set_profile with the stored resource). active true → false deprovisions '
  '(astapa.scim_deprovision), false → true re-provisions (astapa.scim_reprovision); a new userName moves the '
  'account''s address (astapa.scim_change_address). Audited scim.user_updated, scim.user_deprovisioned or '
  'scim.user_reactivated with the changed attributes; a repeat that changes nothing is not. AS404 no such '
  'resource, AS400 no userName.';

grant execute on function api.scim_replace_user(text, text, jsonb) to astapa_app;

create or replace function api.scim_delete_user(directory_id text, id text) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    d astapa.scim_directories := astapa.scim_directory(directory_id);
    o astapa.organizations := astapa.lock_organization(d.organization_id);
    r astapa.scim_users := astapa.scim_locked_user(d, id);
    done jsonb := '{}';
  begin
    if r.active then
      done := astapa.scim_deprovision(o, r);
    end if;
    -- The resource goes; the account stays, deprovisioned (its payments, receipts and audit trail are the
    -- project's records, docs/scim.md). The tombstone remembers that this directory disabled it.
    -- A resource that is gone is in no group (its tombstone stays out of every group's members).
    delete from astapa.scim_group_members g where g.project_id = r.project_id and g.member_id = r.id;
    update astapa.scim_users x
    set deleted_at = pg_catalog.now(), active = false, updated_at = pg_catalog.now(),
        disabled_by_scim = r.disabled_by_scim or coalesce((done ->> 'disabled')::boolean, false)
    where x.project_id = r.project_id and x.id = r.id;
    perform astapa.audit(d.project_id, 'scim.user_deleted', 'user:' || r.user_id, pg_catalog.jsonb_build_object(
      'directory', d.id, 'organization', o.id, 'resource', r.id::text, 'user_name', r.user_name) || done);
  end
  $$;

comment on function api.scim_delete_user(text, text) is
  'SCIM DELETE /Users/{id}: deprovisions the person as active false does (astapa.scim_deprovision) and removes '
  'the resource (404 afterwards; a tombstone row is kept, in no group). The account itself is never deleted. Audited '
  'scim.user_deleted. AS404 no such resource.';

grant execute on function api.scim_delete_user(text, text) to astapa_app;
