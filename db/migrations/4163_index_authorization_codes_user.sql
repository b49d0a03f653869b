-- A sign-out everywhere, a password reset and a claim void the user's unredeemed authorization codes
-- (astapa.void_authorization_codes): found by project and user, as the user's sessions and mailed links are.
create index authorization_codes_user_idx on astapa.authorization_codes (project_id, user_id);
