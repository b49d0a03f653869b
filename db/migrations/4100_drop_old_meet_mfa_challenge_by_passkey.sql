-- api.meet_mfa_challenge_by_passkey gains remember and remember_days: "Remember this browser" after a passkey
-- second step, as after a code (db/api/factors.sql).
drop function if exists api.meet_mfa_challenge_by_passkey(bytea, bytea, bigint, boolean, boolean);
