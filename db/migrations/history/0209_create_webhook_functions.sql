-- The webhook API: the endpoint (set, rotate its secret, remove), the delivery worker's claim and record
-- steps, and the delivery log. Secrets arrive sealed (lib/webhooks/secrets.ts) and leave only to the worker.

create function astapa.webhook_endpoint_json(project_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('url', e.url, 'events', pg_catalog.to_jsonb(e.events),
      'created_at', e.created_at, 'updated_at', e.updated_at)
    from astapa.webhook_endpoints as e
    where e.project_id = webhook_endpoint_json.project_id
  $$;

comment on function astapa.webhook_endpoint_json(text) is 'A webhook endpoint as the API shows it (never its secret).';

grant execute on function astapa.webhook_endpoint_json(text) to astapa_app;

create function api.set_webhook_endpoint(project_id text, url text, secret_sealed bytea, events text[] default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    problems jsonb := '{}';
  begin
    perform astapa.require_project(project_id);
    if url is null or not astapa.is_valid_redirect_uri(url) then
      problems := problems || '{"url": ["Use an absolute https URL (http only on localhost, 127.0.0.1 or [::1]) without a fragment."]}';
    end if;
    if events is not null and (pg_catalog.cardinality(events) not between 1 and 4
                               or not events <@ astapa.webhook_event_types()) then
      problems := problems || pg_catalog.jsonb_build_object('events', pg_catalog.jsonb_build_array(
        'events must name one or more of ' || pg_catalog.array_to_string(astapa.webhook_event_types(), ', ') || '.'));
    end if;
    if secret_sealed is null and astapa.webhook_endpoint_json(project_id) is null then
      problems := problems || '{"secret": ["A new webhook endpoint needs a signing secret."]}';
    end if;
    perform astapa.raise_problems(nullif(problems, '{}'));
    update astapa.webhook_endpoints as e
    set url = set_webhook_endpoint.url,
        secret_sealed = coalesce(set_webhook_endpoint.secret_sealed, e.secret_sealed),
        events = coalesce(set_webhook_endpoint.events, e.events),
        updated_at = pg_catalog.now()
    where e.project_id = set_webhook_endpoint.project_id;
    if not found then
      insert into astapa.webhook_endpoints (project_id, url, secret_sealed, events)
      values (project_id, url, secret_sealed, coalesce(events, astapa.webhook_event_types()));
    end if;
    perform astapa.audit(project_id, 'webhook.set', url,
      pg_catalog.jsonb_build_object('events', (select e.events from astapa.webhook_endpoints as e
                                               where e.project_id = set_webhook_endpoint.project_id),
                                    'new_secret', secret_sealed is not null));
    return astapa.webhook_endpoint_json(project_id);
  end
  $$;

comment on function api.set_webhook_endpoint(text, text, bytea, text[]) is
  'Sets the project''s webhook endpoint (url, optional event types). A new endpoint needs a sealed secret; an '
  'existing one keeps its secret when secret_sealed is null. AS400 names the field at fault.';

grant execute on function api.set_webhook_endpoint(text, text, bytea, text[]) to astapa_app;

create function api.rotate_webhook_secret(project_id text, secret_sealed bytea) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    update astapa.webhook_endpoints as e
    set secret_sealed = rotate_webhook_secret.secret_sealed, updated_at = pg_catalog.now()
    where e.project_id = rotate_webhook_secret.project_id;
    if not found then
      raise exception using errcode = 'AS404', message = 'This project has no webhook endpoint.';
    end if;
    perform astapa.audit(project_id, 'webhook.rotate_secret', project_id);
    return astapa.webhook_endpoint_json(project_id);
  end
  $$;

comment on function api.rotate_webhook_secret(text, bytea) is
  'Replaces the signing secret; deliveries from now on (retries included) are signed with the new one.';

grant execute on function api.rotate_webhook_secret(text, bytea) to astapa_app;

create function api.get_webhook_endpoint(project_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$ select astapa.webhook_endpoint_json(project_id) $$;

comment on function api.get_webhook_endpoint(text) is 'The project''s webhook endpoint, or null.';

grant execute on function api.get_webhook_endpoint(text) to astapa_app;

create function api.remove_webhook_endpoint(project_id text) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    delete from astapa.webhook_endpoints as e where e.project_id = remove_webhook_endpoint.project_id;
    if not found then
      raise exception using errcode = 'AS404', message = 'This project has no webhook endpoint.';
    end if;
    update astapa.webhook_deliveries as d
    set status = 'failed', last_error = 'The webhook endpoint was removed.', lease_until = null
    where d.project_id = remove_webhook_endpoint.project_id and d.status = 'pending';
    perform astapa.audit(project_id, 'webhook.remove', project_id);
  end
  $$;

comment on function api.remove_webhook_endpoint(text) is
  'Removes the endpoint; deliveries still waiting are marked failed. AS404 when there is none.';

grant execute on function api.remove_webhook_endpoint(text) to astapa_app;

create function api.projects_with_due_webhooks(max_projects integer default 100) returns text[]
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    found_projects text[];
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Due webhooks are found across projects, not for one.';
    end if;
    perform pg_catalog.set_config('astapa.find_due_webhooks', 'on', true);
    select array(
      select d.project_id from astapa.webhook_deliveries as d
      where (d.status = 'pending' and d.next_attempt_at <= pg_catalog.now())
         or (d.status = 'sending' and d.lease_until <= pg_catalog.now())
      group by d.project_id
      order by min(d.next_attempt_at)
      limit max_projects) into found_projects;
    perform pg_catalog.set_config('astapa.find_due_webhooks', '', true);
    return found_projects;
  end
  $$;

comment on function api.projects_with_due_webhooks(integer) is
  'Which projects have webhook deliveries due, oldest first, so the worker can claim them per project (as the '
  'app role, under RLS). Security definer because the worker acts for no project yet: its set_config turns on '
  'the owner-only policy "definer functions find projects with due webhooks" for this one query and returns '
  'project ids only. Guard: refused while the transaction acts for a project.';

grant execute on function api.projects_with_due_webhooks(integer) to astapa_app;

create function api.claim_webhook_deliveries(project_id text, max_deliveries integer default 20,
                                             lease_seconds integer default 60)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    result jsonb;
  begin
    if max_deliveries not between 1 and 1000 or lease_seconds not between 1 and 3600 then
      raise exception using errcode = 'AS400', message = 'Claim 1 to 1000 deliveries for a lease of 1 to 3600 seconds.';
    end if;
    with due as (
        select d.id from astapa.webhook_deliveries as d
        join astapa.webhook_endpoints as e on e.project_id = d.project_id
        where d.project_id = claim_webhook_deliveries.project_id
          and ((d.status = 'pending' and d.next_attempt_at <= pg_catalog.now())
               or (d.status = 'sending' and d.lease_until <= pg_catalog.now()))
        order by d.next_attempt_at, d.id
        limit max_deliveries
        -- Another worker's claims are skipped, not waited for: each row goes to exactly one worker at a time.
        for update of d skip locked),
      claimed as (
        update astapa.webhook_deliveries as d
        set status = 'sending', attempts = d.attempts + 1, last_attempt_at = pg_catalog.now(),
            lease_until = pg_catalog.now() + pg_catalog.make_interval(secs => lease_seconds)
        from due
        where d.project_id = claim_webhook_deliveries.project_id and d.id = due.id
        returning d.id, d.event_id, d.attempts)
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'delivery_id', c.id::text, 'attempt', c.attempts, 'url', e.url,
        'secret_sealed', pg_catalog.encode(e.secret_sealed, 'base64'),
        'event', pg_catalog.jsonb_build_object('id', ev.public_id, 'type', ev.type, 'created_at', ev.created_at,
                                               'project_id', ev.project_id, 'data', ev.data)) order by c.id), '[]')
      into result
      from claimed as c
      join astapa.events as ev on ev.project_id = claim_webhook_deliveries.project_id and ev.id = c.event_id
      join astapa.webhook_endpoints as e on e.project_id = claim_webhook_deliveries.project_id;
    return result;
  end
  $$;

comment on function api.claim_webhook_deliveries(text, integer, integer) is
  'Claims up to max_deliveries due deliveries of the project (pending and due, or sending with an expired '
  'lease) for lease_seconds, counting an attempt each; returns what to send: event, url, sealed secret, attempt.';

grant execute on function api.claim_webhook_deliveries(text, integer, integer) to astapa_app;

create function api.record_webhook_attempt(project_id text, delivery_id bigint, attempt integer,
                                           http_status integer, error text, retry_in_seconds integer)
  returns text
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    outcome text := case when http_status between 200 and 299 then 'delivered'
                         when retry_in_seconds is null then 'failed'
                         else 'pending' end;
  begin
    update astapa.webhook_deliveries as d
    set status = outcome,
        lease_until = null,
        last_status = case when http_status between 100 and 599 then http_status end,
        last_error = pg_catalog.left(record_webhook_attempt.error, 500),
        delivered_at = case when outcome = 'delivered' then pg_catalog.now() end,
        next_attempt_at = case when outcome = 'pending'
                               then pg_catalog.now() + pg_catalog.make_interval(secs => greatest(retry_in_seconds, 0))
                               else d.next_attempt_at end
    -- Fencing: only the claim that made this attempt may record it (a lease that ran out was claimed again).
    where d.project_id = record_webhook_attempt.project_id and d.id = delivery_id
      and d.status = 'sending' and d.attempts = attempt;
    return case when found then outcome end;
  end
  $$;

comment on function api.record_webhook_attempt(text, bigint, integer, integer, text, integer) is
  'Records how attempt number `attempt` went: 2xx delivered; otherwise pending again in retry_in_seconds, or '
  'failed when that is null. Returns the new status, or null when the claim was no longer this attempt''s.';

grant execute on function api.record_webhook_attempt(text, bigint, integer, integer, text, integer) to astapa_app;

create function api.list_webhook_deliveries(project_id text, status text default null, max_deliveries integer default 50)
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    perform astapa.require_project(project_id);
    if status is not null and status not in ('pending', 'sending', 'delivered', 'failed') then
      raise exception using errcode = 'AS400', detail = '{"status": ["pending, sending, delivered or failed."]}',
        message = 'status must be pending, sending, delivered or failed.';
    end if;
    if max_deliveries not between 1 and 1000 then
      raise exception using errcode = 'AS400', message = 'List 1 to 1000 deliveries.';
    end if;
    return coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'id', d.id::text, 'event_id', ev.public_id, 'event_type', ev.type, 'status', d.status,
        'attempts', d.attempts, 'last_status', d.last_status, 'last_error', d.last_error,
        'last_attempt_at', d.last_attempt_at, 'next_attempt_at',
        case when d.status = 'pending' then d.next_attempt_at end,
        'delivered_at', d.delivered_at, 'created_at', d.created_at) order by d.id desc)
      from (select * from astapa.webhook_deliveries as w
            where w.project_id = list_webhook_deliveries.project_id
              and (list_webhook_deliveries.status is null or w.status = list_webhook_deliveries.status)
            order by w.id desc limit max_deliveries) as d
      join astapa.events as ev on ev.project_id = d.project_id and ev.id = d.event_id), '[]');
  end
  $$;

comment on function api.list_webhook_deliveries(text, text, integer) is
  'The project''s latest webhook deliveries (optionally of one status), newest first: event, status, attempts, '
  'last HTTP status and error, when the next attempt is due.';

grant execute on function api.list_webhook_deliveries(text, text, integer) to astapa_app;
