-- The sign-up waitlist (settings.sign_up.mode = waitlist; docs/project-settings.md "Who may sign up"): an address
-- joins from the hosted sign-up page; the project lists, approves (mailing a sign-up link) or declines entries.
-- astapa.sign_up_refusal (sign_up_rules.sql) lets an approved address create its account.
-- The current definition of each function and policy of this area: edit it here, in place (docs/database.md).

drop policy if exists "a project reads its own waitlist" on astapa.waitlist_entries;
create policy "a project reads its own waitlist" on astapa.waitlist_entries
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds addresses to its own waitlist" on astapa.waitlist_entries;
create policy "a project adds addresses to its own waitlist" on astapa.waitlist_entries
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project decides on its own waitlist entries" on astapa.waitlist_entries;
create policy "a project decides on its own waitlist entries" on astapa.waitlist_entries
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

create or replace function astapa.waitlist_entry_json(e astapa.waitlist_entries) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('id', e.id, 'email', e.email, 'status', e.status,
      'environment', e.environment, 'lang', e.lang, 'created_at', e.created_at, 'decided_at', e.decided_at)
  $$;

comment on function astapa.waitlist_entry_json(astapa.waitlist_entries) is
  'A waitlist entry as the Platform API, the SDK and the dashboard show it (lang: the language it joined in, or '
  'null when unknown).';

grant execute on function astapa.waitlist_entry_json(astapa.waitlist_entries) to astapa_app;

create or replace function api.join_waitlist(email text, lang text default null, buckets jsonb default '[]')
  returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    p record;
    wait integer;
  begin
    select x.id, x.name, x.mode, x.settings into p from astapa.projects as x
    where x.id = (select astapa.current_project_id());
    if p.id is null then
      raise exception using errcode = 'AS404', message = 'No such project.';
    end if;
    perform astapa.assert_email(pg_catalog.btrim(email));
    if join_waitlist.lang is not null and join_waitlist.lang not in ('en', 'id') then
      raise exception using errcode = 'AS400', message = 'lang must be en or id.';
    end if;
    if coalesce(p.settings #>> '{sign_up,mode}', 'open') <> 'waitlist' then
      raise exception using errcode = 'AS400',
        message = pg_catalog.format('Sign-ups for %s do not go through a waitlist.', p.name);
    end if;
    -- The hosted form's limits (lib/waitlist/join_limits.ts): per address and IP, per IP, per address. Over one,
    -- nothing is counted or written; the caller waits, whatever the address's state.
    wait := astapa.client_lockout_wait(buckets);
    if wait > 0 then
      return wait;
    end if;
    perform api.rate_limit_hit(b.value ->> 'name', (b.value ->> 'max')::integer,
                               (b.value ->> 'window_seconds')::integer)
    from pg_catalog.jsonb_array_elements(buckets) as b(value);
    -- The same answer, and nothing else written, whatever the address is: new, waiting, approved, declined or
    -- already an account's (not even looked up). Someone probing learns nothing about who asked before. A second
    -- join keeps the first one's language.
    insert into astapa.waitlist_entries (project_id, email, environment, lang)
    values (p.id, pg_catalog.btrim(email), p.mode, join_waitlist.lang)
    on conflict (project_id, environment, email_lower) do nothing;
    return 0;
  end
  $$;

comment on function api.join_waitlist(text, text, jsonb) is
  'An address joins the current project''s waitlist in its current environment, in the hosted page''s language '
  '(en, id; null: unknown); idempotent and enumeration-safe (nothing else written, whatever the address''s '
  'state). Returns 0, or the seconds to wait when one of the lockout buckets ([{name, max, window_seconds, '
  'spare_if_clean?}], astapa.client_lockout_wait) is full (then nothing is counted or written). AS400 a '
  'malformed address or language, or a project whose sign_up.mode is not waitlist.';

grant execute on function api.join_waitlist(text, text, jsonb) to astapa_app;

create or replace function api.list_waitlist(status text default null, before text default null,
  max_rows integer default 50)
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    project text := (select astapa.current_project_id());
    env text := (select p.mode from astapa.projects as p where p.id = project);
    cursor_row astapa.waitlist_entries;
    page jsonb;
  begin
    if list_waitlist.status is not null and list_waitlist.status not in ('waiting', 'approved', 'declined') then
      raise exception using errcode = 'AS400', message = 'status must be waiting, approved or declined.';
    elsif max_rows is null or max_rows not between 1 and 200 then
      raise exception using errcode = 'AS400', message = 'A page holds 1 to 200 entries.';
    end if;
    if before is not null then
      select * into cursor_row from astapa.waitlist_entries as e where e.project_id = project and e.id = before;
      if cursor_row.id is null then
        raise exception using errcode = 'AS400', message = 'before must be an entry of this waitlist.';
      end if;
    end if;
    select coalesce(pg_catalog.jsonb_agg(astapa.waitlist_entry_json(e) order by e.created_at desc, e.id desc),
                    '[]')
      into page
    from (select * from astapa.waitlist_entries as e
          where e.project_id = project and e.environment = env
            and (list_waitlist.status is null or e.status = list_waitlist.status)
            and (cursor_row.id is null or (e.created_at, e.id) < (cursor_row.created_at, cursor_row.id))
          order by e.created_at desc, e.id desc
          limit max_rows + 1) as e;
    -- One row more than asked says whether there is a next page.
    return pg_catalog.jsonb_build_object(
      'entries', pg_catalog.jsonb_path_query_array(page, pg_catalog.format('$[0 to %s]', max_rows - 1)::jsonpath),
      'next_before', case when pg_catalog.jsonb_array_length(page) > max_rows
                          then page -> (max_rows - 1) ->> 'id' end);
  end
  $$;

comment on function api.list_waitlist(text, text, integer) is
  'The current project''s waitlist in its current environment, newest first, optionally one status, a page of '
  'max_rows (1 to 200) after the entry `before`: {entries, next_before} (null on the last page). AS400 a bad '
  'status, size or cursor.';

grant execute on function api.list_waitlist(text, text, integer) to astapa_app;

create or replace function api.waitlist_entry(id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.waitlist_entry_json(e) from astapa.waitlist_entries as e
    where e.project_id = (select astapa.current_project_id()) and e.id = waitlist_entry.id
  $$;

comment on function api.waitlist_entry(text) is 'One entry of the current project''s waitlist, or null.';

grant execute on function api.waitlist_entry(text) to astapa_app;

create or replace function astapa.decide_waitlist_entry(id text, decision text) returns astapa.waitlist_entries
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    e astapa.waitlist_entries;
  begin
    select * into e from astapa.waitlist_entries as x
    where x.project_id = (select astapa.current_project_id()) and x.id = decide_waitlist_entry.id for update;
    if e.id is null then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('No waitlist entry %s in this project.', decide_waitlist_entry.id);
    end if;
    -- Deciding again what was decided changes nothing (no new mail, no new audit entry): the caller sees null.
    if e.status = decision then
      return null;
    end if;
    update astapa.waitlist_entries as x set status = decision, decided_at = pg_catalog.now()
    where x.project_id = e.project_id and x.id = e.id
    returning * into e;
    perform astapa.audit(e.project_id, 'waitlist.' || decision, e.id,
      pg_catalog.jsonb_build_object('email', e.email, 'environment', e.environment));
    return e;
  end
  $$;

comment on function astapa.decide_waitlist_entry(text, text) is
  'Sets a waitlist entry of the current project approved or declined, audited (waitlist.approved, '
  'waitlist.declined); null when it already was (nothing changes). AS404 no such entry in this project.';

grant execute on function astapa.decide_waitlist_entry(text, text) to astapa_app;

create or replace function api.approve_waitlist_entry(id text, mail jsonb default null,
  start_token_hash bytea default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    changed astapa.waitlist_entries := astapa.decide_waitlist_entry(id, 'approved');
  begin
    -- The mail's address is the entry's own, whatever the caller put in "to".
    if changed.id is not null and mail is not null then
      perform api.queue_mail(changed.project_id, mail || pg_catalog.jsonb_build_object('to', changed.email));
    end if;
    -- The mail's /auth/start link (api.pending_login): stored only with the mail that carries it.
    if changed.id is not null and mail is not null and start_token_hash is not null then
      update astapa.waitlist_entries as e
      set start_token_hash = approve_waitlist_entry.start_token_hash,
          start_token_expires_at = pg_catalog.now() + interval '7 days'
      where e.project_id = changed.project_id and e.id = changed.id;
    end if;
    return api.waitlist_entry(id);
  end
  $$;

comment on function api.approve_waitlist_entry(text, jsonb, bytea) is
  'Approves an entry of the current project''s waitlist (a declined one too): its address may now sign up. '
  'Queues `mail` ({template, subject, text, html?}; sent to the entry''s address) with the sign-up link; audited. '
  'start_token_hash: the SHA-256 of the token in that mail''s /auth/start link (when the project''s client has an '
  'initiate_login_uri), kept 7 days (api.pending_login). Approving an approved entry changes nothing and mails '
  'nothing. AS404 no such entry in this project.';

grant execute on function api.approve_waitlist_entry(text, jsonb, bytea) to astapa_app;

create or replace function api.decline_waitlist_entry(id text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    perform astapa.decide_waitlist_entry(id, 'declined');
    return api.waitlist_entry(id);
  end
  $$;

comment on function api.decline_waitlist_entry(text) is
  'Declines an entry of the current project''s waitlist (an approved one too, until it signs up: an account '
  'made is not touched); nothing is mailed; audited. Declining again changes nothing. AS404 no such entry.';

grant execute on function api.decline_waitlist_entry(text) to astapa_app;
