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

create or replace function api.mail_email_code(email text, code_hash bytea, link_hash bytea,
  sign_in_request text, subject text, body_text text, body_html text)
  returns boolean
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    found_user record;
  begin
    select u.id, u.email into found_user
    from astapa.users u join astapa.projects p on p.id = u.project_id
    where u.project_id = astapa.current_project_id() and u.environment = p.mode and not u.disabled
      and u.email_lower = pg_catalog.lower(pg_catalog.btrim(mail_email_code.email));
    -- Silence, not an error, when there is nobody to mail: the page answers the same either way.
    if not found then
      return false;
    end if;
    -- One live code per person: a new one voids the ones before it.
    update astapa.email_codes c set used_at = pg_catalog.now()
    where c.project_id = astapa.current_project_id() and c.user_id = found_user.id and c.used_at is null;
    insert into astapa.email_codes (project_id, link_hash, user_id, code_hash, sign_in_request, expires_at)
    values (astapa.current_project_id(), link_hash, found_user.id, code_hash, sign_in_request,
      pg_catalog.now() + interval '10 minutes');
    perform api.queue_mail(found_user.email, subject, body_text, 'email_code', body_html);
    return true;
  end
  $$;

comment on function api.mail_email_code(text, bytea, bytea, text, text, text, text) is
  'Mails a sign-in code and magic link to the enabled user behind an email (current project and environment), '
  'voiding their earlier codes; 10 minutes, 5 tries. Returns false, silently, when nobody qualifies.';

grant execute on function api.mail_email_code(text, bytea, bytea, text, text, text, text) to astapa_app;

create or replace function api.redeem_email_code(email text, code_hash bytea) returns jsonb
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
    where c.project_id = astapa.current_project_id() and c.used_at is null and c.expires_at > pg_catalog.now()
      and c.tries < 5 and not u.disabled and u.environment = p.mode
      and u.email_lower = pg_catalog.lower(pg_catalog.btrim(redeem_email_code.email))
    for update of c;
    if not found then
      return null;
    end if;
    if live.code_hash <> redeem_email_code.code_hash then
      update astapa.email_codes c set tries = c.tries + 1
      where c.project_id = live.project_id and c.link_hash = live.link_hash;
      return null;
    end if;
    return astapa.use_email_code(live);
  end
  $$;

comment on function api.redeem_email_code(text, bytea) is
  'Signs in with the 6-digit code mailed to this address: the user id and their email now verified, or null '
  '(wrong — one of 5 tries spent —, used, expired, voided by a newer code, or nobody).';

grant execute on function api.redeem_email_code(text, bytea) to astapa_app;

create or replace function astapa.use_email_code(live astapa.email_codes) returns jsonb
  language sql
  volatile
  set search_path = ''
  as $$
    update astapa.email_codes c set used_at = pg_catalog.now()
    where c.project_id = live.project_id and c.link_hash = live.link_hash;
    -- The mailbox answered: the address is the person's.
    update astapa.users u set email_verified = true
    where u.project_id = live.project_id and u.id = live.user_id and not u.email_verified;
    select astapa.audit(live.project_id, 'sign_in.email_code', 'user:' || live.user_id, '{}');
    select pg_catalog.jsonb_build_object('user_id', live.user_id::text);
  $$;

comment on function astapa.use_email_code(astapa.email_codes) is
  'Uses up a live email code (by code or link), verifies the address, audits sign_in.email_code.';

grant execute on function astapa.use_email_code(astapa.email_codes) to astapa_app;

create or replace function api.email_code_link(link_hash bytea) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('sign_in_request', c.sign_in_request,
      'usable', c.used_at is null and c.expires_at > pg_catalog.now() and c.tries < 5)
    from astapa.email_codes c
    where c.project_id = astapa.current_project_id() and c.link_hash = email_code_link.link_hash
  $$;

comment on function api.email_code_link(bytea) is
  'What a magic link opens (its authorization request) and whether it still signs in; null for an unknown '
  'token. Reading it changes nothing: the page asks for a button press first.';

grant execute on function api.email_code_link(bytea) to astapa_app;

create or replace function api.redeem_email_code_link(link_hash bytea) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    live astapa.email_codes;
  begin
    select c.* into live from astapa.email_codes c
    join astapa.users u on u.project_id = c.project_id and u.id = c.user_id
    join astapa.projects p on p.id = c.project_id
    where c.project_id = astapa.current_project_id() and c.link_hash = redeem_email_code_link.link_hash
      and c.used_at is null and c.expires_at > pg_catalog.now() and c.tries < 5
      and not u.disabled and u.environment = p.mode
    for update of c;
    if not found then
      return null;
    end if;
    return astapa.use_email_code(live);
  end
  $$;

comment on function api.redeem_email_code_link(bytea) is
  'Signs in with the magic link of a live email code (the same code, used up): the user id, or null.';

grant execute on function api.redeem_email_code_link(bytea) to astapa_app;
