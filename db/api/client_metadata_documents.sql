-- Client ID Metadata Documents (issue 26 item 1): the shared cache of documents fetched from clients' URL ids.
-- The fetch and validation happen in lib/oauth/client_metadata_document.ts (Postgres cannot reach the web);
-- these functions keep what every instance agrees on.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

create or replace function astapa.is_metadata_document_client_id(client_id text) returns boolean
  language sql
  immutable
  set search_path = ''
  as $$
    select pg_catalog.starts_with(client_id, 'https://') or pg_catalog.starts_with(client_id, 'http://')
  $$;

comment on function astapa.is_metadata_document_client_id(text) is
  'True when a client id is a URL: a client known by its Client ID Metadata Document.';

grant execute on function astapa.is_metadata_document_client_id(text) to astapa_app;

create or replace function api.client_metadata_document(client_id text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    found_row astapa.client_metadata_documents;
  begin
    update astapa.client_metadata_documents d set last_used_at = pg_catalog.now()
    where d.client_id = client_metadata_document.client_id
    returning * into found_row;
    if found_row.client_id is null then
      return null;
    end if;
    return pg_catalog.jsonb_build_object(
      'document', found_row.document,
      'fresh', found_row.expires_at > pg_catalog.now(),
      'fetched_at', found_row.fetched_at,
      'expires_at', found_row.expires_at);
  end
  $$;

comment on function api.client_metadata_document(text) is
  'The cached metadata document of a URL client id as {document, fresh, fetched_at, expires_at} (fresh: not yet '
  'past expires_at), or null when none was fetched; marks it used.';

grant execute on function api.client_metadata_document(text) to astapa_app;

create or replace function api.store_client_metadata_document(
  client_id text, document jsonb, max_age_seconds integer)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    previous text[];
    uris text[];
  begin
    if not astapa.is_metadata_document_client_id(client_id) or document ->> 'client_id' is distinct from client_id then
      raise exception 'the document''s client_id must equal the URL it was fetched from' using errcode = 'AS400';
    end if;
    if pg_catalog.jsonb_typeof(document -> 'redirect_uris') is distinct from 'array' then
      raise exception 'the document needs redirect_uris' using errcode = 'AS400';
    end if;
    if max_age_seconds is null or max_age_seconds not between 1 and 86400 then
      raise exception 'max_age_seconds must be between 1 and 86400' using errcode = 'AS400';
    end if;
    uris := array(select pg_catalog.jsonb_array_elements_text(document -> 'redirect_uris'));
    select d.redirect_uris into previous from astapa.client_metadata_documents d
    where d.client_id = store_client_metadata_document.client_id for update;
    insert into astapa.client_metadata_documents as d (client_id, document, redirect_uris, expires_at)
    values (client_id, document, uris, pg_catalog.now() + pg_catalog.make_interval(secs => max_age_seconds))
    on conflict on constraint client_metadata_documents_pkey do update
      set document = excluded.document, redirect_uris = excluded.redirect_uris, fetched_at = pg_catalog.now(),
          expires_at = excluded.expires_at, last_used_at = pg_catalog.now();
    return pg_catalog.jsonb_build_object(
      'redirect_uris_changed', previous is not null
        and not (previous @> uris and uris @> previous),
      'previous_redirect_uris', pg_catalog.to_jsonb(previous));
  end
  $$;

comment on function api.store_client_metadata_document(text, jsonb, integer) is
  'Keeps a freshly fetched and validated metadata document for max_age_seconds (1–86400) and says whether its '
  'redirect_uris differ from the copy it replaces (redirect_uris_changed, previous_redirect_uris).';

grant execute on function api.store_client_metadata_document(text, jsonb, integer) to astapa_app;

create or replace function api.record_client_metadata_event(client_id text, event text, reason text)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if astapa.current_project_id() is null then
      raise exception 'no project is set' using errcode = 'AS400';
    end if;
    if event is null or event not in ('refused', 'redirect_uris_changed') then
      raise exception 'event must be refused or redirect_uris_changed' using errcode = 'AS400';
    end if;
    perform astapa.audit(astapa.current_project_id(), 'client_metadata.' || event,
      pg_catalog.left(client_id, 200), pg_catalog.jsonb_build_object('reason', pg_catalog.left(reason, 300)));
  end
  $$;

comment on function api.record_client_metadata_event(text, text, text) is
  'Audits, in the project whose resource the request named, a refused Client ID Metadata Document '
  '(client_metadata.refused: unreachable, redirecting, too large, invalid, another client_id) or one whose '
  'redirect URIs changed since the cached copy (client_metadata.redirect_uris_changed).';

grant execute on function api.record_client_metadata_event(text, text, text) to astapa_app;
