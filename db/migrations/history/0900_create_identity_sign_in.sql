-- Social sign-in: find or create the user behind a provider identity (Google or GitHub subject).
--
-- The account-linking rule: a new provider identity joins an existing user only when the provider says it
-- verified the email AND the existing user verified the same address with us. Linking on an unverified side
-- hands the account to whoever controls that side: an unverified provider email can be anyone's address, and
-- an unverified local account may be an attacker's pre-registration ("pre-account hijacking") waiting for the
-- real owner to sign in with Google and inherit the attacker's password. Such cases are refused (AS409) with
-- a message saying what to do; nothing is linked silently.

create function api.sign_in_with_identity(provider text, subject text, email text, email_verified boolean)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    project text := astapa.current_project_id();
    mode text;
    -- Named columns, not users%rowtype: the app role may not read password_hash.
    found_user record;
    existed boolean;
    linked_user_id bigint;
    clean_email text := pg_catalog.btrim(email);
  begin
    if project is null then
      raise exception using errcode = 'AS403', message = 'Social sign-in acts for one project.';
    end if;
    mode := astapa.require_project(project);
    if provider is null or provider not in ('google', 'github') then
      raise exception using errcode = 'AS400', message = 'The provider must be google or github.';
    end if;
    if subject is null or pg_catalog.length(subject) not between 1 and 255 then
      raise exception using errcode = 'AS400', message = 'The provider''s subject must be 1 to 255 characters.';
    end if;
    -- Two first sign-ins of one identity at once must not create two users.
    perform pg_catalog.pg_advisory_xact_lock(
      pg_catalog.hashtextextended(project || ' ' || provider || ' ' || subject, 0));

    select i.user_id into linked_user_id from astapa.identities i
    where i.project_id = project and i.provider = sign_in_with_identity.provider
      and i.subject = sign_in_with_identity.subject;

    if linked_user_id is not null then
      select u.id, u.email, u.email_verified, u.disabled, u.environment into found_user
      from astapa.users u where u.project_id = project and u.id = linked_user_id;
      if found_user.environment <> mode then
        raise exception using errcode = 'AS409',
          message = 'This account belongs to the project''s other environment (sandbox or production).';
      end if;
      if found_user.disabled then
        raise exception using errcode = 'AS403', message = 'This account is disabled.';
      end if;
      -- The provider has just proved control of the user's address: that is a verification.
      if email_verified and not found_user.email_verified
         and pg_catalog.lower(found_user.email) = pg_catalog.lower(clean_email) then
        update astapa.users u set email_verified = true where u.project_id = project and u.id = found_user.id;
      end if;
      return pg_catalog.jsonb_build_object('user_id', found_user.id::text, 'created', false, 'linked', false);
    end if;

    perform astapa.assert_email(clean_email);
    select u.id, u.email, u.email_verified, u.disabled, u.environment into found_user
    from astapa.users u
    where u.project_id = project and u.environment = mode and pg_catalog.lower(u.email) = pg_catalog.lower(clean_email);
    existed := found;

    if not existed then
      linked_user_id := (api.create_user(project, clean_email, null, coalesce(email_verified, false)) ->> 'id')::bigint;
    elsif not coalesce(email_verified, false) then
      raise exception using errcode = 'AS409', message =
        'An account with this email already exists, and the provider has not verified the address, so they '
        'are not linked. Sign in with your password instead.';
    elsif not found_user.email_verified then
      raise exception using errcode = 'AS409', message =
        'An account with this email already exists but its address is not confirmed yet, so they are not '
        'linked. Confirm the email from the message we sent, or sign in with your password.';
    elsif found_user.disabled then
      raise exception using errcode = 'AS403', message = 'This account is disabled.';
    else
      linked_user_id := found_user.id;
    end if;

    insert into astapa.identities (project_id, provider, subject, user_id, email)
    values (project, sign_in_with_identity.provider, sign_in_with_identity.subject, linked_user_id, clean_email);
    perform astapa.audit(project, 'user.identity_link', 'user:' || linked_user_id,
      pg_catalog.jsonb_build_object('provider', sign_in_with_identity.provider,
                                    'created', not existed));
    return pg_catalog.jsonb_build_object('user_id', linked_user_id::text, 'created', not existed,
                                         'linked', existed);
  end
  $$;

comment on function api.sign_in_with_identity(text, text, text, boolean) is
  'Social sign-in for the current project: the user a provider identity belongs to, else a new link to the '
  'user with the same email when both sides verified it, else a new user (email_verified as the provider '
  'says). Returns {user_id, created, linked}. AS409 when an account with the email exists but cannot be '
  'linked safely, or belongs to the other environment; AS403 when the user is disabled.';

grant execute on function api.sign_in_with_identity(text, text, text, boolean) to astapa_app;
