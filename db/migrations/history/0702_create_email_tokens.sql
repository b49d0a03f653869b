-- Single-use links sent by mail: verify an email address, or reset a password. Stored as SHA-256 only.

create table astapa.email_tokens (
  project_id text not null,
  token_hash bytea not null,
  user_id bigint not null,
  purpose text not null,
  created_at timestamptz not null default pg_catalog.now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  constraint email_tokens_pkey primary key (project_id, token_hash),
  constraint email_tokens_user_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint email_tokens_token_hash_check check (pg_catalog.length(token_hash) = 32),
  constraint email_tokens_purpose_check check (purpose in ('verify_email', 'reset_password')),
  constraint email_tokens_lifetime_check check (expires_at <= created_at + interval '3 days')
);

create index email_tokens_user_idx on astapa.email_tokens (project_id, user_id);

comment on table astapa.email_tokens is
  'Links mailed to users: verify_email (3 days) and reset_password (1 hour). Single use; a new reset link '
  'replaces the older ones.';

alter table astapa.email_tokens enable row level security;
alter table astapa.email_tokens force row level security;

create policy "a project reads its own email tokens" on astapa.email_tokens
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project issues its own email tokens" on astapa.email_tokens
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project uses up its own email tokens" on astapa.email_tokens
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

grant select, insert, update (used_at) on astapa.email_tokens to astapa_app;

create function api.issue_email_token(user_id bigint, purpose text, token_hash bytea) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if purpose = 'reset_password' then
      update astapa.email_tokens t set used_at = pg_catalog.now()
      where t.project_id = astapa.current_project_id() and t.user_id = issue_email_token.user_id
        and t.purpose = 'reset_password' and t.used_at is null;
    end if;
    insert into astapa.email_tokens (project_id, token_hash, user_id, purpose, expires_at)
    values (astapa.current_project_id(), token_hash, user_id, purpose,
            pg_catalog.now() + case purpose when 'reset_password' then interval '1 hour' else interval '3 days' end);
  end
  $$;

comment on function api.issue_email_token(bigint, text, bytea) is
  'Stores a mailed link''s hash: verify_email lasts 3 days, reset_password 1 hour and voids earlier reset links.';

create function api.verify_email(token_hash bytea) returns bigint
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    owner bigint;
  begin
    update astapa.email_tokens t set used_at = pg_catalog.now()
    where t.project_id = astapa.current_project_id() and t.token_hash = verify_email.token_hash
      and t.purpose = 'verify_email' and t.used_at is null and t.expires_at > pg_catalog.now()
    returning t.user_id into owner;
    if owner is null then
      raise exception 'this verification link is unknown, used or expired' using errcode = 'AS4G0';
    end if;
    update astapa.users u set email_verified = true
    where u.project_id = astapa.current_project_id() and u.id = owner;
    perform astapa.audit(astapa.current_project_id(), 'user.email_verified', 'user:' || owner);
    return owner;
  end
  $$;

comment on function api.verify_email(bytea) is 'Uses a verification link once and marks the address verified.';

create function api.reset_password(token_hash bytea, password_hash text) returns bigint
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    owner bigint;
  begin
    if password_hash !~ '^\$argon2id\$' then
      raise exception 'password hashes must be argon2id' using errcode = 'AS400';
    end if;
    update astapa.email_tokens t set used_at = pg_catalog.now()
    where t.project_id = astapa.current_project_id() and t.token_hash = reset_password.token_hash
      and t.purpose = 'reset_password' and t.used_at is null and t.expires_at > pg_catalog.now()
    returning t.user_id into owner;
    if owner is null then
      raise exception 'this reset link is unknown, used or expired' using errcode = 'AS4G0';
    end if;
    -- The mailbox proved ownership, and whoever knew the old password is now out everywhere.
    update astapa.users u set password_hash = reset_password.password_hash, email_verified = true
    where u.project_id = astapa.current_project_id() and u.id = owner;
    update astapa.login_sessions s set ended_at = pg_catalog.now()
    where s.project_id = astapa.current_project_id() and s.user_id = owner and s.ended_at is null;
    perform api.revoke_user_refresh_tokens(owner, 'revoked_by_admin');
    perform astapa.audit(astapa.current_project_id(), 'user.password_reset', 'user:' || owner);
    return owner;
  end
  $$;

comment on function api.reset_password(bytea, text) is
  'Uses a reset link once: sets the new argon2id hash, marks the email verified, ends every session and '
  'revokes every refresh token of the user.';

grant execute on function api.issue_email_token(bigint, text, bytea) to astapa_app;
grant execute on function api.verify_email(bytea) to astapa_app;
grant execute on function api.reset_password(bytea, text) to astapa_app;

create function api.mail_email_link(email text, purpose text, token_hash bytea, subject text, body_text text,
                                    kind text, body_html text default null)
  returns boolean
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    found_user record;
  begin
    -- The enabled user of this project's current environment behind the address, in any letter case.
    select u.id, u.email, u.email_verified into found_user
    from astapa.users u join astapa.projects p on p.id = u.project_id
    where u.project_id = astapa.current_project_id() and u.environment = p.mode and not u.disabled
      and pg_catalog.lower(u.email) = pg_catalog.lower(pg_catalog.btrim(mail_email_link.email));
    -- Silence, not an error, when there is nobody to mail: the pages answer the same either way.
    if not found or (purpose = 'verify_email' and found_user.email_verified) then
      return false;
    end if;
    perform api.issue_email_token(found_user.id, purpose, token_hash);
    -- To the address as registered, whatever case it was typed in now.
    perform api.queue_mail(found_user.email, subject, body_text, kind, body_html);
    return true;
  end
  $$;

comment on function api.mail_email_link(text, text, bytea, text, text, text, text) is
  'Issues a mailed link (verify_email: only while unverified; reset_password) for the enabled user behind an '
  'email in the current project and environment, and queues its mail. Returns false, silently, when nobody '
  'qualifies.';

grant execute on function api.mail_email_link(text, text, bytea, text, text, text, text) to astapa_app;
