-- api.invite_to_organization gains accept_url: a mailed invitation's link must lead to the app (an origin of
-- one of the project's redirect URIs), as a checkout's success and failure URLs already must.
drop function if exists api.invite_to_organization(text, text, text, bytea, integer, bigint, jsonb);
