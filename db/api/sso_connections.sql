-- Enterprise SSO connections (docs/enterprise-sso.md): an organization's OpenID Connect or SAML 2.0 identity
-- provider, set by the project's own client, and the sign-in of a person it vouches for at one of the organization's
-- verified domains. The tables are in migrations 4227, 4234, 4277 and 4278. The app seals an OpenID Connect client
-- secret and a SAML connection's service provider private key before they reach SQL; no function here returns them
-- except the two the hosted login reads to talk to the IdP.

drop policy if exists "a project reads its own sso connections" on astapa.sso_connections;
create policy "a project reads its own sso connections" on astapa.sso_connections
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds its own sso connections" on astapa.sso_connections;
create policy "a project adds its own sso connections" on astapa.sso_connections
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project changes its own sso connections" on astapa.sso_connections;
create policy "a project changes its own sso connections" on astapa.sso_connections
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own sso connections" on astapa.sso_connections;
create policy "a project removes its own sso connections" on astapa.sso_connections
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "definer functions find the sso connection a lookup names" on astapa.sso_connections;
create policy "definer functions find the sso connection a lookup names" on astapa.sso_connections
  for select to astapa_owner
  using (id = nullif(pg_catalog.current_setting('astapa.lookup_sso_connection', true), ''));

drop policy if exists "a project reads its own sso message ids" on astapa.sso_message_ids;
create policy "a project reads its own sso message ids" on astapa.sso_message_ids
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own sso message ids" on astapa.sso_message_ids;
create policy "a project records its own sso message ids" on astapa.sso_message_ids
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project prunes its own sso message ids" on astapa.sso_message_ids;
create policy "a project prunes its own sso message ids" on astapa.sso_message_ids
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own pending sso sign ins" on astapa.sso_pending_sign_ins;
create policy "a project reads its own pending sso sign ins" on astapa.sso_pending_sign_ins
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own pending sso sign ins" on astapa.sso_pending_sign_ins;
create policy "a project records its own pending sso sign ins" on astapa.sso_pending_sign_ins
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project uses its own pending sso sign ins" on astapa.sso_pending_sign_ins;
create policy "a project uses its own pending sso sign ins" on astapa.sso_pending_sign_ins
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project prunes its own pending sso sign ins" on astapa.sso_pending_sign_ins;
create policy "a project prunes its own pending sso sign ins" on astapa.sso_pending_sign_ins
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own saml sp keys" on astapa.sso_saml_sp_keys;
create policy "a project reads its own saml sp keys" on astapa.sso_saml_sp_keys
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds its own saml sp keys" on astapa.sso_saml_sp_keys;
create policy "a project adds its own saml sp keys" on astapa.sso_saml_sp_keys
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project changes its own saml sp keys" on astapa.sso_saml_sp_keys;
create policy "a project changes its own saml sp keys" on astapa.sso_saml_sp_keys
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own saml sp keys" on astapa.sso_saml_sp_keys;
create policy "a project removes its own saml sp keys" on astapa.sso_saml_sp_keys
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "definer functions find the saml sp keys of the connection a lookup names" on astapa.sso_saml_sp_keys;
create policy "definer functions find the saml sp keys of the connection a lookup names" on astapa.sso_saml_sp_keys
  for select to astapa_owner
  using (connection_id = nullif(pg_catalog.current_setting('astapa.lookup_sso_connection', true), ''));

create or replace trigger sso_saml_sp_keys_refuse_foreign_client_writes
  before insert or update or delete or truncate
  on astapa.sso_saml_sp_keys for each statement execute function astapa.refuse_foreign_client_writes();

-- A management table: machine and self-registered clients may not write it (astapa.refuse_foreign_client_writes).
create or replace trigger sso_connections_refuse_foreign_client_writes
  before insert or update or delete or truncate
  on astapa.sso_connections for each statement execute function astapa.refuse_foreign_client_writes();

create or replace function astapa.sso_connection_json(c astapa.sso_connections) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    -- Each protocol's own fields only (the other protocol's are null, and left out).
    select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'issuer', c.issuer, 'idp_client_id', c.client_id,
      'idp_client_secret_set', case when c.protocol = 'oidc' then true end,
      'idp_entity_id', c.idp_entity_id, 'idp_sso_url', c.idp_sso_url,
      'idp_certificates', pg_catalog.to_jsonb(c.idp_certificates),
      'want_assertions_encrypted', case when c.protocol = 'saml' then c.want_assertions_encrypted end,
      'sign_authn_requests', case when c.protocol = 'saml' then c.sign_authn_requests end,
      'idp_initiated', case when c.protocol = 'saml' then c.idp_initiated end,
      'idp_slo_url', c.idp_slo_url,
      'sp_certificates', case when c.protocol = 'saml' then coalesce(
        (select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', k.id, 'state', k.state,
                                     'certificate', k.certificate, 'created_at', k.created_at)
                                     order by k.state, k.created_at)
         from astapa.sso_saml_sp_keys k where k.project_id = c.project_id and k.connection_id = c.id),
        '[]'::jsonb) end)) || pg_catalog.jsonb_build_object(
      'id', c.id, 'organization_id', c.organization_id, 'protocol', c.protocol,
      'enabled', c.enabled, 'email_verified_required', c.email_verified_required,
      'domains', coalesce((select pg_catalog.jsonb_agg(d.domain order by d.domain) from astapa.organization_domains d
                           where d.project_id = c.project_id and d.organization_id = c.organization_id
                             and d.verified_at is not null), '[]'::jsonb),
      'created_at', c.created_at, 'updated_at', c.updated_at) || astapa.sso_mapping_json(c)
  $$;

comment on function astapa.sso_connection_json(astapa.sso_connections) is
  'An SSO connection as the API shows it: its protocol''s fields only, never an OpenID client secret '
  '(idp_client_secret_set says one is kept) nor a SAML service provider private key (sp_certificates lists the '
  'certificates, current first), with the organization''s verified domains (the addresses the connection signs '
  'in), its attribute_mapping and group_roles (astapa.sso_mapping_json). The app adds a SAML connection''s service provider URLs (they need the issuer URL).';

grant execute on function astapa.sso_connection_json(astapa.sso_connections) to astapa_app;

create or replace function api.put_sso_connection(
  organization_id text,
  issuer text,
  client_id text,
  client_secret_sealed text,
  enabled boolean default true,
  email_verified_required boolean default true,
  attribute_mapping jsonb default null,
  group_roles jsonb default null
) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    c astapa.sso_connections;
  begin
    if issuer is null or pg_catalog.length(issuer) > 500 or issuer !~ '^https?://[^\s#?]+$' then
      raise exception using errcode = 'AS400',
        message = 'issuer must be the identity provider''s https URL, without a query or fragment.';
    end if;
    if client_id is null or pg_catalog.length(client_id) not between 1 and 500 or client_id ~ '[[:cntrl:]]' then
      raise exception using errcode = 'AS400', message = 'client_id must be 1 to 500 characters.';
    end if;
    select * into c from astapa.sso_connections x where x.project_id = o.project_id and x.organization_id = o.id;
    if c.id is null then
      if client_secret_sealed is null then
        raise exception using errcode = 'AS400', message = 'A new connection needs its client_secret.';
      end if;
      insert into astapa.sso_connections (project_id, id, organization_id, issuer, client_id, client_secret_sealed,
                                          enabled, email_verified_required)
      values (o.project_id, astapa.random_id('sso_', 24), o.id, issuer, client_id, client_secret_sealed,
              coalesce(enabled, true), coalesce(email_verified_required, true))
      returning * into c;
      c := astapa.set_sso_mapping(c, attribute_mapping, group_roles);
      perform astapa.audit(o.project_id, 'sso_connection.created', o.id,
        pg_catalog.jsonb_build_object('connection', c.id, 'protocol', 'oidc', 'issuer', c.issuer, 'enabled', c.enabled)
          || astapa.sso_mapping_json(c));
      return astapa.sso_connection_json(c);
    end if;
    -- The sealed secret is bound to its client id: another client id without its own secret could not be opened
    -- (nor can a SAML connection turned OpenID Connect, which has none).
    if client_secret_sealed is null and c.client_id is distinct from put_sso_connection.client_id then
      raise exception using errcode = 'AS400', message = 'A new client_id needs its client_secret.';
    end if;
    -- A SAML connection turned OpenID Connect loses its service provider keys and settings with its IdP.
    delete from astapa.sso_saml_sp_keys k where k.project_id = c.project_id and k.connection_id = c.id;
    update astapa.sso_connections x set
      protocol = 'oidc', idp_entity_id = null, idp_sso_url = null, idp_certificates = null,
      want_assertions_encrypted = false, sign_authn_requests = false, idp_initiated = false,
      -- SAML attribute names mean nothing to an OpenID Provider: a switched connection starts from the claims'.
      email_attribute = case when x.protocol = 'oidc' then x.email_attribute end,
      given_name_attribute = case when x.protocol = 'oidc' then x.given_name_attribute end,
      family_name_attribute = case when x.protocol = 'oidc' then x.family_name_attribute end,
      groups_attribute = case when x.protocol = 'oidc' then x.groups_attribute end,
      issuer = put_sso_connection.issuer,
      client_id = put_sso_connection.client_id,
      client_secret_sealed = coalesce(put_sso_connection.client_secret_sealed, x.client_secret_sealed),
      enabled = coalesce(put_sso_connection.enabled, x.enabled),
      email_verified_required = coalesce(put_sso_connection.email_verified_required, x.email_verified_required),
      updated_at = pg_catalog.now()
    where x.project_id = c.project_id and x.id = c.id
    returning * into c;
    c := astapa.set_sso_mapping(c, attribute_mapping, group_roles);
    perform astapa.audit(o.project_id, 'sso_connection.updated', o.id,
      pg_catalog.jsonb_build_object('connection', c.id, 'protocol', 'oidc', 'issuer', c.issuer, 'enabled', c.enabled,
                                    'secret_changed', client_secret_sealed is not null) || astapa.sso_mapping_json(c));
    return astapa.sso_connection_json(c);
  end
  $$;

comment on function api.put_sso_connection(text, text, text, text, boolean, boolean, jsonb, jsonb) is
  'Creates or replaces an organization''s OpenID Connect SSO connection (one per organization; a SAML one becomes '
  'OpenID Connect, its attribute names dropped): issuer, client_id, the sealed '
  'client secret (null keeps the current one, for the same client_id only), enabled and email_verified_required '
  '(null keeps them; true by default), attribute_mapping and group_roles (null keeps them; '
  'astapa.set_sso_mapping). Audited sso_connection.created|updated. AS404 unknown organization, AS400 '
  'a bad issuer or client_id, or a missing secret.';

grant execute on function api.put_sso_connection(text, text, text, text, boolean, boolean, jsonb, jsonb) to astapa_app;

create or replace function api.get_sso_connection(organization_id text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    result jsonb;
  begin
    select astapa.sso_connection_json(c) into result
    from astapa.sso_connections c join astapa.organizations o on o.project_id = c.project_id and o.id = c.organization_id
    where c.project_id = (select astapa.current_project_id())
      and (o.id = get_sso_connection.organization_id or o.slug = get_sso_connection.organization_id);
    if result is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format(
        'Organization %s has no SSO connection in this project.', organization_id);
    end if;
    return result;
  end
  $$;

comment on function api.get_sso_connection(text) is
  'An organization''s (by id or slug) SSO connection, without its secret. AS404 when it has none.';

grant execute on function api.get_sso_connection(text) to astapa_app;

create or replace function api.list_sso_connections() returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(astapa.sso_connection_json(c) order by c.organization_id), '[]'::jsonb)
    from astapa.sso_connections c where c.project_id = (select astapa.current_project_id())
  $$;

comment on function api.list_sso_connections() is
  'Every SSO connection of the current project, without secrets (the dashboard''s Organizations page).';

grant execute on function api.list_sso_connections() to astapa_app;

create or replace function api.delete_sso_connection(organization_id text) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    gone text;
  begin
    delete from astapa.sso_connections c where c.project_id = o.project_id and c.organization_id = o.id
    returning c.id into gone;
    if gone is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format(
        'Organization %s has no SSO connection in this project.', organization_id);
    end if;
    perform astapa.audit(o.project_id, 'sso_connection.deleted', o.id, pg_catalog.jsonb_build_object('connection', gone));
  end
  $$;

comment on function api.delete_sso_connection(text) is
  'Removes an organization''s SSO connection (its people sign in as before; accounts stay); audited '
  'sso_connection.deleted. AS404 when it has none.';

grant execute on function api.delete_sso_connection(text) to astapa_app;

create or replace function astapa.add_saml_sp_key(
  c astapa.sso_connections,
  key_id text,
  certificate text,
  private_key_sealed text
) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if key_id is null or key_id !~ '^spk_[a-z2-7]{24}$' then
      raise exception using errcode = 'AS400', message = 'A service provider key id is spk_ and 24 characters.';
    end if;
    if certificate is null or pg_catalog.length(certificate) > 8000 or certificate !~ '^[A-Za-z0-9+/]+={0,2}$' then
      raise exception using errcode = 'AS400', message = 'A service provider certificate is base64 DER.';
    end if;
    if private_key_sealed is null or pg_catalog.length(private_key_sealed) > 8000
       or private_key_sealed !~ '^[A-Za-z0-9_-]+$' then
      raise exception using errcode = 'AS400', message = 'A service provider key is sealed (base64url).';
    end if;
    -- The current key becomes the previous one: still published and still decrypting until it is removed.
    update astapa.sso_saml_sp_keys k set state = 'previous'
    where k.project_id = c.project_id and k.connection_id = c.id and k.state = 'current';
    insert into astapa.sso_saml_sp_keys (project_id, connection_id, id, state, certificate, private_key_sealed)
    values (c.project_id, c.id, key_id, 'current', certificate, private_key_sealed);
  end
  $$;

comment on function astapa.add_saml_sp_key(astapa.sso_connections, text, text, text) is
  'Makes a sealed service provider key pair the connection''s current one (the current one, if any, becomes the '
  'previous; the caller refuses a rotation while a previous one is kept). AS400 a bad id, certificate or seal.';

grant execute on function astapa.add_saml_sp_key(astapa.sso_connections, text, text, text) to astapa_app;

create or replace function api.put_saml_sso_connection(
  organization_id text,
  idp_entity_id text,
  idp_sso_url text,
  idp_certificates text[],
  enabled boolean default null,
  email_verified_required boolean default true,
  want_assertions_encrypted boolean default null,
  sign_authn_requests boolean default null,
  sp_key_id text default null,
  sp_certificate text default null,
  sp_private_key_sealed text default null,
  idp_initiated boolean default null,
  idp_slo_url text default null,
  attribute_mapping jsonb default null,
  group_roles jsonb default null
) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    c astapa.sso_connections;
    given boolean := idp_entity_id is not null or idp_sso_url is not null or idp_certificates is not null;
    entity text;
    sso_url text;
    certificates text[];
    slo_url text;
    on_now boolean;
    has_key boolean;
  begin
    if idp_slo_url <> '' and (pg_catalog.length(idp_slo_url) > 2000 or idp_slo_url !~ '^https?://[^\s#]+$') then
      raise exception using errcode = 'AS400',
        message = 'idp_slo_url must be the identity provider''s https single logout URL, without a fragment.';
    end if;
    if given and (idp_entity_id is null or pg_catalog.length(idp_entity_id) not between 1 and 1024
                  or idp_entity_id ~ '[[:cntrl:]]') then
      raise exception using errcode = 'AS400', message = 'idp_entity_id must be 1 to 1024 characters.';
    end if;
    if given and (idp_sso_url is null or pg_catalog.length(idp_sso_url) > 2000 or idp_sso_url !~ '^https?://[^\s#]+$') then
      raise exception using errcode = 'AS400',
        message = 'idp_sso_url must be the identity provider''s https single sign-on URL, without a fragment.';
    end if;
    if given and (idp_certificates is null or pg_catalog.cardinality(idp_certificates) not between 1 and 3
       or pg_catalog.length(pg_catalog.array_to_string(idp_certificates, ',')) > 24000
       or pg_catalog.array_to_string(idp_certificates, ',') !~ '^[A-Za-z0-9+/]+={0,2}(,[A-Za-z0-9+/]+={0,2}){0,2}$') then
      raise exception using errcode = 'AS400',
        message = 'idp_certificates must be 1 to 3 signing certificates (base64 DER).';
    end if;
    select * into c from astapa.sso_connections x where x.project_id = o.project_id and x.organization_id = o.id;
    -- No IdP given: a SAML connection keeps its own; any other is saved pending (its SP URLs exist, it signs no one in).
    entity := case when given then idp_entity_id when c.protocol = 'saml' then c.idp_entity_id end;
    sso_url := case when given then idp_sso_url when c.protocol = 'saml' then c.idp_sso_url end;
    certificates := case when given then idp_certificates when c.protocol = 'saml' then c.idp_certificates end;
    -- null keeps a SAML connection's own, '' removes it (no single logout).
    slo_url := nullif(coalesce(idp_slo_url, case when c.protocol = 'saml' then c.idp_slo_url end), '');    on_now := coalesce(put_saml_sso_connection.enabled, case
      when entity is null then false
      when c.id is null or (c.protocol = 'saml' and c.idp_entity_id is null) then true
      else c.enabled end);
    if entity is null and on_now then
      raise exception using errcode = 'AS400',
        message = 'A SAML connection can be enabled once it has its identity provider''s metadata.';
    end if;
    has_key := c.id is not null and exists (select from astapa.sso_saml_sp_keys k
                                            where k.project_id = c.project_id and k.connection_id = c.id);
    -- Encryption and signed requests need the connection's own key: the app sends one along for a connection
    -- without (a new one, or one saved before service provider keys existed); one that has a key keeps it.
    if not has_key and sp_key_id is null
       and (coalesce(want_assertions_encrypted, false) or coalesce(sign_authn_requests, false)) then
      raise exception using errcode = 'AS400',
        message = 'want_assertions_encrypted and sign_authn_requests need the connection''s service provider key.';
    end if;
    if c.id is null then
      insert into astapa.sso_connections (project_id, id, organization_id, protocol, idp_entity_id, idp_sso_url,
                                          idp_certificates, enabled, email_verified_required,
                                          want_assertions_encrypted, sign_authn_requests, idp_initiated,
                                          idp_slo_url)
      values (o.project_id, astapa.random_id('sso_', 24), o.id, 'saml', entity, sso_url, certificates, on_now,
              coalesce(email_verified_required, true), coalesce(want_assertions_encrypted, false),
              coalesce(sign_authn_requests, false), coalesce(idp_initiated, false), slo_url)
      returning * into c;
      if sp_key_id is not null then
        perform astapa.add_saml_sp_key(c, sp_key_id, sp_certificate, sp_private_key_sealed);
      end if;
      c := astapa.set_sso_mapping(c, attribute_mapping, group_roles);
      perform astapa.audit(o.project_id, 'sso_connection.created', o.id,
        pg_catalog.jsonb_build_object('connection', c.id, 'protocol', 'saml', 'idp_entity_id', c.idp_entity_id,
                                      'enabled', c.enabled, 'want_assertions_encrypted', c.want_assertions_encrypted,
                                      'sign_authn_requests', c.sign_authn_requests, 'idp_initiated', c.idp_initiated,
                                    'idp_slo_url', c.idp_slo_url) || astapa.sso_mapping_json(c));
      return astapa.sso_connection_json(c);
    end if;
    update astapa.sso_connections x set
      protocol = 'saml', issuer = null, client_id = null, client_secret_sealed = null,
      idp_entity_id = entity, idp_sso_url = sso_url, idp_certificates = certificates, enabled = on_now,
      email_verified_required = coalesce(put_saml_sso_connection.email_verified_required, x.email_verified_required),
      -- An OpenID Connect connection turned SAML starts with both off, as a new one does.
      want_assertions_encrypted = coalesce(put_saml_sso_connection.want_assertions_encrypted,
                                           x.protocol = 'saml' and x.want_assertions_encrypted),
      sign_authn_requests = coalesce(put_saml_sso_connection.sign_authn_requests,
                                     x.protocol = 'saml' and x.sign_authn_requests),
      idp_initiated = coalesce(put_saml_sso_connection.idp_initiated, x.protocol = 'saml' and x.idp_initiated),
      idp_slo_url = slo_url,
      -- OpenID Connect claim names mean nothing to a SAML IdP: a switched connection starts from the well-known names.
      email_attribute = case when x.protocol = 'saml' then x.email_attribute end,
      given_name_attribute = case when x.protocol = 'saml' then x.given_name_attribute end,
      family_name_attribute = case when x.protocol = 'saml' then x.family_name_attribute end,
      groups_attribute = case when x.protocol = 'saml' then x.groups_attribute end,
      updated_at = pg_catalog.now()
    where x.project_id = c.project_id and x.id = c.id
    returning * into c;
    if not has_key and sp_key_id is not null then
      perform astapa.add_saml_sp_key(c, sp_key_id, sp_certificate, sp_private_key_sealed);
    end if;
    c := astapa.set_sso_mapping(c, attribute_mapping, group_roles);
    perform astapa.audit(o.project_id, 'sso_connection.updated', o.id,
      pg_catalog.jsonb_build_object('connection', c.id, 'protocol', 'saml', 'idp_entity_id', c.idp_entity_id,
                                    'enabled', c.enabled, 'want_assertions_encrypted', c.want_assertions_encrypted,
                                    'sign_authn_requests', c.sign_authn_requests, 'idp_initiated', c.idp_initiated,
                                    'idp_slo_url', c.idp_slo_url) || astapa.sso_mapping_json(c));
    return astapa.sso_connection_json(c);
  end
  $$;

comment on function api.put_saml_sso_connection(text, text, text, text[], boolean, boolean, boolean, boolean, text,
                                                 text, text, boolean, text, jsonb, jsonb) is
  'Creates or replaces an organization''s SAML 2.0 SSO connection (one per organization; an OpenID Connect one '
  'becomes SAML and its sealed secret is dropped): the IdP''s entity id, single sign-on URL and 1 to 3 signing '
  'certificates (base64 DER) — all three, or none to keep a SAML connection''s own or to save one pending (no IdP '
  'yet, disabled: its SP URLs can be given to the IdP first). enabled: null keeps it (a pending connection off, one '
  'completed on); email_verified_required, want_assertions_encrypted, sign_authn_requests: null keeps them (the '
  'last two false by default). sp_key_id, sp_certificate, sp_private_key_sealed: a service provider key pair made '
  'by the app, kept only when the connection has none yet. idp_initiated: null keeps it (false by default): '
  'accept a Response the IdP sent unasked, handed to the app''s initiate_login_uri. idp_slo_url: the IdP''s '
  'single logout URL (null keeps it, '''' removes it). attribute_mapping and group_roles: null keeps them '
  '(astapa.set_sso_mapping; an OpenID Connect connection turned SAML drops its claim names). Audited sso_connection.created|updated. AS404 unknown '
  'organization, AS400 a bad field, a pending connection enabled, or encryption or signing without a key.';

grant execute on function api.put_saml_sso_connection(text, text, text, text[], boolean, boolean, boolean, boolean,
                                                      text, text, text, boolean, text, jsonb, jsonb) to astapa_app;

create or replace function api.saml_sp_key_needed(organization_id text) returns boolean
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    -- Locked as api.put_saml_sso_connection locks it: the answer holds until the save later in this transaction.
    o astapa.organizations := astapa.lock_organization(organization_id);
  begin
    return not exists (select from astapa.sso_connections c
                       join astapa.sso_saml_sp_keys k on k.project_id = c.project_id and k.connection_id = c.id
                       where c.project_id = o.project_id and c.organization_id = o.id);
  end
  $$;

comment on function api.saml_sp_key_needed(text) is
  'Whether a SAML save of the organization''s SSO connection would keep a new service provider key pair: true when '
  'it has no connection, an OpenID Connect one or a SAML one without a key. The app makes a key only then (a key '
  'costs it ~0.3 s; api.put_saml_sso_connection drops one brought for a connection that has its own). Locks the '
  'organization for the rest of the transaction. AS404 unknown organization.';

grant execute on function api.saml_sp_key_needed(text) to astapa_app;

create or replace function api.rotate_saml_sp_key(
  organization_id text,
  key_id text,
  certificate text,
  private_key_sealed text
) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    c astapa.sso_connections;
    previous text;
  begin
    select * into c from astapa.sso_connections x
    where x.project_id = o.project_id and x.organization_id = o.id and x.protocol = 'saml'
    for update;
    if c.id is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format(
        'Organization %s has no SAML SSO connection in this project.', organization_id);
    end if;
    select k.id into previous from astapa.sso_saml_sp_keys k
    where k.project_id = c.project_id and k.connection_id = c.id and k.state = 'previous';
    -- Dropping a previous key the IdP may still encrypt to would break sign-ins: it is removed on purpose first.
    if previous is not null then
      raise exception using errcode = 'AS409', message =
        'This connection still keeps its previous service provider certificate: remove it first.';
    end if;
    perform astapa.add_saml_sp_key(c, key_id, certificate, private_key_sealed);
    perform astapa.audit(o.project_id, 'sso_connection.sp_key_rotated', o.id,
      pg_catalog.jsonb_build_object('connection', c.id, 'key', key_id));
    return astapa.sso_connection_json(c);
  end
  $$;

comment on function api.rotate_saml_sp_key(text, text, text, text) is
  'Rolls a SAML connection''s service provider key: the new sealed key pair becomes current (signs requests, '
  'decrypts), the current one becomes previous (still published in the metadata and still decrypting until '
  'api.remove_previous_saml_sp_key). A connection without a key gets its first. Audited '
  'sso_connection.sp_key_rotated. AS404 no SAML connection, AS409 a previous key still kept, AS400 a bad key.';

grant execute on function api.rotate_saml_sp_key(text, text, text, text) to astapa_app;

create or replace function api.remove_previous_saml_sp_key(organization_id text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    c astapa.sso_connections;
    gone text;
  begin
    select * into c from astapa.sso_connections x
    where x.project_id = o.project_id and x.organization_id = o.id and x.protocol = 'saml';
    delete from astapa.sso_saml_sp_keys k
    where k.project_id = o.project_id and k.connection_id = c.id and k.state = 'previous'
    returning k.id into gone;
    if gone is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format(
        'Organization %s has no previous service provider certificate in this project.', organization_id);
    end if;
    perform astapa.audit(o.project_id, 'sso_connection.sp_key_removed', o.id,
      pg_catalog.jsonb_build_object('connection', c.id, 'key', gone));
    return astapa.sso_connection_json(c);
  end
  $$;

comment on function api.remove_previous_saml_sp_key(text) is
  'Ends a rotation: the previous service provider key is deleted (no longer published, no longer decrypting). '
  'Audited sso_connection.sp_key_removed. AS404 when there is none.';

grant execute on function api.remove_previous_saml_sp_key(text) to astapa_app;

create or replace function api.saml_service_provider(connection_id text) returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    result jsonb;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'SAML metadata lookups happen before a project is chosen.';
    end if;
    if connection_id is null or connection_id !~ '^sso_[a-z2-7]{24}$' then
      return null;
    end if;
    -- Shows the owner this one connection (and its keys) for the next query only.
    perform pg_catalog.set_config('astapa.lookup_sso_connection', connection_id, true);
    select pg_catalog.jsonb_build_object(
      'sign_authn_requests', c.sign_authn_requests,
      'want_assertions_encrypted', c.want_assertions_encrypted,
      'certificates', coalesce((select pg_catalog.jsonb_agg(k.certificate order by k.state, k.created_at)
                                from astapa.sso_saml_sp_keys k
                                where k.project_id = c.project_id and k.connection_id = c.id), '[]'::jsonb))
    into result
    from astapa.sso_connections c
    where c.id = saml_service_provider.connection_id and c.protocol = 'saml';
    perform pg_catalog.set_config('astapa.lookup_sso_connection', '', true);
    return result;
  end
  $$;

comment on function api.saml_service_provider(text) is
  'What a SAML connection''s public service provider metadata says beyond its URLs: its certificates (current '
  'first; never a private key) and whether it signs requests and wants encrypted assertions; null when no SAML '
  'connection has this id. Security definer because an IdP fetches the metadata with no project known; it sees '
  'only the one connection the id names and its keys (policies "definer functions find …"), answers public '
  'facts only, and refuses to run once a project is set.';

revoke execute on function api.saml_service_provider(text) from public;
grant execute on function api.saml_service_provider(text) to astapa_app;

create or replace function api.record_sso_message_id(connection_id text, message_id text, expires_at timestamptz)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
  begin
    if project is null then
      raise exception using errcode = 'AS403', message = 'SSO message IDs are recorded for one project.';
    end if;
    if message_id is null or pg_catalog.length(message_id) not between 1 and 256 or message_id ~ '[[:cntrl:]]' then
      raise exception using errcode = 'AS400', message = 'An SSO message ID must be 1 to 256 characters.';
    end if;
    -- Pruned as it goes: an expired ID could not be accepted again anyway (its message is refused as expired).
    delete from astapa.sso_message_ids m where m.project_id = project and m.expires_at < pg_catalog.now();
    insert into astapa.sso_message_ids (project_id, connection_id, message_id, expires_at)
    values (project, record_sso_message_id.connection_id, record_sso_message_id.message_id,
            greatest(record_sso_message_id.expires_at, pg_catalog.now()))
    on conflict on constraint sso_message_ids_pkey do nothing;
    if not found then
      raise exception using errcode = 'AS409', message = 'This message from the IdP was already used (a replay).';
    end if;
  end
  $$;

comment on function api.record_sso_message_id(text, text, timestamptz) is
  'Records the ID of a one-time message an SSO connection of the current project accepted (a SAML assertion or '
  'LogoutRequest ID, an OpenID Connect logout token''s jti), kept until expires_at (when the message could no '
  'longer be accepted) and pruned after; AS409 when the ID was recorded already (a replay), AS400 a bad ID, AS403 '
  'no project. A connection unknown to the project fails its foreign key.';

grant execute on function api.record_sso_message_id(text, text, timestamptz) to astapa_app;

create or replace function api.sso_connection_project(connection_id text, protocol text) returns text
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    project text;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'An SSO connection''s project is looked up before one is chosen.';
    end if;
    if connection_id is null or connection_id !~ '^sso_[a-z2-7]{24}$' then
      return null;
    end if;
    -- Shows the owner this one connection for the next query only.
    perform pg_catalog.set_config('astapa.lookup_sso_connection', connection_id, true);
    select c.project_id into project from astapa.sso_connections c
    where c.id = sso_connection_project.connection_id and c.protocol = sso_connection_project.protocol;
    perform pg_catalog.set_config('astapa.lookup_sso_connection', '', true);
    return project;
  end
  $$;

comment on function api.sso_connection_project(text, text) is
  'The project of the SSO connection of that protocol (saml, oidc) a URL names, or null: a SAML Response the IdP '
  'sent unasked (IdP-initiated), a SAML LogoutRequest or an OpenID Connect logout token arrives with no flow '
  'cookie to say which project it is for. Security definer because no project is known yet; it sees only the one '
  'connection the id names (policy "definer functions find …"), answers its project id only (public: it is in '
  'every /auth/start link), and refuses to run once a project is set.';

revoke execute on function api.sso_connection_project(text, text) from public;
grant execute on function api.sso_connection_project(text, text) to astapa_app;

create or replace function api.record_sso_pending_sign_in(
  connection_id text,
  token_hash bytea,
  subject text,
  email text,
  profile jsonb,
  name_id_format text default null,
  session_index text default null,
  groups text[] default null
) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    -- Named columns, not projects%rowtype: the app role may not read the client secret's hash.
    p record;
  begin
    if project is null then
      raise exception using errcode = 'AS403', message = 'A pending SSO sign-in is recorded for one project.';
    end if;
    if not exists (select from astapa.sso_connections c
                   where c.project_id = project and c.id = record_sso_pending_sign_in.connection_id
                     and c.protocol = 'saml' and c.enabled and c.idp_initiated) then
      raise exception using errcode = 'AS404',
        message = 'This SSO connection does not accept sign-ins from the identity provider''s portal.';
    end if;
    select x.settings, x.redirect_uris into p from astapa.projects x where x.id = project;
    if p.settings ->> 'initiate_login_uri' is null then
      raise exception using errcode = 'AS4L0', message =
        'The project''s client has no initiate_login_uri, so a sign-in from the identity provider''s portal has no '
        'app to start it.';
    end if;
    if token_hash is null or pg_catalog.length(token_hash) <> 32 or subject is null
       or pg_catalog.length(subject) not between 1 and 1024 or email is null
       or pg_catalog.length(email) not between 1 and 320
       or pg_catalog.jsonb_typeof(coalesce(profile, '{}'::jsonb)) <> 'object'
       or pg_catalog.cardinality(groups) > 200 then
      raise exception using errcode = 'AS400', message = 'A pending SSO sign-in needs its token hash, subject and email.';
    end if;
    -- Pruned as it goes: an expired or used one signs nobody in any more.
    delete from astapa.sso_pending_sign_ins x
    where x.project_id = project and (x.expires_at < pg_catalog.now() or x.used_at is not null);
    insert into astapa.sso_pending_sign_ins (project_id, token_hash, connection_id, subject, email, profile, expires_at,
                                             name_id_format, session_index, groups)
    values (project, record_sso_pending_sign_in.token_hash, record_sso_pending_sign_in.connection_id,
            record_sso_pending_sign_in.subject, pg_catalog.btrim(record_sso_pending_sign_in.email),
            coalesce(record_sso_pending_sign_in.profile, '{}'::jsonb), pg_catalog.now() + interval '10 minutes',
            record_sso_pending_sign_in.name_id_format, record_sso_pending_sign_in.session_index,
            coalesce(record_sso_pending_sign_in.groups, '{}'));
    return pg_catalog.jsonb_build_object('initiate_login_uri', p.settings ->> 'initiate_login_uri',
                                         'redirect_uris', pg_catalog.to_jsonb(p.redirect_uris));
  end
  $$;

comment on function api.record_sso_pending_sign_in(text, bytea, text, text, jsonb, text, text, text[]) is
  'Keeps the identity a verified IdP-initiated SAML Response names (subject, email, profile attributes, the '
  'NameID format and SessionIndex single logout needs, and up to 200 groups for the role) for ten '
  'minutes under the SHA-256 of the pending-login cookie''s token; nobody is signed in until the app''s own '
  'authorization request uses it (api.use_sso_pending_sign_in). Returns where the browser goes next: '
  '{initiate_login_uri, redirect_uris} (the project client''s; a RelayState is kept only on their origins). AS404 the connection is not an enabled SAML one '
  'with idp_initiated; AS4L0 the project client has no initiate_login_uri; AS400 a bad field; AS403 no project.';

grant execute on function api.record_sso_pending_sign_in(text, bytea, text, text, jsonb, text, text, text[])
  to astapa_app;

create or replace function api.use_sso_pending_sign_in(token_hash bytea) returns jsonb
  language sql
  volatile
  set search_path = ''
  as $$
    update astapa.sso_pending_sign_ins x set used_at = pg_catalog.now()
    from astapa.sso_connections c
    where x.project_id = (select astapa.current_project_id()) and x.token_hash = use_sso_pending_sign_in.token_hash
      and x.used_at is null and x.expires_at > pg_catalog.now()
      and c.project_id = x.project_id and c.id = x.connection_id and c.protocol = 'saml' and c.enabled
      and c.idp_initiated
    returning pg_catalog.jsonb_build_object('connection_id', x.connection_id, 'subject', x.subject,
                                            'email', x.email, 'profile', x.profile,
                                            'name_id_format', x.name_id_format, 'session_index', x.session_index,
                                            'groups', pg_catalog.to_jsonb(x.groups))
  $$;

comment on function api.use_sso_pending_sign_in(bytea) is
  'Uses a pending IdP-initiated SSO sign-in of the current project (once: a second call, an expired one, or one '
  'whose connection was disabled or had idp_initiated turned off meanwhile is null): {connection_id, subject, '
  'email, profile, name_id_format, session_index, groups}, for api.sign_in_with_sso next (used even when that refuses the person).';

grant execute on function api.use_sso_pending_sign_in(bytea) to astapa_app;

create or replace function astapa.sso_sign_in_json(c astapa.sso_connections) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.sso_connection_json(c) || pg_catalog.jsonb_build_object(
      'client_secret_sealed', c.client_secret_sealed,
      'sp_keys', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                    'id', k.id, 'state', k.state, 'certificate', k.certificate,
                    'private_key_sealed', k.private_key_sealed) order by k.state, k.created_at), '[]'::jsonb)
                  from astapa.sso_saml_sp_keys k where k.project_id = c.project_id and k.connection_id = c.id),
      'organization_name', (select o.name from astapa.organizations o
                            where o.project_id = c.project_id and o.id = c.organization_id),
      -- Where an IdP-initiated sign-in goes to be started by the app (the project client's, or null).
      'initiate_login_uri', (select p.settings ->> 'initiate_login_uri' from astapa.projects p
                             where p.id = c.project_id))
  $$;

comment on function astapa.sso_sign_in_json(astapa.sso_connections) is
  'What the hosted login needs to send a person to a connection''s IdP: the connection with its sealed secret, a '
  'SAML connection''s sealed service provider keys (to sign requests and decrypt assertions) and the '
  'organization''s name (pages name the provider by it), and the project client''s initiate_login_uri (where an '
  'IdP-initiated sign-in is handed to the app). Never answered by the Platform API.';

grant execute on function astapa.sso_sign_in_json(astapa.sso_connections) to astapa_app;

create or replace function api.sso_connection_for_email(email text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.sso_sign_in_json(c)
    from astapa.organization_domains d
    join astapa.sso_connections c on c.project_id = d.project_id and c.organization_id = d.organization_id
    where d.project_id = (select astapa.current_project_id()) and d.verified_at is not null
      and d.domain = astapa.email_domain(sso_connection_for_email.email)
      and c.enabled
  $$;

comment on function api.sso_connection_for_email(text) is
  'The enabled SSO connection of the organization whose verified domain is the address''s (at most one: a domain '
  'is verified for one organization), with its sealed secret, for the hosted login; null when there is none.';

grant execute on function api.sso_connection_for_email(text) to astapa_app;

create or replace function api.sso_connection_for_sign_in(connection_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.sso_sign_in_json(c) from astapa.sso_connections c
    where c.project_id = (select astapa.current_project_id()) and c.id = sso_connection_for_sign_in.connection_id
      and c.enabled
  $$;

comment on function api.sso_connection_for_sign_in(text) is
  'An enabled SSO connection by id, with its sealed secret, for the hosted login''s callback (read again there: '
  'it may have been changed or disabled since the person left for the IdP); null otherwise.';

grant execute on function api.sso_connection_for_sign_in(text) to astapa_app;

create or replace function api.sign_in_with_sso(connection_id text, subject text, email text, email_verified boolean,
                                                groups text[] default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    mode text;
    c astapa.sso_connections;
    o astapa.organizations;
    clean_email text := pg_catalog.btrim(email);
    -- Named columns, not users%rowtype: the app role may not read password_hash.
    found_user record;
    person bigint;
    created boolean := false;
    linked boolean := false;
    held text;
    wanted text;
  begin
    if project is null then
      raise exception using errcode = 'AS403', message = 'SSO sign-in acts for one project.';
    end if;
    mode := astapa.require_project(project);
    select * into c from astapa.sso_connections x
    where x.project_id = project and x.id = sign_in_with_sso.connection_id and x.enabled;
    if c.id is null then
      raise exception using errcode = 'AS404', message = 'This SSO connection is not enabled any more.';
    end if;
    if subject is null or pg_catalog.length(subject) not between 1 and 255 then
      raise exception using errcode = 'AS400', message = 'The identity provider''s subject must be 1 to 255 characters.';
    end if;
    -- The app refuses more first (lib/login/sso/idp_claims.ts); a value longer than any mapped group matches none.
    if pg_catalog.cardinality(groups) > 200 then
      raise exception using errcode = 'AS400', message = 'The identity provider sent more than 200 groups.';
    end if;
    perform astapa.assert_email(clean_email);
    -- The IdP speaks for its organization's verified domains only: an address elsewhere could be anyone's account.
    if not exists (select from astapa.organization_domains d
                   where d.project_id = project and d.organization_id = c.organization_id and d.verified_at is not null
                     and d.domain = astapa.email_domain(clean_email)) then
      raise exception using errcode = 'AS403', message =
        'The identity provider vouched for an address outside its organization''s verified domains.';
    end if;
    if c.email_verified_required and not coalesce(email_verified, false) then
      raise exception using errcode = 'AS403', message = 'The identity provider has not verified this address.';
    end if;
    -- Lock order (as SCIM's and every membership change's): the organization, the address's and subject's
    -- advisory locks, then the person's row. A claim of the person under way holds that row first but never
    -- waits for an organization's (astapa.clear_unlinked_billing_methods skips a held one), so this waits for it
    -- and no circle forms (tests/sql/sso_lock_order_race_test.ts).
    o := astapa.lock_organization(c.organization_id);
    -- Two first sign-ins of one address at once must not create two users.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(project || ' sso ' || pg_catalog.lower(clean_email), 0));
    -- The subject first (astapa.sso_identities): an address the IdP changed keeps the account (sso_enforcement.sql).
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(project || ' sso ' || c.id || ' ' || subject, 0));
    person := astapa.sso_linked_user(project, mode, c.id, subject, clean_email);
    if person is null then
      select u.id, u.email_verified, u.disabled into found_user
      from astapa.users u
      where u.project_id = project and u.environment = mode and u.email_lower = pg_catalog.lower(clean_email)
      for update;
      if found_user.id is null then
        -- A guest's sign-up keeps the guest's row (astapa.sign_up_with_proven_email; docs/anonymous-users.md).
        person := astapa.sign_up_with_proven_email(project, clean_email, 'sso');
        created := true;
      elsif found_user.disabled then
        raise exception using errcode = 'AS403', message = 'This account is disabled.';
      else
        person := found_user.id;
        -- The domain's own IdP proved the address: an account that never proved it is claimed, as a mailed link
        -- would (whoever signed up with it loses what they set up), then verified — unless the account proved its
        -- phone number, whose owner confirms the address from inside it (astapa.proof_signs_in).
        if not found_user.email_verified then
          if not astapa.proof_signs_in(project, person, 'email') then
            raise exception using errcode = 'AS409', message =
              'An account with this address exists that has not confirmed it: confirm it from inside the account first.';
          end if;
          perform astapa.claim_unproven_account(project, person, 'email');
        end if;
      end if;
      perform astapa.link_sso_subject(project, c.id, subject, person);
      linked := not created;
    end if;
    -- The role the groups give (null: they decide nothing here); owners are the organization's own decision.
    wanted := astapa.sso_group_role(c, groups);
    select m.role into held from astapa.organization_memberships m
    where m.project_id = project and m.organization_id = o.id and m.user_id = person
    for update;
    if held is null then
      perform astapa.add_membership(o, person, coalesce(wanted, 'member'), 'sso');
    elsif wanted is not null and held <> 'owner' and held <> wanted then
      perform astapa.set_membership_role(o, person, wanted, 'sso');
    end if;
    perform astapa.audit(project, 'user.sso_sign_in', 'user:' || person,
      pg_catalog.jsonb_build_object('connection', c.id, 'organization', o.id, 'subject', subject, 'created', created)
        || case when wanted is null then '{}'::jsonb
                else pg_catalog.jsonb_build_object('group_role', wanted, 'previous_role', held) end);
    return pg_catalog.jsonb_build_object('user_id', person::text, 'created', created, 'linked', linked,
                                         'organization_id', o.id);
  end
  $$;

comment on function api.sign_in_with_sso(text, text, text, boolean, text[]) is
  'Signs in the person an enabled SSO connection''s IdP vouched for: the address must be at a verified domain of '
  'the connection''s organization (AS403 otherwise) and verified by the IdP unless the connection says it is '
  'authoritative (AS403). The account linked to the IdP''s subject is found first (astapa.sso_linked_user: an '
  'address changed at the IdP follows to the account; AS4E1 when another account has it), else the user with '
  'that address (an unproven account claimed first, astapa.claim_unproven_account; AS409 beside a proven phone '
  'number) or a new one, verified (the guest a sign-up keeps, converted: astapa.sign_up_with_proven_email), '
  'then linked to the subject (astapa.link_sso_subject). The person is made a '
  'member of the organization (reason sso) when not one yet; their role is what groups give when the connection '
  'maps groups (astapa.sso_group_role: the highest mapped role, else member; an owner is left as they are, and an '
  'organization whose SCIM directory maps groups takes roles from SCIM only), else member for a new member; a '
  'changed role is membership.updated, reason sso. Audited user.sso_sign_in (with group_role). AS404 connection '
  'not enabled, AS403 account disabled, AS400 more than 200 groups, AS4F9 no free seat. Returns {user_id, created, linked (an existing account linked to the subject now), '
  'organization_id}.';

grant execute on function api.sign_in_with_sso(text, text, text, boolean, text[]) to astapa_app;
