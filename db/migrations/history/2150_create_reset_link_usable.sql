-- The reset page says at once (on opening the link) that a link is used or expired, as the verify page does,
-- instead of letting the person type a new password first. Reading a token does not use it up.

create function api.reset_link_usable(token_hash bytea) returns boolean
  language sql
  stable
  security invoker
  set search_path = ''
  as $$
    select exists (
      select from astapa.email_tokens t
      where t.project_id = astapa.current_project_id() and t.token_hash = reset_link_usable.token_hash
        and t.purpose = 'reset_password' and t.used_at is null and t.expires_at > pg_catalog.now()
    )
  $$;

comment on function api.reset_link_usable(bytea) is
  'True while a reset link of the current project is unused and unexpired (the same test api.reset_password '
  'makes); it does not use the link.';

revoke execute on function api.reset_link_usable(bytea) from public;
grant execute on function api.reset_link_usable(bytea) to astapa_app;
