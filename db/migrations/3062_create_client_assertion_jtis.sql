-- The replay check of client assertions (private_key_jwt, issue 26 item 3), shared by every instance.
create table astapa.client_assertion_jtis (
  client_id text not null,
  jti text not null,
  expires_at timestamptz not null,
  constraint client_assertion_jtis_pkey primary key (client_id, jti),
  constraint client_assertion_jtis_client_id_check check (length(client_id) <= 100),
  constraint client_assertion_jtis_jti_check check (length(jti) between 1 and 200)
);
comment on table astapa.client_assertion_jtis is
  'The jti of every client assertion accepted (private_key_jwt), kept until the assertion expires, so a replayed '
  'assertion is refused by every instance (RFC 7523 §3 item 7). Deployment-wide like client ids: a '
  'self-registered client belongs to no project. Expired rows are swept by api.consume_client_assertion.';
create index client_assertion_jtis_expires_at_idx on astapa.client_assertion_jtis (expires_at);
grant select, insert, delete on astapa.client_assertion_jtis to astapa_app;
