-- The Apple revocation outbox also takes the token of an Apple sign-in that made no account (api.discard_apple_token,
-- db/api/apple_lifecycle.sql): the table's description says so.
comment on table astapa.apple_token_revocations is
  'Outbox of Apple refresh tokens to revoke (POST /auth/revoke): one row per Apple identity deleted with a stored '
  'token, or per Apple sign-in that made no account; the sealed token and the Services ID it was issued to, '
  'nothing about the person. pending (due at next_attempt_at), sending (claimed until lease_until); a revoked '
  'token''s row is deleted, one given up on stays as failed without its token (swept after 30 days).';
