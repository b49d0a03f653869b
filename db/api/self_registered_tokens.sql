-- Revocation (RFC 7009) and introspection (RFC 7662) for clients no project owns: self-registered (dcl_…) and
-- metadata-document (URL) clients. The token names its project; the client acts only on tokens issued to it.

drop policy if exists "a client that registered itself finds its own refresh tokens" on astapa.refresh_tokens;
create policy "a client that registered itself finds its own refresh tokens" on astapa.refresh_tokens
  for select to astapa_owner
  using (client_id = nullif(pg_catalog.current_setting('astapa.lookup_refresh_token_client', true), ''));

create or replace function api.self_registered_token_project(client_id text, token_hash bytea,
  lookup_id uuid default null) returns text
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    found_project text;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403',
        message = 'A self-registered client''s token is looked up outside any project.';
    end if;
    if not astapa.is_third_party_client_id(client_id) then
      return null;
    end if;
    perform pg_catalog.set_config('astapa.lookup_refresh_token_client', client_id, true);
    -- By the lookup id a token carries; a token from before lookup ids by its hash alone (indexed for those).
    if lookup_id is not null then
      select r.project_id into found_project from astapa.refresh_tokens r
      where r.lookup_id = self_registered_token_project.lookup_id
        and r.token_hash = self_registered_token_project.token_hash
        and r.client_id = self_registered_token_project.client_id;
    else
      select r.project_id into found_project from astapa.refresh_tokens r
      where r.lookup_id is null and r.token_hash = self_registered_token_project.token_hash
        and r.client_id = self_registered_token_project.client_id
      limit 1;
    end if;
    perform pg_catalog.set_config('astapa.lookup_refresh_token_client', '', true);
    return found_project;
  end
  $$;

comment on function api.self_registered_token_project(text, bytea, uuid) is
  'The project of a refresh token (live or not) issued to this self-registered or metadata-document client, or '
  'null. Security definer because such a client belongs to no project and the app role sees refresh tokens '
  'only inside one: it runs only with no project set, for third-party client ids, and sees just that client''s '
  'tokens through an owner-only policy switched on for its one query.';

grant execute on function api.self_registered_token_project(text, bytea, uuid) to astapa_app;

create or replace function api.revoke_self_registered_tokens(
  client_id text,
  token_hash bytea,
  user_id bigint,
  resource text,
  lookup_id uuid default null
) returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    revoked integer;
    token_owner bigint := revoke_self_registered_tokens.user_id;
    family uuid;
  begin
    if token_hash is not null then
      -- A refresh token: its whole family (the one sign-in's chain of rotations), RFC 7009 §2.1.
      select f.user_id, f.family_id into token_owner, family from astapa.refresh_tokens f
      where f.project_id = (select astapa.current_project_id())
        and f.id = astapa.presented_refresh_token_id(revoke_self_registered_tokens.lookup_id,
                                                     revoke_self_registered_tokens.token_hash)
        and f.client_id = revoke_self_registered_tokens.client_id;
      if not found then
        return 0;
      end if;
    end if;
    -- The owner's row first, for update, as every revocation of a user's tokens takes it: a rotation under way
    -- (key share, then its token) commits first and its successor is revoked below; a reuse detection of the
    -- family waits, or this waits for it. Then the tokens in id order, as a reuse detection locks them.
    perform from astapa.users u
    where u.project_id = (select astapa.current_project_id()) and u.id = token_owner
    for update of u;
    if family is not null then
      update astapa.refresh_tokens r set revoked_at = pg_catalog.now(), revoked_reason = 'revoked_by_client'
      where r.project_id = (select astapa.current_project_id()) and r.id in (
        select t.id from astapa.refresh_tokens t
        where t.project_id = (select astapa.current_project_id()) and t.family_id = family
          and t.client_id = revoke_self_registered_tokens.client_id and t.revoked_at is null
        order by t.id
        for update of t);
    else
      -- An access token: the refresh tokens of the same grant (this person, this client, this resource).
      update astapa.refresh_tokens r set revoked_at = pg_catalog.now(), revoked_reason = 'revoked_by_client'
      where r.project_id = (select astapa.current_project_id()) and r.id in (
        select t.id from astapa.refresh_tokens t
        where t.project_id = (select astapa.current_project_id()) and t.user_id = token_owner
          and t.client_id = revoke_self_registered_tokens.client_id and t.revoked_at is null
          and t.resource is not distinct from revoke_self_registered_tokens.resource
        order by t.id
        for update of t);
    end if;
    get diagnostics revoked = row_count;
    return revoked;
  end
  $$;

comment on function api.revoke_self_registered_tokens(text, bytea, bigint, text, uuid) is
  'Revokes, in the current project, the refresh tokens of one grant of a self-registered or metadata-document '
  'client: the family of the refresh token with token_hash (and the lookup_id it carries), or (token_hash null) '
  'the tokens it holds for the user and resource an access token named. Never another client''s tokens, never '
  'the user''s other sessions. Returns how many. Locks the tokens'' user''s row for update first, then the '
  'tokens in id order.';

grant execute on function api.revoke_self_registered_tokens(text, bytea, bigint, text, uuid) to astapa_app;

create or replace function api.introspect_self_registered_refresh_token(client_id text, token_hash bytea,
  lookup_id uuid default null)
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    result jsonb;
  begin
    begin
      -- A project that turned the client's kind off has stopped its tokens: they are not active.
      perform astapa.assert_dynamic_client_allowed(client_id);
    exception when sqlstate 'AS4U0' then
      return null;
    end;
    result := api.introspect_refresh_token(token_hash, lookup_id);
    if result ->> 'client_id' is distinct from client_id then
      return null;
    end if;
    return result;
  end
  $$;

comment on function api.introspect_self_registered_refresh_token(text, bytea, uuid) is
  'RFC 7662 fields for a live refresh token of the current project issued to this self-registered or '
  'metadata-document client while the project still accepts its kind; null otherwise (not active).';

grant execute on function api.introspect_self_registered_refresh_token(text, bytea, uuid) to astapa_app;
