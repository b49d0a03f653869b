-- Per-project Xendit keys, one pair per environment (sandbox projects use test keys, production projects live
-- keys). Both secrets are sealed by the application (AES-256-GCM under a key derived from the master key) before
-- they reach Postgres; the database never sees them in the clear. Without a row, deployment defaults apply.

create table astapa.xendit_keys (
  project_id text not null,
  environment text not null,
  secret_key_sealed bytea not null,
  callback_token_sealed bytea not null,
  updated_at timestamptz not null default pg_catalog.now(),
  constraint xendit_keys_pkey primary key (project_id, environment),
  constraint xendit_keys_project_id_fkey foreign key (project_id) references astapa.projects (id) on delete cascade,
  constraint xendit_keys_environment_check check (environment in ('sandbox', 'production')),
  constraint xendit_keys_sealed_check check (
    pg_catalog.length(secret_key_sealed) between 29 and 1024 and pg_catalog.length(callback_token_sealed) between 29 and 1024)
);

comment on table astapa.xendit_keys is
  'A project''s own Xendit secret key and callback verification token per environment, sealed by the app '
  '(IV ‖ AES-GCM ciphertext, additional data names project, environment and field).';

alter table astapa.xendit_keys enable row level security;
alter table astapa.xendit_keys force row level security;

create policy "a project reads its own xendit keys" on astapa.xendit_keys
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project stores its own xendit keys" on astapa.xendit_keys
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project replaces its own xendit keys" on astapa.xendit_keys
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

create policy "a project removes its own xendit keys" on astapa.xendit_keys
  for delete to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

grant select, insert, delete on astapa.xendit_keys to astapa_app;
grant update (secret_key_sealed, callback_token_sealed, updated_at) on astapa.xendit_keys to astapa_app;

create function api.set_xendit_keys(project_id text, environment text, secret_key_sealed bytea,
                                    callback_token_sealed bytea)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if environment is null or environment not in ('sandbox', 'production') then
      raise exception using errcode = 'AS400', message = 'environment must be sandbox or production.';
    end if;
    if secret_key_sealed is null or callback_token_sealed is null then
      delete from astapa.xendit_keys as k
      where k.project_id = set_xendit_keys.project_id and k.environment = set_xendit_keys.environment;
    else
      insert into astapa.xendit_keys as k (project_id, environment, secret_key_sealed, callback_token_sealed)
      values (project_id, environment, secret_key_sealed, callback_token_sealed)
      on conflict on constraint xendit_keys_pkey do update
        set secret_key_sealed = excluded.secret_key_sealed, callback_token_sealed = excluded.callback_token_sealed,
            updated_at = pg_catalog.now();
    end if;
    perform astapa.audit(project_id, 'xendit_keys.set', 'project:' || project_id,
      pg_catalog.jsonb_build_object('environment', environment, 'removed', secret_key_sealed is null));
  end
  $$;

comment on function api.set_xendit_keys(text, text, bytea, bytea) is
  'Stores (or, given nulls, removes) a project''s sealed Xendit keys for one environment. AS400 bad environment.';

grant execute on function api.set_xendit_keys(text, text, bytea, bytea) to astapa_app;

create function api.xendit_keys(project_id text, environment text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
      'secret_key_sealed', pg_catalog.translate(pg_catalog.encode(k.secret_key_sealed, 'base64'), E'\n', ''),
      'callback_token_sealed', pg_catalog.translate(pg_catalog.encode(k.callback_token_sealed, 'base64'), E'\n', ''))
    from astapa.xendit_keys as k
    where k.project_id = xendit_keys.project_id and k.environment = xendit_keys.environment
  $$;

comment on function api.xendit_keys(text, text) is
  'A project''s sealed Xendit keys for an environment (base64), or null when it has none.';

grant execute on function api.xendit_keys(text, text) to astapa_app;
