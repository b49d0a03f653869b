-- Deleting a project. Money records must outlive it (refunds, disputes, tax), so deletion is soft: the row
-- stays with deleted_at set, and everything that lets the project act is switched off for good — a new
-- random client id and secret hash (the old credentials verify nowhere), no redirect URIs, refresh tokens
-- revoked, hosted-login sessions ended, machine clients disabled, the webhook endpoint removed, current
-- subscriptions ended and unpaid checkouts expired (so no renewal is billed), members removed (so it leaves
-- every dashboard). Users, payments and the audit log stay. A production project that has taken live
-- payments must first be switched back to sandbox: deleting a live business is two deliberate steps.

alter table astapa.projects add column deleted_at timestamptz;

comment on column astapa.projects.deleted_at is
  'When the project was deleted (api.delete_project); its credentials no longer exist, its records stay.';

grant select (deleted_at) on astapa.projects to astapa_app;
grant update (deleted_at) on astapa.projects to astapa_app;

create function astapa.retire_client_id(project_id text) returns void
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  begin
    if not exists (select from astapa.projects as p
                   where p.id = retire_client_id.project_id and p.id = astapa.current_project_id()
                     and p.deleted_at is not null) then
      raise exception using errcode = 'AS403', message = 'Only a deleted project''s client id is retired.';
    end if;
    update astapa.projects as p set client_id = astapa.random_id('cid_', 24)
    where p.id = retire_client_id.project_id;
  end
  $$;

comment on function astapa.retire_client_id(text) is
  'Gives a deleted project a new random client id, so the old one names nothing (hosted login, billing). '
  'Security definer because the app role may never change a client id; guard: only the project the '
  'transaction acts for, and only once api.delete_project has marked it deleted.';

revoke execute on function astapa.retire_client_id(text) from public;
grant execute on function astapa.retire_client_id(text) to astapa_app;

create function api.delete_project(project_id text, confirm_name text) returns jsonb
  language plpgsql
  volatile
  set search_path = ''
  as $$
  declare
    found record;
    live_payments bigint;
    ended jsonb;
  begin
    perform astapa.require_project(project_id);
    select p.name, p.mode, p.deleted_at into found
    from astapa.projects as p where p.id = delete_project.project_id for update;
    if exists (select from astapa.deployment as d where d.console_project_id = delete_project.project_id) then
      raise exception using errcode = 'AS403',
        message = 'The console project signs developers in to this deployment; it cannot be deleted.';
    end if;
    if found.deleted_at is not null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Project %s was deleted already.', project_id);
    end if;
    if confirm_name is null or pg_catalog.btrim(confirm_name) <> found.name then
      raise exception using errcode = 'AS400',
        message = pg_catalog.format('To delete this project, type its name exactly: %s.', found.name);
    end if;
    select count(*) into live_payments
    from astapa.payments as pay
    join astapa.checkouts as c on c.project_id = pay.project_id and c.id = pay.checkout_id
    where pay.project_id = delete_project.project_id and pay.status = 'paid' and c.environment = 'production';
    if found.mode = 'production' and live_payments > 0 then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('This project is live and has taken %s live payments. Switch it back to '
          'sandbox first, then delete it; its payment records are kept either way.', live_payments);
    end if;
    update astapa.projects as p
    set client_secret_hash = pg_catalog.sha256(pg_catalog.uuid_send(pg_catalog.gen_random_uuid())),
        redirect_uris = '{}', deleted_at = pg_catalog.now(), updated_at = pg_catalog.now()
    where p.id = delete_project.project_id;
    perform astapa.retire_client_id(project_id);
    update astapa.refresh_tokens as r set revoked_at = pg_catalog.now(), revoked_reason = 'revoked_by_admin'
    where r.project_id = delete_project.project_id and r.revoked_at is null;
    update astapa.login_sessions as s set ended_at = pg_catalog.now()
    where s.project_id = delete_project.project_id and s.ended_at is null;
    update astapa.machine_clients as m set enabled = false, updated_at = pg_catalog.now()
    where m.project_id = delete_project.project_id and m.enabled;
    if exists (select from astapa.webhook_endpoints as e where e.project_id = delete_project.project_id) then
      perform api.remove_webhook_endpoint(project_id);
    end if;
    update astapa.checkouts as c set status = 'expired', updated_at = pg_catalog.now()
    where c.project_id = delete_project.project_id and c.status in ('open', 'pending');
    update astapa.payments as pay set status = 'expired', updated_at = pg_catalog.now()
    where pay.project_id = delete_project.project_id and pay.status = 'pending';
    with closed as (
      update astapa.subscriptions as s set ended_at = pg_catalog.now()
      where s.project_id = delete_project.project_id and s.ended_at is null
      returning s.id)
    select pg_catalog.jsonb_build_object('subscriptions_ended', count(*)) into ended from closed;
    delete from astapa.memberships as m where m.project_id = delete_project.project_id;
    perform astapa.audit(project_id, 'project.delete', project_id,
      ended || pg_catalog.jsonb_build_object('name', found.name, 'mode', found.mode));
    return pg_catalog.jsonb_build_object('project_id', project_id, 'name', found.name, 'deleted', true);
  end
  $$;

comment on function api.delete_project(text, text) is
  'Soft-deletes a project once its name is typed (AS400 otherwise): credentials replaced, tokens revoked, '
  'sessions ended, machine clients disabled, webhooks removed, subscriptions ended, unpaid checkouts expired, '
  'members removed; users, payments and the audit log kept. AS403 for the console project, AS404 when already '
  'deleted, AS409 for a production project with live paid payments (switch to sandbox first).';

grant execute on function api.delete_project(text, text) to astapa_app;
