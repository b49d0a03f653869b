-- New users get a `sub` that no longer counts them: a time-ordered 63-bit number (milliseconds since
-- 2020-01-01 in the high bits, 22 random bits below) instead of the next value of a sequence. It is still a
-- numeric string in tokens, and still grows with time, so listings and keyset pages ordered by id keep
-- showing users in the order they joined. Existing users keep their (small, sequential) ids: only the
-- column's default changes.

create function astapa.new_user_id() returns bigint
  language sql
  volatile
  security invoker
  set search_path = ''
  as $$
    select ((pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp()) * 1000)::bigint
             - 1577836800000) << 22)
           | (('x' || pg_catalog.substr(pg_catalog.md5(pg_catalog.gen_random_uuid()::text), 1, 8))::bit(32)::bigint
              & 4194303)
  $$;

comment on function astapa.new_user_id() is
  'A new user''s id: milliseconds since 2020-01-01 shifted left 22 bits, OR 22 bits from gen_random_uuid() '
  '(a strong random source). Positive, below 2^63 until about 2089, not guessable from a neighbour, and '
  'ordered by time to the millisecond.';

alter table astapa.users alter column id drop identity;
alter table astapa.users alter column id set default astapa.new_user_id();

-- The column default runs as the inserting role (the app creates users).
grant execute on function astapa.new_user_id() to astapa_app;
