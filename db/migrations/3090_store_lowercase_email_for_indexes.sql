-- Under row-level security a condition may use an index before the policy is checked only when every
-- function applied to the row is leakproof, and lower() is not: each lookup by pg_catalog.lower(email) (sign-in,
-- password reset, find by email, import, the dashboard's search) scanned all of a project's users through the
-- (project_id, environment) columns instead. Stored lowercase copies compared with = and the byte-order range
-- operators (all leakproof) use their indexes. The indexes keep their names and serve the same searches.
alter table astapa.users
  add column email_lower text generated always as (pg_catalog.lower(email)) stored,
  add column email_domain text generated always as (pg_catalog.lower(pg_catalog.split_part(email, '@', 2))) stored;
alter table astapa.user_claims
  add column name_lower text generated always as (pg_catalog.lower(extra ->> 'name')) stored;

grant select (email_lower, email_domain) on astapa.users to astapa_app;
grant select (name_lower) on astapa.user_claims to astapa_app;

drop index astapa.users_email_key;
create unique index users_email_key on astapa.users (project_id, environment, email_lower);
drop index astapa.users_email_prefix_idx;
create index users_email_prefix_idx on astapa.users (project_id, environment, email_lower text_pattern_ops);
drop index astapa.users_email_domain_idx;
create index users_email_domain_idx on astapa.users (project_id, environment, email_domain, id);
drop index astapa.user_claims_name_prefix_idx;
create index user_claims_name_prefix_idx on astapa.user_claims (project_id, name_lower text_pattern_ops);
