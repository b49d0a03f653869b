-- Enforced enterprise SSO and matching by the IdP's subject (docs/enterprise-sso.md, "Enforced SSO and existing
-- accounts"). Once an organization's connection is enabled, an address at one of its verified domains signs in
-- and signs up through its IdP only: every hosted-login path that signs a person in by an address, or into an
-- account that has one (password sign-up, email codes and magic links, passkeys, passkey sign-ups, Google/GitHub,
-- phone), calls astapa.assert_sso_not_required. The SSO callback and the project's own paths (Platform API,
-- import, Claims API, dashboard, CLI) do not. The connections are in sso_connections.sql; the subject links
-- (astapa.sso_identities, migration 4237) are kept here.

drop policy if exists "a project reads its own sso identities" on astapa.sso_identities;
create policy "a project reads its own sso identities" on astapa.sso_identities
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project links sso identities to its own users" on astapa.sso_identities;
create policy "a project links sso identities to its own users" on astapa.sso_identities
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project moves its own sso identities" on astapa.sso_identities;
create policy "a project moves its own sso identities" on astapa.sso_identities
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project unlinks its own sso identities" on astapa.sso_identities;
create policy "a project unlinks its own sso identities" on astapa.sso_identities
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

-- Machine and self-registered clients may not write it (astapa.refuse_foreign_client_writes), as identities.
create or replace trigger sso_identities_refuse_foreign_client_writes
  before insert or update or delete or truncate
  on astapa.sso_identities for each statement execute function astapa.refuse_foreign_client_writes();

create or replace function astapa.sso_connection_requiring(project_id text, email text) returns text
  language sql
  stable
  set search_path = ''
  as $$
    -- The domain as the mail system reads it (astapa.email_domain), so that "Dewi@ACME.test.", full-width letters
    -- or the Unicode spelling of an xn-- domain are no way around the rule.
    select c.id
    from astapa.organization_domains d
    join astapa.sso_connections c on c.project_id = d.project_id and c.organization_id = d.organization_id
    where d.project_id = sso_connection_requiring.project_id and d.verified_at is not null and c.enabled
      and d.domain = astapa.email_domain(sso_connection_requiring.email)
  $$;

comment on function astapa.sso_connection_requiring(text, text) is
  'The id of the enabled SSO connection whose organization verified the address''s domain (astapa.email_domain), '
  'or null: the address then signs in through that IdP only.';

grant execute on function astapa.sso_connection_requiring(text, text) to astapa_app;

create or replace function astapa.assert_sso_not_required(project_id text, email text) returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    -- The answer depends on the domain only, never on whether an account has the address: a path may ask before
    -- it looks the address up (an email code's request) and say the same for everyone at the domain.
    if astapa.sso_connection_requiring(project_id, email) is not null then
      raise exception using errcode = 'AS4E0', detail = pg_catalog.btrim(email), message =
        'Your organization signs you in with its own identity provider: continue with single sign-on.';
    end if;
  end
  $$;

comment on function astapa.assert_sso_not_required(text, text) is
  'The one check of enforced SSO: raises AS4E0 (sso_required, 403; DETAIL: the address, for the page''s '
  '"Continue with single sign-on") when the address is at a verified domain of an organization with an enabled '
  'SSO connection (astapa.sso_connection_requiring). Every hosted-login first factor but the SSO callback calls '
  'it, with the address typed or the account''s; null or no @: nothing.';

grant execute on function astapa.assert_sso_not_required(text, text) to astapa_app;

create or replace function astapa.assert_user_not_sso(project_id text, user_id bigint) returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    perform astapa.assert_sso_not_required(assert_user_not_sso.project_id, u.email)
    from astapa.users u where u.project_id = assert_user_not_sso.project_id and u.id = assert_user_not_sso.user_id;
  end
  $$;

comment on function astapa.assert_user_not_sso(text, bigint) is
  'astapa.assert_sso_not_required for an account''s own address (passkeys, phone, a linked Google/GitHub '
  'identity): AS4E0 when it is at a domain that signs in through SSO; an account without an address passes.';

grant execute on function astapa.assert_user_not_sso(text, bigint) to astapa_app;

create or replace function astapa.sso_linked_user(project_id text, mode text, connection_id text, subject text,
  email text)
  returns bigint
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    linked record;
    clean_email text := pg_catalog.btrim(email);
  begin
    select u.id, u.email, u.disabled, u.environment into linked
    from astapa.sso_identities l
    join astapa.users u on u.project_id = l.project_id and u.id = l.user_id
    where l.project_id = sso_linked_user.project_id and l.connection_id = sso_linked_user.connection_id
      and l.subject = sso_linked_user.subject and u.deleted_at is null
    for update of u;
    if linked.id is null then
      return null;
    end if;
    if linked.environment <> mode then
      raise exception using errcode = 'AS409',
        message = 'This account belongs to the project''s other environment (sandbox or production).';
    end if;
    if linked.disabled then
      raise exception using errcode = 'AS403', message = 'This account is disabled.';
    end if;
    if linked.email is null or pg_catalog.lower(linked.email) <> pg_catalog.lower(clean_email) then
      -- The IdP changed the person's address (the caller checked it is at the organization's verified domain):
      -- the account follows, unless another account has it — never two people merged into one account.
      if exists (select from astapa.users u
                 where u.project_id = sso_linked_user.project_id and u.environment = mode and u.id <> linked.id
                   and u.email_lower = pg_catalog.lower(clean_email)) then
        raise exception using errcode = 'AS4E1', detail = clean_email, message = pg_catalog.format(
          'Your identity provider now names you %s, which another account here uses: ask your administrator.',
          clean_email);
      end if;
      perform astapa.move_user_email(sso_linked_user.project_id, linked.id, clean_email, true,
        pg_catalog.jsonb_build_object('by', 'sso', 'connection', connection_id));
    end if;
    update astapa.sso_identities l set last_sign_in_at = pg_catalog.now()
    where l.project_id = sso_linked_user.project_id and l.connection_id = sso_linked_user.connection_id
      and l.subject = sso_linked_user.subject;
    return linked.id;
  end
  $$;

comment on function astapa.sso_linked_user(text, text, text, text, text) is
  'The account an SSO connection''s subject is linked to (astapa.sso_identities), or null when it is not linked '
  'yet. An address the IdP changed becomes the account''s (verified; audited user.email_changed {by: sso}) '
  'unless another account of the environment has it: AS4E1 (sso_email_taken, DETAIL the address). AS403 '
  'disabled, AS409 an account of the other environment.';

grant execute on function astapa.sso_linked_user(text, text, text, text, text) to astapa_app;

create or replace function astapa.link_sso_subject(project_id text, connection_id text, subject text,
  user_id bigint)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    moved text;
  begin
    -- One link per account and connection: an account found by address under a new subject (the IdP replaced,
    -- or the address given to someone new there, whose mailbox it now is) moves its link to that subject.
    update astapa.sso_identities l set subject = link_sso_subject.subject, last_sign_in_at = pg_catalog.now()
    from (select o.subject as old from astapa.sso_identities o
          where o.project_id = link_sso_subject.project_id and o.connection_id = link_sso_subject.connection_id
            and o.user_id = link_sso_subject.user_id for update) as before
    where l.project_id = link_sso_subject.project_id and l.connection_id = link_sso_subject.connection_id
      and l.user_id = link_sso_subject.user_id
    returning before.old into moved;
    if moved is null then
      insert into astapa.sso_identities (project_id, connection_id, subject, user_id)
      values (link_sso_subject.project_id, link_sso_subject.connection_id, link_sso_subject.subject,
              link_sso_subject.user_id);
    else
      perform astapa.audit(link_sso_subject.project_id, 'user.sso_subject_changed', 'user:' || user_id,
        pg_catalog.jsonb_build_object('connection', connection_id, 'from', moved, 'to', subject));
    end if;
  end
  $$;

comment on function astapa.link_sso_subject(text, text, text, bigint) is
  'Links an SSO connection''s subject to the account it signed in (found by address or created), or moves the '
  'account''s link on that connection to this subject (audited user.sso_subject_changed {from, to}).';

grant execute on function astapa.link_sso_subject(text, text, text, bigint) to astapa_app;

create or replace function astapa.sso_manages_email(project_id text, user_id bigint) returns boolean
  language sql
  stable
  set search_path = ''
  as $$
    -- Its address is at a domain that signs in through SSO, or the account is linked to an enabled connection
    -- (whose IdP sets the address at each sign-in, astapa.sso_linked_user). Moved elsewhere from the account
    -- page, the address would open the password and code ways in that enforced SSO closes, and keep them open
    -- after the IdP removes the person.
    select exists (select from astapa.users u
                   where u.project_id = sso_manages_email.project_id and u.id = sso_manages_email.user_id
                     and astapa.sso_connection_requiring(u.project_id, u.email) is not null)
        or exists (select from astapa.sso_identities l
                   join astapa.sso_connections c on c.project_id = l.project_id and c.id = l.connection_id
                   where l.project_id = sso_manages_email.project_id and l.user_id = sso_manages_email.user_id
                     and c.enabled)
  $$;

comment on function astapa.sso_manages_email(text, bigint) is
  'Whether the account''s address is its organization''s IdP''s to change, not the person''s: it is at a '
  'domain that signs in through SSO (astapa.sso_connection_requiring), or the account is linked to an enabled '
  'SSO connection. The account page then offers no address change (api.account_overview email_managed).';

grant execute on function astapa.sso_manages_email(text, bigint) to astapa_app;

create or replace function astapa.assert_email_not_sso_managed(project_id text, user_id bigint) returns void
  language plpgsql
  stable
  set search_path = ''
  as $$
  begin
    if astapa.sso_manages_email(project_id, user_id) then
      raise exception using errcode = 'AS4E2', message =
        'Your organization''s identity provider manages this address: it changes there, not here.';
    end if;
  end
  $$;

comment on function astapa.assert_email_not_sso_managed(text, bigint) is
  'AS4E2 (email_managed_by_sso, 403) when astapa.sso_manages_email: the person''s own address change (asked '
  'for and confirmed on the account page) is refused; support (the Platform API), SCIM and the IdP''s sign-in '
  'still change it.';

grant execute on function astapa.assert_email_not_sso_managed(text, bigint) to astapa_app;
