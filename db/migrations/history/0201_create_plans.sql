-- Plans: a project's subscription tiers. A plan's key is what tokens carry as custom_claims.plan; its claims
-- are what it grants on top of a user's own (feature_flags it turns on, custom keys). Plans are archived,
-- never deleted, so subscriptions and history keep pointing at them.

create table astapa.plans (
  project_id text not null,
  key text not null,
  name text not null,
  description text not null default '',
  price_idr bigint not null default 0,
  interval text not null default 'month',
  claims jsonb not null default '{}',
  is_default boolean not null default false,
  sort_order integer not null default 0,
  archived_at timestamptz,
  created_at timestamptz not null default pg_catalog.now(),
  updated_at timestamptz not null default pg_catalog.now(),
  constraint plans_pkey primary key (project_id, key),
  constraint plans_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint plans_key_check check (key ~ '^[a-z0-9_-]{1,64}$'),
  constraint plans_name_check check (pg_catalog.length(pg_catalog.btrim(name)) between 1 and 100),
  constraint plans_description_check check (pg_catalog.length(description) <= 1000),
  constraint plans_price_idr_check check (price_idr between 0 and 1000000000000),
  constraint plans_interval_check check (interval in ('month', 'year', 'one_time')),
  constraint plans_claims_check check (astapa.are_valid_plan_claims(claims)),
  constraint plans_default_check check (not (is_default and archived_at is not null))
);

-- At most one default per project (exactly one once the project's free plan exists, see the trigger below).
create unique index plans_default_key on astapa.plans (project_id) where is_default;

comment on table astapa.plans is
  'Subscription tiers of a project: key (the JWT''s custom_claims.plan), price in whole rupiah, interval '
  '(month, year, one_time), claims the plan grants (feature_flags and custom keys), one default plan per '
  'project, archived_at (archived plans keep their subscribers but cannot be assigned anew).';

alter table astapa.plans enable row level security;
alter table astapa.plans force row level security;

create policy "a project reads its own plans" on astapa.plans
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project adds its own plans" on astapa.plans
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project changes its own plans" on astapa.plans
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

grant select, insert on astapa.plans to astapa_app;
grant update (name, description, price_idr, interval, claims, is_default, sort_order, archived_at, updated_at)
  on astapa.plans to astapa_app;

-- Every new project starts with the default plan `free`. A trigger rather than a change to
-- api.create_project, which has already set the new project as the one the transaction acts for.
create function astapa.create_free_plan() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    insert into astapa.plans (project_id, key, name, price_idr, interval, is_default)
    values (new.id, 'free', 'Free', 0, 'month', true);
    return null;
  end
  $$;

comment on function astapa.create_free_plan() is 'Trigger: gives a new project its default plan, free.';

grant execute on function astapa.create_free_plan() to astapa_app;

create trigger projects_create_free_plan after insert on astapa.projects
  for each row execute function astapa.create_free_plan();

create function astapa.default_plan_key(project_id text) returns text
  language sql
  stable
  set search_path = ''
  as $$
    select coalesce(
      (select p.key from astapa.plans as p where p.project_id = default_plan_key.project_id and p.is_default),
      'free')
  $$;

comment on function astapa.default_plan_key(text) is
  'The key of the project''s default plan (free for a project older than plans that has none).';

grant execute on function astapa.default_plan_key(text) to astapa_app;
