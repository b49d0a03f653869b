-- The durable record behind the client-credential cache's notices (issue 24): one row per statement that
-- changed what a client_credentials grant depends on (a project's client id, secret or settings; machine
-- clients; scopes; resources). Written by the trigger astapa.note_client_change (db/api/clients.sql), which
-- also sends NOTIFY astapa_client_changes with the row's seq: the notice names the row that says what changed and
-- when. Holds no project data: the seq, the time and the table's name.
create table astapa.client_changes (
  seq bigint generated always as identity,
  changed_at timestamptz not null default pg_catalog.now(),
  source text not null,
  constraint client_changes_pkey primary key (seq)
);

comment on table astapa.client_changes is
  'One row per statement that changed client credentials or what a client_credentials grant reads; the truth '
  'behind NOTIFY astapa_client_changes (payload: seq). Rows older than a day are removed by the trigger.';

create index client_changes_changed_at_idx on astapa.client_changes (changed_at);

grant select, insert, delete on astapa.client_changes to astapa_app;
