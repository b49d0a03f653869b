-- Per-connection attribute mapping and IdP groups mapped to organization roles (docs/enterprise-sso.md "Attribute
-- mapping and groups"). Four attribute names on the connection (SAML attribute names or OpenID Connect claim names;
-- null: the well-known names as before), a table of group values → roles (exact match; never owner), and the groups
-- an IdP-initiated sign-in arrived with, kept with its pending sign-in until the app starts it. The rules are in
-- db/api/sso_connections.sql and db/api/sso_group_roles.sql.
alter table astapa.sso_connections
  add column email_attribute text,
  add column given_name_attribute text,
  add column family_name_attribute text,
  add column groups_attribute text,
  add constraint sso_connections_email_attribute_check check (
    length(email_attribute) between 1 and 256 and email_attribute !~ '[[:cntrl:]]'
    and email_attribute = btrim(email_attribute)),
  add constraint sso_connections_given_name_attribute_check check (
    length(given_name_attribute) between 1 and 256 and given_name_attribute !~ '[[:cntrl:]]'
    and given_name_attribute = btrim(given_name_attribute)),
  add constraint sso_connections_family_name_attribute_check check (
    length(family_name_attribute) between 1 and 256 and family_name_attribute !~ '[[:cntrl:]]'
    and family_name_attribute = btrim(family_name_attribute)),
  add constraint sso_connections_groups_attribute_check check (
    length(groups_attribute) between 1 and 256 and groups_attribute !~ '[[:cntrl:]]'
    and groups_attribute = btrim(groups_attribute));

comment on column astapa.sso_connections.email_attribute is
  'The SAML attribute or OpenID Connect claim the address is read from; null: the NameID (emailAddress) or the '
  'well-known names (SAML), the email claim (OpenID Connect).';
comment on column astapa.sso_connections.given_name_attribute is
  'The attribute or claim of the given name; null: the well-known names.';
comment on column astapa.sso_connections.family_name_attribute is
  'The attribute or claim of the family name; null: the well-known names.';
comment on column astapa.sso_connections.groups_attribute is
  'The attribute or claim the person''s groups arrive in (read only when the connection maps groups to roles); '
  'null: the well-known names (groups, and for SAML Entra ID''s claim URI and memberOf).';

create table astapa.sso_group_roles (
  project_id text not null,
  connection_id text not null,
  idp_group text not null,
  role text not null,
  created_at timestamptz not null default now(),
  constraint sso_group_roles_pkey primary key (project_id, connection_id, idp_group),
  constraint sso_group_roles_connection_id_fkey foreign key (project_id, connection_id)
    references astapa.sso_connections (project_id, id) on delete cascade,
  constraint sso_group_roles_idp_group_check check (
    length(idp_group) between 1 and 256 and idp_group !~ '[[:cntrl:]]' and idp_group = btrim(idp_group)),
  -- owner is never mapped: an IdP must not make owners, nor demote the last one (as SCIM groups).
  constraint sso_group_roles_role_check check (role ~ '^[a-z][a-z0-9_:-]{0,63}$' and role <> 'owner')
);
create index sso_group_roles_project_id_role_idx on astapa.sso_group_roles (project_id, role);
alter table astapa.sso_group_roles enable row level security;
alter table astapa.sso_group_roles force row level security;
comment on table astapa.sso_group_roles is
  'An SSO connection''s map of the IdP''s group values (names or ids, matched exactly) to organization roles '
  '(never owner): at each sign-in through it the person holds the highest role their groups give, else member.';
grant select, insert, delete on astapa.sso_group_roles to astapa_app;

alter table astapa.sso_pending_sign_ins
  add column groups text[] not null default '{}',
  add constraint sso_pending_sign_ins_groups_check check (cardinality(groups) <= 200);
comment on column astapa.sso_pending_sign_ins.groups is
  'The groups the Response named (when its connection maps groups), for the role at the sign-in the app starts.';
