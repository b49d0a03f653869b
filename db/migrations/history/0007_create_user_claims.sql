-- Per-user claims that go into access tokens as custom_claims. Bounded here, in the table, so tokens stay
-- small whatever writes them: role ≤ 64 characters, at most 50 feature flags of ≤ 64 characters each,
-- extra a JSON object of at most 4 KiB.

create function astapa.are_valid_feature_flags(flags text[]) returns boolean
  language sql
  immutable
  parallel safe
  set search_path = ''
  as $$
    select pg_catalog.cardinality(flags) <= 50
      and pg_catalog.array_position(flags, null) is null
      and coalesce(bool_and(f ~ '^[^[:cntrl:]]{1,64}$'), true)
      and count(distinct f) = pg_catalog.cardinality(flags)
    from pg_catalog.unnest(flags) as f
  $$;

comment on function astapa.are_valid_feature_flags(text[]) is
  'At most 50 distinct feature flags, each 1–64 characters without control characters.';

grant execute on function astapa.are_valid_feature_flags(text[]) to astapa_app;

create table astapa.user_claims (
  project_id text not null,
  user_id bigint not null,
  plan text,
  role text,
  feature_flags text[] not null default '{}',
  extra jsonb not null default '{}',
  updated_at timestamptz not null default pg_catalog.now(),
  constraint user_claims_pkey primary key (project_id, user_id),
  constraint user_claims_user_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint user_claims_plan_check check (plan ~ '^[a-z0-9_-]{1,64}$'),
  constraint user_claims_role_check check (role ~ '^[^[:cntrl:]]{1,64}$'),
  constraint user_claims_feature_flags_check check (astapa.are_valid_feature_flags(feature_flags)),
  constraint user_claims_extra_check check (
    pg_catalog.jsonb_typeof(extra) = 'object' and pg_catalog.octet_length(extra::text) <= 4096)
);

comment on table astapa.user_claims is
  'What a user''s access tokens say about them (see api.token_claims). plan is a manual override until '
  'subscriptions exist; null means the default plan, free.';

alter table astapa.user_claims enable row level security;
alter table astapa.user_claims force row level security;

create policy "a project reads its own users' claims" on astapa.user_claims
  for select to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()));

create policy "a project sets claims for its own users" on astapa.user_claims
  for insert to astapa_app, astapa_owner
  with check (project_id = (select astapa.current_project_id()));

create policy "a project changes its own users' claims" on astapa.user_claims
  for update to astapa_app, astapa_owner
  using (project_id = (select astapa.current_project_id()))
  with check (project_id = (select astapa.current_project_id()));

grant select, insert on astapa.user_claims to astapa_app;
grant update (plan, role, feature_flags, extra, updated_at) on astapa.user_claims to astapa_app;
