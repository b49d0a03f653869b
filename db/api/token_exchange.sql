-- Token exchange (RFC 8693, issue 26 item 5): the project's policy of which client may exchange a person's
-- access token for which of its resources, and the exchange itself (scope only narrowed, audited).
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own token exchange policy" on astapa.token_exchange_policies;
create policy "a project reads its own token exchange policy" on astapa.token_exchange_policies
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds to its own token exchange policy" on astapa.token_exchange_policies;
create policy "a project adds to its own token exchange policy" on astapa.token_exchange_policies
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes from its own token exchange policy" on astapa.token_exchange_policies;
create policy "a project removes from its own token exchange policy" on astapa.token_exchange_policies
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create or replace function api.list_token_exchange_policies() returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'client_id', t.client_id, 'resource', t.resource, 'created_at', t.created_at)
      order by t.client_id, t.resource), '[]')
    from astapa.token_exchange_policies t
    where t.project_id = (select astapa.current_project_id())
  $$;

comment on function api.list_token_exchange_policies() is
  'The current project''s token exchange policy: [{client_id, resource, created_at}].';

grant execute on function api.list_token_exchange_policies() to astapa_app;

create or replace function api.allow_token_exchange(client_id text, resource text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if client_id is null or client_id !~ '^(cid|mcl|dcl)_[a-z2-7]{24}$' then
      raise exception 'client_id must be a client id (cid_, mcl_ or dcl_)' using errcode = 'AS400';
    end if;
    if not exists (select from astapa.resources r
                   where r.project_id = (select astapa.current_project_id())
                         and r.uri = allow_token_exchange.resource) then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('Resource %s is not registered in this project.', resource);
    end if;
    insert into astapa.token_exchange_policies (project_id, client_id, resource)
    values (astapa.current_project_id(), client_id, resource)
    on conflict do nothing;
    perform astapa.audit(astapa.current_project_id(), 'token_exchange.allowed', client_id,
      pg_catalog.jsonb_build_object('resource', resource));
    return api.list_token_exchange_policies();
  end
  $$;

comment on function api.allow_token_exchange(text, text) is
  'Lets a client exchange people''s access tokens for ones to a registered resource of the current project '
  '(idempotent, audited); returns the policy.';

grant execute on function api.allow_token_exchange(text, text) to astapa_app;

create or replace function api.disallow_token_exchange(client_id text, resource text) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    delete from astapa.token_exchange_policies t
    where t.project_id = (select astapa.current_project_id()) and t.client_id = disallow_token_exchange.client_id
      and t.resource = disallow_token_exchange.resource;
    if not found then
      raise exception using errcode = 'AS404', message = 'No such token exchange permission.';
    end if;
    perform astapa.audit(astapa.current_project_id(), 'token_exchange.disallowed', client_id,
      pg_catalog.jsonb_build_object('resource', resource));
  end
  $$;

comment on function api.disallow_token_exchange(text, text) is
  'Withdraws a client''s permission to exchange tokens for a resource (audited); AS404 when it had none.';

grant execute on function api.disallow_token_exchange(text, text) to astapa_app;

create or replace function api.exchange_token(
  subject_project text, subject_sub text, subject_client text, subject_scope text, subject_resource text,
  actor_client text, resource text, requested_scope text, subject_organization text default null,
  subject_impersonation text default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    held text[] := pg_catalog.string_to_array(coalesce(subject_scope, ''), ' ');
    granted text[];
    refusal text;
    code text;
    subject_user bigint := astapa.user_id_of(subject_sub);
  begin
    -- Refusals are returned, not raised, so that their audit entry survives.
    if subject_project is distinct from astapa.current_project_id() then
      refusal := 'the subject token was issued by another project than this client''s';
      code := 'invalid_request';
    elsif subject_impersonation is not null
          and not astapa.impersonation_is_live(subject_impersonation, subject_user) then
      -- Its signature still verifies until exp, but what an impersonation issued ends with it (RFC 8693 §2.2.2).
      refusal := 'the subject token was issued under an impersonation that has ended';
      code := 'invalid_request';
    elsif resource is null then
      refusal := 'a token exchange must name the resource it wants a token for';
      code := 'invalid_target';
    elsif not exists (select from astapa.token_exchange_policies t
                      where t.project_id = (select astapa.current_project_id())
                        and t.client_id = exchange_token.actor_client and t.resource = exchange_token.resource) then
      refusal := 'this client may not exchange tokens for this resource (the project''s token exchange policy)';
      code := 'invalid_target';
    else
      -- Only narrowing: every scope asked for must be held by the subject token; offline_access never passes.
      granted := array(select s from pg_catalog.unnest(coalesce(
                         pg_catalog.string_to_array(requested_scope, ' '), held)) as s
                       where s <> 'offline_access' order by s);
      if requested_scope is not null and not pg_catalog.string_to_array(requested_scope, ' ') <@ held then
        refusal := 'the requested scope is wider than the subject token''s';
        code := 'invalid_scope';
      end if;
    end if;
    perform astapa.audit(astapa.current_project_id(),
      case when refusal is null then 'token.exchanged' else 'token.exchange_refused' end, actor_client,
      pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'sub', case when refusal is null or code <> 'invalid_request' then subject_sub end,
        'subject_project', nullif(subject_project, astapa.current_project_id()), 'subject_client', subject_client, 'from', subject_resource, 'to', resource,
        'scope', pg_catalog.array_to_string(granted, ' '), 'refused', refusal)));
    if refusal is not null then
      return pg_catalog.jsonb_build_object('error', code, 'error_description', refusal);
    end if;
    if subject_user is null then
      raise exception 'the subject token is not a person''s' using errcode = 'AS4G0';
    end if;
    perform astapa.assert_grant_target(pg_catalog.array_to_string(granted, ' '), resource);
    -- The subject token's active organization stays active while the person is still its member.
    return astapa.grant_result(subject_user, nullif(pg_catalog.array_to_string(granted, ' '), ''),
                               resource, null, null, pg_catalog.now())
      || astapa.organization_grant(subject_user, subject_organization);
  end
  $$;

comment on function api.exchange_token(text, text, text, text, text, text, text, text, text, text) is
  'Token exchange (RFC 8693) in the current project: a person''s access token (its sub, client, scope and aud, '
  'already verified) for one to `resource`, allowed only by the project''s policy for actor_client, with scope '
  'narrowed (never offline_access: no refresh token). Audited as token.exchanged or token.exchange_refused; a '
  'refusal is returned as {error: invalid_request (another project''s token) | invalid_target | invalid_scope, '
  'error_description}. subject_organization: the subject token''s org_id, kept (its claims read fresh). '
  'subject_impersonation: the impersonation its act names, refused (invalid_request) once it ended.';

grant execute on function api.exchange_token(text, text, text, text, text, text, text, text, text, text) to astapa_app;

-- A management table: a transaction acting for a machine or self-registered client may not change the policy.
create or replace trigger token_exchange_policies_refuse_foreign_client_writes
  before insert or update or delete or truncate
  on astapa.token_exchange_policies for each statement execute function astapa.refuse_foreign_client_writes();
