-- api.saml_connection_project and api.oidc_connection_project were one definer lookup written twice (they differ
-- in the protocol only): api.sso_connection_project(connection_id, protocol) in db/api/sso_connections.sql
-- replaces both.
drop function if exists api.saml_connection_project(text);
drop function if exists api.oidc_connection_project(text);
