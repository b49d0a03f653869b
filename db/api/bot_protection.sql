-- Bot protection on the hosted login's forms (docs/hosted-login.md#bot-protection): settings.bot_protection
-- names a challenge provider (Cloudflare Turnstile or hCaptcha), the project's site key, its secret key sealed
-- by the server under the master key (never stored or logged in the clear) and the forms that ask for it.

create or replace function astapa.bot_protection_problem(value jsonb) returns text
  language plpgsql
  immutable
  set search_path = ''
  as $$
  begin
    if pg_catalog.jsonb_typeof(value) <> 'object'
       or exists (select from pg_catalog.jsonb_object_keys(value) as k
                  where k not in ('provider', 'site_key', 'secret_key_sealed', 'on')) then
      return 'bot_protection takes provider, site_key, secret_key_sealed and on only.';
    end if;
    if value ? 'provider' and coalesce(value ->> 'provider', '') not in ('turnstile', 'hcaptcha') then
      return 'bot_protection.provider must be turnstile or hcaptcha.';
    end if;
    -- The site key is public and lands in the page's HTML: Turnstile's 0x4AAA…, hCaptcha's UUID.
    if value ? 'site_key' and (pg_catalog.jsonb_typeof(value -> 'site_key') <> 'string'
       or (value ->> 'site_key') !~ '^[A-Za-z0-9_-]{1,100}$') then
      return 'bot_protection.site_key must be the provider''s site key: 1 to 100 letters, digits, - or _.';
    end if;
    -- The secret key sealed: 12 bytes of IV, the ciphertext and a 16-byte tag, base64url (39 characters at least).
    if value ? 'secret_key_sealed' and (pg_catalog.jsonb_typeof(value -> 'secret_key_sealed') <> 'string'
       or (value ->> 'secret_key_sealed') !~ '^[A-Za-z0-9_-]{39,}$'
       or pg_catalog.length(value ->> 'secret_key_sealed') > 4000) then
      return 'bot_protection.secret_key_sealed must be sealed by the server (base64url).';
    end if;
    if value ? 'on' and (pg_catalog.jsonb_typeof(value -> 'on') <> 'array'
       or pg_catalog.jsonb_array_length(value -> 'on') not between 1 and 8
       or exists (select from pg_catalog.jsonb_array_elements(value -> 'on') as f
                  where f not in ('"sign_up"', '"sign_in"', '"forgot"', '"email_code"', '"phone"',
                                  '"passkey_sign_up"', '"resend"', '"anonymous"'))
       or (select count(distinct f) from pg_catalog.jsonb_array_elements(value -> 'on') as f)
          <> pg_catalog.jsonb_array_length(value -> 'on')) then
      return 'bot_protection.on must list one or more of sign_up, sign_in, forgot, email_code, phone, '
        || 'passkey_sign_up, resend and anonymous, each once.';
    end if;
    return null;
  end
  $$;

comment on function astapa.bot_protection_problem(jsonb) is
  'A readable reason a settings.bot_protection change ({provider: turnstile|hcaptcha, site_key, '
  'secret_key_sealed, on: [sign_up|sign_in|forgot|email_code|phone|passkey_sign_up|resend|anonymous]}, any of them) is '
  'refused, or null.';

grant execute on function astapa.bot_protection_problem(jsonb) to astapa_app;

create or replace function astapa.bot_protection_merged(stored jsonb, change jsonb) returns jsonb
  language plpgsql
  immutable
  set search_path = ''
  as $$
  declare
    merged jsonb;
  begin
    if change is null or change = 'null'::jsonb then
      return null;
    end if;
    -- A secret belongs to one provider's account: another provider needs its own, never the stored one.
    if stored is not null and change ? 'provider' and change ->> 'provider' <> stored ->> 'provider'
       and not change ? 'secret_key_sealed' then
      raise exception using errcode = 'AS400',
        message = 'bot_protection: a new provider needs its own secret key.';
    end if;
    merged := coalesce(stored, '{}') || change;
    if not merged ?& array['provider', 'site_key', 'secret_key_sealed', 'on'] then
      raise exception using errcode = 'AS400',
        message = 'bot_protection needs provider, site_key, secret_key and on.';
    end if;
    return merged;
  end
  $$;

comment on function astapa.bot_protection_merged(jsonb, jsonb) is
  'settings.bot_protection after a change merged key by key (the secret kept unless a new one is given; '
  'null: off), or AS400 when the result lacks a part or a new provider came without its secret.';

grant execute on function astapa.bot_protection_merged(jsonb, jsonb) to astapa_app;

create or replace function astapa.bot_protection_logged(change jsonb) returns jsonb
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select case
      when pg_catalog.jsonb_typeof(change) <> 'object' then change
      when change ? 'secret_key_sealed' then (change - 'secret_key_sealed') || '{"secret_key": "changed"}'
      else change end
  $$;

comment on function astapa.bot_protection_logged(jsonb) is
  'A settings.bot_protection change as the audit log holds it: whether the secret changed, never the secret.';

grant execute on function astapa.bot_protection_logged(jsonb) to astapa_app;
