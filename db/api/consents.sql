-- Remembered consent (issue 26 item 6): what a person allowed a self-registered (dcl_…) or metadata-document
-- (URL) client for one protected resource; listing and revoking it (refresh tokens end), and the list of such
-- clients per project for the dashboard.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own consents" on astapa.consents;
create policy "a project reads its own consents" on astapa.consents
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own consents" on astapa.consents;
create policy "a project records its own consents" on astapa.consents
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project widens its own consents" on astapa.consents;
create policy "a project widens its own consents" on astapa.consents
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project revokes its own consents" on astapa.consents;
create policy "a project revokes its own consents" on astapa.consents
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create or replace function astapa.is_third_party_client_id(client_id text) returns boolean
  language sql
  immutable
  set search_path = ''
  as $$
    select pg_catalog.starts_with(client_id, 'dcl_') or astapa.is_metadata_document_client_id(client_id)
  $$;

comment on function astapa.is_third_party_client_id(text) is
  'True for clients no project vetted: self-registered (dcl_…) or known by a metadata document URL.';

grant execute on function astapa.is_third_party_client_id(text) to astapa_app;

create or replace function astapa.remember_consent(user_id bigint, client_id text, resource text, scope text)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    asked text[] := array(select s from pg_catalog.unnest(pg_catalog.string_to_array(coalesce(scope, ''), ' ')) s
                          where s <> '' order by s);
  begin
    if not astapa.is_third_party_client_id(client_id) or resource is null then
      return;
    end if;
    insert into astapa.consents as c (project_id, user_id, client_id, resource, scopes)
    values (astapa.current_project_id(), user_id, client_id, resource, asked)
    on conflict on constraint consents_pkey do update
      set scopes = array(select distinct s from pg_catalog.unnest(c.scopes || excluded.scopes) s order by s),
          updated_at = pg_catalog.now();
    if pg_catalog.starts_with(client_id, 'dcl_') then
      update astapa.dynamic_clients d set last_used_at = pg_catalog.now()
      where d.client_id = remember_consent.client_id
        and (d.last_used_at is null or d.last_used_at < pg_catalog.now() - interval '1 hour');
    end if;
  end
  $$;

comment on function astapa.remember_consent(bigint, text, text, text) is
  'Remembers (widening, never narrowing) the scopes a person allowed a third-party client for a resource of the '
  'current project, and marks a registration used. Called when an authorization code is issued to such a client.';

grant execute on function astapa.remember_consent(bigint, text, text, text) to astapa_app;

create or replace function api.consent_covers(user_id bigint, client_id text, resource text, scope text)
  returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    select exists (
      select from astapa.consents c
      where c.project_id = (select astapa.current_project_id()) and c.user_id = consent_covers.user_id
        and c.client_id = consent_covers.client_id and c.resource = consent_covers.resource
        and array(select s from pg_catalog.unnest(pg_catalog.string_to_array(coalesce(scope, ''), ' ')) s
                  where s <> '') <@ c.scopes)
  $$;

comment on function api.consent_covers(bigint, text, text, text) is
  'True when the person already allowed this client every scope asked for this resource: the hosted login then '
  'skips the consent page. New scopes (incremental consent) answer false.';

grant execute on function api.consent_covers(bigint, text, text, text) to astapa_app;

create or replace function astapa.third_party_client_name(client_id text) returns text
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(
      (select d.client_name from astapa.dynamic_clients d where d.client_id = third_party_client_name.client_id),
      (select m.document ->> 'client_name' from astapa.client_metadata_documents m
       where m.client_id = third_party_client_name.client_id))
  $$;

comment on function astapa.third_party_client_name(text) is
  'The name a self-registered or metadata-document client gives itself (unverified), or null.';

grant execute on function astapa.third_party_client_name(text) to astapa_app;

create or replace function api.user_consents(user_id bigint) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
             'client_id', c.client_id,
             'client_name', astapa.third_party_client_name(c.client_id),
             'client_host', case when astapa.is_metadata_document_client_id(c.client_id)
                                 then pg_catalog.substring(c.client_id, '^https?://([^/?#]+)') end,
             'resource', c.resource,
             'resource_name', (select r.name from astapa.resources r
                               where r.project_id = c.project_id and r.uri = c.resource),
             'scopes', pg_catalog.to_jsonb(c.scopes),
             'granted_at', c.granted_at,
             'updated_at', c.updated_at)) order by c.updated_at desc), '[]'::jsonb)
    from astapa.consents c
    where c.project_id = (select astapa.current_project_id()) and c.user_id = user_consents.user_id
  $$;

comment on function api.user_consents(bigint) is
  'The consents a user of the current project gave third-party clients: client (id, its own unverified name, '
  'and the host of a metadata-document URL), resource, scopes, when granted and last widened. For the '
  'dashboard user page and the person''s own account page.';

grant execute on function api.user_consents(bigint) to astapa_app;

create or replace function api.revoke_consent(user_id bigint, client_id text, resource text, by_admin boolean)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    tokens integer;
  begin
    -- The user's row first, for update, as every revocation of a user's tokens takes it: a rotation under way
    -- (key share, then its token) commits first and its successor is revoked below; a reuse detection of one of
    -- these families waits, or this waits for it, instead of each holding a token the other locks next.
    perform from astapa.users u
    where u.project_id = (select astapa.current_project_id()) and u.id = revoke_consent.user_id
    for update of u;
    delete from astapa.consents c
    where c.project_id = (select astapa.current_project_id()) and c.user_id = revoke_consent.user_id
      and c.client_id = revoke_consent.client_id and c.resource = revoke_consent.resource;
    if not found then
      raise exception using errcode = 'AS404', message = 'There is no such consent to revoke.';
    end if;
    -- The tokens issued under it end too: revoking consent must stop the client, not only the next prompt. In id
    -- order, as a reuse detection locks a family's.
    update astapa.refresh_tokens r
    set revoked_at = pg_catalog.now(),
        revoked_reason = case when by_admin then 'revoked_by_admin' else 'consent_revoked' end
    where r.project_id = (select astapa.current_project_id()) and r.id in (
      select t.id from astapa.refresh_tokens t
      where t.project_id = (select astapa.current_project_id()) and t.user_id = revoke_consent.user_id
        and t.client_id = revoke_consent.client_id and t.resource = revoke_consent.resource
        and t.revoked_at is null
      order by t.id
      for update of t);
    get diagnostics tokens = row_count;
    perform astapa.audit(astapa.current_project_id(), 'consent.revoked', 'user:' || user_id,
      pg_catalog.jsonb_build_object('client_id', pg_catalog.left(client_id, 200), 'resource', resource,
                                    'by', case when by_admin then 'admin' else 'user' end,
                                    'refresh_tokens', tokens));
    return pg_catalog.jsonb_build_object('refresh_tokens_revoked', tokens);
  end
  $$;

comment on function api.revoke_consent(bigint, text, text, boolean) is
  'Forgets a user''s consent for a client and resource of the current project and revokes the refresh tokens '
  'issued under it (revoked_by_admin, or consent_revoked when the person did it); audited as consent.revoked. '
  'AS404 when there is none. Locks the user''s row for update first, then the tokens in id order.';

grant execute on function api.revoke_consent(bigint, text, text, boolean) to astapa_app;

create or replace function api.project_third_party_clients() returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
             'client_id', g.client_id,
             'client_name', astapa.third_party_client_name(g.client_id),
             'kind', case when astapa.is_metadata_document_client_id(g.client_id)
                          then 'metadata_document' else 'registered' end,
             'users', g.users,
             'resources', pg_catalog.to_jsonb(g.resources),
             'last_granted_at', g.last_granted_at,
             'last_used_at', greatest(g.last_granted_at, u.last_token_at)))
             order by greatest(g.last_granted_at, u.last_token_at) desc), '[]'::jsonb)
    from (select c.client_id, pg_catalog.count(distinct c.user_id) as users,
                 array(select distinct x.resource from astapa.consents x
                       where x.project_id = c.project_id and x.client_id = c.client_id order by 1) as resources,
                 pg_catalog.max(c.updated_at) as last_granted_at
          from astapa.consents c
          where c.project_id = (select astapa.current_project_id())
          group by c.project_id, c.client_id) g
    -- Last use: the latest refresh token issued to it or rotated by it here (a code is a grant: last_granted_at).
    left join lateral (
      select pg_catalog.max(greatest(r.created_at, r.used_at)) as last_token_at
      from astapa.refresh_tokens r
      where r.project_id = (select astapa.current_project_id()) and r.client_id = g.client_id) u on true
  $$;

comment on function api.project_third_party_clients() is
  'The self-registered and metadata-document clients people of the current project allowed: id, own name, '
  'kind, how many users, which resources, last granted, last used (a grant, or a refresh token issued or '
  'rotated), most recently used first. For the dashboard''s list of registered clients.';

grant execute on function api.project_third_party_clients() to astapa_app;
