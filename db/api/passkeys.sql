-- Passkeys (issue 20): the state of WebAuthn ceremonies and credentials. @simplewebauthn/server checks
-- attestations and assertions in TypeScript (origin, RP ID, challenge, signature); these functions keep what
-- every instance must agree on: a challenge is open once and briefly, a credential belongs to one user of one
-- project, and its sign counter only goes forwards (checked here under a row lock, so two instances given the
-- same assertion cannot both accept it). The dashboard's user page lists a user's passkeys and lets an admin
-- remove one.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own users' passkeys" on astapa.passkeys;
create policy "a project reads its own users' passkeys" on astapa.passkeys
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds passkeys for its own users" on astapa.passkeys;
create policy "a project adds passkeys for its own users" on astapa.passkeys
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project updates its own users' passkeys" on astapa.passkeys;
create policy "a project updates its own users' passkeys" on astapa.passkeys
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own users' passkeys" on astapa.passkeys;
create policy "a project removes its own users' passkeys" on astapa.passkeys
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own passkey challenges" on astapa.webauthn_challenges;
create policy "a project reads its own passkey challenges" on astapa.webauthn_challenges
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project opens its own passkey challenges" on astapa.webauthn_challenges;
create policy "a project opens its own passkey challenges" on astapa.webauthn_challenges
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project uses up its own passkey challenges" on astapa.webauthn_challenges;
create policy "a project uses up its own passkey challenges" on astapa.webauthn_challenges
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project clears its own old passkey challenges" on astapa.webauthn_challenges;
create policy "a project clears its own old passkey challenges" on astapa.webauthn_challenges
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create or replace function astapa.passkey_session_user(session_hash bytea, recent boolean) returns bigint
  language sql
  stable
  set search_path = ''
  as $$
    select s.user_id
    from astapa.login_sessions s
    where s.project_id = (select astapa.current_project_id()) and s.token_hash = passkey_session_user.session_hash
      and s.ended_at is null and s.expires_at > pg_catalog.now() and astapa.user_may_sign_in(s.project_id, s.user_id)
      -- Support staff signed in as the person (docs/impersonation.md) did not sign in: opening the link is no
      -- proof of the person, so an impersonation's session is never recent (it may not add or remove a key).
      and (not recent or (s.created_at > pg_catalog.now() - interval '10 minutes' and s.impersonation_id is null))
  $$;

comment on function astapa.passkey_session_user(bytea, boolean) is
  'The user of a live session (its user may sign in now: astapa.user_may_sign_in), or null; with recent, only '
  'when they signed in within the last 10 minutes, themselves (not a session an impersonation opened) '
  '(adding or removing a passkey needs a fresh sign-in, so a stolen session cookie alone cannot).';

grant execute on function astapa.passkey_session_user(bytea, boolean) to astapa_app;

create or replace function astapa.passkey_session_impersonated(session_hash bytea) returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    select exists (select from astapa.login_sessions s
      where s.project_id = (select astapa.current_project_id())
        and s.token_hash = passkey_session_impersonated.session_hash
        and s.ended_at is null and s.impersonation_id is not null)
  $$;

comment on function astapa.passkey_session_impersonated(bytea) is
  'Whether the live session is one an impersonation opened (docs/impersonation.md): support staff signed in as '
  'the person, who may not add or remove their passkeys (AS4I0 from api.start_passkey_challenge and '
  'api.remove_passkey; astapa.passkey_session_user never counts such a session recent).';

grant execute on function astapa.passkey_session_impersonated(bytea) to astapa_app;

create or replace function astapa.passkey_json(passkey astapa.passkeys) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'id', pg_catalog.encode(passkey.credential_id, 'hex'),
      'name', passkey.name,
      'created_at', passkey.created_at,
      'last_used_at', passkey.last_used_at,
      'synced', passkey.device_type = 'multiDevice',
      'backed_up', passkey.backed_up,
      'cloned_at', passkey.cloned_at,
      'transports', pg_catalog.to_jsonb(passkey.transports))
  $$;

comment on function astapa.passkey_json(astapa.passkeys) is
  'A passkey as every list shows it (the person''s own, the account page, the dashboard): credential id (hex), '
  'name, added, last used, synced (multiDevice), backed up, cloned_at (a sign counter went backwards: refused '
  'at sign-in), transports. Never the public key or the sign counter.';

grant execute on function astapa.passkey_json(astapa.passkeys) to astapa_app;

create or replace function api.own_passkeys(session_hash bytea) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'user_id', u.id::text,
      -- The account name a passkey manager shows: a person who signed up by phone has no email.
      'user_name', coalesce(u.email, u.phone_number, u.id::text),
      'recent', astapa.passkey_session_user(own_passkeys.session_hash, true) is not null,
      -- Support staff signed in as the person: the page says only the person can add or remove a key.
      'impersonated', astapa.passkey_session_impersonated(own_passkeys.session_hash),
      'passkeys', coalesce((select pg_catalog.jsonb_agg(astapa.passkey_json(k)
          order by k.created_at, k.credential_id)
        from astapa.passkeys k
        where k.project_id = u.project_id and k.user_id = u.id), '[]'::jsonb))
    from astapa.users u
    where u.project_id = (select astapa.current_project_id())
      and u.id = astapa.passkey_session_user(own_passkeys.session_hash, false)
  $$;

comment on function api.own_passkeys(bytea) is
  'The signed-in person behind a session token hash (user_name: their email, else phone number), their passkeys (never a key), whether they signed in '
  'recently enough to add or remove one, and whether an impersonation opened the session (then never recent); '
  'null without a live session.';

grant execute on function api.own_passkeys(bytea) to astapa_app;

create or replace function api.start_passkey_challenge(challenge_hash bytea, purpose text,
  session_hash bytea default null, address text default null, per_minute integer default 30)
  returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    person bigint;
    wait integer;
  begin
    if purpose = 'register' then
      person := astapa.passkey_session_user(session_hash, true);
      if person is null then
        if astapa.passkey_session_impersonated(session_hash) then
          raise 'support staff signed in as this person cannot do this' using errcode = 'AS4I0';
        end if;
        raise exception using errcode = 'AS403',
          message = 'Adding a passkey needs a sign-in within the last 10 minutes.';
      end if;
    elsif purpose is distinct from 'sign_in' then
      raise exception 'purpose is register or sign_in' using errcode = 'AS400';
    end if;
    -- Every option request stores a row: one address may not open them faster than people sign in. The bucket
    -- spans projects (the address is the same attacker whichever project it names), an IPv6 address's its /64.
    if address is not null then
      wait := api.rate_limit_hit('passkey_options:address:' || astapa.address_bucket(address), per_minute, 60);
      if wait > 0 then
        return wait;
      end if;
    end if;
    -- Old challenges go as new ones come: the table holds minutes of ceremonies, not history.
    delete from astapa.webauthn_challenges c
    where c.project_id = (select astapa.current_project_id()) and c.expires_at < pg_catalog.now() - interval '1 hour';
    insert into astapa.webauthn_challenges (project_id, challenge_hash, purpose, user_id, expires_at)
    values (astapa.current_project_id(), challenge_hash, purpose, person, pg_catalog.now() + interval '5 minutes');
    return 0;
  end
  $$;

comment on function api.start_passkey_challenge(bytea, text, bytea, text, integer) is
  'Opens a passkey ceremony''s challenge (its SHA-256) for 5 minutes: sign_in (anyone; the authenticator names '
  'the user), or register (bound to the user of session_hash, who must have signed in within 10 minutes; '
  'AS403 otherwise, AS4I0 a session an impersonation opened). With address, at most per_minute challenges a minute from it (across instances and '
  'projects): returns 0 when opened, else the seconds to wait (nothing opened).';

grant execute on function api.start_passkey_challenge(bytea, text, bytea, text, integer) to astapa_app;

create or replace function api.take_passkey_challenge(challenge_hash bytea, purpose text) returns jsonb
  language sql
  volatile
  set search_path = ''
  as $$
    update astapa.webauthn_challenges c set used_at = pg_catalog.now()
    where c.project_id = (select astapa.current_project_id())
          and c.challenge_hash = take_passkey_challenge.challenge_hash
      and c.purpose = take_passkey_challenge.purpose and c.used_at is null and c.expires_at > pg_catalog.now()
    returning pg_catalog.jsonb_build_object('user_id', c.user_id::text)
  $$;

comment on function api.take_passkey_challenge(bytea, text) is
  'Uses up an open challenge of this purpose before its response is checked, so a response is tried once: '
  '{user_id} (null for sign_in), or null when unknown, used, expired, of another purpose or another project.';

grant execute on function api.take_passkey_challenge(bytea, text) to astapa_app;

create or replace function astapa.store_passkey(project text, user_id bigint, credential_id bytea,
  public_key bytea, sign_count bigint, transports text[], device_type text, backed_up boolean, name text)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    begin
      insert into astapa.passkeys (project_id, credential_id, user_id, public_key, sign_count, transports,
        device_type, backed_up, name)
      values (project, credential_id, user_id, public_key, sign_count, coalesce(transports, '{}'), device_type,
        backed_up, name);
    exception when unique_violation then
      raise exception using errcode = 'AS409', message = 'This passkey is registered already.';
    end;
    perform astapa.audit(project, 'user.passkey_added', 'user:' || user_id, pg_catalog.jsonb_build_object(
      'name', name, 'synced', device_type = 'multiDevice'));
    -- The app hears of it too (a security notice of its own, a list of sign-in methods).
    perform astapa.emit_event(project, 'user.passkey_added', pg_catalog.jsonb_build_object(
      'user', astapa.user_json(project, store_passkey.user_id),
      'passkey', pg_catalog.jsonb_build_object('name', name, 'synced', device_type = 'multiDevice')));
  end
  $$;

comment on function astapa.store_passkey(text, bigint, bytea, bytea, bigint, text[], text, boolean, text) is
  'Stores a verified passkey for a user (AS409 when the project has the credential id already), audits '
  'user.passkey_added and emits it. Callers check who may add it (api.add_passkey, api.finish_passkey_sign_up).';

grant execute on function astapa.store_passkey(text, bigint, bytea, bytea, bigint, text[], text, boolean, text)
  to astapa_app;

create or replace function api.add_passkey(session_hash bytea, user_id bigint, credential_id bytea,
  public_key bytea, sign_count bigint, transports text[], device_type text, backed_up boolean, name text)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- Still live and recent (the 10 minutes of astapa.passkey_session_user) under the user's row lock
    -- (astapa.hold_live_login_session): the page found the session live before the ceremony, and a claim, a
    -- reset, a sign-out everywhere or a disable that committed since is refused here (AS4G0), while one that
    -- comes later waits for this key (a claim then removes it).
    if astapa.hold_live_login_session(session_hash, 600) is distinct from add_passkey.user_id then
      raise exception using errcode = 'AS403',
        message = 'Adding a passkey needs a sign-in within the last 10 minutes, by the person it is for.';
    end if;
    perform astapa.store_passkey(astapa.current_project_id(), user_id, credential_id, public_key, sign_count,
      transports, device_type, backed_up, name);
  end
  $$;

comment on function api.add_passkey(bytea, bigint, bytea, bytea, bigint, text[], text, boolean, text) is
  'Stores a passkey whose attestation TypeScript verified against a challenge taken for user_id; the session '
  'must still be live (AS4G0), that user''s and recent (AS403), checked under the user''s row lock '
  '(astapa.hold_live_login_session); a credential id the project has already is AS409. Audited; emits '
  'user.passkey_added.';

grant execute on function api.add_passkey(bytea, bigint, bytea, bytea, bigint, text[], text, boolean, text)
  to astapa_app;

create or replace function api.passkey_for_sign_in(credential_id bytea) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('user_id', k.user_id::text,
      'public_key', pg_catalog.encode(k.public_key, 'hex'), 'transports', pg_catalog.to_jsonb(k.transports))
    from astapa.passkeys k
    join astapa.users u on u.project_id = k.project_id and u.id = k.user_id
    join astapa.projects p on p.id = k.project_id
    where k.project_id = (select astapa.current_project_id()) and k.credential_id = passkey_for_sign_in.credential_id
      and not u.disabled and u.environment = p.mode
  $$;

comment on function api.passkey_for_sign_in(bytea) is
  'The public key and user of a credential of this project, to check an assertion with; null for a credential '
  'of another project, a removed one, or a disabled user or one of the other environment.';

grant execute on function api.passkey_for_sign_in(bytea) to astapa_app;

create or replace function api.passkey_forgotten(credential_id bytea, user_handle text) returns boolean
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    -- A handle that is no user id names nobody. Read as a bigint, not the ids as text: the (project_id, id) key
    -- finds the row, where a cast of the column would read every user of the project.
    if user_handle is null or not pg_catalog.pg_input_is_valid(user_handle, 'bigint') then
      return false;
    end if;
    -- Every project shares the deployment's RP ID, so "not this project's" is not "unknown": a key is called
    -- forgotten only when the user its handle names is this project's (user ids are unique across projects)
    -- and no row of the project, in either environment, holds it (docs/passkeys.md#keeping-password-managers-in-sync).
    return exists (select from astapa.users u
                   where u.project_id = (select astapa.current_project_id()) and u.id = user_handle::bigint)
      and not exists (select from astapa.passkeys k
                      where k.project_id = (select astapa.current_project_id())
                        and k.credential_id = passkey_forgotten.credential_id);
  end
  $$;

comment on function api.passkey_forgotten(bytea, text) is
  'Whether a credential presented at sign-in was this project''s and is gone: its user handle names a user of '
  'the project (a deleted one too: the row stays as a tombstone) and no passkey of the project has its id. The '
  'sign-in page then asks the browser to forget it (signalUnknownCredential); another project''s key is never so.';

grant execute on function api.passkey_forgotten(bytea, text) to astapa_app;

create or replace function api.use_passkey(credential_id bytea, sign_count bigint, backed_up boolean)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    key astapa.passkeys;
  begin
    -- A row lock: two instances given one assertion queue here, and the counter lets only one through.
    select * into key from astapa.passkeys k
    where k.project_id = project and k.credential_id = use_passkey.credential_id
    for update;
    if not found then
      return pg_catalog.jsonb_build_object('accepted', false, 'reason', 'unknown');
    end if;
    if key.cloned_at is not null then
      return pg_catalog.jsonb_build_object('accepted', false, 'reason', 'cloned');
    end if;
    -- WebAuthn §6.1.1: a counter that does not move forwards (when either is non-zero) means two copies of the
    -- key exist. The credential is marked and refused from now on; the person adds a new passkey.
    if (use_passkey.sign_count > 0 or key.sign_count > 0) and use_passkey.sign_count <= key.sign_count then
      update astapa.passkeys k set cloned_at = pg_catalog.now()
      where k.project_id = project and k.credential_id = key.credential_id;
      perform astapa.audit(project, 'user.passkey_cloned', 'user:' || key.user_id, pg_catalog.jsonb_build_object(
        'name', key.name, 'stored_count', key.sign_count, 'presented_count', use_passkey.sign_count));
      return pg_catalog.jsonb_build_object('accepted', false, 'reason', 'cloned');
    end if;
    -- An account whose address signs in through its organization's IdP is not signed in by a passkey.
    perform astapa.assert_user_not_sso(project, key.user_id);
    update astapa.passkeys k set sign_count = use_passkey.sign_count, backed_up = use_passkey.backed_up,
      last_used_at = pg_catalog.now()
    where k.project_id = project and k.credential_id = key.credential_id;
    return pg_catalog.jsonb_build_object('accepted', true, 'user_id', key.user_id::text,
      'synced', key.device_type = 'multiDevice');
  end
  $$;

comment on function api.use_passkey(bytea, bigint, boolean) is
  'Records a verified assertion: the new sign counter, backup state and last use. A counter that did not move '
  'forwards marks the credential cloned (audited user.passkey_cloned) and refuses it, now and later. Returns '
  '{accepted, user_id, synced} or {accepted: false, reason: unknown|cloned}. AS4E0 (nothing recorded) when the '
  'user''s address is at a domain that signs in through SSO (astapa.assert_user_not_sso).';

grant execute on function api.use_passkey(bytea, bigint, boolean) to astapa_app;

create or replace function api.passkey_refused(reason text, details jsonb) returns void
  language sql
  volatile
  set search_path = ''
  as $$
    select astapa.audit(astapa.current_project_id(), 'sign_in.passkey_refused', 'passkey',
      coalesce(details, '{}'::jsonb) || pg_catalog.jsonb_build_object('reason', reason))
  $$;

comment on function api.passkey_refused(text, jsonb) is
  'Audits a refused passkey ceremony (a replayed or unknown challenge, wrong origin or RP ID, a credential '
  'this project does not know, a bad signature, malformed data) with the reason and the address.';

grant execute on function api.passkey_refused(text, jsonb) to astapa_app;

create or replace function api.rename_passkey(session_hash bytea, credential_id bytea, name text) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    update astapa.passkeys k set name = rename_passkey.name
    where k.project_id = (select astapa.current_project_id()) and k.credential_id = rename_passkey.credential_id
      and k.user_id = astapa.passkey_session_user(session_hash, false);
    if not found then
      raise exception using errcode = 'AS404', message = 'No such passkey for the signed-in person.';
    end if;
  end
  $$;

comment on function api.rename_passkey(bytea, bytea, text) is
  'Renames one of the signed-in person''s passkeys; AS404 for anyone else''s or without a live session.';

grant execute on function api.rename_passkey(bytea, bytea, text) to astapa_app;

create or replace function astapa.forget_passkey(project text, person bigint, credential_id bytea,
  details jsonb default '{}') returns text
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    removed text;
  begin
    delete from astapa.passkeys k
    where k.project_id = project and k.user_id = person and k.credential_id = forget_passkey.credential_id
    returning k.name into removed;
    if removed is not null then
      perform astapa.audit(project, 'user.passkey_removed', 'user:' || person,
        pg_catalog.jsonb_build_object('name', removed) || details);
      perform astapa.emit_event(project, 'user.passkey_removed', pg_catalog.jsonb_build_object(
        'user', astapa.user_json(project, person), 'passkey', pg_catalog.jsonb_build_object('name', removed)));
    end if;
    return removed;
  end
  $$;

comment on function astapa.forget_passkey(text, bigint, bytea, jsonb) is
  'The one removal of a passkey: deletes the person''s credential, audits user.passkey_removed ({name} and '
  'details, e.g. {by: admin}) and emits user.passkey_removed ({user, passkey: {name}}). Returns its name, or '
  'null when the person has no such credential (nothing audited).';

grant execute on function astapa.forget_passkey(text, bigint, bytea, jsonb) to astapa_app;

create or replace function api.remove_passkey(session_hash bytea, credential_id bytea) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    person bigint := astapa.passkey_session_user(session_hash, true);
    removed text;
    had_way_in boolean;
  begin
    if person is null then
      if astapa.passkey_session_impersonated(session_hash) then
        raise 'support staff signed in as this person cannot do this' using errcode = 'AS4I0';
      end if;
      raise exception using errcode = 'AS403',
        message = 'Removing a passkey needs a sign-in within the last 10 minutes.';
    end if;
    had_way_in := astapa.has_way_in(astapa.current_project_id(), person);
    removed := astapa.forget_passkey(astapa.current_project_id(), person, credential_id);
    if removed is null then
      raise exception using errcode = 'AS404', message = 'No such passkey for the signed-in person.';
    end if;
    -- A person does not lock themselves out: the last way in stays (the error undoes the removal). An admin
    -- still can (api.remove_user_passkey: a key reported stolen goes even when it is the only one).
    if had_way_in and not astapa.has_way_in(astapa.current_project_id(), person) then
      raise exception using errcode = 'AS409',
        message = 'This passkey is the only way you can sign in: add another passkey or a password first.';
    end if;
    -- The name, for the mail that tells the person which key went (composed only once it is known).
    return pg_catalog.jsonb_build_object('name', removed, 'email',
      (select u.email from astapa.users u where u.project_id = (select astapa.current_project_id()) and u.id = person));
  end
  $$;

comment on function api.remove_passkey(bytea, bytea) is
  'Removes one of the signed-in person''s passkeys after a recent sign-in (AS403 otherwise; AS4I0 a session an '
  'impersonation opened: only the person may); AS404 for anyone '
  'else''s; AS409 when it is their last way in (astapa.has_way_in). Audited; emits user.passkey_removed. Returns {name, email}: the key''s name and the person''s '
  'address (null: none) for the notice.';

grant execute on function api.remove_passkey(bytea, bytea) to astapa_app;

create or replace function api.user_passkeys(project_id text, user_id bigint) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    -- The user page's rule: a user of the current project's current environment only (AS404 otherwise; row
    -- security hides every other project's users).
    perform api.get_environment_user(project_id, user_id);
    return coalesce((select pg_catalog.jsonb_agg(astapa.passkey_json(k) order by k.created_at, k.credential_id)
      from astapa.passkeys k
      where k.project_id = user_passkeys.project_id and k.user_id = user_passkeys.user_id), '[]'::jsonb);
  end
  $$;

comment on function api.user_passkeys(text, bigint) is
  'A user''s passkeys for the dashboard''s user page, oldest first (astapa.passkey_json: never the public key). '
  'AS404 unless a user of the current project''s current environment.';

grant execute on function api.user_passkeys(text, bigint) to astapa_app;

create or replace function api.remove_user_passkey(project_id text, user_id bigint, credential_id bytea)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    person jsonb;
    removed text;
  begin
    person := api.get_environment_user(project_id, user_id);
    -- As the person's own removal, with who did it: the actor is the developer's account.
    removed := astapa.forget_passkey(project_id, user_id, credential_id, '{"by": "admin"}');
    if removed is null then
      raise exception using errcode = 'AS404',
        message = 'This user has no such passkey (it may have been removed already).';
    end if;
    -- The name, for the mail that tells the user which key went (composed only once it is known).
    return pg_catalog.jsonb_build_object('name', removed, 'email', person -> 'email');
  end
  $$;

comment on function api.remove_user_passkey(text, bigint, bytea) is
  'An admin removes one of a user''s passkeys (the dashboard''s user page): audited user.passkey_removed with '
  'by admin, user.passkey_removed emitted as when the person removes it. Returns {name, email}: the key''s '
  'name and the user''s address (null: a phone-only user) for the notice. AS404 for a user not of the current '
  'project''s current environment, or a credential that is not this user''s.';

grant execute on function api.remove_user_passkey(text, bigint, bytea) to astapa_app;
