-- What an SSO sign-in keeps for a later sign-out (the IdP's NameID and SessionIndex, or its ID token with the
-- person's address, name and groups) is needed while its session lives, and no longer: it goes when the session
-- ends (astapa.forget_sso_sign_ins, a trigger on astapa.login_sessions; an erasure ends every session) and, held
-- with a second-factor challenge nobody met, with the grant sweeper a day later (api.sweep_grants). The app role
-- may now delete its project's rows (the policies are in db/api/saml_single_logout.sql and
-- oidc_backchannel_logout.sql). Rows of sessions that ended before go now.
grant delete on astapa.sso_saml_sign_ins, astapa.sso_oidc_sign_ins to astapa_app;

-- Migrations run as the owner, whom forced RLS binds like the app: these rows are every project's.
alter table astapa.sso_saml_sign_ins no force row level security;
alter table astapa.sso_oidc_sign_ins no force row level security;
alter table astapa.login_sessions no force row level security;
delete from astapa.sso_saml_sign_ins x using astapa.login_sessions s
where s.project_id = x.project_id and s.token_hash = x.session_hash and s.ended_at is not null;
delete from astapa.sso_oidc_sign_ins x using astapa.login_sessions s
where s.project_id = x.project_id and s.token_hash = x.session_hash and s.ended_at is not null;
delete from astapa.sso_saml_sign_ins x where x.challenge_hash is not null and x.created_at < now() - interval '1 day';
delete from astapa.sso_oidc_sign_ins x where x.challenge_hash is not null and x.created_at < now() - interval '1 day';
alter table astapa.sso_saml_sign_ins force row level security;
alter table astapa.sso_oidc_sign_ins force row level security;
alter table astapa.login_sessions force row level security;
