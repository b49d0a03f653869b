-- Mail the hosted login (and later renewals) sends: written in the same transaction as the change it
-- announces, delivered afterwards by a sender in every instance (SMTP_URL), kept when SMTP is not set up.

create table astapa.mail_outbox (
  project_id text not null,
  id bigint generated always as identity,
  to_address text not null,
  subject text not null,
  body_text text not null,
  body_html text,
  kind text not null,
  created_at timestamptz not null default pg_catalog.now(),
  next_attempt_at timestamptz not null default pg_catalog.now(),
  attempts integer not null default 0,
  sent_at timestamptz,
  last_error text,
  constraint mail_outbox_pkey primary key (project_id, id),
  constraint mail_outbox_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint mail_outbox_to_address_check check (pg_catalog.length(to_address) <= 254 and to_address ~ '^[^@\s]+@[^@\s]+$'),
  constraint mail_outbox_subject_check check (pg_catalog.length(subject) between 1 and 300),
  constraint mail_outbox_body_text_check check (pg_catalog.length(body_text) between 1 and 65536),
  constraint mail_outbox_body_html_check check (pg_catalog.length(body_html) <= 262144),
  constraint mail_outbox_kind_check check (kind ~ '^[a-z_]{1,64}$')
);

create index mail_outbox_unsent_idx on astapa.mail_outbox (next_attempt_at) where sent_at is null;

comment on table astapa.mail_outbox is
  'Outgoing mail per project. Rows are the truth (NOTIFY astapa_mail only wakes senders); unsent rows retry with '
  'backoff, and with no SMTP configured they stay here for the operator to read.';

alter table astapa.mail_outbox enable row level security;
alter table astapa.mail_outbox force row level security;

create policy "a project reads its own mail" on astapa.mail_outbox
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project queues its own mail" on astapa.mail_outbox
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project records delivery of its own mail" on astapa.mail_outbox
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

create policy "definer functions see which projects have mail to send" on astapa.mail_outbox
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.list_mail_projects', true) = 'on');

grant select, insert, update (attempts, next_attempt_at, sent_at, last_error) on astapa.mail_outbox to astapa_app;

create function api.queue_mail(to_address text, subject text, body_text text, kind text, body_html text default null)
  returns bigint
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    new_id bigint;
  begin
    insert into astapa.mail_outbox (project_id, to_address, subject, body_text, body_html, kind)
    values (astapa.current_project_id(), to_address, subject, body_text, body_html, kind)
    returning id into new_id;
    -- Delivered on commit: a rolled-back change sends nothing.
    perform pg_catalog.pg_notify('astapa_mail', astapa.current_project_id());
    return new_id;
  end
  $$;

comment on function api.queue_mail(text, text, text, text, text) is
  'Queues a message (plain text, optionally HTML too) for the current project.';

create function api.projects_with_mail() returns text[]
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

create function api.claim_mail(batch integer default 20)
  returns setof astapa.mail_outbox
  language sql
  volatile
  set search_path = ''
  as $$
    -- SKIP LOCKED: senders in several instances share the work without sending a message twice.
    update astapa.mail_outbox m
    set attempts = m.attempts + 1,
        next_attempt_at = pg_catalog.now() + pg_catalog.make_interval(secs => least(3600, 30 * power(2, m.attempts)))
    where (m.project_id, m.id) in (
      select o.project_id, o.id from astapa.mail_outbox o
      where o.project_id = astapa.current_project_id() and o.sent_at is null
        and o.next_attempt_at <= pg_catalog.now() and o.attempts < 8
      order by o.id limit batch
      for update skip locked)
    returning m.*
  $$;

comment on function api.claim_mail(integer) is
  'Claims due mail of the current project for one delivery attempt (the next attempt backs off: 30 s, 1 min, …, '
  '1 h; 8 attempts at most).';

create function api.mail_delivered(id bigint, error text default null) returns void
  language sql
  volatile
  set search_path = ''
  as $$
    update astapa.mail_outbox m
    set sent_at = case when error is null then pg_catalog.now() end, last_error = error
    where m.project_id = astapa.current_project_id() and m.id = mail_delivered.id
  $$;

comment on function api.mail_delivered(bigint, text) is 'Records a delivery attempt: sent, or the error to retry after.';

grant execute on function api.queue_mail(text, text, text, text, text) to astapa_app;
grant execute on function api.projects_with_mail() to astapa_app;
grant execute on function api.claim_mail(integer) to astapa_app;
grant execute on function api.mail_delivered(bigint, text) to astapa_app;
