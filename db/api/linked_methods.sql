-- Linked payment methods for automatic renewal (issue 23 item 6, docs/billing.md "Linked methods"): starting a
-- link (the caller then asks Xendit's Payment Method API), recording Xendit's answer, applying the
-- payment_method.* callbacks (forward-only, idempotent), listing and unlinking.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own linked methods" on astapa.linked_methods;
create policy "a project reads its own linked methods" on astapa.linked_methods
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project links its own users' methods" on astapa.linked_methods;
create policy "a project links its own users' methods" on astapa.linked_methods
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project updates its own linked methods" on astapa.linked_methods;
create policy "a project updates its own linked methods" on astapa.linked_methods
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "definer functions find the linked method a callback names" on astapa.linked_methods;
create policy "definer functions find the linked method a callback names" on astapa.linked_methods
  for select to astapa_owner
  using (public_id = pg_catalog.current_setting('astapa.lookup_linked_method', true));

create or replace function astapa.linked_methods_settings_problem(value jsonb) returns text
  language sql
  immutable
  set search_path = ''
  as $$
    select case
      when pg_catalog.jsonb_typeof(value) <> 'object'
        or exists (select from pg_catalog.jsonb_each(value) as e
                   where e.key not in ('enabled', 'shopeepay', 'gopay_recurring', 'direct_debit', 'cards')
                      or pg_catalog.jsonb_typeof(e.value) <> 'boolean')
      then 'linked_methods must be {"enabled": true|false, "shopeepay": true|false, "gopay_recurring": true|false, '
           '"direct_debit": true|false, "cards": true|false} (enable each only once Xendit has activated it for '
           'your account).'
    end
  $$;

comment on function astapa.linked_methods_settings_problem(jsonb) is
  'Why a settings.linked_methods value is refused (linking on the portal at all, the ShopeePay and GoPay '
  'recurring linking switches, direct debit and cards on file), or null.';

grant execute on function astapa.linked_methods_settings_problem(jsonb) to astapa_app;

create or replace function astapa.linked_method_json(m astapa.linked_methods) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'method_id', m.public_id, 'sub', m.user_id::text, 'channel', m.channel, 'label', m.label,
      'status', m.status, 'provider_id', m.provider_id, 'failure_code', m.failure_code,
      'environment', m.environment, 'xendit_account', m.xendit_account, 'created_at', m.created_at,
      'activated_at', m.activated_at, 'updated_at', m.updated_at, 'unlink_requested_at', m.unlink_requested_at)
  $$;

comment on function astapa.linked_method_json(astapa.linked_methods) is
  'A linked method as the portal, the API and the renewal pass read it (the label is already masked). '
  'unlink_requested_at: on a live method, an unlink is under way (not charged meanwhile; the billing pass '
  'finishes one that stalled); on an ended one, when the unlink that ended it began.';

grant execute on function astapa.linked_method_json(astapa.linked_methods) to astapa_app;

create or replace function api.start_method_link(project_id text, user_id bigint, link jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    chosen text := pg_catalog.upper(coalesce(link ->> 'channel', ''));
    mobile text := link ->> 'mobile_number';
    last_four text := link ->> 'card_last_four';
    network text := pg_catalog.upper(coalesce(link ->> 'card_network', 'CARD'));
    enabled jsonb;
    created astapa.linked_methods;
  begin
    if pg_catalog.jsonb_typeof(link) is distinct from 'object' then
      raise exception using errcode = 'AS400', message = 'link must be a JSON object.';
    end if;
    if chosen not in ('OVO', 'DANA', 'SHOPEEPAY', 'GOPAY', 'BRI', 'MANDIRI', 'CARD') then
      raise exception using errcode = 'AS400',
        detail = '{"channel": ["OVO, DANA, SHOPEEPAY, GOPAY, BRI, MANDIRI or CARD."]}',
        message = 'channel must be OVO, DANA, SHOPEEPAY, GOPAY, BRI, MANDIRI or CARD.';
    end if;
    -- Only the last four digits of a card ever reach us (and the network, for the label).
    if last_four is not null and last_four !~ '^[0-9]{4}$' then
      raise exception using errcode = 'AS400', detail = '{"card_last_four": ["The last 4 digits."]}',
        message = 'card_last_four must be 4 digits.';
    end if;
    if network !~ '^[A-Z]{2,12}$' then
      raise exception using errcode = 'AS400', message = 'card_network must be a card network such as VISA.';
    end if;
    if chosen in ('BRI', 'CARD') and last_four is null then
      raise exception using errcode = 'AS400', detail = '{"card_last_four": ["The card''s last 4 digits."]}',
        message = pg_catalog.format('Linking %s needs the card''s last four digits (card_last_four).', chosen);
    end if;
    if chosen = 'BRI' and mobile is null then
      raise exception using errcode = 'AS400',
        detail = '{"mobile_number": ["BRI sends the code to the card''s mobile number."]}',
        message = 'Linking BRI direct debit needs the mobile_number registered with the card.';
    end if;
    if mobile is not null and mobile !~ '^\+62[0-9]{8,13}$' then
      raise exception using errcode = 'AS400', detail = '{"mobile_number": ["An Indonesian number, +62…"]}',
        message = 'mobile_number must be an Indonesian number in the form +628….';
    end if;
    if chosen = 'OVO' and mobile is null then
      raise exception using errcode = 'AS400', detail = '{"mobile_number": ["OVO links the account of a number."]}',
        message = 'Linking OVO needs the OVO account''s mobile_number.';
    end if;
    if coalesce(link ->> 'xendit_account', '') not in ('project', 'deployment', 'simulator')
       or coalesce(link ->> 'environment', '') not in ('sandbox', 'production') then
      raise exception using errcode = 'AS400', message = 'A link needs the xendit_account and environment it goes through.';
    end if;
    -- Linking is off until the project turns it on; ShopeePay and GoPay recurring linking also need Xendit's
    -- approval of the merchant, so each is off until the project says.
    select p.settings -> 'linked_methods' into enabled from astapa.projects as p where p.id = start_method_link.project_id;
    if coalesce((enabled ->> 'enabled')::boolean, false) is not true then
      raise exception using errcode = 'AS409',
        message = 'Linking e-wallets is not enabled for this project (settings.linked_methods.enabled).';
    end if;
    if (chosen = 'SHOPEEPAY' and coalesce((enabled ->> 'shopeepay')::boolean, false) is not true)
       or (chosen = 'GOPAY' and coalesce((enabled ->> 'gopay_recurring')::boolean, false) is not true)
       or (chosen in ('BRI', 'MANDIRI') and coalesce((enabled ->> 'direct_debit')::boolean, false) is not true)
       or (chosen = 'CARD' and coalesce((enabled ->> 'cards')::boolean, false) is not true) then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        '%s account linking is not enabled for this project (settings.linked_methods).', chosen);
    end if;
    perform from astapa.users as u
    where u.project_id = start_method_link.project_id and u.id = start_method_link.user_id and not u.disabled
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    -- Under the user's row lock: an active link of this channel stands; a link never completed is replaced.
    if exists (select from astapa.linked_methods as m
               where m.project_id = start_method_link.project_id and m.user_id = start_method_link.user_id
                 and m.channel = chosen and m.status = 'active') then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('A %s account is linked already: unlink it first.', chosen);
    end if;
    update astapa.linked_methods as m set status = 'failed', failure_code = 'SUPERSEDED', updated_at = pg_catalog.now()
    where m.project_id = start_method_link.project_id and m.user_id = start_method_link.user_id
      and m.channel = chosen and m.status = 'requires_action';
    insert into astapa.linked_methods (project_id, user_id, environment, xendit_account, channel, label)
    values (start_method_link.project_id, start_method_link.user_id, link ->> 'environment',
            link ->> 'xendit_account', chosen,
            case when chosen = 'CARD' then network || ' •••• ' || last_four
                 when chosen = 'BRI' then 'BRI •••• ' || last_four
                 else chosen || coalesce(' •••• ' || pg_catalog.right(mobile, 4), '') end)
    returning * into created;
    return astapa.linked_method_json(created);
  end
  $$;

comment on function api.start_method_link(text, bigint, jsonb) is
  'Starts linking a user''s reusable method: {channel (OVO | DANA | SHOPEEPAY | GOPAY | BRI | MANDIRI | CARD), '
  'mobile_number (+62…; OVO and BRI need it), card_last_four (BRI and CARD need it), card_network (CARD), '
  'xendit_account, environment}. Only when settings.linked_methods.enabled; ShopeePay, GoPay, direct debit (BRI, '
  'MANDIRI) and cards only when settings.linked_methods enables them too (shopeepay, gopay_recurring, '
  'direct_debit, cards). The label keeps the last four digits only. A link of the same channel not yet approved is '
  'replaced (failed, SUPERSEDED). The caller then asks Xendit (reference_id = method_id) and records the answer with api.record_method_link_answer. AS400 bad '
  'input; AS404 unknown user; AS409 channel not enabled or already linked.';

grant execute on function api.start_method_link(text, bigint, jsonb) to astapa_app;

create or replace function api.record_method_link_answer(project_id text, method_id text, answer jsonb)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target astapa.linked_methods;
  begin
    select * into target from astapa.linked_methods as m
    where m.project_id = record_method_link_answer.project_id and m.public_id = method_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = 'This linked method was not found.';
    end if;
    if answer ->> 'failure' is not null then
      if target.status = 'requires_action' then
        update astapa.linked_methods as m set status = 'failed',
          failure_code = pg_catalog.left(answer ->> 'failure', 500), updated_at = pg_catalog.now()
        where m.project_id = target.project_id and m.id = target.id
        returning * into target;
      end if;
    elsif coalesce(answer ->> 'provider_id', '') = '' then
      raise exception using errcode = 'AS400', message = 'answer must carry a provider_id or a failure.';
    else
      -- A callback may have come first and moved the status on; the provider id is recorded either way.
      update astapa.linked_methods as m set provider_id = coalesce(m.provider_id, answer ->> 'provider_id'),
        updated_at = pg_catalog.now()
      where m.project_id = target.project_id and m.id = target.id
      returning * into target;
    end if;
    return astapa.linked_method_json(target);
  end
  $$;

comment on function api.record_method_link_answer(text, text, jsonb) is
  'Records Xendit''s answer to a link: {provider_id} (the pm-… id) or {failure} (refused: failed). AS404 '
  'unknown method.';

grant execute on function api.record_method_link_answer(text, text, jsonb) to astapa_app;

create or replace function api.linked_method_account(method_id text) returns jsonb
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  declare
    found_method jsonb;
  begin
    -- Only for requests that act for no project yet (the webhook): a payment_method.* callback names our id.
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'linked_method_account runs outside any project.';
    end if;
    if method_id is null or method_id !~ '^lpm_[a-z2-7]{24}$' then
      return null;
    end if;
    perform pg_catalog.set_config('astapa.lookup_linked_method', method_id, true);
    select pg_catalog.jsonb_build_object('project_id', m.project_id, 'environment', m.environment,
             'xendit_account', m.xendit_account)
    into found_method from astapa.linked_methods as m where m.public_id = method_id;
    perform pg_catalog.set_config('astapa.lookup_linked_method', '', true);
    return found_method;
  end
  $$;

comment on function api.linked_method_account(text) is
  'Definer: a Xendit payment_method.* callback names our method id (its reference_id) but no project. Returns '
  'the project, environment and Xendit account of that method — nothing else — so the webhook checks the '
  'callback token of the right account before anything is changed. Runs only without a project set.';

revoke execute on function api.linked_method_account(text) from public;

grant execute on function api.linked_method_account(text) to astapa_app;

create or replace function api.apply_method_callback(project_id text, method_id text, callback jsonb) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target astapa.linked_methods;
    event text := callback ->> 'event';
    next_status text;
  begin
    next_status := case event when 'payment_method.activated' then 'active'
                              when 'payment_method.failed' then 'failed'
                              when 'payment_method.expired' then 'expired' end;
    if next_status is null then
      raise exception using errcode = 'AS400',
        message = 'event must be payment_method.activated, payment_method.failed or payment_method.expired.';
    end if;
    select * into target from astapa.linked_methods as m
    where m.project_id = apply_method_callback.project_id and m.public_id = method_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = 'This linked method was not found.';
    end if;
    if target.provider_id is not null and target.provider_id is distinct from callback ->> 'provider_id' then
      raise exception using errcode = 'AS409', message = 'The callback names another Xendit payment method.';
    end if;
    -- Forward only: requires_action → active | failed | expired, active → expired. A duplicate or a late
    -- callback (activated after expired) changes nothing, so the order callbacks arrive in does not matter.
    if not ((target.status = 'requires_action') or (target.status = 'active' and next_status = 'expired')) then
      return astapa.linked_method_json(target) || '{"changed": false}';
    end if;
    update astapa.linked_methods as m set status = next_status,
      provider_id = coalesce(m.provider_id, callback ->> 'provider_id'),
      failure_code = case when next_status = 'failed' then pg_catalog.left(coalesce(callback ->> 'failure_code',
                       'FAILED'), 500) end,
      activated_at = case when next_status = 'active' then pg_catalog.now() else m.activated_at end,
      updated_at = pg_catalog.now()
    where m.project_id = target.project_id and m.id = target.id
    returning * into target;
    -- Xendit's answer to an unlink's expiry can be this callback, arriving before the unlink ends the method:
    -- then it is the unlink, audited as whoever asked for it (api.request_method_unlink).
    if next_status = 'expired' and target.unlink_requested_at is not null then
      perform astapa.audit_method_unlinked(target);
    else
      perform astapa.audit(target.project_id, 'billing.method_' || next_status, 'linked_method:' || target.public_id,
        pg_catalog.jsonb_build_object('sub', target.user_id::text, 'channel', target.channel));
    end if;
    return astapa.linked_method_json(target) || '{"changed": true}';
  end
  $$;

comment on function api.apply_method_callback(text, text, jsonb) is
  'Applies a Xendit payment_method.* callback to our method: {event, provider_id, failure_code?}. Forward-only '
  'and idempotent (duplicates and late callbacks answer changed: false). The expiry of a method being unlinked '
  'is that unlink (billing.method_unlinked, as the actor who asked). AS400 unknown event; AS404 unknown '
  'method; AS409 another provider id. Audited.';

grant execute on function api.apply_method_callback(text, text, jsonb) to astapa_app;

create or replace function api.list_linked_methods(project_id text, user_id bigint) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(astapa.linked_method_json(m) order by m.id desc), '[]')
    from astapa.linked_methods as m
    where m.project_id = list_linked_methods.project_id and m.user_id = list_linked_methods.user_id
      and m.status in ('requires_action', 'active')
  $$;

comment on function api.list_linked_methods(text, bigint) is
  'A user''s linked methods that are active or waiting for approval, newest first.';

grant execute on function api.list_linked_methods(text, bigint) to astapa_app;

create or replace function astapa.held_linked_method(project_id text, user_id bigint, method_id text)
  returns astapa.linked_methods
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target astapa.linked_methods;
  begin
    select * into target from astapa.linked_methods as m
    where m.project_id = held_linked_method.project_id and m.user_id = held_linked_method.user_id
      and m.public_id = method_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = 'This linked method was not found.';
    end if;
    return target;
  end
  $$;

comment on function astapa.held_linked_method(text, bigint, text) is
  'One of a user''s linked methods, locked until the transaction ends (the short steps of an unlink: '
  'api.request_method_unlink, api.cancel_method_unlink, api.unlink_method). AS404 not this user''s method.';

grant execute on function astapa.held_linked_method(text, bigint, text) to astapa_app;

create or replace function astapa.audit_method_unlinked(m astapa.linked_methods) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- As whoever asked for the unlink, which may end in another transaction (or Xendit's expiry callback).
    insert into astapa.audit_log (project_id, actor, action, target, details)
    values (m.project_id, coalesce(m.unlink_actor, astapa.current_actor()), 'billing.method_unlinked',
            'linked_method:' || m.public_id,
            pg_catalog.jsonb_build_object('sub', m.user_id::text, 'channel', m.channel));
    -- A claim's or an erasure's unlink cleared the organizations' choice of it then; one held then is cleared now.
    if m.unlink_actor in ('claim', 'erasure') then
      perform astapa.clear_unlinked_billing_methods(m.project_id, array[m.id], true, m.unlink_actor);
    end if;
  end
  $$;

comment on function astapa.audit_method_unlinked(astapa.linked_methods) is
  'Audits a method''s unlink (billing.method_unlinked) as the actor who asked for it (unlink_actor), else as '
  'the current actor: the same entry whether the unlink or Xendit''s expiry callback ends the method. A claim''s '
  'or an erasure''s unlink also clears any organization still choosing the method '
  '(astapa.clear_unlinked_billing_methods: one skipped then because another transaction held it).';

grant execute on function astapa.audit_method_unlinked(astapa.linked_methods) to astapa_app;

create or replace function api.request_method_unlink(project_id text, user_id bigint, method_id text)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target astapa.linked_methods;
  begin
    -- The first of an unlink's two short transactions (lib/payments/linked_methods.ts); the call to Xendit
    -- between them holds no lock. Marked, the method is charged no more, and an expiry callback is the unlink.
    -- A second unlink marks it again (its actor, its time), so an unlink that died half-way is simply redone.
    target := astapa.held_linked_method(project_id, user_id, method_id);
    if target.status in ('requires_action', 'active') then
      -- One instant for both (two clock_timestamp() calls differ by microseconds: the try would look later than
      -- the mark, and a window counted from the mark would not yet have passed for it).
      update astapa.linked_methods as m set unlink_requested_at = marked_at, unlink_attempted_at = marked_at,
        unlink_actor = astapa.current_actor()
      from (select pg_catalog.clock_timestamp() as marked_at) as mark
      where m.project_id = target.project_id and m.id = target.id
      returning * into target;
    end if;
    return astapa.linked_method_json(target) || pg_catalog.jsonb_build_object(
      'expire_at_xendit', target.status in ('requires_action', 'active') and target.provider_id is not null);
  end
  $$;

comment on function api.request_method_unlink(text, bigint, text) is
  'Starts unlinking one of a user''s methods: a live one is marked (unlink_requested_at and unlink_attempted_at '
  '= now, unlink_actor = the current actor), so it is never charged again and Xendit''s expiry callback records '
  'the unlink as that actor; an unlink that stalls is finished by the billing pass (api.next_stalled_unlink). '
  'Answers the method with unlink_requested_at (the mark, for api.cancel_method_unlink) and expire_at_xendit '
  '(whether Xendit must be asked to expire it first). An ended method is answered unchanged. AS404 not this '
  'user''s method.';

grant execute on function api.request_method_unlink(text, bigint, text) to astapa_app;

create or replace function astapa.unlink_every_method(project_id text, user_id bigint, actor text) returns integer
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    marked bigint[];
  begin
    if unlink_every_method.project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403', message = 'Linked methods are unlinked in the project the request acts for.';
    end if;
    if actor is null or actor not in ('claim', 'erasure') then
      raise exception using errcode = 'AS400', message = 'Every method is unlinked by a claim or an erasure.';
    end if;
    -- Every live method at once, marked as api.request_method_unlink marks one (never charged from now on; an
    -- unlink already under way is marked again, so it ends as this one), with two differences. The actor is the
    -- claim (whoever linked them held the account without proof) or the erasure (nobody is left to pay). And the
    -- try is '-infinity', never tried: the unlink at Xendit cannot run in this transaction, so the next billing
    -- pass takes it at once (api.next_stalled_unlink; '-infinity' is older than any window) rather than after the
    -- stall window.
    with marked_methods as (
      update astapa.linked_methods as m set unlink_requested_at = pg_catalog.clock_timestamp(),
        unlink_attempted_at = '-infinity', unlink_actor = unlink_every_method.actor
      where m.project_id = unlink_every_method.project_id and m.user_id = unlink_every_method.user_id
        and m.status in ('requires_action', 'active')
      returning m.id)
    select coalesce(pg_catalog.array_agg(marked_methods.id), '{}') into marked from marked_methods;
    -- An organization that chose one would keep a method that is never charged again: it goes back to none, so
    -- its owners see that and choose another (pay links meanwhile).
    perform astapa.clear_unlinked_billing_methods(project_id, marked, false, actor);
    return pg_catalog.cardinality(marked);
  end
  $$;

comment on function astapa.unlink_every_method(text, bigint, text) is
  'A claim (astapa.claim_unproven_account, actor claim) or an erasure (astapa.erase_user, actor erasure) unlinks '
  'every live method (active or waiting for approval) of the account: each is marked (unlink_requested_at = '
  'now, unlink_actor = the actor, unlink_attempted_at = ''-infinity'': due at once), so no renewal charges it '
  'from then on (astapa.open_renewal_charge, api.next_renewal_charge: METHOD_UNLINKING), and the next billing '
  'pass expires it at Xendit and ends it (api.next_stalled_unlink; billing.method_unlinked as the actor). '
  'Xendit''s refusal ends it here all the same (api.cancel_method_unlink). An organization that chose one of '
  'them has its choice cleared (astapa.clear_unlinked_billing_methods: audited; one held by another transaction '
  'at that moment when the unlink ends). Returns how many were marked. AS403 outside the acting project, AS400 '
  'another actor.';

grant execute on function astapa.unlink_every_method(text, bigint, text) to astapa_app;

create or replace function api.cancel_method_unlink(project_id text, user_id bigint, method_id text,
                                                    requested_at timestamptz)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target astapa.linked_methods;
  begin
    target := astapa.held_linked_method(project_id, user_id, method_id);
    -- Only the mark this unlink made: a later unlink of the same method has marked it again and goes on.
    if target.status in ('requires_action', 'active') and target.unlink_requested_at = requested_at then
      if target.unlink_actor in ('claim', 'erasure') then
        -- Nobody the account belongs to asked to keep it: a method a claim or an erasure unlinks
        -- (astapa.unlink_every_method) is ended here even when Xendit will not expire it; without us nothing
        -- charges it there.
        update astapa.linked_methods as m set status = 'expired', updated_at = pg_catalog.now()
        where m.project_id = target.project_id and m.id = target.id
        returning * into target;
        perform astapa.audit_method_unlinked(target);
      else
        update astapa.linked_methods as m set unlink_requested_at = null, unlink_attempted_at = null,
          unlink_actor = null
        where m.project_id = target.project_id and m.id = target.id
        returning * into target;
      end if;
    end if;
    return astapa.linked_method_json(target);
  end
  $$;

comment on function api.cancel_method_unlink(text, bigint, text, timestamptz) is
  'Xendit refused to expire the method: clears the mark api.request_method_unlink made (the one of this '
  'requested_at only), so the method is linked and chargeable as before — except a claim''s or an erasure''s '
  'mark (astapa.unlink_every_method), which ends the method here all the same (expired, billing.method_unlinked '
  'as claim or erasure). AS404 not this user''s method.';

grant execute on function api.cancel_method_unlink(text, bigint, text, timestamptz) to astapa_app;

create or replace function api.next_stalled_unlink(project_id text, now timestamptz, stale_seconds integer)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target astapa.linked_methods;
  begin
    if now is null or stale_seconds is null or stale_seconds < 0 then
      raise exception using errcode = 'AS400', message = 'Stalled unlinks need now and a non-negative window.';
    end if;
    -- An unlink whose last try is older than any call to Xendit can last (the window outlasts XENDIT_TIMEOUT_MS)
    -- got no answer, or its instance died: nobody is finishing it. Taken by one pass at a time (SKIP LOCKED),
    -- and stamped, so the next try comes a window later; the mark, its time and its actor stay as they were.
    select * into target from astapa.linked_methods as m
    where m.project_id = next_stalled_unlink.project_id and m.unlink_requested_at is not null
      and m.status in ('requires_action', 'active')
      and m.unlink_attempted_at <= next_stalled_unlink.now - pg_catalog.make_interval(secs => stale_seconds)
    order by m.unlink_attempted_at, m.id
    for update of m skip locked
    limit 1;
    if not found then
      return null;
    end if;
    update astapa.linked_methods as m set unlink_attempted_at = next_stalled_unlink.now
    where m.project_id = target.project_id and m.id = target.id
    returning * into target;
    return astapa.linked_method_json(target) || pg_catalog.jsonb_build_object(
      'unlink_actor', target.unlink_actor, 'expire_at_xendit', target.provider_id is not null);
  end
  $$;

comment on function api.next_stalled_unlink(text, timestamptz, integer) is
  'The billing pass''s next stalled unlink (FOR UPDATE SKIP LOCKED; null when none is left): a live method '
  'marked by api.request_method_unlink whose last try is stale_seconds old or more — Xendit gave no answer, or '
  'the instance died between the mark and the end — or by a claim or an erasure (astapa.unlink_every_method: never tried, '
  '''-infinity'', so taken first and at once). Stamps the try (unlink_attempted_at = now) and answers the '
  'method with its unlink_requested_at, unlink_actor and expire_at_xendit; the caller asks Xendit to expire it, '
  'then api.unlink_method, or api.cancel_method_unlink when Xendit refuses. AS400 without now or with a '
  'negative window.';

grant execute on function api.next_stalled_unlink(text, timestamptz, integer) to astapa_app;

create or replace function api.unlink_method(project_id text, user_id bigint, method_id text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    target astapa.linked_methods;
  begin
    target := astapa.held_linked_method(project_id, user_id, method_id);
    -- Already ended (Xendit's expiry callback came first and recorded the unlink, or a second unlink): nothing.
    if target.status in ('requires_action', 'active') then
      update astapa.linked_methods as m set status = 'expired', updated_at = pg_catalog.now()
      where m.project_id = target.project_id and m.id = target.id
      returning * into target;
      perform astapa.audit_method_unlinked(target);
    end if;
    return astapa.linked_method_json(target);
  end
  $$;

comment on function api.unlink_method(text, bigint, text) is
  'Ends an unlink (after the caller expired the method at Xendit): expired, never charged again, audited as the '
  'actor who asked (api.request_method_unlink), else the current one. Unlinking one already ended changes '
  'nothing. AS404 not this user''s method.';

grant execute on function api.unlink_method(text, bigint, text) to astapa_app;

create or replace function astapa.xendit_public_key_problem(environment text, public_key text) returns text
  language sql
  immutable
  set search_path = ''
  as $$
    -- A test key in production (or a live one in the sandbox) would make Xendit.js tokenise in the wrong account.
    select case
      when public_key is null then null
      when public_key !~ '^xnd_public_(development|production)_[A-Za-z0-9_+/=-]{1,200}$'
        then 'Must be a Xendit public key (xnd_public_…).'
      when (public_key like 'xnd_public_development_%') is distinct from (environment = 'sandbox')
        then 'Must be a development key for sandbox and a production key for production.'
    end
  $$;

comment on function astapa.xendit_public_key_problem(text, text) is
  'What is wrong with a publishable key for an environment, or null (a null key, which removes it, is fine): '
  'the one check behind the field errors of api.set_xendit_public_key and api.update_billing_settings.';

grant execute on function astapa.xendit_public_key_problem(text, text) to astapa_app;

create or replace function api.set_xendit_public_key(project_id text, environment text, public_key text)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    problem text := astapa.xendit_public_key_problem(environment, public_key);
  begin
    if problem is not null then
      perform astapa.raise_problems(
        pg_catalog.jsonb_build_object('public_key', pg_catalog.jsonb_build_array(problem)));
    end if;
    update astapa.xendit_keys as k set public_key = set_xendit_public_key.public_key, updated_at = pg_catalog.now()
    where k.project_id = set_xendit_public_key.project_id and k.environment = set_xendit_public_key.environment;
    if not found then
      raise exception using errcode = 'AS409',
        message = 'Set the secret key and callback token of this environment first.';
    end if;
    perform astapa.audit(project_id, 'xendit_keys.set', 'project:' || project_id,
      pg_catalog.jsonb_build_object('environment', environment, 'public_key', public_key));
  end
  $$;

comment on function api.set_xendit_public_key(text, text, text) is
  'Stores (null: removes) the publishable key of a project''s own Xendit account for an environment, used by '
  'Xendit.js to tokenise cards in the browser. AS400 not a public key or the wrong environment''s; AS409 no '
  'secret key stored for that environment. Audited (xendit_keys.set).';

grant execute on function api.set_xendit_public_key(text, text, text) to astapa_app;

create or replace function api.xendit_public_key(project_id text, environment text) returns text
  language sql
  stable
  set search_path = ''
  as $$
    select k.public_key from astapa.xendit_keys as k
    where k.project_id = xendit_public_key.project_id and k.environment = xendit_public_key.environment
  $$;

comment on function api.xendit_public_key(text, text) is
  'The publishable key of a project''s own Xendit account for an environment, or null.';

grant execute on function api.xendit_public_key(text, text) to astapa_app;
