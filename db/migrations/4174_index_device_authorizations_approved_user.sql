-- A sign-out everywhere, a password reset, a claim and a disable void the user's approved, unpolled device
-- authorizations (astapa.void_device_authorizations): found by project and user. Only approved rows carry a user
-- until polled (a few seconds), so the index holds only those.
create index device_authorizations_approved_user_idx on astapa.device_authorizations (project_id, user_id)
  where status = 'approved';
