-- Where the master key's sealed values live, for `astapa master-key reseal` (lib/tokens/reseal.ts): each kind of
-- value sealed at rest — a column, or a path in a project's settings — listed a batch at a time, and replaced only
-- while it is still the value that was read, so a secret the app changed meanwhile is never put back. Postgres
-- never sees the key: the CLI opens and seals; these functions only find and swap the sealed bytes. bytea columns
-- travel as hex, text columns (base64url) as they are stored.

create or replace function api.projects_to_reseal() returns text[]
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    projects text[];
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'projects_to_reseal runs outside any project.';
    end if;
    -- Only for this one query (on an error the transaction's rollback undoes it).
    perform pg_catalog.set_config('astapa.list_all_projects', 'on', true);
    select pg_catalog.array_agg(p.id order by p.id) into projects from astapa.projects as p;
    perform pg_catalog.set_config('astapa.list_all_projects', '', true);
    return coalesce(projects, '{}');
  end
  $$;

comment on function api.projects_to_reseal() is
  'Every project''s id, deleted ones too (their sealed values stay in the database), for the operator''s '
  '`astapa master-key reseal`, which then reads and replaces each project''s sealed values as that project '
  '(RLS). Security definer because listing crosses projects: its set_config turns on the owner-only policy '
  '"definer functions list every project for the operator" for its one query. Guard: refused while the '
  'transaction acts for a project. Returns ids only.';

grant execute on function api.projects_to_reseal() to astapa_app;

create or replace function api.sealed_values(kind text, after_id text default null, max_rows integer default 500)
  returns table (id text, detail text, sealed text)
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    case sealed_values.kind
    when 'signing_key' then
      return query select k.kid, null::text, pg_catalog.encode(k.private_key, 'hex')
        from astapa.signing_keys as k where after_id is null or k.kid > after_id order by k.kid limit max_rows;
    when 'webhook_secret' then
      return query select e.public_id, null::text, pg_catalog.encode(e.secret_sealed, 'hex')
        from astapa.webhook_endpoints as e where after_id is null or e.public_id > after_id
        order by e.public_id limit max_rows;
    when 'xendit_secret_key' then
      return query select x.environment, null::text, pg_catalog.encode(x.secret_key_sealed, 'hex')
        from astapa.xendit_keys as x where after_id is null or x.environment > after_id
        order by x.environment limit max_rows;
    when 'xendit_callback_token' then
      return query select x.environment, null::text, pg_catalog.encode(x.callback_token_sealed, 'hex')
        from astapa.xendit_keys as x where after_id is null or x.environment > after_id
        order by x.environment limit max_rows;
    when 'sandbox_secret_key' then
      return query select s.project_id, null::text, pg_catalog.encode(s.secret_key_sealed, 'hex')
        from astapa.sandbox_accounts as s where after_id is null or s.project_id > after_id
        order by s.project_id limit max_rows;
    when 'sandbox_callback_token' then
      return query select s.project_id, null::text, pg_catalog.encode(s.callback_token_sealed, 'hex')
        from astapa.sandbox_accounts as s where after_id is null or s.project_id > after_id
        order by s.project_id limit max_rows;
    when 'social_provider_secret' then
      return query select v.provider, null::text, v.value
        from astapa.projects as p,
          lateral (values ('apple', p.settings #>> '{social_login,apple,private_key_sealed}'),
                          ('github', p.settings #>> '{social_login,github,client_secret_sealed}'),
                          ('google', p.settings #>> '{social_login,google,client_secret_sealed}'),
                          ('microsoft', p.settings #>> '{social_login,microsoft,client_secret_sealed}'))
            as v (provider, value)
        where p.id = (select astapa.current_project_id()) and v.value is not null
          and (after_id is null or v.provider > after_id)
        order by v.provider limit max_rows;
    when 'bot_protection_secret' then
      return query select p.settings #>> '{bot_protection,provider}', null::text,
                          p.settings #>> '{bot_protection,secret_key_sealed}'
        from astapa.projects as p
        where p.id = (select astapa.current_project_id()) and after_id is null
          and p.settings #>> '{bot_protection,provider}' is not null
          and p.settings #>> '{bot_protection,secret_key_sealed}' is not null;
    when 'apple_identity_token' then
      return query select i.subject, i.token_client_id, i.refresh_token_sealed
        from astapa.identities as i
        where i.provider = 'apple' and i.refresh_token_sealed is not null and (after_id is null or i.subject > after_id)
        order by i.subject limit max_rows;
    when 'apple_revocation_token' then
      return query select r.id::text, r.client_id, r.token_sealed
        from astapa.apple_token_revocations as r
        where r.token_sealed is not null and (after_id is null or r.id > after_id::bigint)
        order by r.id limit max_rows;
    when 'apple_held_token' then
      -- A first Apple sign-in held for consent (db/api/held_social_sign_ups.sql), by its token's hash.
      return query select pg_catalog.encode(h.token_hash, 'hex'), h.token_client_id, h.refresh_token_sealed
        from astapa.held_social_sign_ups as h
        where h.refresh_token_sealed is not null
          and (after_id is null or pg_catalog.encode(h.token_hash, 'hex') > after_id)
        order by 1 limit max_rows;
    when 'sso_client_secret' then
      return query select c.id, c.client_id, c.client_secret_sealed
        from astapa.sso_connections as c
        where c.client_secret_sealed is not null and (after_id is null or c.id > after_id)
        order by c.id limit max_rows;
    when 'sso_oidc_id_token' then
      -- A sign-in's, whether it has its session or waits at its second-factor challenge (the id outlives the move).
      return query select x.id::text, x.connection_id, x.id_token_sealed
        from astapa.sso_oidc_sign_ins as x
        where x.id_token_sealed is not null and (after_id is null or x.id > after_id::bigint)
        order by x.id limit max_rows;
    when 'saml_sp_key' then
      return query select k.id, null::text, k.private_key_sealed
        from astapa.sso_saml_sp_keys as k where after_id is null or k.id > after_id order by k.id limit max_rows;
    when 'totp_secret' then
      return query select f.user_id::text, null::text, pg_catalog.encode(f.secret_sealed, 'hex')
        from astapa.user_factors as f
        where f.kind = 'totp' and f.secret_sealed is not null and (after_id is null or f.user_id > after_id::bigint)
        order by f.user_id limit max_rows;
    when 'phone_provider_credentials' then
      return query select c.provider, null::text, pg_catalog.encode(c.credentials_sealed, 'hex')
        from astapa.phone_provider_credentials as c where after_id is null or c.provider > after_id
        order by c.provider limit max_rows;
    else
      raise exception using errcode = 'AS400',
        message = pg_catalog.format('%s is not a kind of sealed value.', coalesce(sealed_values.kind, 'null'));
    end case;
  end
  $$;

comment on function api.sealed_values(text, text, integer) is
  'Up to max_rows sealed values of one kind after_id the id `after_id` (null: from the first), in id order: the row''s '
  'id, what else the value is bound to (detail: the client id of an Apple token or an SSO secret), and the sealed '
  'value (bytea columns as hex, text as stored). Every kind but signing_key is a project''s own (RLS): read as '
  'each project in turn. AS400 for an unknown kind. The kinds are every place a value sealed under the master key '
  'is kept (lib/tokens/sealed_kinds.ts names the same).';

grant execute on function api.sealed_values(text, text, integer) to astapa_app;

create or replace function api.replace_sealed_values(
  kind text,
  ids text[],
  sealed_before text[],
  sealed_after text[]
) returns text[]
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    replaced text[] := '{}';
    i integer;
    row_id text;
    old_sealed text;
    new_sealed text;
    path text[];
  begin
    if pg_catalog.cardinality(ids) is distinct from pg_catalog.cardinality(sealed_before)
      or pg_catalog.cardinality(ids) is distinct from pg_catalog.cardinality(sealed_after) then
      raise exception using errcode = 'AS400', message = 'ids, sealed_before and sealed_after must pair up.';
    end if;
    -- An unknown kind is refused even with nothing to replace (api.sealed_values raises AS400 for it).
    perform from api.sealed_values(replace_sealed_values.kind, null, 0);
    for i in 1 .. coalesce(pg_catalog.cardinality(ids), 0) loop
      row_id := ids[i];
      old_sealed := sealed_before[i];
      new_sealed := sealed_after[i];
      case replace_sealed_values.kind
      when 'signing_key' then
        update astapa.signing_keys as k set private_key = pg_catalog.decode(new_sealed, 'hex')
        where k.kid = row_id and k.private_key = pg_catalog.decode(old_sealed, 'hex');
      when 'webhook_secret' then
        update astapa.webhook_endpoints as e set secret_sealed = pg_catalog.decode(new_sealed, 'hex')
        where e.public_id = row_id and e.secret_sealed = pg_catalog.decode(old_sealed, 'hex');
      when 'xendit_secret_key' then
        update astapa.xendit_keys as x set secret_key_sealed = pg_catalog.decode(new_sealed, 'hex')
        where x.environment = row_id and x.secret_key_sealed = pg_catalog.decode(old_sealed, 'hex');
      when 'xendit_callback_token' then
        update astapa.xendit_keys as x set callback_token_sealed = pg_catalog.decode(new_sealed, 'hex')
        where x.environment = row_id and x.callback_token_sealed = pg_catalog.decode(old_sealed, 'hex');
      when 'sandbox_secret_key' then
        update astapa.sandbox_accounts as s set secret_key_sealed = pg_catalog.decode(new_sealed, 'hex')
        where s.project_id = row_id and s.secret_key_sealed = pg_catalog.decode(old_sealed, 'hex');
      when 'sandbox_callback_token' then
        update astapa.sandbox_accounts as s set callback_token_sealed = pg_catalog.decode(new_sealed, 'hex')
        where s.project_id = row_id and s.callback_token_sealed = pg_catalog.decode(old_sealed, 'hex');
      when 'social_provider_secret', 'bot_protection_secret' then
        path := case
          when replace_sealed_values.kind = 'bot_protection_secret' then '{bot_protection,secret_key_sealed}'
          when row_id = 'apple' then '{social_login,apple,private_key_sealed}'
          else array['social_login', row_id, 'client_secret_sealed'] end;
        update astapa.projects as p
        set settings = pg_catalog.jsonb_set(p.settings, path, pg_catalog.to_jsonb(new_sealed))
        where p.id = (select astapa.current_project_id()) and p.settings #>> path = old_sealed
          and (replace_sealed_values.kind = 'social_provider_secret'
               or p.settings #>> '{bot_protection,provider}' = row_id);
      when 'apple_identity_token' then
        update astapa.identities as i set refresh_token_sealed = new_sealed
        where i.provider = 'apple' and i.subject = row_id and i.refresh_token_sealed = old_sealed;
      when 'apple_revocation_token' then
        update astapa.apple_token_revocations as r set token_sealed = new_sealed
        where r.id = row_id::bigint and r.token_sealed = old_sealed;
      when 'apple_held_token' then
        update astapa.held_social_sign_ups as h set refresh_token_sealed = new_sealed
        where h.token_hash = pg_catalog.decode(row_id, 'hex') and h.refresh_token_sealed = old_sealed;
      when 'sso_client_secret' then
        update astapa.sso_connections as c set client_secret_sealed = new_sealed
        where c.id = row_id and c.client_secret_sealed = old_sealed;
      when 'sso_oidc_id_token' then
        update astapa.sso_oidc_sign_ins as x set id_token_sealed = new_sealed
        where x.id = row_id::bigint and x.id_token_sealed = old_sealed;
      when 'saml_sp_key' then
        update astapa.sso_saml_sp_keys as k set private_key_sealed = new_sealed
        where k.id = row_id and k.private_key_sealed = old_sealed;
      when 'totp_secret' then
        update astapa.user_factors as f set secret_sealed = pg_catalog.decode(new_sealed, 'hex')
        where f.kind = 'totp' and f.user_id = row_id::bigint and f.secret_sealed = pg_catalog.decode(old_sealed, 'hex');
      when 'phone_provider_credentials' then
        update astapa.phone_provider_credentials as c set credentials_sealed = pg_catalog.decode(new_sealed, 'hex')
        where c.provider = row_id and c.credentials_sealed = pg_catalog.decode(old_sealed, 'hex');
      else
        raise exception using errcode = 'AS400', message = pg_catalog.format('%s is not a kind of sealed value.',
          coalesce(replace_sealed_values.kind, 'null'));
      end case;
      if found then
        replaced := replaced || row_id;
      end if;
    end loop;
    -- The project's own record that its secrets were sealed anew (the deployment's signing keys have no project):
    -- which kind and how many, never an id's value. One entry per batch that replaced anything.
    if pg_catalog.cardinality(replaced) > 0 and astapa.current_project_id() is not null then
      perform astapa.audit(astapa.current_project_id(), 'project.secrets_resealed', replace_sealed_values.kind,
        pg_catalog.jsonb_build_object('kind', replace_sealed_values.kind, 'count', pg_catalog.cardinality(replaced)));
    end if;
    return replaced;
  end
  $$;

comment on function api.replace_sealed_values(text, text[], text[], text[]) is
  'Replaces sealed values of one kind (api.sealed_values names the kinds and their ids): each ids[i]''s value '
  'becomes sealed_after[i] only while it is still sealed_before[i] — a value the app changed since it was read '
  'stays as the app wrote it. Locks each row it rewrites (until the transaction ends); touches no updated_at (the '
  'secret is the same, only sealed anew). A project''s batch that replaced any is audited project.secrets_resealed '
  '{kind, count}. Returns the ids replaced. AS400 for an unknown kind or arrays that do not pair up.';

grant execute on function api.replace_sealed_values(text, text[], text[], text[]) to astapa_app;
