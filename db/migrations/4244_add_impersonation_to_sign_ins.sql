-- What an impersonation's session issues carries it (docs/impersonation.md): the session, the authorization codes
-- issued for it and the refresh tokens those start and their rotations name the impersonation, so every token
-- carries act: {sub: actor}, none outlives ends_at, and ending the impersonation finds them all.
alter table astapa.login_sessions add column impersonation_id text;
alter table astapa.login_sessions add constraint login_sessions_impersonation_id_fkey
  foreign key (project_id, impersonation_id) references astapa.impersonations (project_id, id) on delete cascade;
create index login_sessions_impersonation_id_idx on astapa.login_sessions (project_id, impersonation_id)
  where impersonation_id is not null;
comment on column astapa.login_sessions.impersonation_id is
  'The impersonation that opened this session (support staff acting as the user), or null for the person''s own.';

alter table astapa.authorization_codes add column impersonation_id text;
alter table astapa.authorization_codes add constraint authorization_codes_impersonation_id_fkey
  foreign key (project_id, impersonation_id) references astapa.impersonations (project_id, id) on delete cascade;
create index authorization_codes_impersonation_id_idx on astapa.authorization_codes (project_id, impersonation_id)
  where impersonation_id is not null;
comment on column astapa.authorization_codes.impersonation_id is
  'The impersonation of the session the code was issued for (its tokens carry act), or null.';

alter table astapa.refresh_tokens add column impersonation_id text;
alter table astapa.refresh_tokens add constraint refresh_tokens_impersonation_id_fkey
  foreign key (project_id, impersonation_id) references astapa.impersonations (project_id, id) on delete cascade;
create index refresh_tokens_impersonation_id_idx on astapa.refresh_tokens (project_id, impersonation_id)
  where impersonation_id is not null;
comment on column astapa.refresh_tokens.impersonation_id is
  'The impersonation the sign-in was (kept across rotations: act in every token, expiry at its ends_at), or null.';

insert into astapa.refresh_token_revocation_reasons (reason) values ('impersonation_ended');
