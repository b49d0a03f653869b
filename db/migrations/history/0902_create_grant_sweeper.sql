-- Sweeping what can never be used again, so codes and refresh tokens do not grow without bound:
-- authorization codes a day past expiry, and refresh-token families in which every token is dead (revoked,
-- expired or used) and nothing happened for a week (a week keeps reuse detection working meanwhile).

create policy "the sweeper removes expired authorization codes" on astapa.authorization_codes
  for delete to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

create policy "the sweeper removes dead refresh token families" on astapa.refresh_tokens
  for delete to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

create policy "the sweeper finds dead refresh token families" on astapa.refresh_tokens
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

create policy "the sweeper finds expired authorization codes" on astapa.authorization_codes
  for select to astapa_owner
  using (pg_catalog.current_setting('astapa.sweep_grants', true) = 'on');

create function api.sweep_grants() returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
  declare
    codes integer;
    tokens integer;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'The grant sweeper runs outside any project.';
    end if;
    perform pg_catalog.set_config('astapa.sweep_grants', 'on', true);
    delete from astapa.authorization_codes c where c.expires_at < pg_catalog.now() - interval '1 day';
    get diagnostics codes = row_count;
    delete from astapa.refresh_tokens r
    where (r.project_id, r.family_id) in (
      select f.project_id, f.family_id from astapa.refresh_tokens f
      group by f.project_id, f.family_id
      having pg_catalog.bool_and(f.revoked_at is not null or f.used_at is not null or f.expires_at < pg_catalog.now())
         and pg_catalog.max(greatest(f.created_at, f.used_at, f.revoked_at)) < pg_catalog.now() - interval '7 days');
    get diagnostics tokens = row_count;
    perform pg_catalog.set_config('astapa.sweep_grants', '', true);
    return pg_catalog.jsonb_build_object('authorization_codes', codes, 'refresh_tokens', tokens);
  end
  $$;

comment on function api.sweep_grants() is
  'Deletes authorization codes a day past expiry and refresh-token families entirely dead for a week, across '
  'projects. Security definer because the app role may not delete grants at all; it runs only with no project '
  'set and sees other projects through owner-only policies switched on for its own duration.';

grant execute on function api.sweep_grants() to astapa_app;
