-- Outboxes of attempts to an outside URL: the claim's lease and what an attempt's result makes of the row, the
-- same for app webhooks (db/api/webhooks.sql), back-channel logout tokens (db/api/backchannel_logout.sql) and
-- Apple token revocations (db/api/apple_lifecycle.sql), each worked by a lib/outbox_worker.ts worker.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.
--
-- What each outbox keeps to itself, on purpose:
-- - When a row is due (pending and next_attempt_at passed, or sending and lease_until passed) is written out in
--   each claim and projects_with_due_* query: as a call (never inlined: it sets search_path) the planner could
--   not match it to the outbox's partial index on next_attempt_at (<table>_due_idx).
-- - The retry schedule and the attempts before giving up are the workers' and differ per outbox (RETRY_SCHEDULE,
--   LOGOUT_RETRY_SCHEDULE, REVOCATION_RETRY_SCHEDULE): an attempt arrives with retry_in_seconds chosen, null
--   when the worker gives up.
-- - A webhook claim fails a paused endpoint's deliveries instead of sending them; a revoked Apple token's row is
--   deleted, a given-up one loses its token. The mail outbox (db/api/mail.sql) has no lease and backs off in SQL.

create or replace function astapa.outbox_lease_until(max_rows integer, lease_seconds integer, rows_called text)
  returns timestamptz
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    if max_rows not between 1 and 1000 or lease_seconds not between 1 and 3600 then
      raise exception using errcode = 'AS400',
        message = pg_catalog.format('Claim 1 to 1000 %s for a lease of 1 to 3600 seconds.', rows_called);
    end if;
    return pg_catalog.now() + pg_catalog.make_interval(secs => lease_seconds);
  end
  $$;

comment on function astapa.outbox_lease_until(integer, integer, text) is
  'Until when a claim of max_rows outbox rows for lease_seconds holds them: now() + lease_seconds. AS400 (naming '
  'the rows as rows_called) outside 1 to 1000 rows and 1 to 3600 seconds. A row whose lease ran out is due again.';

grant execute on function astapa.outbox_lease_until(integer, integer, text) to astapa_app;

create or replace function astapa.outbox_attempt_result(http_status integer, error text, retry_in_seconds integer,
                                                        out status text, out last_status integer,
                                                        out last_error text, out next_attempt_at timestamptz)
  language sql
  stable
  set search_path = ''
  as $$
    select attempt.status,
           case when http_status between 100 and 599 then http_status end,
           pg_catalog.left(error, 500),
           case when attempt.status = 'pending'
                then pg_catalog.now() + pg_catalog.make_interval(secs => greatest(retry_in_seconds, 0)) end
    from (select case when http_status between 200 and 299 then 'delivered'
                      when retry_in_seconds is null then 'failed'
                      else 'pending' end as status) as attempt
  $$;

comment on function astapa.outbox_attempt_result(integer, text, integer) is
  'What one attempt of an outbox row makes of it: status delivered on a 2xx; otherwise pending again, due '
  'retry_in_seconds from now (next_attempt_at; a negative wait is none), or failed when the worker gave up (null '
  'retry_in_seconds). last_status is the HTTP status when there was one (100 to 599), last_error the error cut to '
  '500 characters. next_attempt_at is null unless pending: the row keeps its own.';

grant execute on function astapa.outbox_attempt_result(integer, text, integer) to astapa_app;
