-- Phone sign-in (issue 27): one-time codes sent by WhatsApp or SMS, their limits and budget, the message log.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own phone codes" on astapa.phone_codes;
create policy "a project reads its own phone codes" on astapa.phone_codes
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project adds its own phone codes" on astapa.phone_codes;
create policy "a project adds its own phone codes" on astapa.phone_codes
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project updates its own phone codes" on astapa.phone_codes;
create policy "a project updates its own phone codes" on astapa.phone_codes
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project reads its own phone messages" on astapa.phone_messages;
create policy "a project reads its own phone messages" on astapa.phone_messages
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project logs its own phone messages" on astapa.phone_messages;
create policy "a project logs its own phone messages" on astapa.phone_messages
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create or replace function astapa.phone_settings_problem(value jsonb) returns text
  language plpgsql
  immutable
  set search_path = ''
  as $$
  begin
    if pg_catalog.jsonb_typeof(value) <> 'object'
       or exists (select from pg_catalog.jsonb_object_keys(value) as k
                  where k not in ('enabled', 'signup', 'countries', 'daily_budget', 'hourly_limit')) then
      return 'phone must be an object with enabled, signup, countries, daily_budget and/or hourly_limit.';
    end if;
    if exists (select from pg_catalog.jsonb_each(value) as e
               where e.key in ('enabled', 'signup') and pg_catalog.jsonb_typeof(e.value) <> 'boolean') then
      return 'phone.enabled and phone.signup must be true or false.';
    end if;
    if value ? 'countries' and (pg_catalog.jsonb_typeof(value -> 'countries') <> 'array'
       or pg_catalog.jsonb_array_length(value -> 'countries') not between 1 and 50
       or exists (select from pg_catalog.jsonb_array_elements(value -> 'countries') as c
                  where pg_catalog.jsonb_typeof(c) <> 'string' or c #>> '{}' !~ '^[A-Z]{2}$')) then
      return 'phone.countries must list 1 to 50 two-letter country codes in capitals, e.g. ["ID"].';
    end if;
    if exists (select from pg_catalog.jsonb_each(value) as e
               where e.key in ('daily_budget', 'hourly_limit')
                 and (pg_catalog.jsonb_typeof(e.value) <> 'number'
                      or e.value::numeric <> pg_catalog.trunc(e.value::numeric)
                      or e.value::numeric not between 1 and 1000000)) then
      return 'phone.daily_budget and phone.hourly_limit must be whole numbers of messages from 1 to 1000000.';
    end if;
    return null;
  end
  $$;

comment on function astapa.phone_settings_problem(jsonb) is
  'A readable reason a settings.phone value is refused ({enabled, signup, countries, daily_budget, '
  'hourly_limit}), or null when it is valid.';

grant execute on function astapa.phone_settings_problem(jsonb) to astapa_app;

create or replace function astapa.phone_settings(project_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    -- Defaults first, the project's choices over them: Indonesia only, a budget that caps a day's cost. Then
    -- what the project row says elsewhere, so a caller reads the row once: its mode, and whether a phone may
    -- be the second factor (settings.mfa.phone, while the MFA policy is not off: nobody is asked then).
    select pg_catalog.jsonb_build_object(
      'enabled', false, 'signup', true, 'countries', pg_catalog.jsonb_build_array('ID'),
      'daily_budget', case when p.mode = 'production' then 1000 else 200 end,
      'hourly_limit', case when p.mode = 'production' then 200 else 100 end)
      || coalesce(p.settings -> 'phone', '{}'::jsonb)
      || pg_catalog.jsonb_build_object('mode', p.mode,
           'second_factor', coalesce(p.settings -> 'mfa' -> 'phone' = 'true'::jsonb
                                     and coalesce(p.settings -> 'mfa' ->> 'policy', 'optional') <> 'off', false))
    from astapa.projects p
    where p.id = phone_settings.project_id
  $$;

comment on function astapa.phone_settings(text) is
  'A project''s phone sign-in settings with the defaults filled in (off; sign-up allowed; countries ["ID"]; '
  'daily_budget 1000 messages in production, 200 in sandbox; hourly_limit 200 / 100), plus its mode and '
  'second_factor (settings.mfa.phone on and the MFA policy not off).';

grant execute on function astapa.phone_settings(text) to astapa_app;

create or replace function astapa.phone_second_factor(project_id text, phone_settings jsonb default null)
  returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    -- Settings the caller read already are judged as they are (coalesce reads the row only without them).
    select coalesce((coalesce(phone_second_factor.phone_settings,
                              astapa.phone_settings(phone_second_factor.project_id)) ->> 'second_factor')::boolean,
                    false)
  $$;

comment on function astapa.phone_second_factor(text, jsonb) is
  'Whether a code to a verified phone may be the project''s second factor now (astapa.phone_settings '
  'second_factor: settings.mfa.phone on, the MFA policy not off). The one rule for turning the factor on '
  '(api.set_own_phone_factor), counting it (astapa.second_factor_kinds) and offering it at the second step '
  '(astapa.phone_factor_offer). phone_settings: the project''s astapa.phone_settings as the caller read them '
  '(null: read here), so a caller that judges them again (astapa.insert_phone_code) sees the same version. '
  'False for an unknown project.';

grant execute on function astapa.phone_second_factor(text, jsonb) to astapa_app;

create or replace function astapa.phone_number_addable(phone_settings jsonb) returns boolean
  language sql
  immutable
  set search_path = ''
  as $$
    -- A number added on the account page serves phone sign-in or the phone second factor, so either lets a
    -- person add one (the factor uses a verified number of the person's own).
    select coalesce((phone_settings ->> 'enabled')::boolean or (phone_settings ->> 'second_factor')::boolean, false)
  $$;

comment on function astapa.phone_number_addable(jsonb) is
  'Whether a person may add a phone number to their account, given the project''s astapa.phone_settings: it '
  'offers phone sign-in or the phone as second factor. The one rule for astapa.insert_phone_code (purpose '
  'account), api.account_start_phone_code and the account page''s form (api.account_overview).';

grant execute on function astapa.phone_number_addable(jsonb) to astapa_app;

create or replace function astapa.phone_budget_day_start() returns timestamptz
  language sql
  stable
  set search_path = ''
  as $$
    -- Named in UTC, not the session's time zone: date_trunc on a timestamptz cuts at the session's midnight.
    select pg_catalog.date_trunc('day', pg_catalog.now() at time zone 'UTC') at time zone 'UTC'
  $$;

comment on function astapa.phone_budget_day_start() is
  'When the daily message budget''s day began: the last midnight UTC, whatever the session''s time zone.';

grant execute on function astapa.phone_budget_day_start() to astapa_app;

create or replace function astapa.phone_sent_today(project_id text) returns integer
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.count(*)::integer from astapa.phone_messages m
    where m.project_id = phone_sent_today.project_id and m.created_at >= astapa.phone_budget_day_start()
      and m.status in ('sent', 'sandbox')
  $$;

comment on function astapa.phone_sent_today(text) is
  'The messages that count against a project''s daily budget: sent or held for a sandbox since midnight UTC '
  '(failed ones cost nothing).';

grant execute on function astapa.phone_sent_today(text) to astapa_app;

create or replace function astapa.phone_budget_alert(project_id text, daily_budget integer, sent_today integer)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    today text := pg_catalog.to_char(pg_catalog.now() at time zone 'UTC', 'YYYY-MM-DD');
  begin
    -- Once per project and UTC day, whichever instance gets there first: a bucket of one hit per day (its key
    -- names the day) counts the alert under the rate limiter's row lock.
    if api.rate_limit_hit('phone:budget_alert:' || project_id || ':' || today, 1, 86400) > 0 then
      return;
    end if;
    perform astapa.emit_event(project_id, 'phone.budget_reached', pg_catalog.jsonb_build_object(
      'date', today, 'daily_budget', daily_budget, 'sent_today', sent_today,
      'resets_at', astapa.phone_budget_day_start() + interval '1 day'));
  end
  $$;

comment on function astapa.phone_budget_alert(text, integer, integer) is
  'The app webhook phone.budget_reached ({date, daily_budget, sent_today, resets_at}), at most once per project '
  'and UTC day: called when the last message the budget allows is logged, or a send is refused for the budget.';

grant execute on function astapa.phone_budget_alert(text, integer, integer) to astapa_app;

create or replace function astapa.phone_send_wait(settings jsonb, phone_number text, address text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    sandbox boolean := settings ->> 'mode' = 'sandbox';
    -- SMS pumping walks a number range: the number without its last four digits is its range.
    prefix text := pg_catalog.left(phone_number, pg_catalog.length(phone_number) - 4);
    wait integer;
    sent_today integer;
  begin
    -- Every bucket counts this send, so a refused burst still uses up its allowance.
    wait := greatest(
      api.rate_limit_hit('phone:number:' || project || ':' || phone_number, case when sandbox then 20 else 5 end, 3600),
      api.rate_limit_hit('phone:address:' || project || ':' || coalesce(astapa.address_bucket(address), '-'),
                         case when sandbox then 50 else 10 end, 3600),
      api.rate_limit_hit('phone:prefix:' || project || ':' || prefix, case when sandbox then 100 else 20 end, 3600),
      api.rate_limit_hit('phone:project:' || project, (settings ->> 'hourly_limit')::integer, 3600));
    if wait > 0 then
      return pg_catalog.jsonb_build_object('sent', false, 'reason', 'rate_limited', 'wait', wait);
    end if;
    sent_today := astapa.phone_sent_today(project);
    if sent_today >= (settings ->> 'daily_budget')::integer then
      perform astapa.audit(project, 'phone.budget_reached', 'project:' || project,
        pg_catalog.jsonb_build_object('daily_budget', (settings ->> 'daily_budget')::integer));
      perform astapa.phone_budget_alert(project, (settings ->> 'daily_budget')::integer, sent_today);
      return pg_catalog.jsonb_build_object('sent', false, 'reason', 'budget', 'wait',
        greatest(1, pg_catalog.ceil(extract(epoch from
          astapa.phone_budget_day_start() + interval '1 day' - pg_catalog.now())))::integer);
    end if;
    return null;
  end
  $$;

comment on function astapa.phone_send_wait(jsonb, text, text) is
  'Counts one code message for the current project against its limits (per number 5, per address 10, per '
  'number range 20 an hour in production; 20/50/100 in sandbox; settings.phone.hourly_limit per project) and '
  'its daily budget, as settings (the project''s astapa.phone_settings, read by the caller) say. Null when it '
  'may go, else {sent: false, reason: rate_limited | budget, wait} (a reached budget is audited as '
  'phone.budget_reached).';

grant execute on function astapa.phone_send_wait(jsonb, text, text) to astapa_app;

create or replace function astapa.insert_phone_code(settings jsonb, phone_number text, country text,
                                                   channel text, token_hash bytea, code_hash bytea,
                                                   address text, user_id bigint, purpose text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    refused jsonb;
  begin
    -- settings come from the caller, who may have judged them already (api.account_start_phone_code): one
    -- read of the project row, so its refusal and these checks cannot see two versions of it.
    if project is null or settings is null then
      raise exception using errcode = 'AS403', message = 'Phone codes act for one project.';
    end if;
    if purpose is null or purpose not in ('sign_in', 'account', 'mfa')
       or (purpose = 'sign_in') <> (insert_phone_code.user_id is null) then
      raise exception using errcode = 'AS400', message = 'A phone code is for sign_in (no user), account or mfa.';
    end if;
    -- A second-step code needs the phone factor on, not phone sign-in.
    if purpose = 'mfa' and not (settings ->> 'second_factor')::boolean then
      raise exception using errcode = 'AS403', message = 'This project does not offer a phone as second factor.';
    elsif purpose = 'sign_in' and not (settings ->> 'enabled')::boolean then
      raise exception using errcode = 'AS403', message = 'This project does not offer sign-in by phone.';
    elsif purpose = 'account' and not astapa.phone_number_addable(settings) then
      raise exception using errcode = 'AS403',
        message = 'This project does not offer phone numbers: neither sign-in nor a second factor by phone.';
    end if;
    if phone_number is null or phone_number !~ '^\+[1-9][0-9]{6,14}$' then
      raise exception using errcode = 'AS400', message = 'A phone number is given in E.164, e.g. +6281234567890.';
    end if;
    if channel is null or channel not in ('whatsapp', 'sms') then
      raise exception using errcode = 'AS400', message = 'The channel must be whatsapp or sms.';
    end if;
    if country is null or not (settings -> 'countries') ? country then
      return pg_catalog.jsonb_build_object('sent', false, 'reason', 'country');
    end if;
    refused := astapa.phone_send_wait(settings, phone_number, address);
    if refused is not null then
      return refused;
    end if;
    insert into astapa.phone_codes (project_id, token_hash, phone_number, channel, code_hash, address, expires_at,
                                    user_id, purpose)
    values (project, token_hash, phone_number, channel, code_hash, pg_catalog.left(address, 100),
            pg_catalog.now() + interval '5 minutes', insert_phone_code.user_id, insert_phone_code.purpose);
    return pg_catalog.jsonb_build_object('sent', true, 'sandbox', settings ->> 'mode' = 'sandbox');
  end
  $$;

comment on function astapa.insert_phone_code(jsonb, text, text, text, bytea, bytea, text, bigint, text) is
  'Stores a new code for a number of the current project unless phone codes are off (AS403: settings.phone.'
  'enabled for sign_in, the phone second factor for mfa, astapa.phone_number_addable for account), the input '
  'is malformed (AS400), the country is not allowed ({sent: false, reason: country}) or a limit or the budget '
  'refuses it (astapa.phone_send_wait). settings: the project''s astapa.phone_settings as the caller read them '
  '(null: AS403), so a caller that judged them first and this function see one version. purpose: sign_in '
  '(user_id null), account (user_id: the account the number is being added to) or mfa (user_id: the person '
  'whose second step it is).';

grant execute on function astapa.insert_phone_code(jsonb, text, text, text, bytea, bytea, text, bigint, text)
  to astapa_app;

create or replace function api.start_phone_code(phone_number text, country text, channel text, token_hash bytea,
                                                code_hash bytea, address text) returns jsonb
  language sql
  volatile
  set search_path = ''
  as $$
    select astapa.insert_phone_code(astapa.phone_settings(astapa.current_project_id()), phone_number, country,
      channel, token_hash, code_hash, address, null, 'sign_in')
  $$;

comment on function api.start_phone_code(text, text, text, bytea, bytea, text) is
  'Starts a sign-in code for a phone number (E.164, its country from the caller''s parser) of the current '
  'project: refused with {sent: false, reason: country} outside settings.phone.countries, or rate_limited / '
  'budget with a wait (astapa.phone_send_wait). Else stores the code (5 minutes) and returns {sent: true, '
  'sandbox}: the caller then sends it and logs the message (api.log_phone_message). Whose number it is is not '
  'looked at: an unknown one, a disabled user''s or one that does not sign in (astapa.proof_signs_in) gets its '
  'code too, and api.check_phone_code refuses it once the code proves the number, so asking tells nobody '
  'whose it is. AS403 when phone sign-in is off.';

grant execute on function api.start_phone_code(text, text, text, bytea, bytea, text) to astapa_app;

create or replace function api.resend_phone_code(token_hash bytea, channel text, code_hash bytea, address text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    settings jsonb := astapa.phone_settings(project);
    pending astapa.phone_codes;
    refused jsonb;
  begin
    if channel is null or channel not in ('whatsapp', 'sms') then
      raise exception using errcode = 'AS400', message = 'The channel must be whatsapp or sms.';
    end if;
    select * into pending from astapa.phone_codes c
    where c.project_id = project and c.token_hash = resend_phone_code.token_hash
    for update;
    if not found or pending.used_at is not null or pending.expires_at <= pg_catalog.now()
       or pending.attempts >= 5 then
      return pg_catalog.jsonb_build_object('sent', false, 'reason', 'expired');
    end if;
    refused := astapa.phone_send_wait(settings, pending.phone_number, address);
    if refused is not null then
      return refused;
    end if;
    -- A new code replaces the old one; the attempts already made still count.
    update astapa.phone_codes c
    set channel = resend_phone_code.channel, code_hash = resend_phone_code.code_hash, sends = c.sends + 1,
        expires_at = pg_catalog.now() + interval '5 minutes'
    where c.project_id = project and c.token_hash = resend_phone_code.token_hash;
    return pg_catalog.jsonb_build_object('sent', true, 'phone_number', pending.phone_number,
      'sandbox', settings ->> 'mode' = 'sandbox');
  end
  $$;

comment on function api.resend_phone_code(bytea, text, bytea, text) is
  'A new code for a live pending one, by another channel (SMS when WhatsApp failed or the person asks): the '
  'same limits and budget as a first send; attempts already made still count. {sent: true, phone_number, '
  'sandbox}, or {sent: false, reason: expired | rate_limited | budget, wait}.';

grant execute on function api.resend_phone_code(bytea, text, bytea, text) to astapa_app;

create or replace function api.log_phone_message(phone_number text, channel text, provider text, status text,
                                                 provider_message_id text, cost numeric, currency text,
                                                 error text, address text, sandbox_text text default null)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    budget integer := (astapa.phone_settings(project) ->> 'daily_budget')::integer;
    sent_today integer;
  begin
    insert into astapa.phone_messages (project_id, phone_number, channel, provider, status, provider_message_id,
                                       cost, currency, error, address, sandbox_text)
    values (project, phone_number, channel, provider, status, pg_catalog.left(provider_message_id, 200), cost,
            currency, pg_catalog.left(error, 500), pg_catalog.left(address, 100), sandbox_text);
    if status in ('sent', 'sandbox') then
      sent_today := astapa.phone_sent_today(project);
      -- The message that uses up the day's budget tells the app, before anyone is refused.
      if sent_today >= budget then
        perform astapa.phone_budget_alert(project, budget, sent_today);
      end if;
    end if;
  end
  $$;

comment on function api.log_phone_message(text, text, text, text, text, numeric, text, text, text, text) is
  'Writes one code message to the current project''s message log: its provider, status (sent, failed, '
  'sandbox), the provider''s id and cost when reported, the error when it failed. Never the code, except the '
  'sandbox text of a sandbox project. The message that reaches settings.phone.daily_budget fires the '
  'phone.budget_reached webhook (astapa.phone_budget_alert, once a day).';

grant execute on function api.log_phone_message(text, text, text, text, text, numeric, text, text, text, text)
  to astapa_app;

create or replace function api.pending_phone_code(token_hash bytea) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('phone_number', c.phone_number, 'channel', c.channel,
      'attempts_left', 5 - c.attempts, 'expires_at', c.expires_at)
    from astapa.phone_codes c
    where c.project_id = (select astapa.current_project_id()) and c.token_hash = pending_phone_code.token_hash
      and c.used_at is null and c.expires_at > pg_catalog.now() and c.attempts < 5
  $$;

comment on function api.pending_phone_code(bytea) is
  'The live code a browser''s token names (number, channel, attempts left, expiry), or null.';

grant execute on function api.pending_phone_code(bytea) to astapa_app;

create or replace function astapa.sign_up_by_phone(project_id text, settings jsonb, phone_number text)
  returns bigint
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    new_id bigint;
  begin
    -- A guest's sign-up keeps the guest's row, the number on it (docs/anonymous-users.md).
    new_id := astapa.signing_up_guest();
    if new_id is not null then
      perform astapa.convert_guest(sign_up_by_phone.project_id, new_id, null, null, sign_up_by_phone.phone_number,
                                   'phone');
      return new_id;
    end if;
    -- As api.create_user: an id clash (same millisecond, same random bits) draws again; two first sign-ins of
    -- one number at once meet the unique index, and the second signs in to the first's account.
    for attempt in 1..5 loop
      begin
        insert into astapa.users (project_id, phone_number, phone_number_verified, environment, legal_accepted_at)
        values (sign_up_by_phone.project_id, sign_up_by_phone.phone_number, true, settings ->> 'mode',
                astapa.legal_accepted_now())
        returning id into new_id;
        exit;
      exception when unique_violation then
        select u.id into new_id from astapa.users u
        where u.project_id = sign_up_by_phone.project_id and u.environment = settings ->> 'mode'
          and u.phone_number = sign_up_by_phone.phone_number;
        exit when new_id is not null;
        if attempt = 5 then
          raise;
        end if;
      end;
    end loop;
    perform astapa.audit(sign_up_by_phone.project_id, 'user.create', 'user:' || new_id,
      pg_catalog.jsonb_build_object('environment', settings ->> 'mode', 'method', 'phone'));
    return new_id;
  end
  $$;

comment on function astapa.sign_up_by_phone(text, jsonb, text) is
  'The account a proven number nobody has makes (api.check_phone_code, and the consent step after it: '
  'api.sign_up_with_held_identity): the guest signing up, converted (astapa.convert_guest; AS409 when the number '
  'was taken meanwhile), or a new phone-only user, verified, with legal_accepted_at when the person agreed '
  '(audited user.create). settings: the project''s astapa.phone_settings. The callers check the sign-up rules.';

grant execute on function astapa.sign_up_by_phone(text, jsonb, text) to astapa_app;

create or replace function api.check_phone_code(token_hash bytea, code_hash bytea, held_token_hash bytea default null,
  sign_in_request text default null)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    settings jsonb := astapa.phone_settings(project);
    pending astapa.phone_codes;
    found_user record;
    new_id bigint;
    claimed jsonb;
  begin
    -- The row lock makes two instances given the same code take turns: only one accepts it.
    -- A code that adds a number to an account (user_id set) never signs anyone in.
    select * into pending from astapa.phone_codes c
    where c.project_id = project and c.token_hash = check_phone_code.token_hash and c.purpose = 'sign_in'
    for update;
    if not found or pending.used_at is not null or pending.expires_at <= pg_catalog.now()
       or pending.attempts >= 5 then
      return pg_catalog.jsonb_build_object('accepted', false, 'expired', true);
    end if;
    if pending.code_hash <> check_phone_code.code_hash then
      update astapa.phone_codes c set attempts = c.attempts + 1
      where c.project_id = project and c.token_hash = check_phone_code.token_hash;
      perform astapa.audit(project, 'sign_in.phone_failed', 'phone:' || pending.phone_number,
        pg_catalog.jsonb_build_object('address', pending.address));
      return pg_catalog.jsonb_build_object('accepted', false, 'expired', pending.attempts + 1 >= 5,
        'attempts_left', 4 - pending.attempts);
    end if;
    update astapa.phone_codes c set used_at = pg_catalog.now()
    where c.project_id = project and c.token_hash = check_phone_code.token_hash;

    select u.id, u.disabled into found_user from astapa.users u
    where u.project_id = project and u.environment = settings ->> 'mode'
      and u.phone_number = pending.phone_number;
    if found then
      if found_user.disabled then
        return pg_catalog.jsonb_build_object('accepted', false, 'disabled', true);
      end if;
      -- A number an app attached unverified to an account whose email is verified is not a way in
      -- (astapa.proof_signs_in): it may be a typo, or someone's old number. The address's owner confirms it from
      -- inside the account (api.account_confirm_phone); the code is spent.
      if not astapa.proof_signs_in(project, found_user.id, 'phone') then
        return pg_catalog.jsonb_build_object('accepted', false, 'unconfirmed', true);
      end if;
      -- An account whose address signs in through its organization's IdP is not signed in by its number (the
      -- code stays unspent: the refusal rolls back).
      perform astapa.assert_user_not_sso(project, found_user.id);
      -- The code proved the number: an account that had not proven it becomes the person's, with only what was
      -- proven left on it (astapa.claim_unproven_account verifies it).
      claimed := astapa.claim_unproven_account(project, found_user.id, 'phone');
      -- claimed: what the claim removed, so the page tells the person (astapa.claim_notice; no address to mail).
      return pg_catalog.jsonb_build_object('accepted', true, 'user_id', found_user.id::text, 'created', false,
        'channel', pending.channel) || astapa.claim_notice(project, found_user.id, claimed);
    end if;
    if not (settings ->> 'signup')::boolean then
      return pg_catalog.jsonb_build_object('accepted', true, 'user_id', null, 'channel', pending.channel);
    end if;
    -- A number alone has no address: refused where sign-ups are closed, by invitation or limited to domains.
    begin
      perform astapa.assert_sign_up_allowed(project, null);
    exception when sqlstate 'AS4N7' then
      -- Only the terms are missing, and the caller can ask for them (a token for the consent step): the code is
      -- used up and the number it proved is held there, with the request's guest and invitation (docs/phone.md).
      if check_phone_code.held_token_hash is null then
        raise;
      end if;
      insert into astapa.held_social_sign_ups (project_id, token_hash, kind, phone_number, channel, sign_in_request,
                                               guest_id, invitation, expires_at)
      values (project, check_phone_code.held_token_hash, 'phone', pending.phone_number, pending.channel,
              check_phone_code.sign_in_request, astapa.signing_up_guest(),
              nullif(pg_catalog.current_setting('astapa.sign_up_invitation', true), ''),
              pg_catalog.now() + interval '10 minutes');
      return pg_catalog.jsonb_build_object('accepted', true, 'user_id', null, 'held', true,
        'channel', pending.channel);
    end;
    new_id := astapa.sign_up_by_phone(project, settings, pending.phone_number);
    return pg_catalog.jsonb_build_object('accepted', true, 'user_id', new_id::text, 'created', true,
      'channel', pending.channel);
  end
  $$;

comment on function api.check_phone_code(bytea, bytea, bytea, text) is
  'Checks a code against the pending one the browser''s token names, once: a wrong code uses one of five '
  'attempts (audited sign_in.phone_failed); the right one is spent and signs in the user with that '
  'number (an unverified one is verified and its account claimed: astapa.claim_unproven_account), or creates '
  'one with only the phone when settings.phone.signup allows (astapa.sign_up_by_phone: the guest a sign-up keeps, '
  'converted; AS409 when the number was taken meanwhile). '
  '{accepted, user_id, created, channel}, with claimed (the counts removed: astapa.claim_notice) when the code '
  'claimed an account and removed something; {accepted: false, expired} when dead; {accepted: false, disabled}; '
  '{accepted: false, unconfirmed: true} for a number that does not sign in (astapa.proof_signs_in: unverified '
  'on an account whose email is verified). AS4E0 (the code unspent) when the account''s address is at a domain '
  'that signs in through SSO (astapa.assert_user_not_sso). A new account the project asks consent for, not '
  'given (AS4N7, the code unspent), is held instead when held_token_hash is given: the code spent, the number and '
  'channel kept 10 minutes with sign_in_request under that hash for api.sign_up_with_held_identity, answering '
  '{accepted: true, user_id: null, held: true, channel}. Other sign-up refusals raise (the code unspent).';

grant execute on function api.check_phone_code(bytea, bytea, bytea, text) to astapa_app;

create or replace function api.list_phone_messages(max_rows integer default 100) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'id', m.id::text, 'phone_number', m.phone_number, 'channel', m.channel, 'provider', m.provider,
      'status', m.status, 'provider_message_id', m.provider_message_id, 'cost', m.cost, 'currency', m.currency,
      'error', m.error, 'sandbox_text', m.sandbox_text, 'created_at', m.created_at)) order by m.id desc), '[]')
    from (select * from astapa.phone_messages x where x.project_id = (select astapa.current_project_id())
          order by x.id desc limit least(greatest(max_rows, 1), 500)) m
  $$;

comment on function api.list_phone_messages(integer) is
  'The current project''s latest code messages (at most 500), newest first: the dashboard''s message log.';

grant execute on function api.list_phone_messages(integer) to astapa_app;

create or replace function api.account_start_phone_code(session_hash bytea, phone_number text, country text,
                                                        channel text, token_hash bytea, code_hash bytea,
                                                        address text, fresh_seconds integer) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    -- Read once: the page's refusal and astapa.insert_phone_code judge the same settings.
    settings jsonb := astapa.phone_settings(astapa.current_project_id());
    person bigint;
  begin
    -- The page's own refusal, before the session is looked at (the form is shown only where a number can be
    -- added: a stale or forged one lands here).
    if not astapa.phone_number_addable(settings) then
      return pg_catalog.jsonb_build_object('sent', false, 'reason', 'unavailable');
    end if;
    person := astapa.account_user(session_hash, fresh_seconds);
    -- Whether another account holds the number is told only once the code proves the person holds it
    -- (api.account_confirm_phone): asking here must not tell anyone whose number it is.
    return astapa.insert_phone_code(settings, phone_number, country, channel, token_hash, code_hash, address,
      person, 'account');
  end
  $$;

comment on function api.account_start_phone_code(bytea, text, text, text, bytea, bytea, text, integer) is
  'The signed-in person (a fresh session: a number becomes a way to sign in or a second factor) asks to add or '
  'change their phone number: a code for it, bound to their account, under the same limits, budget and '
  'countries as sign-in codes (astapa.insert_phone_code). {sent: false, reason: unavailable} where the project '
  'offers neither phone sign-in nor the phone as second factor (astapa.phone_number_addable); AS4G0 no session; '
  'AS403 not fresh.';

grant execute on function api.account_start_phone_code(bytea, text, text, text, bytea, bytea, text, integer)
  to astapa_app;

create or replace function api.account_confirm_phone(session_hash bytea, token_hash bytea, code_hash bytea)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    -- Under the user's row lock (astapa.hold_live_login_session), before the code's: a claim, a reset, a sign-out
    -- everywhere or a disable under way is waited for and refuses this; the number is not made theirs after it.
    person bigint := astapa.hold_live_login_session(session_hash);
    pending astapa.phone_codes;
    previous text;
  begin
    select * into pending from astapa.phone_codes c
    where c.project_id = project and c.token_hash = account_confirm_phone.token_hash and c.user_id = person
      and c.purpose = 'account'
    for update;
    if not found or pending.used_at is not null or pending.expires_at <= pg_catalog.now()
       or pending.attempts >= 5 then
      return pg_catalog.jsonb_build_object('accepted', false, 'expired', true);
    end if;
    if pending.code_hash <> account_confirm_phone.code_hash then
      update astapa.phone_codes c set attempts = c.attempts + 1
      where c.project_id = project and c.token_hash = account_confirm_phone.token_hash;
      perform astapa.audit(project, 'account.phone_failed', 'user:' || person,
        pg_catalog.jsonb_build_object('address', pending.address));
      return pg_catalog.jsonb_build_object('accepted', false, 'expired', pending.attempts + 1 >= 5,
        'attempts_left', 4 - pending.attempts);
    end if;
    update astapa.phone_codes c set used_at = pg_catalog.now()
    where c.project_id = project and c.token_hash = account_confirm_phone.token_hash;
    select u.phone_number into previous from astapa.users u where u.project_id = project and u.id = person;
    begin
      update astapa.users u set phone_number = pending.phone_number, phone_number_verified = true
      where u.project_id = project and u.id = person;
    exception when unique_violation then
      -- Another account of this project and environment holds it: said only to someone who proved they hold it.
      return pg_catalog.jsonb_build_object('accepted', false, 'taken', true);
    end;
    perform astapa.audit(project, 'user.profile_updated', 'user:' || person,
      pg_catalog.jsonb_build_object('fields', pg_catalog.jsonb_build_array('phone_number'), 'by', 'user',
        'previous', previous));
    return pg_catalog.jsonb_build_object('accepted', true, 'phone_number', pending.phone_number);
  end
  $$;

comment on function api.account_confirm_phone(bytea, bytea, bytea) is
  'The signed-in person types the code sent to the number they are adding: once right (five attempts, single '
  'use, only their own code) the number becomes theirs, verified, and is audited (user.profile_updated); '
  '{accepted: false, taken: true} when another account of the project holds it; {accepted: false, expired} '
  'when the code is dead; {accepted: false, attempts_left} when wrong (audited account.phone_failed). AS4G0 once '
  'the session ended, checked under the user''s row lock (astapa.hold_live_login_session).';

grant execute on function api.account_confirm_phone(bytea, bytea, bytea) to astapa_app;

create or replace function api.set_user_phone(project_id text, user_id bigint, phone_number text, verified boolean)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    previous text;
    has_email boolean;
    had_way_in boolean;
  begin
    if verified is null then
      raise exception using errcode = 'AS400',
        message = 'verified must be true or false: say whether you checked that the person holds the number.';
    end if;
    if set_user_phone.phone_number is not null and set_user_phone.phone_number !~ '^\+[1-9][0-9]{6,14}$' then
      raise exception using errcode = 'AS400', message = 'A phone number is given in E.164, e.g. +6281234567890.';
    end if;
    select u.phone_number, u.email is not null into previous, has_email from astapa.users u
    where u.project_id = set_user_phone.project_id and u.id = set_user_phone.user_id and u.deleted_at is null
    for update;
    if not found then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    if set_user_phone.phone_number is null and not has_email then
      raise exception using errcode = 'AS409',
        message = 'This user has no email: their phone number is how they sign in, so it cannot be removed.';
    end if;
    had_way_in := astapa.has_way_in(project_id, user_id);
    begin
      update astapa.users u
      set phone_number = set_user_phone.phone_number,
          phone_number_verified = set_user_phone.phone_number is not null and verified
      where u.project_id = set_user_phone.project_id and u.id = set_user_phone.user_id;
    exception when unique_violation then
      raise exception using errcode = 'AS409',
        message = 'Another user of this project already has this phone number.';
    end;
    -- Never the last way in (the rule of api.user_sign_in_methods): removing the number, or replacing a verified
    -- one by one nobody proved, must leave another way; the error undoes the update. Someone with no way in
    -- before loses nothing.
    if had_way_in and not astapa.has_way_in(project_id, user_id) then
      raise exception using errcode = 'AS409',
        message = 'A code to this verified number is the only way this user can sign in: give them another way '
          '(a password, a linked account, or a verified email with email codes on) before removing it or '
          'replacing it with an unverified one.';
    end if;
    perform astapa.audit(set_user_phone.project_id, 'user.profile_updated', 'user:' || user_id,
      pg_catalog.jsonb_build_object('fields', pg_catalog.jsonb_build_array('phone_number'), 'by', 'platform_api',
        'previous', previous, 'verified', set_user_phone.phone_number is not null and verified));
    return astapa.user_json(set_user_phone.project_id, user_id);
  end
  $$;

comment on function api.set_user_phone(text, bigint, text, boolean) is
  'The app sets (or, null, removes) a user''s phone number (E.164) and says whether it is verified (required: '
  'a verified number signs in by code; an unverified one only once a code proves it, and never beside a verified '
  'email: astapa.proof_signs_in). AS409 when another user '
  'of the project and environment holds it, when removing it would leave a user without email or phone, or '
  'when the change would take their last way in (astapa.has_way_in); AS404 unknown user. Audited '
  'user.profile_updated (by platform_api). Returns the user.';

grant execute on function api.set_user_phone(text, bigint, text, boolean) to astapa_app;

create or replace function api.find_user_by_phone(project_id text, phone_number text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select astapa.user_json(u.project_id, u.id)
    from astapa.users as u
    join astapa.projects as p on p.id = u.project_id and p.mode = u.environment
    where u.project_id = find_user_by_phone.project_id and u.phone_number = find_user_by_phone.phone_number
  $$;

comment on function api.find_user_by_phone(text, text) is
  'The user with this phone number (E.164) in the project''s current environment, or null.';

grant execute on function api.find_user_by_phone(text, text) to astapa_app;

drop policy if exists "a project reads its own phone provider credentials" on astapa.phone_provider_credentials;
create policy "a project reads its own phone provider credentials" on astapa.phone_provider_credentials
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project stores its own phone provider credentials" on astapa.phone_provider_credentials;
create policy "a project stores its own phone provider credentials" on astapa.phone_provider_credentials
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project replaces its own phone provider credentials" on astapa.phone_provider_credentials;
create policy "a project replaces its own phone provider credentials" on astapa.phone_provider_credentials
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project removes its own phone provider credentials" on astapa.phone_provider_credentials;
create policy "a project removes its own phone provider credentials" on astapa.phone_provider_credentials
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create or replace function api.set_phone_provider_credentials(project_id text, provider text,
                                                              credentials_sealed bytea, hint text)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if provider is null or provider not in ('whatsapp_cloud', 'twilio_verify', 'zenziva') then
      raise exception using errcode = 'AS400', message = 'provider must be whatsapp_cloud, twilio_verify or zenziva.';
    end if;
    if credentials_sealed is null then
      delete from astapa.phone_provider_credentials as k
      where k.project_id = set_phone_provider_credentials.project_id and k.provider = set_phone_provider_credentials.provider;
    else
      if hint is null or pg_catalog.length(hint) not between 1 and 100 then
        raise exception using errcode = 'AS400', message = 'hint must be 1 to 100 characters.';
      end if;
      insert into astapa.phone_provider_credentials as k (project_id, provider, credentials_sealed, hint)
      values (project_id, provider, credentials_sealed, hint)
      on conflict on constraint phone_provider_credentials_pkey do update
        set credentials_sealed = excluded.credentials_sealed, hint = excluded.hint, updated_at = pg_catalog.now();
    end if;
    perform astapa.audit(project_id, 'phone_provider.set', 'project:' || project_id,
      pg_catalog.jsonb_build_object('provider', provider, 'removed', credentials_sealed is null));
  end
  $$;

comment on function api.set_phone_provider_credentials(text, text, bytea, text) is
  'Stores (or, given null, removes) a project''s own sealed credentials for a phone code provider with the '
  'dashboard''s hint; audited phone_provider.set (the provider, whether removed; never the credentials). AS400 '
  'for an unknown provider or a missing hint.';

grant execute on function api.set_phone_provider_credentials(text, text, bytea, text) to astapa_app;

create or replace function api.phone_provider_credentials(project_id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('provider', k.provider,
      'credentials_sealed', pg_catalog.translate(pg_catalog.encode(k.credentials_sealed, 'base64'), E'\n', ''),
      'hint', k.hint, 'updated_at', k.updated_at) order by k.provider), '[]')
    from astapa.phone_provider_credentials as k
    where k.project_id = phone_provider_credentials.project_id
  $$;

comment on function api.phone_provider_credentials(text) is
  'A project''s own phone provider credentials: provider, the sealed credentials (base64: the sender opens '
  'them; the dashboard shows only the hint), hint and when they changed.';

grant execute on function api.phone_provider_credentials(text) to astapa_app;
