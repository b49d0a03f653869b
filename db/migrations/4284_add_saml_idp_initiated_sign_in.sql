-- IdP-initiated SAML sign-in ("tile" sign-in from the IdP's app portal; docs/enterprise-sso.md "Sign-in from the
-- IdP's portal"): a per-connection switch, off by default and always off for OpenID Connect, and the pending SSO
-- sign-ins an unsolicited Response leaves after it was verified. Nobody is signed in at the ACS: the browser goes
-- to the app's initiate_login_uri, the app starts its own authorization request (state, PKCE), and the hosted login
-- completes the sign-in for the identity kept here (single use, ten minutes, the cookie's token kept as SHA-256).
-- api.put_saml_sso_connection takes the switch, so its old signature goes.
alter table astapa.sso_connections
  add column idp_initiated boolean not null default false,
  add constraint sso_connections_idp_initiated_check check (protocol = 'saml' or not idp_initiated);

comment on column astapa.sso_connections.idp_initiated is
  'SAML: accept a Response the IdP sent unasked (sign-in from the IdP''s portal), handed to the app''s '
  'initiate_login_uri as a pending SSO sign-in (astapa.sso_pending_sign_ins).';

create table astapa.sso_pending_sign_ins (
  project_id text not null,
  token_hash bytea not null,
  connection_id text not null,
  subject text not null,
  email text not null,
  profile jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  constraint sso_pending_sign_ins_pkey primary key (project_id, token_hash),
  constraint sso_pending_sign_ins_connection_id_fkey foreign key (project_id, connection_id)
    references astapa.sso_connections (project_id, id) on delete cascade,
  constraint sso_pending_sign_ins_token_hash_check check (length(token_hash) = 32),
  constraint sso_pending_sign_ins_subject_check check (length(subject) between 1 and 1024),
  constraint sso_pending_sign_ins_email_check check (length(email) between 1 and 320),
  constraint sso_pending_sign_ins_profile_check check (jsonb_typeof(profile) = 'object')
);
create index sso_pending_sign_ins_project_id_expires_at_idx on astapa.sso_pending_sign_ins (project_id, expires_at);
create index sso_pending_sign_ins_project_id_connection_id_idx
  on astapa.sso_pending_sign_ins (project_id, connection_id);
alter table astapa.sso_pending_sign_ins enable row level security;
alter table astapa.sso_pending_sign_ins force row level security;
comment on table astapa.sso_pending_sign_ins is
  'Identities a SAML IdP vouched for in a Response it sent unasked (IdP-initiated), verified and waiting for the '
  'app''s own authorization request to sign them in: ten minutes, single use, found by the SHA-256 of the token in '
  'the browser''s pending-login cookie.';
grant select, insert, update (used_at), delete on astapa.sso_pending_sign_ins to astapa_app;

drop function if exists api.put_saml_sso_connection(text, text, text, text[], boolean, boolean, boolean, boolean, text,
                                                    text, text);
