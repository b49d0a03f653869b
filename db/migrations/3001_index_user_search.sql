-- Indexes for the dashboard's user search (api.search_environment_users in db/api/users.sql): an email
-- prefix, an email domain, and a name prefix (the `name` custom claim). The text_pattern_ops indexes serve
-- the function's byte-order range conditions (~>=~ / ~<~), which stay indexable with parameters, unlike LIKE.
create index users_email_prefix_idx on astapa.users
  (project_id, environment, pg_catalog.lower(email) text_pattern_ops);
create index users_email_domain_idx on astapa.users
  (project_id, environment, pg_catalog.lower(pg_catalog.split_part(email, '@', 2)), id);
create index user_claims_name_prefix_idx on astapa.user_claims
  (project_id, pg_catalog.lower(extra ->> 'name') text_pattern_ops);
