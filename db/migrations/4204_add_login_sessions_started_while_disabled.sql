-- api.start_login_session does not refuse a disabled user after a first factor other than a password (the factor
-- judged the user in its own statement): such a session is inert while the user is disabled (every read asks
-- astapa.user_may_sign_in), but a re-enable would make it live. It is now marked when it starts, under the
-- user's row lock, and a re-enable ends the marked ones (api.disable_user, db/api/users.sql); the sessions the
-- user had before the disable come back as before. Sessions that started before this migration are not marked (the
-- table cannot tell): they behave as they did.
alter table astapa.login_sessions add column started_while_disabled boolean not null default false;

comment on column astapa.login_sessions.started_while_disabled is
  'The user was disabled when the session started (after a first factor that judged them a moment before): it '
  'is never live, and a re-enable ends it rather than give it back (api.disable_user).';

