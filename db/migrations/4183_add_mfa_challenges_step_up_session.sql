-- A step-up's challenge remembers the session it stepped up (a signed-in person asked for a second factor, or
-- to set one up): it is met only while that session is still live, under the user's row lock
-- (astapa.hold_live_login_session), so a sign-out everywhere or a disable leaves no challenge by which the ended
-- session's browser sets up an app or a phone and signs in anew. A reset and a claim end open challenges already.
-- api.start_mfa_challenge stores it; api.mfa_challenge and the api.meet_mfa_challenge* functions check it
-- (db/api/factors.sql).
alter table astapa.mfa_challenges add column step_up_session_hash bytea
  constraint mfa_challenges_step_up_session_hash_check check (pg_catalog.length(step_up_session_hash) = 32);

comment on column astapa.mfa_challenges.step_up_session_hash is
  'A step-up''s challenge: the SHA-256 of the live session whose amr is its first factor; it is met only while '
  'that session is live. Null for a sign-in''s challenge.';
