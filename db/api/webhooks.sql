-- Events and app webhooks.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own events" on astapa.events;
create policy "a project reads its own events" on astapa.events
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own events" on astapa.events;
create policy "a project records its own events" on astapa.events
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create or replace function astapa.emit_event(project_id text, type text, data jsonb) returns bigint
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    new_id bigint;
  begin
    insert into astapa.events (project_id, type, data) values (project_id, type, data) returning id into new_id;
    -- Delivered at commit, and not at all on rollback: listeners never hear of an event that did not happen.
    -- The project lets a delivery worker go straight to it (lib/webhooks/worker.ts).
    perform pg_catalog.pg_notify('astapa_events',
      pg_catalog.jsonb_build_object('project_id', project_id, 'event_id', new_id)::text);
    return new_id;
  end
  $$;

comment on function astapa.emit_event(text, text, jsonb) is
  'Records an event and notifies astapa_events with {project_id, event_id}. Called inside the transaction that '
  'made the change.';

grant execute on function astapa.emit_event(text, text, jsonb) to astapa_app;

create or replace function astapa.emit_user_created() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- astapa.user_json's shape, built from the new row rather than read back (most of the event's cost in an
    -- import, issue 22); a second factor needs the user row first, so none exists yet. The app role may not
    -- select the whole row (password_hash), so user_json cannot share this; tests/sql/subscriptions_test.ts
    -- holds the two equal.
    perform astapa.emit_event(new.project_id, 'user.created', pg_catalog.jsonb_build_object('user',
      pg_catalog.jsonb_build_object(
        'id', new.id::text, 'email', new.email, 'email_verified', new.email_verified,
        'phone_number', new.phone_number, 'phone_number_verified', new.phone_number_verified,
        'disabled', new.disabled, 'environment', new.environment, 'created_at', new.created_at,
        'last_sign_in_at', new.last_sign_in_at, 'legal_accepted_at', new.legal_accepted_at, 'mfa_enrolled', false,
        'name', new.name, 'given_name', new.given_name, 'family_name', new.family_name, 'picture', new.picture,
        'locale', new.locale, 'nickname', new.nickname, 'middle_name', new.middle_name,
        'preferred_username', new.preferred_username, 'website', new.website, 'zoneinfo', new.zoneinfo,
        'birthdate', new.birthdate, 'gender', new.gender, 'profile_updated_at', new.profile_updated_at,
        'is_anonymous', new.is_anonymous)));
    return null;
  end
  $$;

comment on function astapa.emit_user_created() is 'Trigger: every new user is a user.created event.';

grant execute on function astapa.emit_user_created() to astapa_app;

create or replace trigger users_emit_user_created after insert on astapa.users
  for each row execute function astapa.emit_user_created();

create or replace function astapa.emit_user_updated() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- The user as user.created carries it, and under `previous` the old value of each field that changed, so an
    -- app's copy can tell an address change from a verification without keeping history of its own.
    perform astapa.emit_event(new.project_id, 'user.updated', pg_catalog.jsonb_build_object(
      'user', pg_catalog.jsonb_build_object(
        'id', new.id::text, 'email', new.email, 'email_verified', new.email_verified,
        'phone_number', new.phone_number, 'phone_number_verified', new.phone_number_verified,
        'disabled', new.disabled, 'environment', new.environment, 'created_at', new.created_at,
        'last_sign_in_at', new.last_sign_in_at, 'legal_accepted_at', new.legal_accepted_at,
        'mfa_enrolled', pg_catalog.cardinality(astapa.second_factor_kinds(new.project_id, new.id)) > 0,
        'name', new.name, 'given_name', new.given_name, 'family_name', new.family_name, 'picture', new.picture,
        'locale', new.locale, 'nickname', new.nickname, 'middle_name', new.middle_name,
        'preferred_username', new.preferred_username, 'website', new.website, 'zoneinfo', new.zoneinfo,
        'birthdate', new.birthdate, 'gender', new.gender, 'profile_updated_at', new.profile_updated_at,
        'is_anonymous', new.is_anonymous),
      'previous', (select pg_catalog.jsonb_object_agg(key, value)
                   from pg_catalog.jsonb_each(pg_catalog.jsonb_build_object(
                     'email', old.email, 'email_verified', old.email_verified,
                     'phone_number', old.phone_number, 'phone_number_verified', old.phone_number_verified,
                     'disabled', old.disabled, 'name', old.name, 'given_name', old.given_name,
                     'family_name', old.family_name, 'picture', old.picture, 'locale', old.locale,
                     'nickname', old.nickname, 'middle_name', old.middle_name,
                     'preferred_username', old.preferred_username, 'website', old.website,
                     'zoneinfo', old.zoneinfo, 'birthdate', old.birthdate, 'gender', old.gender,
                     'is_anonymous', old.is_anonymous)) as was
                   where was.value is distinct from pg_catalog.jsonb_build_object(
                     'email', new.email, 'email_verified', new.email_verified,
                     'phone_number', new.phone_number, 'phone_number_verified', new.phone_number_verified,
                     'disabled', new.disabled, 'name', new.name, 'given_name', new.given_name,
                     'family_name', new.family_name, 'picture', new.picture, 'locale', new.locale,
                     'nickname', new.nickname, 'middle_name', new.middle_name,
                     'preferred_username', new.preferred_username, 'website', new.website,
                     'zoneinfo', new.zoneinfo, 'birthdate', new.birthdate, 'gender', new.gender,
                     'is_anonymous', new.is_anonymous) -> was.key)));
    return null;
  end
  $$;

comment on function astapa.emit_user_updated() is
  'Trigger: a change of a user''s email, phone number, their verification, disabled or a profile field (name, '
  'given_name, family_name, picture, locale, nickname, middle_name, preferred_username, website, zoneinfo, '
  'birthdate, gender) or is_anonymous (a guest who signed up) is a user.updated event '
  '(the user, and previous: the old value of each changed field). Not for an erasure (user.deleted says it).';

grant execute on function astapa.emit_user_updated() to astapa_app;

create or replace trigger users_emit_user_updated
  after update of email, email_verified, phone_number, phone_number_verified, disabled,
                  name, given_name, family_name, picture, locale, nickname, middle_name, preferred_username, website,
                  zoneinfo, birthdate, gender, is_anonymous on astapa.users
  for each row
  when (new.deleted_at is null
        and (old.email, old.email_verified, old.phone_number, old.phone_number_verified, old.disabled,
             old.name, old.given_name, old.family_name, old.picture, old.locale, old.nickname, old.middle_name,
             old.preferred_username, old.website, old.zoneinfo, old.birthdate, old.gender, old.is_anonymous)
            is distinct from (new.email, new.email_verified, new.phone_number, new.phone_number_verified, new.disabled,
                              new.name, new.given_name, new.family_name, new.picture, new.locale, new.nickname,
                              new.middle_name, new.preferred_username, new.website, new.zoneinfo, new.birthdate,
                              new.gender, new.is_anonymous))
  execute function astapa.emit_user_updated();

create or replace function astapa.webhook_event_types() returns text[]
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$ select array['user.created', 'subscription.updated', 'payment.succeeded', 'payment.failed',
                     'user.mfa_enrolled', 'user.mfa_removed', 'payment.refunded', 'user.deleted',
                     'organization.created', 'organization.updated', 'organization.deleted',
                     'membership.created', 'membership.updated', 'membership.deleted',
                     'user.passkey_added', 'user.passkey_removed',
                     'phone.budget_reached',
                     'organization.renewal_due', 'organization.plan_ended', 'organization.plan_change',
                     'subscription.renewal_due', 'subscription.trial_will_end', 'subscription.plan_change',
                     'payment.refund_failed', 'user.updated', 'user.metadata_updated'] $$;

comment on function astapa.webhook_event_types() is 'The event types an app can subscribe its webhook endpoint to.';

grant execute on function astapa.webhook_event_types() to astapa_app;

drop policy if exists "a project reads its own webhook endpoint" on astapa.webhook_endpoints;
create policy "a project reads its own webhook endpoint" on astapa.webhook_endpoints
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project sets its own webhook endpoint" on astapa.webhook_endpoints;
create policy "a project sets its own webhook endpoint" on astapa.webhook_endpoints
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project changes its own webhook endpoint" on astapa.webhook_endpoints;
create policy "a project changes its own webhook endpoint" on astapa.webhook_endpoints
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own webhook endpoint" on astapa.webhook_endpoints;
create policy "a project removes its own webhook endpoint" on astapa.webhook_endpoints
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own webhook deliveries" on astapa.webhook_deliveries;
create policy "a project reads its own webhook deliveries" on astapa.webhook_deliveries
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project queues its own webhook deliveries" on astapa.webhook_deliveries;
create policy "a project queues its own webhook deliveries" on astapa.webhook_deliveries
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project updates its own webhook deliveries" on astapa.webhook_deliveries;
create policy "a project updates its own webhook deliveries" on astapa.webhook_deliveries
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "definer functions find projects with due webhooks" on astapa.webhook_deliveries;
create policy "definer functions find projects with due webhooks" on astapa.webhook_deliveries
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.find_due_webhooks', true) = 'on');

create or replace function astapa.queue_webhook_deliveries() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    insert into astapa.webhook_deliveries (project_id, event_id, endpoint_id, endpoint_url)
    select e.project_id, new.id, e.id, e.url from astapa.webhook_endpoints as e
    where e.project_id = new.project_id and e.enabled
      and (new.type = any (e.events) or (e.all_events and new.type = any (astapa.webhook_event_types())))
    order by e.id;
    return null;
  end
  $$;

comment on function astapa.queue_webhook_deliveries() is
  'Trigger: queues one delivery of each new event to every enabled endpoint of the project that subscribes to '
  'its type: listed in events, or any type apps may subscribe to when all_events.';

grant execute on function astapa.queue_webhook_deliveries() to astapa_app;

create or replace trigger events_queue_webhook_deliveries after insert on astapa.events
  for each row execute function astapa.queue_webhook_deliveries();

create or replace function astapa.webhook_endpoint_as_json(endpoint astapa.webhook_endpoints) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('id', endpoint.public_id, 'url', endpoint.url,
      'events', case when endpoint.all_events then '"*"'::jsonb else pg_catalog.to_jsonb(endpoint.events) end,
      'description', endpoint.description, 'enabled', endpoint.enabled, 'created_at', endpoint.created_at,
      'updated_at', endpoint.updated_at)
  $$;

comment on function astapa.webhook_endpoint_as_json(astapa.webhook_endpoints) is
  'A webhook endpoint as the API shows it (never its secret): id (wep_…), url, events ("*" for every type, '
  'including future ones, or the list of types), description (or null), enabled, created_at, updated_at.';

grant execute on function astapa.webhook_endpoint_as_json(astapa.webhook_endpoints) to astapa_app;

create or replace function astapa.oldest_webhook_endpoint(project_id text) returns bigint
  language sql
  stable
  set search_path = ''
  as $$
    select e.id from astapa.webhook_endpoints as e
    where e.project_id = oldest_webhook_endpoint.project_id
    order by e.id
    limit 1
  $$;

comment on function astapa.oldest_webhook_endpoint(text) is
  'The key of the project''s oldest webhook endpoint, or null: what the deprecated singular functions '
  '(api.set_webhook_endpoint, api.put_webhook_endpoint, …) and /api/platform/webhook-endpoint manage.';

grant execute on function astapa.oldest_webhook_endpoint(text) to astapa_app;

create or replace function astapa.webhook_endpoint_json(project_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.webhook_endpoint_as_json(e) from astapa.webhook_endpoints as e
    where e.project_id = webhook_endpoint_json.project_id
      and e.id = astapa.oldest_webhook_endpoint(webhook_endpoint_json.project_id)
  $$;

comment on function astapa.webhook_endpoint_json(text) is
  'The project''s oldest webhook endpoint as astapa.webhook_endpoint_as_json shows it, or null when it has none.';

grant execute on function astapa.webhook_endpoint_json(text) to astapa_app;

create or replace function astapa.lock_webhook_endpoint(project_id text) returns void
  language sql
  volatile
  set search_path = ''
  as $$
    -- An advisory lock, not the rows': a first endpoint has no row to lock yet, and a count has no row at all.
    select pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('astapa.webhook_endpoint ' || lock_webhook_endpoint.project_id))
  $$;

comment on function astapa.lock_webhook_endpoint(text) is
  'Serialises the writers of a project''s webhook endpoints until the transaction ends (taken again by the same '
  'transaction, it does not wait): two first saves at once, from the API, the dashboard or the CLI, create one '
  'and change it instead of colliding on its key, and creates at once cannot pass the limit of 16 together.';

grant execute on function astapa.lock_webhook_endpoint(text) to astapa_app;

create or replace function astapa.webhook_endpoint_key(project_id text, endpoint_id text) returns bigint
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    key bigint;
  begin
    -- Locked before it is looked up: the endpoint found is still there, and still the oldest, when it is written.
    perform astapa.lock_webhook_endpoint(project_id);
    if endpoint_id is null then
      key := astapa.oldest_webhook_endpoint(project_id);
      if key is null then
        raise exception using errcode = 'AS404', message = 'This project has no webhook endpoint.';
      end if;
      return key;
    end if;
    select e.id into key from astapa.webhook_endpoints as e
    where e.project_id = webhook_endpoint_key.project_id and e.public_id = endpoint_id;
    if key is null then
      raise exception using errcode = 'AS404', message = 'This project has no webhook endpoint with this id.';
    end if;
    return key;
  end
  $$;

comment on function astapa.webhook_endpoint_key(text, text) is
  'Takes astapa.lock_webhook_endpoint, then the key of the project''s endpoint endpoint_id (wep_…), or of its '
  'oldest when endpoint_id is null (the deprecated singular functions); AS404 when there is none.';

grant execute on function astapa.webhook_endpoint_key(text, text) to astapa_app;

create or replace function astapa.save_webhook_endpoint(project_id text, endpoint_key bigint, url text,
                                             secret_sealed bytea, events text[], description text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    problems jsonb := '{}';
    -- {*} asks for every type, including future ones; null keeps what an existing endpoint has.
    wants_all boolean := events = array['*'];
    -- null keeps what an existing endpoint has; blank clears it.
    described text := pg_catalog.btrim(description);
    saved astapa.webhook_endpoints;
  begin
    perform astapa.require_project(project_id);
    perform astapa.lock_webhook_endpoint(project_id);
    if url is null or not astapa.is_valid_redirect_uri(url) then
      problems := problems || '{"url": ["Use an absolute https URL (http only on localhost, 127.0.0.1 or [::1]) without a fragment."]}';
    end if;
    if '*' = any (events) and not wants_all then
      problems := problems || '{"events": ["\"*\" means every event type, including future ones: send it alone, or list event types without it."]}';
    elsif not wants_all and (pg_catalog.cardinality(events) not between 1 and pg_catalog.cardinality(astapa.webhook_event_types())
                             or not events <@ astapa.webhook_event_types()) then
      problems := problems || pg_catalog.jsonb_build_object('events', pg_catalog.jsonb_build_array(
        'events must be "*" (every type, including future ones) or name one or more of '
        || pg_catalog.array_to_string(astapa.webhook_event_types(), ', ') || '.'));
    end if;
    if pg_catalog.length(described) > 200 then
      problems := problems || '{"description": ["Describe the endpoint in at most 200 characters."]}';
    end if;
    if secret_sealed is null and endpoint_key is null then
      problems := problems || '{"secret": ["A new webhook endpoint needs a signing secret."]}';
    end if;
    perform astapa.raise_problems(nullif(problems, '{}'));
    if endpoint_key is null then
      -- Counted under the lock: of two creates at once, the second counts the first's endpoint.
      if (select pg_catalog.count(*) from astapa.webhook_endpoints as e
          where e.project_id = save_webhook_endpoint.project_id) >= 16 then
        raise exception using errcode = 'AS4W6',
          message = 'This project has 16 webhook endpoints, the most it may have: remove one before adding another.';
      end if;
      -- Without a list a new endpoint gets every type, including future ones (until 4202 it got today's list).
      insert into astapa.webhook_endpoints (project_id, url, secret_sealed, all_events, events, description)
      values (project_id, url, secret_sealed, coalesce(wants_all, true), case when not wants_all then events end,
              nullif(described, ''))
      returning * into saved;
    else
      update astapa.webhook_endpoints as e
      set url = save_webhook_endpoint.url,
          secret_sealed = coalesce(save_webhook_endpoint.secret_sealed, e.secret_sealed),
          all_events = coalesce(wants_all, e.all_events),
          events = case when wants_all is null then e.events when not wants_all then save_webhook_endpoint.events end,
          description = case when described is null then e.description else nullif(described, '') end,
          updated_at = pg_catalog.now()
      where e.project_id = save_webhook_endpoint.project_id and e.id = endpoint_key
      returning * into saved;
    end if;
    perform astapa.audit(project_id, 'webhook.set', url,
      pg_catalog.jsonb_build_object('endpoint', saved.public_id,
                                    'events', astapa.webhook_endpoint_as_json(saved) -> 'events',
                                    'new_secret', secret_sealed is not null));
    return astapa.webhook_endpoint_as_json(saved);
  end
  $$;

comment on function astapa.save_webhook_endpoint(text, bigint, text, bytea, text[], text) is
  'The one writer of an endpoint''s url, events, description and secret: creates one (endpoint_key null; needs '
  'a sealed secret; AS4W6 when the project has 16) or changes endpoint_key''s. events: {*} for every type '
  'including future ones, a list of types, or null (new: every type; existing: unchanged); description: at '
  'most 200 characters, null unchanged, blank none; secret_sealed null keeps an existing secret. AS400 names '
  'the field at fault.';

grant execute on function astapa.save_webhook_endpoint(text, bigint, text, bytea, text[], text) to astapa_app;

create or replace function api.set_webhook_endpoint(project_id text, url text, secret_sealed bytea, events text[] default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- Before reading which endpoint is the oldest: of two first saves at once, the second changes the first's.
    perform astapa.lock_webhook_endpoint(project_id);
    return astapa.save_webhook_endpoint(project_id, astapa.oldest_webhook_endpoint(project_id), url,
                                        secret_sealed, events, null);
  end
  $$;

comment on function api.set_webhook_endpoint(text, text, bytea, text[]) is
  'Deprecated singular form: sets the project''s oldest webhook endpoint, or creates its first, as '
  'astapa.save_webhook_endpoint (an existing one keeps its secret when secret_sealed is null).';

grant execute on function api.set_webhook_endpoint(text, text, bytea, text[]) to astapa_app;

create or replace function api.create_webhook_endpoint(project_id text, url text, secret_sealed bytea,
                                            events text[] default null, internal_reason text default null,
                                            description text default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    perform astapa.refuse_internal_webhook_target(project_id, internal_reason);
    return astapa.save_webhook_endpoint(project_id, null, url, secret_sealed, events, description);
  end
  $$;

comment on function api.create_webhook_endpoint(text, text, bytea, text[], text, text) is
  'Adds a webhook endpoint with its sealed secret (events null: every type, including future ones) and an '
  'optional description (at most 200 characters); AS4W6 when the project already has 16; refuses a production '
  'project''s internal target (internal_reason, see astapa.refuse_internal_webhook_target).';

grant execute on function api.create_webhook_endpoint(text, text, bytea, text[], text, text) to astapa_app;

create or replace function api.list_webhook_endpoints(project_id text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    perform astapa.require_project(project_id);
    return coalesce((select pg_catalog.jsonb_agg(astapa.webhook_endpoint_as_json(e) order by e.id)
                     from astapa.webhook_endpoints as e
                     where e.project_id = list_webhook_endpoints.project_id), '[]');
  end
  $$;

comment on function api.list_webhook_endpoints(text) is 'The project''s webhook endpoints, oldest first (never their secrets).';

grant execute on function api.list_webhook_endpoints(text) to astapa_app;

create or replace function api.read_webhook_endpoint(project_id text, endpoint_id text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    found_endpoint jsonb;
  begin
    select astapa.webhook_endpoint_as_json(e) into found_endpoint from astapa.webhook_endpoints as e
    where e.project_id = read_webhook_endpoint.project_id and e.public_id = endpoint_id;
    if found_endpoint is null then
      raise exception using errcode = 'AS404', message = 'This project has no webhook endpoint with this id.';
    end if;
    return found_endpoint;
  end
  $$;

comment on function api.read_webhook_endpoint(text, text) is 'One of the project''s webhook endpoints by id (wep_…); AS404 when it has none such.';

grant execute on function api.read_webhook_endpoint(text, text) to astapa_app;

create or replace function api.get_webhook_endpoint(project_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$ select astapa.webhook_endpoint_json(project_id) $$;

comment on function api.get_webhook_endpoint(text) is 'Deprecated singular form: the project''s oldest webhook endpoint, or null.';

grant execute on function api.get_webhook_endpoint(text) to astapa_app;

create or replace function astapa.enable_webhook_endpoint(project_id text, endpoint_key bigint, enabled boolean)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    endpoint_id text;
  begin
    update astapa.webhook_endpoints as e
    set enabled = enable_webhook_endpoint.enabled, updated_at = pg_catalog.now()
    where e.project_id = enable_webhook_endpoint.project_id and e.id = endpoint_key
    returning e.public_id into endpoint_id;
    if not enabled then
      update astapa.webhook_deliveries as d
      set status = 'failed', last_error = 'The webhook endpoint was disabled.', lease_until = null
      where d.project_id = enable_webhook_endpoint.project_id and d.endpoint_id = endpoint_key
        and d.status = 'pending';
    end if;
    perform astapa.audit(project_id, case when enabled then 'webhook.enable' else 'webhook.disable' end, endpoint_id);
  end
  $$;

comment on function astapa.enable_webhook_endpoint(text, bigint, boolean) is
  'Enables or pauses one endpoint; pausing marks its waiting deliveries failed (resendable later).';

grant execute on function astapa.enable_webhook_endpoint(text, bigint, boolean) to astapa_app;

create or replace function api.set_webhook_endpoint_enabled(project_id text, enabled boolean) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    key bigint;
  begin
    if enabled is null then
      raise exception using errcode = 'AS400', message = 'enabled must be true or false.';
    end if;
    key := astapa.webhook_endpoint_key(project_id, null);
    perform astapa.enable_webhook_endpoint(project_id, key, enabled);
    return astapa.webhook_endpoint_json(project_id);
  end
  $$;

comment on function api.set_webhook_endpoint_enabled(text, boolean) is
  'Deprecated singular form: enables or pauses the project''s oldest webhook endpoint (pausing marks its '
  'waiting deliveries failed, resendable later). AS404 when there is no endpoint.';

grant execute on function api.set_webhook_endpoint_enabled(text, boolean) to astapa_app;

create or replace function astapa.refuse_internal_webhook_target(project_id text, internal_reason text)
  returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    -- The SSRF guard's verdict on the URL is made in TypeScript (it resolves the host,
    -- lib/webhooks/address_guard.ts); whether it applies depends on the project: sandbox projects may
    -- point at local receivers while developing.
    if internal_reason is not null and astapa.require_project(project_id) = 'production' then
      perform astapa.raise_problems(pg_catalog.jsonb_build_object('url', pg_catalog.jsonb_build_array(
        'A production webhook must reach a public address: ' || internal_reason)));
    end if;
  end
  $$;

comment on function astapa.refuse_internal_webhook_target(text, text) is
  'AS400 (fields.url) when internal_reason — why the URL reaches an internal address, null when it does not '
  'or the deployment allows private targets — is set and the project is in production.';

grant execute on function astapa.refuse_internal_webhook_target(text, text) to astapa_app;

create or replace function api.put_webhook_endpoint(project_id text, url text, new_secret_sealed bytea,
                                         events text[] default null, internal_reason text default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    oldest bigint;
  begin
    perform astapa.refuse_internal_webhook_target(project_id, internal_reason);
    -- Before reading whether one exists: of two first PUTs at once, the second waits and replaces (200).
    perform astapa.lock_webhook_endpoint(project_id);
    oldest := astapa.oldest_webhook_endpoint(project_id);
    -- An existing endpoint keeps its secret: only a new one is given new_secret_sealed.
    return pg_catalog.jsonb_build_object(
      'endpoint', astapa.save_webhook_endpoint(project_id, oldest, url,
                                               case when oldest is null then new_secret_sealed end, events, null),
      'created', oldest is null);
  end
  $$;

comment on function api.put_webhook_endpoint(text, text, bytea, text[], text) is
  'Deprecated singular form: creates the project''s first webhook endpoint with new_secret_sealed, or changes '
  'its oldest one''s url and events (keeping its secret), as astapa.save_webhook_endpoint; refuses a '
  'production project''s internal target (internal_reason). Returns {endpoint, created}.';

grant execute on function api.put_webhook_endpoint(text, text, bytea, text[], text) to astapa_app;

create or replace function api.update_webhook_endpoint(project_id text, endpoint_id text, url text default null,
                                            events text[] default null, enabled boolean default null,
                                            internal_reason text default null, description text default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    key bigint := astapa.webhook_endpoint_key(project_id, endpoint_id);
    current_endpoint astapa.webhook_endpoints;
  begin
    select * into current_endpoint from astapa.webhook_endpoints as e
    where e.project_id = update_webhook_endpoint.project_id and e.id = key;
    if url is not null or events is not null then
      perform astapa.refuse_internal_webhook_target(project_id, internal_reason);
    end if;
    if url is not null or events is not null or description is not null then
      perform astapa.save_webhook_endpoint(project_id, key, coalesce(url, current_endpoint.url), null, events,
                                           description);
    end if;
    if enabled is not null and enabled is distinct from current_endpoint.enabled then
      perform astapa.enable_webhook_endpoint(project_id, key, enabled);
    end if;
    return (select astapa.webhook_endpoint_as_json(e) from astapa.webhook_endpoints as e
            where e.project_id = update_webhook_endpoint.project_id and e.id = key);
  end
  $$;

comment on function api.update_webhook_endpoint(text, text, text, text[], boolean, text, text) is
  'Changes any of an endpoint''s url, events, description (blank: none) and enabled (null: unchanged), all or '
  'nothing, through '
  'astapa.save_webhook_endpoint and astapa.enable_webhook_endpoint. endpoint_id null: the oldest endpoint (the '
  'deprecated singular form). AS404 when there is no such endpoint.';

grant execute on function api.update_webhook_endpoint(text, text, text, text[], boolean, text, text) to astapa_app;

create or replace function api.change_webhook_endpoint(project_id text, url text default null,
                                            events text[] default null, enabled boolean default null,
                                            internal_reason text default null)
  returns jsonb
  language sql
  volatile
  set search_path = ''
  as $$ select api.update_webhook_endpoint(project_id, null, url, events, enabled, internal_reason) $$;

comment on function api.change_webhook_endpoint(text, text, text[], boolean, text) is
  'Deprecated singular form of api.update_webhook_endpoint: changes the project''s oldest endpoint; AS404 when '
  'there is none.';

grant execute on function api.change_webhook_endpoint(text, text, text[], boolean, text) to astapa_app;

create or replace function api.rotate_webhook_endpoint_secret(project_id text, endpoint_id text, secret_sealed bytea)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    key bigint := astapa.webhook_endpoint_key(project_id, endpoint_id);
    rotated astapa.webhook_endpoints;
  begin
    update astapa.webhook_endpoints as e
    set secret_sealed = rotate_webhook_endpoint_secret.secret_sealed, updated_at = pg_catalog.now()
    where e.project_id = rotate_webhook_endpoint_secret.project_id and e.id = key
    returning * into rotated;
    perform astapa.audit(project_id, 'webhook.rotate_secret', rotated.public_id);
    return astapa.webhook_endpoint_as_json(rotated);
  end
  $$;

comment on function api.rotate_webhook_endpoint_secret(text, text, bytea) is
  'Replaces an endpoint''s signing secret (endpoint_id null: the oldest''s); its deliveries from now on '
  '(retries included) are signed with the new one. AS404 when there is no such endpoint.';

grant execute on function api.rotate_webhook_endpoint_secret(text, text, bytea) to astapa_app;

create or replace function api.rotate_webhook_secret(project_id text, secret_sealed bytea) returns jsonb
  language sql
  volatile
  set search_path = ''
  as $$ select api.rotate_webhook_endpoint_secret(project_id, null, secret_sealed) $$;

comment on function api.rotate_webhook_secret(text, bytea) is
  'Deprecated singular form: replaces the oldest endpoint''s signing secret (api.rotate_webhook_endpoint_secret).';

grant execute on function api.rotate_webhook_secret(text, bytea) to astapa_app;

create or replace function api.delete_webhook_endpoint(project_id text, endpoint_id text) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    key bigint := astapa.webhook_endpoint_key(project_id, endpoint_id);
    removed astapa.webhook_endpoints;
  begin
    -- Claimed ones too: with the endpoint gone no worker could claim them again once their lease ends.
    update astapa.webhook_deliveries as d
    set status = 'failed', last_error = 'The webhook endpoint was removed.', lease_until = null
    where d.project_id = delete_webhook_endpoint.project_id and d.endpoint_id = key
      and d.status in ('pending', 'sending');
    -- The delivery log stays: on delete set null clears the deliveries' endpoint_id, endpoint_url remains.
    delete from astapa.webhook_endpoints as e
    where e.project_id = delete_webhook_endpoint.project_id and e.id = key
    returning * into removed;
    perform astapa.audit(project_id, 'webhook.remove', removed.public_id,
                         pg_catalog.jsonb_build_object('url', removed.url));
  end
  $$;

comment on function api.delete_webhook_endpoint(text, text) is
  'Removes an endpoint (endpoint_id null: the oldest); its waiting deliveries are marked failed and its '
  'delivery log stays (endpoint_id null, endpoint_url kept). AS404 when there is no such endpoint.';

grant execute on function api.delete_webhook_endpoint(text, text) to astapa_app;

create or replace function api.remove_webhook_endpoint(project_id text) returns void
  language sql
  volatile
  set search_path = ''
  as $$ select api.delete_webhook_endpoint(project_id, null) $$;

comment on function api.remove_webhook_endpoint(text) is
  'Deprecated singular form: removes the oldest endpoint (api.delete_webhook_endpoint). AS404 when there is none.';

grant execute on function api.remove_webhook_endpoint(text) to astapa_app;

create or replace function api.projects_with_due_webhooks(max_projects integer default 100) returns text[]
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

create or replace function api.claim_webhook_deliveries(project_id text, max_deliveries integer default 20,
                                             lease_seconds integer default 60)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    claimed_until timestamptz := astapa.outbox_lease_until(max_deliveries, lease_seconds, 'deliveries');
    result jsonb;
  begin
    with due as (
        -- A paused endpoint is sent nothing but its test events: what was in flight when it was paused (a retry
        -- recorded after, or a lease that ran out) is marked failed here instead, resendable once it is enabled.
        select d.id, e.url, (e.enabled or ev.type = 'webhook.test') as sendable
        from astapa.webhook_deliveries as d
        join astapa.webhook_endpoints as e on e.project_id = d.project_id and e.id = d.endpoint_id
        join astapa.events as ev on ev.project_id = d.project_id and ev.id = d.event_id
        where d.project_id = claim_webhook_deliveries.project_id
          and ((d.status = 'pending' and d.next_attempt_at <= pg_catalog.now())
               or (d.status = 'sending' and d.lease_until <= pg_catalog.now()))
        order by d.next_attempt_at, d.id
        limit max_deliveries
        -- Another worker's claims are skipped, not waited for: each row goes to exactly one worker at a time.
        for update of d skip locked),
      claimed as (
        update astapa.webhook_deliveries as d
        set status = case when due.sendable then 'sending' else 'failed' end,
            attempts = d.attempts + case when due.sendable then 1 else 0 end,
            last_attempt_at = case when due.sendable then pg_catalog.now() else d.last_attempt_at end,
            lease_until = case when due.sendable then claimed_until end,
            last_error = case when due.sendable then d.last_error else 'The webhook endpoint was disabled.' end,
            endpoint_url = case when due.sendable then due.url else d.endpoint_url end
        from due
        where d.project_id = claim_webhook_deliveries.project_id and d.id = due.id
        returning d.id, d.event_id, d.endpoint_id, d.attempts, d.status)
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'delivery_id', c.id::text, 'attempt', c.attempts, 'endpoint_id', e.public_id, 'url', e.url,
        'secret_sealed', pg_catalog.encode(e.secret_sealed, 'base64'),
        'event', pg_catalog.jsonb_build_object('id', ev.public_id, 'type', ev.type, 'created_at', ev.created_at,
                                               'project_id', ev.project_id, 'data', ev.data)) order by c.id)
        filter (where c.status = 'sending'), '[]')
      into result
      from claimed as c
      join astapa.events as ev on ev.project_id = claim_webhook_deliveries.project_id and ev.id = c.event_id
      join astapa.webhook_endpoints as e on e.project_id = claim_webhook_deliveries.project_id and e.id = c.endpoint_id;
    return result;
  end
  $$;

comment on function api.claim_webhook_deliveries(text, integer, integer) is
  'Claims up to max_deliveries due deliveries of the project (pending and due, or sending with an expired '
  'lease) for lease_seconds, counting an attempt each; returns what to send: event, its endpoint''s id, url and '
  'sealed secret, attempt. Due deliveries of a paused endpoint (but its test events) are marked failed instead.';

grant execute on function api.claim_webhook_deliveries(text, integer, integer) to astapa_app;

create or replace function api.record_webhook_attempt(project_id text, delivery_id bigint, attempt integer,
                                           http_status integer, error text, retry_in_seconds integer)
  returns text
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    tried record := astapa.outbox_attempt_result(http_status, record_webhook_attempt.error, retry_in_seconds);
  begin
    update astapa.webhook_deliveries as d
    set status = tried.status,
        lease_until = null,
        last_status = tried.last_status,
        last_error = tried.last_error,
        delivered_at = case when tried.status = 'delivered' then pg_catalog.now() end,
        next_attempt_at = coalesce(tried.next_attempt_at, d.next_attempt_at)
    -- Fencing: only the claim that made this attempt may record it (a lease that ran out was claimed again).
    where d.project_id = record_webhook_attempt.project_id and d.id = delivery_id
      and d.status = 'sending' and d.attempts = attempt;
    return case when found then tried.status end;
  end
  $$;

comment on function api.record_webhook_attempt(text, bigint, integer, integer, text, integer) is
  'Records how attempt number `attempt` went: 2xx delivered; otherwise pending again in retry_in_seconds, or '
  'failed when that is null. Returns the new status, or null when the claim was no longer this attempt''s.';

grant execute on function api.record_webhook_attempt(text, bigint, integer, integer, text, integer) to astapa_app;

create or replace function astapa.webhook_delivery_as_json(delivery astapa.webhook_deliveries) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'id', delivery.id::text, 'event_id', ev.public_id, 'event_type', ev.type,
      'endpoint_id', (select e.public_id from astapa.webhook_endpoints as e
                      where e.project_id = delivery.project_id and e.id = delivery.endpoint_id),
      'endpoint_url', delivery.endpoint_url, 'status', delivery.status,
      'attempts', delivery.attempts, 'last_status', delivery.last_status, 'last_error', delivery.last_error,
      'last_attempt_at', delivery.last_attempt_at, 'next_attempt_at',
      case when delivery.status = 'pending' then delivery.next_attempt_at end,
      'delivered_at', delivery.delivered_at, 'created_at', delivery.created_at)
    from astapa.events as ev
    where ev.project_id = delivery.project_id and ev.id = delivery.event_id
  $$;

comment on function astapa.webhook_delivery_as_json(astapa.webhook_deliveries) is
  'A webhook delivery as the API shows it: event, endpoint (endpoint_id null once it was removed; endpoint_url '
  'kept), status, attempts, last HTTP status and error, when the next attempt is due.';

grant execute on function astapa.webhook_delivery_as_json(astapa.webhook_deliveries) to astapa_app;

create or replace function api.list_webhook_deliveries(project_id text, status text default null, max_deliveries integer default 50)
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
      select pg_catalog.jsonb_agg(astapa.webhook_delivery_as_json(d.w) order by (d.w).id desc)
      from (select w from astapa.webhook_deliveries as w
            where w.project_id = list_webhook_deliveries.project_id
              and (list_webhook_deliveries.status is null or w.status = list_webhook_deliveries.status)
            order by w.id desc limit max_deliveries) as d), '[]');
  end
  $$;

comment on function api.list_webhook_deliveries(text, text, integer) is
  'The project''s latest webhook deliveries (optionally of one status), newest first, as '
  'astapa.webhook_delivery_as_json shows them.';

grant execute on function api.list_webhook_deliveries(text, text, integer) to astapa_app;

create or replace function api.webhook_delivery_page(project_id text, before_id bigint default null,
                                          max_deliveries integer default 25, endpoint_id text default null)
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    rows jsonb;
    endpoint_key bigint;
  begin
    perform astapa.require_project(project_id);
    if max_deliveries not between 1 and 200 then
      raise exception using errcode = 'AS400', message = 'Show 1 to 200 deliveries a page.';
    end if;
    if endpoint_id is not null then
      select e.id into endpoint_key from astapa.webhook_endpoints as e
      where e.project_id = webhook_delivery_page.project_id and e.public_id = endpoint_id;
      if endpoint_key is null then
        raise exception using errcode = 'AS404', message = 'This project has no webhook endpoint with this id.';
      end if;
    end if;
    select coalesce(pg_catalog.jsonb_agg(astapa.webhook_delivery_as_json(d.w) order by (d.w).id desc), '[]')
    into rows
    from (select w from astapa.webhook_deliveries as w
          where w.project_id = webhook_delivery_page.project_id
            and (before_id is null or w.id < before_id)
            and (endpoint_key is null or w.endpoint_id = endpoint_key)
          order by w.id desc limit max_deliveries + 1) as d;
    -- One row more than a page was read to learn whether an older page exists.
    return pg_catalog.jsonb_build_object(
      'deliveries', pg_catalog.jsonb_path_query_array(rows, pg_catalog.format('$[0 to %s]', max_deliveries - 1)::jsonpath),
      'older', case when pg_catalog.jsonb_array_length(rows) > max_deliveries
                    then rows -> (max_deliveries - 1) ->> 'id' end);
  end
  $$;

comment on function api.webhook_delivery_page(text, bigint, integer, text) is
  'One page of the project''s webhook deliveries (of one endpoint when endpoint_id, wep_…, is given; AS404 when '
  'the project has no such endpoint), newest first, older than before_id when given: {deliveries, older}; '
  'older is the id to pass as before_id for the next page, or null on the last page.';

grant execute on function api.webhook_delivery_page(text, bigint, integer, text) to astapa_app;

create or replace function api.resend_webhook_delivery(project_id text, delivery_id bigint) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    current_status text;
    endpoint_key bigint;
  begin
    perform astapa.require_project(project_id);
    select d.status, d.endpoint_id into current_status, endpoint_key from astapa.webhook_deliveries as d
    where d.project_id = resend_webhook_delivery.project_id and d.id = delivery_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = 'This project has no such webhook delivery.';
    end if;
    if current_status <> 'failed' then
      raise exception using errcode = 'AS409',
        message = 'Only a failed delivery can be resent; this one is ' || current_status || '.';
    end if;
    if endpoint_key is null then
      raise exception using errcode = 'AS409',
        message = 'This delivery''s endpoint was removed: there is no webhook endpoint to resend to.';
    end if;
    if not (select e.enabled from astapa.webhook_endpoints as e
            where e.project_id = resend_webhook_delivery.project_id and e.id = endpoint_key) then
      raise exception using errcode = 'AS409', message = 'The webhook endpoint is disabled: enable it to resend.';
    end if;
    update astapa.webhook_deliveries as d
    set status = 'pending', next_attempt_at = pg_catalog.now(), lease_until = null, delivered_at = null
    where d.project_id = resend_webhook_delivery.project_id and d.id = delivery_id;
    perform astapa.audit(project_id, 'webhook.resend', delivery_id::text);
    -- A wake-up call for the delivery workers (they LISTEN on the events channel); the row is the truth.
    perform pg_catalog.pg_notify('astapa_events', pg_catalog.jsonb_build_object('project_id', project_id)::text);
    return (select pg_catalog.jsonb_build_object('id', d.id::text, 'status', d.status, 'attempts', d.attempts)
            from astapa.webhook_deliveries as d
            where d.project_id = resend_webhook_delivery.project_id and d.id = delivery_id);
  end
  $$;

comment on function api.resend_webhook_delivery(text, bigint) is
  'Queues a failed delivery again to its endpoint, due now (attempts carry on), and wakes the workers. AS404 '
  'for an unknown delivery; AS409 when it is not failed or its endpoint was removed or is disabled.';

grant execute on function api.resend_webhook_delivery(text, bigint) to astapa_app;

create or replace function api.send_test_webhook(project_id text, endpoint_id text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    key bigint := astapa.webhook_endpoint_key(project_id, endpoint_id);
    wait integer;
    event_key bigint;
    queued astapa.webhook_deliveries;
  begin
    -- Five a minute per endpoint: enough to fix a receiver by trial, too few to flood someone's URL.
    wait := api.rate_limit_hit('webhook_test ' || endpoint_id, 5, 60);
    if wait > 0 then
      raise exception using errcode = 'AS429', hint = wait::text,
        message = 'Five test events a minute per webhook endpoint: try again in ' || wait || ' seconds.';
    end if;
    -- webhook.test is not in astapa.webhook_event_types(): the queuing trigger sends it to no endpoint, so
    -- the one delivery below is the only one, and it goes even to a paused endpoint (the developer asked).
    event_key := astapa.emit_event(project_id, 'webhook.test', pg_catalog.jsonb_build_object(
      'test', true, 'endpoint_id', endpoint_id, 'project_id', project_id, 'sent_at', pg_catalog.now()));
    insert into astapa.webhook_deliveries (project_id, event_id, endpoint_id, endpoint_url)
    select e.project_id, event_key, e.id, e.url from astapa.webhook_endpoints as e
    where e.project_id = send_test_webhook.project_id and e.id = key
    returning * into queued;
    perform astapa.audit(project_id, 'webhook.test', endpoint_id);
    return astapa.webhook_delivery_as_json(queued);
  end
  $$;

comment on function api.send_test_webhook(text, text) is
  'Queues one webhook.test event (data: test true, endpoint_id, project_id, sent_at) to the endpoint '
  'endpoint_id (wep_…) only, paused or not, whatever it subscribes to; the workers send, sign and log it like '
  'any delivery. Returns the delivery. AS404 for no such endpoint; AS429 (HINT: seconds to wait) past five a '
  'minute per endpoint.';

grant execute on function api.send_test_webhook(text, text) to astapa_app;

create or replace function api.metrics_backlog()
  returns table (
    mail_waiting bigint,
    payment_events_waiting bigint,
    payment_lag_seconds double precision,
    webhooks_waiting bigint
  )
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'metrics_backlog runs outside any project.';
    end if;
    -- The policies the workers' own definer functions open, for these aggregate reads only.
    perform pg_catalog.set_config('astapa.list_mail_projects', 'on', true);
    perform pg_catalog.set_config('astapa.list_payment_event_projects', 'on', true);
    perform pg_catalog.set_config('astapa.find_due_webhooks', 'on', true);
    return query select
      (select pg_catalog.count(*) from astapa.mail_outbox as m where m.sent_at is null and m.attempts < 8),
      (select pg_catalog.count(*) from astapa.payment_events as e where e.processed_at is null),
      (select coalesce(extract(epoch from pg_catalog.now() - pg_catalog.min(e.received_at)), 0)::double precision
       from astapa.payment_events as e where e.processed_at is null),
      (select pg_catalog.count(*) from astapa.webhook_deliveries as d where d.status in ('pending', 'sending'));
    perform pg_catalog.set_config('astapa.list_mail_projects', '', true);
    perform pg_catalog.set_config('astapa.list_payment_event_projects', '', true);
    perform pg_catalog.set_config('astapa.find_due_webhooks', '', true);
  end
  $$;

comment on function api.metrics_backlog() is
  'Definer: the metrics scrape serves the whole deployment, so it counts rows across projects (through the '
  'workers'' existing policies). Returns counts and one age only. Runs only without a project set.';

revoke execute on function api.metrics_backlog() from public;

grant execute on function api.metrics_backlog() to astapa_app;

