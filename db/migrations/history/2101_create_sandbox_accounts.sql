-- The offline sandbox (the built-in Xendit simulator at /sandbox/xendit) gives each project its own account:
-- a secret key and a callback token generated for the project, sealed with the master key like its real
-- Xendit keys (lib/payments/sandbox_accounts.ts). Every simulator call authenticates with a project's key and
-- sees only that project's charges; there is no deployment-wide key to share or guess.

create table astapa.sandbox_accounts (
  project_id text not null,
  -- SHA-256 of the secret key and of the callback token: the simulator finds the project from the key it
  -- receives, the webhook recognises the simulator's token, neither keeps a readable copy for that.
  key_hash bytea not null,
  callback_token_hash bytea not null,
  secret_key_sealed bytea not null,
  callback_token_sealed bytea not null,
  created_at timestamptz not null default pg_catalog.now(),
  constraint sandbox_accounts_pkey primary key (project_id),
  constraint sandbox_accounts_key_hash_key unique (key_hash),
  constraint sandbox_accounts_callback_token_hash_key unique (callback_token_hash),
  constraint sandbox_accounts_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint sandbox_accounts_key_hash_check check (pg_catalog.length(key_hash) = 32),
  constraint sandbox_accounts_callback_token_hash_check check (pg_catalog.length(callback_token_hash) = 32)
);

comment on table astapa.sandbox_accounts is
  'Each project''s account at the offline Xendit simulator: secret key and callback token, sealed (AES-GCM, '
  'master key) and hashed (SHA-256, for lookups). Made on first use by a sandbox checkout.';

alter table astapa.sandbox_accounts enable row level security;
alter table astapa.sandbox_accounts force row level security;

create policy "a project reads its own sandbox account" on astapa.sandbox_accounts
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project creates its own sandbox account" on astapa.sandbox_accounts
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

-- The two lookups below find an account by hash before any project is known (astapa.sandbox_lookup is set
-- for that one query only).
create policy "definer functions find the sandbox account a key names" on astapa.sandbox_accounts
  for select to astapa_owner
  using (key_hash = pg_catalog.decode(nullif(pg_catalog.current_setting('astapa.sandbox_lookup', true), ''), 'hex')
      or callback_token_hash = pg_catalog.decode(
        nullif(pg_catalog.current_setting('astapa.sandbox_lookup', true), ''), 'hex'));

grant select, insert on astapa.sandbox_accounts to astapa_app;

create function api.sandbox_account() returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'secret_key_sealed', pg_catalog.encode(a.secret_key_sealed, 'base64'),
      'callback_token_sealed', pg_catalog.encode(a.callback_token_sealed, 'base64'))
    from astapa.sandbox_accounts a
    where a.project_id = astapa.current_project_id()
  $$;

comment on function api.sandbox_account() is
  'The current project''s sealed simulator key and callback token (base64), or null when it has none yet.';

create function api.create_sandbox_account(
  key_hash bytea, callback_token_hash bytea, secret_key_sealed bytea, callback_token_sealed bytea)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if astapa.current_project_id() is null then
      raise exception using errcode = 'AS404', message = 'No project is set for this transaction.';
    end if;
    -- Two instances making the account at once: the first insert wins, both answer with it.
    insert into astapa.sandbox_accounts (project_id, key_hash, callback_token_hash, secret_key_sealed,
                                         callback_token_sealed)
    values (astapa.current_project_id(), key_hash, callback_token_hash, secret_key_sealed, callback_token_sealed)
    on conflict (project_id) do nothing;
    return api.sandbox_account();
  end
  $$;

comment on function api.create_sandbox_account(bytea, bytea, bytea, bytea) is
  'Gives the current project its simulator account unless it has one; answers the account it has.';

create function api.sandbox_account_project(key_hash bytea) returns text
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  declare
    found_project text;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Simulator keys are looked up before a project is chosen.';
    end if;
    if key_hash is null or pg_catalog.length(key_hash) <> 32 then
      return null;
    end if;
    perform pg_catalog.set_config('astapa.sandbox_lookup', pg_catalog.encode(key_hash, 'hex'), true);
    select a.project_id into found_project from astapa.sandbox_accounts a where a.key_hash = sandbox_account_project.key_hash;
    perform pg_catalog.set_config('astapa.sandbox_lookup', '', true);
    return found_project;
  end
  $$;

comment on function api.sandbox_account_project(bytea) is
  'The project whose simulator secret key has this SHA-256, or null: the simulator authenticates a call. '
  'Security definer because no project is known yet; it sees only the one account the hash names (policy '
  '"definer functions find the sandbox account a key names") and refuses to run once a project is set.';

create function api.is_sandbox_callback_token(token_hash bytea) returns boolean
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  declare
    known boolean;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Callback tokens are looked up before a project is chosen.';
    end if;
    if token_hash is null or pg_catalog.length(token_hash) <> 32 then
      return false;
    end if;
    perform pg_catalog.set_config('astapa.sandbox_lookup', pg_catalog.encode(token_hash, 'hex'), true);
    select exists (select 1 from astapa.sandbox_accounts a where a.callback_token_hash = token_hash) into known;
    perform pg_catalog.set_config('astapa.sandbox_lookup', '', true);
    return known;
  end
  $$;

comment on function api.is_sandbox_callback_token(bytea) is
  'Whether a callback token (as SHA-256) is some project''s simulator token: a simulator callback naming an '
  'unknown checkout is acknowledged so its sender stops retrying. Security definer because no project is known; '
  'it answers yes or no for the one hash and refuses to run once a project is set.';

revoke all on function api.sandbox_account() from public;
revoke all on function api.create_sandbox_account(bytea, bytea, bytea, bytea) from public;
revoke all on function api.sandbox_account_project(bytea) from public;
revoke all on function api.is_sandbox_callback_token(bytea) from public;
grant execute on function api.sandbox_account() to astapa_app;
grant execute on function api.create_sandbox_account(bytea, bytea, bytea, bytea) to astapa_app;
grant execute on function api.sandbox_account_project(bytea) to astapa_app;
grant execute on function api.is_sandbox_callback_token(bytea) to astapa_app;
