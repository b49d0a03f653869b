-- The SSO connection's saves take its attribute mapping and group roles, the sign-in and the pending sign-in the
-- person's groups (docs/enterprise-sso.md "Attribute mapping and groups"): db/api/sso_connections.sql defines the
-- new signatures; the old ones go.
drop function if exists api.put_sso_connection(text, text, text, text, boolean, boolean);
drop function if exists api.put_saml_sso_connection(text, text, text, text[], boolean, boolean, boolean, boolean, text,
                                                    text, text, boolean, text);
drop function if exists api.sign_in_with_sso(text, text, text, boolean);
drop function if exists api.record_sso_pending_sign_in(text, bytea, text, text, jsonb, text, text);
