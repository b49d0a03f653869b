-- The tables whose rows every ender closes say which function closes them (astapa.void_ways_back, db/api/users.sql:
-- a sign-out everywhere, a password reset, a claim, a disable): the device requests named the function migration
-- 4184 dropped, and the challenges did not say that an ender ends them too.
comment on table astapa.device_authorizations is
  'Device authorization requests (RFC 8628): the device code as SHA-256, the user code the person types at '
  '/device (8 letters from a 20-consonant alphabet, unique while stored), the client, scope and resource asked '
  'for, and the person''s decision. The client polls no faster than interval_seconds (raised by 5 at each '
  '"slow_down"); an approved request is redeemed once and starts a refresh-token family, unless every way into '
  'the account was ended first (voided: astapa.void_ways_back). Expired rows are swept when new requests start.';

comment on table astapa.mfa_challenges is
  'A first factor passed (amr so far: pwd, or an upstream provider''s) and a second one still owed: the browser '
  'holds the token (SHA-256 here) for 10 minutes, single use. No session or code exists until it is met. Whatever '
  'ends every way into the account ends it too (used_at set: astapa.void_ways_back).';
