-- The device authorization grant (RFC 8628, issue 26 item 4): a client on a device without a browser gets a
-- device code (kept as SHA-256) and a short user code the person types at /device; the client polls the token
-- endpoint until the person allows or denies it there, or the codes expire.
create table astapa.device_authorizations (
  project_id text not null,
  device_code_hash bytea not null,
  user_code text not null,
  client_id text not null,
  scope text not null default '',
  resource text,
  status text not null default 'pending',
  user_id bigint,
  auth_time timestamptz,
  interval_seconds integer not null default 5,
  last_polled_at timestamptz,
  expires_at timestamptz not null,
  decided_at timestamptz,
  refresh_family uuid,
  created_at timestamptz not null default now(),
  constraint device_authorizations_pkey primary key (project_id, device_code_hash),
  constraint device_authorizations_user_code_key unique (user_code),
  constraint device_authorizations_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint device_authorizations_user_code_check check (user_code ~ '^[BCDFGHJKLMNPQRSTVWXZ]{8}$'),
  constraint device_authorizations_device_code_hash_check check (length(device_code_hash) = 32),
  constraint device_authorizations_status_check
    check (status in ('pending', 'approved', 'denied', 'redeemed')),
  constraint device_authorizations_user_id_check check ((status in ('approved', 'redeemed')) = (user_id is not null)),
  constraint device_authorizations_interval_seconds_check check (interval_seconds between 5 and 60),
  constraint device_authorizations_scope_check check (length(scope) <= 1000),
  constraint device_authorizations_client_id_check check (length(client_id) <= 100)
);
alter table astapa.device_authorizations enable row level security;
alter table astapa.device_authorizations force row level security;
comment on table astapa.device_authorizations is
  'Device authorization requests (RFC 8628): the device code as SHA-256, the user code the person types at '
  '/device (8 letters from a 20-consonant alphabet, unique while stored), the client, scope and resource asked '
  'for, and the person''s decision. The client polls no faster than interval_seconds (raised by 5 at each '
  '"slow_down"); an approved request is redeemed once and starts a refresh-token family. Expired rows are swept '
  'when new requests start.';
create index device_authorizations_expires_at_idx on astapa.device_authorizations (expires_at);
grant select, delete on astapa.device_authorizations to astapa_app;
grant insert (project_id, device_code_hash, user_code, client_id, scope, resource, interval_seconds, expires_at)
  on astapa.device_authorizations to astapa_app;
grant update (status, user_id, auth_time, interval_seconds, last_polled_at, decided_at, refresh_family)
  on astapa.device_authorizations to astapa_app;

-- Self-registered clients may add the device grant to what they register (beside authorization_code).
alter table astapa.dynamic_clients drop constraint dynamic_clients_grant_types_check;
alter table astapa.dynamic_clients add constraint dynamic_clients_grant_types_check check (
  'authorization_code' = any (grant_types)
  and grant_types <@ '{authorization_code,refresh_token,urn:ietf:params:oauth:grant-type:device_code}'::text[]);
