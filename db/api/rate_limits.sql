-- Rate-limit buckets.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

create or replace function api.rate_limit_hit(bucket text, max_hits integer, window_seconds integer)
  returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    counted integer;
    started timestamptz;
  begin
    if max_hits < 1 or window_seconds not between 1 and 86400 then
      raise exception 'max_hits must be positive and window_seconds between 1 and 86400' using errcode = 'AS400';
    end if;
    insert into astapa.rate_limits as r (bucket, window_start, window_seconds, hits)
      values (rate_limit_hit.bucket, pg_catalog.now(), rate_limit_hit.window_seconds, 1)
      on conflict on constraint rate_limits_pkey do update
        set hits = case when r.window_start + pg_catalog.make_interval(secs => r.window_seconds) <= pg_catalog.now()
                        then 1 else r.hits + 1 end,
            window_start = case when r.window_start + pg_catalog.make_interval(secs => r.window_seconds) <= pg_catalog.now()
                                then pg_catalog.now() else r.window_start end,
            window_seconds = excluded.window_seconds
      returning r.hits, r.window_start into counted, started;
    -- Sweep a few stale rows now and then instead of running a job.
    if pg_catalog.random() < 0.01 then
      delete from astapa.rate_limits r
      where r.ctid in (
        select s.ctid from astapa.rate_limits s
        where s.window_start + pg_catalog.make_interval(secs => s.window_seconds) < pg_catalog.now()
        limit 100);
    end if;
    if counted <= max_hits then
      return 0;
    end if;
    return greatest(1, ceil(extract(epoch from started + pg_catalog.make_interval(secs => window_seconds) - pg_catalog.now())))::integer;
  end
  $$;

comment on function api.rate_limit_hit(text, integer, integer) is
  'Counts one hit in the bucket''s window. Returns 0 while within max_hits, else the seconds until the window '
  'ends (for Retry-After).';

grant execute on function api.rate_limit_hit(text, integer, integer) to astapa_app;

create or replace function api.rate_limit_wait(bucket text, max_hits integer)
  returns integer
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(max(
      greatest(1, ceil(extract(epoch from r.window_start + pg_catalog.make_interval(secs => r.window_seconds)
                                           - pg_catalog.now())))::integer), 0)
    from astapa.rate_limits r
    where r.bucket = rate_limit_wait.bucket
      and r.hits >= max_hits
      and r.window_start + pg_catalog.make_interval(secs => r.window_seconds) > pg_catalog.now()
  $$;

comment on function api.rate_limit_wait(text, integer) is
  'Without counting a hit: seconds until the bucket allows another attempt when it already holds max_hits '
  '(a lockout check before verifying a credential), else 0.';

grant execute on function api.rate_limit_wait(text, integer) to astapa_app;

create or replace function astapa.address_bucket(address text) returns text
  language plpgsql
  immutable
  set search_path = ''
  as $$
  declare
    parsed inet;
  begin
    if address is null or not pg_catalog.pg_input_is_valid(address, 'inet') or pg_catalog.strpos(address, '/') > 0 then
      return address; -- not an address (unknown, a test's label, a network): counted as it is
    end if;
    parsed := address::inet;
    -- One IPv6 subscriber (a home line, the cheapest VPS) holds a whole /64: counted per address, each of its
    -- 2^64 addresses would get the limit afresh. An IPv4 address is its own, and so is one written IPv4-mapped
    -- however spelled (a dual-stack listener or a proxy may): one client, one bucket.
    -- lib/http/ip_address.ts's addressBucket writes the same for the limits the app names.
    if parsed <<= '::ffff:0.0.0.0/96'::inet then
      return pg_catalog.host('0.0.0.0'::inet + (parsed - '::ffff:0.0.0.0'::inet));
    elsif pg_catalog.family(parsed) = 6 then
      return pg_catalog.host(pg_catalog.network(pg_catalog.set_masklen(parsed, 64))) || '/64';
    end if;
    return address;
  end
  $$;

comment on function astapa.address_bucket(text) is
  'What a per-address limit counts for an address: an IPv6 address''s /64 network (written ''2001:db8:1:2::/64''), '
  'an IPv4-mapped one as its IPv4 address (''192.0.2.1''), any other address (IPv4), network or text as it is.';

grant execute on function astapa.address_bucket(text) to astapa_app;
