-- The client-authentication lockout (check every bucket's wait, count a failure in each) lived inside
-- api.authenticate_client, and dynamic clients' authentication re-made it in TypeScript with a round trip per
-- bucket. Both now use the same two steps, and a dynamic client's secret is checked in one statement too.

create function astapa.client_lockout_wait(buckets jsonb) returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    bucket jsonb;
    wait integer;
  begin
    if pg_catalog.jsonb_typeof(buckets) is distinct from 'array' or exists (
      select from pg_catalog.jsonb_array_elements(buckets) as b(value)
      where pg_catalog.jsonb_typeof(b.value -> 'name') is distinct from 'string'
         or pg_catalog.jsonb_typeof(b.value -> 'max') is distinct from 'number'
         or pg_catalog.jsonb_typeof(b.value -> 'window_seconds') is distinct from 'number') then
      raise exception 'buckets must be an array of {name, max, window_seconds}' using errcode = 'AS400';
    end if;
    for bucket in select b.value from pg_catalog.jsonb_array_elements(buckets) as b(value) loop
      wait := api.rate_limit_wait(bucket ->> 'name', (bucket ->> 'max')::integer);
      if wait > 0 then
        return wait;
      end if;
    end loop;
    return 0;
  end
  $$;

comment on function astapa.client_lockout_wait(jsonb) is
  'Seconds to wait before the first locked bucket of [{name, max, window_seconds}] allows another attempt; 0 when '
  'none is locked. AS400 for malformed buckets.';

grant execute on function astapa.client_lockout_wait(jsonb) to astapa_app;

create function astapa.count_client_failure(buckets jsonb) returns void
  language sql
  volatile
  set search_path = ''
  as $$
    select api.rate_limit_hit(b.value ->> 'name', (b.value ->> 'max')::integer, (b.value ->> 'window_seconds')::integer)
    from pg_catalog.jsonb_array_elements(buckets) as b(value)
  $$;

comment on function astapa.count_client_failure(jsonb) is 'Counts one failed client authentication in every bucket.';

grant execute on function astapa.count_client_failure(jsonb) to astapa_app;

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
      -- An enabled client's project is who the rest of the transaction acts for (RLS reads this setting), so
      -- the grant can follow in the same transaction.
      if (found ->> 'enabled')::boolean then
        perform pg_catalog.set_config('astapa.project_id', found ->> 'project_id', true);
      end if;
      return pg_catalog.jsonb_build_object('client', found);
    end if;
    perform astapa.count_client_failure(buckets);
    return '{}'::jsonb;
  end
  $$;

create function api.authenticate_dynamic_client(client_id text, client_secret_hash bytea, buckets jsonb)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    wait integer := astapa.client_lockout_wait(buckets);
    verified boolean;
  begin
    if wait > 0 then
      return pg_catalog.jsonb_build_object('wait', wait);
    end if;
    verified := api.verify_dynamic_client(client_id, client_secret_hash);
    if not verified then
      perform astapa.count_client_failure(buckets);
    end if;
    return pg_catalog.jsonb_build_object('verified', verified);
  end
  $$;

comment on function api.authenticate_dynamic_client(text, bytea, jsonb) is
  'A confidential dynamic client''s secret check behind the same lockout as api.authenticate_client: {wait} when '
  'a bucket is locked (the secret is not checked), else {verified}, a failure counted in every bucket.';

grant execute on function api.authenticate_dynamic_client(text, bytea, jsonb) to astapa_app;
