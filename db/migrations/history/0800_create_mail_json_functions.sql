-- Queueing and listing mail as JSON, for SQL callers such as the renewal step (the outbox itself is
-- db/migrations/0701_create_mail_outbox.sql).

create function api.queue_mail(project_id text, mail jsonb) returns bigint
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    new_id bigint;
  begin
    if pg_catalog.jsonb_typeof(mail) is distinct from 'object' or coalesce(mail ->> 'to', '') !~ '^[^@\s]+@[^@\s]+$'
       or coalesce(mail ->> 'subject', '') = '' or coalesce(mail ->> 'text', '') = ''
       or coalesce(mail ->> 'template', '') !~ '^[a-z_]{1,64}$' then
      raise exception using errcode = 'AS400',
        message = 'A mail needs to (an address), template, subject and text.';
    end if;
    insert into astapa.mail_outbox (project_id, to_address, kind, subject, body_text, body_html)
    values (project_id, mail ->> 'to', mail ->> 'template', mail ->> 'subject', mail ->> 'text', mail ->> 'html')
    returning id into new_id;
    perform pg_catalog.pg_notify('astapa_mail', project_id);
    return new_id;
  end
  $$;

comment on function api.queue_mail(text, jsonb) is
  'Queues {to, template, subject, text, html?} in the outbox (inside the caller''s transaction) and NOTIFYs '
  'astapa_mail with the project id. AS400 without an address, template, subject or text.';

grant execute on function api.queue_mail(text, jsonb) to astapa_app;

create function api.list_mail(project_id text, max_rows integer default 50) returns jsonb
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
