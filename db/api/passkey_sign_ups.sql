-- Sign-up on a passkeys-only project (issue 20): a mailed code proves the address, then a passkey must be
-- registered before the app hears of a sign-in. TypeScript makes the code, the token and the mail and checks
-- the attestation; these functions keep what every instance shares: the live attempt per address, its 5 tries
-- (counted under a row lock), that a proof is used once, and that the passkey lands on the proven person.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own passkey sign ups" on astapa.passkey_sign_ups;
create policy "a project reads its own passkey sign ups" on astapa.passkey_sign_ups
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project starts its own passkey sign ups" on astapa.passkey_sign_ups;
create policy "a project starts its own passkey sign ups" on astapa.passkey_sign_ups
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project advances its own passkey sign ups" on astapa.passkey_sign_ups;
create policy "a project advances its own passkey sign ups" on astapa.passkey_sign_ups
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project clears its own old passkey sign ups" on astapa.passkey_sign_ups;
create policy "a project clears its own old passkey sign ups" on astapa.passkey_sign_ups
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create or replace function astapa.passkey_sign_up_open(project text, user_id bigint) returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    select exists (
      select from astapa.users u join astapa.projects p on p.id = u.project_id
      where u.project_id = passkey_sign_up_open.project and u.id = passkey_sign_up_open.user_id
        and u.environment = p.mode and not u.disabled
        and astapa.proof_signs_in(u.project_id, u.id, 'email')
        and not exists (select from astapa.passkeys k where k.project_id = u.project_id and k.user_id = u.id)
        and not exists (select from astapa.user_factors f where f.project_id = u.project_id
                        and f.user_id = u.id and f.confirmed_at is not null))
  $$;

comment on function astapa.passkey_sign_up_open(text, bigint) is
  'Whether an existing account may gain its first passkey by proving its mailbox (passkey sign-up): enabled, '
  'in the project''s current environment, with no passkey and no confirmed second factor (a mailbox alone '
  'must not get past either), and an address that signs in (astapa.proof_signs_in: not an unverified one '
  'beside a verified number).';

grant execute on function astapa.passkey_sign_up_open(text, bigint) to astapa_app;

create or replace function api.mail_passkey_sign_up_code(email text, token_hash bytea, code_hash bytea,
  subject text, body_text text, body_html text)
  returns boolean
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    address text := pg_catalog.btrim(mail_passkey_sign_up_code.email);
    found_user record;
    project text := astapa.current_project_id();
  begin
    -- Enforced SSO, before the address is looked up: the same answer for everyone at the domain.
    perform astapa.assert_sso_not_required(project, address);
    if pg_catalog.length(address) > 254 or address !~ '^[^@[:space:]]+@[^@[:space:]]+[.][^@[:space:]]+$' then
      return false;
    end if;
    select u.id into found_user
    from astapa.users u join astapa.projects p on p.id = u.project_id
    where u.project_id = project and u.environment = p.mode and u.email_lower = pg_catalog.lower(address);
    -- Someone who has a passkey signs in with it; a disabled account, one with a second factor, or one whose
    -- unverified address sits beside a verified number (astapa.proof_signs_in), gets nothing. Silence, not an
    -- error: the page answers the same for every address. An account with no way in
    -- yet (an abandoned sign-up, one from before passwords were turned off) may prove the address and add its
    -- first passkey.
    if found and not astapa.passkey_sign_up_open(project, found_user.id) then
      return false;
    end if;
    -- Attempts go as new ones come: the table holds minutes of sign-ups, not history.
    delete from astapa.passkey_sign_ups s
    where s.project_id = project and s.expires_at < pg_catalog.now() - interval '1 hour';
    -- One live attempt per address: a new code voids the ones before it.
    update astapa.passkey_sign_ups s set expires_at = s.created_at + interval '1 microsecond'
    where s.project_id = project and pg_catalog.lower(s.email) = pg_catalog.lower(address)
      and s.finished_at is null and s.expires_at > pg_catalog.now();
    insert into astapa.passkey_sign_ups (project_id, token_hash, email, user_id, code_hash, expires_at)
    values (project, token_hash, address, found_user.id, code_hash, pg_catalog.now() + interval '10 minutes');
    perform api.queue_mail(address, subject, body_text, 'passkey_sign_up', body_html);
    return true;
  end
  $$;

comment on function api.mail_passkey_sign_up_code(text, bytea, bytea, text, text, text) is
  'Starts a sign-up on a passkeys-only project: mails the code (10 minutes, 5 tries) to an address without '
  'an account, or to an enabled account with no passkey, voiding the address''s earlier attempts. Returns '
  'false, silently, for a malformed address, a disabled account, one that has a passkey, or one the address '
  'does not sign in to (astapa.passkey_sign_up_open). AS4E0 for an address at a domain that signs in through '
  'SSO (astapa.assert_sso_not_required), before any lookup.';

grant execute on function api.mail_passkey_sign_up_code(text, bytea, bytea, text, text, text) to astapa_app;

create or replace function api.prove_passkey_sign_up(token_hash bytea, code_hash bytea) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    live astapa.passkey_sign_ups;
    person bigint;
    created boolean := false;
    claimed jsonb;
  begin
    -- Locked: two instances given guesses for one attempt count them one after the other.
    select s.* into live from astapa.passkey_sign_ups s
    where s.project_id = (select astapa.current_project_id()) and s.token_hash = prove_passkey_sign_up.token_hash
      and s.proven_at is null and s.expires_at > pg_catalog.now() and s.tries < 5
    for update;
    if not found then
      return null;
    end if;
    if live.code_hash <> prove_passkey_sign_up.code_hash then
      update astapa.passkey_sign_ups s set tries = s.tries + 1
      where s.project_id = live.project_id and s.token_hash = live.token_hash;
      return null;
    end if;
    -- Mailed before the organization turned SSO on: no account at its domain now (nothing spent).
    perform astapa.assert_sso_not_required(live.project_id, live.email);
    person := live.user_id;
    if person is null then
      -- The mailbox answered: the account is created verified, with no way in until its passkey is stored.
      begin
        -- A guest's sign-up keeps the guest's row (astapa.sign_up_with_proven_email; docs/anonymous-users.md).
        person := astapa.sign_up_with_proven_email(live.project_id, live.email, 'passkey');
        created := true;
        -- After the insert, so an account made meanwhile (AS409 below) still opens; a refusal rolls it back.
        perform astapa.assert_sign_up_allowed(live.project_id, live.email);
      exception when sqlstate 'AS409' then
        -- Someone signed up with the address since the code was mailed: theirs, if it may still be opened.
        select u.id into person from astapa.users u join astapa.projects p on p.id = u.project_id
        where u.project_id = live.project_id and u.environment = p.mode
          and u.email_lower = pg_catalog.lower(live.email);
      end;
    end if;
    -- Checked again now: the account may have gained a passkey or a factor, or been disabled, since the mail.
    if person is null or not astapa.passkey_sign_up_open(live.project_id, person) then
      update astapa.passkey_sign_ups s set expires_at = s.created_at + interval '1 microsecond'
      where s.project_id = live.project_id and s.token_hash = live.token_hash;
      return null;
    end if;
    -- The mailbox answered: an existing account that had not proven the address becomes the person's, with only
    -- what was proven left on it (astapa.claim_unproven_account verifies it).
    claimed := astapa.claim_unproven_account(live.project_id, person, 'email');
    -- A user this sign-up made is left out of user lists, and swept 7 days on, until its first passkey
    -- (migration 4070); one awaiting it from an earlier attempt starts its 7 days again.
    update astapa.users u set awaiting_passkey_since = pg_catalog.now()
    where u.project_id = live.project_id and u.id = person and (created or u.awaiting_passkey_since is not null);
    update astapa.passkey_sign_ups s
    set user_id = person, proven_at = pg_catalog.now(), expires_at = pg_catalog.now() + interval '15 minutes'
    where s.project_id = live.project_id and s.token_hash = live.token_hash;
    perform astapa.audit(live.project_id, 'sign_up.email_proven', 'user:' || person,
      pg_catalog.jsonb_build_object('created', live.user_id is null));
    -- claimed: what the claim removed and the address, so the page tells the person (astapa.claim_notice).
    return pg_catalog.jsonb_build_object('user_id', person::text)
      || astapa.claim_notice(live.project_id, person, claimed);
  end
  $$;

comment on function api.prove_passkey_sign_up(bytea, bytea) is
  'Checks the code of a live sign-up attempt: right, the address is verified (the user created, verified, '
  'when new — the guest a sign-up keeps, converted: astapa.sign_up_with_proven_email —, awaiting its passkey: '
  'users.awaiting_passkey_since; an existing account that had not proven it is '
  'claimed: astapa.claim_unproven_account) and the attempt has 15 minutes to register a '
  'passkey: {user_id}, plus {claimed: what the claim removed, email} when it claimed and removed something '
  '(astapa.claim_notice); wrong (one of 5 tries spent), '
  'used, expired, voided or unknown: null. Audited as sign_up.email_proven. AS4E0 when the address is at a '
  'domain that signs in through SSO (astapa.assert_sso_not_required).';

grant execute on function api.prove_passkey_sign_up(bytea, bytea) to astapa_app;

create or replace function astapa.proven_passkey_sign_up(token_hash bytea) returns astapa.passkey_sign_ups
  language sql
  stable
  set search_path = ''
  as $$
    select s.* from astapa.passkey_sign_ups s
    where s.project_id = (select astapa.current_project_id()) and s.token_hash = proven_passkey_sign_up.token_hash
      and s.proven_at is not null and s.finished_at is null and s.expires_at > pg_catalog.now()
      and astapa.passkey_sign_up_open(s.project_id, s.user_id)
  $$;

comment on function astapa.proven_passkey_sign_up(bytea) is
  'The proven, unfinished, live sign-up attempt behind a token hash whose user may still gain a first passkey '
  '(astapa.passkey_sign_up_open), or a row of nulls.';

grant execute on function astapa.proven_passkey_sign_up(bytea) to astapa_app;

create or replace function api.start_passkey_sign_up_challenge(token_hash bytea, challenge_hash bytea,
  address text default null, per_minute integer default 30)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    proven astapa.passkey_sign_ups := astapa.proven_passkey_sign_up(token_hash);
    wait integer;
  begin
    if proven.user_id is null then
      raise exception using errcode = 'AS403', message = 'This sign-up has expired. Start again.';
    end if;
    -- The same bucket as every other passkey option request from the address.
    if address is not null then
      wait := api.rate_limit_hit('passkey_options:address:' || astapa.address_bucket(address), per_minute, 60);
      if wait > 0 then
        return pg_catalog.jsonb_build_object('wait', wait);
      end if;
    end if;
    insert into astapa.webauthn_challenges (project_id, challenge_hash, purpose, user_id, expires_at)
    values (proven.project_id, challenge_hash, 'register', proven.user_id, pg_catalog.now() + interval '5 minutes');
    return pg_catalog.jsonb_build_object('wait', 0, 'user_id', proven.user_id::text, 'user_name', proven.email);
  end
  $$;

comment on function api.start_passkey_sign_up_challenge(bytea, bytea, text, integer) is
  'Opens a register challenge (5 minutes) for the user of a proven sign-up attempt: {wait: 0, user_id, '
  'user_name}; with address, at most per_minute option requests a minute from it ({wait: seconds}, nothing '
  'opened); AS403 when the attempt is not proven, finished, expired or its user disabled.';

grant execute on function api.start_passkey_sign_up_challenge(bytea, bytea, text, integer) to astapa_app;

create or replace function api.finish_passkey_sign_up(token_hash bytea, user_id bigint, credential_id bytea,
  public_key bytea, sign_count bigint, transports text[], device_type text, backed_up boolean, name text)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    proven astapa.passkey_sign_ups;
  begin
    select s.* into proven from astapa.passkey_sign_ups s
    where s.project_id = (select astapa.current_project_id()) and s.token_hash = finish_passkey_sign_up.token_hash
    for update;
    proven := astapa.proven_passkey_sign_up(token_hash);
    if proven.user_id is distinct from finish_passkey_sign_up.user_id then
      raise exception using errcode = 'AS403', message = 'This sign-up has expired. Start again.';
    end if;
    perform astapa.store_passkey(proven.project_id, proven.user_id, credential_id, public_key, sign_count,
      transports, device_type, backed_up, name);
    update astapa.passkey_sign_ups s set finished_at = pg_catalog.now()
    where s.project_id = proven.project_id and s.token_hash = proven.token_hash;
    update astapa.users u set awaiting_passkey_since = null
    where u.project_id = proven.project_id and u.id = proven.user_id and u.awaiting_passkey_since is not null;
  end
  $$;

comment on function api.finish_passkey_sign_up(bytea, bigint, bytea, bytea, bigint, text[], text, boolean, text) is
  'Stores the first passkey of a proven sign-up attempt (its attestation verified in TypeScript against a '
  'challenge taken for user_id) and finishes the attempt, once (the user awaits no passkey any more); AS403 '
  'when the attempt is not proven, '
  'finished, expired or for another user; AS409 for a credential the project has already.';

grant execute on function api.finish_passkey_sign_up(bytea, bigint, bytea, bytea, bigint, text[], text, boolean, text)
  to astapa_app;
