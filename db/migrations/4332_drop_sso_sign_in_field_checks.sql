-- api.record_saml_session and api.hold_saml_sign_in share astapa.keep_saml_sign_in now, as the OpenID Connect pair
-- shares astapa.keep_oidc_sign_in (db/api/saml_single_logout.sql, db/api/oidc_backchannel_logout.sql): the field
-- checks only they called went into those.
drop function if exists astapa.assert_saml_session_fields(text, text, text, text);
drop function if exists astapa.assert_oidc_session_fields(text, text, text);
