-- When a person agreed to the project's terms and privacy policy at sign-up (settings.sign_up.require_legal_consent,
-- as Clerk's legal_accepted_at): set by the hosted login's sign-up paths when the person ticked the box
-- (astapa.legal_consent_given), carried over by an import; null for an account made without that statement.
alter table astapa.users add column legal_accepted_at timestamptz;
comment on column astapa.users.legal_accepted_at is
  'When the person agreed to the project''s terms and privacy policy at sign-up (settings.sign_up.'
  'require_legal_consent), or null: an account made by the project, or before consent was asked.';
grant insert (legal_accepted_at), select (legal_accepted_at) on astapa.users to astapa_app;
-- A guest's sign-up turns the guest's own row into the account (astapa.convert_guest): its consent is an update.
grant update (legal_accepted_at) on astapa.users to astapa_app;
-- astapa.insert_user takes the imported legal_accepted_at (db/api/users.sql): a new signature.
drop function if exists astapa.insert_user(text, text, text, boolean, text, text, timestamptz, jsonb, boolean);
