-- The mail outbox.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own mail" on astapa.mail_outbox;
create policy "a project reads its own mail" on astapa.mail_outbox
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project queues its own mail" on astapa.mail_outbox;
create policy "a project queues its own mail" on astapa.mail_outbox
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records delivery of its own mail" on astapa.mail_outbox;
create policy "a project records delivery of its own mail" on astapa.mail_outbox
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "definer functions see which projects have mail to send" on astapa.mail_outbox;
create policy "definer functions see which projects have mail to send" on astapa.mail_outbox
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.list_mail_projects', true) = 'on');

create or replace function api.queue_mail(to_address text, subject text, body_text text, kind text, body_html text default null)
  returns bigint
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    new_id bigint;
  begin
    -- A user who signed up by phone has no address: there is nobody to mail (docs/phone.md).
    if to_address is null then
      return null;
    end if;
    insert into astapa.mail_outbox (project_id, to_address, subject, body_text, body_html, kind)
    values (astapa.current_project_id(), to_address, subject, body_text, body_html, kind)
    returning id into new_id;
    -- Delivered on commit: a rolled-back change sends nothing. The sender goes straight to the project named.
    perform pg_catalog.pg_notify('astapa_mail',
      pg_catalog.jsonb_build_object('project_id', astapa.current_project_id())::text);
    return new_id;
  end
  $$;

comment on function api.queue_mail(text, text, text, text, text) is
  'Queues a message (plain text, optionally HTML too) for the current project; null and nothing queued when '
  'to_address is null (a phone-only user).';

grant execute on function api.queue_mail(text, text, text, text, text) to astapa_app;

create or replace function api.projects_with_mail() returns text[]
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  declare
    projects text[];
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'projects_with_mail runs outside any project.';
    end if;
    perform pg_catalog.set_config('astapa.list_mail_projects', 'on', true);
    select pg_catalog.array_agg(distinct m.project_id) into projects
    from astapa.mail_outbox m where m.sent_at is null and m.next_attempt_at <= pg_catalog.now();
    perform pg_catalog.set_config('astapa.list_mail_projects', '', true);
    return coalesce(projects, '{}');
  end
  $$;

comment on function api.projects_with_mail() is
  'Definer: a sender serves every project, so it must learn which have mail due; it returns ids only and then '
  'claims the mail as each project (RLS). Runs only without a project set.';

grant execute on function api.projects_with_mail() to astapa_app;

create or replace function api.claim_mail(batch integer default 20)
  returns setof astapa.mail_outbox
  language sql
  volatile
  set search_path = ''
  as $$
    -- SKIP LOCKED: senders in several instances share the work without sending a message twice. The batch is
    -- chosen once, in a CTE: as `where … in (select … limit batch for update skip locked)` the planner re-ran the
    -- subquery as the update went, and one claim took every due mail however many there were.
    with due as (
      select o.project_id, o.id from astapa.mail_outbox o
      where o.project_id = (select astapa.current_project_id()) and o.sent_at is null
        and o.next_attempt_at <= pg_catalog.now() and o.attempts < 8
      order by o.id limit batch
      for update skip locked),
    claimed as (
      update astapa.mail_outbox m
      set attempts = m.attempts + 1,
          next_attempt_at = pg_catalog.now() + pg_catalog.make_interval(secs => least(3600, 30 * power(2, m.attempts)))
      from due
      where m.project_id = due.project_id and m.id = due.id
      returning m.*)
    select * from claimed order by claimed.id
  $$;

comment on function api.claim_mail(integer) is
  'Claims at most `batch` of the current project''s due mails, oldest first, for one delivery attempt (the next '
  'attempt backs off: 30 s, 1 min, …, 1 h; 8 attempts at most).';

grant execute on function api.claim_mail(integer) to astapa_app;

create or replace function api.mail_delivered(id bigint, error text default null) returns void
  language sql
  volatile
  set search_path = ''
  as $$
    update astapa.mail_outbox m
    set sent_at = case when error is null then pg_catalog.now() end,
        last_error = error,
        body_text = case when error is null then '(erased after delivery)' else m.body_text end,
        body_html = case when error is null then null else m.body_html end,
        -- A deleted account's goodbye keeps no address once it is out (astapa.erase_user).
        to_address = case when error is null and m.kind = 'account_deleted' then 'deleted@deleted.invalid'
                          else m.to_address end
    where m.project_id = (select astapa.current_project_id()) and m.id = mail_delivered.id
  $$;

comment on function api.mail_delivered(bigint, text) is
  'Records a delivery attempt: sent (the body is erased; it may hold single-use links; a deleted account''s '
  'goodbye also loses its address), or the error to retry after (the body is kept).';

grant execute on function api.mail_delivered(bigint, text) to astapa_app;

create or replace function api.queue_mail(project_id text, mail jsonb) returns bigint
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    new_id bigint;
  begin
    -- "to": null is a user without an email (signed up by phone): nothing to send, nothing refused.
    if pg_catalog.jsonb_typeof(mail) = 'object' and mail -> 'to' = 'null'::jsonb then
      return null;
    end if;
    if pg_catalog.jsonb_typeof(mail) is distinct from 'object' or coalesce(mail ->> 'to', '') !~ '^[^@\s]+@[^@\s]+$'
       or coalesce(mail ->> 'subject', '') = '' or coalesce(mail ->> 'text', '') = ''
       or coalesce(mail ->> 'template', '') !~ '^[a-z_]{1,64}$' then
      raise exception using errcode = 'AS400',
        message = 'A mail needs to (an address), template, subject and text.';
    end if;
    insert into astapa.mail_outbox (project_id, to_address, kind, subject, body_text, body_html)
    values (project_id, mail ->> 'to', mail ->> 'template', mail ->> 'subject', mail ->> 'text', mail ->> 'html')
    returning id into new_id;
    perform pg_catalog.pg_notify('astapa_mail', pg_catalog.jsonb_build_object('project_id', project_id)::text);
    return new_id;
  end
  $$;

comment on function api.queue_mail(text, jsonb) is
  'Queues {to, template, subject, text, html?} in the outbox (inside the caller''s transaction) and NOTIFYs '
  'astapa_mail naming the project ({project_id}). AS400 without an address, template, subject or text; "to": null (a '
  'phone-only user) queues nothing and returns null.';

grant execute on function api.queue_mail(text, jsonb) to astapa_app;

create or replace function api.send_test_mail(project_id text, mail jsonb) returns bigint
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    wait integer;
  begin
    -- Ten an hour per project and address: enough to try every mail kind's wording in both languages, too few
    -- to use the dashboard as a mail cannon (the address is the developer's own, but a mailbox can be shared).
    wait := api.rate_limit_hit('mail_test ' || project_id || ' ' || pg_catalog.lower(coalesce(mail ->> 'to', '')),
                               10, 3600);
    if wait > 0 then
      raise exception using errcode = 'AS429', hint = wait::text,
        message = 'Ten test mails an hour to one address: try again in ' || (wait + 59) / 60 || ' minutes.';
    end if;
    return api.queue_mail(project_id, mail || '{"template": "mail_text_test"}');
  end
  $$;

comment on function api.send_test_mail(text, jsonb) is
  'A dashboard "send me a test" of a mail text: api.queue_mail with template mail_text_test. AS429 (HINT: '
  'seconds to wait) past ten an hour per project and address.';

grant execute on function api.send_test_mail(text, jsonb) to astapa_app;

create or replace function api.list_mail(project_id text, max_rows integer default 50) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'id', m.id, 'to', m.to_address, 'template', m.kind, 'subject', m.subject, 'text', m.body_text,
        'html', m.body_html, 'created_at', m.created_at, 'sent_at', m.sent_at) order by m.id desc), '[]')
    from (select * from astapa.mail_outbox as o where o.project_id = list_mail.project_id
          order by o.id desc limit least(greatest(max_rows, 1), 500)) as m
  $$;

comment on function api.list_mail(text, integer) is 'The project''s newest mail (at most max_rows, 1–500), newest first.';

grant execute on function api.list_mail(text, integer) to astapa_app;

create or replace function astapa.set_mail_environment() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    select p.mode, p.settings ->> 'mail_sender_name', p.settings ->> 'mail_from_address'
    into new.environment, new.from_name, new.from_address
    from astapa.projects as p where p.id = new.project_id;
    new.locale := pg_catalog.substring(new.body_html, '^<!doctype html><html lang="([A-Za-z-]{2,12})"');
    return new;
  end
  $$;

comment on function astapa.set_mail_environment() is
  'Trigger: stamps queued mail with the environment (the project''s mode) it was written in, its locale and the '
  'project''s sender name and from address (settings.mail_sender_name, mail_from_address).';

grant execute on function astapa.set_mail_environment() to astapa_app;

create or replace trigger mail_outbox_set_environment before insert on astapa.mail_outbox
  for each row execute function astapa.set_mail_environment();

create or replace function api.sandbox_inbox(project_id text, max_rows integer default 20) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    mode text := astapa.require_project(project_id);
  begin
    -- Production mail goes to real people: its links are never shown in the dashboard.
    if mode <> 'sandbox' then
      raise exception using errcode = 'AS409',
        message = 'The sandbox inbox shows a sandbox project''s mail; this project is in production.';
    end if;
    return (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'id', m.id::text, 'to', m.to_address, 'kind', m.kind, 'subject', m.subject, 'text', m.body_text,
          'locale', m.locale, 'created_at', m.created_at, 'sent_at', m.sent_at) order by m.id desc), '[]')
      from (select * from astapa.mail_outbox as o
            where o.project_id = sandbox_inbox.project_id and o.environment = 'sandbox'
            order by o.id desc limit least(greatest(max_rows, 1), 100)) as m);
  end
  $$;

comment on function api.sandbox_inbox(text, integer) is
  'A sandbox project''s newest sandbox mail with its text (links included), newest first, for the dashboard''s '
  'sandbox inbox; AS409 for a production project. Delivered mail shows its erased body.';

grant execute on function api.sandbox_inbox(text, integer) to astapa_app;
