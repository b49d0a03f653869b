-- Subscriber counts for the dashboard's Plans page: how many users each plan has now.

create function api.plan_subscriber_counts(project_id text) returns jsonb
  language plpgsql
  stable
  set search_path = ''
  as $$
  declare
    mode text := astapa.require_project(project_id);
  begin
    -- Users of the project's current mode only: sandbox subscribers are not production's, and vice versa.
    return coalesce((
      select pg_catalog.jsonb_object_agg(counted.plan_key, counted.subscribers)
      from (select s.plan_key, pg_catalog.count(*) as subscribers
            from astapa.subscriptions as s
            join astapa.users as u on u.project_id = s.project_id and u.id = s.user_id
            where s.project_id = plan_subscriber_counts.project_id and s.ended_at is null
              and s.status = 'active' and u.environment = mode
            group by s.plan_key) as counted), '{}');
  end
  $$;

comment on function api.plan_subscriber_counts(text) is
  'Plan key → number of active current subscriptions of users in the project''s current mode (plans without '
  'subscribers are absent). AS404 for a project that is not visible.';

grant execute on function api.plan_subscriber_counts(text) to astapa_app;
