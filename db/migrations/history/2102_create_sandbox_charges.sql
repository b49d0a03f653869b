-- The offline sandbox's charges (invoices and payment requests the built-in Xendit simulator made) and its
-- idempotency keys live in Postgres, so every instance's simulator sees the same charges: a charge made on one
-- instance is paid by "Simulate payment" on another, and paid once (status changes are compare-and-set).

create table astapa.sandbox_charges (
  project_id text not null,
  id text not null,
  kind text not null,
  external_id text not null,
  status text not null,
  -- The simulator's record (lib/payments/xendit_simulator/bodies.ts), without any key.
  record jsonb not null,
  created_at timestamptz not null default pg_catalog.now(),
  updated_at timestamptz not null default pg_catalog.now(),
  constraint sandbox_charges_pkey primary key (project_id, id),
  constraint sandbox_charges_id_key unique (id),
  constraint sandbox_charges_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint sandbox_charges_kind_check check (kind in ('invoice', 'payment_request')),
  constraint sandbox_charges_id_check check (pg_catalog.length(id) between 1 and 100),
  constraint sandbox_charges_external_id_check check (pg_catalog.length(external_id) <= 255),
  constraint sandbox_charges_status_check check (status ~ '^[A-Z_]{1,40}$')
);

create index sandbox_charges_project_id_external_id_idx on astapa.sandbox_charges (project_id, external_id);

comment on table astapa.sandbox_charges is
  'Charges made through the offline Xendit simulator, per project: the state every instance''s simulator '
  'shares. Sandbox data only; no money moves.';

alter table astapa.sandbox_charges enable row level security;
alter table astapa.sandbox_charges force row level security;

create policy "a project reads its own sandbox charges" on astapa.sandbox_charges
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project records its own sandbox charges" on astapa.sandbox_charges
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project updates its own sandbox charges" on astapa.sandbox_charges
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

-- The hosted invoice page and a payment simulated by charge id name no project: this policy shows the owner
-- the one charge api.sandbox_charge_owner looks up (astapa.sandbox_charge_lookup is set for that query only).
create policy "definer functions find the sandbox charge a lookup names" on astapa.sandbox_charges
  for select to astapa_owner
  using (id = nullif(pg_catalog.current_setting('astapa.sandbox_charge_lookup', true), ''));

grant select, insert, update on astapa.sandbox_charges to astapa_app;

create table astapa.sandbox_idempotency (
  project_id text not null,
  key text not null,
  request_hash text not null,
  status integer not null,
  body jsonb not null,
  created_at timestamptz not null default pg_catalog.now(),
  constraint sandbox_idempotency_pkey primary key (project_id, key),
  constraint sandbox_idempotency_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint sandbox_idempotency_key_check check (pg_catalog.length(key) between 1 and 255)
);

comment on table astapa.sandbox_idempotency is
  'Idempotency keys the offline simulator has seen, per project: the request they came with and the answer '
  'given, replayed by any instance.';

alter table astapa.sandbox_idempotency enable row level security;
alter table astapa.sandbox_idempotency force row level security;

create policy "a project reads its own sandbox idempotency keys" on astapa.sandbox_idempotency
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project records its own sandbox idempotency keys" on astapa.sandbox_idempotency
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

grant select, insert on astapa.sandbox_idempotency to astapa_app;

create function api.save_sandbox_charge(id text, kind text, external_id text, status text, record jsonb)
  returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if astapa.current_project_id() is null then
      raise exception using errcode = 'AS404', message = 'No project is set for this transaction.';
    end if;
    insert into astapa.sandbox_charges (project_id, id, kind, external_id, status, record)
    values (astapa.current_project_id(), id, kind, external_id, status, record);
  end
  $$;

comment on function api.save_sandbox_charge(text, text, text, text, jsonb) is
  'Records a charge the simulator made for the current project.';

create function api.transition_sandbox_charge(id text, from_statuses text[], status text, record jsonb)
  returns boolean
  language sql
  volatile
  set search_path = ''
  as $$
    with changed as (
      update astapa.sandbox_charges c
      set status = transition_sandbox_charge.status, record = transition_sandbox_charge.record,
          updated_at = pg_catalog.now()
      where c.project_id = astapa.current_project_id() and c.id = transition_sandbox_charge.id
        and c.status = any (from_statuses)
      returning 1)
    select exists (select 1 from changed)
  $$;

comment on function api.transition_sandbox_charge(text, text[], text, jsonb) is
  'Moves a charge of the current project to a new status if it is still in one of from_statuses (compare and '
  'set: two instances paying at once pay once); true when it moved.';

create function api.sandbox_charge(id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('kind', c.kind, 'record', c.record)
    from astapa.sandbox_charges c
    where c.project_id = astapa.current_project_id() and c.id = sandbox_charge.id
  $$;

comment on function api.sandbox_charge(text) is 'One simulator charge of the current project, or null.';

create function api.sandbox_invoices(external_id text, max_count integer) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(pg_catalog.jsonb_agg(x.record order by x.created_at desc), '[]')
    from (select c.record, c.created_at from astapa.sandbox_charges c
          where c.project_id = astapa.current_project_id() and c.kind = 'invoice'
            and (sandbox_invoices.external_id is null or c.external_id = sandbox_invoices.external_id)
          order by c.created_at desc
          limit least(greatest(coalesce(max_count, 10), 1), 100)) x
  $$;

comment on function api.sandbox_invoices(text, integer) is
  'The current project''s simulator invoices, newest first, optionally by external_id (GET /v2/invoices).';

create function api.sandbox_charge_owner(id text) returns text
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  declare
    owner text;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Charges are looked up before a project is chosen.';
    end if;
    perform pg_catalog.set_config('astapa.sandbox_charge_lookup', coalesce(id, ''), true);
    select c.project_id into owner from astapa.sandbox_charges c where c.id = sandbox_charge_owner.id;
    perform pg_catalog.set_config('astapa.sandbox_charge_lookup', '', true);
    return owner;
  end
  $$;

comment on function api.sandbox_charge_owner(text) is
  'The project a simulator charge id belongs to, or null: the hosted invoice page and "Simulate payment" name a '
  'charge, not a project (its random id is the capability, as at Xendit). Security definer because no project '
  'is known yet; it sees only the one charge named (policy "definer functions find the sandbox charge a lookup '
  'names") and refuses to run once a project is set.';

create function api.sandbox_idempotency(key text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object('request_hash', i.request_hash, 'status', i.status, 'body', i.body)
    from astapa.sandbox_idempotency i
    where i.project_id = astapa.current_project_id() and i.key = sandbox_idempotency.key
  $$;

comment on function api.sandbox_idempotency(text) is 'What an idempotency key of the current project was used with.';

create function api.save_sandbox_idempotency(key text, request_hash text, status integer, body jsonb)
  returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    insert into astapa.sandbox_idempotency (project_id, key, request_hash, status, body)
    values (astapa.current_project_id(), key, request_hash, status, body)
    on conflict on constraint sandbox_idempotency_pkey do nothing;
    return api.sandbox_idempotency(key);
  end
  $$;

comment on function api.save_sandbox_idempotency(text, text, integer, jsonb) is
  'Remembers an idempotency key''s request and answer unless another instance did first; answers the one kept.';

revoke all on function api.save_sandbox_charge(text, text, text, text, jsonb) from public;
revoke all on function api.transition_sandbox_charge(text, text[], text, jsonb) from public;
revoke all on function api.sandbox_charge(text) from public;
revoke all on function api.sandbox_invoices(text, integer) from public;
revoke all on function api.sandbox_charge_owner(text) from public;
revoke all on function api.sandbox_idempotency(text) from public;
revoke all on function api.save_sandbox_idempotency(text, text, integer, jsonb) from public;
grant execute on function api.save_sandbox_charge(text, text, text, text, jsonb) to astapa_app;
grant execute on function api.transition_sandbox_charge(text, text[], text, jsonb) to astapa_app;
grant execute on function api.sandbox_charge(text) to astapa_app;
grant execute on function api.sandbox_invoices(text, integer) to astapa_app;
grant execute on function api.sandbox_charge_owner(text) to astapa_app;
grant execute on function api.sandbox_idempotency(text) to astapa_app;
grant execute on function api.save_sandbox_idempotency(text, text, integer, jsonb) to astapa_app;
