-- Passwordless sign-in by email (issue 20): a 6-digit code plus a magic link in one mail. TypeScript makes the
-- code, the link's token and the mail; these functions keep the state every instance shares: which code is the
-- live one for a user, how many tries it has left (5, counted under a row lock), and that it is used once.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own email codes" on astapa.email_codes;
create policy "a project reads its own email codes" on astapa.email_codes
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project mails its own email codes" on astapa.email_codes;
create policy "a project mails its own email codes" on astapa.email_codes
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project uses up its own email codes" on astapa.email_codes;
create policy "a project uses up its own email codes" on astapa.email_codes
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

create or replace function astapa.email_code_sign_up() returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce((select p.settings -> 'email_code_sign_up' = 'true'::jsonb
                     from astapa.projects p where p.id = (select astapa.current_project_id())), false)
  $$;

comment on function astapa.email_code_sign_up() is
  'Whether the current project lets an email code create an account (settings.email_code_sign_up).';

grant execute on function astapa.email_code_sign_up() to astapa_app;

create or replace function api.mail_email_code(email text, code_hash bytea, link_hash bytea,
  sign_in_request text, subject text, body_text text, body_html text)
  returns boolean
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    found_user record;
    address text := pg_catalog.btrim(mail_email_code.email);
  begin
    -- Enforced SSO, before the address is looked up: the answer is the domain's, the same whether or not an
    -- account has the address (the page hands over to the IdP instead of mailing).
    perform astapa.assert_sso_not_required(astapa.current_project_id(), address);
    select u.id, u.email, u.disabled into found_user
    from astapa.users u join astapa.projects p on p.id = u.project_id
    where u.project_id = (select astapa.current_project_id()) and u.environment = p.mode
      and u.email_lower = pg_catalog.lower(address);
    if found then
      -- Silence, not an error, for a disabled account, or one whose unverified address sits beside a verified
      -- number (astapa.proof_signs_in: the number's owner confirms it from inside): the page answers the same.
      if found_user.disabled or not astapa.proof_signs_in(astapa.current_project_id(), found_user.id, 'email') then
        return false;
      end if;
      -- One live code per person: a new one voids the ones before it.
      update astapa.email_codes c set used_at = pg_catalog.now()
      where c.project_id = (select astapa.current_project_id()) and c.user_id = found_user.id and c.used_at is null;
      insert into astapa.email_codes (project_id, link_hash, user_id, code_hash, sign_in_request, expires_at)
      values (astapa.current_project_id(), link_hash, found_user.id, code_hash, sign_in_request,
        pg_catalog.now() + interval '10 minutes');
      perform api.queue_mail(found_user.email, subject, body_text, 'email_code', body_html);
      return true;
    end if;
    -- Nobody has the address: a code that creates the account, where the project allows it (else silence).
    if not astapa.email_code_sign_up() or pg_catalog.length(address) > 254
       or address !~ '^[^@[:space:]]+@[^@[:space:]]+[.][^@[:space:]]+$' then
      return false;
    end if;
    update astapa.email_codes c set used_at = pg_catalog.now()
    where c.project_id = (select astapa.current_project_id()) and c.user_id is null
      and pg_catalog.lower(c.email) = pg_catalog.lower(address) and c.used_at is null;
    -- The sign-up form's "I agree", ticked when the code was asked for, goes with it: the magic link, opened from
    -- the mail, has no box of its own (astapa.use_email_code).
    insert into astapa.email_codes (project_id, link_hash, email, code_hash, sign_in_request, expires_at,
                                    legal_consent)
    values (astapa.current_project_id(), link_hash, address, code_hash, sign_in_request,
      pg_catalog.now() + interval '10 minutes', astapa.legal_consent_given());
    perform api.queue_mail(address, subject, body_text, 'email_code', body_html);
    return true;
  end
  $$;

comment on function api.mail_email_code(text, bytea, bytea, text, text, text, text) is
  'Mails a sign-in code and magic link to the enabled user behind an email (current project and environment), '
  'voiding their earlier codes; 10 minutes, 5 tries. For an address without a user, where '
  'settings.email_code_sign_up allows, a code that creates the account when redeemed, keeping the sign-up form''s '
  'consent to the terms when given (astapa.legal_consent_given). Returns false, silently, '
  'when nobody qualifies (a disabled user; one whose address does not sign in: astapa.proof_signs_in). AS4E0 '
  'for any address at a domain that signs in through SSO (astapa.assert_sso_not_required), before any lookup.';

grant execute on function api.mail_email_code(text, bytea, bytea, text, text, text, text) to astapa_app;

create or replace function api.redeem_email_code(email text, code_hash bytea, held_token_hash bytea default null,
  sign_in_request text default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    live astapa.email_codes;
  begin
    -- The person's live code, locked: two instances given guesses for it count them one after the other.
    select c.* into live from astapa.email_codes c
    join astapa.users u on u.project_id = c.project_id and u.id = c.user_id
    join astapa.projects p on p.id = c.project_id
    where c.project_id = (select astapa.current_project_id()) and c.used_at is null and c.expires_at > pg_catalog.now()
      and c.tries < 5 and not u.disabled and u.environment = p.mode
      and u.email_lower = pg_catalog.lower(pg_catalog.btrim(redeem_email_code.email))
    for update of c;
    if not found then
      -- Or the address's live sign-up code (the project lets codes create accounts).
      select c.* into live from astapa.email_codes c
      where c.project_id = (select astapa.current_project_id()) and c.user_id is null and c.used_at is null
        and c.expires_at > pg_catalog.now() and c.tries < 5 and astapa.email_code_sign_up()
        and pg_catalog.lower(c.email) = pg_catalog.lower(pg_catalog.btrim(redeem_email_code.email))
      for update of c;
      if not found then
        return null;
      end if;
    end if;
    if live.code_hash <> redeem_email_code.code_hash then
      update astapa.email_codes c set tries = c.tries + 1
      where c.project_id = live.project_id and c.link_hash = live.link_hash;
      return null;
    end if;
    return astapa.use_email_code(live, redeem_email_code.held_token_hash, redeem_email_code.sign_in_request);
  end
  $$;

comment on function api.redeem_email_code(text, bytea, bytea, text) is
  'Signs in with the 6-digit code mailed to this address: the user id and their email now verified (a sign-up '
  'code creates the user), or null (wrong — one of 5 tries spent —, used, expired, voided by a newer code, or '
  'nobody). held_token_hash, sign_in_request: where a new account missing only consent is held '
  '(astapa.use_email_code).';

grant execute on function api.redeem_email_code(text, bytea, bytea, text) to astapa_app;

create or replace function astapa.use_email_code(live astapa.email_codes, held_token_hash bytea default null,
  sign_in_request text default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    person bigint := live.user_id;
    created boolean := false;
    claimed jsonb;
  begin
    -- A code mailed before the organization turned SSO on signs nobody in at its domain now.
    perform astapa.assert_sso_not_required(live.project_id, live.email);
    perform astapa.assert_user_not_sso(live.project_id, person);
    update astapa.email_codes c set used_at = pg_catalog.now()
    where c.project_id = live.project_id and c.link_hash = live.link_hash;
    if person is null then
      -- A sign-up code: the mailbox answered, so the account is created verified. Someone who signed up with
      -- the address since the code was mailed is that person: they are signed in, unless disabled.
      -- Consent given when the code was asked for (api.mail_email_code) is the person's, whether the code or the
      -- link is used now; set for this transaction, the redemption's own.
      if live.legal_consent then
        perform pg_catalog.set_config('astapa.sign_up_legal_consent', 'true', true);
      end if;
      begin
        -- A guest's sign-up keeps the guest's row (astapa.sign_up_with_proven_email; docs/anonymous-users.md).
        person := astapa.sign_up_with_proven_email(live.project_id, live.email, 'email_code');
        created := true;
        -- After the insert, so an account made meanwhile (AS409 below) still signs in; a refusal rolls it back.
        perform astapa.assert_sign_up_allowed(live.project_id, live.email);
      exception
      when sqlstate 'AS4N7' then
        -- Only the terms are missing, and the caller can ask for them (a token for the consent step): the code
        -- stays used up and the address it proved is held there, verified, with the request's guest and
        -- invitation (docs/hosted-login.md#legal-consent-at-sign-up). The account made above is rolled back.
        if use_email_code.held_token_hash is null then
          raise;
        end if;
        insert into astapa.held_social_sign_ups (project_id, token_hash, kind, email, email_verified, sign_in_request,
                                                 guest_id, invitation, expires_at)
        values (live.project_id, use_email_code.held_token_hash, 'email', live.email, true,
                coalesce(use_email_code.sign_in_request, live.sign_in_request), astapa.signing_up_guest(),
                nullif(pg_catalog.current_setting('astapa.sign_up_invitation', true), ''),
                pg_catalog.now() + interval '10 minutes');
        return pg_catalog.jsonb_build_object('user_id', null, 'created', false, 'held', true);
      when sqlstate 'AS409' then
        select u.id into person from astapa.users u join astapa.projects p on p.id = u.project_id
        where u.project_id = live.project_id and u.environment = p.mode and not u.disabled
          and u.email_lower = pg_catalog.lower(live.email);
        if person is null then
          return null;
        end if;
      end;
    end if;
    -- An address left unverified beside a verified number is not a way in (the code may have been mailed before
    -- the number was proven): refused as a used code.
    if not astapa.proof_signs_in(live.project_id, person, 'email') then
      return null;
    end if;
    -- The mailbox answered: the address is the person's, and so is an account that had not proven it, with only
    -- what was proven left on it (astapa.claim_unproven_account).
    claimed := astapa.claim_unproven_account(live.project_id, person, 'email');
    perform astapa.audit(live.project_id, 'sign_in.email_code', 'user:' || person,
      case when created then '{"created": true}'::jsonb
           when claimed is not null then '{"claimed": true}'::jsonb else '{}'::jsonb end);
    -- created: the page offers a new person a passkey next, as after a password sign-up. claimed: what the claim
    -- removed and the address, so the caller can tell the person in their language (astapa.claim_notice).
    return pg_catalog.jsonb_build_object('user_id', person::text, 'created', created)
      || astapa.claim_notice(live.project_id, person, claimed);
  end
  $$;

comment on function astapa.use_email_code(astapa.email_codes, bytea, text) is
  'Uses up a live email code (by code or link), creates the user of a sign-up code (verified; the guest a sign-up '
  'keeps, converted: astapa.sign_up_with_proven_email; with the consent to the terms the code was asked with, '
  'email_codes.legal_consent), verifies the '
  'address (an account that had not proven it is claimed: astapa.claim_unproven_account), audits '
  'sign_in.email_code ({created: true} for a new account, {claimed: true} for a claimed one); returns '
  '{user_id, created}, plus {claimed: what the claim removed (counts per kind), email} when it claimed the '
  'account and removed something; null (the code used up) when the address does not sign in '
  '(astapa.proof_signs_in: unverified beside a verified number). AS4E0 (nothing used up) when the address is at '
  'a domain that signs in through SSO (astapa.assert_sso_not_required). A new account the project asks consent '
  'for, not given (AS4N7, the code unspent), is held instead when held_token_hash is given: the code spent, the '
  'address kept verified 10 minutes with sign_in_request (else the code''s) under that hash for '
  'api.sign_up_with_held_identity, answering {user_id: null, created: false, held: true}.';

grant execute on function astapa.use_email_code(astapa.email_codes, bytea, text) to astapa_app;

create or replace function api.email_code_link(link_hash bytea) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('sign_in_request', c.sign_in_request,
      'usable', c.used_at is null and c.expires_at > pg_catalog.now() and c.tries < 5
        and (c.user_id is null or astapa.proof_signs_in(c.project_id, c.user_id, 'email')))
    from astapa.email_codes c
    where c.project_id = (select astapa.current_project_id()) and c.link_hash = email_code_link.link_hash
  $$;

comment on function api.email_code_link(bytea) is
  'What a magic link opens (its authorization request) and whether it still signs in (not when its address '
  'does not: astapa.proof_signs_in); null for an unknown token. Reading it changes nothing: the page asks for '
  'a button press first.';

grant execute on function api.email_code_link(bytea) to astapa_app;

create or replace function api.redeem_email_code_link(link_hash bytea, held_token_hash bytea default null,
  sign_in_request text default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    live astapa.email_codes;
  begin
    select c.* into live from astapa.email_codes c
    left join astapa.users u on u.project_id = c.project_id and u.id = c.user_id
    join astapa.projects p on p.id = c.project_id
    where c.project_id = (select astapa.current_project_id()) and c.link_hash = redeem_email_code_link.link_hash
      and c.used_at is null and c.expires_at > pg_catalog.now() and c.tries < 5
      and (case when c.user_id is null then astapa.email_code_sign_up()
                else not u.disabled and u.environment = p.mode end)
    for update of c;
    if not found then
      return null;
    end if;
    return astapa.use_email_code(live, redeem_email_code_link.held_token_hash, redeem_email_code_link.sign_in_request);
  end
  $$;

comment on function api.redeem_email_code_link(bytea, bytea, text) is
  'Signs in with the magic link of a live email code (the same code, used up): the user id, or null. '
  'held_token_hash, sign_in_request: where a new account missing only consent is held (astapa.use_email_code), '
  'in the browser that opened the link.';

grant execute on function api.redeem_email_code_link(bytea, bytea, text) to astapa_app;
