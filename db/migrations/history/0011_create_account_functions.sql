-- The account API: developers and the projects they administer.

create function api.create_account(email text, password_hash text, password_reset_required boolean default true)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    created jsonb;
  begin
    perform astapa.assert_email(pg_catalog.btrim(email));
    if password_hash is not null and password_hash !~ '^\$argon2id\$' then
      raise exception using errcode = 'AS400', message = 'Password hashes must be argon2id.';
    end if;
    begin
      insert into astapa.accounts as a (email, password_hash, password_reset_required)
      values (pg_catalog.btrim(email), password_hash, coalesce(password_reset_required, true))
      returning pg_catalog.jsonb_build_object('id', a.id::text, 'email', a.email,
        'password_reset_required', a.password_reset_required, 'created_at', a.created_at) into created;
    exception when unique_violation then
      raise exception using errcode = 'AS409', message = 'An account with this email already exists.';
    end;
    return created;
  end
  $$;

comment on function api.create_account(text, text, boolean) is
  'Creates a developer account (email unique in any case). password_hash is argon2id or null for an invite.';

grant execute on function api.create_account(text, text, boolean) to astapa_app;

create function api.add_member(project_id text, account_id bigint, role text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    perform astapa.require_project(project_id);
    if role is null or role not in ('owner', 'admin', 'viewer') then
      raise exception using errcode = 'AS400', message = 'A member''s role is owner, admin or viewer.';
    end if;
    if not exists (select from astapa.accounts as a where a.id = add_member.account_id) then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Account %s was not found.', account_id);
    end if;
    begin
      insert into astapa.memberships (project_id, account_id, role) values (project_id, account_id, role);
    exception when unique_violation then
      raise exception using errcode = 'AS409', message = 'This account is already a member of this project.';
    end;
    perform astapa.audit(project_id, 'member.add', 'account:' || account_id, pg_catalog.jsonb_build_object('role', role));
    return pg_catalog.jsonb_build_object('project_id', project_id, 'account_id', account_id::text, 'role', role);
  end
  $$;

comment on function api.add_member(text, bigint, text) is
  'Lets an account administer the project as owner, admin or viewer. AS404 unknown project/account, AS409 twice.';

grant execute on function api.add_member(text, bigint, text) to astapa_app;
