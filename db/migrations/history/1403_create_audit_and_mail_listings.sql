-- The dashboard's audit log and mail outbox pages: filtered, keyset-paginated (newest first, before an id),
-- and kept to the project's current environment where a row can be told apart.

-- A user's own entries (the user page shows their latest) without scanning the whole log.
create index audit_log_target_idx on astapa.audit_log (project_id, target, id);

create function astapa.audit_user_id(target text) returns bigint
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$ select case when target ~ '^user:[0-9]{1,18}$' then pg_catalog.substr(target, 6)::bigint end $$;

comment on function astapa.audit_user_id(text) is 'The user an audit target names (user:<id>), or null.';

grant execute on function astapa.audit_user_id(text) to astapa_app;

create function api.list_audit(project_id text, filters jsonb default '{}', before_id bigint default null,
                               max_rows integer default 50) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    current_mode text := astapa.require_project(project_id);
    wanted_actor text := nullif(pg_catalog.btrim(filters ->> 'actor'), '');
    wanted_action text := nullif(pg_catalog.btrim(filters ->> 'action'), '');
    wanted_user text := nullif(pg_catalog.btrim(filters ->> 'user'), '');
  begin
    if filters is null or pg_catalog.jsonb_typeof(filters) <> 'object'
       or exists (select from pg_catalog.jsonb_object_keys(filters) as k where k not in ('actor', 'action', 'user')) then
      raise exception using errcode = 'AS400', message = 'Audit filters are actor, action and user.';
    end if;
    if max_rows is null or max_rows not between 1 and 200 then
      raise exception using errcode = 'AS400', message = 'A page holds 1 to 200 audit entries.';
    end if;
    if wanted_user is not null and wanted_user !~ '^[0-9]{1,18}$' then
      raise exception using errcode = 'AS400', message = 'Filter by user with their sub (digits only).';
    end if;
    if wanted_action is not null and wanted_action !~ '^[a-z_]+(\.[a-z_]*)?$' then
      raise exception using errcode = 'AS400',
        message = 'An action looks like user.create (or user. for every user action).';
    end if;
    -- A developer's email stands for their account.
    if wanted_actor ~ '@' then
      select 'account:' || a.id into wanted_actor from astapa.accounts as a
      where pg_catalog.lower(a.email) = pg_catalog.lower(wanted_actor);
      wanted_actor := coalesce(wanted_actor, 'account:none');
    end if;
    return (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'id', e.id::text, 'at', e.at, 'actor', e.actor, 'actor_email', e.actor_email, 'action', e.action,
          'target', e.target, 'details', e.details) order by e.id desc), '[]')
      from (
        select l.id, l.at, l.actor, acc.email as actor_email, l.action, l.target, l.details
        from astapa.audit_log as l
        left join astapa.users as u
          on u.project_id = l.project_id and u.id = astapa.audit_user_id(l.target)
        left join astapa.accounts as acc
          on acc.id = case when l.actor ~ '^account:[0-9]{1,18}$' then pg_catalog.substr(l.actor, 9)::bigint end
        where l.project_id = list_audit.project_id
          and (before_id is null or l.id < before_id)
          and (u.id is null or u.environment = current_mode)
          and (wanted_actor is null or l.actor = wanted_actor)
          and (wanted_action is null or l.action = wanted_action
               or (wanted_action ~ '\.$' and pg_catalog.starts_with(l.action, wanted_action)))
          and (wanted_user is null or l.target = 'user:' || wanted_user)
        order by l.id desc
        limit max_rows) as e);
  end
  $$;

comment on function api.list_audit(text, jsonb, bigint, integer) is
  'The project''s audit log, newest first, before before_id (keyset), at most max_rows (1–200). filters: actor '
  '(exact, or a developer''s email), action (exact, or a prefix ending in a dot), user (a sub: target user:<sub>). '
  'Entries about the other environment''s users are left out; account actors come with their email. AS400 bad '
  'filters or size; AS404 unknown project.';

grant execute on function api.list_audit(text, jsonb, bigint, integer) to astapa_app;

create function api.list_mail_outbox(project_id text, status text default null, before_id bigint default null,
                                     max_rows integer default 50) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    current_mode text := astapa.require_project(project_id);
  begin
    if status is not null and status not in ('queued', 'sent', 'failed') then
      raise exception using errcode = 'AS400', message = 'A mail status is queued, sent or failed.';
    end if;
    if max_rows is null or max_rows not between 1 and 200 then
      raise exception using errcode = 'AS400', message = 'A page holds 1 to 200 messages.';
    end if;
    return (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'id', m.id::text, 'to', m.to_address, 'kind', m.kind, 'locale', m.locale, 'status', m.status,
          'attempts', m.attempts, 'last_error', m.last_error, 'created_at', m.created_at, 'sent_at', m.sent_at,
          'next_attempt_at', case when m.status = 'queued' then m.next_attempt_at end) order by m.id desc), '[]')
      from (
        select o.*, case when o.sent_at is not null then 'sent' when o.attempts >= 8 then 'failed' else 'queued' end
                 as status
        from astapa.mail_outbox as o
        where o.project_id = list_mail_outbox.project_id
          and (before_id is null or o.id < before_id)
          and (o.environment is null or o.environment = current_mode)
          and (list_mail_outbox.status is null
               or list_mail_outbox.status = case when o.sent_at is not null then 'sent'
                                                 when o.attempts >= 8 then 'failed' else 'queued' end)
        order by o.id desc
        limit max_rows) as m);
  end
  $$;

comment on function api.list_mail_outbox(text, text, bigint, integer) is
  'The project''s outbox without bodies or subjects (they hold links), newest first, before before_id, at most '
  'max_rows (1–200), optionally one status: queued, sent, failed (8 attempts without success). Only the '
  'current environment''s mail (and mail from before environments were recorded). AS400 bad status or size; '
  'AS404 unknown project.';

grant execute on function api.list_mail_outbox(text, text, bigint, integer) to astapa_app;
