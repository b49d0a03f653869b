-- Sign in with Apple's account lifecycle (docs/social-login.md): the refresh token kept from the code exchange,
-- its revocation when the Apple identity goes (an outbox delivered by lib/login/social/apple_revocation_worker.ts),
-- and Apple's server-to-server notifications (routes/api/webhooks/apple.ts).
-- The current definition of each function, trigger and policy of this area: edit it here, in place.

drop policy if exists "a project updates its own identities" on astapa.identities;
create policy "a project updates its own identities" on astapa.identities
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "definer functions find apple identities by subject" on astapa.identities;
create policy "definer functions find apple identities by subject" on astapa.identities
  for select to astapa_owner
  using (provider = 'apple' and pg_catalog.current_setting('astapa.find_apple_subjects', true) = 'on');

drop policy if exists "definer functions find projects by their apple services id" on astapa.projects;
create policy "definer functions find projects by their apple services id" on astapa.projects
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.find_apple_subjects', true) = 'on');

drop policy if exists "a project queues its own apple token revocations" on astapa.apple_token_revocations;
create policy "a project queues its own apple token revocations" on astapa.apple_token_revocations
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own apple token revocations" on astapa.apple_token_revocations;
create policy "a project reads its own apple token revocations" on astapa.apple_token_revocations
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project updates its own apple token revocations" on astapa.apple_token_revocations;
create policy "a project updates its own apple token revocations" on astapa.apple_token_revocations
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own apple token revocations" on astapa.apple_token_revocations;
create policy "a project removes its own apple token revocations" on astapa.apple_token_revocations
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "definer functions find projects with due apple token revocations"
  on astapa.apple_token_revocations;
create policy "definer functions find projects with due apple token revocations" on astapa.apple_token_revocations
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.find_due_apple_revocations', true) = 'on');

drop policy if exists "a project records its own apple notifications" on astapa.apple_notifications;
create policy "a project records its own apple notifications" on astapa.apple_notifications
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own apple notifications" on astapa.apple_notifications;
create policy "a project reads its own apple notifications" on astapa.apple_notifications
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project forgets its own apple notifications" on astapa.apple_notifications;
create policy "a project forgets its own apple notifications" on astapa.apple_notifications
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create or replace function astapa.check_sealed_apple_token(client_id text, refresh_token_sealed text) returns void
  language plpgsql
  immutable
  set search_path = ''
  as $$
  begin
    if client_id is null or pg_catalog.length(client_id) > 255 or refresh_token_sealed is null
       or pg_catalog.length(refresh_token_sealed) > 4000 or refresh_token_sealed !~ '^[A-Za-z0-9_-]+$' then
      raise exception using errcode = 'AS400', message = 'A sealed Apple refresh token and its client_id are expected.';
    end if;
  end
  $$;

comment on function astapa.check_sealed_apple_token(text, text) is
  'AS400 unless refresh_token_sealed is a sealed token as the app makes them (base64url, at most 4,000 '
  'characters) and client_id the Services ID it was issued to (at most 255).';

grant execute on function astapa.check_sealed_apple_token(text, text) to astapa_app;

create or replace function astapa.queue_apple_revocation(project_id text, client_id text, token_sealed text)
  returns void
  language sql
  volatile
  set search_path = ''
  as $$
    insert into astapa.apple_token_revocations (project_id, client_id, token_sealed)
    values (queue_apple_revocation.project_id, queue_apple_revocation.client_id, queue_apple_revocation.token_sealed);
    select pg_catalog.pg_notify('astapa_apple_revocations',
      pg_catalog.jsonb_build_object('project_id', queue_apple_revocation.project_id)::text);
  $$;

comment on function astapa.queue_apple_revocation(text, text, text) is
  'Queues one sealed Apple refresh token for revocation (as the project: its insert policy applies) and wakes '
  'the workers (NOTIFY astapa_apple_revocations with the project id).';

grant execute on function astapa.queue_apple_revocation(text, text, text) to astapa_app;

create or replace function api.sign_in_with_apple(subject text, email text, email_verified boolean, client_id text,
                                                  refresh_token_sealed text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    guest bigint := astapa.signing_up_guest();
    outcome jsonb;
  begin
    -- A guest's sign-up (docs/anonymous-users.md): a new identity and address go onto the guest's row.
    outcome := case when guest is null then api.sign_in_with_identity('apple', subject, email, email_verified)
                    else api.sign_up_guest_with_identity(guest, 'apple', subject, email, email_verified) end;
    -- The latest token replaces the one before without revoking it: revoking any of a person's tokens ends the
    -- whole authorization at Apple, this sign-in's too.
    if refresh_token_sealed is not null then
      perform astapa.check_sealed_apple_token(client_id, refresh_token_sealed);
      update astapa.identities as i
      set refresh_token_sealed = sign_in_with_apple.refresh_token_sealed, token_client_id = sign_in_with_apple.client_id
      where i.project_id = (select astapa.current_project_id()) and i.provider = 'apple'
        and i.subject = sign_in_with_apple.subject;
    end if;
    return outcome;
  end
  $$;

comment on function api.sign_in_with_apple(text, text, boolean, text, text) is
  'Sign in with Apple: api.sign_in_with_identity (api.sign_up_guest_with_identity for the guest a sign-up keeps: '
  'astapa.signing_up_guest), then keeps the refresh token of this code exchange (sealed by '
  'the app, base64url) and the Services ID it was issued to on the identity, replacing any earlier one (revoked '
  'only when the identity goes: astapa.queue_apple_token_revocation). AS400 a malformed token or client_id.';

grant execute on function api.sign_in_with_apple(text, text, boolean, text, text) to astapa_app;

create or replace function api.discard_apple_token(subject text, client_id text, refresh_token_sealed text)
  returns boolean
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    perform astapa.check_sealed_apple_token(client_id, refresh_token_sealed);
    -- A person this project knows by the subject keeps their identity and its token: revoking this one would
    -- end that whole authorization at Apple.
    if exists (select from astapa.identities as i
               where i.project_id = (select astapa.current_project_id()) and i.provider = 'apple'
                 and i.subject = discard_apple_token.subject) then
      return false;
    end if;
    perform astapa.queue_apple_revocation((select astapa.current_project_id()), client_id, refresh_token_sealed);
    return true;
  end
  $$;

comment on function api.discard_apple_token(text, text, text) is
  'The token of an Apple sign-in that made no account (a refused sign-up, an unknown person without an email) '
  'is queued for revocation, so Apple no longer lists the app for the person and asks again — sharing the '
  'email and name again — at their next sign-in. Nothing when an Apple identity of this project has the '
  'subject (true: queued). AS400 a malformed token or client_id.';

grant execute on function api.discard_apple_token(text, text, text) to astapa_app;

create or replace function astapa.queue_apple_token_revocation() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    perform astapa.queue_apple_revocation(old.project_id, old.token_client_id, old.refresh_token_sealed);
    return null;
  end
  $$;

comment on function astapa.queue_apple_token_revocation() is
  'Trigger: an Apple identity deleted with a stored refresh token — whatever deleted it: astapa.erase_user, '
  'api.unlink_sign_in_method (account page, dashboard, Platform API), a claim of the account — queues the '
  'token''s revocation in the same transaction (the sealed token and its Services ID only) and wakes the workers '
  '(NOTIFY astapa_apple_revocations with the project id).';

grant execute on function astapa.queue_apple_token_revocation() to astapa_app;

create or replace trigger identities_queue_apple_token_revocation after delete on astapa.identities
  for each row when (old.refresh_token_sealed is not null)
  execute function astapa.queue_apple_token_revocation();

create or replace function api.projects_with_due_apple_revocations(max_projects integer default 100) returns text[]
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    found_projects text[];
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Due Apple revocations are found across projects, not for one.';
    end if;
    perform pg_catalog.set_config('astapa.find_due_apple_revocations', 'on', true);
    select array(
      select r.project_id from astapa.apple_token_revocations as r
      where (r.status = 'pending' and r.next_attempt_at <= pg_catalog.now())
         or (r.status = 'sending' and r.lease_until <= pg_catalog.now())
      group by r.project_id
      order by min(r.next_attempt_at)
      limit max_projects) into found_projects;
    perform pg_catalog.set_config('astapa.find_due_apple_revocations', '', true);
    return found_projects;
  end
  $$;

comment on function api.projects_with_due_apple_revocations(integer) is
  'Which projects have Apple token revocations due, oldest first, so the worker can claim them per project (as '
  'the app role, under RLS). Security definer because the worker acts for no project yet: its set_config turns '
  'on the owner-only policy "definer functions find projects with due apple token revocations" for this one '
  'query and returns project ids only. Guard: refused while the transaction acts for a project.';

revoke execute on function api.projects_with_due_apple_revocations(integer) from public;
grant execute on function api.projects_with_due_apple_revocations(integer) to astapa_app;

create or replace function api.claim_apple_revocations(project_id text, max_revocations integer default 20,
                                                       lease_seconds integer default 60)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    claimed_until timestamptz := astapa.outbox_lease_until(max_revocations, lease_seconds, 'revocations');
    result jsonb;
  begin
    with due as (
        select r.id from astapa.apple_token_revocations as r
        where r.project_id = claim_apple_revocations.project_id
          and ((r.status = 'pending' and r.next_attempt_at <= pg_catalog.now())
               or (r.status = 'sending' and r.lease_until <= pg_catalog.now()))
        order by r.next_attempt_at, r.id
        limit max_revocations
        -- Another worker's claims are skipped, not waited for: each row goes to exactly one worker at a time.
        for update of r skip locked),
      claimed as (
        update astapa.apple_token_revocations as r
        set status = 'sending', attempts = r.attempts + 1, last_attempt_at = pg_catalog.now(),
            lease_until = claimed_until
        from due
        where r.project_id = claim_apple_revocations.project_id and r.id = due.id
        returning r.*)
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'id', c.id::text, 'attempt', c.attempts, 'client_id', c.client_id, 'token_sealed', c.token_sealed)
      order by c.id), '[]')
    into result from claimed as c;
    return result;
  end
  $$;

comment on function api.claim_apple_revocations(text, integer, integer) is
  'Claims up to max_revocations due Apple token revocations of the project (pending and due, or sending with an '
  'expired lease) for lease_seconds, counting an attempt each; returns what to send: client_id, token_sealed, '
  'attempt.';

grant execute on function api.claim_apple_revocations(text, integer, integer) to astapa_app;

create or replace function api.record_apple_revocation_attempt(project_id text, revocation_id bigint, attempt integer,
                                                               http_status integer, error text,
                                                               retry_in_seconds integer)
  returns text
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    tried record := astapa.outbox_attempt_result(http_status, record_apple_revocation_attempt.error,
                                                 retry_in_seconds);
    -- This outbox calls a delivered revocation revoked.
    outcome text := case when tried.status = 'delivered' then 'revoked' else tried.status end;
  begin
    -- Fencing: only the claim that made this attempt may record it (a lease that ran out was claimed again).
    perform from astapa.apple_token_revocations as r
    where r.project_id = record_apple_revocation_attempt.project_id and r.id = revocation_id
      and r.status = 'sending' and r.attempts = attempt
    for update;
    if not found then
      return null;
    end if;
    if outcome = 'revoked' then
      -- Done: nothing of it is kept.
      delete from astapa.apple_token_revocations as r
      where r.project_id = record_apple_revocation_attempt.project_id and r.id = revocation_id;
    else
      update astapa.apple_token_revocations as r
      set status = outcome,
          lease_until = null,
          -- Given up: the token goes; the row says what happened until the sweep below.
          token_sealed = case when outcome = 'failed' then null else r.token_sealed end,
          last_status = tried.last_status,
          last_error = tried.last_error,
          next_attempt_at = coalesce(tried.next_attempt_at, r.next_attempt_at)
      where r.project_id = record_apple_revocation_attempt.project_id and r.id = revocation_id;
    end if;
    delete from astapa.apple_token_revocations as r
    where r.project_id = record_apple_revocation_attempt.project_id and r.status = 'failed'
      and r.last_attempt_at < pg_catalog.now() - interval '30 days';
    return outcome;
  end
  $$;

comment on function api.record_apple_revocation_attempt(text, bigint, integer, integer, text, integer) is
  'Records how attempt number `attempt` of an Apple token revocation went: 2xx revoked (the row is deleted); '
  'otherwise pending again in retry_in_seconds, or failed when that is null (the sealed token is erased, the '
  'row kept with the last status and error; failed rows older than 30 days go). Returns the outcome, or null '
  'when the claim was no longer this attempt''s.';

grant execute on function api.record_apple_revocation_attempt(text, bigint, integer, integer, text, integer)
  to astapa_app;

create or replace function api.list_apple_revocations(max_revocations integer default 50) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'id', r.id::text, 'client_id', r.client_id, 'status', r.status, 'attempts', r.attempts,
      'last_status', r.last_status, 'last_error', r.last_error, 'created_at', r.created_at) order by r.id desc), '[]')
    from (select * from astapa.apple_token_revocations as x
          where x.project_id = (select astapa.current_project_id())
          order by x.id desc limit least(greatest(max_revocations, 1), 200)) as r
  $$;

comment on function api.list_apple_revocations(integer) is
  'The current project''s Apple token revocations not yet done or given up (at most 200, newest first), '
  'without their tokens.';

grant execute on function api.list_apple_revocations(integer) to astapa_app;

create or replace function astapa.apply_apple_event(user_id bigint, subject text, event jsonb) returns text
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    happened timestamptz := coalesce(pg_catalog.to_timestamp((event ->> 'event_time')::double precision),
                                     pg_catalog.now());
    methods jsonb;
    counts jsonb;
  begin
    if event ->> 'type' in ('email-disabled', 'email-enabled') then
      update astapa.identities as i
      set email_forwarding = event ->> 'type' = 'email-enabled', email_forwarding_at = happened
      where i.project_id = project and i.provider = 'apple' and i.subject = apply_apple_event.subject
        and (i.email_forwarding_at is null or i.email_forwarding_at <= happened);
      if not found then
        return 'ignored'; -- an older event than the one recorded
      end if;
      perform astapa.audit(project, 'identity.apple_email_forwarding', 'user:' || user_id,
        pg_catalog.jsonb_build_object('forwarding', event ->> 'type' = 'email-enabled'));
      return 'recorded';
    end if;
    -- consent-revoked or account-delete: Apple has ended the authorization, so its tokens are dead; the stored
    -- one is forgotten (nothing to revoke) before the identity may go.
    update astapa.identities as i set refresh_token_sealed = null, token_client_id = null
    where i.project_id = project and i.provider = 'apple' and i.subject = apply_apple_event.subject;
    methods := api.user_sign_in_methods(project, user_id);
    if exists (select from pg_catalog.jsonb_array_elements(methods) as m
               where m ->> 'provider' = 'apple' and m ->> 'subject' = apply_apple_event.subject
                 and (m ->> 'removable')::boolean) then
      delete from astapa.identities as i
      where i.project_id = project and i.provider = 'apple' and i.subject = apply_apple_event.subject;
      perform astapa.audit(project, 'identity.unlink', 'user:' || user_id,
        pg_catalog.jsonb_build_object('provider', 'apple', 'by', 'apple', 'event', event ->> 'type'));
      return 'unlinked';
    end if;
    -- Their last way in stays (they may sign in with Apple again and consent anew), but nothing signed in by it
    -- outlives the person's word: every session and refresh token ends.
    counts := astapa.void_ways_back(user_id, reason => 'apple_consent_revoked');
    perform astapa.audit(project, 'user.apple_consent_revoked', 'user:' || user_id,
      pg_catalog.jsonb_build_object('event', event ->> 'type') || counts);
    return 'signed_out';
  end
  $$;

comment on function astapa.apply_apple_event(bigint, text, jsonb) is
  'Applies one Sign in with Apple notification to the current project''s Apple identity `subject` of user_id: '
  'email-disabled/email-enabled record the private relay''s forwarding (unless an event of a later event_time '
  'was recorded; audited identity.apple_email_forwarding); consent-revoked and account-delete forget the stored '
  'refresh token and unlink the identity (audited identity.unlink by apple), or, when it is the last way in, '
  'end every session and refresh token (astapa.void_ways_back, reason apple_consent_revoked; audited '
  'user.apple_consent_revoked). Returns recorded, ignored, unlinked or signed_out.';

grant execute on function astapa.apply_apple_event(bigint, text, jsonb) to astapa_app;

create or replace function api.receive_apple_notification(audience text, deployment_client_id text, event_id text,
                                                           event jsonb)
  returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    apple_subject text := event ->> 'sub';
    targets jsonb;
    target record;
    outcomes jsonb := '[]';
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Apple notifications are received for the deployment, not one project.';
    end if;
    if audience is null or event_id is null or apple_subject is null
       or pg_catalog.length(apple_subject) not between 1 and 255
       or event ->> 'type' not in ('email-disabled', 'email-enabled', 'consent-revoked', 'account-delete') then
      raise exception using errcode = 'AS400', message = 'An Apple notification names its audience, event, type and sub.';
    end if;
    -- Both policies that let this look across projects are on until the targets are listed, then off again
    -- before any project's work.
    perform pg_catalog.set_config('astapa.find_apple_subjects', 'on', true);
    -- The audience must be a Services ID of this deployment: its own, or a project's own Apple app.
    if audience is distinct from deployment_client_id and not exists (
         select from astapa.projects as p
         where p.settings -> 'social_login' -> 'apple' ->> 'client_id' = audience) then
      perform pg_catalog.set_config('astapa.find_apple_subjects', '', true);
      return null;
    end if;
    -- Which projects hold this subject through this Services ID: the token was issued to it, or the project's
    -- Apple app is it now (its own, or the deployment's when it has none).
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('project_id', i.project_id,
             'user_id', i.user_id) order by i.project_id), '[]')
    into targets
    from astapa.identities as i join astapa.projects as p on p.id = i.project_id
    where i.provider = 'apple' and i.subject = apple_subject
      and (i.token_client_id = audience
           or coalesce(p.settings -> 'social_login' -> 'apple' ->> 'client_id',
                       receive_apple_notification.deployment_client_id) = audience);
    perform pg_catalog.set_config('astapa.find_apple_subjects', '', true);
    for target in select t.project_id, t.user_id
                  from pg_catalog.jsonb_to_recordset(targets) as t(project_id text, user_id bigint) loop
      perform pg_catalog.set_config('astapa.project_id', target.project_id, true);
      delete from astapa.apple_notifications as n
      where n.project_id = target.project_id and n.received_at < pg_catalog.now() - interval '2 days';
      insert into astapa.apple_notifications (project_id, event_id, type)
      values (target.project_id, receive_apple_notification.event_id, event ->> 'type')
      on conflict do nothing;
      outcomes := outcomes || pg_catalog.to_jsonb(case when found
        then astapa.apply_apple_event(target.user_id, apple_subject, event) else 'replayed' end);
      perform pg_catalog.set_config('astapa.project_id', '', true);
    end loop;
    return pg_catalog.jsonb_build_object('outcomes', outcomes);
  end
  $$;

comment on function api.receive_apple_notification(text, text, text, jsonb) is
  'A Sign in with Apple server-to-server notification whose signature the app verified: null when `audience` is '
  'no Services ID of the deployment (deployment_client_id, APPLE_CLIENT_ID) or of a project''s own Apple app; '
  'else applies the event (astapa.apply_apple_event) in each project holding the Apple subject through that '
  'Services ID, once per event_id and project (astapa.apple_notifications; a replay is ''replayed''), and returns '
  '{outcomes}. Security definer because it acts across projects: the owner-only policy "definer functions find '
  'apple identities by subject" is on only while it lists them, and each project''s work runs with that project '
  'set, under its policies (and "definer functions find projects by their apple services id" while it checks '
  'the audience). Guard: refused while the transaction acts for a project. AS400 a malformed event.';

revoke execute on function api.receive_apple_notification(text, text, text, jsonb) from public;
grant execute on function api.receive_apple_notification(text, text, text, jsonb) to astapa_app;
