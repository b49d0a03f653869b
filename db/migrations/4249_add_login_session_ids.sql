-- sid (OpenID Connect Back-Channel Logout 1.0, docs/tokens.md): every hosted-login session gets a public id, random
-- and unrelated to its cookie's hash, that ID tokens and logout tokens carry. The authorization codes issued for a
-- session and the refresh tokens they start (and their rotations) name it, so ending the session finds the apps to
-- tell and the tokens to revoke. No foreign key: a code or an offline token may outlive its session's row.
alter table astapa.login_sessions add column public_id text not null default astapa.random_id('ses_', 24);
alter table astapa.login_sessions add constraint login_sessions_public_id_key unique (public_id);
alter table astapa.login_sessions add constraint login_sessions_public_id_check check (public_id ~ '^ses_[a-z2-7]{24}$');
comment on column astapa.login_sessions.public_id is
  'The session''s public id (ses_ and 24 base32 characters): the sid of the ID tokens and logout tokens issued for it.';

alter table astapa.authorization_codes add column session_id text;
create index authorization_codes_session_id_idx on astapa.authorization_codes (project_id, session_id)
  where session_id is not null;
comment on column astapa.authorization_codes.session_id is
  'The public id of the hosted-login session the code was issued for (the sid of its ID token), or null.';

alter table astapa.refresh_tokens add column session_id text;
create index refresh_tokens_session_id_idx on astapa.refresh_tokens (project_id, session_id)
  where session_id is not null;
comment on column astapa.refresh_tokens.session_id is
  'The public id of the hosted-login session the sign-in came from (kept across rotations), or null.';

insert into astapa.refresh_token_revocation_reasons (reason) values ('session_ended');
