-- Events: the durable record of things an app may want to hear about (user.created, subscription.updated,
-- payment.succeeded, payment.failed). Inserting one also sends NOTIFY astapa_events with the event's id: the
-- notification only wakes listeners (the webhook worker, later the dashboard's live feed); the row is the truth,
-- and listeners catch up from the table when they start.

create table astapa.events (
  project_id text not null,
  id bigint generated always as identity,
  public_id text not null default astapa.random_id('evt_', 24),
  type text not null,
  data jsonb not null,
  created_at timestamptz not null default pg_catalog.now(),
  constraint events_pkey primary key (project_id, id),
  constraint events_public_id_key unique (public_id),
  constraint events_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint events_type_check check (
    type in ('user.created', 'subscription.updated', 'payment.succeeded', 'payment.failed')),
  constraint events_data_check check (
    pg_catalog.jsonb_typeof(data) = 'object' and pg_catalog.octet_length(data::text) <= 65536)
);

comment on table astapa.events is
  'Durable events of a project (append-only). public_id (evt_…) is what webhooks send as their id; NOTIFY '
  'astapa_events carries id, nothing else.';

alter table astapa.events enable row level security;
alter table astapa.events force row level security;

create policy "a project reads its own events" on astapa.events
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project records its own events" on astapa.events
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

grant select, insert (project_id, type, data) on astapa.events to astapa_app;

create function astapa.emit_event(project_id text, type text, data jsonb) returns bigint
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    new_id bigint;
  begin
    insert into astapa.events (project_id, type, data) values (project_id, type, data) returning id into new_id;
    -- Delivered at commit, and not at all on rollback: listeners never hear of an event that did not happen.
    perform pg_catalog.pg_notify('astapa_events', new_id::text);
    return new_id;
  end
  $$;

comment on function astapa.emit_event(text, text, jsonb) is
  'Records an event and notifies astapa_events with its id. Called inside the transaction that made the change.';

grant execute on function astapa.emit_event(text, text, jsonb) to astapa_app;

create function astapa.emit_user_created() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    perform astapa.emit_event(new.project_id, 'user.created',
      pg_catalog.jsonb_build_object('user', astapa.user_json(new.project_id, new.id)));
    return null;
  end
  $$;

comment on function astapa.emit_user_created() is 'Trigger: every new user is a user.created event.';

grant execute on function astapa.emit_user_created() to astapa_app;

create trigger users_emit_user_created after insert on astapa.users
  for each row execute function astapa.emit_user_created();
