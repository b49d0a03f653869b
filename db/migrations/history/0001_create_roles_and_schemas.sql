-- Roles, schemas and default privileges. This is the only migration that runs as the connecting user;
-- every later one runs as astapa_owner, so the owner role owns every object.
--
--   astapa_owner  NOLOGIN  owns schemas, tables and functions; security definer functions run as it.
--   astapa_app    NOLOGIN  what every request becomes (SET LOCAL ROLE): not an owner, so RLS always applies.
--   login role    the DATABASE_URL user; a member of both, it migrates and then switches per request.

-- Roles are cluster-wide and several databases may migrate at once (tests): tolerate the race.
do $$
begin
  begin
    create role astapa_owner nologin;
  exception when duplicate_object or unique_violation then null;
  end;
  begin
    create role astapa_app nologin;
  exception when duplicate_object or unique_violation then null;
  end;
end
$$;

grant astapa_owner to current_user;
grant astapa_app to current_user;

do $$
begin
  execute format('grant connect, create, temporary on database %I to astapa_owner', current_database());
  execute format('grant connect on database %I to astapa_app', current_database());
end
$$;

create schema astapa authorization astapa_owner;
comment on schema astapa is 'Astapa''s tables. Private: the app role reaches rows only as RLS allows.';

create schema api authorization astapa_owner;
comment on schema api is 'Functions the application calls. EXECUTE is granted per function, never by default.';

grant usage on schema astapa to astapa_app;
grant usage on schema api to astapa_app;

-- Nothing is callable by default: each function grants EXECUTE to the one role that needs it.
alter default privileges for role astapa_owner revoke execute on functions from public;
revoke create on schema public from public;
