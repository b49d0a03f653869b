-- Client authentication in one statement: the brute-force lockout checks, the secret check and the failure
-- counting that lib/oauth/authenticate_client.ts used to make as separate round trips (rate_limit_wait per
-- bucket, verify_client, rate_limit_hit per bucket). The semantics are the same: a locked bucket answers with
-- the wait before the secret is looked at; a wrong secret counts one hit in every bucket.

create function api.authenticate_client(client_id text, client_secret_hash bytea, buckets jsonb)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    bucket jsonb;
    wait integer;
    found jsonb;
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
        return pg_catalog.jsonb_build_object('wait', wait);
      end if;
    end loop;
    found := api.verify_client(client_id, client_secret_hash);
    if found is not null then
      -- An enabled client's project is who the rest of the transaction acts for (RLS reads this setting), so
      -- the grant can follow in the same transaction.
      if (found ->> 'enabled')::boolean then
        perform pg_catalog.set_config('astapa.project_id', found ->> 'project_id', true);
      end if;
      return pg_catalog.jsonb_build_object('client', found);
    end if;
    for bucket in select b.value from pg_catalog.jsonb_array_elements(buckets) as b(value) loop
      perform api.rate_limit_hit(bucket ->> 'name', (bucket ->> 'max')::integer,
                                 (bucket ->> 'window_seconds')::integer);
    end loop;
    return '{}'::jsonb;
  end
  $$;

comment on function api.authenticate_client(text, bytea, jsonb) is
  'Authenticates a client (id and SHA-256 of its secret) behind brute-force limits, in one call. buckets: '
  '[{name, max, window_seconds}]. Returns {wait: seconds} when a bucket is locked (the secret is not checked), '
  '{client: <api.verify_client result>} when the secret matches — and, for an enabled client, sets '
  'astapa.project_id for the rest of the transaction — or {} after counting a failure in every bucket.';

grant execute on function api.authenticate_client(text, bytea, jsonb) to astapa_app;
