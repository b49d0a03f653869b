-- Mail outbox: every mail Astapa sends to a project's users is first a row here, written in the transaction
-- that decided to send it (a renewal notice is never sent for a charge that rolled back, nor lost for one that
-- committed). A sender (SMTP when SMTP_URL is set) picks unsent rows; without one, the outbox is where
-- developers read their sandbox mail. NOTIFY astapa_mail carries the new row's id only.

create table astapa.mail_outbox (
  project_id text not null,
  id bigint generated always as identity,
  to_address text not null,
  template text not null,
  subject text not null,
  text_body text not null,
  html_body text,
  created_at timestamptz not null default pg_catalog.now(),
  sent_at timestamptz,
  constraint mail_outbox_pkey primary key (project_id, id),
  constraint mail_outbox_project_id_fkey foreign key (project_id) references astapa.projects (id) on delete cascade,
  constraint mail_outbox_to_address_check check (to_address ~ '^[^@\s]+@[^@\s]+$' and pg_catalog.length(to_address) <= 254),
  constraint mail_outbox_template_check check (template ~ '^[a-z_]{1,64}$'),
  constraint mail_outbox_subject_check check (pg_catalog.length(subject) between 1 and 300),
  constraint mail_outbox_text_body_check check (pg_catalog.length(text_body) between 1 and 65536),
  constraint mail_outbox_html_body_check check (pg_catalog.length(html_body) <= 262144)
);

create index mail_outbox_unsent_idx on astapa.mail_outbox (project_id, id) where sent_at is null;

comment on table astapa.mail_outbox is
  'Mail to a project''s users (renewal notices, later verification and reset mail): recipient, template name, '
  'subject, text and optional HTML body; sent_at is set once a sender delivered it.';

alter table astapa.mail_outbox enable row level security;
alter table astapa.mail_outbox force row level security;

create policy "a project reads its own mail" on astapa.mail_outbox
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project queues its own mail" on astapa.mail_outbox
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project marks its own mail sent" on astapa.mail_outbox
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

grant select, insert (project_id, to_address, template, subject, text_body, html_body) on astapa.mail_outbox
  to astapa_app;
grant update (sent_at) on astapa.mail_outbox to astapa_app;

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
    insert into astapa.mail_outbox (project_id, to_address, template, subject, text_body, html_body)
    values (project_id, mail ->> 'to', mail ->> 'template', mail ->> 'subject', mail ->> 'text', mail ->> 'html')
    returning id into new_id;
    perform pg_catalog.pg_notify('astapa_mail', new_id::text);
    return new_id;
  end
  $$;

comment on function api.queue_mail(text, jsonb) is
  'Queues {to, template, subject, text, html?} in the outbox (inside the caller''s transaction) and NOTIFYs '
  'astapa_mail with its id. AS400 without an address, template, subject or text.';

grant execute on function api.queue_mail(text, jsonb) to astapa_app;

create function api.list_mail(project_id text, max_rows integer default 50) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'id', m.id, 'to', m.to_address, 'template', m.template, 'subject', m.subject, 'text', m.text_body,
        'html', m.html_body, 'created_at', m.created_at, 'sent_at', m.sent_at) order by m.id desc), '[]')
    from (select * from astapa.mail_outbox as o where o.project_id = list_mail.project_id
          order by o.id desc limit least(greatest(max_rows, 1), 500)) as m
  $$;

comment on function api.list_mail(text, integer) is 'The project''s newest mail (at most max_rows, 1–500), newest first.';

grant execute on function api.list_mail(text, integer) to astapa_app;
