-- Second factors (issue 19): authenticator apps (TOTP), recovery codes, the step between a first factor and a
-- code, and an admin's reset. The TOTP arithmetic and the sealing happen in TypeScript (the master key never
-- reaches Postgres); these functions keep the state: which time step was used last (replay refused under a row
-- lock, so two instances cannot both accept one code), which recovery codes are spent, who owes a code.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own users' factors" on astapa.user_factors;
create policy "a project reads its own users' factors" on astapa.user_factors
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project enrols its own users' factors" on astapa.user_factors;
create policy "a project enrols its own users' factors" on astapa.user_factors
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project updates its own users' factors" on astapa.user_factors;
create policy "a project updates its own users' factors" on astapa.user_factors
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own users' factors" on astapa.user_factors;
create policy "a project removes its own users' factors" on astapa.user_factors
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own recovery codes" on astapa.recovery_codes;
create policy "a project reads its own recovery codes" on astapa.recovery_codes
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project issues its own recovery codes" on astapa.recovery_codes;
create policy "a project issues its own recovery codes" on astapa.recovery_codes
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project uses up its own recovery codes" on astapa.recovery_codes;
create policy "a project uses up its own recovery codes" on astapa.recovery_codes
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own recovery codes" on astapa.recovery_codes;
create policy "a project removes its own recovery codes" on astapa.recovery_codes
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own factor challenges" on astapa.mfa_challenges;
create policy "a project reads its own factor challenges" on astapa.mfa_challenges
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project starts factor challenges for its own users" on astapa.mfa_challenges;
create policy "a project starts factor challenges for its own users" on astapa.mfa_challenges
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project meets its own factor challenges" on astapa.mfa_challenges;
create policy "a project meets its own factor challenges" on astapa.mfa_challenges
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own remembered browsers" on astapa.remembered_browsers;
create policy "a project reads its own remembered browsers" on astapa.remembered_browsers
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project remembers browsers for its own users" on astapa.remembered_browsers;
create policy "a project remembers browsers for its own users" on astapa.remembered_browsers
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project forgets its own remembered browsers" on astapa.remembered_browsers;
create policy "a project forgets its own remembered browsers" on astapa.remembered_browsers
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

create or replace function api.start_mfa_challenge(user_id bigint, token_hash bytea, amr text[], required boolean,
  remembered bytea default null, first_factor text default null, password_hash text default null,
  session_hash bytea default null)
  returns boolean
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    kinds text[] := astapa.challenge_factor_kinds(astapa.current_project_id(), user_id, first_factor);
  begin
    if amr is null or pg_catalog.cardinality(amr) = 0 then
      raise exception 'a factor challenge follows a first factor (amr)' using errcode = 'AS400';
    end if;
    -- As api.start_login_session: a password checked before a reset, a claim (which leaves an account with no
    -- factor, whose challenge would let a new one be set up) or a disable starts nothing.
    if password_hash is not null then
      perform astapa.lock_password_sign_in(astapa.current_project_id(), user_id, password_hash);
      -- Enforced SSO, as api.start_login_session: no password sign-in at an SSO domain.
      perform astapa.assert_user_not_sso(astapa.current_project_id(), user_id);
    end if;
    -- A step-up: the first factor is a live session's, found live in an earlier transaction. Still live, under the
    -- user's row lock (astapa.hold_live_login_session), or a sign-out everywhere, a reset, a claim or a disable
    -- committed since would leave a challenge (one that lets a factor be set up, when none is left) for it.
    if session_hash is not null
       and astapa.hold_live_login_session(session_hash) is distinct from start_mfa_challenge.user_id then
      raise exception 'this session is another person''s' using errcode = 'AS403';
    end if;
    -- Every first factor checked the user in an earlier transaction; a disable or an erasure since starts nothing
    -- (api.meet_mfa_challenge asks again, under the user's row lock).
    if not astapa.user_may_sign_in(astapa.current_project_id(), user_id) then
      raise exception 'this sign-in has ended; sign in again' using errcode = 'AS4G0';
    end if;
    -- Someone with any second factor besides the first (an app, a passkey, a phone factor) is asked for one.
    if not required and pg_catalog.cardinality(kinds) = 0 then
      return false;
    end if;
    -- A browser this person let skip the factor (only offered when the request itself does not ask for MFA).
    if remembered is not null and exists (select from astapa.remembered_browsers b
        where b.project_id = (select astapa.current_project_id()) and b.token_hash = remembered
          and b.user_id = start_mfa_challenge.user_id and b.revoked_at is null and b.expires_at > pg_catalog.now())
       and pg_catalog.cardinality(kinds) > 0 then
      return false;
    end if;
    -- A step-up's challenge names its session: it is met only while that is live (api.meet_mfa_challenge).
    insert into astapa.mfa_challenges (project_id, token_hash, user_id, amr, expires_at, first_factor,
      step_up_session_hash)
    values (astapa.current_project_id(), token_hash, user_id, amr, pg_catalog.now() + interval '10 minutes',
            first_factor, session_hash);
    return true;
  end
  $$;

comment on function api.start_mfa_challenge(bigint, bytea, text[], boolean, bytea, text, text, bytea) is
  'After a first factor (amr; first_factor phone when it was a code sent to the person''s phone): when the user '
  'has a second factor besides the first (astapa.challenge_factor_kinds: app, passkey or phone), or one is '
  'required (the project''s policy, or the app asked for MFA), records that a second is owed and returns true; '
  'the browser holds the token for 10 minutes. Otherwise false and nothing is stored — also for a live '
  'remembered browser (`remembered`, its token''s hash) of a user with a factor. Nothing signs anyone in until '
  'api.meet_mfa_challenge. After a password (password_hash: the stored hash the app verified it against), '
  'AS4C0 and nothing stored or skipped unless that hash is still the enabled user''s '
  '(astapa.lock_password_sign_in). A step-up of a signed-in person (session_hash: the session whose amr is the '
  'first factor), only while that session is still live, under the user''s row lock '
  '(astapa.hold_live_login_session: AS4G0 once ended, AS403 another person''s); its challenge keeps the session '
  '(step_up_session_hash) and is met only while it stays live. AS4G0 and nothing stored or skipped for a user '
  'who may not sign in now (astapa.user_may_sign_in: disabled, deleted, of the other environment). AS4E0 after a '
  'password of a user whose address is at a domain that signs in through SSO (astapa.assert_user_not_sso).';

grant execute on function api.start_mfa_challenge(bigint, bytea, text[], boolean, bytea, text, text, bytea) to astapa_app;

create or replace function astapa.challenge_factor_kinds(project_id text, user_id bigint, first_factor text,
  phone_settings jsonb default null)
  returns text[]
  language sql
  stable
  set search_path = ''
  as $$
    select case when first_factor = 'phone'
      then pg_catalog.array_remove(astapa.second_factor_kinds(project_id, user_id, phone_settings), 'phone')
      else astapa.second_factor_kinds(project_id, user_id, phone_settings) end
  $$;

comment on function astapa.challenge_factor_kinds(text, bigint, text, jsonb) is
  'The second factors that may meet a challenge: the person''s (astapa.second_factor_kinds) less the phone when '
  'the first factor was a code to that phone (first_factor phone) — one device proven once is one factor. '
  'phone_settings: the project''s astapa.phone_settings when the caller read them (null: read if needed).';

grant execute on function astapa.challenge_factor_kinds(text, bigint, text, jsonb) to astapa_app;

create or replace function astapa.phone_factor_offer(project_id text, user_id bigint,
  phone_settings jsonb default null)
  returns text
  language sql
  stable
  set search_path = ''
  as $$
    select case when pg_catalog.cardinality(astapa.second_factor_kinds(u.project_id, u.id,
                                                                       phone_factor_offer.phone_settings)) = 0
                     and astapa.phone_second_factor(u.project_id, phone_factor_offer.phone_settings)
                then case when u.phone_number is not null and u.phone_number_verified then 'enrol' else 'add' end
           end
    from astapa.users as u
    where u.project_id = phone_factor_offer.project_id and u.id = phone_factor_offer.user_id
  $$;

comment on function astapa.phone_factor_offer(text, bigint, jsonb) is
  'What a person asked for a second step, with no second factor yet, in a project that takes a phone as second '
  'factor (astapa.phone_second_factor), may do with a phone there (issue 27): ''enrol'' with a verified number '
  '(their first phone code meets the challenge and turns the factor on), ''add'' without one (they type a '
  'number; the first code to it proves it, and it becomes theirs, verified, and their factor). Null otherwise, '
  'and for an unknown user. phone_settings: the project''s astapa.phone_settings when the caller read them '
  '(null: read if needed).';

grant execute on function astapa.phone_factor_offer(text, bigint, jsonb) to astapa_app;

create or replace function astapa.challenge_phone_offer(challenge astapa.mfa_challenges,
  phone_settings jsonb default null)
  returns text
  language sql
  stable
  set search_path = ''
  as $$
    select case when challenge.first_factor is null
                then astapa.phone_factor_offer(challenge.project_id, challenge.user_id, phone_settings) end
  $$;

comment on function astapa.challenge_phone_offer(astapa.mfa_challenges, jsonb) is
  'What this challenge offers with a phone (astapa.phone_factor_offer): ''enrol'' (the verified number is set up '
  'by its first code), ''add'' (a number typed here is proven and set up), or null — always null when the first '
  'factor was already a code to a phone. phone_settings: the project''s astapa.phone_settings when the caller '
  'read them (null: read if needed).';

grant execute on function astapa.challenge_phone_offer(astapa.mfa_challenges, jsonb) to astapa_app;

create or replace function api.mfa_challenge(token_hash bytea) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'user_id', c.user_id::text,
      'email', u.email,
      'amr', pg_catalog.to_jsonb(c.amr),
      'enrolled', f.confirmed_at is not null,
      -- The sealed secret (hex), useless without the master key.
      'secret_sealed', pg_catalog.encode(f.secret_sealed, 'hex'),
      'factors', pg_catalog.to_jsonb(astapa.challenge_factor_kinds(c.project_id, c.user_id, c.first_factor)),
      -- The number a second-step code goes to, while the phone factor counts (the page shows it masked).
      'phone_number', case when 'phone' = any(astapa.challenge_factor_kinds(c.project_id, c.user_id, c.first_factor))
          or o.phone_offer is not distinct from 'enrol'
        then u.phone_number end,
      -- No factor yet, but a verified number: the phone may be set up here, by its first code.
      'phone_enrol', o.phone_offer is not distinct from 'enrol',
      -- No factor and no verified number: a number may be typed here and proven by its first code.
      'phone_add', o.phone_offer is not distinct from 'add',
      'recovery_codes_left', (select pg_catalog.count(*) from astapa.recovery_codes r
        where r.project_id = c.project_id and r.user_id = c.user_id and r.used_at is null),
      -- Passkeys that may meet the challenge instead of a code (never a key; cloned ones are refused anyway).
      'passkeys', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'id', pg_catalog.encode(k.credential_id, 'hex'), 'transports', pg_catalog.to_jsonb(k.transports))
          order by k.created_at, k.credential_id)
        from astapa.passkeys k
        where k.project_id = c.project_id and k.user_id = c.user_id and k.cloned_at is null), '[]'::jsonb))
    from astapa.mfa_challenges c
    join astapa.users u on u.project_id = c.project_id and u.id = c.user_id
    left join astapa.user_factors f on f.project_id = c.project_id and f.user_id = c.user_id and f.kind = 'totp'
    cross join lateral (select astapa.challenge_phone_offer(c) as phone_offer) as o
    where c.project_id = (select astapa.current_project_id()) and c.token_hash = mfa_challenge.token_hash
      and c.used_at is null and c.expires_at > pg_catalog.now() and astapa.user_may_sign_in(c.project_id, c.user_id)
      -- A step-up's, while the session it stepped up is live (a sign-out everywhere ended it: sign in again).
      and (c.step_up_session_hash is null or exists (select from astapa.login_sessions s
        where s.project_id = c.project_id and s.token_hash = c.step_up_session_hash and s.user_id = c.user_id
          and s.ended_at is null and s.expires_at > pg_catalog.now()))
  $$;

comment on function api.mfa_challenge(bytea) is
  'A live factor challenge: the user, their email (for the authenticator label), the first factor''s amr, '
  'whether an app is enrolled, its sealed secret, the second factors they can present (factors) and, with a '
  'phone factor (or one they may set up here: phone_enrol), the number its code goes to, whether they may add '
  'a number here and make it their factor (phone_add: astapa.phone_factor_offer), the unused recovery '
  'codes and the user''s usable passkeys '
  '(credential id in hex, transports: a passkey with user verification meets the challenge too); '
  'null when unknown, used, expired, or the user may not sign in now (disabled, deleted or of the other '
  'environment: astapa.user_may_sign_in), or when it is a step-up''s and the session it stepped up has ended.';

grant execute on function api.mfa_challenge(bytea) to astapa_app;

create or replace function api.meet_mfa_challenge(token_hash bytea, method text, step bigint default null,
  code_hash bytea default null, secret_sealed bytea default null, recovery_hashes bytea[] default null,
  mail jsonb default null, remember bytea default null, remember_days integer default 0)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    challenge astapa.mfa_challenges;
    factor astapa.user_factors;
    project text := astapa.current_project_id();
    target text;
  begin
    -- The challenge's user's row for key share before the challenge's, as astapa.void_ways_back takes them (the
    -- row for update, then the challenges): an ender under way is waited for and its challenge then found used;
    -- one coming later waits for this. Taken after the challenge, by the factor, number or remembered browser
    -- written below, it closed a cycle with an ender holding the row and waiting for the challenge.
    perform from astapa.users u join astapa.mfa_challenges c on c.project_id = u.project_id and c.user_id = u.id
    where c.project_id = project and c.token_hash = meet_mfa_challenge.token_hash
    for key share of u;
    -- A step-up's challenge, only while the session it stepped up is live: checked under the user's row lock
    -- (astapa.hold_live_login_session: AS4G0 once ended), before the challenge's, as every ender takes them.
    perform astapa.hold_live_login_session(c.step_up_session_hash) from astapa.mfa_challenges c
    where c.project_id = project and c.token_hash = meet_mfa_challenge.token_hash
      and c.step_up_session_hash is not null;
    -- Row locks: two instances given the same code queue here, and only the first may use its step.
    -- Only for a user who may still sign in (astapa.user_may_sign_in, a statement after the user's lock): a
    -- challenge a disable or an erasure did not void (an admin's edit, a restore) is as dead as an expired one.
    select * into challenge from astapa.mfa_challenges c
    where c.project_id = project and c.token_hash = meet_mfa_challenge.token_hash
      and c.used_at is null and c.expires_at > pg_catalog.now() and astapa.user_may_sign_in(c.project_id, c.user_id)
    for update;
    if not found then
      raise exception 'this sign-in step has expired' using errcode = 'AS4G0';
    end if;
    target := 'user:' || challenge.user_id;
    select * into factor from astapa.user_factors f
    where f.project_id = project and f.user_id = challenge.user_id and f.kind = 'totp'
    for update;
    if method = 'enrol' then
      -- The secret lived only in the enrolment form (sealed) until this code proved the app has it: nothing
      -- half-finished is ever stored, so an abandoned enrolment asks nobody for anything.
      if factor.confirmed_at is not null then
        raise exception 'an authenticator app is already set up for this user' using errcode = 'AS409';
      end if;
      if meet_mfa_challenge.secret_sealed is null or step is null
         or pg_catalog.cardinality(recovery_hashes) is distinct from 10 then
        raise exception 'an enrolment needs the sealed secret, a time step and 10 recovery codes'
          using errcode = 'AS400';
      end if;
      insert into astapa.user_factors (project_id, user_id, kind, secret_sealed, confirmed_at, last_used_step)
      values (project, challenge.user_id, 'totp', meet_mfa_challenge.secret_sealed, pg_catalog.now(), step);
      delete from astapa.recovery_codes r where r.project_id = project and r.user_id = challenge.user_id;
      insert into astapa.recovery_codes (project_id, user_id, code_hash)
      select project, challenge.user_id, h from pg_catalog.unnest(recovery_hashes) as h;
      perform astapa.audit(project, 'user.mfa_enrolled', target, '{"factor":"totp"}');
      perform astapa.emit_event(project, 'user.mfa_enrolled', pg_catalog.jsonb_build_object(
        'user', astapa.user_json(project, challenge.user_id), 'factor', 'totp'));
    elsif method = 'totp' then
      if factor.confirmed_at is null or step is null or factor.last_used_step >= step then
        return pg_catalog.jsonb_build_object('accepted', false);
      end if;
      update astapa.user_factors f set last_used_step = step
      where f.project_id = project and f.user_id = challenge.user_id and f.kind = 'totp';
    elsif method = 'recovery' then
      update astapa.recovery_codes r set used_at = pg_catalog.now()
      where r.project_id = project and r.user_id = challenge.user_id and r.code_hash = meet_mfa_challenge.code_hash
        and r.used_at is null and factor.confirmed_at is not null;
      if not found then
        return pg_catalog.jsonb_build_object('accepted', false);
      end if;
      perform astapa.audit(project, 'user.recovery_code_used', target, pg_catalog.jsonb_build_object(
        'left', (select pg_catalog.count(*) from astapa.recovery_codes r
          where r.project_id = project and r.user_id = challenge.user_id and r.used_at is null)));
      if mail is not null then
        perform api.queue_mail(project, mail || pg_catalog.jsonb_build_object('to',
          (select u.email from astapa.users u where u.project_id = project and u.id = challenge.user_id)));
      end if;
    else
      raise exception 'method is enrol, totp or recovery' using errcode = 'AS400';
    end if;
    update astapa.mfa_challenges c set used_at = pg_catalog.now()
    where c.project_id = project and c.token_hash = challenge.token_hash;
    if remember is not null and remember_days between 1 and 90 then
      insert into astapa.remembered_browsers (project_id, token_hash, user_id, expires_at)
      values (project, remember, challenge.user_id,
              pg_catalog.now() + pg_catalog.make_interval(days => remember_days));
    end if;
    return pg_catalog.jsonb_build_object('accepted', true, 'user_id', challenge.user_id::text,
      'amr', pg_catalog.to_jsonb(array(select distinct a from pg_catalog.unnest(challenge.amr || '{otp,mfa}'::text[]) a
        order by a)));
  end
  $$;

comment on function api.meet_mfa_challenge(bytea, text, bigint, bytea, bytea, bytea[], jsonb, bytea, integer) is
  'Meets a live challenge once: enrol (stores the sealed secret the code proved, with the code''s time step, '
  'and the 10 recovery code hashes; AS409 when a factor exists; audited, user.mfa_enrolled event), totp (a step later than the last one used: a code '
  'is accepted once), or recovery (an unused code, spent; audited and, with mail, the user told). Returns '
  '{accepted, user_id, amr}, or {accepted: false} and nothing changed (the caller counts and audits the '
  'failure); AS4G0 for a dead challenge, also one whose user may not sign in now (astapa.user_may_sign_in: '
  'disabled, deleted, of the other environment; asked after the user''s row lock). With remember (a cookie''s '
  'hash) and remember_days 1–90, the browser '
  'may skip the factor that long (api.start_mfa_challenge). A step-up''s challenge only while the session it '
  'stepped up is live, checked under the user''s row lock (astapa.hold_live_login_session: AS4G0 once ended). '
  'Locks the challenge''s user''s row for key share before the challenge, as astapa.void_ways_back takes them.';

grant execute on function api.meet_mfa_challenge(bytea, text, bigint, bytea, bytea, bytea[], jsonb, bytea, integer) to astapa_app;

create or replace function api.meet_mfa_challenge_by_passkey(token_hash bytea, credential_id bytea,
  sign_count bigint, backed_up boolean, user_verified boolean, remember bytea default null,
  remember_days integer default 0)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    challenge astapa.mfa_challenges;
    project text := astapa.current_project_id();
    used jsonb;
  begin
    -- The challenge's user's row for key share before the challenge's, as astapa.void_ways_back takes them (the
    -- row for update, then the challenges): an ender under way is waited for and its challenge then found used;
    -- one coming later waits for this. Taken after the challenge, by the factor, number or remembered browser
    -- written below, it closed a cycle with an ender holding the row and waiting for the challenge.
    perform from astapa.users u join astapa.mfa_challenges c on c.project_id = u.project_id and c.user_id = u.id
    where c.project_id = project and c.token_hash = meet_mfa_challenge_by_passkey.token_hash
    for key share of u;
    -- A step-up's challenge, only while the session it stepped up is live: checked under the user's row lock
    -- (astapa.hold_live_login_session: AS4G0 once ended), before the challenge's, as every ender takes them.
    perform astapa.hold_live_login_session(c.step_up_session_hash) from astapa.mfa_challenges c
    where c.project_id = project and c.token_hash = meet_mfa_challenge_by_passkey.token_hash
      and c.step_up_session_hash is not null;
    -- Only for a user who may still sign in (astapa.user_may_sign_in, a statement after the user's lock): a
    -- challenge a disable or an erasure did not void (an admin's edit, a restore) is as dead as an expired one.
    select * into challenge from astapa.mfa_challenges c
    where c.project_id = project and c.token_hash = meet_mfa_challenge_by_passkey.token_hash
      and c.used_at is null and c.expires_at > pg_catalog.now() and astapa.user_may_sign_in(c.project_id, c.user_id)
    for update;
    if not found then
      raise exception 'this sign-in step has expired' using errcode = 'AS4G0';
    end if;
    -- Without user verification a passkey is something the person has, like the password's device: not a
    -- second factor.
    if user_verified is not true then
      return pg_catalog.jsonb_build_object('accepted', false, 'reason', 'user_not_verified');
    end if;
    -- The passkey of someone else (any account on the same device) proves nothing about this person.
    if not exists (select from astapa.passkeys k
        where k.project_id = project and k.credential_id = meet_mfa_challenge_by_passkey.credential_id
          and k.user_id = challenge.user_id) then
      return pg_catalog.jsonb_build_object('accepted', false, 'reason', 'other_user');
    end if;
    -- The sign counter under its row lock, as at a passkey sign-in (a clone is marked and audited there; the
    -- caller must commit this refusal rather than roll it back).
    used := api.use_passkey(credential_id, sign_count, backed_up);
    if (used ->> 'accepted')::boolean is not true then
      return pg_catalog.jsonb_build_object('accepted', false,
        'reason', case used ->> 'reason' when 'cloned' then 'counter_regressed' else 'unknown_credential' end);
    end if;
    update astapa.mfa_challenges c set used_at = pg_catalog.now()
    where c.project_id = project and c.token_hash = challenge.token_hash;
    -- "Remember this browser", as after a code: the passkey met the step the policy or the person's set-up asks.
    if remember is not null and remember_days between 1 and 90 then
      insert into astapa.remembered_browsers (project_id, token_hash, user_id, expires_at)
      values (project, remember, challenge.user_id,
              pg_catalog.now() + pg_catalog.make_interval(days => remember_days));
    end if;
    return pg_catalog.jsonb_build_object('accepted', true, 'user_id', challenge.user_id::text,
      'amr', pg_catalog.to_jsonb(array(select distinct a from pg_catalog.unnest(challenge.amr
        || array[case when (used ->> 'synced')::boolean then 'swk' else 'hwk' end, 'mfa']) a order by a)));
  end
  $$;

comment on function api.meet_mfa_challenge_by_passkey(bytea, bytea, bigint, boolean, boolean, bytea,
  integer) is
  'Meets a live challenge once with a passkey assertion TypeScript verified (signature, origin, RP ID, '
  'challenge): the credential must be the challenged user''s and user_verified true; its sign counter is '
  'recorded by api.use_passkey (a clone is marked there); with remember (a token''s hash) and remember_days '
  '1-90 the browser is remembered. Returns {accepted, user_id, amr} (the first factor''s '
  'amr with hwk or swk and mfa) or {accepted: false, reason: user_not_verified|other_user|counter_regressed|'
  'unknown_credential} with the challenge left open; AS4G0 for a dead challenge (also one whose user may not '
  'sign in now: astapa.user_may_sign_in), or a step-up''s whose session ended; the user''s row locked before the '
  'challenge (as api.meet_mfa_challenge).';

grant execute on function api.meet_mfa_challenge_by_passkey(bytea, bytea, bigint, boolean, boolean, bytea,
  integer) to astapa_app;

create or replace function api.user_factors(project_id text, user_id bigint) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'mfa_enrolled', pg_catalog.cardinality(astapa.second_factor_kinds(user_factors.project_id,
        user_factors.user_id)) > 0,
      'second_factors', pg_catalog.to_jsonb(astapa.second_factor_kinds(user_factors.project_id,
        user_factors.user_id)),
      'factors', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('kind', f.kind,
          'enrolled_at', f.confirmed_at) order by f.kind)
        from astapa.user_factors f
        where f.project_id = user_factors.project_id and f.user_id = user_factors.user_id
          and f.confirmed_at is not null), '[]'),
      'recovery_codes_left', (select pg_catalog.count(*) from astapa.recovery_codes r
        where r.project_id = user_factors.project_id and r.user_id = user_factors.user_id and r.used_at is null))
  $$;

comment on function api.user_factors(text, bigint) is
  'A user''s confirmed factors (kind totp or phone, enrolled_at), the second factors they can present now '
  '(second_factors: astapa.second_factor_kinds, passkeys included; mfa_enrolled when any) and unused recovery '
  'codes: for the dashboard and the Platform API. Never a secret or a code hash.';

grant execute on function api.user_factors(text, bigint) to astapa_app;

create or replace function api.reset_user_factors(project_id text, user_id bigint, mail jsonb default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    removed integer;
    kinds text[];
    email text;
    mailed bigint;
  begin
    select u.email into email from astapa.users u
    join astapa.projects as p on p.id = u.project_id and p.mode = u.environment
    where u.project_id = reset_user_factors.project_id and u.id = reset_user_factors.user_id;
    -- A phone-only user (no email) has factors to reset too; they are not mailed.
    if not found then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    select pg_catalog.array_agg(f.kind order by f.kind desc) into kinds from astapa.user_factors f
    where f.project_id = reset_user_factors.project_id and f.user_id = reset_user_factors.user_id
      and f.confirmed_at is not null;
    delete from astapa.user_factors f
    where f.project_id = reset_user_factors.project_id and f.user_id = reset_user_factors.user_id
      and f.confirmed_at is not null;
    get diagnostics removed = row_count;
    delete from astapa.user_factors f
    where f.project_id = reset_user_factors.project_id and f.user_id = reset_user_factors.user_id;
    delete from astapa.recovery_codes r
    where r.project_id = reset_user_factors.project_id and r.user_id = reset_user_factors.user_id;
    update astapa.remembered_browsers b set revoked_at = pg_catalog.now()
    where b.project_id = reset_user_factors.project_id and b.user_id = reset_user_factors.user_id
      and b.revoked_at is null;
    if removed > 0 then
      perform astapa.audit(reset_user_factors.project_id, 'user.mfa_removed', 'user:' || reset_user_factors.user_id);
      perform astapa.emit_event(reset_user_factors.project_id, 'user.mfa_removed', pg_catalog.jsonb_build_object(
        'user', astapa.user_json(reset_user_factors.project_id, reset_user_factors.user_id),
        -- The app's factor when there was one (as before phones), else the phone; factors lists them all.
        'factor', kinds[1], 'factors', pg_catalog.to_jsonb(kinds)));
      if mail is not null then
        mailed := api.queue_mail(reset_user_factors.project_id, mail || pg_catalog.jsonb_build_object('to', email));
      end if;
    end if;
    return pg_catalog.jsonb_build_object('removed', removed, 'mailed', mailed is not null);
  end
  $$;

comment on function api.reset_user_factors(text, bigint, jsonb) is
  'An admin''s reset: removes the user''s factors and recovery codes and forgets their remembered browsers; when a '
  'factor was enrolled it is audited (user.mfa_removed), an event is emitted (factor: totp when an app was set '
  'up, else phone; factors: every kind removed) and, with mail, the user told when they have an email address. '
  'Returns {removed, mailed}. AS404 unless a user of the current project''s current environment.';

grant execute on function api.reset_user_factors(text, bigint, jsonb) to astapa_app;

create or replace function api.own_factor(session_hash bytea) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'user_id', s.user_id::text,
      'email', u.email,
      'enrolled', f.confirmed_at is not null,
      -- The sealed secret (hex), useless without the master key: the page checks the fresh code against it.
      'secret_sealed', pg_catalog.encode(f.secret_sealed, 'hex'),
      'recovery_codes_left', (select pg_catalog.count(*) from astapa.recovery_codes r
        where r.project_id = s.project_id and r.user_id = s.user_id and r.used_at is null))
    from astapa.login_sessions s
    join astapa.users u on u.project_id = s.project_id and u.id = s.user_id
    left join astapa.user_factors f on f.project_id = s.project_id and f.user_id = s.user_id and f.kind = 'totp'
      and f.confirmed_at is not null
    where s.project_id = (select astapa.current_project_id()) and s.token_hash = own_factor.session_hash
      and s.ended_at is null and s.expires_at > pg_catalog.now() and astapa.user_may_sign_in(s.project_id, s.user_id)
  $$;

comment on function api.own_factor(bytea) is
  'The signed-in person''s own factor, for the hosted "manage two-step verification" page: the user behind a '
  'live session (its token''s hash), whether an app is set up, its sealed secret and unused recovery codes; '
  'null without a live session (the same liveness rules as api.login_session: astapa.user_may_sign_in).';

grant execute on function api.own_factor(bytea) to astapa_app;

create or replace function api.manage_own_factor(session_hash bytea, action text, method text,
  step bigint default null, code_hash bytea default null, recovery_hashes bytea[] default null,
  mail jsonb default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    person bigint;
    factor astapa.user_factors;
    target text;
  begin
    if action is null or action not in ('regenerate', 'remove') then
      raise exception 'action is regenerate or remove' using errcode = 'AS400';
    end if;
    if method is null or method not in ('totp', 'recovery') then
      raise exception 'method is totp or recovery' using errcode = 'AS400';
    end if;
    if action = 'regenerate' and pg_catalog.cardinality(recovery_hashes) is distinct from 10 then
      raise exception 'regenerating needs 10 recovery code hashes' using errcode = 'AS400';
    end if;
    -- Still live under the user's row lock (astapa.hold_live_login_session), before the factor's: a claim, a reset,
    -- a sign-out everywhere or a disable under way is waited for and refuses this (AS4G0); one that comes later
    -- waits for the codes written here (a claim then removes them).
    person := astapa.hold_live_login_session(session_hash);
    target := 'user:' || person;
    -- Row lock: a code's time step is used once, here as at sign-in (api.meet_mfa_challenge).
    select * into factor from astapa.user_factors f
    where f.project_id = project and f.user_id = person and f.kind = 'totp' and f.confirmed_at is not null
    for update;
    if not found then
      raise exception 'no authenticator app is set up' using errcode = 'AS409';
    end if;
    -- A live session alone is not enough: a fresh proof of the factor is.
    if method = 'totp' then
      if step is null or factor.last_used_step >= step then
        return pg_catalog.jsonb_build_object('accepted', false);
      end if;
      update astapa.user_factors f set last_used_step = step
      where f.project_id = project and f.user_id = person and f.kind = 'totp';
    else
      update astapa.recovery_codes r set used_at = pg_catalog.now()
      where r.project_id = project and r.user_id = person and r.code_hash = manage_own_factor.code_hash
        and r.used_at is null;
      if not found then
        return pg_catalog.jsonb_build_object('accepted', false);
      end if;
    end if;
    delete from astapa.recovery_codes r where r.project_id = project and r.user_id = person;
    if action = 'regenerate' then
      insert into astapa.recovery_codes (project_id, user_id, code_hash)
      select project, person, h from pg_catalog.unnest(recovery_hashes) as h;
      perform astapa.audit(project, 'user.recovery_codes_regenerated', target,
        pg_catalog.jsonb_build_object('proof', method));
    else
      delete from astapa.user_factors f where f.project_id = project and f.user_id = person and f.kind = 'totp';
      update astapa.remembered_browsers b set revoked_at = pg_catalog.now()
      where b.project_id = project and b.user_id = person and b.revoked_at is null;
      perform astapa.audit(project, 'user.mfa_removed', target,
        pg_catalog.jsonb_build_object('proof', method, 'by', 'user'));
      perform astapa.emit_event(project, 'user.mfa_removed', pg_catalog.jsonb_build_object(
        'user', astapa.user_json(project, person), 'factor', 'totp'));
    end if;
    if mail is not null then
      perform api.queue_mail(project, mail || pg_catalog.jsonb_build_object('to',
        (select u.email from astapa.users u where u.project_id = project and u.id = person)));
    end if;
    return pg_catalog.jsonb_build_object('accepted', true, 'user_id', person::text);
  end
  $$;

comment on function api.manage_own_factor(bytea, text, text, bigint, bytea, bytea[], jsonb) is
  'A signed-in person (session_hash: their live session''s token hash) changes their own factor after a fresh '
  'proof — method totp (a time step later than the last used) or recovery (an unused code, spent): action '
  'regenerate replaces every recovery code with the 10 hashes given (audited user.recovery_codes_regenerated); '
  'remove deletes the app and the codes and forgets remembered browsers (audited and emitted user.mfa_removed). '
  'With mail the person is told. {accepted: false} and nothing changed for a refused proof (the caller counts '
  'it); AS4G0 without a live session (checked under the user''s row lock: astapa.hold_live_login_session), AS409 '
  'without an app.';

grant execute on function api.manage_own_factor(bytea, text, text, bigint, bytea, bytea[], jsonb) to astapa_app;

create or replace function api.start_mfa_phone_code(challenge_hash bytea, country text, channel text,
  token_hash bytea, code_hash bytea, address text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    -- Read once: the refusal below and astapa.insert_phone_code judge the same settings.
    settings jsonb := astapa.phone_settings(project);
    challenge astapa.mfa_challenges;
    number text;
    decision jsonb;
  begin
    -- Nothing is sent for a user who may not sign in now (astapa.user_may_sign_in): a dead challenge.
    select * into challenge from astapa.mfa_challenges c
    where c.project_id = project and c.token_hash = start_mfa_phone_code.challenge_hash
      and c.used_at is null and c.expires_at > pg_catalog.now() and astapa.user_may_sign_in(c.project_id, c.user_id);
    if not found then
      raise exception 'this sign-in step has expired' using errcode = 'AS4G0';
    end if;
    if not ('phone' = any(astapa.challenge_factor_kinds(project, challenge.user_id, challenge.first_factor, settings))
            or astapa.challenge_phone_offer(challenge, settings) is not distinct from 'enrol') then
      raise exception 'this person has no phone factor here' using errcode = 'AS409';
    end if;
    select u.phone_number into number from astapa.users u where u.project_id = project and u.id = challenge.user_id;
    -- The same limits, budget and countries as every phone code (astapa.insert_phone_code).
    decision := astapa.insert_phone_code(settings, number, country, channel, token_hash, code_hash, address,
      challenge.user_id, 'mfa');
    if (decision ->> 'sent')::boolean then
      decision := decision || pg_catalog.jsonb_build_object('phone_number', number);
    end if;
    return decision;
  end
  $$;

comment on function api.start_mfa_phone_code(bytea, text, text, bytea, bytea, text) is
  'Sends the second step of a live challenge (challenge_hash) to the person''s verified number: a code (purpose '
  'mfa, bound to them) under the limits, budget and countries of every phone code (country: the number''s, '
  'from the caller''s parser). {sent: true, sandbox, phone_number} or {sent: false, reason, wait}. AS4G0 dead '
  'challenge (or its user may not sign in now: astapa.user_may_sign_in); AS409 no usable phone factor (nor one '
  'to set up: astapa.phone_factor_offer), also where the '
  'project takes no phone as second factor (astapa.phone_second_factor). The project''s phone settings are read '
  'once, for that refusal and the code (astapa.insert_phone_code).';

grant execute on function api.start_mfa_phone_code(bytea, text, text, bytea, bytea, text) to astapa_app;

create or replace function api.start_mfa_new_phone_code(challenge_hash bytea, phone_number text, country text,
  channel text, token_hash bytea, code_hash bytea, address text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    -- Read once: the refusal below and astapa.insert_phone_code judge the same settings.
    settings jsonb := astapa.phone_settings(project);
    challenge astapa.mfa_challenges;
  begin
    -- Nothing is sent for a user who may not sign in now (astapa.user_may_sign_in): a dead challenge.
    select * into challenge from astapa.mfa_challenges c
    where c.project_id = project and c.token_hash = start_mfa_new_phone_code.challenge_hash
      and c.used_at is null and c.expires_at > pg_catalog.now() and astapa.user_may_sign_in(c.project_id, c.user_id);
    if not found then
      raise exception 'this sign-in step has expired' using errcode = 'AS4G0';
    end if;
    if astapa.challenge_phone_offer(challenge, settings) is distinct from 'add' then
      raise exception 'this person cannot add a phone number at this step' using errcode = 'AS409';
    end if;
    -- Whether another account holds the number is told only once its code is typed back
    -- (api.meet_mfa_challenge_by_phone), as on the account page: asking answers the same for every number.
    return astapa.insert_phone_code(settings, phone_number, country, channel, token_hash, code_hash, address,
      challenge.user_id, 'mfa');
  end
  $$;

comment on function api.start_mfa_new_phone_code(bytea, text, text, text, bytea, bytea, text) is
  'Someone at the second step with no factor and no verified number (astapa.phone_factor_offer) types a '
  'number (E.164; country from the caller''s parser): a code for it (purpose mfa, bound to them) under the '
  'limits, budget and countries of every phone code. {sent: true, sandbox} or {sent: false, reason, wait}. '
  'AS4G0 dead challenge (or its user may not sign in now: astapa.user_may_sign_in); AS409 not addable here, '
  'also where the project takes no phone as second factor '
  '(astapa.phone_second_factor); AS400 malformed. The project''s phone settings are read once, for that '
  'refusal and the code (astapa.insert_phone_code).';

grant execute on function api.start_mfa_new_phone_code(bytea, text, text, text, bytea, bytea, text)
  to astapa_app;

create or replace function api.meet_mfa_challenge_by_phone(challenge_hash bytea, token_hash bytea,
  code_hash bytea, remember bytea default null, remember_days integer default 0)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    challenge astapa.mfa_challenges;
    pending astapa.phone_codes;
    offer text;
    -- Read once: the offer and the factor kinds judge the same settings (as api.start_mfa_phone_code does).
    settings jsonb;
    enrolling boolean;
    adding boolean;
    previous text;
  begin
    -- The challenge's user's row for key share before the challenge's, as astapa.void_ways_back takes them (the
    -- row for update, then the challenges): an ender under way is waited for and its challenge then found used;
    -- one coming later waits for this. Taken after the challenge, by the factor, number or remembered browser
    -- written below, it closed a cycle with an ender holding the row and waiting for the challenge.
    perform from astapa.users u join astapa.mfa_challenges c on c.project_id = u.project_id and c.user_id = u.id
    where c.project_id = project and c.token_hash = meet_mfa_challenge_by_phone.challenge_hash
    for key share of u;
    -- A step-up's challenge, only while the session it stepped up is live: checked under the user's row lock
    -- (astapa.hold_live_login_session: AS4G0 once ended), before the challenge's, as every ender takes them.
    perform astapa.hold_live_login_session(c.step_up_session_hash) from astapa.mfa_challenges c
    where c.project_id = project and c.token_hash = meet_mfa_challenge_by_phone.challenge_hash
      and c.step_up_session_hash is not null;
    -- Row locks on both: two instances given the same code take turns, and only the first accepts it.
    -- Only for a user who may still sign in (astapa.user_may_sign_in, a statement after the user's lock): a
    -- challenge a disable or an erasure did not void (an admin's edit, a restore) is as dead as an expired one.
    select * into challenge from astapa.mfa_challenges c
    where c.project_id = project and c.token_hash = meet_mfa_challenge_by_phone.challenge_hash
      and c.used_at is null and c.expires_at > pg_catalog.now() and astapa.user_may_sign_in(c.project_id, c.user_id)
    for update;
    if not found then
      raise exception 'this sign-in step has expired' using errcode = 'AS4G0';
    end if;
    select * into pending from astapa.phone_codes p
    where p.project_id = project and p.token_hash = meet_mfa_challenge_by_phone.token_hash
      and p.purpose = 'mfa' and p.user_id = challenge.user_id
    for update;
    if not found or pending.used_at is not null or pending.expires_at <= pg_catalog.now()
       or pending.attempts >= 5 then
      return pg_catalog.jsonb_build_object('accepted', false, 'expired', true);
    end if;
    select u.phone_number into previous from astapa.users u
    where u.project_id = project and u.id = challenge.user_id;
    -- A code to a number typed at this step (astapa.phone_factor_offer 'add'), not to the person's verified one.
    settings := astapa.phone_settings(project);
    offer := astapa.challenge_phone_offer(challenge, settings);
    adding := offer is not distinct from 'add';
    enrolling := offer is not null; -- setting the verified phone up, or a typed number
    if not (enrolling
            or 'phone' = any(astapa.challenge_factor_kinds(project, challenge.user_id, challenge.first_factor, settings)))
       or (not adding and pending.phone_number is distinct from previous) then
      return pg_catalog.jsonb_build_object('accepted', false, 'expired', true);
    end if;
    if pending.code_hash <> meet_mfa_challenge_by_phone.code_hash then
      update astapa.phone_codes p set attempts = p.attempts + 1
      where p.project_id = project and p.token_hash = pending.token_hash;
      return pg_catalog.jsonb_build_object('accepted', false, 'expired', pending.attempts + 1 >= 5,
        'attempts_left', 4 - pending.attempts);
    end if;
    update astapa.phone_codes p set used_at = pg_catalog.now()
    where p.project_id = project and p.token_hash = pending.token_hash;
    if adding then
      begin
        update astapa.users u set phone_number = pending.phone_number, phone_number_verified = true
        where u.project_id = project and u.id = challenge.user_id;
      exception when unique_violation then
        -- Another account of this project and environment holds it: said only to someone who proved they hold
        -- it. The code is spent; the challenge stays, to be met another way.
        return pg_catalog.jsonb_build_object('accepted', false, 'taken', true, 'expired', true);
      end;
      perform astapa.audit(project, 'user.profile_updated', 'user:' || challenge.user_id,
        pg_catalog.jsonb_build_object('fields', pg_catalog.jsonb_build_array('phone_number'), 'by', 'user',
          'step', 'mfa', 'previous', previous));
    end if;
    update astapa.mfa_challenges c set used_at = pg_catalog.now()
    where c.project_id = project and c.token_hash = challenge.token_hash;
    if enrolling then
      -- The code to the verified number proves the phone: it is now their second factor, as from /account.
      insert into astapa.user_factors (project_id, user_id, kind, confirmed_at)
      values (project, challenge.user_id, 'phone', pg_catalog.now())
      on conflict on constraint user_factors_pkey do update set confirmed_at = excluded.confirmed_at;
      perform astapa.audit(project, 'user.mfa_enrolled', 'user:' || challenge.user_id,
        '{"factor":"phone","step":"mfa"}');
      perform astapa.emit_event(project, 'user.mfa_enrolled', pg_catalog.jsonb_build_object(
        'user', astapa.user_json(project, challenge.user_id), 'factor', 'phone'));
    end if;
    if remember is not null and remember_days between 1 and 90 then
      insert into astapa.remembered_browsers (project_id, token_hash, user_id, expires_at)
      values (project, remember, challenge.user_id,
              pg_catalog.now() + pg_catalog.make_interval(days => remember_days));
    end if;
    -- RFC 8176: sms for a code by SMS; a WhatsApp code is a one-time password (otp).
    return pg_catalog.jsonb_build_object('accepted', true, 'user_id', challenge.user_id::text,
      'amr', pg_catalog.to_jsonb(array(select distinct a from pg_catalog.unnest(challenge.amr
        || array[case pending.channel when 'sms' then 'sms' else 'otp' end, 'mfa']) a order by a)));
  end
  $$;

comment on function api.meet_mfa_challenge_by_phone(bytea, bytea, bytea, bytea, integer) is
  'Meets a live challenge once with the code sent to the person''s phone (token_hash: that code''s, purpose '
  'mfa, theirs only): five attempts, single use, five minutes. {accepted, user_id, amr} (the first factor''s amr '
  'with sms or otp and mfa), {accepted: false, attempts_left} for a wrong code (the caller counts it toward the '
  'factor lockout), {accepted: false, expired} for a dead code; AS4G0 for a dead challenge (also one whose user '
  'may not sign in now: astapa.user_may_sign_in). For a person setting '
  'the phone up here (astapa.phone_factor_offer ''enrol'') the accepted code also turns the phone factor on '
  '(audited and emitted user.mfa_enrolled, factor phone); for one who typed a new number here '
  '(astapa.phone_factor_offer ''add'') it first makes that number theirs, verified (audited user.profile_updated, '
  'step mfa), or answers {accepted: false, taken, expired} when another account of the project holds it. '
  'remember/'
  'remember_days, a step-up''s challenge (AS4G0 once its session ended) and the user''s row locked before the '
  'challenge, as api.meet_mfa_challenge.';

grant execute on function api.meet_mfa_challenge_by_phone(bytea, bytea, bytea, bytea, integer) to astapa_app;

create or replace function api.set_own_phone_factor(session_hash bytea, enabled boolean, fresh_seconds integer)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    -- Under the user's row lock (astapa.hold_live_login_session): a claim, a reset, a sign-out everywhere or a
    -- disable under way is waited for and refuses this; one that comes later waits for it (a claim removes it).
    person bigint := astapa.hold_live_login_session(session_hash, fresh_seconds);
    target text := 'user:' || person;
    changed integer;
  begin
    if enabled is null then
      raise exception 'enabled is true or false' using errcode = 'AS400';
    end if;
    if enabled then
      if not astapa.phone_second_factor(project) then
        raise exception 'this project does not offer a phone as second factor' using errcode = 'AS403';
      end if;
      -- The number was proven by a code when it was added (api.account_confirm_phone): no second code here.
      if not exists (select from astapa.users u where u.project_id = project and u.id = person
          and u.phone_number is not null and u.phone_number_verified) then
        raise exception 'add and verify a phone number first' using errcode = 'AS409';
      end if;
      insert into astapa.user_factors (project_id, user_id, kind, confirmed_at)
      values (project, person, 'phone', pg_catalog.now())
      on conflict on constraint user_factors_pkey do nothing;
      get diagnostics changed = row_count;
      if changed > 0 then
        perform astapa.audit(project, 'user.mfa_enrolled', target, '{"factor":"phone"}');
        perform astapa.emit_event(project, 'user.mfa_enrolled', pg_catalog.jsonb_build_object(
          'user', astapa.user_json(project, person), 'factor', 'phone'));
      end if;
    else
      delete from astapa.user_factors f where f.project_id = project and f.user_id = person and f.kind = 'phone';
      get diagnostics changed = row_count;
      if changed > 0 then
        update astapa.remembered_browsers b set revoked_at = pg_catalog.now()
        where b.project_id = project and b.user_id = person and b.revoked_at is null;
        perform astapa.audit(project, 'user.mfa_removed', target, '{"factor":"phone","by":"user"}');
        perform astapa.emit_event(project, 'user.mfa_removed', pg_catalog.jsonb_build_object(
          'user', astapa.user_json(project, person), 'factor', 'phone'));
      end if;
    end if;
    return pg_catalog.jsonb_build_object('changed', changed > 0,
      'second_factors', pg_catalog.to_jsonb(astapa.second_factor_kinds(project, person)));
  end
  $$;

comment on function api.set_own_phone_factor(bytea, boolean, integer) is
  'The signed-in person (a session fresher than fresh_seconds) turns their phone factor on (needs a verified '
  'number and astapa.phone_second_factor; audited and emitted user.mfa_enrolled, factor phone) or off (audited '
  'and emitted user.mfa_removed; remembered browsers forgotten). {changed, second_factors}. AS4G0 no session, '
  'AS403 not fresh or not offered, AS409 no verified number. The session is checked under the user''s row lock '
  '(astapa.hold_live_login_session).';

grant execute on function api.set_own_phone_factor(bytea, boolean, integer) to astapa_app;
