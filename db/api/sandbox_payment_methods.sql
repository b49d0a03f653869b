-- The offline Xendit simulator's reusable payment methods (docs/billing.md "Linked methods"): saved, read and
-- moved from status to status (compare and set) in Postgres, so every instance's simulator shares them.
-- The current definition of each function and policy of this area: edit it here, in place.
-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature
-- change also needs a versioned `drop` migration. See docs/database.md.

drop policy if exists "a project reads its own sandbox payment methods" on astapa.sandbox_payment_methods;
create policy "a project reads its own sandbox payment methods" on astapa.sandbox_payment_methods
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

drop policy if exists "a project records its own sandbox payment methods" on astapa.sandbox_payment_methods;
create policy "a project records its own sandbox payment methods" on astapa.sandbox_payment_methods
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

drop policy if exists "a project updates its own sandbox payment methods" on astapa.sandbox_payment_methods;
create policy "a project updates its own sandbox payment methods" on astapa.sandbox_payment_methods
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

-- The account-linking page names a method, not a project: this policy shows the owner the one method
-- api.sandbox_payment_method_owner looks up (astapa.sandbox_method_lookup is set for that query only).
drop policy if exists "definer functions find the sandbox payment method a lookup names"
  on astapa.sandbox_payment_methods;
create policy "definer functions find the sandbox payment method a lookup names" on astapa.sandbox_payment_methods
  for select to astapa_owner
  using (id = nullif(pg_catalog.current_setting('astapa.sandbox_method_lookup', true), ''));

create or replace function api.save_sandbox_payment_method(id text, status text, record jsonb) returns void
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    if astapa.current_project_id() is null then
      raise exception using errcode = 'AS404', message = 'No project is set for this transaction.';
    end if;
    insert into astapa.sandbox_payment_methods (project_id, id, status, record)
    values (astapa.current_project_id(), id, status, record);
  end
  $$;

comment on function api.save_sandbox_payment_method(text, text, jsonb) is
  'Records a payment method the simulator made for the current project. AS404 without a project.';

revoke all on function api.save_sandbox_payment_method(text, text, jsonb) from public;

grant execute on function api.save_sandbox_payment_method(text, text, jsonb) to astapa_app;

create or replace function api.transition_sandbox_payment_method(id text, from_statuses text[], status text,
                                                                record jsonb)
  returns boolean
  language sql
  volatile
  set search_path = ''
  as $$
    with changed as (
      update astapa.sandbox_payment_methods m
      set status = transition_sandbox_payment_method.status, record = transition_sandbox_payment_method.record,
          updated_at = pg_catalog.now()
      where m.project_id = (select astapa.current_project_id()) and m.id = transition_sandbox_payment_method.id
        and m.status = any (from_statuses)
      returning 1)
    select exists (select 1 from changed)
  $$;

comment on function api.transition_sandbox_payment_method(text, text[], text, jsonb) is
  'Moves a simulator payment method of the current project to a new status if it is still in one of '
  'from_statuses (compare and set: two instances approving at once send one callback); true when it moved.';

revoke all on function api.transition_sandbox_payment_method(text, text[], text, jsonb) from public;

grant execute on function api.transition_sandbox_payment_method(text, text[], text, jsonb) to astapa_app;

create or replace function api.sandbox_payment_method(id text) returns jsonb
  language sql
  stable
  set search_path = ''
  as $$
    select m.record from astapa.sandbox_payment_methods m
    where m.project_id = (select astapa.current_project_id()) and m.id = sandbox_payment_method.id
  $$;

comment on function api.sandbox_payment_method(text) is 'One simulator payment method of the current project, or null.';

revoke all on function api.sandbox_payment_method(text) from public;

grant execute on function api.sandbox_payment_method(text) to astapa_app;

create or replace function api.sandbox_payment_method_owner(id text) returns text
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
  declare
    owner text;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Payment methods are looked up before a project is chosen.';
    end if;
    perform pg_catalog.set_config('astapa.sandbox_method_lookup', coalesce(id, ''), true);
    select m.project_id into owner from astapa.sandbox_payment_methods m
    where m.id = sandbox_payment_method_owner.id;
    perform pg_catalog.set_config('astapa.sandbox_method_lookup', '', true);
    return owner;
  end
  $$;

comment on function api.sandbox_payment_method_owner(text) is
  'The project a simulator payment method id belongs to, or null: the account-linking (or 3-D Secure) page '
  'names a method, not a project (its random id is the capability, as at Xendit). Security definer because no '
  'project is known yet; it sees only the one method named (policy "definer functions find the sandbox payment '
  'method a lookup names") and refuses to run once a project is set.';

revoke all on function api.sandbox_payment_method_owner(text) from public;

grant execute on function api.sandbox_payment_method_owner(text) to astapa_app;
