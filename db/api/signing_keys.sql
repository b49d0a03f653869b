-- Signing keys and their rotation.
-- The current definition of each function, trigger and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

create or replace function api.signing_keys(retired_for interval default interval '1 day')
  returns table (kid text, state text, public_jwk jsonb, private_key bytea)
  language sql
  stable
  set search_path = ''
  as $$
    select k.kid, k.state, k.public_jwk, k.private_key
    from astapa.signing_keys k
    where k.state <> 'retired' or k.retired_at > pg_catalog.now() - retired_for
    order by case k.state when 'active' then 0 when 'next' then 1 else 2 end, k.created_at desc
  $$;

comment on function api.signing_keys(interval) is
  'The keys to publish and sign with: active first, then next, then keys retired within retired_for.';

grant execute on function api.signing_keys(interval) to astapa_app;

create or replace function api.install_signing_keys(
  active_kid text, active_jwk jsonb, active_private bytea,
  next_kid text, next_jwk jsonb, next_private bytea
) returns boolean
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- Instances booting together may all try: the first wins, the others keep what it installed.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('astapa.signing_keys'));
    if exists (select from astapa.signing_keys where state = 'active') then
      return false;
    end if;
    insert into astapa.signing_keys (kid, state, public_jwk, private_key, activated_at)
      values (active_kid, 'active', active_jwk, active_private, pg_catalog.now());
    insert into astapa.signing_keys (kid, state, public_jwk, private_key)
      values (next_kid, 'next', next_jwk, next_private)
      on conflict do nothing;
    return true;
  end
  $$;

comment on function api.install_signing_keys(text, jsonb, bytea, text, jsonb, bytea) is
  'Installs the first active key and its successor when none is active; returns false if another instance did.';

grant execute on function api.install_signing_keys(text, jsonb, bytea, text, jsonb, bytea) to astapa_app;

create or replace function api.rotate_signing_keys(new_next_kid text, new_next_jwk jsonb, new_next_private bytea)
  returns text
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    promoted text;
  begin
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('astapa.signing_keys'));
    select kid into promoted from astapa.signing_keys where state = 'next';
    if promoted is null then
      raise exception 'there is no next key to promote; start the server once to install keys'
        using errcode = 'AS409';
    end if;
    update astapa.signing_keys set state = 'retired', retired_at = pg_catalog.now() where state = 'active';
    update astapa.signing_keys set state = 'active', activated_at = pg_catalog.now() where kid = promoted;
    insert into astapa.signing_keys (kid, state, public_jwk, private_key)
      values (new_next_kid, 'next', new_next_jwk, new_next_private);
    return promoted;
  end
  $$;

comment on function api.rotate_signing_keys(text, jsonb, bytea) is
  'Promotes the next key to active, retires the old active key (still published for a day), and stores a '
  'new next key. Returns the kid now signing.';

grant execute on function api.rotate_signing_keys(text, jsonb, bytea) to astapa_app;

create or replace function api.list_signing_keys()
  returns table (kid text, state text, created_at timestamptz, activated_at timestamptz, retired_at timestamptz)
  language sql
  stable
  set search_path = ''
  as $$
    select k.kid, k.state, k.created_at, k.activated_at, k.retired_at
    from astapa.signing_keys k
    order by case k.state when 'next' then 0 when 'active' then 1 else 2 end, k.created_at desc
  $$;

comment on function api.list_signing_keys() is 'Every signing key with its history, for operators (never key material).';

grant execute on function api.list_signing_keys() to astapa_app;

create or replace function api.rotate_signing_keys_if_older(max_age interval, new_next_kid text, new_next_jwk jsonb,
                                                 new_next_private bytea)
  returns text
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    -- The same lock as api.rotate_signing_keys: of several instances checking at once, one rotates.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('astapa.signing_keys'));
    if exists (select from astapa.signing_keys
               where state = 'active' and activated_at > pg_catalog.now() - max_age) then
      return null;
    end if;
    return api.rotate_signing_keys(new_next_kid, new_next_jwk, new_next_private);
  end
  $$;

comment on function api.rotate_signing_keys_if_older(interval, text, jsonb, bytea) is
  'Scheduled rotation: rotates only when the active key has signed for longer than max_age; returns the new '
  'active kid, or null when no rotation was due.';

grant execute on function api.rotate_signing_keys_if_older(interval, text, jsonb, bytea) to astapa_app;
