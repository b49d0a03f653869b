-- A description on each webhook endpoint (as Stripe and Svix allow): what the endpoint is for, shown with it
-- in the dashboard and the API. Optional, at most 200 characters; null when there is none.
alter table astapa.webhook_endpoints
  add column description text,
  add constraint webhook_endpoints_description_check
    check (pg_catalog.length(description) between 1 and 200);

comment on column astapa.webhook_endpoints.description is
  'What the endpoint is for, in the developer''s words (1 to 200 characters), or null.';

grant update (description) on astapa.webhook_endpoints to astapa_app;

-- The writers take a description now: their forms without it go (if exists: a new database runs migrations
-- before db/api creates any); the current ones are in db/api/webhooks.sql.
drop function if exists astapa.save_webhook_endpoint(text, bigint, text, bytea, text[]);
drop function if exists api.create_webhook_endpoint(text, text, bytea, text[], text);
drop function if exists api.update_webhook_endpoint(text, text, text, text[], boolean, text);
