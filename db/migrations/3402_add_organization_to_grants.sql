-- The active organization of a sign-in (issue 28 item 2): chosen on the hosted login, carried by the
-- authorization code into the refresh-token family, so a refresh keeps it. No foreign key: a deleted
-- organization or a removed member leaves the column set, and the token claims stop (astapa.organization_grant).
alter table astapa.authorization_codes add column organization_id text;
alter table astapa.refresh_tokens add column organization_id text;
comment on column astapa.authorization_codes.organization_id is
  'The organization the person chose as active for this sign-in (org_id in its tokens while they are a member).';
comment on column astapa.refresh_tokens.organization_id is
  'The sign-in''s active organization, kept by every refresh; its claims stop once the person is no member.';
-- issue_authorization_code takes the active organization (db/api/tokens.sql). "if exists": a fresh database
-- gets its functions from db/api only after every migration ran.
drop function if exists api.issue_authorization_code(bytea, text, bigint, text, text, text, text, text, text, timestamptz, integer, text[]);
-- exchange_token keeps the subject token's active organization (db/api/token_exchange.sql).
drop function if exists api.exchange_token(text, text, text, text, text, text, text, text);
