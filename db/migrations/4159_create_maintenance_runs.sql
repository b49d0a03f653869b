-- When a deployment-wide maintenance job last started. Every instance schedules the grant sweep (at start and
-- hourly); api.sweep_grants_when_due lets one of them run it, once in its interval, and the others skip. The
-- row of a job is its lock while it runs (FOR UPDATE SKIP LOCKED: an instance finding it held skips at once).
-- Deployment-wide, no tenant data, so no RLS; only the owner's definer functions touch it.
create table astapa.maintenance_runs (
  job text primary key check (job in ('sweep_grants')),
  last_started_at timestamptz not null
);

comment on table astapa.maintenance_runs is
  'Deployment-wide maintenance jobs and when each last started (api.sweep_grants_when_due). No RLS: no tenant '
  'data; the app role has no grant, only the owner''s definer functions read and stamp it.';

insert into astapa.maintenance_runs (job, last_started_at) values ('sweep_grants', '-infinity');
