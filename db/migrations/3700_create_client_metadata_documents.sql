-- Client ID Metadata Documents (issue 26 item 1): the cache of fetched documents, shared by every instance.
create table astapa.client_metadata_documents (
  client_id text not null,
  document jsonb not null,
  redirect_uris text[] not null,
  fetched_at timestamptz not null default now(),
  expires_at timestamptz not null,
  last_used_at timestamptz not null default now(),
  constraint client_metadata_documents_pkey primary key (client_id),
  constraint client_metadata_documents_client_id_check
    check (client_id ~ '^https?://[^\s#]+$' and length(client_id) <= 1000),
  constraint client_metadata_documents_document_check
    check (jsonb_typeof(document) = 'object' and octet_length(document::text) <= 16384),
  constraint client_metadata_documents_redirect_uris_check
    check (cardinality(redirect_uris) between 1 and 10),
  constraint client_metadata_documents_expires_at_check check (expires_at > fetched_at)
);
comment on table astapa.client_metadata_documents is
  'Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document) fetched from the https URL that '
  'is the client''s id, validated, and kept until expires_at (the document''s HTTP caching headers within '
  'bounds) so every instance answers from the same copy. Deployment-wide like dynamic_clients: a client known '
  'by its URL belongs to no project. document is the validated metadata (jwks fetched from jwks_uri included).';
create index client_metadata_documents_expires_at_idx on astapa.client_metadata_documents (expires_at);
grant select, insert, update, delete on astapa.client_metadata_documents to astapa_app;
