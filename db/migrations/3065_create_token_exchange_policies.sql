-- Token exchange (RFC 8693, issue 26 item 5): which clients of a project may exchange a person's access token
-- for one to which of the project's resources. Nothing is allowed until the project says so.
create table astapa.token_exchange_policies (
  project_id text not null,
  client_id text not null,
  resource text not null,
  created_at timestamptz not null default now(),
  constraint token_exchange_policies_pkey primary key (project_id, client_id, resource),
  constraint token_exchange_policies_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint token_exchange_policies_resource_fkey foreign key (project_id, resource)
    references astapa.resources (project_id, uri) on delete cascade,
  constraint token_exchange_policies_client_id_check check (client_id ~ '^(cid|mcl|dcl)_[a-z2-7]{24}$')
);
alter table astapa.token_exchange_policies enable row level security;
alter table astapa.token_exchange_policies force row level security;
comment on table astapa.token_exchange_policies is
  'Token exchange policy (RFC 8693): the client may present a person''s access token issued in this project and '
  'receive one for the resource, with an act claim naming the client, scope only narrowed. A removed resource '
  'takes its rows with it.';
grant select, insert, delete on astapa.token_exchange_policies to astapa_app;
