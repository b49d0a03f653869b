-- Developer accounts sign in through the console project's hosted login: an account is linked to the console
-- user that signed in (by its sub), and one or more accounts own the deployment (may invite developers).

alter table astapa.accounts
  add column console_user_id bigint,
  add column deployment_owner boolean not null default false,
  add constraint accounts_console_user_id_key unique (console_user_id);

comment on column astapa.accounts.console_user_id is
  'The console project''s user (sub) this account signs in as; null until its first dashboard sign-in.';
comment on column astapa.accounts.deployment_owner is
  'Owns the deployment: may invite developers. The first account to sign in to the dashboard becomes one.';

-- Linking and ownership change only through api.link_console_account (security definer).
grant select (console_user_id, deployment_owner) on astapa.accounts to astapa_app;
