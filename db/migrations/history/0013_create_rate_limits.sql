-- Fixed-window counters shared by every instance: brute-force protection and request rate limits.
-- A bucket names what is limited and for whom, e.g. 'client_auth:client:<client_id>' or 'client_auth:ip:<ip>'.

create table astapa.rate_limits (
  bucket text not null,
  window_start timestamptz not null,
  window_seconds integer not null,
  hits integer not null,
  constraint rate_limits_pkey primary key (bucket),
  constraint rate_limits_bucket_check check (length(bucket) <= 300),
  constraint rate_limits_window_seconds_check check (window_seconds between 1 and 86400),
  constraint rate_limits_hits_check check (hits >= 0)
);

comment on table astapa.rate_limits is
  'One counter per bucket for its current window. Rows whose window ended are stale and are swept as new '
  'hits arrive.';

grant select, insert, update, delete on astapa.rate_limits to astapa_app;

create function api.rate_limit_hit(bucket text, max_hits integer, window_seconds integer)
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

create function api.rate_limit_wait(bucket text, max_hits integer)
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

grant execute on function api.rate_limit_hit(text, integer, integer) to astapa_app;
grant execute on function api.rate_limit_wait(text, integer) to astapa_app;
