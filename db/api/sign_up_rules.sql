-- Who may create an account through the hosted login: settings.sign_up (docs/project-settings.md).
-- The current definition of each function of this area: edit it here, in place (see docs/database.md).
-- Every path that creates an account for a person who asks (password, emailed code, passkey, Google/GitHub,
-- phone, a guest's sign-up) calls astapa.assert_sign_up_allowed; what the project does itself (Platform API,
-- import, dashboard, CLI) does not, nor does a first enterprise SSO sign-in (the project provisions it for the
-- organization's domain).

create or replace function astapa.sign_up_domain_problem(entry jsonb) returns text
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    -- A domain as DNS spells it, in ASCII: an internationalised one is written in its xn-- form, so that an
    -- entry and an address compare the same way whatever the person typed. "*." in front: its subdomains.
    select case
      when pg_catalog.jsonb_typeof(entry) <> 'string' then 'Each domain must be a string such as example.co.id.'
      when entry #>> '{}' ~ '[^\x01-\x7f]' then pg_catalog.format('%s: write an internationalised domain in its '
        'ASCII (xn--) form.', entry #>> '{}')
      when pg_catalog.length(entry #>> '{}') > 253
        or entry #>> '{}' !~* '^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'
        then pg_catalog.format('%s is not a domain: write it as example.co.id, or *.example.co.id for its '
          'subdomains.', pg_catalog.left(entry #>> '{}', 300))
    end
  $$;

comment on function astapa.sign_up_domain_problem(jsonb) is
  'A readable reason an entry of sign_up.allowed_domains, blocked_domains or disposable_allowed_domains is refused '
  '(not an ASCII domain, optionally *. in front), or null.';

grant execute on function astapa.sign_up_domain_problem(jsonb) to astapa_app;

create or replace function astapa.sign_up_settings_problem(value jsonb) returns text
  language plpgsql
  immutable
  set search_path = ''
  as $$
  declare
    list text;
    entry jsonb;
    problem text;
  begin
    if pg_catalog.jsonb_typeof(value) <> 'object'
       or exists (select from pg_catalog.jsonb_object_keys(value) as k
                  where k not in ('mode', 'allowed_domains', 'blocked_domains', 'block_disposable_domains',
                                  'disposable_allowed_domains', 'block_subaddresses', 'require_legal_consent')) then
      return 'sign_up takes mode, allowed_domains, blocked_domains, block_disposable_domains, '
        'disposable_allowed_domains, block_subaddresses and require_legal_consent only.';
    end if;
    foreach list in array array['block_disposable_domains', 'block_subaddresses', 'require_legal_consent'] loop
      if value ? list and pg_catalog.jsonb_typeof(value -> list) not in ('boolean', 'null') then
        return pg_catalog.format('sign_up.%s must be true or false.', list);
      end if;
    end loop;
    -- A key given null returns to its default (api.update_project_settings merges sign_up key by key).
    if value ? 'mode' and value -> 'mode' <> 'null'::jsonb
       and coalesce(value ->> 'mode', '') not in ('open', 'invitation', 'waitlist', 'closed') then
      return 'sign_up.mode must be open, invitation, waitlist or closed.';
    end if;
    foreach list in array array['allowed_domains', 'blocked_domains', 'disposable_allowed_domains'] loop
      continue when not value ? list or value -> list = 'null'::jsonb;
      if pg_catalog.jsonb_typeof(value -> list) <> 'array' then
        return pg_catalog.format('sign_up.%s must be a list of domains.', list);
      end if;
      if pg_catalog.jsonb_array_length(value -> list) > 100 then
        return pg_catalog.format('sign_up.%s may hold at most 100 domains.', list);
      end if;
      for entry in select e from pg_catalog.jsonb_array_elements(value -> list) as e loop
        problem := astapa.sign_up_domain_problem(entry);
        if problem is not null then
          return pg_catalog.format('sign_up.%s: %s', list, problem);
        end if;
      end loop;
      if (select count(distinct pg_catalog.lower(d)) from pg_catalog.jsonb_array_elements_text(value -> list) as d)
         <> pg_catalog.jsonb_array_length(value -> list) then
        return pg_catalog.format('sign_up.%s lists a domain twice.', list);
      end if;
    end loop;
    return null;
  end
  $$;

comment on function astapa.sign_up_settings_problem(jsonb) is
  'A readable reason settings.sign_up ({mode: open|invitation|waitlist|closed, allowed_domains, blocked_domains, '
  'disposable_allowed_domains: up to 100 ASCII domains each, *. for subdomains, no repeats; '
  'block_disposable_domains, block_subaddresses, require_legal_consent: booleans}) is refused, or null when it is '
  'valid (require_legal_consent''s need for a terms or privacy address is api.update_project_settings'' check).';

grant execute on function astapa.sign_up_settings_problem(jsonb) to astapa_app;

create or replace function astapa.domain_listed(domain text, entries jsonb) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    -- "example.com" is that domain only; "*.example.com" is any domain under it, not example.com itself
    -- (as Clerk's lists read). The domain comes as astapa.email_domain writes it; entries in any case.
    select exists (
      select from pg_catalog.jsonb_array_elements_text(coalesce(entries, '[]')) as e,
        lateral (select pg_catalog.lower(pg_catalog.ltrim(e, '*')) as tail) as c
      where case when e like '*.%' then pg_catalog.right(domain, pg_catalog.length(c.tail)) = c.tail
                                        and pg_catalog.length(domain) > pg_catalog.length(c.tail)
                 else domain = pg_catalog.lower(e) end)
  $$;

comment on function astapa.domain_listed(text, jsonb) is
  'Whether a domain (as astapa.email_domain writes it) is on a sign_up domain list: an entry names that domain '
  'exactly, or with *. in front any of its subdomains; entries in any case.';

grant execute on function astapa.domain_listed(text, jsonb) to astapa_app;

create or replace function astapa.disposable_domain(domain text) returns boolean
  language sql
  stable
  parallel safe
  set search_path = ''
  as $$
    -- The domain and each one above it (mail.tempr.email, tempr.email, email), as mailchecker's own check walks
    -- them: one probe of the list's primary key per label.
    select exists (
      select from astapa.disposable_email_domains as d
      where d.domain = any (array(
        select pg_catalog.array_to_string(l.labels[i:], '.')
        from (select pg_catalog.string_to_array(disposable_domain.domain, '.') as labels) as l,
          pg_catalog.generate_subscripts(l.labels, 1) as i)))
  $$;

comment on function astapa.disposable_domain(text) is
  'Whether a domain (as astapa.email_domain writes it) or any domain above it is a throwaway mail service''s '
  '(astapa.disposable_email_domains).';

grant execute on function astapa.disposable_domain(text) to astapa_app;

create or replace function astapa.subaddressed(email text) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    -- The characters mail systems take as the start of a subaddress (RFC 5233's "detail"): + at most, = and #
    -- at some; Clerk's "Block email subaddresses" refuses the same three. The local part is what comes before
    -- the last @ (a quoted one may hold an @).
    select pg_catalog.regexp_replace(pg_catalog.btrim(email), '@[^@]*$', '') ~ '[+=#]'
  $$;

comment on function astapa.subaddressed(text) is
  'Whether an address''s local part (before its last @) holds +, = or #, the marks of a subaddress '
  '(dewi+promo@example.com).';

grant execute on function astapa.subaddressed(text) to astapa_app;

create or replace function astapa.sign_up_refusal(project_id text, email text, invitation_token text)
  returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    rules jsonb := (select p.settings -> 'sign_up' from astapa.projects as p where p.id = sign_up_refusal.project_id);
    mode text := coalesce(rules ->> 'mode', 'open');
    domain text := astapa.email_domain(sign_up_refusal.email);
  begin
    if mode = 'closed' then
      return '{"reason": "closed"}';
    end if;
    if mode = 'invitation' and (sign_up_refusal.email is null or invitation_token is null or not exists (
        select from astapa.organization_invitations as i
        where i.project_id = sign_up_refusal.project_id
          and i.token_hash = pg_catalog.sha256(pg_catalog.convert_to(invitation_token, 'UTF8'))
          and i.accepted_at is null and i.revoked_at is null and i.expires_at > pg_catalog.now()
          and pg_catalog.lower(i.email) = pg_catalog.lower(pg_catalog.btrim(sign_up_refusal.email)))) then
      return '{"reason": "invitation"}';
    end if;
    -- Waitlist: only an address the project approved, in its current environment (db/api/waitlist.sql); a
    -- number alone was never on the list.
    if mode = 'waitlist' and (sign_up_refusal.email is null or not exists (
        select from astapa.waitlist_entries as w join astapa.projects as p on p.id = w.project_id
        where w.project_id = sign_up_refusal.project_id and w.environment = p.mode and w.status = 'approved'
          and w.email_lower = pg_catalog.lower(pg_catalog.btrim(sign_up_refusal.email)))) then
      return '{"reason": "waitlist"}';
    end if;
    -- A number alone names no domain: it cannot show it is at an allowed one.
    if sign_up_refusal.email is null then
      return case when pg_catalog.jsonb_array_length(coalesce(rules -> 'allowed_domains', '[]')) > 0
        then '{"reason": "email_required"}'::jsonb end;
    end if;
    -- The domain is compared in its ASCII spelling (astapa.email_domain), so a blocked one spelled in Unicode or
    -- full-width letters is still blocked. One typed with any letter outside ASCII is refused under either list
    -- all the same: at the edges a mail system's own IDNA mapping may not be ours, and a list must not let an
    -- address in on a guess.
    if (pg_catalog.jsonb_array_length(coalesce(rules -> 'allowed_domains', '[]')) > 0
          and not astapa.domain_listed(domain, rules -> 'allowed_domains'))
       or astapa.domain_listed(domain, rules -> 'blocked_domains')
       or (pg_catalog.split_part(sign_up_refusal.email, '@', -1) ~ '[^\x01-\x7f]'
           and (rules ? 'allowed_domains' or rules ? 'blocked_domains')) then
      return pg_catalog.jsonb_build_object('reason', 'domain', 'domain', domain);
    end if;
    -- disposable_allowed_domains only lifts this switch (the alias services people keep: duck.com, addy.io…):
    -- the domain lists above have already refused what they refuse. Like them it lets nothing in on a guess: a
    -- domain typed with a letter outside ASCII stays refused here even when its ASCII reading is excepted.
    if coalesce((rules ->> 'block_disposable_domains')::boolean, false) and astapa.disposable_domain(domain)
       and not (astapa.domain_listed(domain, rules -> 'disposable_allowed_domains')
                and pg_catalog.split_part(sign_up_refusal.email, '@', -1) !~ '[^\x01-\x7f]') then
      return pg_catalog.jsonb_build_object('reason', 'disposable', 'domain', domain);
    end if;
    if coalesce((rules ->> 'block_subaddresses')::boolean, false) and astapa.subaddressed(sign_up_refusal.email) then
      return '{"reason": "subaddress"}';
    end if;
    return null;
  end
  $$;

comment on function astapa.sign_up_refusal(text, text, text) is
  'Why settings.sign_up refuses a new account for this address (null: a phone-only sign-up) and the '
  'invitation token the hosted-login request carries: {reason: closed | invitation | waitlist | email_required | '
  'domain | disposable | subaddress, domain?}, or null when it may be created. disposable: block_disposable_domains '
  'and a throwaway service''s domain (astapa.disposable_domain) not on disposable_allowed_domains (an address '
  'typed in ASCII); subaddress: block_subaddresses and a +, = or # in the local part. invitation: an open '
  'invitation of the project with that token, to that address (any case). waitlist: an approved waitlist entry '
  'of the project''s current environment for that address (any case).';

grant execute on function astapa.sign_up_refusal(text, text, text) to astapa_app;

create or replace function astapa.legal_consent_given() returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    -- Set by db/client.ts from the hosted-login form: the person's own statement, so a forged one is theirs too.
    select coalesce(pg_catalog.current_setting('astapa.sign_up_legal_consent', true), '') = 'true'
  $$;

comment on function astapa.legal_consent_given() is
  'Whether the person signing up agreed to the project''s terms and privacy policy in this request '
  '(astapa.sign_up_legal_consent, set by db/client.ts): astapa.assert_sign_up_allowed requires it under '
  'settings.sign_up.require_legal_consent, and the new account''s legal_accepted_at records it.';

grant execute on function astapa.legal_consent_given() to astapa_app;

create or replace function astapa.legal_accepted_now() returns timestamptz
  language sql
  stable
  set search_path = ''
  as $$
    select case when astapa.legal_consent_given() then pg_catalog.now() end
  $$;

comment on function astapa.legal_accepted_now() is
  'A new account''s legal_accepted_at: now when the person agreed in this request (astapa.legal_consent_given), '
  'else null.';

grant execute on function astapa.legal_accepted_now() to astapa_app;

create or replace function astapa.assert_sign_up_allowed(project_id text, email text) returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    refusal jsonb := astapa.sign_up_refusal(project_id, email,
      nullif(pg_catalog.current_setting('astapa.sign_up_invitation', true), ''));
    app text := (select p.name from astapa.projects as p where p.id = assert_sign_up_allowed.project_id);
  begin
    -- One SQLSTATE per reason (all sign_up_refused, 403), so a page says it in the person's language; the
    -- domain goes in DETAIL for it. Raised, so the whole statement rolls back: nothing is written.
    case refusal ->> 'reason'
    when 'closed' then
      raise exception using errcode = 'AS4N0', message = pg_catalog.format('Sign-ups for %s are closed.', app);
    when 'invitation' then
      raise exception using errcode = 'AS4N1',
        message = pg_catalog.format('Sign-ups for %s are by invitation only.', app);
    when 'waitlist' then
      raise exception using errcode = 'AS4N4',
        message = pg_catalog.format('Sign-ups for %s go through a waitlist: this address is not approved yet.', app);
    when 'email_required' then
      raise exception using errcode = 'AS4N3',
        message = pg_catalog.format('Sign-ups for %s need an email address.', app);
    when 'domain' then
      raise exception using errcode = 'AS4N2', detail = refusal ->> 'domain',
        message = pg_catalog.format('Addresses at %s cannot sign up for %s.', refusal ->> 'domain', app);
    when 'disposable' then
      raise exception using errcode = 'AS4N5', detail = refusal ->> 'domain',
        message = pg_catalog.format('%s is a disposable mail service: sign up for %s with a permanent address.',
                                    refusal ->> 'domain', app);
    when 'subaddress' then
      raise exception using errcode = 'AS4N6',
        message = pg_catalog.format('Sign up for %s with an address without a +tag (no +, = or # before the @).', app);
    else
      -- Asked last: a person the other rules refuse is told that, not asked to agree first.
      if coalesce((select (p.settings #>> '{sign_up,require_legal_consent}')::boolean from astapa.projects as p
                   where p.id = assert_sign_up_allowed.project_id), false)
         and not astapa.legal_consent_given() then
        raise exception using errcode = 'AS4N7',
          message = pg_catalog.format('Agree to the terms and privacy policy of %s to create an account.', app);
      end if;
    end case;
  end
  $$;

comment on function astapa.assert_sign_up_allowed(text, text) is
  'The one check every hosted-login path that creates an account makes (api.sign_up_user, email codes, '
  'passkey sign-ups, social sign-in, phone codes): raises AS4N0 closed, AS4N1 invitation only, AS4N2 domain '
  '(DETAIL: the domain), AS4N3 email required, AS4N4 not approved on the waitlist, AS4N5 a disposable domain '
  '(DETAIL: the domain), AS4N6 a subaddress, by astapa.sign_up_refusal with the request''s invitation token '
  '(astapa.sign_up_invitation, set by db/client.ts); then AS4N7 when settings.sign_up.require_legal_consent and '
  'the person did not agree (astapa.legal_consent_given). Admin paths do not call it.';

grant execute on function astapa.assert_sign_up_allowed(text, text) to astapa_app;

create or replace function api.sign_up_user(project_id text, email text, password_hash text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- Checked before the address is looked up: the answer is the same whether or not an account has it.
    perform astapa.require_project(project_id);
    -- An address whose organization signs in through its own IdP signs up there (sso_enforcement.sql).
    perform astapa.assert_sso_not_required(project_id, email);
    perform astapa.assert_sign_up_allowed(project_id, pg_catalog.btrim(email));
    return api.create_user(project_id, email, password_hash, false);
  end
  $$;

comment on function api.sign_up_user(text, text, text) is
  'A person signs up with a password on the hosted login: enforced SSO (astapa.assert_sso_not_required, AS4E0) '
  'and settings.sign_up checked first (astapa.assert_sign_up_allowed), then api.create_user (unverified; AS409 '
  'when the address is taken).';

grant execute on function api.sign_up_user(text, text, text) to astapa_app;
