-- A challenge remembers when its first factor was a code sent to the person's phone: the phone cannot then also
-- be its second step (one device proven once). api.start_mfa_challenge gains first_factor (db/api/factors.sql).
alter table astapa.mfa_challenges add column first_factor text
  constraint mfa_challenges_first_factor_check check (first_factor = 'phone');

comment on column astapa.mfa_challenges.first_factor is
  'phone when the first factor was a code sent to the person''s phone (it cannot be the second too); null otherwise.';

drop function if exists api.start_mfa_challenge(bigint, bytea, text[], boolean, bytea);
