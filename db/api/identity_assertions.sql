-- Enterprise-managed authorization (issue 26 item 8): the identity providers a project trusts, and the
-- jwt-bearer grant of an identity assertion (ID-JAG) one of them signed. The signature, audience, type and
-- lifetime are checked in lib/oauth/identity_assertion_grant.ts; these functions keep the trust list, the
-- replay check and the grant itself.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own trusted identity providers" on astapa.trusted_identity_providers;
create policy "a project reads its own trusted identity providers" on astapa.trusted_identity_providers
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project trusts its own identity providers" on astapa.trusted_identity_providers;
create policy "a project trusts its own identity providers" on astapa.trusted_identity_providers
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project updates its own identity providers" on astapa.trusted_identity_providers;
create policy "a project updates its own identity providers" on astapa.trusted_identity_providers
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own identity providers" on astapa.trusted_identity_providers;
create policy "a project removes its own identity providers" on astapa.trusted_identity_providers
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own identity assertion jtis" on astapa.identity_assertion_jtis;
create policy "a project reads its own identity assertion jtis" on astapa.identity_assertion_jtis
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own identity assertion jtis" on astapa.identity_assertion_jtis;
create policy "a project records its own identity assertion jtis" on astapa.identity_assertion_jtis
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project sweeps its own identity assertion jtis" on astapa.identity_assertion_jtis;
create policy "a project sweeps its own identity assertion jtis" on astapa.identity_assertion_jtis
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create or replace function api.list_trusted_identity_providers() returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
             'issuer', i.issuer, 'jwks', i.jwks, 'created_at', i.created_at, 'updated_at', i.updated_at)
             order by i.issuer), '[]'::jsonb)
    from astapa.trusted_identity_providers i
    where i.project_id = (select astapa.current_project_id())
  $$;

comment on function api.list_trusted_identity_providers() is
  'The enterprise identity providers the current project trusts: issuer, public JWK Set, when added and changed.';

grant execute on function api.list_trusted_identity_providers() to astapa_app;

create or replace function api.trust_identity_provider(issuer text, jwks jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if issuer is null or issuer !~ '^https://[^\s#?]+$' or pg_catalog.length(issuer) > 500 then
      raise exception 'issuer must be an https URL without query or fragment' using errcode = 'AS400';
    end if;
    perform astapa.assert_public_jwks(jwks);
    insert into astapa.trusted_identity_providers as i (project_id, issuer, jwks)
    values (astapa.current_project_id(), issuer, jwks)
    on conflict on constraint trusted_identity_providers_pkey do update
      set jwks = excluded.jwks, updated_at = pg_catalog.now();
    perform astapa.audit(astapa.current_project_id(), 'identity_provider.trusted', issuer,
      pg_catalog.jsonb_build_object('kids', coalesce(
        (select pg_catalog.jsonb_agg(k -> 'kid') from pg_catalog.jsonb_array_elements(jwks -> 'keys') as k), '[]')));
    return api.list_trusted_identity_providers();
  end
  $$;

comment on function api.trust_identity_provider(text, jsonb) is
  'Trusts (or re-keys) an enterprise identity provider for the current project: its https issuer and 1–5 public '
  'keys. Audited as identity_provider.trusted. Returns the whole list.';

grant execute on function api.trust_identity_provider(text, jsonb) to astapa_app;

create or replace function api.distrust_identity_provider(issuer text) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    delete from astapa.trusted_identity_providers i
    where i.project_id = (select astapa.current_project_id()) and i.issuer = distrust_identity_provider.issuer;
    if not found then
      raise exception using errcode = 'AS404', message = 'This project does not trust that identity provider.';
    end if;
    perform astapa.audit(astapa.current_project_id(), 'identity_provider.removed', issuer);
  end
  $$;

comment on function api.distrust_identity_provider(text) is
  'Stops trusting an identity provider (its assertions are refused from now on); AS404 when it was not trusted.';

grant execute on function api.distrust_identity_provider(text) to astapa_app;

create or replace function api.identity_provider_keys(issuer text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select i.jwks from astapa.trusted_identity_providers i
    where i.project_id = (select astapa.current_project_id()) and i.issuer = identity_provider_keys.issuer
  $$;

comment on function api.identity_provider_keys(text) is
  'The public keys of an identity provider the current project trusts, or null when it trusts no such issuer.';

grant execute on function api.identity_provider_keys(text) to astapa_app;

create or replace function api.identity_assertion_grant(
  issuer text, subject text, jti text, expires_at timestamptz, email text, client_id text, scope text,
  resource text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    user_id bigint;
    refusal text;
  begin
    perform astapa.assert_grant_allowed('urn:ietf:params:oauth:grant-type:jwt-bearer');
    perform astapa.assert_dynamic_client_allowed(client_id);
    if not exists (select from astapa.trusted_identity_providers i
                   where i.project_id = (select astapa.current_project_id())
                     and i.issuer = identity_assertion_grant.issuer) then
      refusal := 'the assertion''s issuer is not an identity provider this project trusts';
    elsif jti is null or pg_catalog.length(jti) not between 1 and 200 or expires_at is null then
      refusal := 'the assertion needs a jti and an exp';
    else
      delete from astapa.identity_assertion_jtis j
      where j.project_id = (select astapa.current_project_id()) and j.expires_at < pg_catalog.now();
      insert into astapa.identity_assertion_jtis (project_id, issuer, jti, expires_at)
      values (astapa.current_project_id(), issuer, jti, expires_at)
      on conflict on constraint identity_assertion_jtis_pkey do nothing;
      if not found then
        refusal := 'the assertion was already used (its jti was seen before)';
      end if;
    end if;
    if refusal is null then
      select u.id into user_id from astapa.users u
      join astapa.projects p on p.id = u.project_id and p.mode = u.environment
      where u.project_id = (select astapa.current_project_id())
        and pg_catalog.lower(u.email) = pg_catalog.lower(pg_catalog.btrim(identity_assertion_grant.email));
      if user_id is null then
        refusal := 'no user of this project has the assertion''s email';
      end if;
    end if;
    if refusal is not null then
      -- Returned, not raised, so that the audit entry survives.
      perform astapa.audit(astapa.current_project_id(), 'identity_assertion.refused', pg_catalog.left(client_id, 200),
        pg_catalog.jsonb_build_object('issuer', pg_catalog.left(issuer, 500), 'reason', refusal));
      return pg_catalog.jsonb_build_object('error', 'invalid_grant', 'error_description', refusal);
    end if;
    perform astapa.assert_grant_target(scope, resource);
    perform astapa.audit(astapa.current_project_id(), 'identity_assertion.accepted', pg_catalog.left(client_id, 200),
      pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('issuer', issuer,
        'subject', pg_catalog.left(subject, 200), 'user_id', user_id::text, 'scope', nullif(scope, ''),
        'resource', resource)));
    return astapa.grant_result(user_id, nullif(scope, ''), resource, pg_catalog.now(), null, null);
  end
  $$;

comment on function api.identity_assertion_grant(text, text, text, timestamptz, text, text, text, text) is
  'The jwt-bearer grant of an identity assertion (ID-JAG) whose signature the server checked: the issuer must be '
  'trusted by the current project, the jti unseen (kept until expires_at, for every instance), and the email '
  'that of one of the project''s users, who may sign in; scope and resource must be the project''s. A refusal '
  'is returned as {error: invalid_grant, error_description} and audited (identity_assertion.refused); a grant '
  'is audited as identity_assertion.accepted.';

grant execute on function api.identity_assertion_grant(text, text, text, timestamptz, text, text, text, text)
  to astapa_app;

create or replace function api.record_identity_assertion_refused(client_id text, issuer text, reason text)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if astapa.current_project_id() is null then
      raise exception 'no project is set' using errcode = 'AS400';
    end if;
    perform astapa.audit(astapa.current_project_id(), 'identity_assertion.refused', pg_catalog.left(client_id, 200),
      pg_catalog.jsonb_build_object('issuer', pg_catalog.left(issuer, 500), 'reason', pg_catalog.left(reason, 300)));
  end
  $$;

comment on function api.record_identity_assertion_refused(text, text, text) is
  'Audits an identity assertion refused before it reached the grant (untrusted issuer, bad signature, wrong '
  'audience or type, another client, expired, too long-lived) as identity_assertion.refused in the client''s project.';

grant execute on function api.record_identity_assertion_refused(text, text, text) to astapa_app;

-- A management table: only the project's own client's transactions may change which IdPs it trusts.
create or replace trigger trusted_identity_providers_refuse_foreign_client_writes
  before insert or update or delete or truncate
  on astapa.trusted_identity_providers for each statement execute function astapa.refuse_foreign_client_writes();
