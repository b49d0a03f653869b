-- Legal consent after a first social sign-in, phone code or emailed code
-- (docs/hosted-login.md#legal-consent-at-sign-up): a sign-in from the sign-in page that would make an account the
-- project asks consent for (AS4N7) is held, the identity or the proven number or address kept here, while the person
-- is asked to agree; agreeing signs in with it, once, within 10 minutes. Phone rows are held by api.check_phone_code
-- (db/api/phone.sql), email rows by astapa.use_email_code (db/api/email_codes.sql); both use the code up.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own held social sign ups" on astapa.held_social_sign_ups;
create policy "a project reads its own held social sign ups" on astapa.held_social_sign_ups
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project holds its own social sign ups" on astapa.held_social_sign_ups;
create policy "a project holds its own social sign ups" on astapa.held_social_sign_ups
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project uses up its own held social sign ups" on astapa.held_social_sign_ups;
create policy "a project uses up its own held social sign ups" on astapa.held_social_sign_ups
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "the sweeper finds expired held social sign ups" on astapa.held_social_sign_ups;
create policy "the sweeper finds expired held social sign ups" on astapa.held_social_sign_ups
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

drop policy if exists "the sweeper removes expired held social sign ups" on astapa.held_social_sign_ups;
create policy "the sweeper removes expired held social sign ups" on astapa.held_social_sign_ups
  for delete to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

create or replace function api.hold_social_sign_up(token_hash bytea, provider text, subject text, email text,
  email_verified boolean, profile jsonb, sign_in_request text, guest_id bigint, invitation text,
  token_client_id text, refresh_token_sealed text)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if hold_social_sign_up.refresh_token_sealed is not null then
      perform astapa.check_sealed_apple_token(hold_social_sign_up.token_client_id,
                                              hold_social_sign_up.refresh_token_sealed);
    end if;
    insert into astapa.held_social_sign_ups (project_id, token_hash, provider, subject, email, email_verified,
                                             profile, sign_in_request, guest_id, invitation, token_client_id,
                                             refresh_token_sealed, expires_at)
    values (astapa.current_project_id(), hold_social_sign_up.token_hash, hold_social_sign_up.provider,
            hold_social_sign_up.subject, hold_social_sign_up.email, hold_social_sign_up.email_verified,
            coalesce(hold_social_sign_up.profile, '{}'::jsonb), hold_social_sign_up.sign_in_request,
            hold_social_sign_up.guest_id, hold_social_sign_up.invitation,
            case when hold_social_sign_up.refresh_token_sealed is not null then hold_social_sign_up.token_client_id
            end,
            hold_social_sign_up.refresh_token_sealed, pg_catalog.now() + interval '10 minutes');
  end
  $$;

comment on function api.hold_social_sign_up(bytea, text, text, text, boolean, jsonb, text, bigint, text, text, text)
  is
  'Holds a first social sign-in refused for want of consent (AS4N7) for 10 minutes: the identity the provider '
  'proved (as api.sign_in_with_identity takes it, with its profile claims), the authorization request with '
  'the guest and invitation the callback read from it, and Apple''s refresh token (sealed by the app, with the '
  'Services ID it was issued to, as api.sign_in_with_apple takes them), under the hash of a token the browser '
  'keeps. api.sign_up_with_held_identity finishes it once the person agrees. AS400 a malformed sealed token.';

grant execute on function api.hold_social_sign_up(bytea, text, text, text, boolean, jsonb, text, bigint, text, text,
  text) to astapa_app;

create or replace function api.held_social_sign_up(token_hash bytea) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('kind', h.kind, 'provider', h.provider, 'sign_in_request', h.sign_in_request,
      'usable', h.used_at is null and h.expires_at > pg_catalog.now())
    from astapa.held_social_sign_ups h
    where h.project_id = (select astapa.current_project_id()) and h.token_hash = held_social_sign_up.token_hash
  $$;

comment on function api.held_social_sign_up(bytea) is
  'The kind (social, phone, email), provider (null for phone and email) and authorization request of a held sign-in of the current '
  'project, and whether it can still be finished (unused, unexpired); null for a token the project never held. '
  'Reading changes nothing.';

grant execute on function api.held_social_sign_up(bytea) to astapa_app;

create or replace function astapa.sign_up_with_held_phone(held astapa.held_social_sign_ups)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    settings jsonb := astapa.phone_settings(held.project_id);
    new_id bigint;
  begin
    -- Phone sign-in or its sign-ups turned off meanwhile: no account, as the code would say now; nothing used.
    if not coalesce((settings ->> 'enabled')::boolean, false) or not (settings ->> 'signup')::boolean then
      return pg_catalog.jsonb_build_object('status', 'no_account', 'kind', 'phone');
    end if;
    -- The number on an account meanwhile (another tab's sign-up, the app's Platform API): this step makes a new
    -- account and signs in to nobody else's; a new code signs in to that one. Nothing used.
    if exists (select from astapa.users u
               where u.project_id = held.project_id and u.environment = settings ->> 'mode'
                 and u.phone_number = held.phone_number) then
      return pg_catalog.jsonb_build_object('status', 'taken', 'kind', 'phone');
    end if;
    begin
      update astapa.held_social_sign_ups h set used_at = pg_catalog.now()
      where h.project_id = held.project_id and h.token_hash = held.token_hash;
      -- The consent itself comes with the request (astapa.legal_consent_given); other refusals raise, nothing used.
      perform astapa.assert_sign_up_allowed(held.project_id, null);
      new_id := astapa.sign_up_by_phone(held.project_id, settings, held.phone_number);
    exception
      when sqlstate 'AS4N7' then
        return pg_catalog.jsonb_build_object('status', 'consent_missing');
      when sqlstate 'AS409' then
        -- The guest's row met the number on another account (astapa.convert_guest): taken, as above.
        return pg_catalog.jsonb_build_object('status', 'taken', 'kind', 'phone');
    end;
    return pg_catalog.jsonb_build_object('status', 'signed_in', 'kind', 'phone', 'user_id', new_id::text,
      'created', true, 'linked', false, 'channel', held.channel, 'sign_in_request', held.sign_in_request);
  end
  $$;

comment on function astapa.sign_up_with_held_phone(astapa.held_social_sign_ups) is
  'api.sign_up_with_held_identity for a held phone sign-in (the row, unused, unexpired, locked; the caller set the '
  'audit actor and the held guest and invitation): the account the code would have made '
  '(astapa.sign_up_by_phone), verified number and legal_accepted_at. {status: signed_in, kind: phone, user_id, '
  'created, channel, sign_in_request}; {status: no_account, kind: phone} when phone sign-in or its sign-ups are off '
  'now; {status: taken, kind: phone} when an account has the number now; {status: consent_missing}; other sign-up '
  'refusals raise. Only signed_in uses the row.';

grant execute on function astapa.sign_up_with_held_phone(astapa.held_social_sign_ups) to astapa_app;

create or replace function astapa.sign_up_with_held_email(held astapa.held_social_sign_ups)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    new_id bigint;
  begin
    -- Email codes or their sign-ups turned off meanwhile: no account, as a new code would say now; nothing used.
    if not astapa.email_code_sign_up() then
      return pg_catalog.jsonb_build_object('status', 'no_account', 'kind', 'email');
    end if;
    -- The address on an account meanwhile (another tab's sign-up, the app's Platform API): this step makes a new
    -- account and signs in to nobody else's; a new code signs in to that one. Nothing used.
    if exists (select from astapa.users u join astapa.projects p on p.id = u.project_id
               where u.project_id = held.project_id and u.environment = p.mode
                 and u.email_lower = pg_catalog.lower(held.email)) then
      return pg_catalog.jsonb_build_object('status', 'taken', 'kind', 'email');
    end if;
    perform astapa.assert_sso_not_required(held.project_id, held.email);
    begin
      update astapa.held_social_sign_ups h set used_at = pg_catalog.now()
      where h.project_id = held.project_id and h.token_hash = held.token_hash;
      new_id := astapa.sign_up_with_proven_email(held.project_id, held.email, 'email_code');
      -- The consent itself comes with the request (astapa.legal_consent_given); other refusals raise, nothing used.
      perform astapa.assert_sign_up_allowed(held.project_id, held.email);
    exception
      when sqlstate 'AS4N7' then
        return pg_catalog.jsonb_build_object('status', 'consent_missing');
      when sqlstate 'AS409' then
        -- Taken between the check above and the insert: as above.
        return pg_catalog.jsonb_build_object('status', 'taken', 'kind', 'email');
    end;
    perform astapa.audit(held.project_id, 'sign_in.email_code', 'user:' || new_id, '{"created": true}'::jsonb);
    return pg_catalog.jsonb_build_object('status', 'signed_in', 'kind', 'email', 'user_id', new_id::text,
      'created', true, 'linked', false, 'sign_in_request', held.sign_in_request);
  end
  $$;

comment on function astapa.sign_up_with_held_email(astapa.held_social_sign_ups) is
  'api.sign_up_with_held_identity for a held email code (the row, unused, unexpired, locked; the caller set the '
  'audit actor and the held guest and invitation): the account the code would have made '
  '(astapa.sign_up_with_proven_email: verified address, the held guest converted) with legal_accepted_at, audited '
  'sign_in.email_code {created: true}. {status: signed_in, kind: email, user_id, created, sign_in_request}; '
  '{status: no_account, kind: email} when email-code sign-ups are off now; {status: taken, kind: email} when an '
  'account has the address now; {status: consent_missing}; other sign-up refusals (and AS4E0, SSO required at the '
  'domain now) raise. Only signed_in uses the row.';

grant execute on function astapa.sign_up_with_held_email(astapa.held_social_sign_ups) to astapa_app;

create or replace function api.sign_up_with_held_identity(token_hash bytea)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    held astapa.held_social_sign_ups;
    outcome jsonb;
  begin
    select h.* into held from astapa.held_social_sign_ups h
    where h.project_id = (select astapa.current_project_id())
      and h.token_hash = sign_up_with_held_identity.token_hash
      and h.used_at is null and h.expires_at > pg_catalog.now()
    for update of h;
    if not found then
      return pg_catalog.jsonb_build_object('status', 'expired');
    end if;
    -- The held request's, not the page's: the sign-up rules see the invitation and the guest the callback or the
    -- code's check read from it, and the audit log names the way in as that path would (hosted_login, with the
    -- provider that proved a social identity).
    perform pg_catalog.set_config('astapa.actor',
      'hosted_login' || case when held.kind = 'social' then ':' || held.provider else '' end, true);
    perform pg_catalog.set_config('astapa.sign_up_invitation', coalesce(held.invitation, ''), true);
    perform pg_catalog.set_config('astapa.sign_up_guest', coalesce(held.guest_id::text, ''), true);
    if held.kind = 'phone' then
      return astapa.sign_up_with_held_phone(held);
    end if;
    if held.kind = 'email' then
      return astapa.sign_up_with_held_email(held);
    end if;
    begin
      -- Used whatever follows; a refusal rolls it back, and the held sign-in stays until it expires (the page
      -- says why, as the provider's callback would have).
      -- Apple's token moves to the identity (api.sign_in_with_apple): the row keeps none once used.
      update astapa.held_social_sign_ups h
      set used_at = pg_catalog.now(), refresh_token_sealed = null, token_client_id = null
      where h.project_id = held.project_id and h.token_hash = held.token_hash;
      -- The consent itself comes with the request (astapa.legal_consent_given).
      outcome := case
        when held.refresh_token_sealed is not null
          then api.sign_in_with_apple(held.subject, held.email, held.email_verified, held.token_client_id,
                                      held.refresh_token_sealed)
        when held.guest_id is null
          then api.sign_in_with_identity(held.provider, held.subject, held.email, held.email_verified)
        else api.sign_up_guest_with_identity(held.guest_id, held.provider, held.subject, held.email,
                                             held.email_verified)
      end;
    exception when sqlstate 'AS4N7' then
      -- Without it the account is refused again, as at the callback: the page asks again, nothing used.
      return pg_catalog.jsonb_build_object('status', 'consent_missing');
    end;
    if (outcome ->> 'created')::boolean or (outcome ->> 'linked')::boolean then
      perform api.fill_profile((outcome ->> 'user_id')::bigint, held.provider, held.profile);
    end if;
    return outcome || pg_catalog.jsonb_build_object('status', 'signed_in', 'kind', 'social', 'provider', held.provider,
      'sign_in_request', held.sign_in_request);
  end
  $$;

comment on function api.sign_up_with_held_identity(bytea) is
  'Finishes a held social sign-in (api.hold_social_sign_up) of the current project once: marks it used and signs '
  'in with its identity as api.sign_in_with_identity does (api.sign_up_guest_with_identity for its guest; '
  'api.sign_in_with_apple with its Apple token, kept on the identity), with its invitation, filling the profile '
  'of a new or newly linked user; the audit actor hosted_login:<provider> (hosted_login for a phone or email code). '
  'Returns {status: signed_in, kind: social, user_id, created, linked, provider, sign_in_request: the held '
  'authorization request, to finish the sign-in with}; {status: expired} when the token is unknown, used or '
  'expired; {status: consent_missing} when the account needs the person''s consent '
  '(astapa.legal_consent_given) and it was not given (nothing used). Other refusals raise as '
  'api.sign_in_with_identity''s, and nothing is used. A held phone sign-in: astapa.sign_up_with_held_phone; a held '
  'email code: astapa.sign_up_with_held_email.';

grant execute on function api.sign_up_with_held_identity(bytea) to astapa_app;
