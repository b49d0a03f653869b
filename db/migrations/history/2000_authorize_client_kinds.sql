-- Authorization boundaries in SQL (issue 17): the transaction knows which KIND of client it acts for, and the
-- tables only a project's own client (or a developer, or the CLI) may change refuse every other kind. Routes
-- check the kind first (routes/api/_middleware.ts); this is the last word, so a route that forgets cannot
-- let a machine client mint plans or put users on them.
-- Also the client lockout as a denial of service (issue 17 item 11): a bucket may spare callers that have not
-- failed themselves, so a flood of wrong secrets from elsewhere slows the attackers and locks out nobody else.

create function astapa.current_client_kind() returns text
  language sql
  stable
  parallel safe
  set search_path = ''
  as $$ select nullif(pg_catalog.current_setting('astapa.client_kind', true), '') $$;

comment on function astapa.current_client_kind() is
  'The kind of OAuth client the transaction acts for (project, machine, dynamic), from the transaction-local '
  'setting astapa.client_kind; null when no client authenticated (dashboard, CLI, hosted login, workers).';

grant execute on function astapa.current_client_kind() to astapa_app;

create function astapa.refuse_foreign_client_writes() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if astapa.current_client_kind() in ('machine', 'dynamic') then
      raise exception 'only the project''s own client may change % (this is a % client)',
        tg_table_name, astapa.current_client_kind()
        using errcode = 'AS4U3';
    end if;
    return null;
  end
  $$;

comment on function astapa.refuse_foreign_client_writes() is
  'Statement trigger on the tables the Platform management API changes: a transaction acting for a machine or '
  'self-registered client may not write them (AS4U3, answered as 403 unauthorized_client).';

do $$
declare
  managed text;
begin
  foreach managed in array array['plans', 'subscriptions', 'user_claims', 'users', 'identities', 'checkouts',
                                 'payments', 'machine_clients', 'resources', 'scopes', 'projects',
                                 'webhook_endpoints', 'xendit_keys', 'memberships'] loop
    execute pg_catalog.format(
      'create trigger %I before insert or update or delete or truncate on astapa.%I '
      'for each statement execute function astapa.refuse_foreign_client_writes()',
      managed || '_refuse_foreign_client_writes', managed);
  end loop;
end
$$;

-- A bucket may name another bucket in "spare_if_clean": when it is locked, callers whose own bucket holds no
-- failure in its window are still let through (their secret is checked). The per-client ceiling uses it with
-- the (client, address) bucket, so a public client_id under attack stays usable from every clean address.
create or replace function astapa.client_lockout_wait(buckets jsonb) returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    entry jsonb;
    wait integer;
  begin
    if pg_catalog.jsonb_typeof(buckets) is distinct from 'array' or exists (
      select from pg_catalog.jsonb_array_elements(buckets) as b(value)
      where pg_catalog.jsonb_typeof(b.value -> 'name') is distinct from 'string'
         or pg_catalog.jsonb_typeof(b.value -> 'max') is distinct from 'number'
         or pg_catalog.jsonb_typeof(b.value -> 'window_seconds') is distinct from 'number'
         or pg_catalog.jsonb_typeof(b.value -> 'spare_if_clean') not in ('string', 'null')) then
      raise exception 'buckets must be an array of {name, max, window_seconds, spare_if_clean?}'
        using errcode = 'AS400';
    end if;
    for entry in select b.value from pg_catalog.jsonb_array_elements(buckets) as b(value) loop
      wait := api.rate_limit_wait(entry ->> 'name', (entry ->> 'max')::integer);
      if wait > 0 and entry ->> 'spare_if_clean' is not null and not exists (
        select from astapa.rate_limits r
        where r.bucket = entry ->> 'spare_if_clean' and r.hits > 0
          and r.window_start + pg_catalog.make_interval(secs => r.window_seconds) > pg_catalog.now()) then
        wait := 0;
      end if;
      if wait > 0 then
        return wait;
      end if;
    end loop;
    return 0;
  end
  $$;

comment on function astapa.client_lockout_wait(jsonb) is
  'Seconds to wait before the first locked bucket of [{name, max, window_seconds, spare_if_clean?}] allows '
  'another attempt; 0 when none is locked. A locked bucket naming spare_if_clean does not lock a caller whose '
  'bucket of that name holds no failure in its window. AS400 for malformed buckets.';

create or replace function api.authenticate_client(client_id text, client_secret_hash bytea, buckets jsonb)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    wait integer := astapa.client_lockout_wait(buckets);
    found jsonb;
  begin
    if wait > 0 then
      return pg_catalog.jsonb_build_object('wait', wait);
    end if;
    found := api.verify_client(client_id, client_secret_hash);
    if found is not null then
      -- An enabled client's project and kind are who the rest of the transaction acts for (RLS reads the
      -- project, the management tables' triggers the kind), so the grant can follow in the same transaction.
      if (found ->> 'enabled')::boolean then
        perform pg_catalog.set_config('astapa.project_id', found ->> 'project_id', true);
        perform pg_catalog.set_config('astapa.client_kind', found ->> 'kind', true);
      end if;
      return pg_catalog.jsonb_build_object('client', found);
    end if;
    perform astapa.count_client_failure(buckets);
    return '{}'::jsonb;
  end
  $$;

create function api.record_refused_client(client_id text, kind text, method text, path text) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if astapa.current_project_id() is null then
      raise exception 'no project is set' using errcode = 'AS400';
    end if;
    perform astapa.audit(astapa.current_project_id(), 'client.refused', client_id,
      pg_catalog.jsonb_build_object('kind', kind, 'method', pg_catalog.left(method, 10),
                                    'path', pg_catalog.left(path, 200)));
  end
  $$;

comment on function api.record_refused_client(text, text, text, text) is
  'Audits a call by a known client of a kind the route does not accept (client.refused), in the client''s '
  'project.';

grant execute on function api.record_refused_client(text, text, text, text) to astapa_app;
