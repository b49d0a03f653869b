-- The whole schema of an Astapa database, generated from its catalogs by `deno task astapa db schema`.
-- Do not edit: change db/migrations (tables) or db/api (functions, triggers, policies), then regenerate
-- (docs/database.md). tests/sql/schema_file_test.ts fails when this file and a fresh migrate differ.

create schema api authorization astapa_owner;
comment on schema api is 'Functions the application calls, defined in db/api/*.sql. EXECUTE is granted per function, never by default.';
grant usage on schema api to astapa_app;
create schema astapa authorization astapa_owner;
comment on schema astapa is 'Astapa''s tables. Private: the app role reaches rows only as RLS allows.';
grant usage on schema astapa to astapa_app;

-- owner: astapa_owner
create table astapa.accounts (
  id bigint generated always as identity not null,
  email text not null,
  password_hash text,
  password_reset_required boolean default false not null,
  created_at timestamp with time zone default now() not null,
  console_user_id bigint,
  deployment_owner boolean default false not null,
  constraint accounts_pkey PRIMARY KEY (id),
  constraint accounts_console_user_id_key UNIQUE (console_user_id),
  constraint accounts_email_check CHECK (length(email) <= 254 AND email ~ '^[^@\s]+@[^@\s]+$'::text),
  constraint accounts_password_hash_check CHECK (password_hash ~ '^\$argon2id\$'::text)
);
comment on table astapa.accounts is 'Developers who administer projects. Email unique case-insensitively. password_hash (argon2id) is null for an invited account that has not set one; the app role cannot select it.';
comment on column astapa.accounts.password_reset_required is 'True while the account still has the one-time password it was created with.';
comment on column astapa.accounts.console_user_id is 'The console project''s user (sub) this account signs in as; null until its first dashboard sign-in.';
comment on column astapa.accounts.deployment_owner is 'Owns the deployment: may invite developers. The first account to sign in to the dashboard becomes one.';
CREATE UNIQUE INDEX accounts_email_key ON astapa.accounts USING btree (lower(email));
grant insert (email, password_hash, password_reset_required) on astapa.accounts to astapa_app;
grant select (id, email, password_reset_required, created_at, console_user_id, deployment_owner) on astapa.accounts to astapa_app;
grant update (password_hash, password_reset_required) on astapa.accounts to astapa_app;

-- owner: astapa_owner
create table astapa.audit_log (
  project_id text not null,
  id bigint generated always as identity not null,
  actor text not null,
  action text not null,
  target text,
  details jsonb default '{}'::jsonb not null,
  at timestamp with time zone default now() not null,
  constraint audit_log_pkey PRIMARY KEY (project_id, id),
  constraint audit_log_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint audit_log_action_check CHECK (action ~ '^[a-z_]+\.[a-z_]+$'::text),
  constraint audit_log_actor_check CHECK (length(actor) >= 1 AND length(actor) <= 200),
  constraint audit_log_details_check CHECK (jsonb_typeof(details) = 'object'::text)
);
alter table astapa.audit_log enable row level security;
alter table astapa.audit_log force row level security;
comment on table astapa.audit_log is 'Append-only record of changes to a project: actor (cli, account:<id>, app), action (noun.verb), target, details. Never holds secrets.';
CREATE INDEX audit_log_target_idx ON astapa.audit_log USING btree (project_id, target, id);
grant insert, select on astapa.audit_log to astapa_app;
create policy "a project appends to its own audit log" on astapa.audit_log as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own audit log" on astapa.audit_log as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.authorization_codes (
  project_id text not null,
  code_hash bytea not null,
  client_id text not null,
  user_id bigint not null,
  redirect_uri text not null,
  scope text default ''::text not null,
  resource text,
  code_challenge text,
  code_challenge_method text,
  nonce text,
  auth_time timestamp with time zone not null,
  created_at timestamp with time zone default now() not null,
  expires_at timestamp with time zone not null,
  redeemed_at timestamp with time zone,
  refresh_family uuid,
  amr text[] default '{pwd}'::text[] not null,
  organization_id text,
  constraint authorization_codes_pkey PRIMARY KEY (project_id, code_hash),
  constraint authorization_codes_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint authorization_codes_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint authorization_codes_code_hash_check CHECK (length(code_hash) = 32),
  constraint authorization_codes_lifetime_check CHECK (expires_at <= (created_at + '00:10:00'::interval)),
  constraint authorization_codes_nonce_check CHECK (length(nonce) <= 500),
  constraint authorization_codes_pkce_check CHECK (code_challenge IS NULL AND code_challenge_method IS NULL OR code_challenge ~ '^[A-Za-z0-9_-]{43}$'::text AND code_challenge_method = 'S256'::text),
  constraint authorization_codes_resource_check CHECK (length(resource) <= 2000),
  constraint authorization_codes_scope_check CHECK (length(scope) <= 1000)
);
alter table astapa.authorization_codes enable row level security;
alter table astapa.authorization_codes force row level security;
comment on table astapa.authorization_codes is 'Single-use codes from the hosted login, bound to client, redirect_uri and PKCE challenge. refresh_family is the refresh-token family the redemption started, revoked if the code is presented again.';
comment on column astapa.authorization_codes.amr is 'The session''s amr when the code was issued.';
comment on column astapa.authorization_codes.organization_id is 'The organization the person chose as active for this sign-in (org_id in its tokens while they are a member).';
CREATE INDEX authorization_codes_expires_at_idx ON astapa.authorization_codes USING btree (expires_at);
grant insert, select on astapa.authorization_codes to astapa_app;
grant update (redeemed_at, refresh_family) on astapa.authorization_codes to astapa_app;
create policy "a project issues its own authorization codes" on astapa.authorization_codes as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own authorization codes" on astapa.authorization_codes as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project redeems its own authorization codes" on astapa.authorization_codes as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "the sweeper finds expired authorization codes" on astapa.authorization_codes as permissive for select to astapa_owner
  using ((current_setting('astapa.sweep_grants'::text, true) = 'on'::text));
create policy "the sweeper removes expired authorization codes" on astapa.authorization_codes as permissive for delete to astapa_owner
  using ((current_setting('astapa.sweep_grants'::text, true) = 'on'::text));

-- owner: astapa_owner
create table astapa.checkouts (
  project_id text not null,
  id bigint generated always as identity not null,
  public_id text default astapa.random_id('chk_'::text, 24) not null,
  user_id bigint not null,
  plan_key text not null,
  amount bigint not null,
  currency text default 'IDR'::text not null,
  status text default 'open'::text not null,
  method text,
  bank text,
  xendit_account text not null,
  environment text not null,
  period_start timestamp with time zone,
  success_url text,
  failure_url text,
  expires_at timestamp with time zone not null,
  paid_at timestamp with time zone,
  created_at timestamp with time zone default now() not null,
  updated_at timestamp with time zone default now() not null,
  coupon_code text,
  discount_idr bigint default 0 not null,
  plan_change_id bigint,
  buyer_name text,
  buyer_tax_id text,
  organization_id text,
  seats integer,
  seats_from integer,
  constraint checkouts_pkey PRIMARY KEY (project_id, id),
  constraint checkouts_public_id_key UNIQUE (public_id),
  constraint checkouts_coupon_fkey FOREIGN KEY (project_id, coupon_code) REFERENCES astapa.coupons(project_id, code),
  constraint checkouts_organization_fkey FOREIGN KEY (project_id, organization_id) REFERENCES astapa.organizations(project_id, id) ON DELETE SET NULL (organization_id),
  constraint checkouts_plan_change_fkey FOREIGN KEY (project_id, plan_change_id) REFERENCES astapa.plan_changes(project_id, id),
  constraint checkouts_plan_fkey FOREIGN KEY (project_id, plan_key) REFERENCES astapa.plans(project_id, key),
  constraint checkouts_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint checkouts_amount_check CHECK (amount >= 1 AND amount <= '1000000000000'::bigint),
  constraint checkouts_bank_check CHECK (bank IS NULL OR (bank = ANY (ARRAY['BCA'::text, 'BNI'::text, 'BRI'::text, 'MANDIRI'::text, 'PERMATA'::text]))),
  constraint checkouts_buyer_name_check CHECK (length(buyer_name) >= 1 AND length(buyer_name) <= 200),
  constraint checkouts_buyer_tax_id_check CHECK (buyer_tax_id ~ '^[0-9]{15,16}$'::text),
  constraint checkouts_currency_check CHECK (currency = 'IDR'::text),
  constraint checkouts_discount_idr_check CHECK (discount_idr >= 0 AND discount_idr <= '1000000000000'::bigint),
  constraint checkouts_environment_check CHECK (environment = ANY (ARRAY['sandbox'::text, 'production'::text])),
  constraint checkouts_method_check CHECK (method IS NULL OR (method = ANY (ARRAY['qris'::text, 'bank_transfer'::text, 'ovo'::text, 'gopay'::text, 'dana'::text, 'shopeepay'::text]))),
  constraint checkouts_public_id_check CHECK (public_id ~ '^chk_[a-z2-7]{24}$'::text),
  constraint checkouts_seats_check CHECK (seats IS NULL AND seats_from IS NULL OR seats >= 1 AND seats <= 100000 AND (seats_from IS NULL OR seats_from >= 1 AND seats_from <= (seats - 1))),
  constraint checkouts_status_check CHECK (status = ANY (ARRAY['open'::text, 'pending'::text, 'paid'::text, 'expired'::text])),
  constraint checkouts_urls_check CHECK (length(success_url) <= 2000 AND length(failure_url) <= 2000),
  constraint checkouts_xendit_account_check CHECK (xendit_account = ANY (ARRAY['project'::text, 'deployment'::text, 'simulator'::text]))
);
alter table astapa.checkouts enable row level security;
alter table astapa.checkouts force row level security;
comment on table astapa.checkouts is 'One purchase of a plan for one billing period. status: open (no charge yet), pending (a charge waits), paid, expired. xendit_account says whose keys made its charges (project, deployment or the built-in simulator), so callbacks are checked against the matching token. period_start is set for renewals (the period paid for).';
comment on column astapa.checkouts.coupon_code is 'The coupon applied to this checkout (receipts name it).';
comment on column astapa.checkouts.discount_idr is 'Rupiah taken off the list price by coupon_code: amount is what is charged, amount + discount_idr the list price.';
comment on column astapa.checkouts.plan_change_id is 'Set on an upgrade''s checkout: paying it applies that plan change instead of starting a new period.';
comment on column astapa.checkouts.buyer_name is 'The name (person or company) the receipt is made out to, if given.';
comment on column astapa.checkouts.buyer_tax_id is 'The buyer''s NPWP (15 or 16 digits) or NIK (16 digits) for the receipt, digits only, if given.';
comment on column astapa.checkouts.organization_id is 'The organization a team plan checkout buys for (user_id is the owner or admin who pays); null: a personal one.';
comment on column astapa.checkouts.seats is 'The seats a team plan checkout buys (the organization''s seat limit once paid).';
comment on column astapa.checkouts.seats_from is 'Seats already paid for the running period when this checkout adds seats at a prorated price; null: a full period.';
CREATE INDEX checkouts_coupon_idx ON astapa.checkouts USING btree (project_id, coupon_code) WHERE (coupon_code IS NOT NULL);
CREATE UNIQUE INDEX checkouts_renewal_key ON astapa.checkouts USING btree (project_id, user_id, plan_key, period_start) WHERE (period_start IS NOT NULL);
CREATE INDEX checkouts_status_idx ON astapa.checkouts USING btree (project_id, status, created_at);
CREATE INDEX checkouts_user_idx ON astapa.checkouts USING btree (project_id, user_id, id);
grant select on astapa.checkouts to astapa_app;
grant insert (project_id, user_id, plan_key, amount, method, bank, xendit_account, environment, period_start, success_url, failure_url, expires_at, coupon_code, discount_idr, plan_change_id) on astapa.checkouts to astapa_app;
grant update (amount, status, method, bank, paid_at, updated_at, coupon_code, discount_idr, buyer_name, buyer_tax_id, organization_id, seats, seats_from) on astapa.checkouts to astapa_app;
create policy "a project opens its own checkouts" on astapa.checkouts as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own checkouts" on astapa.checkouts as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project updates its own checkouts" on astapa.checkouts as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "definer functions find the checkout a callback names" on astapa.checkouts as permissive for select to astapa_owner
  using ((public_id = NULLIF(current_setting('astapa.lookup_checkout'::text, true), ''::text)));
create policy "definer functions see which projects have unpaid checkouts" on astapa.checkouts as permissive for select to astapa_owner
  using (((current_setting('astapa.list_billing_projects'::text, true) = 'on'::text) AND (status = ANY (ARRAY['open'::text, 'pending'::text]))));
CREATE TRIGGER checkouts_refuse_foreign_client_writes BEFORE INSERT OR DELETE OR UPDATE OR TRUNCATE ON astapa.checkouts FOR EACH STATEMENT EXECUTE FUNCTION astapa.refuse_foreign_client_writes();

-- owner: astapa_owner
create table astapa.client_assertion_jtis (
  client_id text not null,
  jti text not null,
  expires_at timestamp with time zone not null,
  constraint client_assertion_jtis_pkey PRIMARY KEY (client_id, jti),
  constraint client_assertion_jtis_client_id_check CHECK (length(client_id) <= 100),
  constraint client_assertion_jtis_jti_check CHECK (length(jti) >= 1 AND length(jti) <= 200)
);
comment on table astapa.client_assertion_jtis is 'The jti of every client assertion accepted (private_key_jwt), kept until the assertion expires, so a replayed assertion is refused by every instance (RFC 7523 §3 item 7). Deployment-wide like client ids: a self-registered client belongs to no project. Expired rows are swept by api.consume_client_assertion.';
CREATE INDEX client_assertion_jtis_expires_at_idx ON astapa.client_assertion_jtis USING btree (expires_at);
grant delete, insert, select on astapa.client_assertion_jtis to astapa_app;

-- owner: astapa_owner
create table astapa.client_changes (
  seq bigint generated always as identity not null,
  changed_at timestamp with time zone default now() not null,
  source text not null,
  constraint client_changes_pkey PRIMARY KEY (seq)
);
comment on table astapa.client_changes is 'One row per statement that changed client credentials or what a client_credentials grant reads; the truth behind NOTIFY astapa_client_changes (payload: seq). Rows older than a day are removed by the trigger.';
CREATE INDEX client_changes_changed_at_idx ON astapa.client_changes USING btree (changed_at);
grant delete, insert, select on astapa.client_changes to astapa_app;

-- owner: astapa_owner
create table astapa.client_metadata_documents (
  client_id text not null,
  document jsonb not null,
  redirect_uris text[] not null,
  fetched_at timestamp with time zone default now() not null,
  expires_at timestamp with time zone not null,
  last_used_at timestamp with time zone default now() not null,
  constraint client_metadata_documents_pkey PRIMARY KEY (client_id),
  constraint client_metadata_documents_client_id_check CHECK (client_id ~ '^https?://[^\s#]+$'::text AND length(client_id) <= 1000),
  constraint client_metadata_documents_document_check CHECK (jsonb_typeof(document) = 'object'::text AND octet_length(document::text) <= 16384),
  constraint client_metadata_documents_expires_at_check CHECK (expires_at > fetched_at),
  constraint client_metadata_documents_redirect_uris_check CHECK (cardinality(redirect_uris) >= 1 AND cardinality(redirect_uris) <= 10)
);
comment on table astapa.client_metadata_documents is 'Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document) fetched from the https URL that is the client''s id, validated, and kept until expires_at (the document''s HTTP caching headers within bounds) so every instance answers from the same copy. Deployment-wide like dynamic_clients: a client known by its URL belongs to no project. document is the validated metadata (jwks fetched from jwks_uri included).';
CREATE INDEX client_metadata_documents_expires_at_idx ON astapa.client_metadata_documents USING btree (expires_at);
grant delete, insert, select, update on astapa.client_metadata_documents to astapa_app;

-- owner: astapa_owner
create table astapa.consents (
  project_id text not null,
  user_id bigint not null,
  client_id text not null,
  resource text not null,
  scopes text[] default '{}'::text[] not null,
  granted_at timestamp with time zone default now() not null,
  updated_at timestamp with time zone default now() not null,
  constraint consents_pkey PRIMARY KEY (project_id, user_id, client_id, resource),
  constraint consents_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint consents_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint consents_client_id_check CHECK (length(client_id) >= 1 AND length(client_id) <= 1000),
  constraint consents_resource_check CHECK (length(resource) >= 1 AND length(resource) <= 2000),
  constraint consents_scopes_check CHECK (cardinality(scopes) <= 100)
);
alter table astapa.consents enable row level security;
alter table astapa.consents force row level security;
comment on table astapa.consents is 'A person''s remembered consent: the scopes they allowed a self-registered (dcl_…) or metadata-document (URL) client for one protected resource of the project. Widened when they allow more (incremental), removed when they or an admin revoke it, which also revokes the refresh tokens of that client and resource.';
CREATE INDEX consents_project_id_client_id_idx ON astapa.consents USING btree (project_id, client_id);
grant delete, insert, select, update on astapa.consents to astapa_app;
create policy "a project reads its own consents" on astapa.consents as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project records its own consents" on astapa.consents as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project revokes its own consents" on astapa.consents as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project widens its own consents" on astapa.consents as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.coupon_redemptions (
  project_id text not null,
  coupon_code text not null,
  user_id bigint not null,
  checkout_id bigint not null,
  created_at timestamp with time zone default now() not null,
  constraint coupon_redemptions_pkey PRIMARY KEY (project_id, coupon_code, user_id),
  constraint coupon_redemptions_checkout_fkey FOREIGN KEY (project_id, checkout_id) REFERENCES astapa.checkouts(project_id, id) ON DELETE CASCADE,
  constraint coupon_redemptions_coupon_fkey FOREIGN KEY (project_id, coupon_code) REFERENCES astapa.coupons(project_id, code),
  constraint coupon_redemptions_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE
);
alter table astapa.coupon_redemptions enable row level security;
alter table astapa.coupon_redemptions force row level security;
comment on table astapa.coupon_redemptions is 'Each user''s redemption of a coupon, pointing at the checkout it was applied to. It counts towards max_redemptions unless that checkout expired unpaid (then the user, or someone else, may use the slot).';
CREATE INDEX coupon_redemptions_checkout_idx ON astapa.coupon_redemptions USING btree (project_id, checkout_id);
grant delete, insert, select on astapa.coupon_redemptions to astapa_app;
grant update (checkout_id, created_at) on astapa.coupon_redemptions to astapa_app;
create policy "a project moves its own coupon redemptions" on astapa.coupon_redemptions as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own coupon redemptions" on astapa.coupon_redemptions as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project records its own coupon redemptions" on astapa.coupon_redemptions as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project releases its own coupon redemptions" on astapa.coupon_redemptions as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.coupons (
  project_id text not null,
  code text not null,
  percent_off integer,
  amount_off_idr bigint,
  duration text default 'once'::text not null,
  duration_periods integer,
  max_redemptions integer,
  plan_keys text[],
  expires_at timestamp with time zone,
  disabled_at timestamp with time zone,
  created_at timestamp with time zone default now() not null,
  constraint coupons_pkey PRIMARY KEY (project_id, code),
  constraint coupons_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint coupons_amount_off_idr_check CHECK (amount_off_idr >= 1 AND amount_off_idr <= '1000000000000'::bigint),
  constraint coupons_code_check CHECK (code ~ '^[A-Z0-9_-]{3,40}$'::text),
  constraint coupons_discount_check CHECK ((percent_off IS NULL) <> (amount_off_idr IS NULL)),
  constraint coupons_duration_check CHECK ((duration = ANY (ARRAY['once'::text, 'repeating'::text, 'forever'::text])) AND (duration = 'repeating'::text) = (duration_periods IS NOT NULL)),
  constraint coupons_duration_periods_check CHECK (duration_periods >= 1 AND duration_periods <= 120),
  constraint coupons_max_redemptions_check CHECK (max_redemptions >= 1),
  constraint coupons_percent_off_check CHECK (percent_off >= 1 AND percent_off <= 99),
  constraint coupons_plan_keys_check CHECK (cardinality(plan_keys) >= 1 AND cardinality(plan_keys) <= 100)
);
alter table astapa.coupons enable row level security;
alter table astapa.coupons force row level security;
comment on table astapa.coupons is 'Discount codes of a project: percent_off (1–99) or amount_off_idr, duration once | repeating (duration_periods paid periods) | forever, optional expires_at, max_redemptions (users) and plan_keys (null: any plan). Disabled, never deleted: redemptions keep naming them.';
grant insert, select on astapa.coupons to astapa_app;
grant update (disabled_at) on astapa.coupons to astapa_app;
create policy "a project adds its own coupons" on astapa.coupons as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project changes its own coupons" on astapa.coupons as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own coupons" on astapa.coupons as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.dashboard_sessions (
  session_hash bytea not null,
  account_id bigint not null,
  created_at timestamp with time zone default now() not null,
  expires_at timestamp with time zone not null,
  ended_at timestamp with time zone,
  constraint dashboard_sessions_pkey PRIMARY KEY (session_hash),
  constraint dashboard_sessions_account_id_fkey FOREIGN KEY (account_id) REFERENCES astapa.accounts(id),
  constraint dashboard_sessions_lifetime_check CHECK (expires_at > created_at AND expires_at <= (created_at + '30 days'::interval)),
  constraint dashboard_sessions_session_hash_check CHECK (length(session_hash) = 32)
);
comment on table astapa.dashboard_sessions is 'Signed-in dashboard browsers, by the SHA-256 of the cookie token; live until expires_at or ended_at.';
CREATE INDEX dashboard_sessions_account_id_idx ON astapa.dashboard_sessions USING btree (account_id);
CREATE INDEX dashboard_sessions_expires_at_idx ON astapa.dashboard_sessions USING btree (expires_at);
grant insert, select on astapa.dashboard_sessions to astapa_app;
grant update (ended_at) on astapa.dashboard_sessions to astapa_app;

-- owner: astapa_owner
create table astapa.deployment (
  singleton boolean default true not null,
  console_project_id text not null,
  created_at timestamp with time zone default now() not null,
  constraint deployment_pkey PRIMARY KEY (singleton),
  constraint deployment_console_project_id_fkey FOREIGN KEY (console_project_id) REFERENCES astapa.projects(id),
  constraint deployment_singleton_check CHECK (singleton)
);
comment on table astapa.deployment is 'One row per deployment: which project is the console (the dashboard''s own sign-in). Deployment-wide, no tenant data, so no RLS; the app role may read it and insert it once, never change it.';
grant insert, select on astapa.deployment to astapa_app;

-- owner: astapa_owner
create table astapa.device_authorizations (
  project_id text not null,
  device_code_hash bytea not null,
  user_code text not null,
  client_id text not null,
  scope text default ''::text not null,
  resource text,
  status text default 'pending'::text not null,
  user_id bigint,
  auth_time timestamp with time zone,
  interval_seconds integer default 5 not null,
  last_polled_at timestamp with time zone,
  expires_at timestamp with time zone not null,
  decided_at timestamp with time zone,
  refresh_family uuid,
  created_at timestamp with time zone default now() not null,
  constraint device_authorizations_pkey PRIMARY KEY (project_id, device_code_hash),
  constraint device_authorizations_user_code_key UNIQUE (user_code),
  constraint device_authorizations_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint device_authorizations_client_id_check CHECK (length(client_id) <= 100),
  constraint device_authorizations_device_code_hash_check CHECK (length(device_code_hash) = 32),
  constraint device_authorizations_interval_seconds_check CHECK (interval_seconds >= 5 AND interval_seconds <= 60),
  constraint device_authorizations_scope_check CHECK (length(scope) <= 1000),
  constraint device_authorizations_status_check CHECK (status = ANY (ARRAY['pending'::text, 'approved'::text, 'denied'::text, 'redeemed'::text])),
  constraint device_authorizations_user_code_check CHECK (user_code ~ '^[BCDFGHJKLMNPQRSTVWXZ]{8}$'::text),
  constraint device_authorizations_user_id_check CHECK ((status = ANY (ARRAY['approved'::text, 'redeemed'::text])) = (user_id IS NOT NULL))
);
alter table astapa.device_authorizations enable row level security;
alter table astapa.device_authorizations force row level security;
comment on table astapa.device_authorizations is 'Device authorization requests (RFC 8628): the device code as SHA-256, the user code the person types at /device (8 letters from a 20-consonant alphabet, unique while stored), the client, scope and resource asked for, and the person''s decision. The client polls no faster than interval_seconds (raised by 5 at each "slow_down"); an approved request is redeemed once and starts a refresh-token family. Expired rows are swept when new requests start.';
CREATE INDEX device_authorizations_expires_at_idx ON astapa.device_authorizations USING btree (expires_at);
grant delete, select on astapa.device_authorizations to astapa_app;
grant insert (project_id, device_code_hash, user_code, client_id, scope, resource, interval_seconds, expires_at) on astapa.device_authorizations to astapa_app;
grant update (status, user_id, auth_time, interval_seconds, last_polled_at, decided_at, refresh_family) on astapa.device_authorizations to astapa_app;
create policy "a project reads its own device authorizations" on astapa.device_authorizations as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project starts its own device authorizations" on astapa.device_authorizations as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project sweeps its own device authorizations" on astapa.device_authorizations as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project updates its own device authorizations" on astapa.device_authorizations as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "definer functions find the device authorization a user code nam" on astapa.device_authorizations as permissive for select to astapa_owner
  using ((user_code = NULLIF(current_setting('astapa.lookup_user_code'::text, true), ''::text)));

-- owner: astapa_owner
create table astapa.dynamic_clients (
  client_id text not null,
  client_name text default ''::text not null,
  redirect_uris text[] not null,
  grant_types text[] default '{authorization_code}'::text[] not null,
  token_endpoint_auth_method text not null,
  secret_hash bytea,
  scope text default ''::text not null,
  metadata jsonb default '{}'::jsonb not null,
  registered_from text default ''::text not null,
  created_at timestamp with time zone default now() not null,
  last_used_at timestamp with time zone,
  constraint dynamic_clients_pkey PRIMARY KEY (client_id),
  constraint dynamic_clients_auth_method_check CHECK (token_endpoint_auth_method = ANY (ARRAY['none'::text, 'client_secret_basic'::text, 'client_secret_post'::text, 'private_key_jwt'::text])),
  constraint dynamic_clients_client_id_check CHECK (client_id ~ '^dcl_[a-z2-7]{24}$'::text),
  constraint dynamic_clients_client_name_check CHECK (length(client_name) <= 100),
  constraint dynamic_clients_grant_types_check CHECK (('authorization_code'::text = ANY (grant_types)) AND grant_types <@ '{authorization_code,refresh_token,urn:ietf:params:oauth:grant-type:device_code}'::text[]),
  constraint dynamic_clients_jwks_check CHECK ((token_endpoint_auth_method = 'private_key_jwt'::text) = COALESCE(jsonb_typeof((metadata -> 'jwks'::text) -> 'keys'::text) = 'array'::text, false)),
  constraint dynamic_clients_metadata_check CHECK (jsonb_typeof(metadata) = 'object'::text AND octet_length(metadata::text) <= 8192),
  constraint dynamic_clients_redirect_uris_check CHECK (cardinality(redirect_uris) >= 1 AND cardinality(redirect_uris) <= 10 AND (astapa.are_valid_redirect_uris(redirect_uris) OR COALESCE(metadata ->> 'application_type'::text, ''::text) = 'native'::text AND array_position(redirect_uris, NULL::text) IS NULL AND octet_length(array_to_string(redirect_uris, ' '::text)) <= 20100 AND array_to_string(redirect_uris, ' '::text) ~ ((((('^(https://[^/?@\s:#]+(:[0-9]{1,5})?([/?][^\s#]*)?'::text || '|http://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?([/?][^\s#]*)?'::text) || '|[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:/([^/\s#][^\s#]*)?)'::text) || '( (https://[^/?@\s:#]+(:[0-9]{1,5})?([/?][^\s#]*)?'::text) || '|http://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?([/?][^\s#]*)?'::text) || '|[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:/([^/\s#][^\s#]*)?))*$'::text))),
  constraint dynamic_clients_registered_from_check CHECK (length(registered_from) <= 100),
  constraint dynamic_clients_scope_check CHECK (length(scope) <= 1000),
  constraint dynamic_clients_secret_hash_check CHECK ((token_endpoint_auth_method = ANY (ARRAY['none'::text, 'private_key_jwt'::text])) = (secret_hash IS NULL) AND (secret_hash IS NULL OR length(secret_hash) = 32))
);
comment on table astapa.dynamic_clients is 'Self-registered clients (RFC 7591), deployment-wide: no project owns them. They sign a person in to the project whose protected resource they name, and only if that project''s settings.dynamic_clients is true. metadata keeps the other registered fields to echo (client_uri, logo_uri, contacts, software_id, …). The secret of a confidential client is kept only as its SHA-256, which the app role cannot select.';
comment on column astapa.dynamic_clients.registered_from is 'The address the registration came from, for tracing abuse.';
comment on column astapa.dynamic_clients.last_used_at is 'When an authorization code was last issued to this client (null: never), for the sweep of unused registrations.';
CREATE INDEX dynamic_clients_created_at_idx ON astapa.dynamic_clients USING btree (created_at);
grant insert (client_id, client_name, redirect_uris, grant_types, token_endpoint_auth_method, secret_hash, scope, metadata, registered_from) on astapa.dynamic_clients to astapa_app;
grant select (client_id, client_name, redirect_uris, grant_types, token_endpoint_auth_method, scope, metadata, registered_from, created_at, last_used_at) on astapa.dynamic_clients to astapa_app;
grant update (last_used_at) on astapa.dynamic_clients to astapa_app;

-- owner: astapa_owner
create table astapa.email_changes (
  project_id text not null,
  token_hash bytea not null,
  user_id bigint not null,
  new_email text not null,
  created_at timestamp with time zone default now() not null,
  expires_at timestamp with time zone not null,
  used_at timestamp with time zone,
  constraint email_changes_pkey PRIMARY KEY (project_id, token_hash),
  constraint email_changes_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint email_changes_lifetime_check CHECK (expires_at <= (created_at + '1 day'::interval)),
  constraint email_changes_new_email_check CHECK (length(new_email) <= 254 AND new_email ~ '^[^@\s]+@[^@\s]+$'::text),
  constraint email_changes_token_hash_check CHECK (length(token_hash) = 32)
);
alter table astapa.email_changes enable row level security;
alter table astapa.email_changes force row level security;
comment on table astapa.email_changes is 'A person''s requested new email address, waiting for the link mailed to it (1 hour, single use; only the SHA-256 of the link''s token is kept). A newer request voids the older ones.';
CREATE INDEX email_changes_user_idx ON astapa.email_changes USING btree (project_id, user_id);
grant delete, insert, select on astapa.email_changes to astapa_app;
grant update (used_at) on astapa.email_changes to astapa_app;
create policy "a project forgets its own email changes" on astapa.email_changes as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own email changes" on astapa.email_changes as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project records its own email changes" on astapa.email_changes as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project uses up its own email changes" on astapa.email_changes as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.email_codes (
  project_id text not null,
  link_hash bytea not null,
  user_id bigint,
  code_hash bytea not null,
  sign_in_request text not null,
  tries integer default 0 not null,
  created_at timestamp with time zone default now() not null,
  expires_at timestamp with time zone not null,
  used_at timestamp with time zone,
  email text,
  constraint email_codes_pkey PRIMARY KEY (project_id, link_hash),
  constraint email_codes_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint email_codes_code_hash_check CHECK (length(code_hash) = 32),
  constraint email_codes_email_check CHECK (email IS NULL OR length(email) <= 254),
  constraint email_codes_lifetime_check CHECK (expires_at > created_at),
  constraint email_codes_link_hash_check CHECK (length(link_hash) = 32),
  constraint email_codes_person_check CHECK ((user_id IS NULL) <> (email IS NULL)),
  constraint email_codes_sign_in_request_check CHECK (length(sign_in_request) <= 8000),
  constraint email_codes_tries_check CHECK (tries >= 0 AND tries <= 5)
);
alter table astapa.email_codes enable row level security;
alter table astapa.email_codes force row level security;
comment on table astapa.email_codes is 'A sign-in code mailed to a user (10 minutes, 5 tries, single use; a newer code voids older ones) and the magic link in the same mail (link_hash), which opens sign_in_request: the authorization request it came with. For a project whose email codes create accounts, a code for an address without a user names the email instead of a user_id; redeeming it creates the user.';
CREATE INDEX email_codes_sign_up_idx ON astapa.email_codes USING btree (project_id, lower(email)) WHERE (user_id IS NULL);
CREATE INDEX email_codes_user_idx ON astapa.email_codes USING btree (project_id, user_id);
grant insert, select on astapa.email_codes to astapa_app;
grant update (tries, used_at) on astapa.email_codes to astapa_app;
create policy "a project mails its own email codes" on astapa.email_codes as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own email codes" on astapa.email_codes as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project uses up its own email codes" on astapa.email_codes as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.email_tokens (
  project_id text not null,
  token_hash bytea not null,
  user_id bigint not null,
  purpose text not null,
  created_at timestamp with time zone default now() not null,
  expires_at timestamp with time zone not null,
  used_at timestamp with time zone,
  sign_in_request text,
  constraint email_tokens_pkey PRIMARY KEY (project_id, token_hash),
  constraint email_tokens_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint email_tokens_lifetime_check CHECK (expires_at <= (created_at + '3 days'::interval)),
  constraint email_tokens_purpose_check CHECK (purpose = ANY (ARRAY['verify_email'::text, 'reset_password'::text])),
  constraint email_tokens_sign_in_request_check CHECK (sign_in_request IS NULL OR length(sign_in_request) <= 8192 AND sign_in_request ~ '^/auth/[a-z]+\?'::text),
  constraint email_tokens_token_hash_check CHECK (length(token_hash) = 32)
);
alter table astapa.email_tokens enable row level security;
alter table astapa.email_tokens force row level security;
comment on table astapa.email_tokens is 'Links mailed to users: verify_email (3 days) and reset_password (1 hour). Single use; a new reset link replaces the older ones.';
comment on column astapa.email_tokens.sign_in_request is 'The hosted-login page and query the mailed link opens (without the token), e.g. /auth/reset?client_id=…';
CREATE INDEX email_tokens_user_idx ON astapa.email_tokens USING btree (project_id, user_id);
grant insert, select on astapa.email_tokens to astapa_app;
grant update (used_at) on astapa.email_tokens to astapa_app;
create policy "a project issues its own email tokens" on astapa.email_tokens as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own email tokens" on astapa.email_tokens as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project uses up its own email tokens" on astapa.email_tokens as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.event_types (
  type text not null,
  constraint event_types_pkey PRIMARY KEY (type),
  constraint event_types_type_check CHECK (type ~ '^[a-z][a-z_]*(\.[a-z][a-z_]*)+$'::text)
);
comment on table astapa.event_types is 'The types an astapa.events row may have (events.type references it). Add a type with an insert in a migration; apps subscribe to the subset astapa.webhook_event_types() names.';
grant select on astapa.event_types to astapa_app;

-- owner: astapa_owner
create table astapa.events (
  project_id text not null,
  id bigint generated always as identity not null,
  public_id text default astapa.random_id('evt_'::text, 24) not null,
  type text not null,
  data jsonb not null,
  created_at timestamp with time zone default now() not null,
  constraint events_pkey PRIMARY KEY (project_id, id),
  constraint events_public_id_key UNIQUE (public_id),
  constraint events_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint events_type_fkey FOREIGN KEY (type) REFERENCES astapa.event_types(type),
  constraint events_data_check CHECK (jsonb_typeof(data) = 'object'::text AND octet_length(data::text) <= 65536)
);
alter table astapa.events enable row level security;
alter table astapa.events force row level security;
comment on table astapa.events is 'Durable events of a project (append-only). public_id (evt_…) is what webhooks send as their id; NOTIFY astapa_events carries id, nothing else.';
grant select on astapa.events to astapa_app;
grant insert (project_id, type, data) on astapa.events to astapa_app;
create policy "a project reads its own events" on astapa.events as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project records its own events" on astapa.events as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
CREATE TRIGGER events_queue_webhook_deliveries AFTER INSERT ON astapa.events FOR EACH ROW EXECUTE FUNCTION astapa.queue_webhook_deliveries();

-- owner: astapa_owner
create table astapa.identities (
  project_id text not null,
  provider text not null,
  subject text not null,
  user_id bigint not null,
  email text,
  created_at timestamp with time zone default now() not null,
  constraint identities_pkey PRIMARY KEY (project_id, provider, subject),
  constraint identities_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint identities_provider_check CHECK (provider = ANY (ARRAY['google'::text, 'github'::text])),
  constraint identities_subject_check CHECK (length(subject) >= 1 AND length(subject) <= 255)
);
alter table astapa.identities enable row level security;
alter table astapa.identities force row level security;
comment on table astapa.identities is 'Social sign-in identities: the provider''s subject for a user of this project.';
CREATE INDEX identities_user_idx ON astapa.identities USING btree (project_id, user_id);
grant delete, insert, select on astapa.identities to astapa_app;
create policy "a project links identities to its own users" on astapa.identities as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own identities" on astapa.identities as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project unlinks its own identities" on astapa.identities as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
CREATE TRIGGER identities_refuse_foreign_client_writes BEFORE INSERT OR DELETE OR UPDATE OR TRUNCATE ON astapa.identities FOR EACH STATEMENT EXECUTE FUNCTION astapa.refuse_foreign_client_writes();

-- owner: astapa_owner
create table astapa.identity_assertion_jtis (
  project_id text not null,
  issuer text not null,
  jti text not null,
  expires_at timestamp with time zone not null,
  constraint identity_assertion_jtis_pkey PRIMARY KEY (project_id, issuer, jti),
  constraint identity_assertion_jtis_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint identity_assertion_jtis_issuer_check CHECK (length(issuer) <= 500),
  constraint identity_assertion_jtis_jti_check CHECK (length(jti) >= 1 AND length(jti) <= 200)
);
alter table astapa.identity_assertion_jtis enable row level security;
alter table astapa.identity_assertion_jtis force row level security;
comment on table astapa.identity_assertion_jtis is 'The jti of every identity assertion (ID-JAG) accepted, kept until it expires, so a replay is refused by every instance.';
CREATE INDEX identity_assertion_jtis_expires_at_idx ON astapa.identity_assertion_jtis USING btree (expires_at);
grant delete, insert, select on astapa.identity_assertion_jtis to astapa_app;
create policy "a project reads its own identity assertion jtis" on astapa.identity_assertion_jtis as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project records its own identity assertion jtis" on astapa.identity_assertion_jtis as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project sweeps its own identity assertion jtis" on astapa.identity_assertion_jtis as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.linked_methods (
  project_id text not null,
  id bigint generated always as identity not null,
  public_id text default astapa.random_id('lpm_'::text, 24) not null,
  user_id bigint not null,
  environment text not null,
  xendit_account text not null,
  channel text not null,
  label text not null,
  provider_id text,
  status text default 'requires_action'::text not null,
  failure_code text,
  created_at timestamp with time zone default now() not null,
  updated_at timestamp with time zone default now() not null,
  activated_at timestamp with time zone,
  constraint linked_methods_pkey PRIMARY KEY (project_id, id),
  constraint linked_methods_provider_id_key UNIQUE (project_id, provider_id),
  constraint linked_methods_public_id_key UNIQUE (public_id),
  constraint linked_methods_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint linked_methods_channel_check CHECK (channel = ANY (ARRAY['OVO'::text, 'DANA'::text, 'SHOPEEPAY'::text, 'GOPAY'::text])),
  constraint linked_methods_environment_check CHECK (environment = ANY (ARRAY['sandbox'::text, 'production'::text])),
  constraint linked_methods_failure_code_check CHECK (length(failure_code) <= 500),
  constraint linked_methods_label_check CHECK (length(label) >= 1 AND length(label) <= 100),
  constraint linked_methods_provider_id_check CHECK (length(provider_id) >= 1 AND length(provider_id) <= 255),
  constraint linked_methods_public_id_check CHECK (public_id ~ '^lpm_[a-z2-7]{24}$'::text),
  constraint linked_methods_status_check CHECK (status = ANY (ARRAY['requires_action'::text, 'active'::text, 'failed'::text, 'expired'::text])),
  constraint linked_methods_xendit_account_check CHECK (xendit_account = ANY (ARRAY['project'::text, 'deployment'::text, 'simulator'::text]))
);
alter table astapa.linked_methods enable row level security;
alter table astapa.linked_methods force row level security;
comment on table astapa.linked_methods is 'E-wallet accounts users linked for automatic renewal (Xendit Payment Methods, MULTIPLE_USE). status: requires_action (the customer has not approved in the e-wallet yet), active (chargeable), failed (declined or never completed) or expired (unlinked; final). label is masked (channel and the last digits), never the full number. One requires_action or active method per user and channel.';
CREATE UNIQUE INDEX linked_methods_live_key ON astapa.linked_methods USING btree (project_id, user_id, channel) WHERE (status = ANY (ARRAY['requires_action'::text, 'active'::text]));
CREATE INDEX linked_methods_user_idx ON astapa.linked_methods USING btree (project_id, user_id, id);
grant select on astapa.linked_methods to astapa_app;
grant insert (project_id, user_id, environment, xendit_account, channel, label) on astapa.linked_methods to astapa_app;
grant update (label, provider_id, status, failure_code, updated_at, activated_at) on astapa.linked_methods to astapa_app;
create policy "a project links its own users' methods" on astapa.linked_methods as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own linked methods" on astapa.linked_methods as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project updates its own linked methods" on astapa.linked_methods as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "definer functions find the linked method a callback names" on astapa.linked_methods as permissive for select to astapa_owner
  using ((public_id = current_setting('astapa.lookup_linked_method'::text, true)));

-- owner: astapa_owner
create table astapa.login_sessions (
  project_id text not null,
  token_hash bytea not null,
  user_id bigint not null,
  created_at timestamp with time zone default now() not null,
  expires_at timestamp with time zone not null,
  ended_at timestamp with time zone,
  amr text[] default '{pwd}'::text[] not null,
  user_agent text,
  last_used_at timestamp with time zone,
  constraint login_sessions_pkey PRIMARY KEY (project_id, token_hash),
  constraint login_sessions_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint login_sessions_lifetime_check CHECK (expires_at > created_at),
  constraint login_sessions_token_hash_check CHECK (length(token_hash) = 32),
  constraint login_sessions_user_agent_check CHECK (length(user_agent) <= 512)
);
alter table astapa.login_sessions enable row level security;
alter table astapa.login_sessions force row level security;
comment on table astapa.login_sessions is 'Hosted-login browser sessions, one per person per project per browser: within its lifetime a returning person is sent back to the app without typing the password again. Only the SHA-256 of the cookie is kept.';
comment on column astapa.login_sessions.amr is 'How the person signed in (RFC 8176 values: pwd, otp, mfa; ext for Google/GitHub); copied into codes.';
comment on column astapa.login_sessions.user_agent is 'The browser''s User-Agent when the session started or was last seen on the account page (cut to 512 characters); the page shows it parsed.';
comment on column astapa.login_sessions.last_used_at is 'When the account page last saw this session (approximate last use).';
CREATE INDEX login_sessions_user_idx ON astapa.login_sessions USING btree (project_id, user_id);
grant insert, select on astapa.login_sessions to astapa_app;
grant update (ended_at, user_agent, last_used_at) on astapa.login_sessions to astapa_app;
create policy "a project ends its own login sessions" on astapa.login_sessions as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own login sessions" on astapa.login_sessions as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project starts login sessions for its own users" on astapa.login_sessions as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.machine_clients (
  project_id text not null,
  client_id text not null,
  name text not null,
  secret_hash bytea not null,
  scopes text[] default '{}'::text[] not null,
  resources text[] default '{}'::text[] not null,
  access_token_ttl integer,
  enabled boolean default true not null,
  secret_rotated_at timestamp with time zone default now() not null,
  created_at timestamp with time zone default now() not null,
  updated_at timestamp with time zone default now() not null,
  jwks jsonb,
  constraint machine_clients_pkey PRIMARY KEY (project_id, client_id),
  constraint machine_clients_client_id_key UNIQUE (client_id),
  constraint machine_clients_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint machine_clients_access_token_ttl_check CHECK (access_token_ttl >= 300 AND access_token_ttl <= 86400),
  constraint machine_clients_client_id_check CHECK (client_id ~ '^mcl_[a-z2-7]{24}$'::text),
  constraint machine_clients_jwks_check CHECK (jwks IS NULL OR jsonb_typeof(jwks -> 'keys'::text) = 'array'::text AND jsonb_array_length(jwks -> 'keys'::text) >= 1 AND jsonb_array_length(jwks -> 'keys'::text) <= 5 AND octet_length(jwks::text) <= 8192),
  constraint machine_clients_name_check CHECK (length(btrim(name)) >= 1 AND length(btrim(name)) <= 100),
  constraint machine_clients_resources_check CHECK (cardinality(resources) <= 50 AND array_position(resources, NULL::text) IS NULL),
  constraint machine_clients_scopes_check CHECK (cardinality(scopes) <= 50 AND array_position(scopes, NULL::text) IS NULL),
  constraint machine_clients_secret_hash_check CHECK (length(secret_hash) = 32)
);
alter table astapa.machine_clients enable row level security;
alter table astapa.machine_clients force row level security;
comment on table astapa.machine_clients is 'Clients that act for themselves (client_credentials): allowed scopes (declared in astapa.scopes), allowed resources (registered in astapa.resources; each becomes aud), an optional access token lifetime overriding the project''s, and an enabled switch. The secret is kept only as its SHA-256, which the app role cannot select.';
comment on column astapa.machine_clients.secret_hash is 'SHA-256 of the client secret (shown once, at creation or rotation, and never stored).';
comment on column astapa.machine_clients.jwks is 'Public keys (a JWK Set) the client signs its client assertions with (private_key_jwt, RFC 7523); null: it authenticates with its secret only.';
grant delete on astapa.machine_clients to astapa_app;
grant insert (project_id, client_id, name, secret_hash, scopes, resources, access_token_ttl) on astapa.machine_clients to astapa_app;
grant select (project_id, client_id, name, scopes, resources, access_token_ttl, enabled, secret_rotated_at, created_at, updated_at, jwks) on astapa.machine_clients to astapa_app;
grant update (name, secret_hash, scopes, resources, access_token_ttl, enabled, secret_rotated_at, updated_at, jwks) on astapa.machine_clients to astapa_app;
create policy "a project adds its own machine clients" on astapa.machine_clients as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project deletes its own machine clients" on astapa.machine_clients as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own machine clients" on astapa.machine_clients as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project updates its own machine clients" on astapa.machine_clients as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "definer functions find the machine client a client id names" on astapa.machine_clients as permissive for select to astapa_owner
  using ((client_id = NULLIF(current_setting('astapa.lookup_client_id'::text, true), ''::text)));
CREATE TRIGGER machine_clients_note_client_change AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON astapa.machine_clients FOR EACH STATEMENT EXECUTE FUNCTION astapa.note_client_change();
CREATE TRIGGER machine_clients_refuse_foreign_client_writes BEFORE INSERT OR DELETE OR UPDATE OR TRUNCATE ON astapa.machine_clients FOR EACH STATEMENT EXECUTE FUNCTION astapa.refuse_foreign_client_writes();

-- owner: astapa_owner
create table astapa.mail_outbox (
  project_id text not null,
  id bigint generated always as identity not null,
  to_address text not null,
  subject text not null,
  body_text text not null,
  body_html text,
  kind text not null,
  created_at timestamp with time zone default now() not null,
  next_attempt_at timestamp with time zone default now() not null,
  attempts integer default 0 not null,
  sent_at timestamp with time zone,
  last_error text,
  environment text,
  locale text,
  from_name text,
  from_address text,
  constraint mail_outbox_pkey PRIMARY KEY (project_id, id),
  constraint mail_outbox_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint mail_outbox_body_html_check CHECK (length(body_html) <= 262144),
  constraint mail_outbox_body_text_check CHECK (length(body_text) >= 1 AND length(body_text) <= 65536),
  constraint mail_outbox_environment_check CHECK (environment = ANY (ARRAY['sandbox'::text, 'production'::text])),
  constraint mail_outbox_from_address_check CHECK (length(from_address) >= 3 AND length(from_address) <= 254),
  constraint mail_outbox_from_name_check CHECK (length(from_name) >= 1 AND length(from_name) <= 80),
  constraint mail_outbox_kind_check CHECK (kind ~ '^[a-z_]{1,64}$'::text),
  constraint mail_outbox_subject_check CHECK (length(subject) >= 1 AND length(subject) <= 300),
  constraint mail_outbox_to_address_check CHECK (length(to_address) <= 254 AND to_address ~ '^[^@\s]+@[^@\s]+$'::text)
);
alter table astapa.mail_outbox enable row level security;
alter table astapa.mail_outbox force row level security;
comment on table astapa.mail_outbox is 'Outgoing mail per project. Rows are the truth (NOTIFY astapa_mail only wakes senders); unsent rows retry with backoff, and with no SMTP configured they stay here for the operator to read.';
comment on column astapa.mail_outbox.environment is 'The project''s mode when the mail was queued (set by a trigger, so every way of queueing is covered); null for mail queued before this column existed.';
comment on column astapa.mail_outbox.locale is 'The HTML part''s <html lang> when the mail was queued (the hosted login writes one into every HTML part), or null for plain-text-only mail.';
comment on column astapa.mail_outbox.from_name is 'The sender name shown with the deployment''s MAIL_FROM address (the project''s mail_sender_name when queued).';
comment on column astapa.mail_outbox.from_address is 'The project''s mail_from_address when queued; used as From only when its domain is allowed (MAIL_FROM_DOMAINS).';
CREATE INDEX mail_outbox_to_address_idx ON astapa.mail_outbox USING btree (project_id, lower(to_address));
CREATE INDEX mail_outbox_unsent_idx ON astapa.mail_outbox USING btree (next_attempt_at) WHERE (sent_at IS NULL);
grant insert, select on astapa.mail_outbox to astapa_app;
grant update (to_address, body_text, body_html, next_attempt_at, attempts, sent_at, last_error) on astapa.mail_outbox to astapa_app;
create policy "a project queues its own mail" on astapa.mail_outbox as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own mail" on astapa.mail_outbox as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project records delivery of its own mail" on astapa.mail_outbox as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "definer functions see which projects have mail to send" on astapa.mail_outbox as permissive for select to astapa_owner
  using ((current_setting('astapa.list_mail_projects'::text, true) = 'on'::text));
CREATE TRIGGER mail_outbox_set_environment BEFORE INSERT ON astapa.mail_outbox FOR EACH ROW EXECUTE FUNCTION astapa.set_mail_environment();

-- owner: astapa_owner
create table astapa.memberships (
  project_id text not null,
  account_id bigint not null,
  role text not null,
  created_at timestamp with time zone default now() not null,
  constraint memberships_pkey PRIMARY KEY (project_id, account_id),
  constraint memberships_account_id_fkey FOREIGN KEY (account_id) REFERENCES astapa.accounts(id),
  constraint memberships_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint memberships_role_check CHECK (role = ANY (ARRAY['owner'::text, 'admin'::text, 'viewer'::text]))
);
alter table astapa.memberships enable row level security;
alter table astapa.memberships force row level security;
comment on table astapa.memberships is 'Which accounts administer a project: owner, admin or viewer.';
CREATE INDEX memberships_account_id_idx ON astapa.memberships USING btree (account_id);
grant delete, insert, select on astapa.memberships to astapa_app;
grant update (role) on astapa.memberships to astapa_app;
create policy "a project adds its own members" on astapa.memberships as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project changes its own members' roles" on astapa.memberships as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own members" on astapa.memberships as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project removes its own members" on astapa.memberships as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "definer functions list an account's memberships" on astapa.memberships as permissive for select to astapa_owner
  using ((account_id = (NULLIF(current_setting('astapa.list_account_projects'::text, true), ''::text))::bigint));
CREATE TRIGGER memberships_refuse_foreign_client_writes BEFORE INSERT OR DELETE OR UPDATE OR TRUNCATE ON astapa.memberships FOR EACH STATEMENT EXECUTE FUNCTION astapa.refuse_foreign_client_writes();

-- owner: astapa_owner
create table astapa.mfa_challenges (
  project_id text not null,
  token_hash bytea not null,
  user_id bigint not null,
  amr text[] not null,
  created_at timestamp with time zone default now() not null,
  expires_at timestamp with time zone not null,
  used_at timestamp with time zone,
  constraint mfa_challenges_pkey PRIMARY KEY (project_id, token_hash),
  constraint mfa_challenges_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint mfa_challenges_lifetime_check CHECK (expires_at > created_at),
  constraint mfa_challenges_token_hash_check CHECK (length(token_hash) = 32)
);
alter table astapa.mfa_challenges enable row level security;
alter table astapa.mfa_challenges force row level security;
comment on table astapa.mfa_challenges is 'A first factor passed (amr so far: pwd, or an upstream provider''s) and a second one still owed: the browser holds the token (SHA-256 here) for 10 minutes, single use. No session or code exists until it is met.';
CREATE INDEX mfa_challenges_user_idx ON astapa.mfa_challenges USING btree (project_id, user_id);
grant insert, select on astapa.mfa_challenges to astapa_app;
grant update (used_at) on astapa.mfa_challenges to astapa_app;
create policy "a project meets its own factor challenges" on astapa.mfa_challenges as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own factor challenges" on astapa.mfa_challenges as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project starts factor challenges for its own users" on astapa.mfa_challenges as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.organization_departures (
  project_id text not null,
  organization_id text not null,
  user_id bigint not null,
  reason text not null,
  departed_at timestamp with time zone default now() not null,
  constraint organization_departures_pkey PRIMARY KEY (project_id, organization_id, user_id),
  constraint organization_departures_organization_id_fkey FOREIGN KEY (project_id, organization_id) REFERENCES astapa.organizations(project_id, id) ON DELETE CASCADE,
  constraint organization_departures_user_id_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint organization_departures_reason_check CHECK (reason = ANY (ARRAY['left'::text, 'removed'::text]))
);
alter table astapa.organization_departures enable row level security;
alter table astapa.organization_departures force row level security;
comment on table astapa.organization_departures is 'A person who left (or was removed from) an organization: automatic domain joining does not add them back. The latest departure per person and organization.';
CREATE INDEX organization_departures_user_id_idx ON astapa.organization_departures USING btree (project_id, user_id);
grant delete, insert, select, update on astapa.organization_departures to astapa_app;
create policy "a project forgets its own organization departures" on astapa.organization_departures as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own organization departures" on astapa.organization_departures as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project records its own organization departures" on astapa.organization_departures as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project updates its own organization departures" on astapa.organization_departures as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.organization_domains (
  project_id text not null,
  organization_id text not null,
  domain text not null,
  verification_token text not null,
  verified_at timestamp with time zone,
  created_at timestamp with time zone default now() not null,
  constraint organization_domains_pkey PRIMARY KEY (project_id, organization_id, domain),
  constraint organization_domains_organization_id_fkey FOREIGN KEY (project_id, organization_id) REFERENCES astapa.organizations(project_id, id) ON DELETE CASCADE,
  constraint organization_domains_domain_check CHECK (length(domain) <= 253 AND domain ~ '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$'::text)
);
alter table astapa.organization_domains enable row level security;
alter table astapa.organization_domains force row level security;
comment on table astapa.organization_domains is 'An email domain an organization claims. Once verified (by a DNS TXT record holding verification_token, or by the project) people with a verified address there may join, or are joined, per the project''s organization_domain_join setting. Verified for one organization per project at most.';
CREATE INDEX organization_domains_domain_idx ON astapa.organization_domains USING btree (project_id, domain);
CREATE UNIQUE INDEX organization_domains_verified_key ON astapa.organization_domains USING btree (project_id, domain) WHERE (verified_at IS NOT NULL);
grant delete, insert, select, update on astapa.organization_domains to astapa_app;
create policy "a project adds its own organization domains" on astapa.organization_domains as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project changes its own organization domains" on astapa.organization_domains as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own organization domains" on astapa.organization_domains as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project removes its own organization domains" on astapa.organization_domains as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.organization_invitations (
  project_id text not null,
  id text not null,
  organization_id text not null,
  email text not null,
  role text not null,
  token_hash bytea not null,
  invited_by bigint,
  expires_at timestamp with time zone not null,
  accepted_at timestamp with time zone,
  accepted_by bigint,
  revoked_at timestamp with time zone,
  created_at timestamp with time zone default now() not null,
  constraint organization_invitations_pkey PRIMARY KEY (project_id, id),
  constraint organization_invitations_token_hash_key UNIQUE (token_hash),
  constraint organization_invitations_organization_id_fkey FOREIGN KEY (project_id, organization_id) REFERENCES astapa.organizations(project_id, id) ON DELETE CASCADE,
  constraint organization_invitations_email_check CHECK (length(email) <= 254 AND email ~ '^[^@\s]+@[^@\s]+$'::text),
  constraint organization_invitations_id_check CHECK (id ~ '^oin_[a-z2-7]{24}$'::text),
  constraint organization_invitations_role_check CHECK (role ~ '^[a-z][a-z0-9_:-]{0,63}$'::text),
  constraint organization_invitations_token_hash_check CHECK (octet_length(token_hash) = 32)
);
alter table astapa.organization_invitations enable row level security;
alter table astapa.organization_invitations force row level security;
comment on table astapa.organization_invitations is 'An invitation by email to join an organization with a role, accepted once through the hosted login before expires_at. Only the SHA-256 of the link''s token is kept.';
CREATE UNIQUE INDEX organization_invitations_open_key ON astapa.organization_invitations USING btree (project_id, organization_id, lower(email)) WHERE ((accepted_at IS NULL) AND (revoked_at IS NULL));
CREATE INDEX organization_invitations_organization_id_idx ON astapa.organization_invitations USING btree (project_id, organization_id, created_at);
grant delete, insert, select, update on astapa.organization_invitations to astapa_app;
create policy "a project adds its own organization invitations" on astapa.organization_invitations as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project changes its own organization invitations" on astapa.organization_invitations as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own organization invitations" on astapa.organization_invitations as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project removes its own organization invitations" on astapa.organization_invitations as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.organization_memberships (
  project_id text not null,
  organization_id text not null,
  user_id bigint not null,
  role text not null,
  created_at timestamp with time zone default now() not null,
  updated_at timestamp with time zone default now() not null,
  constraint organization_memberships_pkey PRIMARY KEY (project_id, organization_id, user_id),
  constraint organization_memberships_organization_id_fkey FOREIGN KEY (project_id, organization_id) REFERENCES astapa.organizations(project_id, id) ON DELETE CASCADE,
  constraint organization_memberships_user_id_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint organization_memberships_role_check CHECK (role ~ '^[a-z][a-z0-9_:-]{0,63}$'::text)
);
alter table astapa.organization_memberships enable row level security;
alter table astapa.organization_memberships force row level security;
comment on table astapa.organization_memberships is 'A user''s membership of an organization and their role there (owner, admin, member or a project-defined one). An organization always keeps at least one owner.';
CREATE INDEX organization_memberships_user_id_idx ON astapa.organization_memberships USING btree (project_id, user_id);
grant delete, insert, select, update on astapa.organization_memberships to astapa_app;
create policy "a project adds its own organization memberships" on astapa.organization_memberships as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project changes its own organization memberships" on astapa.organization_memberships as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own organization memberships" on astapa.organization_memberships as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project removes its own organization memberships" on astapa.organization_memberships as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.organization_roles (
  project_id text not null,
  key text not null,
  name text not null,
  permissions text[] default '{}'::text[] not null,
  created_at timestamp with time zone default now() not null,
  constraint organization_roles_pkey PRIMARY KEY (project_id, key),
  constraint organization_roles_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint organization_roles_key_check CHECK (key ~ '^[a-z][a-z0-9_:-]{0,63}$'::text),
  constraint organization_roles_name_check CHECK (length(name) >= 1 AND length(name) <= 100 AND name !~ '[[:cntrl:]]'::text),
  constraint organization_roles_permissions_check CHECK (cardinality(permissions) <= 100)
);
alter table astapa.organization_roles enable row level security;
alter table astapa.organization_roles force row level security;
comment on table astapa.organization_roles is 'The roles a project''s organizations give their members beside the built-in owner, admin and member, with the permissions each carries into tokens (org_permissions). A row keyed owner, admin or member gives that built-in role permissions.';
grant delete, insert, select, update on astapa.organization_roles to astapa_app;
create policy "a project adds its own organization roles" on astapa.organization_roles as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project changes its own organization roles" on astapa.organization_roles as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own organization roles" on astapa.organization_roles as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project removes its own organization roles" on astapa.organization_roles as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.organizations (
  project_id text not null,
  id text not null,
  name text not null,
  slug text not null,
  metadata jsonb default '{}'::jsonb not null,
  seat_limit integer,
  created_at timestamp with time zone default now() not null,
  updated_at timestamp with time zone default now() not null,
  plan_key text,
  plan_paid_through timestamp with time zone,
  next_seat_limit integer,
  next_seat_limit_from timestamp with time zone,
  plan_reminded_for timestamp with time zone,
  plan_canceled_at timestamp with time zone,
  billing_method_id bigint,
  constraint organizations_pkey PRIMARY KEY (project_id, id),
  constraint organizations_project_id_slug_key UNIQUE (project_id, slug),
  constraint organizations_billing_method_fkey FOREIGN KEY (project_id, billing_method_id) REFERENCES astapa.linked_methods(project_id, id) ON DELETE SET NULL (billing_method_id),
  constraint organizations_plan_key_fkey FOREIGN KEY (project_id, plan_key) REFERENCES astapa.plans(project_id, key),
  constraint organizations_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint organizations_id_check CHECK (id ~ '^org_[a-z2-7]{24}$'::text),
  constraint organizations_metadata_check CHECK (jsonb_typeof(metadata) = 'object'::text AND octet_length(metadata::text) <= 4096),
  constraint organizations_name_check CHECK (length(name) >= 1 AND length(name) <= 200 AND name !~ '[[:cntrl:]]'::text),
  constraint organizations_next_seat_limit_check CHECK (next_seat_limit IS NULL AND next_seat_limit_from IS NULL OR next_seat_limit >= 1 AND next_seat_limit <= 100000 AND next_seat_limit_from IS NOT NULL),
  constraint organizations_seat_limit_check CHECK (seat_limit >= 1 AND seat_limit <= 100000),
  constraint organizations_slug_check CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$'::text)
);
alter table astapa.organizations enable row level security;
alter table astapa.organizations force row level security;
comment on table astapa.organizations is 'A team of a project''s users (an organization): name, slug unique per project, metadata the app keeps, and the seat limit its plan allows (null: none). Its members are in organization_memberships.';
comment on column astapa.organizations.plan_key is 'The organization''s team plan (a plans key), or null: custom_claims.org_plan in tokens naming the organization.';
comment on column astapa.organizations.plan_paid_through is 'Until when the organization''s team plan is paid (null: not bought through Astapa, e.g. set by the API).';
comment on column astapa.organizations.next_seat_limit is 'A lower seat limit paid for a later period of the team plan, in force from next_seat_limit_from; null: none.';
comment on column astapa.organizations.next_seat_limit_from is 'When next_seat_limit replaces seat_limit (the start of the period it was paid for).';
comment on column astapa.organizations.plan_reminded_for is 'The plan_paid_through whose renewal pay link was sent (once per period); null: none sent yet.';
comment on column astapa.organizations.plan_canceled_at is 'When an owner, admin or the app canceled the team plan: it runs to plan_paid_through, is not renewed, then ends; null: renews.';
comment on column astapa.organizations.billing_method_id is 'The linked method an owner or admin chose to pay the team plan''s renewals (their own, active when chosen); charged only while it is active and its owner is still an owner or admin. Null: renewals are mailed pay links.';
CREATE INDEX organizations_billing_method_idx ON astapa.organizations USING btree (project_id, billing_method_id) WHERE (billing_method_id IS NOT NULL);
CREATE INDEX organizations_plan_paid_through_idx ON astapa.organizations USING btree (project_id, plan_paid_through) WHERE (plan_paid_through IS NOT NULL);
grant delete, insert, select, update on astapa.organizations to astapa_app;
create policy "a project adds its own organizations" on astapa.organizations as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project changes its own organizations" on astapa.organizations as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own organizations" on astapa.organizations as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project removes its own organizations" on astapa.organizations as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "definer functions see which projects have team plans to renew" on astapa.organizations as permissive for select to astapa_owner
  using (((current_setting('astapa.list_organization_renewals'::text, true) = 'on'::text) AND (plan_paid_through IS NOT NULL)));

-- owner: astapa_owner
create table astapa.passkey_sign_ups (
  project_id text not null,
  token_hash bytea not null,
  email text not null,
  user_id bigint,
  code_hash bytea not null,
  tries integer default 0 not null,
  created_at timestamp with time zone default now() not null,
  expires_at timestamp with time zone not null,
  proven_at timestamp with time zone,
  finished_at timestamp with time zone,
  constraint passkey_sign_ups_pkey PRIMARY KEY (project_id, token_hash),
  constraint passkey_sign_ups_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint passkey_sign_ups_code_hash_check CHECK (length(code_hash) = 32),
  constraint passkey_sign_ups_email_check CHECK (length(email) <= 254),
  constraint passkey_sign_ups_lifetime_check CHECK (expires_at > created_at),
  constraint passkey_sign_ups_proven_check CHECK (proven_at IS NULL OR user_id IS NOT NULL),
  constraint passkey_sign_ups_token_hash_check CHECK (length(token_hash) = 32),
  constraint passkey_sign_ups_tries_check CHECK (tries >= 0 AND tries <= 5)
);
alter table astapa.passkey_sign_ups enable row level security;
alter table astapa.passkey_sign_ups force row level security;
comment on table astapa.passkey_sign_ups is 'A sign-up on a passkeys-only project: the address and the SHA-256 of the code mailed to it (10 minutes, 5 tries; a newer attempt voids older ones), then, once proven, the user it made (verified, no way in yet) and 15 minutes to register a passkey; finished_at when the passkey is stored. An abandoned one expires and is deleted later; its user keeps no way in but signing up again with the same address.';
CREATE INDEX passkey_sign_ups_email_idx ON astapa.passkey_sign_ups USING btree (project_id, lower(email));
CREATE INDEX passkey_sign_ups_expires_idx ON astapa.passkey_sign_ups USING btree (expires_at);
CREATE INDEX passkey_sign_ups_user_idx ON astapa.passkey_sign_ups USING btree (project_id, user_id);
grant delete, insert, select on astapa.passkey_sign_ups to astapa_app;
grant update (user_id, tries, expires_at, proven_at, finished_at) on astapa.passkey_sign_ups to astapa_app;
create policy "a project advances its own passkey sign ups" on astapa.passkey_sign_ups as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project clears its own old passkey sign ups" on astapa.passkey_sign_ups as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own passkey sign ups" on astapa.passkey_sign_ups as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project starts its own passkey sign ups" on astapa.passkey_sign_ups as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.passkeys (
  project_id text not null,
  credential_id bytea not null,
  user_id bigint not null,
  public_key bytea not null,
  sign_count bigint default 0 not null,
  transports text[] default '{}'::text[] not null,
  device_type text not null,
  backed_up boolean not null,
  name text not null,
  created_at timestamp with time zone default now() not null,
  last_used_at timestamp with time zone,
  cloned_at timestamp with time zone,
  constraint passkeys_pkey PRIMARY KEY (project_id, credential_id),
  constraint passkeys_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint passkeys_credential_id_check CHECK (length(credential_id) >= 16 AND length(credential_id) <= 1023),
  constraint passkeys_device_type_check CHECK (device_type = ANY (ARRAY['singleDevice'::text, 'multiDevice'::text])),
  constraint passkeys_name_check CHECK (length(name) >= 1 AND length(name) <= 64),
  constraint passkeys_sign_count_check CHECK (sign_count >= 0)
);
alter table astapa.passkeys enable row level security;
alter table astapa.passkeys force row level security;
comment on table astapa.passkeys is 'WebAuthn credentials (passkeys) of a project''s users: the COSE public key, the last sign counter (a counter going backwards marks the credential cloned_at and refuses it), the backup flags (multiDevice: a synced passkey, amr swk; singleDevice: bound to one authenticator, amr hwk), a name the person chose and when it was last used. The credential id is unique per project (another project''s is unknown here).';
CREATE INDEX passkeys_user_idx ON astapa.passkeys USING btree (project_id, user_id);
grant delete, insert, select on astapa.passkeys to astapa_app;
grant update (sign_count, backed_up, name, last_used_at, cloned_at) on astapa.passkeys to astapa_app;
create policy "a project adds passkeys for its own users" on astapa.passkeys as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own users' passkeys" on astapa.passkeys as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project removes its own users' passkeys" on astapa.passkeys as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project updates its own users' passkeys" on astapa.passkeys as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.payment_events (
  project_id text not null,
  id bigint generated always as identity not null,
  provider text default 'xendit'::text not null,
  provider_id text not null,
  provider_status text not null,
  checkout_public_id text not null,
  body jsonb not null,
  received_at timestamp with time zone default now() not null,
  processed_at timestamp with time zone,
  outcome text,
  error text,
  paid_content text generated always as (((COALESCE((body #>> '{data,amount}'::text[]), (body ->> 'paid_amount'::text), (body ->> 'amount'::text), ''::text) || ' '::text) || COALESCE((body #>> '{data,currency}'::text[]), (body ->> 'currency'::text), ''::text))) stored not null,
  constraint payment_events_pkey PRIMARY KEY (project_id, id),
  constraint payment_events_dedupe_key UNIQUE (project_id, provider, provider_id, provider_status, paid_content),
  constraint payment_events_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id) ON DELETE CASCADE,
  constraint payment_events_body_check CHECK (jsonb_typeof(body) = 'object'::text AND octet_length(body::text) <= 65536),
  constraint payment_events_error_check CHECK (length(error) <= 2000 AND (error IS NULL OR outcome = 'error'::text)),
  constraint payment_events_processed_check CHECK ((processed_at IS NULL) = (outcome IS NULL)),
  constraint payment_events_provider_check CHECK (provider = 'xendit'::text),
  constraint payment_events_provider_id_check CHECK (length(provider_id) >= 1 AND length(provider_id) <= 255),
  constraint payment_events_provider_status_check CHECK (provider_status ~ '^[A-Z_]{1,40}$'::text)
);
alter table astapa.payment_events enable row level security;
alter table astapa.payment_events force row level security;
comment on table astapa.payment_events is 'Raw Xendit callbacks (deduplicated on provider id + status + amount and currency). processed_at/outcome are set by api.apply_payment_event: applied, paid, failed, expired, no_change, unknown_payment, amount_mismatch, currency_mismatch, paid_again, or error (with the message in error; requeue with api.requeue_payment_event).';
comment on column astapa.payment_events.error is 'Why applying the event failed (outcome ''error''); null otherwise.';
comment on column astapa.payment_events.paid_content is 'The amount and currency the callback reports ("100000 IDR"), part of the deduplication key.';
CREATE INDEX payment_events_unprocessed_idx ON astapa.payment_events USING btree (project_id, id) WHERE (processed_at IS NULL);
grant select on astapa.payment_events to astapa_app;
grant insert (project_id, provider_id, provider_status, checkout_public_id, body) on astapa.payment_events to astapa_app;
grant update (processed_at, outcome, error) on astapa.payment_events to astapa_app;
create policy "a project marks its own payment events processed" on astapa.payment_events as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own payment events" on astapa.payment_events as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project records its own payment events" on astapa.payment_events as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "definer functions see which projects have unprocessed payment e" on astapa.payment_events as permissive for select to astapa_owner
  using (((current_setting('astapa.list_payment_event_projects'::text, true) = 'on'::text) AND (processed_at IS NULL)));
CREATE TRIGGER payment_events_notify AFTER INSERT ON astapa.payment_events FOR EACH ROW EXECUTE FUNCTION astapa.notify_payment_event();
CREATE TRIGGER payment_events_notify_requeue AFTER UPDATE OF processed_at ON astapa.payment_events FOR EACH ROW WHEN (old.processed_at IS NOT NULL AND new.processed_at IS NULL) EXECUTE FUNCTION astapa.notify_payment_event();

-- owner: astapa_owner
create table astapa.payments (
  project_id text not null,
  id bigint generated always as identity not null,
  checkout_id bigint not null,
  provider text default 'xendit'::text not null,
  kind text not null,
  provider_id text not null,
  method text not null,
  bank text,
  amount bigint not null,
  status text default 'pending'::text not null,
  details jsonb default '{}'::jsonb not null,
  expires_at timestamp with time zone,
  paid_at timestamp with time zone,
  created_at timestamp with time zone default now() not null,
  updated_at timestamp with time zone default now() not null,
  checked_at timestamp with time zone,
  constraint payments_pkey PRIMARY KEY (project_id, id),
  constraint payments_provider_id_key UNIQUE (project_id, provider, provider_id),
  constraint payments_checkout_fkey FOREIGN KEY (project_id, checkout_id) REFERENCES astapa.checkouts(project_id, id) ON DELETE CASCADE,
  constraint payments_amount_check CHECK (amount >= 1 AND amount <= '1000000000000'::bigint),
  constraint payments_details_check CHECK (jsonb_typeof(details) = 'object'::text AND octet_length(details::text) <= 8192),
  constraint payments_kind_check CHECK (kind = ANY (ARRAY['payment_request'::text, 'invoice'::text])),
  constraint payments_method_check CHECK (method = ANY (ARRAY['qris'::text, 'bank_transfer'::text, 'ovo'::text, 'gopay'::text, 'dana'::text, 'shopeepay'::text])),
  constraint payments_provider_check CHECK (provider = 'xendit'::text),
  constraint payments_provider_id_check CHECK (length(provider_id) >= 1 AND length(provider_id) <= 255),
  constraint payments_status_check CHECK (status = ANY (ARRAY['pending'::text, 'paid'::text, 'failed'::text, 'expired'::text]))
);
alter table astapa.payments enable row level security;
alter table astapa.payments force row level security;
comment on table astapa.payments is 'Charges at Xendit for a checkout: kind payment_request (QRIS, VA, OVO) or invoice (GoPay), provider_id (pr-… or the invoice id), status pending → paid | failed | expired (paid is final), details the page shows (qr_string, virtual_account_number, mobile_number, invoice_url).';
comment on column astapa.payments.checked_at is 'When reconciliation last asked Xendit about this pending charge.';
CREATE INDEX payments_checkout_idx ON astapa.payments USING btree (project_id, checkout_id, id);
grant select on astapa.payments to astapa_app;
grant insert (project_id, checkout_id, kind, provider_id, method, bank, amount, status, details, expires_at) on astapa.payments to astapa_app;
grant update (status, details, paid_at, updated_at, checked_at) on astapa.payments to astapa_app;
create policy "a project reads its own payments" on astapa.payments as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project records its own payments" on astapa.payments as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project updates its own payments" on astapa.payments as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
CREATE TRIGGER payments_refuse_foreign_client_writes BEFORE INSERT OR DELETE OR UPDATE OR TRUNCATE ON astapa.payments FOR EACH STATEMENT EXECUTE FUNCTION astapa.refuse_foreign_client_writes();

-- owner: astapa_owner
create table astapa.phone_codes (
  project_id text not null,
  token_hash bytea not null,
  phone_number text not null,
  channel text not null,
  code_hash bytea not null,
  attempts integer default 0 not null,
  sends integer default 1 not null,
  address text,
  created_at timestamp with time zone default now() not null,
  expires_at timestamp with time zone not null,
  used_at timestamp with time zone,
  user_id bigint,
  purpose text default 'sign_in'::text not null,
  constraint phone_codes_pkey PRIMARY KEY (project_id, token_hash),
  constraint phone_codes_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id) ON DELETE CASCADE,
  constraint phone_codes_user_id_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint phone_codes_channel_check CHECK (channel = ANY (ARRAY['whatsapp'::text, 'sms'::text])),
  constraint phone_codes_code_hash_check CHECK (length(code_hash) = 32),
  constraint phone_codes_lifetime_check CHECK (expires_at > created_at),
  constraint phone_codes_phone_number_check CHECK (phone_number ~ '^\+[1-9][0-9]{6,14}$'::text),
  constraint phone_codes_purpose_check CHECK (purpose = ANY (ARRAY['sign_in'::text, 'account'::text, 'mfa'::text])),
  constraint phone_codes_purpose_user_check CHECK ((purpose = 'sign_in'::text) = (user_id IS NULL)),
  constraint phone_codes_token_hash_check CHECK (length(token_hash) = 32)
);
alter table astapa.phone_codes enable row level security;
alter table astapa.phone_codes force row level security;
comment on table astapa.phone_codes is 'A 6-digit code sent to a phone for sign-in: the browser holds the token (SHA-256 here); code_hash is SHA-256 of token and code together, so a leaked row does not give the code. Five minutes, five attempts, single use (used_at).';
comment on column astapa.phone_codes.user_id is 'Set when the code adds a number to this user''s account (/account): it cannot sign anyone in; null for a sign-in code.';
comment on column astapa.phone_codes.purpose is 'sign_in (signs in or up; user_id null), account (adds the number to user_id''s account) or mfa (the second step of user_id''s sign-in, sent to their verified number).';
CREATE INDEX phone_codes_expires_at_idx ON astapa.phone_codes USING btree (project_id, expires_at);
grant insert, select on astapa.phone_codes to astapa_app;
grant update (channel, code_hash, attempts, sends, expires_at, used_at) on astapa.phone_codes to astapa_app;
create policy "a project adds its own phone codes" on astapa.phone_codes as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own phone codes" on astapa.phone_codes as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project updates its own phone codes" on astapa.phone_codes as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.phone_messages (
  project_id text not null,
  id bigint generated always as identity not null,
  phone_number text not null,
  channel text not null,
  provider text not null,
  status text not null,
  provider_message_id text,
  cost numeric(12,6),
  currency text,
  error text,
  address text,
  created_at timestamp with time zone default now() not null,
  sandbox_text text,
  constraint phone_messages_pkey PRIMARY KEY (project_id, id),
  constraint phone_messages_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id) ON DELETE CASCADE,
  constraint phone_messages_channel_check CHECK (channel = ANY (ARRAY['whatsapp'::text, 'sms'::text])),
  constraint phone_messages_currency_check CHECK (currency ~ '^[A-Z]{3}$'::text),
  constraint phone_messages_error_check CHECK (length(error) <= 500),
  constraint phone_messages_provider_check CHECK (provider ~ '^[a-z_]{1,40}$'::text),
  constraint phone_messages_sandbox_text_check CHECK (sandbox_text IS NULL OR status = 'sandbox'::text),
  constraint phone_messages_status_check CHECK (status = ANY (ARRAY['sent'::text, 'failed'::text, 'sandbox'::text]))
);
alter table astapa.phone_messages enable row level security;
alter table astapa.phone_messages force row level security;
comment on table astapa.phone_messages is 'Every one-time-code message a project sent or tried to send: provider, channel, status (sent, failed, sandbox: shown on the sandbox inbox instead), the provider''s id and cost when it reports them. Never the code. Counts toward settings.phone.daily_budget.';
comment on column astapa.phone_messages.sandbox_text is 'Sandbox projects only: the text that would have been sent, shown on the dashboard''s message log.';
CREATE INDEX phone_messages_created_at_idx ON astapa.phone_messages USING btree (project_id, created_at);
grant insert, select on astapa.phone_messages to astapa_app;
create policy "a project logs its own phone messages" on astapa.phone_messages as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own phone messages" on astapa.phone_messages as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.phone_provider_credentials (
  project_id text not null,
  provider text not null,
  credentials_sealed bytea not null,
  hint text not null,
  created_at timestamp with time zone default now() not null,
  updated_at timestamp with time zone default now() not null,
  constraint phone_provider_credentials_pkey PRIMARY KEY (project_id, provider),
  constraint phone_provider_credentials_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id) ON DELETE CASCADE,
  constraint phone_provider_credentials_hint_check CHECK (length(hint) >= 1 AND length(hint) <= 100),
  constraint phone_provider_credentials_provider_check CHECK (provider = ANY (ARRAY['whatsapp_cloud'::text, 'twilio_verify'::text, 'zenziva'::text]))
);
alter table astapa.phone_provider_credentials enable row level security;
alter table astapa.phone_provider_credentials force row level security;
comment on table astapa.phone_provider_credentials is 'A project''s own credentials for a phone code provider (whatsapp_cloud, twilio_verify, zenziva), sealed with the master key (a JSON object of the provider''s fields); its sends use them before the deployment''s. hint: what the dashboard shows (an account id or the last characters), never enough to send.';
grant delete, insert, select on astapa.phone_provider_credentials to astapa_app;
grant update (credentials_sealed, hint, updated_at) on astapa.phone_provider_credentials to astapa_app;
create policy "a project reads its own phone provider credentials" on astapa.phone_provider_credentials as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project removes its own phone provider credentials" on astapa.phone_provider_credentials as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project replaces its own phone provider credentials" on astapa.phone_provider_credentials as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project stores its own phone provider credentials" on astapa.phone_provider_credentials as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.plan_changes (
  project_id text not null,
  id bigint generated always as identity not null,
  user_id bigint not null,
  from_plan text not null,
  to_plan text not null,
  kind text not null,
  status text not null,
  list_amount bigint default 0 not null,
  credit_idr bigint default 0 not null,
  amount_idr bigint default 0 not null,
  period_end timestamp with time zone,
  effective_at timestamp with time zone,
  created_at timestamp with time zone default now() not null,
  resolved_at timestamp with time zone,
  constraint plan_changes_pkey PRIMARY KEY (project_id, id),
  constraint plan_changes_from_plan_fkey FOREIGN KEY (project_id, from_plan) REFERENCES astapa.plans(project_id, key),
  constraint plan_changes_to_plan_fkey FOREIGN KEY (project_id, to_plan) REFERENCES astapa.plans(project_id, key),
  constraint plan_changes_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint plan_changes_amounts_check CHECK (list_amount >= 0 AND credit_idr >= 0 AND amount_idr >= 0 AND amount_idr <= '1000000000000'::bigint AND list_amount <= '1000000000000'::bigint),
  constraint plan_changes_kind_check CHECK (kind = ANY (ARRAY['upgrade'::text, 'scheduled'::text])),
  constraint plan_changes_status_check CHECK (status = ANY (ARRAY['awaiting_payment'::text, 'scheduled'::text, 'applied'::text, 'canceled'::text]))
);
alter table astapa.plan_changes enable row level security;
alter table astapa.plan_changes force row level security;
comment on table astapa.plan_changes is 'Requested plan changes and their history. kind upgrade: charged now (amount_idr = list_amount − credit_idr, the unused share of the current plan), status awaiting_payment until its checkout (checkouts.plan_change_id) is paid, then applied; period_end is where the new plan''s period ends (same interval: the current one). kind scheduled: takes effect at effective_at (the period end) when the renewal for to_plan is paid.';
CREATE UNIQUE INDEX plan_changes_open_key ON astapa.plan_changes USING btree (project_id, user_id) WHERE (status = ANY (ARRAY['awaiting_payment'::text, 'scheduled'::text]));
CREATE INDEX plan_changes_user_idx ON astapa.plan_changes USING btree (project_id, user_id, id);
grant insert, select on astapa.plan_changes to astapa_app;
grant update (status, resolved_at) on astapa.plan_changes to astapa_app;
create policy "a project reads its own plan changes" on astapa.plan_changes as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project records its own plan changes" on astapa.plan_changes as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project resolves its own plan changes" on astapa.plan_changes as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.plans (
  project_id text not null,
  key text not null,
  name text not null,
  description text default ''::text not null,
  price_idr bigint default 0 not null,
  "interval" text default 'month'::text not null,
  claims jsonb default '{}'::jsonb not null,
  is_default boolean default false not null,
  sort_order integer default 0 not null,
  archived_at timestamp with time zone,
  created_at timestamp with time zone default now() not null,
  updated_at timestamp with time zone default now() not null,
  trial_days integer default 0 not null,
  seat_pricing text,
  included_seats integer,
  constraint plans_pkey PRIMARY KEY (project_id, key),
  constraint plans_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint plans_claims_check CHECK (astapa.are_valid_plan_claims(claims)),
  constraint plans_default_check CHECK (NOT (is_default AND archived_at IS NOT NULL)),
  constraint plans_description_check CHECK (length(description) <= 1000),
  constraint plans_included_seats_check CHECK (
CASE
    WHEN seat_pricing = 'flat'::text THEN COALESCE(included_seats >= 1 AND included_seats <= 100000, false)
    ELSE included_seats IS NULL
END),
  constraint plans_interval_check CHECK ("interval" = ANY (ARRAY['month'::text, 'year'::text, 'one_time'::text])),
  constraint plans_key_check CHECK (key ~ '^[a-z0-9_-]{1,64}$'::text),
  constraint plans_name_check CHECK (length(btrim(name)) >= 1 AND length(btrim(name)) <= 100),
  constraint plans_price_idr_check CHECK (price_idr >= 0 AND price_idr <= '1000000000000'::bigint),
  constraint plans_seat_pricing_check CHECK (seat_pricing = ANY (ARRAY['per_seat'::text, 'flat'::text])),
  constraint plans_trial_days_check CHECK (trial_days >= 0 AND trial_days <= 365)
);
alter table astapa.plans enable row level security;
alter table astapa.plans force row level security;
comment on table astapa.plans is 'Subscription tiers of a project: key (the JWT''s custom_claims.plan), price in whole rupiah, interval (month, year, one_time), claims the plan grants (feature_flags and custom keys), one default plan per project, archived_at (archived plans keep their subscribers but cannot be assigned anew).';
comment on column astapa.plans.trial_days is 'Days of free trial a user may start once (0: no trial). Only for paid monthly or yearly plans.';
comment on column astapa.plans.seat_pricing is 'null: a plan for a person; per_seat: a team plan priced per seat (price_idr each); flat: a team plan at price_idr for up to included_seats members.';
comment on column astapa.plans.included_seats is 'A flat team plan''s seat limit; null otherwise.';
CREATE UNIQUE INDEX plans_default_key ON astapa.plans USING btree (project_id) WHERE is_default;
grant insert, select on astapa.plans to astapa_app;
grant update (name, description, price_idr, "interval", claims, is_default, sort_order, archived_at, updated_at, trial_days, seat_pricing, included_seats) on astapa.plans to astapa_app;
create policy "a project adds its own plans" on astapa.plans as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project changes its own plans" on astapa.plans as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own plans" on astapa.plans as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
CREATE TRIGGER plans_refuse_foreign_client_writes BEFORE INSERT OR DELETE OR UPDATE OR TRUNCATE ON astapa.plans FOR EACH STATEMENT EXECUTE FUNCTION astapa.refuse_foreign_client_writes();

-- owner: astapa_owner
create table astapa.project_logos (
  project_id text not null,
  sha256 bytea not null,
  content_type text not null,
  image bytea not null,
  width integer not null,
  height integer not null,
  created_at timestamp with time zone default now() not null,
  constraint project_logos_pkey PRIMARY KEY (project_id),
  constraint project_logos_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id) ON DELETE CASCADE,
  constraint project_logos_content_type_check CHECK (content_type = ANY (ARRAY['image/png'::text, 'image/jpeg'::text, 'image/webp'::text])),
  constraint project_logos_image_check CHECK (octet_length(image) >= 1 AND octet_length(image) <= 262144),
  constraint project_logos_sha256_check CHECK (octet_length(sha256) = 32),
  constraint project_logos_size_check CHECK (width >= 1 AND width <= 2048 AND height >= 1 AND height <= 2048)
);
alter table astapa.project_logos enable row level security;
alter table astapa.project_logos force row level security;
comment on table astapa.project_logos is 'A project''s logo (PNG, JPEG or WebP up to 256 KiB and 2048×2048 px), validated by decoding before it is stored; served at /branding/<project>/logo-<sha256>.<ext>, so a new logo is a new URL. One per project.';
grant delete, insert, select, update on astapa.project_logos to astapa_app;
create policy "a project reads its own logo" on astapa.project_logos as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project removes its own logo" on astapa.project_logos as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project replaces its own logo" on astapa.project_logos as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project stores its own logo" on astapa.project_logos as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.projects (
  id text not null,
  name text not null,
  mode text default 'sandbox'::text not null,
  client_id text not null,
  client_secret_hash bytea not null,
  redirect_uris text[] default '{}'::text[] not null,
  settings jsonb default '{}'::jsonb not null,
  created_at timestamp with time zone default now() not null,
  updated_at timestamp with time zone default now() not null,
  deleted_at timestamp with time zone,
  constraint projects_pkey PRIMARY KEY (id),
  constraint projects_client_id_key UNIQUE (client_id),
  constraint projects_client_id_check CHECK (client_id ~ '^cid_[a-z2-7]{24}$'::text),
  constraint projects_client_secret_hash_check CHECK (length(client_secret_hash) = 32),
  constraint projects_id_check CHECK (id ~ '^proj_[a-z2-7]{16}$'::text),
  constraint projects_mode_check CHECK (mode = ANY (ARRAY['sandbox'::text, 'production'::text])),
  constraint projects_name_check CHECK (length(btrim(name)) >= 1 AND length(btrim(name)) <= 100),
  constraint projects_redirect_uris_check CHECK (astapa.are_valid_redirect_uris(redirect_uris)),
  constraint projects_settings_check CHECK (jsonb_typeof(settings) = 'object'::text AND octet_length(settings::text) <= 16384)
);
alter table astapa.projects enable row level security;
alter table astapa.projects force row level security;
comment on table astapa.projects is 'Tenants. The client secret is kept only as its SHA-256 (client_secret_hash), which the app role cannot select; api.verify_client_credentials compares against it. mode decides the environment of new users.';
comment on column astapa.projects.client_secret_hash is 'SHA-256 of the client secret (the secret itself is shown once, at creation or rotation, and never stored).';
comment on column astapa.projects.redirect_uris is 'Allowed redirect URIs, matched as exact strings.';
comment on column astapa.projects.settings is 'Token lifetimes, rate-limit profile, provider settings (object, ≤ 16 KiB).';
comment on column astapa.projects.deleted_at is 'When the project was deleted (api.delete_project); its credentials no longer exist, its records stay.';
grant insert (id, name, mode, client_id, client_secret_hash, redirect_uris, settings) on astapa.projects to astapa_app;
grant select (id, name, mode, client_id, redirect_uris, settings, created_at, updated_at, deleted_at) on astapa.projects to astapa_app;
grant update (name, mode, client_secret_hash, redirect_uris, settings, updated_at, deleted_at) on astapa.projects to astapa_app;
create policy "a project is created as the project the transaction acts for" on astapa.projects as permissive for insert to astapa_app, astapa_owner
  with check ((id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own row" on astapa.projects as permissive for select to astapa_app, astapa_owner
  using ((id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project updates its own row" on astapa.projects as permissive for update to astapa_app, astapa_owner
  using ((id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "definer functions find the project a client id names" on astapa.projects as permissive for select to astapa_owner
  using ((client_id = NULLIF(current_setting('astapa.lookup_client_id'::text, true), ''::text)));
create policy "definer functions list every project for the operator" on astapa.projects as permissive for select to astapa_owner
  using ((current_setting('astapa.list_all_projects'::text, true) = 'on'::text));
create policy "definer functions list the projects an account is a member of" on astapa.projects as permissive for select to astapa_owner
  using ((EXISTS ( SELECT
   FROM astapa.memberships m
  WHERE ((m.project_id = projects.id) AND (m.account_id = (NULLIF(current_setting('astapa.list_account_projects'::text, true), ''::text))::bigint)))));
CREATE TRIGGER projects_create_free_plan AFTER INSERT ON astapa.projects FOR EACH ROW EXECUTE FUNCTION astapa.create_free_plan();
CREATE TRIGGER projects_note_client_change AFTER DELETE OR UPDATE OF client_id, client_secret_hash, settings, deleted_at ON astapa.projects FOR EACH STATEMENT EXECUTE FUNCTION astapa.note_client_change();
CREATE TRIGGER projects_refuse_foreign_client_writes BEFORE INSERT OR DELETE OR UPDATE OR TRUNCATE ON astapa.projects FOR EACH STATEMENT EXECUTE FUNCTION astapa.refuse_foreign_client_writes();

-- owner: astapa_owner
create table astapa.rate_limits (
  bucket text not null,
  window_start timestamp with time zone not null,
  window_seconds integer not null,
  hits integer not null,
  constraint rate_limits_pkey PRIMARY KEY (bucket),
  constraint rate_limits_bucket_check CHECK (length(bucket) <= 300),
  constraint rate_limits_hits_check CHECK (hits >= 0),
  constraint rate_limits_window_seconds_check CHECK (window_seconds >= 1 AND window_seconds <= 86400)
);
comment on table astapa.rate_limits is 'One counter per bucket for its current window. Rows whose window ended are stale and are swept as new hits arrive.';
grant delete, insert, select, update on astapa.rate_limits to astapa_app;

-- owner: astapa_owner
create table astapa.receipt_counters (
  project_id text not null,
  environment text not null,
  year integer not null,
  last_sequence integer not null,
  constraint receipt_counters_pkey PRIMARY KEY (project_id, environment, year),
  constraint receipt_counters_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id) ON DELETE CASCADE,
  constraint receipt_counters_environment_check CHECK (environment = ANY (ARRAY['sandbox'::text, 'production'::text])),
  constraint receipt_counters_last_sequence_check CHECK (last_sequence >= 1),
  constraint receipt_counters_year_check CHECK (year >= 2000 AND year <= 9999)
);
alter table astapa.receipt_counters enable row level security;
alter table astapa.receipt_counters force row level security;
comment on table astapa.receipt_counters is 'The last receipt number used per project, environment and year (Asia/Jakarta): sandbox payments never take a number from the production sequence. Incremented in the transaction that issues the receipt: the row lock serialises instances and a rollback gives the number back, so numbers have no gaps and no duplicates.';
grant insert, select on astapa.receipt_counters to astapa_app;
grant update (last_sequence) on astapa.receipt_counters to astapa_app;
create policy "a project advances its own receipt counters" on astapa.receipt_counters as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own receipt counters" on astapa.receipt_counters as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project starts its own receipt counters" on astapa.receipt_counters as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.receipts (
  project_id text not null,
  id bigint generated always as identity not null,
  public_id text default astapa.random_id('rcp_'::text, 24) not null,
  payment_id bigint not null,
  checkout_id bigint not null,
  user_id bigint not null,
  year integer not null,
  sequence integer not null,
  number text not null,
  issued_at timestamp with time zone default now() not null,
  seller jsonb not null,
  buyer_email text,
  buyer_name text,
  buyer_tax_id text,
  plan_key text not null,
  plan_name text not null,
  period_start timestamp with time zone,
  period_end timestamp with time zone,
  method text not null,
  bank text,
  discount_idr bigint,
  coupon_code text,
  amount bigint not null,
  pkp boolean not null,
  ppn_rate numeric(5,2),
  tax_base_numerator integer,
  tax_base_denominator integer,
  price_before_tax_idr bigint not null,
  tax_base_idr bigint,
  ppn_idr bigint not null,
  environment text not null,
  constraint receipts_pkey PRIMARY KEY (project_id, id),
  constraint receipts_number_key UNIQUE (project_id, environment, year, sequence),
  constraint receipts_payment_key UNIQUE (project_id, payment_id),
  constraint receipts_public_id_key UNIQUE (public_id),
  constraint receipts_checkout_fkey FOREIGN KEY (project_id, checkout_id) REFERENCES astapa.checkouts(project_id, id),
  constraint receipts_payment_fkey FOREIGN KEY (project_id, payment_id) REFERENCES astapa.payments(project_id, id),
  constraint receipts_amount_check CHECK (amount >= 1),
  constraint receipts_discount_check CHECK (discount_idr >= 0),
  constraint receipts_environment_check CHECK (environment = ANY (ARRAY['sandbox'::text, 'production'::text])),
  constraint receipts_public_id_check CHECK (public_id ~ '^rcp_[a-z2-7]{24}$'::text),
  constraint receipts_sequence_check CHECK (sequence >= 1),
  constraint receipts_tax_check CHECK ((price_before_tax_idr + ppn_idr) = amount AND ppn_idr >= 0 AND (pkp OR ppn_idr = 0))
);
alter table astapa.receipts enable row level security;
alter table astapa.receipts force row level security;
comment on table astapa.receipts is 'One receipt per paid payment, numbered per project, environment and year without gaps (number = R-<year>-<sequence>, TEST-R-… in sandbox). A snapshot taken when the payment was applied: seller, buyer (email, name, NPWP/NIK), plan, amount paid (tax-inclusive), and for a PKP the price before PPN, the tax base (DPP) and the PPN; later changes to the settings, the plan or the user do not alter an issued receipt. discount_idr/coupon_code are copied from the checkout when it has them. public_id is the capability in the receipt page''s URL.';
CREATE INDEX receipts_checkout_idx ON astapa.receipts USING btree (project_id, checkout_id);
CREATE INDEX receipts_user_idx ON astapa.receipts USING btree (project_id, user_id, id);
grant insert, select on astapa.receipts to astapa_app;
create policy "a project issues its own receipts" on astapa.receipts as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own receipts" on astapa.receipts as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "definer functions find the receipt a link names" on astapa.receipts as permissive for select to astapa_owner
  using ((public_id = current_setting('astapa.lookup_receipt'::text, true)));

-- owner: astapa_owner
create table astapa.recovery_codes (
  project_id text not null,
  user_id bigint not null,
  code_hash bytea not null,
  created_at timestamp with time zone default now() not null,
  used_at timestamp with time zone,
  constraint recovery_codes_pkey PRIMARY KEY (project_id, user_id, code_hash),
  constraint recovery_codes_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint recovery_codes_code_hash_check CHECK (length(code_hash) = 32)
);
alter table astapa.recovery_codes enable row level security;
alter table astapa.recovery_codes force row level security;
comment on table astapa.recovery_codes is 'Single-use recovery codes (10 per enrolment, shown once), stored as SHA-256 of the normalised code.';
grant delete, insert, select on astapa.recovery_codes to astapa_app;
grant update (used_at) on astapa.recovery_codes to astapa_app;
create policy "a project issues its own recovery codes" on astapa.recovery_codes as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own recovery codes" on astapa.recovery_codes as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project removes its own recovery codes" on astapa.recovery_codes as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project uses up its own recovery codes" on astapa.recovery_codes as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.refresh_token_revocation_reasons (
  reason text not null,
  constraint refresh_token_revocation_reasons_pkey PRIMARY KEY (reason),
  constraint refresh_token_revocation_reasons_reason_check CHECK (reason ~ '^[a-z][a-z_]*$'::text)
);
comment on table astapa.refresh_token_revocation_reasons is 'Why a refresh token may have been revoked (refresh_tokens.revoked_reason references it). Add a reason with an insert in a migration.';
grant select on astapa.refresh_token_revocation_reasons to astapa_app;

-- owner: astapa_owner
create table astapa.refresh_tokens (
  project_id text not null,
  id bigint generated always as identity not null,
  token_hash bytea not null,
  family_id uuid not null,
  parent_id bigint,
  user_id bigint not null,
  client_id text not null,
  scope text default ''::text not null,
  resource text,
  auth_time timestamp with time zone,
  created_at timestamp with time zone default now() not null,
  expires_at timestamp with time zone not null,
  used_at timestamp with time zone,
  revoked_at timestamp with time zone,
  revoked_reason text,
  amr text[] default '{pwd}'::text[] not null,
  organization_id text,
  constraint refresh_tokens_pkey PRIMARY KEY (project_id, id),
  constraint refresh_tokens_token_hash_key UNIQUE (project_id, token_hash),
  constraint refresh_tokens_parent_fkey FOREIGN KEY (project_id, parent_id) REFERENCES astapa.refresh_tokens(project_id, id) ON DELETE CASCADE,
  constraint refresh_tokens_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint refresh_tokens_revoked_reason_fkey FOREIGN KEY (revoked_reason) REFERENCES astapa.refresh_token_revocation_reasons(reason),
  constraint refresh_tokens_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint refresh_tokens_token_hash_check CHECK (length(token_hash) = 32)
);
alter table astapa.refresh_tokens enable row level security;
alter table astapa.refresh_tokens force row level security;
comment on table astapa.refresh_tokens is 'Refresh tokens by family (one family per sign-in). A used token keeps its row: within the grace window its holder gets the same successor again; after it, presenting it revokes the whole family (RFC 9700 §4.14).';
comment on column astapa.refresh_tokens.amr is 'The sign-in''s amr, kept across rotations.';
comment on column astapa.refresh_tokens.organization_id is 'The sign-in''s active organization, kept by every refresh; its claims stop once the person is no member.';
CREATE INDEX refresh_tokens_family_idx ON astapa.refresh_tokens USING btree (project_id, family_id);
CREATE INDEX refresh_tokens_parent_idx ON astapa.refresh_tokens USING btree (project_id, parent_id);
CREATE INDEX refresh_tokens_project_id_client_id_idx ON astapa.refresh_tokens USING btree (project_id, client_id);
CREATE INDEX refresh_tokens_token_hash_idx ON astapa.refresh_tokens USING btree (token_hash);
CREATE INDEX refresh_tokens_user_idx ON astapa.refresh_tokens USING btree (project_id, user_id) WHERE (revoked_at IS NULL);
grant insert, select on astapa.refresh_tokens to astapa_app;
grant update (used_at, revoked_at, revoked_reason) on astapa.refresh_tokens to astapa_app;
create policy "a client that registered itself finds its own refresh tokens" on astapa.refresh_tokens as permissive for select to astapa_owner
  using ((client_id = NULLIF(current_setting('astapa.lookup_refresh_token_client'::text, true), ''::text)));
create policy "a project issues its own refresh tokens" on astapa.refresh_tokens as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own refresh tokens" on astapa.refresh_tokens as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project rotates and revokes its own refresh tokens" on astapa.refresh_tokens as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "the sweeper finds dead refresh token families" on astapa.refresh_tokens as permissive for select to astapa_owner
  using ((current_setting('astapa.sweep_grants'::text, true) = 'on'::text));
create policy "the sweeper removes dead refresh token families" on astapa.refresh_tokens as permissive for delete to astapa_owner
  using ((current_setting('astapa.sweep_grants'::text, true) = 'on'::text));

-- owner: astapa_owner
create table astapa.refunds (
  project_id text not null,
  id bigint generated always as identity not null,
  public_id text default astapa.random_id('rfd_'::text, 24) not null,
  payment_id bigint not null,
  checkout_public_id text not null,
  amount bigint not null,
  reason text not null,
  plan_effect text not null,
  status text default 'requested'::text not null,
  provider_id text,
  failure_code text,
  requested_by text not null,
  created_at timestamp with time zone default now() not null,
  updated_at timestamp with time zone default now() not null,
  succeeded_at timestamp with time zone,
  checked_at timestamp with time zone,
  constraint refunds_pkey PRIMARY KEY (project_id, id),
  constraint refunds_provider_id_key UNIQUE (project_id, provider_id),
  constraint refunds_public_id_key UNIQUE (public_id),
  constraint refunds_payment_fkey FOREIGN KEY (project_id, payment_id) REFERENCES astapa.payments(project_id, id),
  constraint refunds_amount_check CHECK (amount >= 1 AND amount <= '1000000000000'::bigint),
  constraint refunds_failure_code_check CHECK (length(failure_code) <= 500),
  constraint refunds_plan_effect_check CHECK (plan_effect = ANY (ARRAY['end_now'::text, 'keep_to_period_end'::text, 'none'::text])),
  constraint refunds_provider_id_check CHECK (length(provider_id) >= 1 AND length(provider_id) <= 255),
  constraint refunds_public_id_check CHECK (public_id ~ '^rfd_[a-z2-7]{24}$'::text),
  constraint refunds_reason_check CHECK (reason = ANY (ARRAY['REQUESTED_BY_CUSTOMER'::text, 'CANCELLATION'::text, 'DUPLICATE'::text, 'FRAUDULENT'::text, 'OTHERS'::text])),
  constraint refunds_requested_by_check CHECK (length(requested_by) >= 1 AND length(requested_by) <= 200),
  constraint refunds_status_check CHECK (status = ANY (ARRAY['requested'::text, 'pending'::text, 'succeeded'::text, 'failed'::text]))
);
alter table astapa.refunds enable row level security;
alter table astapa.refunds force row level security;
comment on table astapa.refunds is 'Refunds of paid payments through Xendit. status: requested (asked of Xendit), pending (Xendit accepted it), succeeded (the refund callback said so; final) or failed (Xendit refused it or reported failure; its amount is free again). A payment''s requested, pending and succeeded refunds never add up to more than it paid. plan_effect is applied when the refund succeeds: end_now (back to the default plan), keep_to_period_end (canceled at period end) or none.';
comment on column astapa.refunds.checkout_public_id is 'The checkout the refunded payment belongs to, kept here so a refund callback finds its account from the refund alone.';
comment on column astapa.refunds.checked_at is 'When reconciliation last asked Xendit about this requested or pending refund.';
CREATE INDEX refunds_payment_idx ON astapa.refunds USING btree (project_id, payment_id, id);
grant select on astapa.refunds to astapa_app;
grant insert (project_id, payment_id, checkout_public_id, amount, reason, plan_effect, requested_by) on astapa.refunds to astapa_app;
grant update (status, provider_id, failure_code, updated_at, succeeded_at, checked_at) on astapa.refunds to astapa_app;
create policy "a project asks for its own refunds" on astapa.refunds as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own refunds" on astapa.refunds as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project records its own refunds' progress" on astapa.refunds as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "definer functions find the refund a callback names" on astapa.refunds as permissive for select to astapa_owner
  using ((public_id = current_setting('astapa.lookup_refund'::text, true)));
create policy "definer functions see which projects have refunds to poll again" on astapa.refunds as permissive for select to astapa_owner
  using (((current_setting('astapa.list_billing_projects'::text, true) = 'on'::text) AND (status = ANY (ARRAY['requested'::text, 'pending'::text]))));

-- owner: astapa_owner
create table astapa.remembered_browsers (
  project_id text not null,
  token_hash bytea not null,
  user_id bigint not null,
  created_at timestamp with time zone default now() not null,
  expires_at timestamp with time zone not null,
  revoked_at timestamp with time zone,
  constraint remembered_browsers_pkey PRIMARY KEY (project_id, token_hash),
  constraint remembered_browsers_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint remembered_browsers_lifetime_check CHECK (expires_at > created_at),
  constraint remembered_browsers_token_hash_check CHECK (length(token_hash) = 32)
);
alter table astapa.remembered_browsers enable row level security;
alter table astapa.remembered_browsers force row level security;
comment on table astapa.remembered_browsers is 'Browsers a person let skip the second factor after presenting it ("remember this browser"), until expires_at or revoked_at (an admin''s reset of their factors). Only the SHA-256 of the cookie is kept.';
CREATE INDEX remembered_browsers_user_idx ON astapa.remembered_browsers USING btree (project_id, user_id);
grant insert, select on astapa.remembered_browsers to astapa_app;
grant update (revoked_at) on astapa.remembered_browsers to astapa_app;
create policy "a project forgets its own remembered browsers" on astapa.remembered_browsers as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own remembered browsers" on astapa.remembered_browsers as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project remembers browsers for its own users" on astapa.remembered_browsers as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.renewal_charges (
  project_id text not null,
  id bigint generated always as identity not null,
  public_id text default astapa.random_id('rch_'::text, 24) not null,
  checkout_id bigint not null,
  linked_method_id bigint not null,
  status text default 'charging'::text not null,
  amount bigint,
  provider_id text,
  failure_code text,
  tries integer default 0 not null,
  attempted_at timestamp with time zone,
  mailed_at timestamp with time zone,
  created_at timestamp with time zone default now() not null,
  updated_at timestamp with time zone default now() not null,
  purpose text default 'renewal'::text not null,
  constraint renewal_charges_pkey PRIMARY KEY (project_id, id),
  constraint renewal_charges_checkout_key UNIQUE (project_id, checkout_id),
  constraint renewal_charges_public_id_key UNIQUE (public_id),
  constraint renewal_charges_checkout_fkey FOREIGN KEY (project_id, checkout_id) REFERENCES astapa.checkouts(project_id, id) ON DELETE CASCADE,
  constraint renewal_charges_linked_method_fkey FOREIGN KEY (project_id, linked_method_id) REFERENCES astapa.linked_methods(project_id, id) ON DELETE CASCADE,
  constraint renewal_charges_amount_check CHECK (amount >= 1 AND amount <= '1000000000000'::bigint),
  constraint renewal_charges_failure_code_check CHECK (length(failure_code) <= 500),
  constraint renewal_charges_provider_id_check CHECK (length(provider_id) >= 1 AND length(provider_id) <= 255),
  constraint renewal_charges_public_id_check CHECK (public_id ~ '^rch_[a-z2-7]{24}$'::text),
  constraint renewal_charges_purpose_check CHECK (purpose = ANY (ARRAY['renewal'::text, 'trial'::text, 'organization'::text])),
  constraint renewal_charges_status_check CHECK (status = ANY (ARRAY['charging'::text, 'pending'::text, 'paid'::text, 'failed'::text])),
  constraint renewal_charges_tries_check CHECK (tries >= 0 AND tries <= 100)
);
alter table astapa.renewal_charges enable row level security;
alter table astapa.renewal_charges force row level security;
comment on table astapa.renewal_charges is 'Charges of a linked method for a renewal checkout, one per checkout (the unique key is what keeps two instances from charging twice). status: charging (claimed, Xendit not yet answered; retried with the same idempotency key, public_id), pending (Xendit took it: provider_id, the payment row), paid, or failed (then the pay-link mail went out: mailed_at). While charging or pending, the renewal''s pay-link mail is held back.';
comment on column astapa.renewal_charges.purpose is 'What the checkout pays for: renewal (a person''s next period), trial (the first paid period after a trial) or organization (a team plan''s next period). A failed charge mails that pay link.';
CREATE INDEX renewal_charges_linked_method_idx ON astapa.renewal_charges USING btree (project_id, linked_method_id);
CREATE INDEX renewal_charges_work_idx ON astapa.renewal_charges USING btree (project_id, status, id) WHERE (status = ANY (ARRAY['charging'::text, 'pending'::text]));
grant select on astapa.renewal_charges to astapa_app;
grant insert (project_id, checkout_id, linked_method_id, purpose) on astapa.renewal_charges to astapa_app;
grant update (status, amount, provider_id, failure_code, tries, attempted_at, mailed_at, updated_at) on astapa.renewal_charges to astapa_app;
create policy "a project opens its own renewal charges" on astapa.renewal_charges as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own renewal charges" on astapa.renewal_charges as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project updates its own renewal charges" on astapa.renewal_charges as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.resources (
  project_id text not null,
  uri text not null,
  name text default ''::text not null,
  created_at timestamp with time zone default now() not null,
  verified_at timestamp with time zone,
  constraint resources_pkey PRIMARY KEY (project_id, uri),
  constraint resources_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint resources_name_check CHECK (length(name) <= 100),
  constraint resources_uri_check CHECK (astapa.is_valid_resource_uri(uri))
);
alter table astapa.resources enable row level security;
alter table astapa.resources force row level security;
comment on table astapa.resources is 'Protected resources (APIs, MCP servers) a project owns. uri is unique across the deployment: a token request''s resource parameter names one project, and becomes the token''s aud.';
comment on column astapa.resources.verified_at is 'When the project proved control of the resource (its protected-resource metadata named this issuer and the project), or when the deployment owner assigned it; null for an unproven (sandbox) registration.';
CREATE UNIQUE INDEX resources_resource_key_key ON astapa.resources USING btree (astapa.resource_key(uri));
grant delete, insert, select on astapa.resources to astapa_app;
create policy "a project reads its own resources" on astapa.resources as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project registers its own resources" on astapa.resources as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project removes its own resources" on astapa.resources as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "definer functions find the resource a lookup names" on astapa.resources as permissive for select to astapa_owner
  using ((uri = NULLIF(current_setting('astapa.lookup_resource'::text, true), ''::text)));
create policy "definer functions release the registration a claim names" on astapa.resources as permissive for delete to astapa_owner
  using ((astapa.resource_key(uri) = NULLIF(current_setting('astapa.claim_resource_key'::text, true), ''::text)));
create policy "definer functions see the registration a claim names" on astapa.resources as permissive for select to astapa_owner
  using ((astapa.resource_key(uri) = NULLIF(current_setting('astapa.claim_resource_key'::text, true), ''::text)));
CREATE TRIGGER resources_note_client_change AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON astapa.resources FOR EACH STATEMENT EXECUTE FUNCTION astapa.note_client_change();
CREATE TRIGGER resources_refuse_foreign_client_writes BEFORE INSERT OR DELETE OR UPDATE OR TRUNCATE ON astapa.resources FOR EACH STATEMENT EXECUTE FUNCTION astapa.refuse_foreign_client_writes();

-- owner: astapa_owner
create table astapa.sandbox_accounts (
  project_id text not null,
  key_hash bytea not null,
  callback_token_hash bytea not null,
  secret_key_sealed bytea not null,
  callback_token_sealed bytea not null,
  created_at timestamp with time zone default now() not null,
  constraint sandbox_accounts_pkey PRIMARY KEY (project_id),
  constraint sandbox_accounts_callback_token_hash_key UNIQUE (callback_token_hash),
  constraint sandbox_accounts_key_hash_key UNIQUE (key_hash),
  constraint sandbox_accounts_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint sandbox_accounts_callback_token_hash_check CHECK (length(callback_token_hash) = 32),
  constraint sandbox_accounts_key_hash_check CHECK (length(key_hash) = 32)
);
alter table astapa.sandbox_accounts enable row level security;
alter table astapa.sandbox_accounts force row level security;
comment on table astapa.sandbox_accounts is 'Each project''s account at the offline Xendit simulator: secret key and callback token, sealed (AES-GCM, master key) and hashed (SHA-256, for lookups). Made on first use by a sandbox checkout.';
grant insert, select on astapa.sandbox_accounts to astapa_app;
create policy "a project creates its own sandbox account" on astapa.sandbox_accounts as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own sandbox account" on astapa.sandbox_accounts as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "definer functions find the sandbox account a key names" on astapa.sandbox_accounts as permissive for select to astapa_owner
  using (((key_hash = decode(NULLIF(current_setting('astapa.sandbox_lookup'::text, true), ''::text), 'hex'::text)) OR (callback_token_hash = decode(NULLIF(current_setting('astapa.sandbox_lookup'::text, true), ''::text), 'hex'::text))));

-- owner: astapa_owner
create table astapa.sandbox_charges (
  project_id text not null,
  id text not null,
  kind text not null,
  external_id text not null,
  status text not null,
  record jsonb not null,
  created_at timestamp with time zone default now() not null,
  updated_at timestamp with time zone default now() not null,
  constraint sandbox_charges_pkey PRIMARY KEY (project_id, id),
  constraint sandbox_charges_id_key UNIQUE (id),
  constraint sandbox_charges_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint sandbox_charges_external_id_check CHECK (length(external_id) <= 255),
  constraint sandbox_charges_id_check CHECK (length(id) >= 1 AND length(id) <= 100),
  constraint sandbox_charges_kind_check CHECK (kind = ANY (ARRAY['invoice'::text, 'payment_request'::text])),
  constraint sandbox_charges_status_check CHECK (status ~ '^[A-Z_]{1,40}$'::text)
);
alter table astapa.sandbox_charges enable row level security;
alter table astapa.sandbox_charges force row level security;
comment on table astapa.sandbox_charges is 'Charges made through the offline Xendit simulator, per project: the state every instance''s simulator shares. Sandbox data only; no money moves.';
CREATE INDEX sandbox_charges_project_id_external_id_idx ON astapa.sandbox_charges USING btree (project_id, external_id);
grant insert, select, update on astapa.sandbox_charges to astapa_app;
create policy "a project reads its own sandbox charges" on astapa.sandbox_charges as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project records its own sandbox charges" on astapa.sandbox_charges as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project updates its own sandbox charges" on astapa.sandbox_charges as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "definer functions find the sandbox charge a lookup names" on astapa.sandbox_charges as permissive for select to astapa_owner
  using ((id = NULLIF(current_setting('astapa.sandbox_charge_lookup'::text, true), ''::text)));

-- owner: astapa_owner
create table astapa.sandbox_idempotency (
  project_id text not null,
  key text not null,
  request_hash text not null,
  status integer not null,
  body jsonb not null,
  created_at timestamp with time zone default now() not null,
  constraint sandbox_idempotency_pkey PRIMARY KEY (project_id, key),
  constraint sandbox_idempotency_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint sandbox_idempotency_key_check CHECK (length(key) >= 1 AND length(key) <= 255)
);
alter table astapa.sandbox_idempotency enable row level security;
alter table astapa.sandbox_idempotency force row level security;
comment on table astapa.sandbox_idempotency is 'Idempotency keys the offline simulator has seen, per project: the request they came with and the answer given, replayed by any instance.';
grant insert, select on astapa.sandbox_idempotency to astapa_app;
create policy "a project reads its own sandbox idempotency keys" on astapa.sandbox_idempotency as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project records its own sandbox idempotency keys" on astapa.sandbox_idempotency as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.scopes (
  project_id text not null,
  name text not null,
  description text default ''::text not null,
  created_at timestamp with time zone default now() not null,
  constraint scopes_pkey PRIMARY KEY (project_id, name),
  constraint scopes_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint scopes_description_check CHECK (length(description) <= 500),
  constraint scopes_name_check CHECK (astapa.is_valid_scope_name(name))
);
alter table astapa.scopes enable row level security;
alter table astapa.scopes force row level security;
comment on table astapa.scopes is 'Scopes a project declares for machine clients and protected resources (name + description).';
grant delete, insert, select on astapa.scopes to astapa_app;
grant update (description) on astapa.scopes to astapa_app;
create policy "a project declares its own scopes" on astapa.scopes as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own scopes" on astapa.scopes as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project redescribes its own scopes" on astapa.scopes as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project removes its own scopes" on astapa.scopes as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
CREATE TRIGGER scopes_note_client_change AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON astapa.scopes FOR EACH STATEMENT EXECUTE FUNCTION astapa.note_client_change();
CREATE TRIGGER scopes_refuse_foreign_client_writes BEFORE INSERT OR DELETE OR UPDATE OR TRUNCATE ON astapa.scopes FOR EACH STATEMENT EXECUTE FUNCTION astapa.refuse_foreign_client_writes();

-- owner: astapa_owner
create table astapa.signing_keys (
  kid text not null,
  state text not null,
  public_jwk jsonb not null,
  private_key bytea not null,
  created_at timestamp with time zone default now() not null,
  activated_at timestamp with time zone,
  retired_at timestamp with time zone,
  constraint signing_keys_pkey PRIMARY KEY (kid),
  constraint signing_keys_kid_check CHECK (kid ~ '^[A-Za-z0-9_-]{16,64}$'::text),
  constraint signing_keys_public_jwk_check CHECK ((public_jwk ->> 'kty'::text) = 'RSA'::text AND (public_jwk ->> 'kid'::text) = kid AND NOT public_jwk ? 'd'::text),
  constraint signing_keys_state_check CHECK (state = ANY (ARRAY['next'::text, 'active'::text, 'retired'::text]))
);
comment on table astapa.signing_keys is 'RS256 keys that sign access tokens. private_key is AES-256-GCM ciphertext (12-byte IV, then ciphertext and tag) under the deployment master key with the kid as additional data; the database never sees it in clear.';
CREATE UNIQUE INDEX signing_keys_one_active_idx ON astapa.signing_keys USING btree (state) WHERE (state = 'active'::text);
comment on index astapa.signing_keys_one_active_idx is 'At most one key signs at a time.';
CREATE UNIQUE INDEX signing_keys_one_next_idx ON astapa.signing_keys USING btree (state) WHERE (state = 'next'::text);
grant insert, select, update on astapa.signing_keys to astapa_app;

-- owner: astapa_owner
create table astapa.subscriptions (
  project_id text not null,
  id bigint generated always as identity not null,
  user_id bigint not null,
  plan_key text not null,
  status text default 'active'::text not null,
  source text not null,
  current_period_start timestamp with time zone default now() not null,
  current_period_end timestamp with time zone,
  paid_through timestamp with time zone,
  created_at timestamp with time zone default now() not null,
  ended_at timestamp with time zone,
  constraint subscriptions_pkey PRIMARY KEY (project_id, id),
  constraint subscriptions_plan_fkey FOREIGN KEY (project_id, plan_key) REFERENCES astapa.plans(project_id, key),
  constraint subscriptions_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint subscriptions_period_check CHECK (current_period_end IS NULL OR current_period_end > current_period_start),
  constraint subscriptions_source_check CHECK (source = ANY (ARRAY['payment'::text, 'claims_api'::text, 'dashboard'::text, 'cli'::text, 'default'::text, 'trial'::text])),
  constraint subscriptions_status_check CHECK (status = ANY (ARRAY['trialing'::text, 'active'::text, 'past_due'::text, 'canceled'::text, 'expired'::text]))
);
alter table astapa.subscriptions enable row level security;
alter table astapa.subscriptions force row level security;
comment on table astapa.subscriptions is 'A user''s plan over time: the row with ended_at null is current. status trialing (a free trial until current_period_end), active or past_due grants the plan; canceled grants it until current_period_end; expired does not (the default plan applies). source says who assigned it: payment, claims_api, dashboard, cli, default or trial.';
CREATE UNIQUE INDEX subscriptions_current_key ON astapa.subscriptions USING btree (project_id, user_id) WHERE (ended_at IS NULL);
CREATE INDEX subscriptions_user_idx ON astapa.subscriptions USING btree (project_id, user_id, id);
grant select on astapa.subscriptions to astapa_app;
grant insert (project_id, user_id, plan_key, status, source, current_period_start, current_period_end, paid_through) on astapa.subscriptions to astapa_app;
grant update (status, current_period_end, paid_through, ended_at) on astapa.subscriptions to astapa_app;
create policy "a project changes its own subscriptions" on astapa.subscriptions as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own subscriptions" on astapa.subscriptions as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project starts subscriptions for its own users" on astapa.subscriptions as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "definer functions see which projects have paid subscriptions" on astapa.subscriptions as permissive for select to astapa_owner
  using (((current_setting('astapa.list_billing_projects'::text, true) = 'on'::text) AND (ended_at IS NULL) AND ((paid_through IS NOT NULL) OR (status = 'trialing'::text))));
CREATE TRIGGER subscriptions_refuse_foreign_client_writes BEFORE INSERT OR DELETE OR UPDATE OR TRUNCATE ON astapa.subscriptions FOR EACH STATEMENT EXECUTE FUNCTION astapa.refuse_foreign_client_writes();

-- owner: astapa_owner
create table astapa.tax_settings (
  project_id text not null,
  pkp boolean default false not null,
  ppn_rate numeric(5,2) default 12 not null,
  tax_base_numerator integer default 11 not null,
  tax_base_denominator integer default 12 not null,
  seller_name text,
  seller_npwp text,
  seller_address text,
  updated_at timestamp with time zone default now() not null,
  constraint tax_settings_pkey PRIMARY KEY (project_id),
  constraint tax_settings_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id) ON DELETE CASCADE,
  constraint tax_settings_ppn_rate_check CHECK (ppn_rate >= 0::numeric AND ppn_rate <= 100::numeric),
  constraint tax_settings_seller_address_check CHECK (length(seller_address) >= 1 AND length(seller_address) <= 500),
  constraint tax_settings_seller_name_check CHECK (length(seller_name) >= 1 AND length(seller_name) <= 200),
  constraint tax_settings_seller_npwp_check CHECK (seller_npwp ~ '^[0-9]{15,16}$'::text),
  constraint tax_settings_tax_base_check CHECK (tax_base_numerator >= 1 AND tax_base_numerator <= 1000 AND tax_base_denominator >= 1 AND tax_base_denominator <= 1000 AND tax_base_numerator <= tax_base_denominator)
);
alter table astapa.tax_settings enable row level security;
alter table astapa.tax_settings force row level security;
comment on table astapa.tax_settings is 'A project''s PPN settings for receipts: pkp (a Pengusaha Kena Pajak charges PPN), ppn_rate in percent and the tax base (DPP) as a fraction of the price before PPN (12 % of 11/12 by default, PMK 131/2024), and the seller details printed on receipts. No row: not a PKP, no PPN. Prices are tax-inclusive.';
grant insert, select on astapa.tax_settings to astapa_app;
grant update (pkp, ppn_rate, tax_base_numerator, tax_base_denominator, seller_name, seller_npwp, seller_address, updated_at) on astapa.tax_settings to astapa_app;
create policy "a project changes its own tax settings" on astapa.tax_settings as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project creates its own tax settings" on astapa.tax_settings as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own tax settings" on astapa.tax_settings as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.token_exchange_policies (
  project_id text not null,
  client_id text not null,
  resource text not null,
  created_at timestamp with time zone default now() not null,
  constraint token_exchange_policies_pkey PRIMARY KEY (project_id, client_id, resource),
  constraint token_exchange_policies_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint token_exchange_policies_resource_fkey FOREIGN KEY (project_id, resource) REFERENCES astapa.resources(project_id, uri) ON DELETE CASCADE,
  constraint token_exchange_policies_client_id_check CHECK (client_id ~ '^(cid|mcl|dcl)_[a-z2-7]{24}$'::text)
);
alter table astapa.token_exchange_policies enable row level security;
alter table astapa.token_exchange_policies force row level security;
comment on table astapa.token_exchange_policies is 'Token exchange policy (RFC 8693): the client may present a person''s access token issued in this project and receive one for the resource, with an act claim naming the client, scope only narrowed. A removed resource takes its rows with it.';
grant delete, insert, select on astapa.token_exchange_policies to astapa_app;
create policy "a project adds to its own token exchange policy" on astapa.token_exchange_policies as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own token exchange policy" on astapa.token_exchange_policies as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project removes from its own token exchange policy" on astapa.token_exchange_policies as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
CREATE TRIGGER token_exchange_policies_refuse_foreign_client_writes BEFORE INSERT OR DELETE OR UPDATE OR TRUNCATE ON astapa.token_exchange_policies FOR EACH STATEMENT EXECUTE FUNCTION astapa.refuse_foreign_client_writes();

-- owner: astapa_owner
create table astapa.trials (
  project_id text not null,
  user_id bigint not null,
  plan_key text not null,
  started_at timestamp with time zone not null,
  ends_at timestamp with time zone not null,
  constraint trials_pkey PRIMARY KEY (project_id, user_id, plan_key),
  constraint trials_plan_fkey FOREIGN KEY (project_id, plan_key) REFERENCES astapa.plans(project_id, key),
  constraint trials_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint trials_period_check CHECK (ends_at > started_at)
);
alter table astapa.trials enable row level security;
alter table astapa.trials force row level security;
comment on table astapa.trials is 'Every free trial a user started, one per user and plan (the primary key enforces it, also under races).';
grant insert, select on astapa.trials to astapa_app;
create policy "a project reads its own trials" on astapa.trials as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project records its own trials" on astapa.trials as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.trusted_identity_providers (
  project_id text not null,
  issuer text not null,
  jwks jsonb not null,
  created_at timestamp with time zone default now() not null,
  updated_at timestamp with time zone default now() not null,
  constraint trusted_identity_providers_pkey PRIMARY KEY (project_id, issuer),
  constraint trusted_identity_providers_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint trusted_identity_providers_issuer_check CHECK (issuer ~ '^https://[^\s#?]+$'::text AND length(issuer) <= 500),
  constraint trusted_identity_providers_jwks_check CHECK (jsonb_typeof(jwks -> 'keys'::text) = 'array'::text AND octet_length(jwks::text) <= 8192)
);
alter table astapa.trusted_identity_providers enable row level security;
alter table astapa.trusted_identity_providers force row level security;
comment on table astapa.trusted_identity_providers is 'Enterprise identity providers (issuer and public JWK Set) whose identity assertion JWTs (ID-JAG, RFC 7523 jwt-bearer grant) the project accepts: the IdP vouches that one of the project''s people (by email) lets a client act for them, without a browser round trip.';
grant delete, insert, select, update on astapa.trusted_identity_providers to astapa_app;
create policy "a project reads its own trusted identity providers" on astapa.trusted_identity_providers as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project removes its own identity providers" on astapa.trusted_identity_providers as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project trusts its own identity providers" on astapa.trusted_identity_providers as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project updates its own identity providers" on astapa.trusted_identity_providers as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
CREATE TRIGGER trusted_identity_providers_refuse_foreign_client_writes BEFORE INSERT OR DELETE OR UPDATE OR TRUNCATE ON astapa.trusted_identity_providers FOR EACH STATEMENT EXECUTE FUNCTION astapa.refuse_foreign_client_writes();

-- owner: astapa_owner
create table astapa.user_claims (
  project_id text not null,
  user_id bigint not null,
  plan text,
  role text,
  feature_flags text[] default '{}'::text[] not null,
  extra jsonb default '{}'::jsonb not null,
  updated_at timestamp with time zone default now() not null,
  name_lower text generated always as (lower((extra ->> 'name'::text))) stored,
  constraint user_claims_pkey PRIMARY KEY (project_id, user_id),
  constraint user_claims_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint user_claims_extra_check CHECK (jsonb_typeof(extra) = 'object'::text AND octet_length(extra::text) <= 4096),
  constraint user_claims_extra_names_check CHECK (astapa.are_valid_custom_claims(extra)) NOT VALID,
  constraint user_claims_feature_flags_check CHECK (astapa.are_valid_feature_flags(feature_flags)),
  constraint user_claims_plan_check CHECK (plan ~ '^[a-z0-9_-]{1,64}$'::text),
  constraint user_claims_role_check CHECK (role ~ '^[^[:cntrl:]]{1,64}$'::text)
);
alter table astapa.user_claims enable row level security;
alter table astapa.user_claims force row level security;
comment on table astapa.user_claims is 'What a user''s access tokens say about them beyond their plan (see api.token_claims): role, feature_flags, and extra (custom claims, placed at the top level of custom_claims). plan is retired (plans come from subscriptions) and always null for new writes.';
CREATE INDEX user_claims_name_prefix_idx ON astapa.user_claims USING btree (project_id, name_lower text_pattern_ops);
grant insert, select on astapa.user_claims to astapa_app;
grant select (name_lower) on astapa.user_claims to astapa_app;
grant update (plan, role, feature_flags, extra, updated_at) on astapa.user_claims to astapa_app;
create policy "a project changes its own users' claims" on astapa.user_claims as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own users' claims" on astapa.user_claims as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project sets claims for its own users" on astapa.user_claims as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
CREATE TRIGGER user_claims_refuse_foreign_client_writes BEFORE INSERT OR DELETE OR UPDATE OR TRUNCATE ON astapa.user_claims FOR EACH STATEMENT EXECUTE FUNCTION astapa.refuse_foreign_client_writes();

-- owner: astapa_owner
create table astapa.user_factors (
  project_id text not null,
  user_id bigint not null,
  kind text not null,
  secret_sealed bytea,
  created_at timestamp with time zone default now() not null,
  confirmed_at timestamp with time zone,
  last_used_step bigint,
  constraint user_factors_pkey PRIMARY KEY (project_id, user_id, kind),
  constraint user_factors_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint user_factors_kind_check CHECK (kind = ANY (ARRAY['totp'::text, 'phone'::text])),
  constraint user_factors_secret_sealed_check CHECK ((kind = 'totp'::text) = (secret_sealed IS NOT NULL))
);
alter table astapa.user_factors enable row level security;
alter table astapa.user_factors force row level security;
comment on table astapa.user_factors is 'A user''s second factors, one per kind. totp: RFC 6238, SHA-1, 6 digits, 30 s; secret_sealed is AES-GCM under the master key (never readable without it); last_used_step refuses a code''s replay within its time step. phone: codes by WhatsApp or SMS to the user''s verified phone number (no secret; it stops counting while the number is missing or unverified). A row with confirmed_at null is an enrolment in progress: it never asks for a code.';
grant delete, insert, select on astapa.user_factors to astapa_app;
grant update (secret_sealed, created_at, confirmed_at, last_used_step) on astapa.user_factors to astapa_app;
create policy "a project enrols its own users' factors" on astapa.user_factors as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own users' factors" on astapa.user_factors as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project removes its own users' factors" on astapa.user_factors as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project updates its own users' factors" on astapa.user_factors as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.users (
  project_id text not null,
  id bigint default astapa.new_user_id() not null,
  email text,
  email_verified boolean default false not null,
  password_hash text,
  disabled boolean default false not null,
  environment text not null,
  created_at timestamp with time zone default now() not null,
  last_sign_in_at timestamp with time zone,
  external_id text,
  email_lower text generated always as (lower(email)) stored,
  email_domain text generated always as (lower(split_part(email, '@'::text, 2))) stored,
  deleted_at timestamp with time zone,
  phone_number text,
  phone_number_verified boolean default false not null,
  constraint users_pkey PRIMARY KEY (project_id, id),
  constraint users_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint users_email_check CHECK (length(email) <= 254 AND email ~ '^[^@\s]+@[^@\s]+$'::text),
  constraint users_email_or_phone_check CHECK (email IS NOT NULL OR phone_number IS NOT NULL),
  constraint users_environment_check CHECK (environment = ANY (ARRAY['sandbox'::text, 'production'::text])),
  constraint users_external_id_check CHECK (length(external_id) >= 1 AND length(external_id) <= 255 AND external_id !~ '[[:cntrl:]]'::text),
  constraint users_password_hash_check CHECK (password_hash ~ '^\$argon2id\$'::text OR password_hash ~ '^(\$2[aby]\$|\$argon2i\$|\$scrypt\$|\$pbkdf2-sha(256|512)\$|pbkdf2_sha256\$|\$firebase-scrypt\$)'::text),
  constraint users_phone_number_check CHECK (phone_number ~ '^\+[1-9][0-9]{6,14}$'::text)
);
alter table astapa.users enable row level security;
alter table astapa.users force row level security;
comment on table astapa.users is 'People who sign in to a project''s app. id is the JWT sub (as a string), unique per project (a global identity, so also unique overall). environment is the project''s mode when the user was created; email is unique case-insensitively per project and environment. The app role cannot select password_hash.';
comment on column astapa.users.password_hash is 'argon2id; null for users who only sign in with a provider. An imported user may hold another format (bcrypt, argon2i, scrypt, PBKDF2, Firebase scrypt) until their first sign-in replaces it with argon2id.';
comment on column astapa.users.external_id is 'The id another system gave this user (set by an import, kept for the app); unique per project and environment.';
comment on column astapa.users.deleted_at is 'Set when the person deleted their account: the row stays as a tombstone with no personal data (pseudonymous id) so payments, receipts and the audit log keep their references; the APIs no longer show it.';
comment on column astapa.users.phone_number is 'E.164 (+62812…), unique per project and environment; the OIDC phone_number claim.';
comment on column astapa.users.phone_number_verified is 'A code sent to phone_number was entered (phone sign-in or adding the phone); the phone_number_verified claim.';
CREATE INDEX users_email_domain_idx ON astapa.users USING btree (project_id, environment, email_domain, id);
CREATE UNIQUE INDEX users_email_key ON astapa.users USING btree (project_id, environment, email_lower);
CREATE INDEX users_email_prefix_idx ON astapa.users USING btree (project_id, environment, email_lower text_pattern_ops);
CREATE UNIQUE INDEX users_external_id_key ON astapa.users USING btree (project_id, environment, external_id) WHERE (external_id IS NOT NULL);
CREATE UNIQUE INDEX users_phone_number_key ON astapa.users USING btree (project_id, environment, phone_number) WHERE (phone_number IS NOT NULL);
grant insert (project_id, email, email_verified, password_hash, environment, phone_number, phone_number_verified) on astapa.users to astapa_app;
grant select (project_id, id, email, email_verified, disabled, environment, created_at, last_sign_in_at, external_id, email_lower, email_domain, deleted_at, phone_number, phone_number_verified) on astapa.users to astapa_app;
grant update (email, email_verified, password_hash, disabled, last_sign_in_at, external_id, deleted_at, phone_number, phone_number_verified) on astapa.users to astapa_app;
create policy "a project adds its own users" on astapa.users as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own users" on astapa.users as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project updates its own users" on astapa.users as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
CREATE TRIGGER users_emit_user_created AFTER INSERT ON astapa.users FOR EACH ROW EXECUTE FUNCTION astapa.emit_user_created();
CREATE TRIGGER users_refuse_foreign_client_writes BEFORE INSERT OR DELETE OR UPDATE OR TRUNCATE ON astapa.users FOR EACH STATEMENT EXECUTE FUNCTION astapa.refuse_foreign_client_writes();

-- owner: astapa_owner
create table astapa.webauthn_challenges (
  project_id text not null,
  challenge_hash bytea not null,
  purpose text not null,
  user_id bigint,
  created_at timestamp with time zone default now() not null,
  expires_at timestamp with time zone not null,
  used_at timestamp with time zone,
  constraint webauthn_challenges_pkey PRIMARY KEY (project_id, challenge_hash),
  constraint webauthn_challenges_user_fkey FOREIGN KEY (project_id, user_id) REFERENCES astapa.users(project_id, id) ON DELETE CASCADE,
  constraint webauthn_challenges_challenge_hash_check CHECK (length(challenge_hash) = 32),
  constraint webauthn_challenges_lifetime_check CHECK (expires_at > created_at),
  constraint webauthn_challenges_purpose_check CHECK (purpose = ANY (ARRAY['register'::text, 'sign_in'::text])),
  constraint webauthn_challenges_user_check CHECK ((purpose = 'sign_in'::text) = (user_id IS NULL))
);
alter table astapa.webauthn_challenges enable row level security;
alter table astapa.webauthn_challenges force row level security;
comment on table astapa.webauthn_challenges is 'The random challenge of each passkey ceremony (SHA-256 here), single use and short-lived, so a ceremony started on one instance finishes on any other. register: bound to the signed-in user adding a passkey; sign_in: no user (discoverable credentials: the authenticator says who).';
CREATE INDEX webauthn_challenges_expires_idx ON astapa.webauthn_challenges USING btree (expires_at);
grant delete, insert, select on astapa.webauthn_challenges to astapa_app;
grant update (used_at) on astapa.webauthn_challenges to astapa_app;
create policy "a project clears its own old passkey challenges" on astapa.webauthn_challenges as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project opens its own passkey challenges" on astapa.webauthn_challenges as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own passkey challenges" on astapa.webauthn_challenges as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project uses up its own passkey challenges" on astapa.webauthn_challenges as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));

-- owner: astapa_owner
create table astapa.webhook_deliveries (
  project_id text not null,
  id bigint generated always as identity not null,
  event_id bigint not null,
  status text default 'pending'::text not null,
  attempts integer default 0 not null,
  next_attempt_at timestamp with time zone default now() not null,
  lease_until timestamp with time zone,
  last_attempt_at timestamp with time zone,
  last_status integer,
  last_error text,
  delivered_at timestamp with time zone,
  created_at timestamp with time zone default now() not null,
  constraint webhook_deliveries_pkey PRIMARY KEY (project_id, id),
  constraint webhook_deliveries_event_fkey FOREIGN KEY (project_id, event_id) REFERENCES astapa.events(project_id, id),
  constraint webhook_deliveries_attempts_check CHECK (attempts >= 0),
  constraint webhook_deliveries_last_error_check CHECK (length(last_error) <= 500),
  constraint webhook_deliveries_last_status_check CHECK (last_status >= 100 AND last_status <= 599),
  constraint webhook_deliveries_status_check CHECK (status = ANY (ARRAY['pending'::text, 'sending'::text, 'delivered'::text, 'failed'::text]))
);
alter table astapa.webhook_deliveries enable row level security;
alter table astapa.webhook_deliveries force row level security;
comment on table astapa.webhook_deliveries is 'Outbox of app webhooks: status pending (due at next_attempt_at), sending (claimed until lease_until), delivered, or failed (gave up). attempts, last_status and last_error show how each try went.';
CREATE INDEX webhook_deliveries_due_idx ON astapa.webhook_deliveries USING btree (next_attempt_at) WHERE (status = ANY (ARRAY['pending'::text, 'sending'::text]));
CREATE INDEX webhook_deliveries_event_idx ON astapa.webhook_deliveries USING btree (project_id, event_id);
grant select on astapa.webhook_deliveries to astapa_app;
grant insert (project_id, event_id) on astapa.webhook_deliveries to astapa_app;
grant update (status, attempts, next_attempt_at, lease_until, last_attempt_at, last_status, last_error, delivered_at) on astapa.webhook_deliveries to astapa_app;
create policy "a project queues its own webhook deliveries" on astapa.webhook_deliveries as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own webhook deliveries" on astapa.webhook_deliveries as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project updates its own webhook deliveries" on astapa.webhook_deliveries as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "definer functions find projects with due webhooks" on astapa.webhook_deliveries as permissive for select to astapa_owner
  using ((current_setting('astapa.find_due_webhooks'::text, true) = 'on'::text));

-- owner: astapa_owner
create table astapa.webhook_endpoints (
  project_id text not null,
  url text not null,
  secret_sealed bytea not null,
  events text[] default astapa.webhook_event_types() not null,
  created_at timestamp with time zone default now() not null,
  updated_at timestamp with time zone default now() not null,
  enabled boolean default true not null,
  constraint webhook_endpoints_pkey PRIMARY KEY (project_id),
  constraint webhook_endpoints_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id),
  constraint webhook_endpoints_events_check CHECK (cardinality(events) >= 1 AND cardinality(events) <= cardinality(astapa.webhook_event_types()) AND events <@ astapa.webhook_event_types()),
  constraint webhook_endpoints_secret_sealed_check CHECK (length(secret_sealed) >= 28 AND length(secret_sealed) <= 200),
  constraint webhook_endpoints_url_check CHECK (astapa.is_valid_redirect_uri(url))
);
alter table astapa.webhook_endpoints enable row level security;
alter table astapa.webhook_endpoints force row level security;
comment on table astapa.webhook_endpoints is 'One webhook endpoint per project: url (https, or http on loopback), the event types it receives, and its signing secret sealed under the deployment''s master key (never stored in the clear).';
comment on column astapa.webhook_endpoints.enabled is 'false pauses the endpoint: no deliveries are queued for it until it is enabled again.';
grant delete, insert, select on astapa.webhook_endpoints to astapa_app;
grant update (url, secret_sealed, events, updated_at, enabled) on astapa.webhook_endpoints to astapa_app;
create policy "a project changes its own webhook endpoint" on astapa.webhook_endpoints as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project reads its own webhook endpoint" on astapa.webhook_endpoints as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project removes its own webhook endpoint" on astapa.webhook_endpoints as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project sets its own webhook endpoint" on astapa.webhook_endpoints as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
CREATE TRIGGER webhook_endpoints_refuse_foreign_client_writes BEFORE INSERT OR DELETE OR UPDATE OR TRUNCATE ON astapa.webhook_endpoints FOR EACH STATEMENT EXECUTE FUNCTION astapa.refuse_foreign_client_writes();

-- owner: astapa_owner
create table astapa.xendit_keys (
  project_id text not null,
  environment text not null,
  secret_key_sealed bytea not null,
  callback_token_sealed bytea not null,
  updated_at timestamp with time zone default now() not null,
  constraint xendit_keys_pkey PRIMARY KEY (project_id, environment),
  constraint xendit_keys_project_id_fkey FOREIGN KEY (project_id) REFERENCES astapa.projects(id) ON DELETE CASCADE,
  constraint xendit_keys_environment_check CHECK (environment = ANY (ARRAY['sandbox'::text, 'production'::text])),
  constraint xendit_keys_sealed_check CHECK (length(secret_key_sealed) >= 29 AND length(secret_key_sealed) <= 1024 AND length(callback_token_sealed) >= 29 AND length(callback_token_sealed) <= 1024)
);
alter table astapa.xendit_keys enable row level security;
alter table astapa.xendit_keys force row level security;
comment on table astapa.xendit_keys is 'A project''s own Xendit secret key and callback verification token per environment, sealed by the app (IV ‖ AES-GCM ciphertext, additional data names project, environment and field).';
grant delete, insert, select on astapa.xendit_keys to astapa_app;
grant update (secret_key_sealed, callback_token_sealed, updated_at) on astapa.xendit_keys to astapa_app;
create policy "a project reads its own xendit keys" on astapa.xendit_keys as permissive for select to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project removes its own xendit keys" on astapa.xendit_keys as permissive for delete to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project replaces its own xendit keys" on astapa.xendit_keys as permissive for update to astapa_app, astapa_owner
  using ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)))
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
create policy "a project stores its own xendit keys" on astapa.xendit_keys as permissive for insert to astapa_app, astapa_owner
  with check ((project_id = ( SELECT astapa.current_project_id() AS current_project_id)));
CREATE TRIGGER xendit_keys_refuse_foreign_client_writes BEFORE INSERT OR DELETE OR UPDATE OR TRUNCATE ON astapa.xendit_keys FOR EACH STATEMENT EXECUTE FUNCTION astapa.refuse_foreign_client_writes();

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.accept_organization_invitation(token_hash bytea, user_id bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    i astapa.organization_invitations;
    o astapa.organizations;
    person_email text;
    membership jsonb;
  begin
    select * into i from astapa.organization_invitations x
    where x.project_id = astapa.current_project_id() and x.token_hash = accept_organization_invitation.token_hash;
    if i.id is null then
      raise exception using errcode = 'AS404', message = 'This invitation link is not one of this app''s.';
    end if;
    -- The organization's lock first, then the invitation read again: two acceptances take turns.
    o := astapa.lock_organization(i.organization_id);
    select * into i from astapa.organization_invitations x where x.project_id = i.project_id and x.id = i.id for update;
    if i.accepted_at is not null then
      raise exception using errcode = 'AS409', message = 'This invitation was already accepted.';
    elsif i.revoked_at is not null then
      raise exception using errcode = 'AS409', message = 'This invitation was withdrawn; ask for a new one.';
    elsif i.expires_at <= pg_catalog.now() then
      raise exception using errcode = 'AS409', message = 'This invitation has expired; ask for a new one.';
    end if;
    select u.email into person_email from astapa.users u where u.project_id = i.project_id and u.id = user_id;
    if person_email is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    elsif pg_catalog.lower(person_email) <> pg_catalog.lower(i.email) then
      raise exception using errcode = 'AS403', message = pg_catalog.format(
        'This invitation is for %s; sign in with that address to accept it.', i.email);
    end if;
    -- The link came to the address, so accepting it verifies the address too.
    update astapa.users u set email_verified = true
    where u.project_id = i.project_id and u.id = user_id and not u.email_verified;
    membership := astapa.add_membership(o, user_id, i.role, 'invitation');
    update astapa.organization_invitations x set accepted_at = pg_catalog.now(), accepted_by = user_id
    where x.project_id = i.project_id and x.id = i.id;
    return membership;
  end
  $function$;
comment on function api.accept_organization_invitation(bytea,bigint) is 'Accepts an invitation for the signed-in user whose address it was sent to (marking that address verified): they become a member with its role. AS404 unknown link, AS403 another address, AS409 already accepted, revoked, expired, already a member or no free seat.';
grant execute on function api.accept_organization_invitation(bytea,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.access_token_active(user_id bigint, client_id text)
 RETURNS boolean
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    -- A project that turned the client's kind off has stopped its tokens; a person's token ends with the
    -- person (disabled, or outside the project's current environment). user_id is null for a machine token.
    select astapa.dynamic_client_allowed(client_id)
      and (access_token_active.user_id is null or exists (
        select from astapa.users u
        join astapa.projects p on p.id = u.project_id
        where u.project_id = astapa.current_project_id() and u.id = access_token_active.user_id
          and not u.disabled and u.environment = p.mode))
  $function$;
comment on function api.access_token_active(bigint,text) is 'Whether a signature-valid access token of the current project is still active for introspection (RFC 7662): its client''s kind is still accepted by the project (dynamic clients, metadata documents) and, for a person''s token (user_id not null), the person is enabled and in the project''s current environment.';
grant execute on function api.access_token_active(bigint,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.account_apps(user_id bigint)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    with tokens as (
      select r.client_id, pg_catalog.min(r.created_at) as since, pg_catalog.string_agg(distinct r.scope, ' ') as scope
      from astapa.refresh_tokens r
      where r.project_id = astapa.current_project_id() and r.user_id = account_apps.user_id
        and astapa.is_third_party_client_id(r.client_id) and r.revoked_at is null and r.used_at is null
        and r.expires_at > pg_catalog.now()
      group by r.client_id),
    remembered as (
      select c.client_id, pg_catalog.min(c.granted_at) as since,
             pg_catalog.jsonb_agg(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('resource', c.resource,
               'resource_name', (select x.name from astapa.resources x
                                 where x.project_id = c.project_id and x.uri = c.resource),
               'scopes', pg_catalog.to_jsonb(c.scopes), 'granted_at', c.granted_at)) order by c.resource) as consents
      from astapa.consents c
      where c.project_id = astapa.current_project_id() and c.user_id = account_apps.user_id
      group by c.client_id),
    -- One entry per client: what it holds (live tokens) and what the person allowed it (consents).
    clients as (
      select coalesce(t.client_id, k.client_id) as client_id, least(t.since, k.since) as since,
             coalesce(t.scope, '') as scope, coalesce(k.consents, '[]') as consents
      from tokens t full join remembered k on k.client_id = t.client_id)
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'client_id', x.client_id,
        'name', coalesce(nullif(astapa.third_party_client_name(x.client_id), ''), x.client_id),
        'host', case when astapa.is_metadata_document_client_id(x.client_id)
                     then pg_catalog.substring(x.client_id, '^https?://([^/?#]+)') end,
        'scope', x.scope, 'since', x.since, 'consents', x.consents)) order by x.since, x.client_id), '[]')
    from clients x
  $function$;
comment on function api.account_apps(bigint) is 'The third-party clients (self-registered dcl_ or metadata-document URL) a user allowed, one entry per client: its name (its own unverified claim), the host of a metadata-document URL (the verified part), the scopes its live refresh tokens hold, since when, and the remembered consents (resource, scopes).';
grant execute on function api.account_apps(bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.account_confirm_phone(session_hash bytea, token_hash bytea, code_hash bytea)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    person bigint := astapa.account_user(session_hash);
    pending astapa.phone_codes;
    previous text;
  begin
    select * into pending from astapa.phone_codes c
    where c.project_id = project and c.token_hash = account_confirm_phone.token_hash and c.user_id = person
      and c.purpose = 'account'
    for update;
    if not found or pending.used_at is not null or pending.expires_at <= pg_catalog.now()
       or pending.attempts >= 5 then
      return pg_catalog.jsonb_build_object('accepted', false, 'expired', true);
    end if;
    if pending.code_hash <> account_confirm_phone.code_hash then
      update astapa.phone_codes c set attempts = c.attempts + 1
      where c.project_id = project and c.token_hash = account_confirm_phone.token_hash;
      perform astapa.audit(project, 'account.phone_failed', 'user:' || person,
        pg_catalog.jsonb_build_object('address', pending.address));
      return pg_catalog.jsonb_build_object('accepted', false, 'expired', pending.attempts + 1 >= 5,
        'attempts_left', 4 - pending.attempts);
    end if;
    update astapa.phone_codes c set used_at = pg_catalog.now()
    where c.project_id = project and c.token_hash = account_confirm_phone.token_hash;
    select u.phone_number into previous from astapa.users u where u.project_id = project and u.id = person;
    begin
      update astapa.users u set phone_number = pending.phone_number, phone_number_verified = true
      where u.project_id = project and u.id = person;
    exception when unique_violation then
      -- Another account of this project and environment holds it: said only to someone who proved they hold it.
      return pg_catalog.jsonb_build_object('accepted', false, 'taken', true);
    end;
    perform astapa.audit(project, 'user.profile_updated', 'user:' || person,
      pg_catalog.jsonb_build_object('fields', pg_catalog.jsonb_build_array('phone_number'), 'by', 'user',
        'previous', previous));
    return pg_catalog.jsonb_build_object('accepted', true, 'phone_number', pending.phone_number);
  end
  $function$;
comment on function api.account_confirm_phone(bytea,bytea,bytea) is 'The signed-in person types the code sent to the number they are adding: once right (five attempts, single use, only their own code) the number becomes theirs, verified, and is audited (user.profile_updated); {accepted: false, taken: true} when another account of the project holds it; {accepted: false, expired} when the code is dead; {accepted: false, attempts_left} when wrong (audited account.phone_failed).';
grant execute on function api.account_confirm_phone(bytea,bytea,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.account_end_other_sessions(session_hash bytea)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    person bigint := astapa.account_user(session_hash);
    ended integer;
  begin
    with other as (
      update astapa.login_sessions s set ended_at = pg_catalog.now()
      where s.project_id = project and s.user_id = person and s.ended_at is null and s.token_hash <> session_hash
      returning 1)
    select pg_catalog.count(*)::integer into ended from other;
    perform astapa.audit(project, 'user.other_sessions_ended', 'user:' || person,
      pg_catalog.jsonb_build_object('sessions', ended));
    return ended;
  end
  $function$;
comment on function api.account_end_other_sessions(bytea) is 'Signs the person out of every other browser (their other hosted-login sessions end; this one stays). Audited user.other_sessions_ended with the count. AS4G0 no session.';
grant execute on function api.account_end_other_sessions(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.account_export(session_hash bytea, fresh_seconds integer)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    person bigint := astapa.account_user(session_hash, fresh_seconds);
    audited text := 'user:' || person;
    export jsonb;
  begin
    export := pg_catalog.jsonb_build_object(
      'exported_at', pg_catalog.now(),
      'profile', astapa.user_json(project, person) || pg_catalog.jsonb_build_object('name',
        (select c.extra ->> 'name' from astapa.user_claims c where c.project_id = project and c.user_id = person)),
      'identities', api.user_sign_in_methods(project, person),
      'claims', api.user_own_claims(project, person),
      'sessions', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('created_at', s.created_at,
          'last_used_at', s.last_used_at, 'ended_at', s.ended_at, 'user_agent', s.user_agent) order by s.created_at), '[]')
        from astapa.login_sessions s where s.project_id = project and s.user_id = person),
      'subscriptions', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('plan', s.plan_key,
          'status', s.status, 'source', s.source, 'current_period_start', s.current_period_start,
          'current_period_end', s.current_period_end, 'created_at', s.created_at, 'ended_at', s.ended_at)
          order by s.created_at), '[]')
        from astapa.subscriptions s where s.project_id = project and s.user_id = person),
      'payments', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('checkout', c.public_id,
          'plan', c.plan_key, 'amount', c.amount, 'currency', c.currency, 'status', c.status, 'method', c.method,
          'paid_at', c.paid_at, 'created_at', c.created_at) order by c.created_at), '[]')
        from astapa.checkouts c where c.project_id = project and c.user_id = person),
      'audit', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('action', a.action,
          'actor', a.actor, 'details', a.details, 'at', a.at) order by a.id), '[]')
        from astapa.audit_log a where a.project_id = project and a.target = audited));
    perform astapa.audit(project, 'user.data_exported', audited, '{}');
    return export;
  end
  $function$;
comment on function api.account_export(bytea,integer) is 'After a fresh sign-in, everything the project holds about the person, as JSON: profile, sign-in methods, claims, sessions, subscriptions, payments (checkouts) and the audit of their account. Never secrets or hashes. Audited user.data_exported. AS4G0 no session; AS403 not fresh.';
grant execute on function api.account_export(bytea,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.account_leave_organization(session_hash bytea, organization_id text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    person bigint := astapa.account_user(session_hash);
  begin
    if not exists (select from astapa.organization_memberships m
                   where m.project_id = project and m.user_id = person
                     and m.organization_id = account_leave_organization.organization_id) then
      raise exception 'you are not a member of this organization' using errcode = 'AS404';
    end if;
    perform api.remove_organization_member(organization_id, person, true);
  end
  $function$;
comment on function api.account_leave_organization(bytea,text) is 'The person leaves one of their organizations (api.remove_organization_member with leaving: membership.deleted reason left, audited; automatic domain joining does not add them back). AS404 not their organization; AS409 they are its last owner.';
grant execute on function api.account_leave_organization(bytea,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.account_overview(session_hash bytea, user_agent text DEFAULT NULL::text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    person bigint;
  begin
    begin
      person := astapa.account_user(session_hash);
    exception when sqlstate 'AS4G0' then
      return null;
    end;
    -- Seen now, with this browser: what the sessions list shows as last use.
    update astapa.login_sessions s
    set last_used_at = pg_catalog.now(), user_agent = coalesce(pg_catalog.left(account_overview.user_agent, 512), s.user_agent)
    where s.project_id = project and s.token_hash = session_hash;
    return (
      select pg_catalog.jsonb_build_object(
        'user', pg_catalog.jsonb_build_object('id', u.id::text, 'email', u.email, 'email_verified', u.email_verified,
          'phone_number', u.phone_number,
          'name', (select c.extra ->> 'name' from astapa.user_claims c where c.project_id = project and c.user_id = person),
          'created_at', u.created_at),
        'auth_time', pg_catalog.floor(extract(epoch from (select s.created_at from astapa.login_sessions s
          where s.project_id = project and s.token_hash = session_hash)))::bigint,
        'methods', api.user_sign_in_methods(project, person),
        'factor', pg_catalog.jsonb_build_object(
          'enrolled', exists (select from astapa.user_factors f
            where f.project_id = project and f.user_id = person and f.kind = 'totp' and f.confirmed_at is not null),
          'phone', exists (select from astapa.user_factors f
            where f.project_id = project and f.user_id = person and f.kind = 'phone' and f.confirmed_at is not null),
          'second_factors', pg_catalog.to_jsonb(astapa.second_factor_kinds(project, person)),
          'recovery_codes_left', (select pg_catalog.count(*) from astapa.recovery_codes r
            where r.project_id = project and r.user_id = person and r.used_at is null)),
        'pending_email', (select e.new_email from astapa.email_changes e
          where e.project_id = project and e.user_id = person and e.used_at is null and e.expires_at > pg_catalog.now()
          order by e.created_at desc limit 1),
        'sessions', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
            'current', s.token_hash = session_hash, 'user_agent', s.user_agent, 'created_at', s.created_at,
            'last_used_at', coalesce(s.last_used_at, s.created_at))
            order by s.token_hash = session_hash desc, coalesce(s.last_used_at, s.created_at) desc), '[]')
          from astapa.login_sessions s
          where s.project_id = project and s.user_id = person and s.ended_at is null and s.expires_at > pg_catalog.now()),
        'apps', api.account_apps(person),
        'passkeys', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('name', k.name,
            'created_at', k.created_at, 'last_used_at', k.last_used_at, 'synced', k.device_type = 'multiDevice')
            order by k.created_at, k.credential_id), '[]')
          from astapa.passkeys k where k.project_id = project and k.user_id = person),
        -- Listing them joins them first where the project joins by domain automatically, as the sign-in does.
        'organizations', api.user_organizations(person) -> 'memberships',
        'subscription', (select pg_catalog.jsonb_build_object('plan', sub.plan_key, 'status', sub.status,
            'paid', sub.source = 'payment', 'current_period_end', sub.current_period_end)
          from astapa.subscriptions sub
          where sub.project_id = project and sub.user_id = person and sub.ended_at is null
            and sub.status in ('trialing', 'active', 'past_due')
          order by sub.created_at desc limit 1))
      from astapa.users u where u.project_id = project and u.id = person);
  end
  $function$;
comment on function api.account_overview(bytea,text) is 'Everything the account page shows the person behind a live session: profile, sign-in methods, second factor, a pending email change, live sessions (the current one first, with user agents), connected apps, passkeys (name, added, last used; never a key), organizations (api.user_organizations) and the current subscription; marks this session used now with this user agent. Null without a live session.';
grant execute on function api.account_overview(bytea,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.account_request_email_change(session_hash bytea, new_email text, token_hash bytea, fresh_seconds integer, mail jsonb)
 RETURNS boolean
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    person bigint := astapa.account_user(session_hash, fresh_seconds);
    wanted text := pg_catalog.btrim(coalesce(new_email, ''));
    held boolean;
  begin
    perform astapa.assert_email(wanted);
    if exists (select from astapa.users u where u.project_id = project and u.id = person
               and u.email_lower = pg_catalog.lower(wanted)) then
      raise exception 'that is already your email address' using errcode = 'AS400';
    end if;
    -- At most 5 links an hour per person: the page cannot be used to flood someone's mailbox. Over the limit
    -- nothing is sent and the answer is the same as for a taken address.
    if api.rate_limit_hit('account_email_change:' || project || ':' || person, 5, 3600) > 0 then
      perform astapa.audit(project, 'user.email_change_requested', 'user:' || person,
        pg_catalog.jsonb_build_object('sent', false, 'limited', true));
      return false;
    end if;
    update astapa.email_changes e set used_at = pg_catalog.now()
    where e.project_id = project and e.user_id = person and e.used_at is null;
    held := exists (select from astapa.users u join astapa.projects p on p.id = u.project_id
                    where u.project_id = project and u.environment = p.mode
                      and u.email_lower = pg_catalog.lower(wanted));
    perform astapa.audit(project, 'user.email_change_requested', 'user:' || person,
      pg_catalog.jsonb_build_object('sent', not held));
    -- An address another user holds gets no link, and the page answers the same: no one learns who signed up.
    if held then
      return false;
    end if;
    insert into astapa.email_changes (project_id, token_hash, user_id, new_email, expires_at)
    values (project, token_hash, person, wanted, pg_catalog.now() + interval '1 hour');
    perform api.queue_mail(project, mail || pg_catalog.jsonb_build_object('to', wanted));
    return true;
  end
  $function$;
comment on function api.account_request_email_change(bytea,text,bytea,integer,jsonb) is 'After a fresh sign-in, the person asks to change their email: the link (token_hash) is mailed to the new address, valid 1 hour, voiding earlier requests. An address another user of the project holds, or a sixth request within an hour, gets no link (false), silently. Audited user.email_change_requested. AS400 bad or unchanged address; AS4G0; AS403.';
grant execute on function api.account_request_email_change(bytea,text,bytea,integer,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.account_revoke_app(session_hash bytea, client_id text)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    person bigint := astapa.account_user(session_hash);
    revoked integer;
    forgotten integer;
  begin
    if client_id is null or not (client_id ~ '^dcl_[a-z2-7]{24}$'
        or (astapa.is_metadata_document_client_id(client_id) and pg_catalog.length(client_id) <= 1000)) then
      raise exception 'a connected app is a self-registered client (dcl_…) or a client metadata URL'
        using errcode = 'AS400';
    end if;
    with gone as (
      update astapa.refresh_tokens r set revoked_at = pg_catalog.now(), revoked_reason = 'revoked_by_user'
      where r.project_id = project and r.user_id = person and r.client_id = account_revoke_app.client_id
        and r.revoked_at is null
      returning 1)
    select pg_catalog.count(*)::integer into revoked from gone;
    -- Its remembered consents go too: the next time it asks, the person is asked again.
    delete from astapa.consents c
    where c.project_id = project and c.user_id = person and c.client_id = account_revoke_app.client_id;
    get diagnostics forgotten = row_count;
    if revoked = 0 and forgotten = 0 then
      raise exception 'this app has no access to your account' using errcode = 'AS404';
    end if;
    perform astapa.audit(project, 'user.app_revoked', 'user:' || person,
      pg_catalog.jsonb_build_object('client_id', pg_catalog.left(client_id, 200), 'refresh_tokens', revoked,
                                    'consents', forgotten));
    return revoked;
  end
  $function$;
comment on function api.account_revoke_app(bytea,text) is 'The person removes a connected app: every live refresh token of that third-party client for them is revoked (revoked_by_user) and its remembered consents are forgotten. Audited user.app_revoked. AS400 not a dcl_ id or metadata URL; AS404 nothing to revoke. Returns the refresh tokens revoked.';
grant execute on function api.account_revoke_app(bytea,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.account_revoke_consent(session_hash bytea, client_id text, resource text)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    return (api.revoke_consent(astapa.account_user(session_hash), client_id, resource, false)
            ->> 'refresh_tokens_revoked')::integer;
  end
  $function$;
comment on function api.account_revoke_consent(bytea,text,text) is 'The person revokes one remembered consent (a client and resource) through api.revoke_consent: the refresh tokens issued under it end (consent_revoked); audited consent.revoked by user. Returns the tokens revoked. AS404 no such consent of theirs; AS4G0 no session.';
grant execute on function api.account_revoke_consent(bytea,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.account_set_name(session_hash bytea, name text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    person bigint := astapa.account_user(session_hash);
    cleaned text := pg_catalog.btrim(coalesce(name, ''));
  begin
    if pg_catalog.length(cleaned) > 100 or cleaned ~ '[[:cntrl:]]' then
      raise exception 'a name is at most 100 characters, without control characters' using errcode = 'AS400';
    end if;
    insert into astapa.user_claims as c (project_id, user_id, extra)
    values (project, person, case when cleaned = '' then '{}' else pg_catalog.jsonb_build_object('name', cleaned) end)
    on conflict (project_id, user_id) do update
      set extra = case when cleaned = '' then c.extra - 'name'
                       else c.extra || pg_catalog.jsonb_build_object('name', cleaned) end,
          updated_at = pg_catalog.now();
    perform astapa.audit(project, 'user.profile_updated', 'user:' || person,
      pg_catalog.jsonb_build_object('fields', pg_catalog.jsonb_build_array('name'), 'by', 'user'));
  end
  $function$;
comment on function api.account_set_name(bytea,text) is 'The signed-in person sets (or, empty, removes) their name: the `name` custom claim, which tokens carry and the dashboard searches. Audited user.profile_updated. AS400 too long or control characters; AS4G0 no session.';
grant execute on function api.account_set_name(bytea,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.account_set_password(session_hash bytea, password_hash text, fresh_seconds integer, mail jsonb DEFAULT NULL::jsonb)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    person bigint := astapa.account_user(session_hash, fresh_seconds);
    had_password boolean;
    ended integer;
  begin
    if password_hash is null or password_hash !~ '^\$argon2id\$' then
      raise exception 'password hashes must be argon2id' using errcode = 'AS400';
    end if;
    had_password := exists (select from pg_catalog.jsonb_array_elements(api.user_sign_in_methods(project, person)) m
                            where m ->> 'provider' = 'password');
    update astapa.users u set password_hash = account_set_password.password_hash
    where u.project_id = project and u.id = person;
    -- Whoever knew the old password is signed out everywhere else; this browser stays signed in.
    with other as (
      update astapa.login_sessions s set ended_at = pg_catalog.now()
      where s.project_id = project and s.user_id = person and s.ended_at is null and s.token_hash <> session_hash
      returning 1)
    select pg_catalog.count(*)::integer into ended from other;
    perform astapa.audit(project, case when had_password then 'user.password_changed' else 'user.password_set' end,
      'user:' || person, pg_catalog.jsonb_build_object('by', 'user', 'sessions_ended', ended));
    if mail is not null then
      perform api.queue_mail(project, mail || pg_catalog.jsonb_build_object('to',
        (select u.email from astapa.users u where u.project_id = project and u.id = person)));
    end if;
    return ended;
  end
  $function$;
comment on function api.account_set_password(bytea,text,integer,jsonb) is 'After a fresh sign-in (fresh_seconds), the person sets a new argon2id password (or a first one, for a social-only account); their other sessions end. Audited user.password_changed or user.password_set; mailed when mail is given. Returns the sessions ended. AS400 not argon2id; AS4G0 no session; AS403 not fresh.';
grant execute on function api.account_set_password(bytea,text,integer,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.account_start_phone_code(session_hash bytea, phone_number text, country text, channel text, token_hash bytea, code_hash bytea, address text, fresh_seconds integer)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    person bigint := astapa.account_user(session_hash, fresh_seconds);
  begin
    -- Whether another account holds the number is told only once the code proves the person holds it
    -- (api.account_confirm_phone): asking here must not tell anyone whose number it is.
    return astapa.insert_phone_code(phone_number, country, channel, token_hash, code_hash, address, person,
      'account');
  end
  $function$;
comment on function api.account_start_phone_code(bytea,text,text,text,bytea,bytea,text,integer) is 'The signed-in person (a fresh session: a number becomes a way to sign in) asks to add or change their phone number: a code for it, bound to their account, under the same limits, budget and countries as sign-in codes (astapa.insert_phone_code). AS4G0 no session; AS403 not fresh or phone codes off.';
grant execute on function api.account_start_phone_code(bytea,text,text,text,bytea,bytea,text,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.account_unlink(session_hash bytea, provider text, subject text, fresh_seconds integer, mail jsonb DEFAULT NULL::jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    person bigint := astapa.account_user(session_hash, fresh_seconds);
    methods jsonb;
  begin
    if provider is null or provider not in ('google', 'github') then
      raise exception 'only a Google or GitHub identity is unlinked here' using errcode = 'AS400';
    end if;
    methods := api.unlink_sign_in_method(project, person, provider, subject);
    if mail is not null then
      perform api.queue_mail(project, mail || pg_catalog.jsonb_build_object('to',
        (select u.email from astapa.users u where u.project_id = project and u.id = person)));
    end if;
    return methods;
  end
  $function$;
comment on function api.account_unlink(bytea,text,text,integer,jsonb) is 'After a fresh sign-in, the person unlinks one of their own Google/GitHub identities, never their last way to sign in (api.unlink_sign_in_method: audited identity.unlink; AS404 not theirs; AS409 the last method), and is mailed when mail is given.';
grant execute on function api.account_unlink(bytea,text,text,integer,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.add_member(project_id text, account_id bigint, role text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    perform astapa.require_project(project_id);
    if role is null or role not in ('owner', 'admin', 'viewer') then
      raise exception using errcode = 'AS400', message = 'A member''s role is owner, admin or viewer.';
    end if;
    if not exists (select from astapa.accounts as a where a.id = add_member.account_id) then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Account %s was not found.', account_id);
    end if;
    begin
      insert into astapa.memberships (project_id, account_id, role) values (project_id, account_id, role);
    exception when unique_violation then
      raise exception using errcode = 'AS409', message = 'This account is already a member of this project.';
    end;
    perform astapa.audit(project_id, 'member.add', 'account:' || account_id, pg_catalog.jsonb_build_object('role', role));
    return pg_catalog.jsonb_build_object('project_id', project_id, 'account_id', account_id::text, 'role', role);
  end
  $function$;
comment on function api.add_member(text,bigint,text) is 'Lets an account administer the project as owner, admin or viewer. AS404 unknown project/account, AS409 twice.';
grant execute on function api.add_member(text,bigint,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.add_organization_domain(organization_id text, domain text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    d astapa.organization_domains;
    name text := pg_catalog.lower(pg_catalog.btrim(domain));
  begin
    if name is null or pg_catalog.length(name) > 253
       or name !~ '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$' then
      raise exception using errcode = 'AS400', message = 'domain must be a domain name such as example.co.id.';
    end if;
    insert into astapa.organization_domains (project_id, organization_id, domain, verification_token)
    values (o.project_id, o.id, name, astapa.random_id('astapa-domain-verification=', 30))
    on conflict on constraint organization_domains_pkey do nothing;
    select * into d from astapa.organization_domains x
    where x.project_id = o.project_id and x.organization_id = o.id and x.domain = name;
    perform astapa.audit(o.project_id, 'organization.domain_added', o.id, pg_catalog.jsonb_build_object('domain', name));
    return pg_catalog.jsonb_build_object('domain', d.domain, 'verified', d.verified_at is not null,
      'verified_at', d.verified_at, 'verification_token', d.verification_token);
  end
  $function$;
comment on function api.add_organization_domain(text,text) is 'Claims an email domain for an organization, unverified, with the token its DNS TXT record must hold (idempotent); audited. AS400 not a domain name.';
grant execute on function api.add_organization_domain(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.add_organization_member(organization_id text, user_id bigint, role text DEFAULT 'member'::text)
 RETURNS jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$ select astapa.add_membership(astapa.lock_organization(organization_id), user_id, role, 'added') $function$;
comment on function api.add_organization_member(text,bigint,text) is 'Adds a user of the project to an organization with a role (astapa.add_membership''s checks and errors).';
grant execute on function api.add_organization_member(text,bigint,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.add_passkey(session_hash bytea, user_id bigint, credential_id bytea, public_key bytea, sign_count bigint, transports text[], device_type text, backed_up boolean, name text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if astapa.passkey_session_user(session_hash, true) is distinct from add_passkey.user_id then
      raise exception using errcode = 'AS403',
        message = 'Adding a passkey needs a sign-in within the last 10 minutes, by the person it is for.';
    end if;
    perform astapa.store_passkey(astapa.current_project_id(), user_id, credential_id, public_key, sign_count,
      transports, device_type, backed_up, name);
  end
  $function$;
comment on function api.add_passkey(bytea,bigint,bytea,bytea,bigint,text[],text,boolean,text) is 'Stores a passkey whose attestation TypeScript verified against a challenge taken for user_id; the session must still be that user''s and recent (AS403); a credential id the project has already is AS409. Audited; emits user.passkey_added.';
grant execute on function api.add_passkey(bytea,bigint,bytea,bytea,bigint,text[],text,boolean,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.add_redirect_uri(project_id text, uri text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    current_uris text[];
  begin
    perform astapa.require_project(project_id);
    perform astapa.assert_redirect_uri(uri);
    select p.redirect_uris into current_uris from astapa.projects as p where p.id = add_redirect_uri.project_id
    for update;
    if uri = any (current_uris) then
      raise exception using errcode = 'AS409', message = pg_catalog.format('Redirect URI %s is already allowed.', uri);
    end if;
    if pg_catalog.cardinality(current_uris) >= 50 then
      raise exception using errcode = 'AS400', message = 'A project may have at most 50 redirect URIs.';
    end if;
    update astapa.projects as p
    set redirect_uris = p.redirect_uris || uri, updated_at = pg_catalog.now()
    where p.id = add_redirect_uri.project_id;
    perform astapa.audit(project_id, 'redirect_uri.add', uri);
    return astapa.project_json(project_id);
  end
  $function$;
comment on function api.add_redirect_uri(text,text) is 'Allows one more redirect URI (exact string). AS400 when invalid, AS409 when already allowed.';
grant execute on function api.add_redirect_uri(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.add_resource(uri text, name text DEFAULT ''::text, proven boolean DEFAULT false)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    added astapa.resources;
    project_mode text;
  begin
    if astapa.current_project_id() is null then
      raise exception using errcode = 'AS404', message = 'No project is set for this transaction.';
    end if;
    if uri is null or not astapa.is_valid_resource_uri(uri) then
      raise exception using errcode = 'AS400', message = pg_catalog.format(
        'Resource %s is not allowed: use an absolute https URI (http only on localhost, 127.0.0.1 or [::1]) '
        'with a lower-case host, no fragment, and no trailing slash after a bare host.', coalesce(uri, 'null'));
    end if;
    if pg_catalog.length(coalesce(name, '')) > 100 then
      raise exception using errcode = 'AS400', message = 'A resource name is at most 100 characters.';
    end if;
    select p.mode into project_mode from astapa.projects p where p.id = astapa.current_project_id();
    if project_mode = 'production' and not coalesce(proven, false) then
      raise exception using errcode = 'AS403', message = pg_catalog.format(
        'Resource %s needs proof of control before a production project may register it: serve its '
        'protected-resource metadata naming this issuer and the project (docs/mcp.md).', uri);
    end if;
    if exists (select 1 from astapa.resources r
               where r.project_id = astapa.current_project_id()
                 and astapa.resource_key(r.uri) = astapa.resource_key(add_resource.uri)) then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        'Resource %s is already registered for this project.', uri);
    end if;
    -- Another project's registration: a proven claim displaces an unproven one; anything else is refused
    -- without naming the other project.
    if astapa.release_resource(astapa.resource_key(uri),
         case when coalesce(proven, false) then 'unproven' else 'look' end) = 'held' then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        'Resource %s is already registered (resources are unique across the deployment).', uri);
    end if;
    begin
      insert into astapa.resources (project_id, uri, name, verified_at)
      values (astapa.current_project_id(), uri, coalesce(pg_catalog.btrim(name), ''),
              case when proven then pg_catalog.now() end)
      returning * into added;
    exception when unique_violation then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        'Resource %s is already registered (resources are unique across the deployment).', uri);
    end;
    perform astapa.audit(added.project_id, 'resource.add', uri,
      pg_catalog.jsonb_build_object('proven', added.verified_at is not null));
    return astapa.resource_json(added);
  end
  $function$;
comment on function api.add_resource(text,text,boolean) is 'Registers a protected resource URI (canonical form) for the current project. proven: the app checked the resource''s protected-resource metadata (lib/oauth/resource_proof.ts); production projects must pass it. A proven claim displaces another project''s unproven registration of the same resource (same key, see astapa.resource_key); otherwise AS409. Security definer only to call astapa.release_resource (the other project''s row is invisible to the app role); its guard is the project set for the transaction.';
grant execute on function api.add_resource(text,text,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.allow_token_exchange(client_id text, resource text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if client_id is null or client_id !~ '^(cid|mcl|dcl)_[a-z2-7]{24}$' then
      raise exception 'client_id must be a client id (cid_, mcl_ or dcl_)' using errcode = 'AS400';
    end if;
    if not exists (select from astapa.resources r
                   where r.project_id = astapa.current_project_id() and r.uri = allow_token_exchange.resource) then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('Resource %s is not registered in this project.', resource);
    end if;
    insert into astapa.token_exchange_policies (project_id, client_id, resource)
    values (astapa.current_project_id(), client_id, resource)
    on conflict do nothing;
    perform astapa.audit(astapa.current_project_id(), 'token_exchange.allowed', client_id,
      pg_catalog.jsonb_build_object('resource', resource));
    return api.list_token_exchange_policies();
  end
  $function$;
comment on function api.allow_token_exchange(text,text) is 'Lets a client exchange people''s access tokens for ones to a registered resource of the current project (idempotent, audited); returns the policy.';
grant execute on function api.allow_token_exchange(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.apply_checkout_coupon(project_id text, checkout_id text, code text, now timestamp with time zone DEFAULT now())
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    target astapa.checkouts;
  begin
    select * into target from astapa.checkouts as k
    where k.project_id = apply_checkout_coupon.project_id and k.public_id = apply_checkout_coupon.checkout_id;
    if not found then
      raise exception using errcode = 'AS404', message = 'This checkout was not found.';
    end if;
    if coalesce(pg_catalog.length(code), 0) not between 1 and 64 then
      raise exception using errcode = 'AS400', message = 'Enter a coupon code.',
        detail = '{"coupon": ["Enter a coupon code."]}';
    end if;
    return astapa.checkout_json(astapa.redeem_coupon(target, code, now));
  end
  $function$;
comment on function api.apply_checkout_coupon(text,text,text,timestamp with time zone) is 'The hosted checkout''s coupon field: applies a coupon to an open checkout (see astapa.redeem_coupon) and returns the checkout. AS404 unknown checkout; AS400/AS409 as astapa.redeem_coupon.';
grant execute on function api.apply_checkout_coupon(text,text,text,timestamp with time zone) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.apply_method_callback(project_id text, method_id text, callback jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    target astapa.linked_methods;
    event text := callback ->> 'event';
    next_status text;
  begin
    next_status := case event when 'payment_method.activated' then 'active'
                              when 'payment_method.failed' then 'failed'
                              when 'payment_method.expired' then 'expired' end;
    if next_status is null then
      raise exception using errcode = 'AS400',
        message = 'event must be payment_method.activated, payment_method.failed or payment_method.expired.';
    end if;
    select * into target from astapa.linked_methods as m
    where m.project_id = apply_method_callback.project_id and m.public_id = method_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = 'This linked method was not found.';
    end if;
    if target.provider_id is not null and target.provider_id is distinct from callback ->> 'provider_id' then
      raise exception using errcode = 'AS409', message = 'The callback names another Xendit payment method.';
    end if;
    -- Forward only: requires_action → active | failed | expired, active → expired. A duplicate or a late
    -- callback (activated after expired) changes nothing, so the order callbacks arrive in does not matter.
    if not ((target.status = 'requires_action') or (target.status = 'active' and next_status = 'expired')) then
      return astapa.linked_method_json(target) || '{"changed": false}';
    end if;
    update astapa.linked_methods as m set status = next_status,
      provider_id = coalesce(m.provider_id, callback ->> 'provider_id'),
      failure_code = case when next_status = 'failed' then pg_catalog.left(coalesce(callback ->> 'failure_code',
                       'FAILED'), 500) end,
      activated_at = case when next_status = 'active' then pg_catalog.now() else m.activated_at end,
      updated_at = pg_catalog.now()
    where m.project_id = target.project_id and m.id = target.id
    returning * into target;
    perform astapa.audit(target.project_id, 'billing.method_' || next_status, 'linked_method:' || target.public_id,
      pg_catalog.jsonb_build_object('sub', target.user_id::text, 'channel', target.channel));
    return astapa.linked_method_json(target) || '{"changed": true}';
  end
  $function$;
comment on function api.apply_method_callback(text,text,jsonb) is 'Applies a Xendit payment_method.* callback to our method: {event, provider_id, failure_code?}. Forward-only and idempotent (duplicates and late callbacks answer changed: false). AS400 unknown event; AS404 unknown method; AS409 another provider id. Audited.';
grant execute on function api.apply_method_callback(text,text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.apply_payment_event(project_id text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    ev astapa.payment_events;
    applied_outcome text;
    failure text;
  begin
    -- The oldest unprocessed event nobody else is applying.
    select * into ev from astapa.payment_events as e
    where e.project_id = apply_payment_event.project_id and e.processed_at is null
    order by e.id
    for update skip locked
    limit 1;
    if not found then
      return null;
    end if;
    begin
      applied_outcome := astapa.apply_payment_event_row(ev);
    exception when others then
      -- 40: serialization/deadlock, 53: resources, 57: shutdown, 08: connection, 55P03: lock wait: try again.
      if pg_catalog.left(sqlstate, 2) in ('40', '53', '57', '08') or sqlstate = '55P03' then
        raise;
      end if;
      -- The subtransaction rolled back whatever the event had changed; only the event row is marked.
      applied_outcome := 'error';
      failure := pg_catalog.left(sqlstate || ': ' || sqlerrm, 2000);
    end;
    update astapa.payment_events as e
    set processed_at = pg_catalog.now(), outcome = applied_outcome, error = failure
    where e.project_id = ev.project_id and e.id = ev.id;
    return pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'event_id', ev.id, 'outcome', applied_outcome, 'error', failure,
      -- The receipt a payment just got, so the worker mails it in this transaction.
      'receipt_id', case when applied_outcome in ('paid', 'paid_again') then
        (select r.public_id from astapa.receipts as r join astapa.payments as y
           on y.project_id = r.project_id and y.id = r.payment_id
         where y.project_id = ev.project_id and y.provider = ev.provider and y.provider_id = ev.provider_id) end));
  end
  $function$;
comment on function api.apply_payment_event(text) is 'Applies the project''s oldest unprocessed payment event (FOR UPDATE SKIP LOCKED; null when none is left) and marks it processed with its outcome. Order-safe and idempotent: paid is final, a late PENDING or a duplicate changes nothing; a success extends the subscription once through api.assign_plan, emits payment.succeeded and issues the payment''s numbered receipt (receipt_id in the answer). An event that fails for good is marked outcome error (its changes rolled back) so later events are not held up; transient failures raise and are retried.';
grant execute on function api.apply_payment_event(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.assign_plan(project_id text, user_id bigint, plan_key text, source text, period tstzrange DEFAULT NULL::tstzrange, paid_through timestamp with time zone DEFAULT NULL::timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    chosen astapa.plans;
    current astapa.subscriptions;
    started astapa.subscriptions;
    previous_plan text;
    new_paid_through timestamptz;
    changed_at timestamptz;
  begin
    if source is null or source not in ('payment', 'claims_api', 'dashboard', 'cli', 'default', 'trial') then
      raise exception using errcode = 'AS400', detail = '{"source": ["Unknown source."]}',
        message = 'source must be payment, claims_api, dashboard, cli, default or trial.';
    end if;
    -- A trial (api.start_trial) needs the end its period runs to: that end is when the renewal pass ends it.
    if source = 'trial' and (period is null or pg_catalog.upper(period) is null) then
      raise exception using errcode = 'AS400', detail = '{"period": ["A trial needs an end."]}',
        message = 'A trial''s period needs an end.';
    end if;
    if period is not null and (pg_catalog.isempty(period) or pg_catalog.lower(period) is null) then
      raise exception using errcode = 'AS400', detail = '{"period": ["A period needs a start."]}',
        message = 'A subscription period needs a start (and may have an end).';
    end if;
    -- Serialises plan changes per user: concurrent assignments queue here instead of racing on history.
    perform from astapa.users as u
    where u.project_id = assign_plan.project_id and u.id = assign_plan.user_id
    for no key update;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    -- The change happens now that the lock is ours, not when the transaction began: a caller that queued
    -- behind another must not end that one's subscription before it started.
    changed_at := pg_catalog.clock_timestamp();
    select * into current from astapa.subscriptions as s
    where s.project_id = assign_plan.project_id and s.user_id = assign_plan.user_id and s.ended_at is null;
    -- Shared lock: api.set_plan_seats (which locks the plan for update) cannot make it a team plan meanwhile.
    select * into chosen from astapa.plans as p
    where p.project_id = assign_plan.project_id and p.key = assign_plan.plan_key
    for share;
    if not found then
      raise exception using errcode = 'AS400', detail = pg_catalog.jsonb_build_object('plan', pg_catalog.jsonb_build_array(
          pg_catalog.format('There is no plan %s in this project.', plan_key)))::text,
        message = pg_catalog.format('There is no plan %s in this project.', plan_key);
    end if;
    -- A team plan is an organization's (api.create_organization_checkout), never a person's: the wording of
    -- api.change_plan and api.start_trial. api.set_plan_seats keeps people off plans that become team plans.
    if chosen.seat_pricing is not null then
      raise exception using errcode = 'AS400', detail = '{"plan": ["A team plan: buy it for an organization."]}',
        message = pg_catalog.format('Plan %s is a team plan: buy it for an organization.', chosen.key);
    end if;
    if chosen.archived_at is not null and current.plan_key is distinct from chosen.key then
      raise exception using errcode = 'AS400', detail = pg_catalog.jsonb_build_object('plan', pg_catalog.jsonb_build_array(
          pg_catalog.format('Plan %s is archived: its subscribers keep it, nobody new can get it.', plan_key)))::text,
        message = pg_catalog.format('Plan %s is archived: its subscribers keep it, nobody new can get it.', plan_key);
    end if;
    new_paid_through := coalesce(paid_through, case when source = 'payment' then pg_catalog.upper(period) end);
    -- Assigning what the user already has (same plan, active, same period) changes nothing and says nothing.
    if current.id is not null and current.plan_key = chosen.key
       and current.status = (case when source = 'trial' then 'trialing' else 'active' end)
       and (period is null or (current.current_period_start = pg_catalog.lower(period)
                               and current.current_period_end is not distinct from pg_catalog.upper(period)))
       and (new_paid_through is null or current.paid_through is not distinct from new_paid_through) then
      return astapa.subscription_json(current);
    end if;
    previous_plan := astapa.user_plan(project_id, user_id);
    if current.id is not null then
      update astapa.subscriptions as s set ended_at = changed_at
      where s.project_id = current.project_id and s.id = current.id;
    end if;
    insert into astapa.subscriptions (project_id, user_id, plan_key, status, source, current_period_start,
                                      current_period_end, paid_through)
    values (project_id, user_id, chosen.key, case when source = 'trial' then 'trialing' else 'active' end, source,
            coalesce(pg_catalog.lower(period), changed_at),
            pg_catalog.upper(period), new_paid_through)
    returning * into started;
    perform astapa.settle_plan_changes(project_id, user_id, chosen.key);
    perform astapa.audit(project_id, 'subscription.assign', 'user:' || user_id,
      pg_catalog.jsonb_build_object('plan', chosen.key, 'previous_plan', previous_plan, 'source', source));
    perform astapa.emit_event(project_id, 'subscription.updated', pg_catalog.jsonb_build_object(
      'subscription', astapa.subscription_json(started), 'previous_plan', previous_plan));
    return astapa.subscription_json(started);
  end
  $function$;
comment on function api.assign_plan(text,bigint,text,text,tstzrange,timestamp with time zone) is 'Puts a user on a plan (the only function that changes plans): ends the current subscription, starts an active one for period (default: from now, open-ended), audits, and emits subscription.updated. paid_through defaults to the period''s end for payments. source trial starts a trialing one (period with an end required; see api.start_trial). Assigning what the user already has is a no-op. AS400 unknown, archived or team plan (an organization''s), bad source or period (DETAIL names the field); AS404 unknown user.';
grant execute on function api.assign_plan(text,bigint,text,text,tstzrange,timestamp with time zone) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.assign_resource(uri text, project_id text, name text DEFAULT ''::text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    assigned astapa.resources;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Only the deployment owner assigns resources.';
    end if;
    if uri is null or not astapa.is_valid_resource_uri(uri) then
      raise exception using errcode = 'AS400', message = pg_catalog.format('Resource %s is not allowed.',
        coalesce(uri, 'null'));
    end if;
    perform pg_catalog.set_config('astapa.project_id', assign_resource.project_id, true);
    if not exists (select 1 from astapa.projects p where p.id = assign_resource.project_id) then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Project %s does not exist.',
        assign_resource.project_id);
    end if;
    perform astapa.release_resource(astapa.resource_key(uri), 'any');
    delete from astapa.resources r
    where r.project_id = assign_resource.project_id and astapa.resource_key(r.uri) = astapa.resource_key(assign_resource.uri);
    insert into astapa.resources (project_id, uri, name, verified_at)
    values (assign_resource.project_id, uri, coalesce(pg_catalog.btrim(name), ''), pg_catalog.now())
    returning * into assigned;
    perform astapa.audit(assigned.project_id, 'resource.assign', uri, '{"by":"deployment owner"}');
    perform pg_catalog.set_config('astapa.project_id', '', true);
    return astapa.resource_json(assigned);
  end
  $function$;
comment on function api.assign_resource(text,text,text) is 'The deployment owner (CLI `resource assign`) gives a resource to a project, taking it from whoever holds it (audited in both). Security definer because it crosses projects; guard: refused while the transaction acts for a project, as api.list_projects, so no request acting for a tenant can call it.';
grant execute on function api.assign_resource(text,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.authenticate_client(client_id text, client_secret_hash bytea, buckets jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    wait integer := astapa.client_lockout_wait(buckets);
    found jsonb;
  begin
    if wait > 0 then
      return pg_catalog.jsonb_build_object('wait', wait);
    end if;
    found := api.verify_client(client_id, client_secret_hash);
    if found is not null then
      -- An enabled client's project and kind are who the rest of the transaction acts for (RLS reads the
      -- project, the management tables' triggers the kind), so the grant can follow in the same transaction.
      if (found ->> 'enabled')::boolean then
        perform pg_catalog.set_config('astapa.project_id', found ->> 'project_id', true);
        perform pg_catalog.set_config('astapa.client_kind', found ->> 'kind', true);
      end if;
      return pg_catalog.jsonb_build_object('client', found);
    end if;
    perform astapa.count_client_failure(buckets);
    return '{}'::jsonb;
  end
  $function$;
comment on function api.authenticate_client(text,bytea,jsonb) is 'Authenticates a client (id and SHA-256 of its secret) behind brute-force limits, in one call. buckets: [{name, max, window_seconds}]. Returns {wait: seconds} when a bucket is locked (the secret is not checked), {client: <api.verify_client result>} when the secret matches — and, for an enabled client, sets astapa.project_id for the rest of the transaction — or {} after counting a failure in every bucket.';
grant execute on function api.authenticate_client(text,bytea,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.authenticate_dynamic_client(client_id text, client_secret_hash bytea, buckets jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    wait integer := astapa.client_lockout_wait(buckets);
    verified boolean;
  begin
    if wait > 0 then
      return pg_catalog.jsonb_build_object('wait', wait);
    end if;
    verified := api.verify_dynamic_client(client_id, client_secret_hash);
    if not verified then
      perform astapa.count_client_failure(buckets);
    end if;
    return pg_catalog.jsonb_build_object('verified', verified);
  end
  $function$;
comment on function api.authenticate_dynamic_client(text,bytea,jsonb) is 'A confidential dynamic client''s secret check behind the same lockout as api.authenticate_client: {wait} when a bucket is locked (the secret is not checked), else {verified}, a failure counted in every bucket.';
grant execute on function api.authenticate_dynamic_client(text,bytea,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.authorization_client(client_id text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    found_client jsonb;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Client lookups happen before a project is chosen.';
    end if;
    if client_id is null or client_id !~ '^cid_[a-z2-7]{24}$' then
      return null;
    end if;
    -- Shows this one project to the owner for the next query only (on an error, rollback undoes it).
    perform pg_catalog.set_config('astapa.lookup_client_id', client_id, true);
    select pg_catalog.jsonb_build_object('project_id', p.id, 'name', p.name, 'mode', p.mode,
             'redirect_uris', pg_catalog.to_jsonb(p.redirect_uris), 'settings', p.settings)
      into found_client
    from astapa.projects p where p.client_id = authorization_client.client_id;
    perform pg_catalog.set_config('astapa.lookup_client_id', '', true);
    return found_client;
  end
  $function$;
comment on function api.authorization_client(text) is 'For /auth/login: the project a client id names (id, name, mode, redirect URIs, settings) or null. Security definer because no project is known yet; it sees only that one project, through the owner-only policy "definer functions find the project a client id names", and refuses to run once a project is set.';
grant execute on function api.authorization_client(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.billing_account(project_id text, user_id bigint, now timestamp with time zone DEFAULT now())
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    who_email text;
    current astapa.subscriptions;
    next_plan astapa.plans;
  begin
    select u.email into who_email from astapa.users as u
    where u.project_id = billing_account.project_id and u.id = billing_account.user_id and not u.disabled;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    select * into current from astapa.subscriptions as s
    where s.project_id = billing_account.project_id and s.user_id = billing_account.user_id and s.ended_at is null;
    -- What the next renewal charges: the plan the period renews into (a scheduled change's), at its price today.
    if current.id is not null and current.status = 'active' and current.paid_through is not null then
      select * into next_plan from astapa.plans as p
      where p.project_id = current.project_id and p.key = astapa.next_period_plan(current)
        and p.archived_at is null and p.price_idr > 0 and p.interval in ('month', 'year');
    end if;
    return pg_catalog.jsonb_build_object(
      'sub', user_id::text,
      'email', who_email,
      'plan', astapa.plan_json(project_id, astapa.user_plan(project_id, user_id)),
      'subscription', case when current.id is not null then astapa.subscription_json(current) end,
      'next_renewal', case when next_plan.key is not null then pg_catalog.jsonb_build_object(
        'at', current.paid_through, 'plan', next_plan.key, 'plan_name', next_plan.name,
        'amount', next_plan.price_idr, 'interval', next_plan.interval) end,
      'open_change', (select astapa.plan_change_json(c) from astapa.plan_changes as c
                      where c.project_id = billing_account.project_id and c.user_id = billing_account.user_id
                        and c.status in ('awaiting_payment', 'scheduled')
                      order by c.id desc limit 1),
      -- Pay links still usable: a renewal, a trial's first period or an upgrade waiting for its payment.
      'open_checkouts', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                 'checkout_id', k.public_id, 'plan', k.plan_key, 'amount', k.amount, 'status', k.status,
                 'period_start', k.period_start, 'expires_at', k.expires_at) order by k.id desc)
        from astapa.checkouts as k
        where k.project_id = billing_account.project_id and k.user_id = billing_account.user_id
          and k.status in ('open', 'pending') and k.expires_at > billing_account.now), '[]'),
      -- Linked e-wallets (automatic renewal) and the channels this project lets a customer link.
      'linked_methods', api.list_linked_methods(billing_account.project_id, billing_account.user_id),
      'linkable_channels', (
        select case when coalesce((p.settings #>> '{linked_methods,enabled}')::boolean, false) is not true
                    then '[]'::jsonb else pg_catalog.to_jsonb(array['OVO', 'DANA']
          || case when coalesce((p.settings #>> '{linked_methods,shopeepay}')::boolean, false)
                  then array['SHOPEEPAY'] else array[]::text[] end
          || case when coalesce((p.settings #>> '{linked_methods,gopay_recurring}')::boolean, false)
                  then array['GOPAY'] else array[]::text[] end) end
        from astapa.projects as p where p.id = billing_account.project_id),
      'payments', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                 'receipt_id', r.public_id, 'number', r.number, 'issued_at', r.issued_at,
                 'plan', r.plan_key, 'plan_name', r.plan_name, 'period_start', r.period_start,
                 'period_end', r.period_end, 'method', r.method, 'bank', r.bank, 'amount', r.amount,
                 'coupon_code', r.coupon_code, 'discount_idr', r.discount_idr,
                 'refunded_idr', astapa.refunded_amount(r.project_id, r.payment_id),
                 'refunds', coalesce((
                   select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                            'refund_id', f.public_id, 'amount', f.amount, 'status', f.status,
                            'created_at', f.created_at, 'succeeded_at', f.succeeded_at) order by f.id)
                   from astapa.refunds as f
                   where f.project_id = r.project_id and f.payment_id = r.payment_id), '[]'))
               order by r.id desc)
        from (select * from astapa.receipts as x
              where x.project_id = billing_account.project_id and x.user_id = billing_account.user_id
              order by x.id desc limit 100) as r), '[]'),
      'trials', coalesce((
        select pg_catalog.jsonb_agg(t.plan_key order by t.started_at)
        from astapa.trials as t
        where t.project_id = billing_account.project_id and t.user_id = billing_account.user_id), '[]'),
      'plans', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                 'key', p.key, 'name', p.name, 'description', p.description, 'price_idr', p.price_idr,
                 'interval', p.interval, 'trial_days', p.trial_days) order by p.sort_order, p.price_idr, p.key)
        from astapa.plans as p
        -- Team plans are an organization's (its own portal): never offered to a person here.
        where p.project_id = billing_account.project_id and p.archived_at is null and p.price_idr > 0
          and p.seat_pricing is null), '[]'));
  end
  $function$;
comment on function api.billing_account(text,bigint,timestamp with time zone) is 'One user''s billing as the customer portal shows it: their plan, current subscription, next renewal (date, plan and list price), open plan change, unpaid checkouts still open at now, their receipts (newest 100) with what was refunded and each refund''s status, their linked e-wallets (active or waiting) and the channels the project lets them link, the plans they had a trial of, and the paid personal plans on offer (no team plans). Only this user''s rows: the caller names the user from a session. AS404 unknown or disabled user.';
grant execute on function api.billing_account(text,bigint,timestamp with time zone) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.cancel_organization_plan(project_id text, organization_id text, sub text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
  begin
    if o.project_id is distinct from cancel_organization_plan.project_id then
      raise exception using errcode = 'AS404', message = 'This organization was not found in this project.';
    end if;
    perform astapa.organization_plan_actor(o, sub, 'cancel');
    if o.plan_key is null or o.plan_paid_through is null or o.plan_paid_through <= pg_catalog.now() then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        '%s has no running paid team plan to cancel.', o.name);
    end if;
    if o.plan_canceled_at is null then
      update astapa.organizations as x set plan_canceled_at = pg_catalog.now(), updated_at = pg_catalog.now()
      where x.project_id = o.project_id and x.id = o.id
      returning * into o;
      perform astapa.emit_event(o.project_id, 'organization.updated',
        pg_catalog.jsonb_build_object('organization', astapa.organization_json(o)));
      perform astapa.audit(o.project_id, 'organization.plan_canceled', o.id, pg_catalog.jsonb_build_object(
        'plan', o.plan_key, 'ends_at', o.plan_paid_through, 'by', coalesce(sub, 'app')));
    end if;
    return astapa.organization_json(o);
  end
  $function$;
comment on function api.cancel_organization_plan(text,text,text) is 'Cancels an organization''s paid team plan at the end of its period (no renewal; the renewal pass then takes it away); sub: the owner or admin asking, null for the app. Repeating it changes nothing. AS403 sub no owner or admin; AS404 unknown organization; AS409 no running paid team plan.';
grant execute on function api.cancel_organization_plan(text,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.cancel_plan_change(project_id text, user_id bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    canceled_id bigint;
    canceled astapa.plan_changes;
  begin
    perform from astapa.users as u
    where u.project_id = cancel_plan_change.project_id and u.id = cancel_plan_change.user_id
    for no key update;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    canceled_id := astapa.close_open_plan_change(project_id, user_id);
    -- A new statement, so the row is read as the cancel left it.
    select * into canceled from astapa.plan_changes as c
    where c.project_id = cancel_plan_change.project_id and c.id = canceled_id;
    if not found then
      raise exception using errcode = 'AS409', message = 'There is no open plan change to cancel.';
    end if;
    perform astapa.audit(project_id, 'subscription.plan_change_cancel', 'user:' || user_id,
      pg_catalog.jsonb_build_object('to_plan', canceled.to_plan));
    perform astapa.emit_event(project_id, 'subscription.plan_change', pg_catalog.jsonb_build_object(
      'change', astapa.plan_change_json(canceled)));
    return astapa.plan_change_json(canceled);
  end
  $function$;
comment on function api.cancel_plan_change(text,bigint) is 'Withdraws a user''s open plan change (a scheduled one, or an upgrade not yet being paid). AS404 unknown user; AS409 nothing open, or its charge under way.';
grant execute on function api.cancel_plan_change(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.cancel_subscription(project_id text, user_id bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    s astapa.subscriptions;
  begin
    perform from astapa.users as u
    where u.project_id = cancel_subscription.project_id and u.id = cancel_subscription.user_id
    for no key update;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    select * into s from astapa.subscriptions as s2
    where s2.project_id = cancel_subscription.project_id and s2.user_id = cancel_subscription.user_id
      and s2.ended_at is null
    for update;
    if s.id is null or s.paid_through is null or s.status not in ('active', 'past_due', 'canceled') then
      raise exception using errcode = 'AS409', message = 'There is no paid subscription to cancel.';
    end if;
    if s.status = 'canceled' then
      return astapa.subscription_json(s);
    end if;
    update astapa.subscriptions as s2 set status = 'canceled',
      current_period_end = greatest(s2.paid_through, s2.current_period_start + interval '1 second')
    where s2.project_id = s.project_id and s2.id = s.id
    returning * into s;
    perform astapa.audit(project_id, 'subscription.cancel', 'user:' || user_id,
      pg_catalog.jsonb_build_object('plan', s.plan_key, 'ends_at', s.current_period_end));
    perform astapa.emit_event(project_id, 'subscription.updated', pg_catalog.jsonb_build_object(
      'subscription', astapa.subscription_json(s), 'previous_plan', s.plan_key));
    return astapa.subscription_json(s);
  end
  $function$;
comment on function api.cancel_subscription(text,bigint) is 'Cancels a paid subscription at the end of what is paid (status canceled, current_period_end = paid_through): the plan stays until then, no renewal is opened, then the renewal pass ends it. Again: no-op. AS404 unknown user; AS409 nothing paid to cancel.';
grant execute on function api.cancel_subscription(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.change_plan(project_id text, user_id bigint, plan_key text, xendit_account text, success_url text DEFAULT NULL::text, now timestamp with time zone DEFAULT now())
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project_mode text;
    current astapa.subscriptions;
    from_plan astapa.plans;
    to_plan astapa.plans;
    open_change astapa.plan_changes;
    change astapa.plan_changes;
    left_seconds numeric;
    period_seconds numeric;
    credit bigint := 0;
    list_amount bigint := 0;
    amount bigint := 0;
    change_kind text;
    new_period_end timestamptz;
    checkout astapa.checkouts;
  begin
    if now is null then
      raise exception using errcode = 'AS400', message = 'A plan change needs the time it happens at (now).';
    end if;
    if xendit_account is not null and xendit_account not in ('project', 'deployment', 'simulator') then
      raise exception using errcode = 'AS400', message = 'xendit_account must be project, deployment or simulator.';
    end if;
    -- The user's row lock serialises a user's plan changes: of two at once, the second sees the first's row.
    select p.mode into project_mode
    from astapa.users as u join astapa.projects as p on p.id = u.project_id
    where u.project_id = change_plan.project_id and u.id = change_plan.user_id and not u.disabled
      and u.environment = p.mode
    for no key update of u;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    -- The one rule for links Astapa follows on the app's behalf (astapa.is_app_url, like api.create_checkout).
    if success_url is not null and not astapa.is_app_url(change_plan.project_id, change_plan.success_url) then
      raise exception using errcode = 'AS400',
        detail = '{"success_url": ["Must be on the origin of one of the project''s redirect URIs."]}',
        message = 'success_url must be on the origin of one of the project''s redirect URIs.';
    end if;
    -- A team plan is an organization's (api.create_organization_checkout): never a person's, not even as an
    -- upgrade, which opens its own checkout and so would bypass api.create_checkout's refusal. The shared lock
    -- keeps api.set_plan_seats from making the plan a team plan while this change is scheduled into it.
    perform from astapa.plans as p
    where p.project_id = change_plan.project_id and p.key = change_plan.plan_key
    for share;
    if exists (select from astapa.plans as p
               where p.project_id = change_plan.project_id and p.key = change_plan.plan_key
                 and p.seat_pricing is not null) then
      raise exception using errcode = 'AS400', detail = '{"plan": ["A team plan: buy it for an organization."]}',
        message = pg_catalog.format('Plan %s is a team plan: buy it for an organization.', plan_key);
    end if;
    select * into current from astapa.subscriptions as s
    where s.project_id = change_plan.project_id and s.user_id = change_plan.user_id and s.ended_at is null;
    select * into from_plan from astapa.plans as p
    where p.project_id = change_plan.project_id and p.key = current.plan_key;
    if current.id is null or current.status <> 'active' or current.paid_through is null
       or current.paid_through <= now or from_plan.price_idr < 1 or from_plan.interval not in ('month', 'year') then
      raise exception using errcode = 'AS409',
        message = 'There is no running paid subscription to change: open a checkout for the plan instead.';
    end if;
    select * into to_plan from astapa.plans as p
    where p.project_id = change_plan.project_id and p.key = change_plan.plan_key and p.archived_at is null;
    if not found or to_plan.price_idr < 1 or to_plan.interval not in ('month', 'year') then
      raise exception using errcode = 'AS400', detail = '{"plan": ["No such paid monthly or yearly plan."]}',
        message = pg_catalog.format('There is no paid monthly or yearly plan %s to change to.', plan_key);
    end if;
    if to_plan.key = from_plan.key then
      raise exception using errcode = 'AS409', message = pg_catalog.format('The user already has plan %s.', to_plan.key);
    end if;
    select * into open_change from astapa.plan_changes as c
    where c.project_id = change_plan.project_id and c.user_id = change_plan.user_id
      and c.status in ('awaiting_payment', 'scheduled');
    -- Asking again for the change that is already open answers it (a double click, a retried request).
    if open_change.id is not null and open_change.to_plan = to_plan.key then
      return pg_catalog.jsonb_build_object('change', astapa.plan_change_json(open_change),
        'checkout', (select astapa.checkout_json(k) from astapa.checkouts as k
                     where k.project_id = open_change.project_id and k.plan_change_id = open_change.id
                     order by k.id desc limit 1));
    end if;
    perform astapa.close_open_plan_change(project_id, user_id);
    -- The unused share of the current period, by time (exact numerics: amounts are multiplied before dividing).
    period_seconds := greatest(extract(epoch from current.paid_through - current.current_period_start), 1);
    left_seconds := least(greatest(extract(epoch from current.paid_through - now), 0), period_seconds);
    if to_plan.interval = from_plan.interval and to_plan.price_idr > from_plan.price_idr then
      -- Same interval, dearer: the difference for the rest of the period, rounded up; the period stays.
      change_kind := 'upgrade';
      list_amount := pg_catalog.ceil((to_plan.price_idr - from_plan.price_idr) * left_seconds / period_seconds)::bigint;
      amount := list_amount;
      new_period_end := current.paid_through;
    elsif from_plan.interval = 'month' and to_plan.interval = 'year'
          and to_plan.price_idr > pg_catalog.floor(from_plan.price_idr * left_seconds / period_seconds) then
      -- Monthly → yearly: a new year from payment, less what is left of the month.
      change_kind := 'upgrade';
      list_amount := to_plan.price_idr;
      credit := pg_catalog.floor(from_plan.price_idr * left_seconds / period_seconds)::bigint;
      amount := list_amount - credit;
    else
      -- Cheaper, the same price, or yearly → monthly: from the period end, when its renewal is paid.
      change_kind := 'scheduled';
    end if;
    if change_kind = 'upgrade' and amount < 1 then
      -- Nothing left to charge (the period is all but over): the new plan waits for the period end instead.
      change_kind := 'scheduled';
    end if;
    if change_kind = 'upgrade' and xendit_account is null then
      raise exception using errcode = 'AS409', message = 'This project cannot take payments, so it cannot charge an upgrade.';
    end if;
    insert into astapa.plan_changes (project_id, user_id, from_plan, to_plan, kind, status, list_amount, credit_idr,
                                     amount_idr, period_end, effective_at)
    values (project_id, user_id, from_plan.key, to_plan.key, change_kind,
            case change_kind when 'upgrade' then 'awaiting_payment' else 'scheduled' end,
            case change_kind when 'upgrade' then list_amount else 0 end,
            case change_kind when 'upgrade' then credit else 0 end,
            case change_kind when 'upgrade' then amount else 0 end,
            new_period_end, case change_kind when 'scheduled' then current.paid_through end)
    returning * into change;
    if change_kind = 'upgrade' then
      insert into astapa.checkouts (project_id, user_id, plan_key, amount, xendit_account, environment, success_url,
                                    expires_at, plan_change_id)
      values (project_id, user_id, to_plan.key, amount, xendit_account, project_mode, success_url,
              least(pg_catalog.now() + interval '1 day', current.paid_through), change.id)
      returning * into checkout;
    else
      -- A renewal already opened for the old plan is replaced by one for the new plan on the next pass.
      perform astapa.expire_open_renewal_checkouts(project_id, user_id);
    end if;
    perform astapa.audit(project_id, 'subscription.plan_change', 'user:' || user_id,
      pg_catalog.jsonb_build_object('from_plan', from_plan.key, 'to_plan', to_plan.key, 'kind', change_kind,
                                    'amount_idr', change.amount_idr));
    perform astapa.emit_event(project_id, 'subscription.plan_change', pg_catalog.jsonb_build_object(
      'change', astapa.plan_change_json(change)));
    return pg_catalog.jsonb_build_object('change', astapa.plan_change_json(change),
      'checkout', case when checkout.id is not null then astapa.checkout_json(checkout) end);
  end
  $function$;
comment on function api.change_plan(text,bigint,text,text,text,timestamp with time zone) is 'Changes a paying user''s plan at `now`. Dearer on the same interval: an upgrade checkout for the prorated difference (rounded up), applied when paid, period unchanged. Monthly → yearly: a checkout for the year less the unused month, a new year from payment. Cheaper or yearly → monthly: scheduled for the period end. One open change per user (asking again for it answers it; another replaces it unless its charge is under way). AS400 unknown/free/one-time plan or a team plan (an organization''s); AS404 unknown user; AS409 no running paid subscription, the same plan, a charge under way, or an upgrade without payments configured.';
grant execute on function api.change_plan(text,bigint,text,text,text,timestamp with time zone) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.check_authorization_target(scope text, resource text)
 RETURNS void
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select astapa.assert_grant_target(scope, resource)
  $function$;
comment on function api.check_authorization_target(text,text) is 'The authorization request''s check, before anyone signs in: see astapa.assert_grant_target.';
grant execute on function api.check_authorization_target(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.check_phone_code(token_hash bytea, code_hash bytea)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    settings jsonb := astapa.phone_settings(project);
    pending astapa.phone_codes;
    found_user record;
    new_id bigint;
  begin
    -- The row lock makes two instances given the same code take turns: only one accepts it.
    -- A code that adds a number to an account (user_id set) never signs anyone in.
    select * into pending from astapa.phone_codes c
    where c.project_id = project and c.token_hash = check_phone_code.token_hash and c.purpose = 'sign_in'
    for update;
    if not found or pending.used_at is not null or pending.expires_at <= pg_catalog.now()
       or pending.attempts >= 5 then
      return pg_catalog.jsonb_build_object('accepted', false, 'expired', true);
    end if;
    if pending.code_hash <> check_phone_code.code_hash then
      update astapa.phone_codes c set attempts = c.attempts + 1
      where c.project_id = project and c.token_hash = check_phone_code.token_hash;
      perform astapa.audit(project, 'sign_in.phone_failed', 'phone:' || pending.phone_number,
        pg_catalog.jsonb_build_object('address', pending.address));
      return pg_catalog.jsonb_build_object('accepted', false, 'expired', pending.attempts + 1 >= 5,
        'attempts_left', 4 - pending.attempts);
    end if;
    update astapa.phone_codes c set used_at = pg_catalog.now()
    where c.project_id = project and c.token_hash = check_phone_code.token_hash;

    select u.id, u.disabled into found_user from astapa.users u
    where u.project_id = project and u.environment = settings ->> 'mode'
      and u.phone_number = pending.phone_number;
    if found then
      if found_user.disabled then
        return pg_catalog.jsonb_build_object('accepted', false, 'disabled', true);
      end if;
      update astapa.users u set phone_number_verified = true
      where u.project_id = project and u.id = found_user.id and not u.phone_number_verified;
      return pg_catalog.jsonb_build_object('accepted', true, 'user_id', found_user.id::text, 'created', false,
        'channel', pending.channel);
    end if;
    if not (settings ->> 'signup')::boolean then
      return pg_catalog.jsonb_build_object('accepted', true, 'user_id', null, 'channel', pending.channel);
    end if;
    -- As api.create_user: an id clash (same millisecond, same random bits) draws again; two first sign-ins of
    -- one number at once meet the unique index, and the second signs in to the first's account.
    for attempt in 1..5 loop
      begin
        insert into astapa.users (project_id, phone_number, phone_number_verified, environment)
        values (project, pending.phone_number, true, settings ->> 'mode')
        returning id into new_id;
        exit;
      exception when unique_violation then
        select u.id into new_id from astapa.users u
        where u.project_id = project and u.environment = settings ->> 'mode'
          and u.phone_number = pending.phone_number;
        exit when new_id is not null;
        if attempt = 5 then
          raise;
        end if;
      end;
    end loop;
    perform astapa.audit(project, 'user.create', 'user:' || new_id,
      pg_catalog.jsonb_build_object('environment', settings ->> 'mode', 'method', 'phone'));
    return pg_catalog.jsonb_build_object('accepted', true, 'user_id', new_id::text, 'created', true,
      'channel', pending.channel);
  end
  $function$;
comment on function api.check_phone_code(bytea,bytea) is 'Checks a code against the pending one the browser''s token names, once: a wrong code uses one of five attempts (audited sign_in.phone_failed); the right one is spent and signs in the user with that verified number (marking it verified), or creates one with only the phone when settings.phone.signup allows. {accepted, user_id, created, channel}; {accepted: false, expired} when dead; {accepted: false, disabled}.';
grant execute on function api.check_phone_code(bytea,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.checkout_account(checkout_id text)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    found_checkout astapa.checkouts;
  begin
    -- Only for requests that act for no project yet (the webhook); it reveals the owner of one checkout id.
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'checkout_account runs outside any project.';
    end if;
    if checkout_id is null or checkout_id !~ '^chk_[a-z2-7]{24}$' then
      return null;
    end if;
    perform pg_catalog.set_config('astapa.lookup_checkout', checkout_id, true);
    select * into found_checkout from astapa.checkouts as c where c.public_id = checkout_id;
    perform pg_catalog.set_config('astapa.lookup_checkout', '', true);
    if found_checkout.project_id is null then
      return null;
    end if;
    return pg_catalog.jsonb_build_object('project_id', found_checkout.project_id,
      'xendit_account', found_checkout.xendit_account, 'environment', found_checkout.environment);
  end
  $function$;
comment on function api.checkout_account(text) is 'Definer: a Xendit callback names a checkout but no project. Returns the checkout''s project, whose keys made its charges and its environment — nothing else — so the webhook can check the right callback token. Runs only without a project set (AS403 otherwise).';
grant execute on function api.checkout_account(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.claim_mail(batch integer DEFAULT 20)
 RETURNS SETOF astapa.mail_outbox
 LANGUAGE sql
 SET search_path TO ''
AS $function$
    -- SKIP LOCKED: senders in several instances share the work without sending a message twice.
    update astapa.mail_outbox m
    set attempts = m.attempts + 1,
        next_attempt_at = pg_catalog.now() + pg_catalog.make_interval(secs => least(3600, 30 * power(2, m.attempts)))
    where (m.project_id, m.id) in (
      select o.project_id, o.id from astapa.mail_outbox o
      where o.project_id = astapa.current_project_id() and o.sent_at is null
        and o.next_attempt_at <= pg_catalog.now() and o.attempts < 8
      order by o.id limit batch
      for update skip locked)
    returning m.*
  $function$;
comment on function api.claim_mail(integer) is 'Claims due mail of the current project for one delivery attempt (the next attempt backs off: 30 s, 1 min, …, 1 h; 8 attempts at most).';
grant execute on function api.claim_mail(integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.claim_stale_payments(project_id text, now timestamp with time zone, older_than_seconds integer, max_rows integer DEFAULT 50)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    claimed jsonb;
  begin
    if now is null or older_than_seconds is null or older_than_seconds < 0 then
      raise exception using errcode = 'AS400', message = 'Reconciliation needs now and a non-negative age in seconds.';
    end if;
    -- Claiming stamps checked_at, so each stale charge is asked about once per period by one instance.
    with stale as (
      select y.id from astapa.payments as y
      join astapa.checkouts as c on c.project_id = y.project_id and c.id = y.checkout_id
      where y.project_id = claim_stale_payments.project_id and y.status = 'pending'
        and c.status in ('open', 'pending')
        and y.created_at <= now - pg_catalog.make_interval(secs => older_than_seconds)
        and (y.checked_at is null or y.checked_at <= now - pg_catalog.make_interval(secs => older_than_seconds))
      order by y.id
      for update of y skip locked
      limit least(greatest(max_rows, 1), 500)),
    stamped as (
      update astapa.payments as y set checked_at = now
      from stale where y.project_id = claim_stale_payments.project_id and y.id = stale.id
      returning y.*)
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'checkout_id', c.public_id, 'kind', st.kind, 'provider_id', st.provider_id, 'method', st.method,
        'amount', st.amount, 'xendit_account', c.xendit_account, 'environment', c.environment) order by st.id), '[]')
      into claimed
    from stamped as st
    join astapa.checkouts as c on c.project_id = st.project_id and c.id = st.checkout_id;
    return claimed;
  end
  $function$;
comment on function api.claim_stale_payments(text,timestamp with time zone,integer,integer) is 'Pending charges of unpaid checkouts older than older_than_seconds and not checked within that time (FOR UPDATE SKIP LOCKED, at most max_rows): stamps checked_at = now and returns what is needed to ask Xendit. AS400 without now or with a negative age.';
grant execute on function api.claim_stale_payments(text,timestamp with time zone,integer,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.claim_stale_refunds(project_id text, now timestamp with time zone, older_than_seconds integer, max_rows integer DEFAULT 50)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    claimed jsonb;
  begin
    if now is null or older_than_seconds is null or older_than_seconds < 0 then
      raise exception using errcode = 'AS400', message = 'Reconciliation needs now and a non-negative age in seconds.';
    end if;
    -- Claiming stamps checked_at, so each stale refund is asked about once per period by one instance.
    with stale as (
      select r.id from astapa.refunds as r
      where r.project_id = claim_stale_refunds.project_id and r.status in ('requested', 'pending')
        and r.created_at <= now - pg_catalog.make_interval(secs => older_than_seconds)
        and (r.checked_at is null or r.checked_at <= now - pg_catalog.make_interval(secs => older_than_seconds))
      order by r.id
      for update skip locked
      limit least(greatest(max_rows, 1), 500)),
    stamped as (
      update astapa.refunds as r set checked_at = now
      from stale where r.project_id = claim_stale_refunds.project_id and r.id = stale.id
      returning r.*)
    select coalesce(pg_catalog.jsonb_agg(astapa.refund_json(st) order by st.id), '[]') into claimed
    from stamped as st;
    return claimed;
  end
  $function$;
comment on function api.claim_stale_refunds(text,timestamp with time zone,integer,integer) is 'Refunds still requested (Xendit never answered) or pending (no callback yet) older than older_than_seconds and not checked within that time (FOR UPDATE SKIP LOCKED, at most max_rows): stamps checked_at = now and returns them as refund_json, for the billing pass to ask Xendit. AS400 without now or with a negative age.';
grant execute on function api.claim_stale_refunds(text,timestamp with time zone,integer,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.claim_webhook_deliveries(project_id text, max_deliveries integer DEFAULT 20, lease_seconds integer DEFAULT 60)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    result jsonb;
  begin
    if max_deliveries not between 1 and 1000 or lease_seconds not between 1 and 3600 then
      raise exception using errcode = 'AS400', message = 'Claim 1 to 1000 deliveries for a lease of 1 to 3600 seconds.';
    end if;
    with due as (
        select d.id from astapa.webhook_deliveries as d
        join astapa.webhook_endpoints as e on e.project_id = d.project_id
        where d.project_id = claim_webhook_deliveries.project_id
          and ((d.status = 'pending' and d.next_attempt_at <= pg_catalog.now())
               or (d.status = 'sending' and d.lease_until <= pg_catalog.now()))
        order by d.next_attempt_at, d.id
        limit max_deliveries
        -- Another worker's claims are skipped, not waited for: each row goes to exactly one worker at a time.
        for update of d skip locked),
      claimed as (
        update astapa.webhook_deliveries as d
        set status = 'sending', attempts = d.attempts + 1, last_attempt_at = pg_catalog.now(),
            lease_until = pg_catalog.now() + pg_catalog.make_interval(secs => lease_seconds)
        from due
        where d.project_id = claim_webhook_deliveries.project_id and d.id = due.id
        returning d.id, d.event_id, d.attempts)
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'delivery_id', c.id::text, 'attempt', c.attempts, 'url', e.url,
        'secret_sealed', pg_catalog.encode(e.secret_sealed, 'base64'),
        'event', pg_catalog.jsonb_build_object('id', ev.public_id, 'type', ev.type, 'created_at', ev.created_at,
                                               'project_id', ev.project_id, 'data', ev.data)) order by c.id), '[]')
      into result
      from claimed as c
      join astapa.events as ev on ev.project_id = claim_webhook_deliveries.project_id and ev.id = c.event_id
      join astapa.webhook_endpoints as e on e.project_id = claim_webhook_deliveries.project_id;
    return result;
  end
  $function$;
comment on function api.claim_webhook_deliveries(text,integer,integer) is 'Claims up to max_deliveries due deliveries of the project (pending and due, or sending with an expired lease) for lease_seconds, counting an attempt each; returns what to send: event, url, sealed secret, attempt.';
grant execute on function api.claim_webhook_deliveries(text,integer,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.client_credentials_grant(requested_scope text, resource text)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    settings jsonb;
    allowed_scopes text[];
    allowed_resources text[];
    granted text[];
  begin
    perform astapa.assert_grant_allowed('client_credentials');
    select p.settings into settings from astapa.projects p where p.id = astapa.current_project_id();
    if not found then
      raise exception 'no project is set for this transaction' using errcode = 'AS404';
    end if;
    allowed_scopes := coalesce(
      array(select pg_catalog.jsonb_array_elements_text(settings -> 'client_credentials_scopes')), '{}');
    allowed_resources := coalesce(array(select pg_catalog.jsonb_array_elements_text(settings -> 'resources')), '{}');
    -- No scope asked: grant everything the client may have (RFC 6749 §3.3 lets the server pick a default).
    -- Asked for more: grant the part the client may have, in the order asked (§3.3 lets the server narrow; the
    -- token response's scope then says what was granted). MCP clients ask for a resource's whole
    -- scopes_supported when its challenge names none. Nothing of what was asked is allowed: invalid_scope.
    granted := case when requested_scope is null then allowed_scopes else array(
      select x.s from pg_catalog.unnest(pg_catalog.string_to_array(requested_scope, ' ')) with ordinality as x(s, n)
      where x.s = any (allowed_scopes) order by x.n) end;
    if requested_scope is not null and pg_catalog.cardinality(granted) = 0 then
      raise exception 'none of the requested scopes is one this client may use' using errcode = 'AS4S0';
    end if;
    -- settings are free JSON: the resource must also be registered by this project, or settings could name
    -- another project's resource as this token's audience.
    if resource is not null and not (
      resource = any (allowed_resources)
      and exists (select from astapa.resources r
                  where r.project_id = astapa.current_project_id() and r.uri = client_credentials_grant.resource)) then
      raise exception 'the requested resource is not registered for this project' using errcode = 'AS4T0';
    end if;
    return pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'project_id', astapa.current_project_id(),
      'scope', nullif(pg_catalog.array_to_string(granted, ' '), ''),
      'resource', resource,
      'access_ttl', (select access_ttl from astapa.token_policy())));
  end
  $function$;
comment on function api.client_credentials_grant(text,text) is 'Decides a client_credentials grant for the current project''s own client: scope within settings client_credentials_scopes (all when none is asked, the allowed part of a wider request, invalid_scope when none of it is allowed), resource among settings resources and registered by the project (astapa.resources).';
grant execute on function api.client_credentials_grant(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.client_metadata_document(client_id text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    found_row astapa.client_metadata_documents;
  begin
    update astapa.client_metadata_documents d set last_used_at = pg_catalog.now()
    where d.client_id = client_metadata_document.client_id
    returning * into found_row;
    if found_row.client_id is null then
      return null;
    end if;
    return pg_catalog.jsonb_build_object(
      'document', found_row.document,
      'fresh', found_row.expires_at > pg_catalog.now(),
      'fetched_at', found_row.fetched_at,
      'expires_at', found_row.expires_at);
  end
  $function$;
comment on function api.client_metadata_document(text) is 'The cached metadata document of a URL client id as {document, fresh, fetched_at, expires_at} (fresh: not yet past expires_at), or null when none was fetched; marks it used.';
grant execute on function api.client_metadata_document(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.confirm_email_change(token_hash bytea, old_mail jsonb DEFAULT NULL::jsonb)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    change astapa.email_changes;
    old_email text;
  begin
    update astapa.email_changes e set used_at = pg_catalog.now()
    where e.project_id = project and e.token_hash = confirm_email_change.token_hash
      and e.used_at is null and e.expires_at > pg_catalog.now()
    returning * into change;
    if change.user_id is null then
      raise exception 'this email-change link is unknown, used or expired' using errcode = 'AS4G0';
    end if;
    select u.email into old_email from astapa.users u
    where u.project_id = project and u.id = change.user_id and u.deleted_at is null for no key update;
    if old_email is null then
      raise exception 'this email-change link is unknown, used or expired' using errcode = 'AS4G0';
    end if;
    -- Taken since the request (someone signed up with it): refused, never two users with one address.
    if exists (select from astapa.users u join astapa.projects p on p.id = u.project_id
               where u.project_id = project and u.environment = p.mode and u.id <> change.user_id
                 and u.email_lower = pg_catalog.lower(change.new_email)) then
      raise exception 'another account uses this address now' using errcode = 'AS409';
    end if;
    update astapa.users u set email = change.new_email, email_verified = true
    where u.project_id = project and u.id = change.user_id;
    perform astapa.audit(project, 'user.email_changed', 'user:' || change.user_id,
      pg_catalog.jsonb_build_object('by', 'user'));
    -- The old address is told, so a takeover through a stolen session does not go unnoticed.
    if old_mail is not null then
      perform api.queue_mail(project, old_mail || pg_catalog.jsonb_build_object('to', old_email));
    end if;
    return change.user_id;
  end
  $function$;
comment on function api.confirm_email_change(bytea,jsonb) is 'Uses an email-change link once: the new address (proven by the mailbox) replaces the old, verified; the old address gets old_mail. Audited user.email_changed. AS4G0 unknown, used or expired link; AS409 the address was taken meanwhile.';
grant execute on function api.confirm_email_change(bytea,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.consent_covers(user_id bigint, client_id text, resource text, scope text)
 RETURNS boolean
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select exists (
      select from astapa.consents c
      where c.project_id = astapa.current_project_id() and c.user_id = consent_covers.user_id
        and c.client_id = consent_covers.client_id and c.resource = consent_covers.resource
        and array(select s from pg_catalog.unnest(pg_catalog.string_to_array(coalesce(scope, ''), ' ')) s
                  where s <> '') <@ c.scopes)
  $function$;
comment on function api.consent_covers(bigint,text,text,text) is 'True when the person already allowed this client every scope asked for this resource: the hosted login then skips the consent page. New scopes (incremental consent) answer false.';
grant execute on function api.consent_covers(bigint,text,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.console_base_urls()
 RETURNS text[]
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    console_id text := (select d.console_project_id from astapa.deployment as d);
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403',
        message = 'The console''s addresses cannot be read while acting for another project.';
    end if;
    if console_id is null then
      return '{}'::text[];
    end if;
    -- Act for the console project (as api.ensure_console_project does) so RLS shows its row.
    perform pg_catalog.set_config('astapa.project_id', console_id, true);
    return array(
      select pg_catalog.left(u.uri, -pg_catalog.length('/dashboard/callback'))
      from astapa.projects as p, pg_catalog.unnest(p.redirect_uris) with ordinality as u(uri, n)
      where p.id = console_id and u.uri like '%/dashboard/callback'
      order by u.n);
  end
  $function$;
comment on function api.console_base_urls() is 'The base URLs servers of this deployment have booted with (from the console project''s dashboard callbacks), oldest first; empty before the first boot. Makes the transaction act for the console project; refused (AS403) while acting for another project.';
grant execute on function api.console_base_urls() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.consume_client_assertion(client_id text, jti text, expires_at timestamp with time zone)
 RETURNS boolean
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if client_id is null or jti is null or pg_catalog.length(jti) not between 1 and 200
       or expires_at is null or expires_at > pg_catalog.now() + interval '10 minutes' then
      raise exception 'a client assertion needs a jti of 1 to 200 characters and expires within 10 minutes'
        using errcode = 'AS400';
    end if;
    -- Sweeps a few expired entries on each call: the table stays as small as the assertions still alive.
    delete from astapa.client_assertion_jtis j
    where j.ctid in (select e.ctid from astapa.client_assertion_jtis e
                     where e.expires_at < pg_catalog.now() - interval '1 minute' limit 20);
    insert into astapa.client_assertion_jtis (client_id, jti, expires_at)
    values (consume_client_assertion.client_id, consume_client_assertion.jti,
            greatest(consume_client_assertion.expires_at, pg_catalog.now()))
    on conflict on constraint client_assertion_jtis_pkey do nothing;
    return found;
  end
  $function$;
comment on function api.consume_client_assertion(text,text,timestamp with time zone) is 'Records an accepted client assertion''s jti until it expires (at most 10 minutes ahead); false when the client already used that jti — a replay, refused on every instance (RFC 7523 §3 item 7).';
grant execute on function api.consume_client_assertion(text,text,timestamp with time zone) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.create_account(email text, password_hash text, password_reset_required boolean DEFAULT true)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    created jsonb;
  begin
    perform astapa.assert_email(pg_catalog.btrim(email));
    if password_hash is not null and password_hash !~ '^\$argon2id\$' then
      raise exception using errcode = 'AS400', message = 'Password hashes must be argon2id.';
    end if;
    begin
      insert into astapa.accounts as a (email, password_hash, password_reset_required)
      values (pg_catalog.btrim(email), password_hash, coalesce(password_reset_required, true))
      returning pg_catalog.jsonb_build_object('id', a.id::text, 'email', a.email,
        'password_reset_required', a.password_reset_required, 'created_at', a.created_at) into created;
    exception when unique_violation then
      raise exception using errcode = 'AS409', message = 'An account with this email already exists.';
    end;
    return created;
  end
  $function$;
comment on function api.create_account(text,text,boolean) is 'Creates a developer account (email unique in any case). password_hash is argon2id or null for an invite.';
grant execute on function api.create_account(text,text,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.create_checkout(project_id text, checkout jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    chosen astapa.plans;
    project_mode text;
    target_user bigint;
    url_field text;
    created astapa.checkouts;
  begin
    if pg_catalog.jsonb_typeof(checkout) is distinct from 'object' then
      raise exception using errcode = 'AS400', message = 'checkout must be a JSON object.';
    end if;
    select p.mode into project_mode from astapa.projects as p where p.id = create_checkout.project_id;
    if not found then
      raise exception using errcode = 'AS404', message = 'This project was not found.';
    end if;
    if coalesce(checkout ->> 'sub', '') !~ '^[0-9]{1,18}$' then
      raise exception using errcode = 'AS400', detail = '{"user": ["A user id (sub) is required."]}',
        message = 'user must be a user id (the sub).';
    end if;
    select u.id into target_user from astapa.users as u
    where u.project_id = create_checkout.project_id and u.id = (checkout ->> 'sub')::bigint and not u.disabled;
    if not found then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s was not found in this project.', checkout ->> 'sub');
    end if;
    -- Sandbox and production never mix: a sandbox user of a live project cannot sign in, nor pay.
    if exists (select from astapa.users as u
               where u.project_id = create_checkout.project_id and u.id = target_user
                 and u.environment <> project_mode) then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s belongs to the project''s other environment (it is in %s mode now).',
          checkout ->> 'sub', project_mode);
    end if;
    select * into chosen from astapa.plans as p
    where p.project_id = create_checkout.project_id and p.key = checkout ->> 'plan' and p.archived_at is null;
    if not found then
      raise exception using errcode = 'AS400', detail = '{"plan": ["No such plan, or it is archived."]}',
        message = pg_catalog.format('There is no plan %s to buy in this project.', checkout ->> 'plan');
    end if;
    if chosen.price_idr < 1 then
      raise exception using errcode = 'AS400', detail = '{"plan": ["This plan is free."]}',
        message = pg_catalog.format('Plan %s is free: there is nothing to pay.', chosen.key);
    elsif chosen.seat_pricing is not null and not checkout ? 'organization' then
      -- A team plan is bought for an organization (api.create_organization_checkout), never for oneself.
      raise exception using errcode = 'AS400', detail = '{"plan": ["A team plan: buy it for an organization."]}',
        message = pg_catalog.format('Plan %s is a team plan: buy it for an organization.', chosen.key);
    end if;
    -- Success and failure URLs may only lead back to an origin the project registered a redirect URI on: the
    -- one rule for links Astapa follows on the app's behalf (astapa.is_app_url). A field given as null is refused.
    foreach url_field in array array['success_url', 'failure_url'] loop
      if checkout ? url_field
         and not coalesce(astapa.is_app_url(create_checkout.project_id, checkout ->> url_field), false) then
        raise exception using errcode = 'AS400',
          detail = pg_catalog.jsonb_build_object(url_field, pg_catalog.jsonb_build_array(
            'Must be on the origin of one of the project''s redirect URIs.'))::text,
          message = pg_catalog.format('%s must be on the origin of one of the project''s redirect URIs.', url_field);
      end if;
    end loop;
    insert into astapa.checkouts (project_id, user_id, plan_key, amount, xendit_account, environment, period_start,
                                  success_url, failure_url, expires_at)
    values (project_id, target_user, chosen.key, chosen.price_idr, coalesce(checkout ->> 'xendit_account', 'simulator'),
            project_mode, (checkout ->> 'period_start')::timestamptz, checkout ->> 'success_url',
            checkout ->> 'failure_url',
            pg_catalog.now() + pg_catalog.make_interval(secs => coalesce((checkout ->> 'ttl_seconds')::integer, 86400)))
    returning * into created;
    -- A coupon passed by the API is redeemed now; a renewal keeps a repeating or forever one (db/api/coupons.sql).
    if checkout ? 'coupon' then
      created := astapa.redeem_coupon(created, checkout ->> 'coupon', pg_catalog.now());
    elsif created.period_start is not null then
      created := astapa.carry_coupon(created);
    end if;
    perform astapa.audit(project_id, 'checkout.create', 'user:' || target_user,
      pg_catalog.jsonb_build_object('checkout', created.public_id, 'plan', chosen.key, 'amount', created.amount));
    return astapa.checkout_json(created);
  end
  $function$;
comment on function api.create_checkout(text,jsonb) is 'Opens a checkout for {sub, plan, success_url?, failure_url?, xendit_account, period_start?, ttl_seconds?, coupon?}: the amount is the plan''s price less the coupon (a renewal keeps a repeating one); a team plan only with organization (set by api.create_organization_checkout). AS400 free/archived/unknown plan, a refused coupon or a URL off the registered origins (DETAIL names the field); AS404 unknown or disabled user, or a user of the environment the project is not in.';
grant execute on function api.create_checkout(text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.create_coupon(project_id text, coupon jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    created astapa.coupons;
    unknown_plan text;
  begin
    perform astapa.require_project(project_id);
    perform astapa.raise_problems(astapa.coupon_problems(coupon));
    select p.value into unknown_plan
    from pg_catalog.jsonb_array_elements_text(case when pg_catalog.jsonb_typeof(coupon -> 'plans') = 'array'
                                                   then coupon -> 'plans' else '[]' end) as p(value)
    where not exists (select from astapa.plans as pl where pl.project_id = create_coupon.project_id and pl.key = p.value)
    limit 1;
    if unknown_plan is not null then
      raise exception using errcode = 'AS400',
        detail = pg_catalog.jsonb_build_object('plans', pg_catalog.jsonb_build_array(
          pg_catalog.format('There is no plan %s in this project.', unknown_plan)))::text,
        message = pg_catalog.format('There is no plan %s in this project.', unknown_plan);
    end if;
    begin
      insert into astapa.coupons (project_id, code, percent_off, amount_off_idr, duration, duration_periods,
                                  max_redemptions, plan_keys, expires_at)
      values (project_id, pg_catalog.upper(coupon ->> 'code'), (coupon ->> 'percent_off')::integer,
              (coupon ->> 'amount_off_idr')::bigint, coalesce(coupon ->> 'duration', 'once'),
              (coupon ->> 'duration_periods')::integer, (coupon ->> 'max_redemptions')::integer,
              case when pg_catalog.jsonb_typeof(coupon -> 'plans') = 'array'
                   then array(select pg_catalog.jsonb_array_elements_text(coupon -> 'plans')) end,
              (coupon ->> 'expires_at')::timestamptz)
      returning * into created;
    exception when unique_violation then
      raise exception using errcode = 'AS409', detail = '{"code": ["A coupon with this code already exists."]}',
        message = pg_catalog.format('Coupon %s already exists in this project.', pg_catalog.upper(coupon ->> 'code'));
    end;
    perform astapa.audit(project_id, 'coupon.create', 'coupon:' || created.code, coupon);
    return astapa.coupon_json(created);
  end
  $function$;
comment on function api.create_coupon(text,jsonb) is 'Creates a coupon from {code, percent_off | amount_off_idr, duration?, duration_periods?, max_redemptions?, plans?, expires_at?} (code stored upper-case). AS400 per-field problems or an unknown plan; AS409 code taken.';
grant execute on function api.create_coupon(text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.create_machine_client(name text, secret_hash bytea, scopes text[] DEFAULT '{}'::text[], resources text[] DEFAULT '{}'::text[], access_token_ttl integer DEFAULT NULL::integer)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    new_id text := astapa.random_id('mcl_', 24);
    distinct_scopes text[] := array(select distinct s from pg_catalog.unnest(coalesce(scopes, '{}')) as s order by s);
    distinct_resources text[] := array(
      select distinct r from pg_catalog.unnest(coalesce(resources, '{}')) as r order by r);
  begin
    if astapa.current_project_id() is null then
      raise exception using errcode = 'AS404', message = 'No project is set for this transaction.';
    end if;
    if name is null then
      raise exception using errcode = 'AS400', message = 'A machine client name must be 1 to 100 characters.';
    end if;
    perform astapa.assert_secret_hash(secret_hash);
    perform astapa.assert_machine_client_fields(name, distinct_scopes, distinct_resources, access_token_ttl);
    insert into astapa.machine_clients (project_id, client_id, name, secret_hash, scopes, resources, access_token_ttl)
    values (astapa.current_project_id(), new_id, pg_catalog.btrim(name), secret_hash, distinct_scopes,
            distinct_resources, access_token_ttl);
    perform astapa.audit(astapa.current_project_id(), 'machine_client.create', new_id,
      pg_catalog.jsonb_build_object('name', pg_catalog.btrim(name), 'scopes', distinct_scopes,
                                    'resources', distinct_resources));
    return astapa.machine_client_json(new_id);
  end
  $function$;
comment on function api.create_machine_client(text,bytea,text[],text[],integer) is 'Creates an enabled machine client for the current project with declared scopes and registered resources.';
grant execute on function api.create_machine_client(text,bytea,text[],text[],integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.create_organization(name text, slug text, owner_user_id bigint DEFAULT NULL::bigint, metadata jsonb DEFAULT '{}'::jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    o astapa.organizations;
  begin
    if name is null or pg_catalog.length(pg_catalog.btrim(name)) not between 1 and 200 or name ~ '[[:cntrl:]]' then
      raise exception using errcode = 'AS400', message = 'name must be 1 to 200 characters.';
    elsif slug is null or slug !~ '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$' then
      raise exception using errcode = 'AS400',
        message = 'slug must be 1 to 64 characters of a-z, 0-9 and -, not starting or ending with -.';
    elsif pg_catalog.jsonb_typeof(coalesce(metadata, '{}')) <> 'object'
          or pg_catalog.octet_length(metadata::text) > 4096 then
      raise exception using errcode = 'AS400', message = 'metadata must be a JSON object of at most 4 KiB.';
    elsif exists (select from astapa.organizations x
                  where x.project_id = astapa.current_project_id() and x.slug = create_organization.slug) then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('Another organization of this project has the slug %s.', slug);
    end if;
    insert into astapa.organizations (project_id, id, name, slug, metadata)
    values (astapa.current_project_id(), astapa.random_id('org_', 24), pg_catalog.btrim(name), slug,
            coalesce(metadata, '{}'))
    returning * into o;
    perform astapa.emit_event(o.project_id, 'organization.created',
      pg_catalog.jsonb_build_object('organization', astapa.organization_json(o)));
    perform astapa.audit(o.project_id, 'organization.created', o.id, pg_catalog.jsonb_build_object('slug', o.slug));
    if owner_user_id is not null then
      perform astapa.add_membership(o, owner_user_id, 'owner', 'created');
    end if;
    return astapa.organization_json(o);
  end
  $function$;
comment on function api.create_organization(text,text,bigint,jsonb) is 'Creates an organization in the current project, with owner_user_id as its first owner when given; emitted (organization.created) and audited. AS400 bad name, slug or metadata; AS409 slug taken; AS404 unknown owner.';
grant execute on function api.create_organization(text,text,bigint,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.create_organization_checkout(project_id text, organization_id text, checkout jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    chosen astapa.plans;
    payer_role text;
    members integer;
    bought_seats integer;
    paid_seats integer;
    price_due bigint;
    period tstzrange;
    opened jsonb;
  begin
    if o.project_id is distinct from create_organization_checkout.project_id then
      raise exception using errcode = 'AS404', message = 'This organization was not found in this project.';
    elsif pg_catalog.jsonb_typeof(checkout) is distinct from 'object' then
      raise exception using errcode = 'AS400', message = 'checkout must be a JSON object.';
    elsif checkout ? 'coupon' or checkout ? 'period_start' then
      raise exception using errcode = 'AS400', message = 'A team plan checkout takes no coupon and no period_start.';
    end if;
    select * into chosen from astapa.plans as p
    where p.project_id = o.project_id and p.key = checkout ->> 'plan' and p.archived_at is null;
    if not found or chosen.seat_pricing is null then
      raise exception using errcode = 'AS400', detail = '{"plan": ["Not a team plan of this project."]}',
        message = pg_catalog.format('There is no team plan %s to buy for an organization in this project.',
          checkout ->> 'plan');
    end if;
    select m.role into payer_role from astapa.organization_memberships as m
    where m.project_id = o.project_id and m.organization_id = o.id
      and m.user_id::text = coalesce(checkout ->> 'sub', '');
    if payer_role is null or payer_role not in ('owner', 'admin') then
      raise exception using errcode = 'AS403',
        message = pg_catalog.format('Only an owner or admin of %s can pay for its plan.', o.name);
    end if;
    select count(*) into members from astapa.organization_memberships as m
    where m.project_id = o.project_id and m.organization_id = o.id;
    if chosen.seat_pricing = 'flat' then
      bought_seats := chosen.included_seats;
    elsif coalesce(checkout ->> 'seats', '') !~ '^[0-9]{1,6}$' or (checkout ->> 'seats')::integer not between 1 and 100000 then
      raise exception using errcode = 'AS400', detail = '{"seats": ["A whole number from 1 to 100000."]}',
        message = 'seats must be a whole number from 1 to 100000 for a plan priced per seat.';
    else
      bought_seats := (checkout ->> 'seats')::integer;
    end if;
    if checkout ? 'seats' and (checkout ->> 'seats') is distinct from bought_seats::text then
      raise exception using errcode = 'AS400', detail = '{"seats": ["A flat plan has its own seats."]}',
        message = pg_catalog.format('Plan %s comes with %s seats; it cannot be bought for another number.',
          chosen.key, bought_seats);
    elsif bought_seats < members then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        '%s has %s members, more than the %s seats of this checkout: buy more seats or remove members first.',
        o.name, members, bought_seats);
    end if;
    price_due := chosen.price_idr * case when chosen.seat_pricing = 'per_seat' then bought_seats else 1 end;
    -- More seats on the plan already paid for a running period: only the added seats, for the rest of it.
    if chosen.seat_pricing = 'per_seat' and o.plan_key = chosen.key and o.plan_paid_through > pg_catalog.now()
       and bought_seats > coalesce(astapa.organization_seat_limit(o), 0) and o.seat_limit is not null then
      paid_seats := astapa.organization_seat_limit(o);
      period := astapa.team_period(o.plan_paid_through, chosen.interval);
      price_due := pg_catalog.ceil(chosen.price_idr * (bought_seats - paid_seats)
        * pg_catalog.date_part('epoch', o.plan_paid_through - pg_catalog.now())
        / pg_catalog.date_part('epoch', pg_catalog.upper(period) - pg_catalog.lower(period)))::bigint;
    end if;
    opened := api.create_checkout(o.project_id, (checkout - 'seats')
      || pg_catalog.jsonb_build_object('plan', chosen.key, 'organization', o.id));
    update astapa.checkouts as c
    set organization_id = o.id, seats = bought_seats, seats_from = paid_seats, amount = greatest(price_due, 1),
        updated_at = pg_catalog.now()
    where c.project_id = o.project_id and c.public_id = opened ->> 'checkout_id';
    perform astapa.audit(o.project_id, 'organization.checkout', o.id, pg_catalog.jsonb_build_object(
      'checkout', opened ->> 'checkout_id', 'plan', chosen.key, 'seats', bought_seats, 'seats_from', paid_seats,
      'amount', greatest(price_due, 1), 'payer', checkout ->> 'sub'));
    return (select astapa.checkout_json(c) || pg_catalog.jsonb_build_object(
              'organization_id', c.organization_id, 'seats', c.seats, 'seats_from', c.seats_from)
            from astapa.checkouts as c where c.project_id = o.project_id and c.public_id = opened ->> 'checkout_id');
  end
  $function$;
comment on function api.create_organization_checkout(text,text,jsonb) is 'Opens a checkout of a team plan for an organization: {sub (an owner or admin, who pays), plan, seats (per seat; a flat plan has its own), success_url?, failure_url?, xendit_account}. Amount: price x seats (per seat) or price (flat); adding seats to the plan paid for a running period costs only the added seats for the rest of it. AS400 not a team plan, bad seats, a coupon; AS403 payer no owner or admin; AS404 unknown organization; AS409 fewer seats than members.';
grant execute on function api.create_organization_checkout(text,text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.create_plan(project_id text, plan jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    perform astapa.require_project(project_id);
    perform astapa.raise_problems(astapa.plan_problems(plan, true));
    if plan -> 'default' = 'true' then
      update astapa.plans as p set is_default = false, updated_at = pg_catalog.now()
      where p.project_id = create_plan.project_id and p.is_default;
    end if;
    begin
      insert into astapa.plans (project_id, key, name, description, price_idr, interval, claims, is_default,
                                sort_order, archived_at, trial_days)
      values (project_id, plan ->> 'key', pg_catalog.btrim(plan ->> 'name'), coalesce(plan ->> 'description', ''),
              coalesce((plan ->> 'price_idr')::bigint, 0), coalesce(plan ->> 'interval', 'month'),
              coalesce(plan -> 'claims', '{}'), coalesce((plan ->> 'default')::boolean, false),
              coalesce((plan ->> 'sort_order')::integer, 0),
              case when plan -> 'archived' = 'true' then pg_catalog.now() end,
              coalesce((plan ->> 'trial_days')::integer, 0));
    exception when unique_violation then
      raise exception using errcode = 'AS409', detail = '{"key": ["A plan with this key already exists."]}',
        message = pg_catalog.format('Plan %s already exists in this project.', plan ->> 'key');
    end;
    perform astapa.audit(project_id, 'plan.create', 'plan:' || (plan ->> 'key'), plan - 'description');
    return astapa.plan_json(project_id, plan ->> 'key');
  end
  $function$;
comment on function api.create_plan(text,jsonb) is 'Creates a plan from {key, name, description?, price_idr?, interval?, trial_days?, claims?, default?, sort_order?}; AS400 with per-field problems, AS409 when the key is taken. default: true moves the default to it.';
grant execute on function api.create_plan(text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.create_project(name text, redirect_uris text[], client_secret_hash bytea)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    new_id text := astapa.random_id('proj_', 16);
    uri text;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403',
        message = 'A project cannot be created while acting for another project.';
    end if;
    if name is null or pg_catalog.length(pg_catalog.btrim(name)) not between 1 and 100 then
      raise exception using errcode = 'AS400', message = 'A project name must be 1 to 100 characters.';
    end if;
    foreach uri in array coalesce(redirect_uris, '{}') loop
      perform astapa.assert_redirect_uri(uri);
    end loop;
    if not astapa.are_valid_redirect_uris(coalesce(redirect_uris, '{}')) then
      raise exception using errcode = 'AS400', message = 'Redirect URIs must be distinct, at most 50.';
    end if;
    perform astapa.assert_secret_hash(client_secret_hash);
    -- From here on the transaction acts for the new project (the insert policy checks exactly that).
    perform pg_catalog.set_config('astapa.project_id', new_id, true);
    insert into astapa.projects (id, name, client_id, client_secret_hash, redirect_uris)
    values (new_id, pg_catalog.btrim(name), astapa.random_id('cid_', 24), client_secret_hash,
            coalesce(redirect_uris, '{}'));
    perform astapa.audit(new_id, 'project.create', new_id,
      pg_catalog.jsonb_build_object('name', pg_catalog.btrim(name), 'redirect_uris', redirect_uris));
    return astapa.project_json(new_id);
  end
  $function$;
comment on function api.create_project(text,text[],bytea) is 'Creates a project in sandbox mode and makes the transaction act for it. Refused (AS403) while acting for another project.';
grant execute on function api.create_project(text,text[],bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.create_sandbox_account(key_hash bytea, callback_token_hash bytea, secret_key_sealed bytea, callback_token_sealed bytea)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if astapa.current_project_id() is null then
      raise exception using errcode = 'AS404', message = 'No project is set for this transaction.';
    end if;
    -- Two instances making the account at once: the first insert wins, both answer with it.
    insert into astapa.sandbox_accounts (project_id, key_hash, callback_token_hash, secret_key_sealed,
                                         callback_token_sealed)
    values (astapa.current_project_id(), key_hash, callback_token_hash, secret_key_sealed, callback_token_sealed)
    on conflict (project_id) do nothing;
    return api.sandbox_account();
  end
  $function$;
comment on function api.create_sandbox_account(bytea,bytea,bytea,bytea) is 'Gives the current project its simulator account unless it has one; answers the account it has.';
grant execute on function api.create_sandbox_account(bytea,bytea,bytea,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.create_user(project_id text, email text, password_hash text DEFAULT NULL::text, email_verified boolean DEFAULT false)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    mode text := astapa.require_project(project_id);
    new_id bigint;
  begin
    perform astapa.assert_email(pg_catalog.btrim(email));
    if password_hash is not null and password_hash !~ '^\$argon2id\$' then
      raise exception using errcode = 'AS400', message = 'Password hashes must be argon2id.';
    end if;
    begin
      new_id := astapa.insert_user(project_id, mode, pg_catalog.btrim(email), email_verified, password_hash);
    exception when unique_violation then
      raise exception using errcode = 'AS409', message = 'A user with this email already exists in this project.';
    end;
    perform astapa.audit(project_id, 'user.create', 'user:' || new_id, pg_catalog.jsonb_build_object('environment', mode));
    return astapa.user_json(project_id, new_id);
  end
  $function$;
comment on function api.create_user(text,text,text,boolean) is 'Creates a user in the project''s current environment; AS409 when the email (in any case) is taken there. The row is inserted by astapa.insert_user, which draws a clashing id again.';
grant execute on function api.create_user(text,text,text,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.current_subscription(project_id text, user_id bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    current astapa.subscriptions;
  begin
    if astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    select * into current from astapa.subscriptions as s
    where s.project_id = current_subscription.project_id and s.user_id = current_subscription.user_id
      and s.ended_at is null;
    return pg_catalog.jsonb_build_object(
      'plan', astapa.user_plan(project_id, user_id),
      'subscription', case when current.id is not null then astapa.subscription_json(current) end,
      'history', coalesce((
        select pg_catalog.jsonb_agg(astapa.subscription_json(s) order by s.id desc)
        from astapa.subscriptions as s
        where s.project_id = current_subscription.project_id and s.user_id = current_subscription.user_id
          and s.ended_at is not null), '[]'));
  end
  $function$;
comment on function api.current_subscription(text,bigint) is 'The plan a user''s tokens name now, their current subscription (null: the default plan applies) and earlier ones, newest first. AS404 unknown user.';
grant execute on function api.current_subscription(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.dashboard_session(session_hash bytea)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select astapa.account_json(s.account_id) || pg_catalog.jsonb_build_object('expires_at', s.expires_at)
    from astapa.dashboard_sessions as s
    where s.session_hash = dashboard_session.session_hash
      and s.ended_at is null and s.expires_at > pg_catalog.now()
  $function$;
comment on function api.dashboard_session(bytea) is 'The account a live dashboard session signs in (with the session''s expiry), or null.';
grant execute on function api.dashboard_session(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.decide_device_authorization(user_code text, user_id bigint, approve boolean)
 RETURNS boolean
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    request astapa.device_authorizations;
  begin
    select * into request from astapa.device_authorizations a
    where a.project_id = astapa.current_project_id() and a.user_code = decide_device_authorization.user_code
      and a.status = 'pending' and a.expires_at > pg_catalog.now()
    for update;
    if not found then
      return false;
    end if;
    if approve then
      perform astapa.assert_user_may_sign_in(user_id);
      -- Allowing a third-party client on /device is consent too (db/api/consents.sql); it marks it used.
      perform astapa.remember_consent(user_id, request.client_id, request.resource, request.scope);
    end if;
    update astapa.device_authorizations a
    set status = case when approve then 'approved' else 'denied' end,
        user_id = case when approve then decide_device_authorization.user_id end,
        auth_time = case when approve then pg_catalog.now() end,
        decided_at = pg_catalog.now()
    where a.project_id = request.project_id and a.device_code_hash = request.device_code_hash;
    perform astapa.audit(astapa.current_project_id(),
      case when approve then 'device_authorization.approved' else 'device_authorization.denied' end,
      request.client_id,
      pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('user_id', user_id::text,
        'scope', nullif(request.scope, ''), 'resource', request.resource)));
    return true;
  end
  $function$;
comment on function api.decide_device_authorization(text,bigint,boolean) is 'The signed-in person allows (approve) or denies the pending device authorization their user code names, in the current project; audited. False when it is no longer pending (decided, expired or unknown).';
grant execute on function api.decide_device_authorization(text,bigint,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.declare_scope(name text, description text DEFAULT ''::text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    declared astapa.scopes;
  begin
    if astapa.current_project_id() is null then
      raise exception using errcode = 'AS404', message = 'No project is set for this transaction.';
    end if;
    if name is null or not astapa.is_valid_scope_name(name) then
      raise exception using errcode = 'AS400', message = pg_catalog.format(
        'Scope %s is not allowed: use 1 to 100 printable ASCII characters without spaces, quotes or '
        'backslashes; openid, email, profile and offline_access are reserved.', coalesce(name, 'null'));
    end if;
    if pg_catalog.length(coalesce(description, '')) > 500 then
      raise exception using errcode = 'AS400', message = 'A scope description is at most 500 characters.';
    end if;
    insert into astapa.scopes as s (project_id, name, description)
    values (astapa.current_project_id(), name, coalesce(pg_catalog.btrim(description), ''))
    on conflict on constraint scopes_pkey do update set description = excluded.description
    returning * into declared;
    perform astapa.audit(declared.project_id, 'scope.declare', name);
    return pg_catalog.jsonb_build_object('name', declared.name, 'description', declared.description);
  end
  $function$;
comment on function api.declare_scope(text,text) is 'Declares a scope for the current project, or changes the description of one already declared.';
grant execute on function api.declare_scope(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.delete_machine_client(client_id text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    delete from astapa.machine_clients m
    where m.project_id = astapa.current_project_id() and m.client_id = delete_machine_client.client_id;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Machine client %s was not found.', client_id);
    end if;
    perform astapa.audit(astapa.current_project_id(), 'machine_client.delete', client_id);
  end
  $function$;
comment on function api.delete_machine_client(text) is 'Deletes a machine client of the current project (tokens already issued live out their short lifetime).';
grant execute on function api.delete_machine_client(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.delete_organization(organization_id text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
  begin
    -- Memberships, invitations and domains go with it (on delete cascade); tokens lose the claims at refresh.
    perform astapa.emit_event(o.project_id, 'organization.deleted',
      pg_catalog.jsonb_build_object('organization', astapa.organization_json(o)));
    perform astapa.audit(o.project_id, 'organization.deleted', o.id, pg_catalog.jsonb_build_object('slug', o.slug));
    delete from astapa.organizations x where x.project_id = o.project_id and x.id = o.id;
  end
  $function$;
comment on function api.delete_organization(text) is 'Deletes an organization with its memberships, invitations and domains; emitted and audited. AS404 unknown.';
grant execute on function api.delete_organization(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.delete_organization_role(key text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if key not in ('owner', 'admin', 'member') and exists (
        select from astapa.organization_memberships m where m.project_id = astapa.current_project_id() and m.role = key
        union all
        select from astapa.organization_invitations i where i.project_id = astapa.current_project_id() and i.role = key
          and i.accepted_at is null and i.revoked_at is null) then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        'Members or open invitations hold role %s: give them another role first.', key);
    end if;
    delete from astapa.organization_roles r where r.project_id = astapa.current_project_id() and r.key = delete_organization_role.key;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('This project defines no role %s.', key);
    end if;
    perform astapa.audit(astapa.current_project_id(), 'organization_role.deleted', key);
  end
  $function$;
comment on function api.delete_organization_role(text) is 'Removes a project-defined role (for a built-in one: its permissions); audited. AS409 while members or open invitations hold it, AS404 unknown.';
grant execute on function api.delete_organization_role(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.delete_own_account(session_hash bytea, typed_email text, fresh_seconds integer, mail jsonb DEFAULT NULL::jsonb)
 RETURNS boolean
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    person bigint := astapa.account_user(session_hash, fresh_seconds);
  begin
    -- The typed confirmation: the person's own address, in any case; someone without one (signed up by phone)
    -- types their number, spaces and dashes allowed.
    if not exists (select from astapa.users u where u.project_id = project and u.id = person
                   and (u.email_lower = pg_catalog.lower(pg_catalog.btrim(coalesce(typed_email, '')))
                        or (u.email is null and u.phone_number =
                              pg_catalog.regexp_replace(coalesce(typed_email, ''), '[[:space:]-]', '', 'g')))) then
      raise exception 'type your email address to confirm the deletion' using errcode = 'AS400';
    end if;
    -- The goodbye goes to the address before it is erased (someone without one gets none).
    if mail is not null and exists (select from astapa.users u
                                    where u.project_id = project and u.id = person and u.email is not null) then
      perform api.queue_mail(project, mail || pg_catalog.jsonb_build_object('to',
        (select u.email from astapa.users u where u.project_id = project and u.id = person)));
    end if;
    return astapa.erase_user(person);
  end
  $function$;
comment on function api.delete_own_account(bytea,text,integer,jsonb) is 'After a fresh sign-in and with their email typed as confirmation, the person deletes their own account (astapa.erase_user; the app hears user.deleted), told by mail first. AS400 the typed email does not match; AS4G0 no live session (a deleted account has none); AS403 not fresh.';
grant execute on function api.delete_own_account(bytea,text,integer,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.delete_project(project_id text, confirm_name text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    found record;
    live_payments bigint;
    ended jsonb;
  begin
    perform astapa.require_project(project_id);
    select p.name, p.mode, p.deleted_at into found
    from astapa.projects as p where p.id = delete_project.project_id for update;
    if exists (select from astapa.deployment as d where d.console_project_id = delete_project.project_id) then
      raise exception using errcode = 'AS403',
        message = 'The console project signs developers in to this deployment; it cannot be deleted.';
    end if;
    if found.deleted_at is not null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Project %s was deleted already.', project_id);
    end if;
    if confirm_name is null or pg_catalog.btrim(confirm_name) <> found.name then
      raise exception using errcode = 'AS400',
        message = pg_catalog.format('To delete this project, type its name exactly: %s.', found.name);
    end if;
    select count(*) into live_payments
    from astapa.payments as pay
    join astapa.checkouts as c on c.project_id = pay.project_id and c.id = pay.checkout_id
    where pay.project_id = delete_project.project_id and pay.status = 'paid' and c.environment = 'production';
    if found.mode = 'production' and live_payments > 0 then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('This project is live and has taken %s live payments. Switch it back to '
          'sandbox first, then delete it; its payment records are kept either way.', live_payments);
    end if;
    update astapa.projects as p
    set client_secret_hash = pg_catalog.sha256(pg_catalog.uuid_send(pg_catalog.gen_random_uuid())),
        redirect_uris = '{}', deleted_at = pg_catalog.now(), updated_at = pg_catalog.now()
    where p.id = delete_project.project_id;
    perform astapa.retire_client_id(project_id);
    update astapa.refresh_tokens as r set revoked_at = pg_catalog.now(), revoked_reason = 'revoked_by_admin'
    where r.project_id = delete_project.project_id and r.revoked_at is null;
    update astapa.login_sessions as s set ended_at = pg_catalog.now()
    where s.project_id = delete_project.project_id and s.ended_at is null;
    update astapa.machine_clients as m set enabled = false, updated_at = pg_catalog.now()
    where m.project_id = delete_project.project_id and m.enabled;
    if exists (select from astapa.webhook_endpoints as e where e.project_id = delete_project.project_id) then
      perform api.remove_webhook_endpoint(project_id);
    end if;
    update astapa.checkouts as c set status = 'expired', updated_at = pg_catalog.now()
    where c.project_id = delete_project.project_id and c.status in ('open', 'pending');
    update astapa.payments as pay set status = 'expired', updated_at = pg_catalog.now()
    where pay.project_id = delete_project.project_id and pay.status = 'pending';
    with closed as (
      update astapa.subscriptions as s set ended_at = pg_catalog.now()
      where s.project_id = delete_project.project_id and s.ended_at is null
      returning s.id)
    select pg_catalog.jsonb_build_object('subscriptions_ended', count(*)) into ended from closed;
    delete from astapa.memberships as m where m.project_id = delete_project.project_id;
    perform astapa.audit(project_id, 'project.delete', project_id,
      ended || pg_catalog.jsonb_build_object('name', found.name, 'mode', found.mode));
    return pg_catalog.jsonb_build_object('project_id', project_id, 'name', found.name, 'deleted', true);
  end
  $function$;
comment on function api.delete_project(text,text) is 'Soft-deletes a project once its name is typed (AS400 otherwise): credentials replaced, tokens revoked, sessions ended, machine clients disabled, webhooks removed, subscriptions ended, unpaid checkouts expired, members removed; users, payments and the audit log kept. AS403 for the console project, AS404 when already deleted, AS409 for a production project with live paid payments (switch to sandbox first).';
grant execute on function api.delete_project(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.describe_login_session(token_hash bytea, user_agent text)
 RETURNS void
 LANGUAGE sql
 SET search_path TO ''
AS $function$
    update astapa.login_sessions s set user_agent = pg_catalog.left(describe_login_session.user_agent, 512)
    where s.project_id = astapa.current_project_id() and s.token_hash = describe_login_session.token_hash
  $function$;
comment on function api.describe_login_session(bytea,text) is 'Records which browser (User-Agent, cut to 512 characters) a new hosted-login session is, for the account page''s list of sessions.';
grant execute on function api.describe_login_session(bytea,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.device_authorization_for_user_code(user_code text, buckets jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    wait integer;
    project text;
    found jsonb;
  begin
    -- Guessing codes (RFC 8628 §5.1): failed look-ups from an address are counted, and past the limit it waits.
    wait := astapa.client_lockout_wait(buckets);
    if wait > 0 then
      return pg_catalog.jsonb_build_object('wait', wait);
    end if;
    if user_code ~ '^[BCDFGHJKLMNPQRSTVWXZ]{8}$' then
      -- Shows the owner the one row the code names; then acts for its project to read the names around it.
      perform pg_catalog.set_config('astapa.lookup_user_code', user_code, true);
      select a.project_id into project
      from astapa.device_authorizations a
      where a.user_code = device_authorization_for_user_code.user_code and a.status = 'pending'
        and a.expires_at > pg_catalog.now();
      perform pg_catalog.set_config('astapa.lookup_user_code', '', true);
    end if;
    if project is not null then
      perform pg_catalog.set_config('astapa.project_id', project, true);
      select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'project_id', a.project_id,
        'project', pg_catalog.jsonb_build_object('id', p.id, 'name', p.name, 'mode', p.mode, 'settings', p.settings),
        'client_id', a.client_id,
        'client_name', coalesce(nullif(d.client_name, ''), case when d.client_id is null then p.name end,
                                'An unnamed app'),
        'third_party', d.client_id is not null,
        'scope', nullif(a.scope, ''), 'resource', a.resource,
        'resource_name', (select nullif(r.name, '') from astapa.resources r
                          where r.project_id = a.project_id and r.uri = a.resource),
        'expires_at', a.expires_at))
      into found
      from astapa.device_authorizations a
      join astapa.projects p on p.id = a.project_id
      left join astapa.dynamic_clients d on d.client_id = a.client_id
      where a.project_id = project and a.user_code = device_authorization_for_user_code.user_code;
      perform pg_catalog.set_config('astapa.project_id', '', true);
    end if;
    if found is null then
      perform astapa.count_client_failure(buckets);
    end if;
    return found;
  end
  $function$;
comment on function api.device_authorization_for_user_code(text,jsonb) is 'The pending, unexpired device authorization a user code names, as {project_id, project: {id, name, mode, settings}, client_id, client_name, third_party, scope, resource, resource_name, expires_at}, or null (counted as a failure in buckets), or {wait: seconds} while a bucket is locked. Security definer because the /device page knows no project before the code: it sees only the one row the code names, through the owner-only policy "definer functions find the device authorization a user code names", then acts for that row''s project (astapa.project_id, cleared again) to read its name and resource.';
grant execute on function api.device_authorization_for_user_code(text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.disable_user(project_id text, user_id bigint, disabled boolean DEFAULT true)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    update astapa.users as u set disabled = disable_user.disabled
    where u.project_id = disable_user.project_id and u.id = disable_user.user_id;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    perform astapa.audit(project_id, case when disabled then 'user.disable' else 'user.enable' end, 'user:' || user_id);
    return astapa.user_json(project_id, user_id);
  end
  $function$;
comment on function api.disable_user(text,bigint,boolean) is 'Disables (or with disabled = false re-enables) a user; AS404 when not in this project.';
grant execute on function api.disable_user(text,bigint,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.disallow_token_exchange(client_id text, resource text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    delete from astapa.token_exchange_policies t
    where t.project_id = astapa.current_project_id() and t.client_id = disallow_token_exchange.client_id
      and t.resource = disallow_token_exchange.resource;
    if not found then
      raise exception using errcode = 'AS404', message = 'No such token exchange permission.';
    end if;
    perform astapa.audit(astapa.current_project_id(), 'token_exchange.disallowed', client_id,
      pg_catalog.jsonb_build_object('resource', resource));
  end
  $function$;
comment on function api.disallow_token_exchange(text,text) is 'Withdraws a client''s permission to exchange tokens for a resource (audited); AS404 when it had none.';
grant execute on function api.disallow_token_exchange(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.distrust_identity_provider(issuer text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    delete from astapa.trusted_identity_providers i
    where i.project_id = astapa.current_project_id() and i.issuer = distrust_identity_provider.issuer;
    if not found then
      raise exception using errcode = 'AS404', message = 'This project does not trust that identity provider.';
    end if;
    perform astapa.audit(astapa.current_project_id(), 'identity_provider.removed', issuer);
  end
  $function$;
comment on function api.distrust_identity_provider(text) is 'Stops trusting an identity provider (its assertions are refused from now on); AS404 when it was not trusted.';
grant execute on function api.distrust_identity_provider(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.dynamic_client(client_id text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select d.metadata || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'client_id', d.client_id,
      'client_name', nullif(d.client_name, ''),
      'redirect_uris', pg_catalog.to_jsonb(d.redirect_uris),
      'grant_types', pg_catalog.to_jsonb(d.grant_types),
      'response_types', pg_catalog.jsonb_build_array('code'),
      'token_endpoint_auth_method', d.token_endpoint_auth_method,
      'scope', nullif(d.scope, '')))
    from astapa.dynamic_clients d
    where d.client_id = dynamic_client.client_id
  $function$;
comment on function api.dynamic_client(text) is 'A dynamically registered client''s metadata as RFC 7591 spells it (never its secret), or null.';
grant execute on function api.dynamic_client(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.email_change_pending(token_hash bytea)
 RETURNS text
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select e.new_email from astapa.email_changes e
    join astapa.users u on u.project_id = e.project_id and u.id = e.user_id
    where e.project_id = astapa.current_project_id() and e.token_hash = email_change_pending.token_hash
      and e.used_at is null and e.expires_at > pg_catalog.now() and u.deleted_at is null
  $function$;
comment on function api.email_change_pending(bytea) is 'The new address an unused, unexpired email-change link would set, or null: what the link''s page says on GET.';
grant execute on function api.email_change_pending(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.email_code_link(link_hash bytea)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object('sign_in_request', c.sign_in_request,
      'usable', c.used_at is null and c.expires_at > pg_catalog.now() and c.tries < 5)
    from astapa.email_codes c
    where c.project_id = astapa.current_project_id() and c.link_hash = email_code_link.link_hash
  $function$;
comment on function api.email_code_link(bytea) is 'What a magic link opens (its authorization request) and whether it still signs in; null for an unknown token. Reading it changes nothing: the page asks for a button press first.';
grant execute on function api.email_code_link(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.email_link_request(token_hash bytea)
 RETURNS text
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select t.sign_in_request from astapa.email_tokens as t
    where t.project_id = astapa.current_project_id() and t.token_hash = email_link_request.token_hash
  $function$;
comment on function api.email_link_request(bytea) is 'The sign-in request (hosted-login path and query) a short mailed link opens, or null for an unknown token. Used and expired links lead on too: the page they open says what became of the link.';
grant execute on function api.email_link_request(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.end_dashboard_session(session_hash bytea)
 RETURNS boolean
 LANGUAGE sql
 SET search_path TO ''
AS $function$
    with ended as (
      update astapa.dashboard_sessions as s set ended_at = pg_catalog.now()
      where s.session_hash = end_dashboard_session.session_hash and s.ended_at is null
      returning 1)
    select exists (select from ended)
  $function$;
comment on function api.end_dashboard_session(bytea) is 'Ends a dashboard session (sign-out); false when it was not live.';
grant execute on function api.end_dashboard_session(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.end_login_session(token_hash bytea)
 RETURNS void
 LANGUAGE sql
 SET search_path TO ''
AS $function$
    update astapa.login_sessions s set ended_at = pg_catalog.now()
    where s.project_id = astapa.current_project_id() and s.token_hash = end_login_session.token_hash
      and s.ended_at is null
  $function$;
comment on function api.end_login_session(bytea) is 'Signs the browser out of the current project.';
grant execute on function api.end_login_session(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.ensure_console_project(redirect_uri text, client_secret_hash bytea)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    console_id text;
    -- A plain-http base URL off loopback cannot be a redirect URI (see astapa.is_valid_redirect_uri): the
    -- console then exists without one and the dashboard explains why sign-in is unavailable.
    usable boolean := coalesce(astapa.is_valid_redirect_uri(redirect_uri), false);
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403',
        message = 'The console project cannot be ensured while acting for another project.';
    end if;
    -- Instances booting together queue here; the second one finds the first one's row.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('astapa.console_project'));
    select d.console_project_id into console_id from astapa.deployment as d;
    if console_id is null then
      console_id := api.create_project('Astapa console',
        case when usable then array[redirect_uri] else '{}'::text[] end, client_secret_hash) ->> 'project_id';
      insert into astapa.deployment (console_project_id) values (console_id);
      -- Developers are real people from the first day: the console never runs in sandbox.
      perform api.update_project(console_id, mode => 'production');
    else
      perform pg_catalog.set_config('astapa.project_id', console_id, true);
      -- Another base URL (a second instance, a moved deployment) adds its callback; existing ones stay.
      if usable and not exists (select from astapa.projects as p
                                where p.id = console_id and ensure_console_project.redirect_uri = any (p.redirect_uris)) then
        perform api.add_redirect_uri(console_id, redirect_uri);
      end if;
    end if;
    return (select pg_catalog.jsonb_build_object('project_id', p.id, 'client_id', p.client_id,
              'redirect_uri_allowed', ensure_console_project.redirect_uri = any (p.redirect_uris))
            from astapa.projects as p where p.id = console_id);
  end
  $function$;
comment on function api.ensure_console_project(text,bytea) is 'The console project (id, client id, whether this redirect URI is allowed), created in production mode on first boot; adds the redirect URI when missing and allowed. Makes the transaction act for the console project. Safe under concurrent boots (advisory lock). Refused (AS403) while acting for another project.';
grant execute on function api.ensure_console_project(text,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.exchange_token(subject_project text, subject_sub text, subject_client text, subject_scope text, subject_resource text, actor_client text, resource text, requested_scope text, subject_organization text DEFAULT NULL::text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    held text[] := pg_catalog.string_to_array(coalesce(subject_scope, ''), ' ');
    granted text[];
    refusal text;
    code text;
  begin
    -- Refusals are returned, not raised, so that their audit entry survives.
    if subject_project is distinct from astapa.current_project_id() then
      refusal := 'the subject token was issued by another project than this client''s';
      code := 'invalid_request';
    elsif resource is null then
      refusal := 'a token exchange must name the resource it wants a token for';
      code := 'invalid_target';
    elsif not exists (select from astapa.token_exchange_policies t
                      where t.project_id = astapa.current_project_id()
                        and t.client_id = exchange_token.actor_client and t.resource = exchange_token.resource) then
      refusal := 'this client may not exchange tokens for this resource (the project''s token exchange policy)';
      code := 'invalid_target';
    else
      -- Only narrowing: every scope asked for must be held by the subject token; offline_access never passes.
      granted := array(select s from pg_catalog.unnest(coalesce(
                         pg_catalog.string_to_array(requested_scope, ' '), held)) as s
                       where s <> 'offline_access' order by s);
      if requested_scope is not null and not pg_catalog.string_to_array(requested_scope, ' ') <@ held then
        refusal := 'the requested scope is wider than the subject token''s';
        code := 'invalid_scope';
      end if;
    end if;
    perform astapa.audit(astapa.current_project_id(),
      case when refusal is null then 'token.exchanged' else 'token.exchange_refused' end, actor_client,
      pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'sub', case when refusal is null or code <> 'invalid_request' then subject_sub end,
        'subject_project', nullif(subject_project, astapa.current_project_id()), 'subject_client', subject_client, 'from', subject_resource, 'to', resource,
        'scope', pg_catalog.array_to_string(granted, ' '), 'refused', refusal)));
    if refusal is not null then
      return pg_catalog.jsonb_build_object('error', code, 'error_description', refusal);
    end if;
    if subject_sub !~ '^[0-9]{1,18}$' then
      raise exception 'the subject token is not a person''s' using errcode = 'AS4G0';
    end if;
    perform astapa.assert_user_may_sign_in(subject_sub::bigint);
    perform astapa.assert_grant_target(pg_catalog.array_to_string(granted, ' '), resource);
    -- The subject token's active organization stays active while the person is still its member.
    return astapa.grant_result(subject_sub::bigint, nullif(pg_catalog.array_to_string(granted, ' '), ''),
                               resource, null, null, pg_catalog.now())
      || astapa.organization_grant(subject_sub::bigint, subject_organization);
  end
  $function$;
comment on function api.exchange_token(text,text,text,text,text,text,text,text,text) is 'Token exchange (RFC 8693) in the current project: a person''s access token (its sub, client, scope and aud, already verified) for one to `resource`, allowed only by the project''s policy for actor_client, with scope narrowed (never offline_access: no refresh token). Audited as token.exchanged or token.exchange_refused; a refusal is returned as {error: invalid_request (another project''s token) | invalid_target | invalid_scope, error_description}. subject_organization: the subject token''s org_id, kept (its claims read fresh).';
grant execute on function api.exchange_token(text,text,text,text,text,text,text,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.expire_checkouts(project_id text, now timestamp with time zone)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    expired_id bigint;
    expired_public_id text;
    total integer := 0;
  begin
    if now is null then
      raise exception using errcode = 'AS400', message = 'Expiring checkouts needs now.';
    end if;
    for expired_id, expired_public_id in
      update astapa.checkouts as c set status = 'expired', updated_at = pg_catalog.now()
      where c.project_id = expire_checkouts.project_id and c.status in ('open', 'pending') and c.expires_at <= now
      returning c.id, c.public_id
    loop
      -- A charge that Xendit still settles later is applied all the same (apply_payment_event: paid wins).
      update astapa.payments as y set status = 'expired', updated_at = pg_catalog.now()
      where y.project_id = expire_checkouts.project_id and y.checkout_id = expired_id and y.status = 'pending';
      perform pg_catalog.pg_notify('astapa_checkouts', expired_public_id);
      total := total + 1;
    end loop;
    return total;
  end
  $function$;
comment on function api.expire_checkouts(text,timestamp with time zone) is 'Marks the project''s open or pending checkouts whose expires_at has passed at `now` expired (and their pending charges), notifying astapa_checkouts; returns how many. AS400 without now.';
grant execute on function api.expire_checkouts(text,timestamp with time zone) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.export_users(project_id text, after_id bigint DEFAULT 0, page_size integer DEFAULT 1000, with_password_hashes boolean DEFAULT false)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    mode text;
  begin
    if project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403', message = 'An export is for the project the request acts for.';
    end if;
    if astapa.current_client_kind() in ('machine', 'dynamic') then
      raise exception using errcode = 'AS4U3', message = 'Only the project''s own client may export users.';
    end if;
    if page_size is null or page_size not between 1 and 1000 or after_id is null then
      raise exception using errcode = 'AS400', message = 'An export page is 1 to 1000 users after an id.';
    end if;
    mode := astapa.require_project(project_id);
    if after_id = 0 then
      perform astapa.audit(project_id, 'user.export', null, pg_catalog.jsonb_build_object(
        'with_password_hashes', coalesce(with_password_hashes, false), 'environment', mode));
    end if;
    return coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'sub', u.id::text, 'email', u.email, 'email_verified', u.email_verified, 'external_id', u.external_id,
        'created_at', u.created_at, 'disabled', case when u.disabled then true end,
        'name', c.extra ->> 'name', 'role', c.role,
        'feature_flags', case when pg_catalog.cardinality(c.feature_flags) > 0 then pg_catalog.to_jsonb(c.feature_flags) end,
        'custom_claims', nullif(c.extra - 'name', '{}'),
        'plan', (select s.plan_key from astapa.subscriptions as s
                 where s.project_id = u.project_id and s.user_id = u.id and s.ended_at is null and astapa.grants_plan(s)),
        'identities', (select pg_catalog.jsonb_agg(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                          'provider', i.provider, 'subject', i.subject, 'email', i.email)) order by i.provider, i.subject)
                       from astapa.identities as i where i.project_id = u.project_id and i.user_id = u.id),
        'password_hash', case when with_password_hashes then u.password_hash end)) order by u.id)
      from (select * from astapa.users as x
            where x.project_id = export_users.project_id and x.environment = mode and x.id > after_id
            order by x.id limit page_size) as u
      left join astapa.user_claims as c on c.project_id = u.project_id and c.user_id = u.id), '[]');
  end
  $function$;
comment on function api.export_users(text,bigint,integer,boolean) is 'One keyset page (ids after after_id, at most 1000) of the project''s users in its current environment, in the shape api.import_users reads, password hashes only when asked; the first page audits the export (user.export). Security definer because the app role cannot select password hashes; refuses any project but the one the transaction acts for, and machine or self-registered clients.';
grant execute on function api.export_users(text,bigint,integer,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.failing_client_buckets(prefix text, max_rows integer)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('bucket', f.bucket, 'seconds', f.seconds)), '[]')
    from (select r.bucket,
                 greatest(1, ceil(extract(epoch from r.window_start
                   + pg_catalog.make_interval(secs => r.window_seconds) - pg_catalog.now())))::integer as seconds
          from astapa.rate_limits r
          where pg_catalog.starts_with(r.bucket, failing_client_buckets.prefix) and r.hits > 0
            and r.window_start + pg_catalog.make_interval(secs => r.window_seconds) > pg_catalog.now()
          limit greatest(max_rows, 0)) as f
  $function$;
comment on function api.failing_client_buckets(text,integer) is 'Brute-force buckets whose name starts with prefix and that hold a failure in their current window, as [{bucket, seconds left}], at most max_rows: what a starting or re-listening instance must not answer from its client-credential cache.';
grant execute on function api.failing_client_buckets(text,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.find_user_by_email(project_id text, email text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select astapa.user_json(u.project_id, u.id)
    from astapa.users as u
    join astapa.projects as p on p.id = u.project_id and p.mode = u.environment
    where u.project_id = find_user_by_email.project_id
      and u.email_lower = pg_catalog.lower(pg_catalog.btrim(find_user_by_email.email))
  $function$;
comment on function api.find_user_by_email(text,text) is 'The user with this email (any case) in the project''s current environment, or null.';
grant execute on function api.find_user_by_email(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.find_user_by_phone(project_id text, phone_number text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select astapa.user_json(u.project_id, u.id)
    from astapa.users as u
    join astapa.projects as p on p.id = u.project_id and p.mode = u.environment
    where u.project_id = find_user_by_phone.project_id and u.phone_number = find_user_by_phone.phone_number
  $function$;
comment on function api.find_user_by_phone(text,text) is 'The user with this phone number (E.164) in the project''s current environment, or null.';
grant execute on function api.find_user_by_phone(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.finish_passkey_sign_up(token_hash bytea, user_id bigint, credential_id bytea, public_key bytea, sign_count bigint, transports text[], device_type text, backed_up boolean, name text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    proven astapa.passkey_sign_ups;
  begin
    select s.* into proven from astapa.passkey_sign_ups s
    where s.project_id = astapa.current_project_id() and s.token_hash = finish_passkey_sign_up.token_hash
    for update;
    proven := astapa.proven_passkey_sign_up(token_hash);
    if proven.user_id is distinct from finish_passkey_sign_up.user_id then
      raise exception using errcode = 'AS403', message = 'This sign-up has expired. Start again.';
    end if;
    perform astapa.store_passkey(proven.project_id, proven.user_id, credential_id, public_key, sign_count,
      transports, device_type, backed_up, name);
    update astapa.passkey_sign_ups s set finished_at = pg_catalog.now()
    where s.project_id = proven.project_id and s.token_hash = proven.token_hash;
  end
  $function$;
comment on function api.finish_passkey_sign_up(bytea,bigint,bytea,bytea,bigint,text[],text,boolean,text) is 'Stores the first passkey of a proven sign-up attempt (its attestation verified in TypeScript against a challenge taken for user_id) and finishes the attempt, once; AS403 when the attempt is not proven, finished, expired or for another user; AS409 for a credential the project has already.';
grant execute on function api.finish_passkey_sign_up(bytea,bigint,bytea,bytea,bigint,text[],text,boolean,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.get_checkout(project_id text, checkout_id text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select astapa.checkout_json(c) from astapa.checkouts as c
    where c.project_id = get_checkout.project_id and c.public_id = get_checkout.checkout_id
  $function$;
comment on function api.get_checkout(text,text) is 'A checkout by its public id, or null.';
grant execute on function api.get_checkout(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.get_coupon(project_id text, code text)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    chosen astapa.coupons;
  begin
    select * into chosen from astapa.coupons as c
    where c.project_id = get_coupon.project_id and c.code = pg_catalog.upper(get_coupon.code);
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Coupon %s was not found in this project.', code);
    end if;
    return astapa.coupon_json(chosen) || pg_catalog.jsonb_build_object('redemption_list', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'sub', r.user_id::text, 'email', u.email, 'checkout_id', k.public_id, 'checkout_status', k.status,
          'plan', k.plan_key, 'discount_idr', k.discount_idr, 'amount', k.amount, 'redeemed_at', r.created_at)
        order by r.created_at desc)
      from astapa.coupon_redemptions as r
      join astapa.checkouts as k on k.project_id = r.project_id and k.id = r.checkout_id
      join astapa.users as u on u.project_id = r.project_id and u.id = r.user_id
      where r.project_id = chosen.project_id and r.coupon_code = chosen.code), '[]'));
  end
  $function$;
comment on function api.get_coupon(text,text) is 'One coupon (any case) with its redemptions (redemption_list: who, which checkout, its status). AS404 unknown.';
grant execute on function api.get_coupon(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.get_environment_user(project_id text, user_id bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    found jsonb;
  begin
    select astapa.user_json(u.project_id, u.id) into found
    from astapa.users as u
    join astapa.projects as p on p.id = u.project_id and p.mode = u.environment
    where u.project_id = get_environment_user.project_id and u.id = get_environment_user.user_id;
    if found is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    return found;
  end
  $function$;
comment on function api.get_environment_user(text,bigint) is 'The user when they belong to the project''s current environment; AS404 otherwise (unknown, another project''s, or the other environment''s user).';
grant execute on function api.get_environment_user(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.get_machine_client(client_id text)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    found jsonb := astapa.machine_client_json(client_id);
  begin
    if found is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Machine client %s was not found.', client_id);
    end if;
    return found;
  end
  $function$;
comment on function api.get_machine_client(text) is 'One machine client of the current project, or AS404.';
grant execute on function api.get_machine_client(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.get_organization(organization_id text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select astapa.organization_json(o) || pg_catalog.jsonb_build_object('domains', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'domain', d.domain, 'verified', d.verified_at is not null, 'verified_at', d.verified_at,
          'verification_token', d.verification_token) order by d.domain)
        from astapa.organization_domains d where d.project_id = o.project_id and d.organization_id = o.id), '[]'))
    from astapa.organizations o
    where o.project_id = astapa.current_project_id() and (o.id = organization_id or o.slug = organization_id)
  $function$;
comment on function api.get_organization(text) is 'One organization of the current project by id or slug, with its domains; null when there is none.';
grant execute on function api.get_organization(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.get_plan(project_id text, key text)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    found jsonb := astapa.plan_json(project_id, key);
  begin
    if found is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Plan %s was not found in this project.', key);
    end if;
    return found;
  end
  $function$;
comment on function api.get_plan(text,text) is 'One plan, or AS404.';
grant execute on function api.get_plan(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.get_project(project_id text)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  begin
    perform astapa.require_project(project_id);
    return astapa.project_json(project_id);
  end
  $function$;
comment on function api.get_project(text) is 'The project, or AS404 when it is not the one the transaction acts for.';
grant execute on function api.get_project(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.get_receipt(project_id text, receipt_id text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select astapa.receipt_json(r) from astapa.receipts as r
    where r.project_id = get_receipt.project_id and (r.public_id = get_receipt.receipt_id
      or r.number = get_receipt.receipt_id)
  $function$;
comment on function api.get_receipt(text,text) is 'A receipt by its id (rcp_…) or its number (R-2026-000001), or null.';
grant execute on function api.get_receipt(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.get_user(project_id text, user_id bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    found jsonb := astapa.user_json(project_id, user_id);
  begin
    if found is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    return found;
  end
  $function$;
comment on function api.get_user(text,bigint) is 'The user, or AS404 (also for another project''s user, by RLS).';
grant execute on function api.get_user(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.get_webhook_endpoint(project_id text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$ select astapa.webhook_endpoint_json(project_id) $function$;
comment on function api.get_webhook_endpoint(text) is 'The project''s webhook endpoint, or null.';
grant execute on function api.get_webhook_endpoint(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.identity_assertion_grant(issuer text, subject text, jti text, expires_at timestamp with time zone, email text, client_id text, scope text, resource text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    user_id bigint;
    refusal text;
  begin
    perform astapa.assert_grant_allowed('urn:ietf:params:oauth:grant-type:jwt-bearer');
    perform astapa.assert_dynamic_client_allowed(client_id);
    if not exists (select from astapa.trusted_identity_providers i
                   where i.project_id = astapa.current_project_id()
                     and i.issuer = identity_assertion_grant.issuer) then
      refusal := 'the assertion''s issuer is not an identity provider this project trusts';
    elsif jti is null or pg_catalog.length(jti) not between 1 and 200 or expires_at is null then
      refusal := 'the assertion needs a jti and an exp';
    else
      delete from astapa.identity_assertion_jtis j
      where j.project_id = astapa.current_project_id() and j.expires_at < pg_catalog.now();
      insert into astapa.identity_assertion_jtis (project_id, issuer, jti, expires_at)
      values (astapa.current_project_id(), issuer, jti, expires_at)
      on conflict on constraint identity_assertion_jtis_pkey do nothing;
      if not found then
        refusal := 'the assertion was already used (its jti was seen before)';
      end if;
    end if;
    if refusal is null then
      select u.id into user_id from astapa.users u
      join astapa.projects p on p.id = u.project_id and p.mode = u.environment
      where u.project_id = astapa.current_project_id()
        and pg_catalog.lower(u.email) = pg_catalog.lower(pg_catalog.btrim(identity_assertion_grant.email));
      if user_id is null then
        refusal := 'no user of this project has the assertion''s email';
      end if;
    end if;
    if refusal is not null then
      -- Returned, not raised, so that the audit entry survives.
      perform astapa.audit(astapa.current_project_id(), 'identity_assertion.refused', pg_catalog.left(client_id, 200),
        pg_catalog.jsonb_build_object('issuer', pg_catalog.left(issuer, 500), 'reason', refusal));
      return pg_catalog.jsonb_build_object('error', 'invalid_grant', 'error_description', refusal);
    end if;
    perform astapa.assert_user_may_sign_in(user_id);
    perform astapa.assert_grant_target(scope, resource);
    perform astapa.audit(astapa.current_project_id(), 'identity_assertion.accepted', pg_catalog.left(client_id, 200),
      pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('issuer', issuer,
        'subject', pg_catalog.left(subject, 200), 'user_id', user_id::text, 'scope', nullif(scope, ''),
        'resource', resource)));
    return astapa.grant_result(user_id, nullif(scope, ''), resource, pg_catalog.now(), null, null);
  end
  $function$;
comment on function api.identity_assertion_grant(text,text,text,timestamp with time zone,text,text,text,text) is 'The jwt-bearer grant of an identity assertion (ID-JAG) whose signature the server checked: the issuer must be trusted by the current project, the jti unseen (kept until expires_at, for every instance), and the email that of one of the project''s users, who may sign in; scope and resource must be the project''s. A refusal is returned as {error: invalid_grant, error_description} and audited (identity_assertion.refused); a grant is audited as identity_assertion.accepted.';
grant execute on function api.identity_assertion_grant(text,text,text,timestamp with time zone,text,text,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.identity_provider_keys(issuer text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select i.jwks from astapa.trusted_identity_providers i
    where i.project_id = astapa.current_project_id() and i.issuer = identity_provider_keys.issuer
  $function$;
comment on function api.identity_provider_keys(text) is 'The public keys of an identity provider the current project trusts, or null when it trusts no such issuer.';
grant execute on function api.identity_provider_keys(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.import_users(project_id text, rows jsonb, plan_source text DEFAULT 'claims_api'::text, dry_run boolean DEFAULT false)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    mode text;
    r jsonb;
    outcome text;
    created integer := 0;
    updated integer := 0;
    refused jsonb[] := '{}';
    next_analysis integer := 500; -- then 1,000, 2,000…: a handful per import
    first_seen jsonb;
    state text;
    problem text;
    constraint_at_fault text;
  begin
    if project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403', message = 'An import is for the project the request acts for.';
    end if;
    if astapa.current_client_kind() in ('machine', 'dynamic') then
      raise exception using errcode = 'AS4U3', message = 'Only the project''s own client may import users.';
    end if;
    if pg_catalog.jsonb_typeof(rows) is distinct from 'array' or pg_catalog.jsonb_array_length(rows) > 10000 then
      raise exception using errcode = 'AS400', message = 'An import is a JSON array of at most 10,000 users.';
    end if;
    mode := astapa.require_project(project_id);
    -- The row each repeated email or external_id first appeared in, found once rather than per row.
    select coalesce(pg_catalog.jsonb_object_agg(d.ord::text, coalesce(rows -> (d.first - 1)::integer -> 'row',
                                                                      pg_catalog.to_jsonb(d.first))), '{}')
    into first_seen
    from (select t.ord, pg_catalog.min(t.ord) over (partition by t.key) as first
          from (select e.ord, 'e:' || pg_catalog.lower(pg_catalog.btrim(e.value ->> 'email')) as key
                from pg_catalog.jsonb_array_elements(rows) with ordinality as e(value, ord)
                union all
                select e.ord, 'x:' || (e.value ->> 'external_id')
                from pg_catalog.jsonb_array_elements(rows) with ordinality as e(value, ord)
                where e.value ->> 'external_id' is not null) as t) as d
    where d.first <> d.ord;
    begin
      for r in select e.value || pg_catalog.jsonb_build_object('ord', e.ord)
               from pg_catalog.jsonb_array_elements(rows) with ordinality as e(value, ord) loop
        if first_seen ? (r ->> 'ord') then
          refused := refused || pg_catalog.jsonb_build_object('row', r -> 'row', 'email', r -> 'email',
            'reason', pg_catalog.format('The same email or external_id is already in row %s of this import.',
                                        first_seen ->> (r ->> 'ord')));
          continue;
        end if;
        begin
          outcome := astapa.import_user(project_id, mode, r - 'ord' - 'row', plan_source);
          if outcome = 'created' then created := created + 1; else updated := updated + 1; end if;
          if created = next_analysis then
            perform astapa.refresh_user_statistics();
            next_analysis := next_analysis * 2;
          end if;
        exception when others then
          get stacked diagnostics state = returned_sqlstate, problem = message_text,
                                  constraint_at_fault = constraint_name;
          refused := refused || pg_catalog.jsonb_build_object('row', r -> 'row', 'email', r -> 'email',
            'reason', case
              when state like 'AS%' then problem
              when constraint_at_fault <> '' then 'A value breaks the rule ' || constraint_at_fault || '.'
              when state like '22%' then 'A value has the wrong type or format: ' || problem
              else 'The row could not be stored: ' || problem end);
        end;
      end loop;
      perform astapa.audit(project_id, 'user.import', null, pg_catalog.jsonb_build_object(
        'created', created, 'updated', updated, 'refused', pg_catalog.cardinality(refused), 'environment', mode));
      if dry_run then
        raise exception using errcode = 'AS2DR', message = 'dry run';
      end if;
    exception when sqlstate 'AS2DR' then
      null; -- a dry run: the counts stay, every write above is rolled back
    end;
    return pg_catalog.jsonb_build_object('created', created, 'updated', updated, 'dry_run', dry_run,
                                         'refused', pg_catalog.to_jsonb(refused));
  end
  $function$;
comment on function api.import_users(text,jsonb,text,boolean) is 'Imports up to 10,000 users (rows validated by lib/import/rows.ts, each with its row number): creates or updates each by external_id, then email; one bad row is rolled back alone and listed in refused with its reason; repeats of an email or external_id in one call are refused; audited once (user.import). dry_run answers the same and writes nothing. Security definer because it writes password hashes and keeps a hash Astapa made over an older imported one, which needs reading the column the app role cannot select; it refuses any project but the one the transaction acts for, and machine or self-registered clients.';
grant execute on function api.import_users(text,jsonb,text,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.install_signing_keys(active_kid text, active_jwk jsonb, active_private bytea, next_kid text, next_jwk jsonb, next_private bytea)
 RETURNS boolean
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    -- Instances booting together may all try: the first wins, the others keep what it installed.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('astapa.signing_keys'));
    if exists (select from astapa.signing_keys where state = 'active') then
      return false;
    end if;
    insert into astapa.signing_keys (kid, state, public_jwk, private_key, activated_at)
      values (active_kid, 'active', active_jwk, active_private, pg_catalog.now());
    insert into astapa.signing_keys (kid, state, public_jwk, private_key)
      values (next_kid, 'next', next_jwk, next_private)
      on conflict do nothing;
    return true;
  end
  $function$;
comment on function api.install_signing_keys(text,jsonb,bytea,text,jsonb,bytea) is 'Installs the first active key and its successor when none is active; returns false if another instance did.';
grant execute on function api.install_signing_keys(text,jsonb,bytea,text,jsonb,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.introspect_refresh_token(token_hash bytea)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'active', true,
      'token_type', 'refresh_token',
      'client_id', r.client_id,
      'sub', r.user_id::text,
      'scope', nullif(r.scope, ''),
      'iat', pg_catalog.floor(extract(epoch from r.created_at))::bigint,
      'exp', pg_catalog.floor(extract(epoch from r.expires_at))::bigint,
      'project_id', r.project_id))
    from astapa.refresh_tokens r
    join astapa.users u on u.project_id = r.project_id and u.id = r.user_id
    join astapa.projects p on p.id = r.project_id
    where r.project_id = astapa.current_project_id() and r.token_hash = introspect_refresh_token.token_hash
      and r.revoked_at is null and r.used_at is null and r.expires_at > pg_catalog.now() and not u.disabled
      -- A sandbox user's token after going live (or the reverse) can no longer be refreshed: not active.
      and u.environment = p.mode
      -- Nor one of a client whose kind the project has turned off (dynamic clients, metadata documents).
      and astapa.dynamic_client_allowed(r.client_id)
  $function$;
comment on function api.introspect_refresh_token(bytea) is 'RFC 7662 fields for a live refresh token of the current project, or null when it is not active (revoked, used, expired, its user disabled or outside the project''s current environment, its client''s kind turned off by the project).';
grant execute on function api.introspect_refresh_token(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.introspect_self_registered_refresh_token(client_id text, token_hash bytea)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    result jsonb;
  begin
    begin
      -- A project that turned the client's kind off has stopped its tokens: they are not active.
      perform astapa.assert_dynamic_client_allowed(client_id);
    exception when sqlstate 'AS4U0' then
      return null;
    end;
    result := api.introspect_refresh_token(token_hash);
    if result ->> 'client_id' is distinct from client_id then
      return null;
    end if;
    return result;
  end
  $function$;
comment on function api.introspect_self_registered_refresh_token(text,bytea) is 'RFC 7662 fields for a live refresh token of the current project issued to this self-registered or metadata-document client while the project still accepts its kind; null otherwise (not active).';
grant execute on function api.introspect_self_registered_refresh_token(text,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.invite_account(email text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    account_id bigint;
  begin
    perform astapa.assert_email(pg_catalog.btrim(email));
    select a.id into account_id from astapa.accounts as a
    where pg_catalog.lower(a.email) = pg_catalog.lower(pg_catalog.btrim(invite_account.email));
    if account_id is null then
      begin
        insert into astapa.accounts (email, password_reset_required) values (pg_catalog.btrim(email), false)
        returning id into account_id;
      exception when unique_violation then
        -- Invited by someone else a moment ago.
        select a.id into account_id from astapa.accounts as a
        where pg_catalog.lower(a.email) = pg_catalog.lower(pg_catalog.btrim(invite_account.email));
      end;
    end if;
    return astapa.account_json(account_id);
  end
  $function$;
comment on function api.invite_account(text) is 'The account for this email (any case), creating it as an invitation (no sign-in yet) when missing.';
grant execute on function api.invite_account(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.invite_to_organization(organization_id text, email text, role text, token_hash bytea, ttl_seconds integer DEFAULT 604800, invited_by bigint DEFAULT NULL::bigint, mail jsonb DEFAULT NULL::jsonb, accept_url text DEFAULT NULL::text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    i astapa.organization_invitations;
  begin
    perform astapa.assert_email(email);
    perform astapa.assert_organization_role(role);
    if ttl_seconds is null or ttl_seconds not between 60 and 2592000 then
      raise exception using errcode = 'AS400', message = 'An invitation lives 1 minute to 30 days.';
    elsif token_hash is null or pg_catalog.octet_length(token_hash) <> 32 then
      raise exception using errcode = 'AS400', message = 'token_hash must be a SHA-256 (32 bytes).';
    elsif mail is not null and not coalesce(astapa.is_app_url(o.project_id, accept_url), false) then
      -- The mail goes out under the project's name: its link may only lead to the app, like a checkout's.
      raise exception using errcode = 'AS400',
        detail = '{"accept_url": ["Must be on the origin of one of the project''s redirect URIs."]}',
        message = 'accept_url must be on the origin of one of the project''s redirect URIs.';
    elsif exists (select from astapa.organization_memberships m join astapa.users u
                    on u.project_id = m.project_id and u.id = m.user_id
                  where m.project_id = o.project_id and m.organization_id = o.id
                    and u.email_lower = pg_catalog.lower(invite_to_organization.email)) then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('%s is already a member of %s.', email, o.name);
    elsif invited_by is not null and not exists (
        select from astapa.organization_memberships m where m.project_id = o.project_id
          and m.organization_id = o.id and m.user_id = invited_by and m.role in ('owner', 'admin')) then
      raise exception using errcode = 'AS403',
        message = pg_catalog.format('Only owners and admins of %s may invite people to it.', o.name);
    end if;
    -- Inviting the same address again replaces the open invitation (a new link, a new expiry, maybe a new role).
    update astapa.organization_invitations x set revoked_at = pg_catalog.now()
    where x.project_id = o.project_id and x.organization_id = o.id
      and pg_catalog.lower(x.email) = pg_catalog.lower(invite_to_organization.email)
      and x.accepted_at is null and x.revoked_at is null;
    perform astapa.assert_organization_seat(o, true);
    insert into astapa.organization_invitations (
      project_id, id, organization_id, email, role, token_hash, invited_by, expires_at)
    values (o.project_id, astapa.random_id('oin_', 24), o.id, email, role, token_hash, invited_by,
            pg_catalog.now() + pg_catalog.make_interval(secs => ttl_seconds))
    returning * into i;
    if mail is not null then
      perform api.queue_mail(o.project_id, mail);
    end if;
    perform astapa.audit(o.project_id, 'organization.invited', o.id,
      pg_catalog.jsonb_build_object('invitation', i.id, 'email', email, 'role', role));
    return astapa.invitation_json(i);
  end
  $function$;
comment on function api.invite_to_organization(text,text,text,bytea,integer,bigint,jsonb,text) is 'Invites an address to an organization with a role (replacing its open invitation), queues the invitation mail with it, audited. invited_by, when given, must be an owner or admin (AS403). AS409 already a member or no free seat (members and open invitations count), AS400 bad address, role, ttl or token hash, or a mail whose accept_url is not on the origin of one of the project''s redirect URIs.';
grant execute on function api.invite_to_organization(text,text,text,bytea,integer,bigint,jsonb,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.is_sandbox_callback_token(token_hash bytea)
 RETURNS boolean
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    known boolean;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Callback tokens are looked up before a project is chosen.';
    end if;
    if token_hash is null or pg_catalog.length(token_hash) <> 32 then
      return false;
    end if;
    perform pg_catalog.set_config('astapa.sandbox_lookup', pg_catalog.encode(token_hash, 'hex'), true);
    select exists (select 1 from astapa.sandbox_accounts a where a.callback_token_hash = token_hash) into known;
    perform pg_catalog.set_config('astapa.sandbox_lookup', '', true);
    return known;
  end
  $function$;
comment on function api.is_sandbox_callback_token(bytea) is 'Whether a callback token (as SHA-256) is some project''s simulator token: a simulator callback naming an unknown checkout is acknowledged so its sender stops retrying. Security definer because no project is known; it answers yes or no for the one hash and refuses to run once a project is set.';
grant execute on function api.is_sandbox_callback_token(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.issue_authorization_code(code_hash bytea, client_id text, user_id bigint, redirect_uri text, scope text, resource text, code_challenge text, code_challenge_method text, nonce text, auth_time timestamp with time zone, ttl_seconds integer DEFAULT 60, amr text[] DEFAULT '{pwd}'::text[], organization_id text DEFAULT NULL::text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if ttl_seconds not between 1 and 600 then
      raise exception 'authorization codes live 1 to 600 seconds' using errcode = 'AS400';
    end if;
    perform astapa.assert_grant_target(scope, resource);
    insert into astapa.authorization_codes (
      project_id, code_hash, client_id, user_id, redirect_uri, scope, resource,
      code_challenge, code_challenge_method, nonce, auth_time, expires_at, amr, organization_id)
    values (
      astapa.current_project_id(), code_hash, client_id, user_id, redirect_uri, coalesce(scope, ''), resource,
      code_challenge, code_challenge_method, nonce, coalesce(auth_time, pg_catalog.now()),
      pg_catalog.now() + pg_catalog.make_interval(secs => ttl_seconds), coalesce(amr, '{pwd}'),
      astapa.member_organization(user_id, organization_id));
    -- A code for a third-party client means the person allowed it: remembered (db/api/consents.sql).
    perform astapa.remember_consent(user_id, client_id, resource, scope);
  end
  $function$;
comment on function api.issue_authorization_code(bytea,text,bigint,text,text,text,text,text,text,timestamp with time zone,integer,text[],text) is 'Stores a new authorization code (by its SHA-256) for the current project; codes live 60 s by default. Scope and resource must be the project''s own (astapa.assert_grant_target). amr: how the person signed in (RFC 8176); auth_time: when (now when null); organization_id: the active organization (id or slug; the person must be a member, AS403), kept by the sign-in''s refresh tokens. For a third-party client (dcl_… or a URL) the consent is remembered.';
grant execute on function api.issue_authorization_code(bytea,text,bigint,text,text,text,text,text,text,timestamp with time zone,integer,text[],text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.issue_email_token(user_id bigint, purpose text, token_hash bytea, sign_in_request text DEFAULT NULL::text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if purpose = 'reset_password' then
      update astapa.email_tokens t set used_at = pg_catalog.now()
      where t.project_id = astapa.current_project_id() and t.user_id = issue_email_token.user_id
        and t.purpose = 'reset_password' and t.used_at is null;
    end if;
    insert into astapa.email_tokens (project_id, token_hash, user_id, purpose, expires_at, sign_in_request)
    values (astapa.current_project_id(), token_hash, user_id, purpose,
            pg_catalog.now() + case purpose when 'reset_password' then interval '1 hour' else interval '3 days' end,
            sign_in_request);
  end
  $function$;
comment on function api.issue_email_token(bigint,text,bytea,text) is 'Stores a mailed link''s hash (and the sign-in request its short link opens): verify_email lasts 3 days, reset_password 1 hour and voids earlier reset links.';
grant execute on function api.issue_email_token(bigint,text,bytea,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.join_organization_by_domain(organization_id text, user_id bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
  begin
    if o.id not in (select astapa.domain_organizations(user_id)) then
      raise exception using errcode = 'AS403', message = pg_catalog.format(
        'Only people with a verified address at a verified domain of %s may join it without an invitation.', o.name);
    end if;
    return astapa.add_membership(o, user_id, 'member', 'domain');
  end
  $function$;
comment on function api.join_organization_by_domain(text,bigint) is 'A user joins, as member, an organization whose verified domain is their verified address''s (project setting suggest or automatic). AS403 otherwise, AS409 no free seat.';
grant execute on function api.join_organization_by_domain(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.link_console_account(user_id bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    console_id text := (select d.console_project_id from astapa.deployment as d);
    console_user astapa.users;
    account record;
  begin
    if console_id is null or astapa.current_project_id() is distinct from console_id then
      raise exception using errcode = 'AS403', message = 'Developer accounts are linked as the console project only.';
    end if;
    select * into console_user from astapa.users as u where u.project_id = console_id and u.id = link_console_account.user_id;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Console user %s was not found.', user_id);
    end if;
    if console_user.disabled then
      raise exception using errcode = 'AS403', message = 'This developer sign-in is disabled.';
    end if;
    -- One linker at a time, so two first sign-ins on a fresh install cannot both become the owner.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('astapa.link_console_account'));
    select a.id, a.console_user_id into account
    from astapa.accounts as a where a.console_user_id = link_console_account.user_id;
    if found then
      return astapa.account_json(account.id);
    end if;
    select a.id, a.console_user_id into account
    from astapa.accounts as a where pg_catalog.lower(a.email) = pg_catalog.lower(console_user.email);
    if found then
      if account.console_user_id is not null then
        raise exception using errcode = 'AS409',
          message = 'The developer account for this email signs in as another console user.';
      end if;
      -- An invitation is claimed only by someone who proved they read that mailbox.
      if not console_user.email_verified then
        raise exception using errcode = 'AS403',
          message = pg_catalog.format('Verify %s first: follow the link in the email we sent, then sign in again.',
            console_user.email);
      end if;
      update astapa.accounts as a set console_user_id = link_console_account.user_id where a.id = account.id;
    elsif not exists (select from astapa.accounts) then
      insert into astapa.accounts (email, console_user_id, deployment_owner)
      values (console_user.email, link_console_account.user_id, true) returning id, console_user_id into account;
    else
      raise exception using errcode = 'AS403',
        message = pg_catalog.format('This deployment is invite-only: ask its owner to invite %s.', console_user.email);
    end if;
    -- Accounts made with the CLI before anyone signed in: the first of them to sign in owns the deployment.
    if not exists (select from astapa.accounts as a where a.deployment_owner) then
      update astapa.accounts as a set deployment_owner = true where a.id = account.id;
    end if;
    perform astapa.audit(console_id, 'account.link', 'account:' || account.id,
      pg_catalog.jsonb_build_object('console_user_id', user_id::text));
    return astapa.account_json(account.id);
  end
  $function$;
comment on function api.link_console_account(bigint) is 'The developer account a console user signs in as: already linked; or an invited account with the same (verified) email, linked now; or, on a fresh install with no accounts, a new account that owns the deployment. Otherwise AS403 (invite-only). Security definer because it sets console_user_id and deployment_owner, which the app role may not write. Guard: only while acting for the console project, and only for a user of it (RLS still filters users to that project).';
grant execute on function api.link_console_account(bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.linked_method_account(method_id text)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    found_method jsonb;
  begin
    -- Only for requests that act for no project yet (the webhook): a payment_method.* callback names our id.
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'linked_method_account runs outside any project.';
    end if;
    if method_id is null or method_id !~ '^lpm_[a-z2-7]{24}$' then
      return null;
    end if;
    perform pg_catalog.set_config('astapa.lookup_linked_method', method_id, true);
    select pg_catalog.jsonb_build_object('project_id', m.project_id, 'environment', m.environment,
             'xendit_account', m.xendit_account)
    into found_method from astapa.linked_methods as m where m.public_id = method_id;
    perform pg_catalog.set_config('astapa.lookup_linked_method', '', true);
    return found_method;
  end
  $function$;
comment on function api.linked_method_account(text) is 'Definer: a Xendit payment_method.* callback names our method id (its reference_id) but no project. Returns the project, environment and Xendit account of that method — nothing else — so the webhook checks the callback token of the right account before anything is changed. Runs only without a project set.';
grant execute on function api.linked_method_account(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_account_projects(account_id bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    listed jsonb;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Projects cannot be listed while acting for one project.';
    end if;
    if account_id is null or astapa.current_actor() is distinct from 'account:' || account_id then
      raise exception using errcode = 'AS403', message = 'An account lists only its own projects.';
    end if;
    -- Only for this one query (on an error the transaction's rollback undoes it).
    perform pg_catalog.set_config('astapa.list_account_projects', account_id::text, true);
    listed := coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'project_id', p.id, 'name', p.name, 'mode', p.mode, 'client_id', p.client_id, 'created_at', p.created_at,
        'role', m.role) order by p.created_at, p.id)
      from astapa.memberships as m
      join astapa.projects as p on p.id = m.project_id
      where m.account_id = list_account_projects.account_id), '[]');
    perform pg_catalog.set_config('astapa.list_account_projects', '', true);
    return listed;
  end
  $function$;
comment on function api.list_account_projects(bigint) is 'The projects an account is a member of, with its role (no secrets), for the dashboard. Security definer because the list crosses projects: its set_config turns on the owner-only policies "definer functions list an account''s memberships" and "… the projects an account is a member of" for its one query. Guards: refused while acting for a project, and only for the account the transaction acts as (astapa.actor).';
grant execute on function api.list_account_projects(bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_audit(project_id text, filters jsonb DEFAULT '{}'::jsonb, before_id bigint DEFAULT NULL::bigint, max_rows integer DEFAULT 50)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    current_mode text := astapa.require_project(project_id);
    wanted_actor text := nullif(pg_catalog.btrim(filters ->> 'actor'), '');
    wanted_action text := nullif(pg_catalog.btrim(filters ->> 'action'), '');
    wanted_user text := nullif(pg_catalog.btrim(filters ->> 'user'), '');
  begin
    if filters is null or pg_catalog.jsonb_typeof(filters) <> 'object'
       or exists (select from pg_catalog.jsonb_object_keys(filters) as k where k not in ('actor', 'action', 'user')) then
      raise exception using errcode = 'AS400', message = 'Audit filters are actor, action and user.';
    end if;
    if max_rows is null or max_rows not between 1 and 200 then
      raise exception using errcode = 'AS400', message = 'A page holds 1 to 200 audit entries.';
    end if;
    if wanted_user is not null and wanted_user !~ '^[0-9]{1,18}$' then
      raise exception using errcode = 'AS400', message = 'Filter by user with their sub (digits only).';
    end if;
    if wanted_action is not null and wanted_action !~ '^[a-z_]+(\.[a-z_]*)?$' then
      raise exception using errcode = 'AS400',
        message = 'An action looks like user.create (or user. for every user action).';
    end if;
    -- A developer's email stands for their account.
    if wanted_actor ~ '@' then
      select 'account:' || a.id into wanted_actor from astapa.accounts as a
      where pg_catalog.lower(a.email) = pg_catalog.lower(wanted_actor);
      wanted_actor := coalesce(wanted_actor, 'account:none');
    end if;
    return (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'id', e.id::text, 'at', e.at, 'actor', e.actor, 'actor_email', e.actor_email, 'action', e.action,
          'target', e.target, 'details', e.details) order by e.id desc), '[]')
      from (
        select l.id, l.at, l.actor, acc.email as actor_email, l.action, l.target, l.details
        from astapa.audit_log as l
        left join astapa.users as u
          on u.project_id = l.project_id and u.id = astapa.audit_user_id(l.target)
        left join astapa.accounts as acc
          on acc.id = case when l.actor ~ '^account:[0-9]{1,18}$' then pg_catalog.substr(l.actor, 9)::bigint end
        where l.project_id = list_audit.project_id
          and (before_id is null or l.id < before_id)
          and (u.id is null or u.environment = current_mode)
          and (wanted_actor is null or l.actor = wanted_actor)
          and (wanted_action is null or l.action = wanted_action
               or (wanted_action ~ '\.$' and pg_catalog.starts_with(l.action, wanted_action)))
          and (wanted_user is null or l.target = 'user:' || wanted_user)
        order by l.id desc
        limit max_rows) as e);
  end
  $function$;
comment on function api.list_audit(text,jsonb,bigint,integer) is 'The project''s audit log, newest first, before before_id (keyset), at most max_rows (1–200). filters: actor (exact, or a developer''s email), action (exact, or a prefix ending in a dot), user (a sub: target user:<sub>). Entries about the other environment''s users are left out; account actors come with their email. AS400 bad filters or size; AS404 unknown project.';
grant execute on function api.list_audit(text,jsonb,bigint,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_coupons(project_id text)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  begin
    perform astapa.require_project(project_id);
    return coalesce((select pg_catalog.jsonb_agg(astapa.coupon_json(c) order by c.created_at desc, c.code)
                     from astapa.coupons as c where c.project_id = list_coupons.project_id), '[]');
  end
  $function$;
comment on function api.list_coupons(text) is 'The project''s coupons, newest first, with their redemption counts.';
grant execute on function api.list_coupons(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_environment_users(project_id text, page_size integer DEFAULT 50, after_id bigint DEFAULT 0)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    current_mode text := astapa.require_project(project_id);
  begin
    if page_size is null or page_size not between 1 and 1000 then
      raise exception using errcode = 'AS400', message = 'A page holds 1 to 1000 users.';
    end if;
    return coalesce((
      select pg_catalog.jsonb_agg(astapa.user_json(page.project_id, page.id) order by page.id)
      from (select u.project_id, u.id from astapa.users as u
            where u.project_id = list_environment_users.project_id and u.environment = current_mode
              and u.id > coalesce(after_id, 0) and u.deleted_at is null
            order by u.id limit page_size) as page), '[]');
  end
  $function$;
comment on function api.list_environment_users(text,integer,bigint) is 'A page of the project''s users in its current environment, in id order after after_id. AS400 page size outside 1–1000; AS404 unknown project.';
grant execute on function api.list_environment_users(text,integer,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_linked_methods(project_id text, user_id bigint)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.jsonb_agg(astapa.linked_method_json(m) order by m.id desc), '[]')
    from astapa.linked_methods as m
    where m.project_id = list_linked_methods.project_id and m.user_id = list_linked_methods.user_id
      and m.status in ('requires_action', 'active')
  $function$;
comment on function api.list_linked_methods(text,bigint) is 'A user''s linked methods that are active or waiting for approval, newest first.';
grant execute on function api.list_linked_methods(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_login_sessions(project_id text, user_id bigint, max_rows integer DEFAULT 20)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  begin
    if astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    return (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'created_at', s.created_at, 'expires_at', s.expires_at, 'ended_at', s.ended_at,
          'live', s.ended_at is null and s.expires_at > pg_catalog.now()) order by s.created_at desc), '[]')
      from (select * from astapa.login_sessions as l
            where l.project_id = list_login_sessions.project_id and l.user_id = list_login_sessions.user_id
            order by l.created_at desc limit least(greatest(max_rows, 1), 100)) as s);
  end
  $function$;
comment on function api.list_login_sessions(text,bigint,integer) is 'A user''s hosted-login sessions, newest first (at most max_rows, 1–100): started, expires, ended, live. Never the token hash. AS404 unknown user.';
grant execute on function api.list_login_sessions(text,bigint,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_machine_clients()
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.jsonb_agg(astapa.machine_client_json(m.client_id) order by m.created_at, m.client_id),
                    '[]')
    from astapa.machine_clients m
    where m.project_id = astapa.current_project_id()
  $function$;
comment on function api.list_machine_clients() is 'The current project''s machine clients, oldest first.';
grant execute on function api.list_machine_clients() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_mail(project_id text, max_rows integer DEFAULT 50)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'id', m.id, 'to', m.to_address, 'template', m.kind, 'subject', m.subject, 'text', m.body_text,
        'html', m.body_html, 'created_at', m.created_at, 'sent_at', m.sent_at) order by m.id desc), '[]')
    from (select * from astapa.mail_outbox as o where o.project_id = list_mail.project_id
          order by o.id desc limit least(greatest(max_rows, 1), 500)) as m
  $function$;
comment on function api.list_mail(text,integer) is 'The project''s newest mail (at most max_rows, 1–500), newest first.';
grant execute on function api.list_mail(text,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_mail_outbox(project_id text, status text DEFAULT NULL::text, before_id bigint DEFAULT NULL::bigint, max_rows integer DEFAULT 50)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    current_mode text := astapa.require_project(project_id);
  begin
    if status is not null and status not in ('queued', 'sent', 'failed') then
      raise exception using errcode = 'AS400', message = 'A mail status is queued, sent or failed.';
    end if;
    if max_rows is null or max_rows not between 1 and 200 then
      raise exception using errcode = 'AS400', message = 'A page holds 1 to 200 messages.';
    end if;
    return (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'id', m.id::text, 'to', m.to_address, 'kind', m.kind, 'locale', m.locale, 'status', m.status,
          'attempts', m.attempts, 'last_error', m.last_error, 'created_at', m.created_at, 'sent_at', m.sent_at,
          'next_attempt_at', case when m.status = 'queued' then m.next_attempt_at end) order by m.id desc), '[]')
      from (
        select o.*, case when o.sent_at is not null then 'sent' when o.attempts >= 8 then 'failed' else 'queued' end
                 as status
        from astapa.mail_outbox as o
        where o.project_id = list_mail_outbox.project_id
          and (before_id is null or o.id < before_id)
          and (o.environment is null or o.environment = current_mode)
          and (list_mail_outbox.status is null
               or list_mail_outbox.status = case when o.sent_at is not null then 'sent'
                                                 when o.attempts >= 8 then 'failed' else 'queued' end)
        order by o.id desc
        limit max_rows) as m);
  end
  $function$;
comment on function api.list_mail_outbox(text,text,bigint,integer) is 'The project''s outbox without bodies or subjects (they hold links), newest first, before before_id, at most max_rows (1–200), optionally one status: queued, sent, failed (8 attempts without success). Only the current environment''s mail (and mail from before environments were recorded). AS400 bad status or size; AS404 unknown project.';
grant execute on function api.list_mail_outbox(text,text,bigint,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_members(project_id text)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  begin
    perform astapa.require_project(project_id);
    return coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('account_id', a.id::text, 'email', a.email,
        'role', m.role, 'signed_in', a.console_user_id is not null) order by m.created_at, a.id)
      from astapa.memberships as m
      join astapa.accounts as a on a.id = m.account_id
      where m.project_id = list_members.project_id), '[]');
  end
  $function$;
comment on function api.list_members(text) is 'The project''s members with their emails and roles; signed_in is false for an invitation not yet used.';
grant execute on function api.list_members(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_organization_invitations(organization_id text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.jsonb_agg(astapa.invitation_json(i) order by i.created_at desc, i.id), '[]')
    from astapa.organization_invitations i
    join astapa.organizations o on o.project_id = i.project_id and o.id = i.organization_id
    where i.project_id = astapa.current_project_id()
      and (o.id = list_organization_invitations.organization_id or o.slug = list_organization_invitations.organization_id)
  $function$;
comment on function api.list_organization_invitations(text) is 'An organization''s (id or slug) invitations, newest first.';
grant execute on function api.list_organization_invitations(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_organization_members(organization_id text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.jsonb_agg(astapa.membership_json(m) order by m.created_at, m.user_id), '[]')
    from astapa.organization_memberships m
    join astapa.organizations o on o.project_id = m.project_id and o.id = m.organization_id
    where m.project_id = astapa.current_project_id()
      and (o.id = list_organization_members.organization_id or o.slug = list_organization_members.organization_id)
  $function$;
comment on function api.list_organization_members(text) is 'An organization''s (id or slug) members, oldest first.';
grant execute on function api.list_organization_members(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_organization_roles()
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_agg(r order by r ->> 'key')
    from (select pg_catalog.jsonb_build_object('key', b.key, 'name', coalesce(r.name, b.name), 'built_in', true,
                   'permissions', pg_catalog.to_jsonb(coalesce(r.permissions, '{}'))) as r
          from (values ('owner', 'Owner'), ('admin', 'Admin'), ('member', 'Member')) as b(key, name)
          left join astapa.organization_roles r on r.project_id = astapa.current_project_id() and r.key = b.key
          union all
          select pg_catalog.jsonb_build_object('key', r.key, 'name', r.name, 'built_in', false,
                   'permissions', pg_catalog.to_jsonb(r.permissions))
          from astapa.organization_roles r
          where r.project_id = astapa.current_project_id() and r.key not in ('owner', 'admin', 'member')) as all_roles
  $function$;
comment on function api.list_organization_roles() is 'The roles members of the current project''s organizations may hold: owner, admin and member (built in) and the project''s own, each with its permissions, by key.';
grant execute on function api.list_organization_roles() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_organizations(search text DEFAULT NULL::text, max_rows integer DEFAULT 100)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.jsonb_agg(astapa.organization_json(o) order by o.name, o.id), '[]')
    from (select * from astapa.organizations o
          where o.project_id = astapa.current_project_id()
            and (search is null or o.name ilike '%' || search || '%' or o.slug ilike '%' || search || '%')
          order by o.name, o.id
          limit least(greatest(coalesce(max_rows, 100), 1), 1000)) as o
  $function$;
comment on function api.list_organizations(text,integer) is 'The current project''s organizations by name, optionally only those whose name or slug contains search.';
grant execute on function api.list_organizations(text,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_payments(project_id text, filter jsonb DEFAULT '{}'::jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    mode text := astapa.require_project(project_id);
    problems jsonb := '{}';
    page_size integer;
  begin
    if pg_catalog.jsonb_typeof(filter) is distinct from 'object' then
      raise exception using errcode = 'AS400', message = 'filter must be a JSON object.';
    end if;
    if filter ? 'status' and filter ->> 'status' not in ('open', 'pending', 'paid', 'expired') then
      problems := problems || '{"status": ["status must be open, pending, paid or expired."]}';
    end if;
    if filter ? 'method' and filter ->> 'method' not in ('qris', 'bank_transfer', 'ovo', 'gopay') then
      problems := problems || '{"method": ["method must be qris, bank_transfer, ovo or gopay."]}';
    end if;
    if filter ? 'before' and coalesce(filter ->> 'before', '') !~ '^[0-9]{1,18}$' then
      problems := problems || '{"before": ["before must be a checkout''s id (a whole number)."]}';
    end if;
    if filter ? 'size' and not astapa.is_whole_number(filter -> 'size', 1, 200) then
      problems := problems || '{"size": ["size must be a whole number from 1 to 200."]}';
    end if;
    perform astapa.raise_problems(nullif(problems, '{}'));
    page_size := coalesce((filter ->> 'size')::integer, 50);
    return coalesce((
      select pg_catalog.jsonb_agg(astapa.dashboard_payment_json(c) order by c.id desc)
      from (select * from astapa.checkouts as c
            where c.project_id = list_payments.project_id and c.environment = mode
              and (not filter ? 'status' or c.status = filter ->> 'status')
              and (not filter ? 'method' or c.method = filter ->> 'method')
              and (not filter ? 'before' or c.id < (filter ->> 'before')::bigint)
            order by c.id desc
            limit page_size) as c), '[]');
  end
  $function$;
comment on function api.list_payments(text,jsonb) is 'A page of the project''s checkouts in its current mode, newest first: filter {status?, method?, before? (a row''s id: the rows older than it), size? (1-200, default 50)}. AS400 naming the bad filter field.';
grant execute on function api.list_payments(text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_phone_messages(max_rows integer DEFAULT 100)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'id', m.id::text, 'phone_number', m.phone_number, 'channel', m.channel, 'provider', m.provider,
      'status', m.status, 'provider_message_id', m.provider_message_id, 'cost', m.cost, 'currency', m.currency,
      'error', m.error, 'sandbox_text', m.sandbox_text, 'created_at', m.created_at)) order by m.id desc), '[]')
    from (select * from astapa.phone_messages x where x.project_id = astapa.current_project_id()
          order by x.id desc limit least(greatest(max_rows, 1), 500)) m
  $function$;
comment on function api.list_phone_messages(integer) is 'The current project''s latest code messages (at most 500), newest first: the dashboard''s message log.';
grant execute on function api.list_phone_messages(integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_plans(project_id text, include_archived boolean DEFAULT false)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  begin
    perform astapa.require_project(project_id);
    return coalesce((
      select pg_catalog.jsonb_agg(astapa.plan_json(p.project_id, p.key) order by p.sort_order, p.price_idr, p.key)
      from astapa.plans as p
      where p.project_id = list_plans.project_id and (include_archived or p.archived_at is null)), '[]');
  end
  $function$;
comment on function api.list_plans(text,boolean) is 'The project''s plans by sort_order, price and key; archived ones only when asked.';
grant execute on function api.list_plans(text,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_projects()
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    listed jsonb;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Projects cannot be listed while acting for one project.';
    end if;
    -- Only for this one query (on an error the transaction's rollback undoes it).
    perform pg_catalog.set_config('astapa.list_all_projects', 'on', true);
    listed := coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'project_id', p.id, 'name', p.name, 'mode', p.mode, 'client_id', p.client_id, 'created_at', p.created_at)
        order by p.created_at, p.id)
      from astapa.projects as p
      where p.deleted_at is null), '[]');
    perform pg_catalog.set_config('astapa.list_all_projects', '', true);
    return listed;
  end
  $function$;
comment on function api.list_projects() is 'Every project not deleted (no secrets), for the operator''s CLI. Security definer because listing crosses projects: its set_config turns on the owner-only policy "definer functions list every project for the operator" for its one query. Guard: refused while the transaction acts for a project, so a request cannot list its neighbours.';
grant execute on function api.list_projects() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_receipts(project_id text, max_rows integer DEFAULT 50, before_id text DEFAULT NULL::text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.jsonb_agg(astapa.receipt_json(r) order by r.id desc), '[]')
    from (select * from astapa.receipts as r
          where r.project_id = list_receipts.project_id
            and (list_receipts.before_id is null or r.id < (select b.id from astapa.receipts as b
                 where b.project_id = list_receipts.project_id and b.public_id = list_receipts.before_id))
          order by r.id desc
          limit least(greatest(coalesce(max_rows, 50), 1), 200)) as r
  $function$;
comment on function api.list_receipts(text,integer,text) is 'The project''s receipts, newest first, max_rows (1–200, default 50) older than receipt before_id.';
grant execute on function api.list_receipts(text,integer,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_refunds(project_id text, receipt text DEFAULT NULL::text, max_rows integer DEFAULT 50)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.jsonb_agg(astapa.refund_json(r) order by r.id desc), '[]')
    from (select r.* from astapa.refunds as r
          where r.project_id = list_refunds.project_id
            and (list_refunds.receipt is null or r.payment_id = (
                 select x.payment_id from astapa.receipts as x where x.project_id = list_refunds.project_id
                   and (x.public_id = list_refunds.receipt or x.number = list_refunds.receipt)))
          order by r.id desc
          limit least(greatest(coalesce(max_rows, 50), 1), 200)) as r
  $function$;
comment on function api.list_refunds(text,text,integer) is 'The project''s refunds, newest first (max_rows 1–200), or those of one receipt (id or number).';
grant execute on function api.list_refunds(text,text,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_resources()
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.jsonb_agg(astapa.resource_json(r) order by r.uri), '[]')
    from astapa.resources r
    where r.project_id = astapa.current_project_id()
  $function$;
comment on function api.list_resources() is 'The current project''s protected resources, by URI.';
grant execute on function api.list_resources() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_scopes()
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.jsonb_agg(
      pg_catalog.jsonb_build_object('name', s.name, 'description', s.description) order by s.name), '[]')
    from astapa.scopes s
    where s.project_id = astapa.current_project_id()
  $function$;
comment on function api.list_scopes() is 'The current project''s declared scopes, by name.';
grant execute on function api.list_scopes() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_signing_keys()
 RETURNS TABLE(kid text, state text, created_at timestamp with time zone, activated_at timestamp with time zone, retired_at timestamp with time zone)
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select k.kid, k.state, k.created_at, k.activated_at, k.retired_at
    from astapa.signing_keys k
    order by case k.state when 'next' then 0 when 'active' then 1 else 2 end, k.created_at desc
  $function$;
comment on function api.list_signing_keys() is 'Every signing key with its history, for operators (never key material).';
grant execute on function api.list_signing_keys() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_token_exchange_policies()
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'client_id', t.client_id, 'resource', t.resource, 'created_at', t.created_at)
      order by t.client_id, t.resource), '[]')
    from astapa.token_exchange_policies t
    where t.project_id = astapa.current_project_id()
  $function$;
comment on function api.list_token_exchange_policies() is 'The current project''s token exchange policy: [{client_id, resource, created_at}].';
grant execute on function api.list_token_exchange_policies() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_trusted_identity_providers()
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
             'issuer', i.issuer, 'jwks', i.jwks, 'created_at', i.created_at, 'updated_at', i.updated_at)
             order by i.issuer), '[]'::jsonb)
    from astapa.trusted_identity_providers i
    where i.project_id = astapa.current_project_id()
  $function$;
comment on function api.list_trusted_identity_providers() is 'The enterprise identity providers the current project trusts: issuer, public JWK Set, when added and changed.';
grant execute on function api.list_trusted_identity_providers() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_users(project_id text, page_size integer DEFAULT 100, after_id bigint DEFAULT 0)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  begin
    perform astapa.require_project(project_id);
    if page_size not between 1 and 1000 then
      raise exception using errcode = 'AS400', message = 'A page holds 1 to 1000 users.';
    end if;
    return coalesce((
      select pg_catalog.jsonb_agg(astapa.user_json(page.project_id, page.id) order by page.id)
      from (select u.project_id, u.id from astapa.users as u
            where u.project_id = list_users.project_id and u.id > coalesce(after_id, 0) and u.deleted_at is null
            order by u.id limit page_size) as page), '[]');
  end
  $function$;
comment on function api.list_users(text,integer,bigint) is 'A page of the project''s users (every environment) in id order, after after_id; AS404 for an unknown project.';
grant execute on function api.list_users(text,integer,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.list_webhook_deliveries(project_id text, status text DEFAULT NULL::text, max_deliveries integer DEFAULT 50)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  begin
    perform astapa.require_project(project_id);
    if status is not null and status not in ('pending', 'sending', 'delivered', 'failed') then
      raise exception using errcode = 'AS400', detail = '{"status": ["pending, sending, delivered or failed."]}',
        message = 'status must be pending, sending, delivered or failed.';
    end if;
    if max_deliveries not between 1 and 1000 then
      raise exception using errcode = 'AS400', message = 'List 1 to 1000 deliveries.';
    end if;
    return coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'id', d.id::text, 'event_id', ev.public_id, 'event_type', ev.type, 'status', d.status,
        'attempts', d.attempts, 'last_status', d.last_status, 'last_error', d.last_error,
        'last_attempt_at', d.last_attempt_at, 'next_attempt_at',
        case when d.status = 'pending' then d.next_attempt_at end,
        'delivered_at', d.delivered_at, 'created_at', d.created_at) order by d.id desc)
      from (select * from astapa.webhook_deliveries as w
            where w.project_id = list_webhook_deliveries.project_id
              and (list_webhook_deliveries.status is null or w.status = list_webhook_deliveries.status)
            order by w.id desc limit max_deliveries) as d
      join astapa.events as ev on ev.project_id = d.project_id and ev.id = d.event_id), '[]');
  end
  $function$;
comment on function api.list_webhook_deliveries(text,text,integer) is 'The project''s latest webhook deliveries (optionally of one status), newest first: event, status, attempts, last HTTP status and error, when the next attempt is due.';
grant execute on function api.list_webhook_deliveries(text,text,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.log_phone_message(phone_number text, channel text, provider text, status text, provider_message_id text, cost numeric, currency text, error text, address text, sandbox_text text DEFAULT NULL::text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    budget integer := (astapa.phone_settings(project) ->> 'daily_budget')::integer;
    sent_today integer;
  begin
    insert into astapa.phone_messages (project_id, phone_number, channel, provider, status, provider_message_id,
                                       cost, currency, error, address, sandbox_text)
    values (project, phone_number, channel, provider, status, pg_catalog.left(provider_message_id, 200), cost,
            currency, pg_catalog.left(error, 500), pg_catalog.left(address, 100), sandbox_text);
    if status in ('sent', 'sandbox') then
      select count(*) into sent_today from astapa.phone_messages m
      where m.project_id = project and m.created_at >= pg_catalog.date_trunc('day', pg_catalog.now())
        and m.status in ('sent', 'sandbox');
      -- The message that uses up the day's budget tells the app, before anyone is refused.
      if sent_today >= budget then
        perform astapa.phone_budget_alert(project, budget, sent_today);
      end if;
    end if;
  end
  $function$;
comment on function api.log_phone_message(text,text,text,text,text,numeric,text,text,text,text) is 'Writes one code message to the current project''s message log: its provider, status (sent, failed, sandbox), the provider''s id and cost when reported, the error when it failed. Never the code, except the sandbox text of a sandbox project. The message that reaches settings.phone.daily_budget fires the phone.budget_reached webhook (astapa.phone_budget_alert, once a day).';
grant execute on function api.log_phone_message(text,text,text,text,text,numeric,text,text,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.login_session(token_hash bytea)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object('user_id', s.user_id::text, 'amr', pg_catalog.to_jsonb(s.amr),
      'auth_time', pg_catalog.floor(extract(epoch from s.created_at))::bigint)
    from astapa.login_sessions s
    join astapa.users u on u.project_id = s.project_id and u.id = s.user_id
    join astapa.projects p on p.id = s.project_id
    where s.project_id = astapa.current_project_id() and s.token_hash = login_session.token_hash
      and s.ended_at is null and s.expires_at > pg_catalog.now()
      and not u.disabled and u.environment = p.mode
  $function$;
comment on function api.login_session(bytea) is 'A live session''s user, how they signed in (amr) and when (auth_time, epoch seconds), or null: what acr_values, max_age and the tokens'' amr need (the same liveness rules as api.login_session_user).';
grant execute on function api.login_session(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.login_session_user(token_hash bytea)
 RETURNS bigint
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select s.user_id
    from astapa.login_sessions s
    join astapa.users u on u.project_id = s.project_id and u.id = s.user_id
    join astapa.projects p on p.id = s.project_id
    where s.project_id = astapa.current_project_id() and s.token_hash = login_session_user.token_hash
      and s.ended_at is null and s.expires_at > pg_catalog.now()
      and not u.disabled and u.environment = p.mode
  $function$;
comment on function api.login_session_user(bytea) is 'The user a live session belongs to, or null (ended, expired, disabled user, or the other environment).';
grant execute on function api.login_session_user(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.machine_client_grant(client_id text, requested_scope text, resource text)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    client record;
    allowed text[];
    granted text[];
  begin
    select m.enabled, m.scopes, m.resources, m.access_token_ttl into client
    from astapa.machine_clients m
    where m.project_id = astapa.current_project_id() and m.client_id = machine_client_grant.client_id;
    if not found or not client.enabled then
      raise exception 'this machine client is unknown or disabled' using errcode = 'AS4U0';
    end if;
    -- Only scopes the project still declares count, so withdrawing a scope takes effect at once.
    allowed := array(select s from pg_catalog.unnest(client.scopes) as s
                     where exists (select from astapa.scopes d
                                   where d.project_id = astapa.current_project_id() and d.name = s)
                     order by s);
    -- No scope asked: grant everything the client may have (RFC 6749 §3.3 lets the server pick a default).
    -- Asked for more: grant the part the client may have, in the order asked (§3.3 lets the server narrow; the
    -- token response's scope then says what was granted). MCP clients ask for a resource's whole
    -- scopes_supported when its challenge names none. Nothing of what was asked is allowed: invalid_scope.
    granted := case when requested_scope is null then allowed else array(
      select x.s from pg_catalog.unnest(pg_catalog.string_to_array(requested_scope, ' ')) with ordinality as x(s, n)
      where x.s = any (allowed) order by x.n) end;
    if requested_scope is not null and pg_catalog.cardinality(granted) = 0 then
      raise exception 'none of the requested scopes is one this client may use' using errcode = 'AS4S0';
    end if;
    if resource is not null and not (
      resource = any (client.resources)
      and exists (select from astapa.resources r
                  where r.project_id = astapa.current_project_id() and r.uri = machine_client_grant.resource)) then
      raise exception 'the requested resource is not one this client may ask for' using errcode = 'AS4T0';
    end if;
    return pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'project_id', astapa.current_project_id(),
      'scope', nullif(pg_catalog.array_to_string(granted, ' '), ''),
      'resource', resource,
      'access_ttl', coalesce(client.access_token_ttl, (select p.access_ttl from astapa.token_policy() as p))));
  end
  $function$;
comment on function api.machine_client_grant(text,text,text) is 'Decides a client_credentials grant for a machine client of the current project: scope within the client''s scopes that the project still declares (all of them when none is asked, the allowed part of a wider request, invalid_scope when none of it is allowed), resource among the client''s resources that the project still registers (it becomes aud), lifetime the client''s or the project''s.';
grant execute on function api.machine_client_grant(text,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.machine_client_keys(client_id text)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    found jsonb;
  begin
    if client_id is null or client_id !~ '^mcl_[a-z2-7]{24}$' then
      return null;
    end if;
    -- Shows the owner this one client for the next query only (as api.verify_client does).
    perform pg_catalog.set_config('astapa.lookup_client_id', client_id, true);
    select pg_catalog.jsonb_build_object('project_id', m.project_id, 'enabled', m.enabled, 'jwks', m.jwks)
    into found
    from astapa.machine_clients as m
    where m.client_id = machine_client_keys.client_id and m.jwks is not null;
    perform pg_catalog.set_config('astapa.lookup_client_id', '', true);
    return found;
  end
  $function$;
comment on function api.machine_client_keys(text) is 'A machine client''s public keys for checking its client assertion, as {project_id, enabled, jwks}, or null when it has none. Security definer because it runs before any project is known (the client''s project comes from it); it sees only the one client its id names, through the owner-only policy "definer functions find the machine client a client id names", and returns public keys only.';
grant execute on function api.machine_client_keys(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.mail_delivered(id bigint, error text DEFAULT NULL::text)
 RETURNS void
 LANGUAGE sql
 SET search_path TO ''
AS $function$
    update astapa.mail_outbox m
    set sent_at = case when error is null then pg_catalog.now() end,
        last_error = error,
        body_text = case when error is null then '(erased after delivery)' else m.body_text end,
        body_html = case when error is null then null else m.body_html end,
        -- A deleted account's goodbye keeps no address once it is out (astapa.erase_user).
        to_address = case when error is null and m.kind = 'account_deleted' then 'deleted@deleted.invalid'
                          else m.to_address end
    where m.project_id = astapa.current_project_id() and m.id = mail_delivered.id
  $function$;
comment on function api.mail_delivered(bigint,text) is 'Records a delivery attempt: sent (the body is erased; it may hold single-use links; a deleted account''s goodbye also loses its address), or the error to retry after (the body is kept).';
grant execute on function api.mail_delivered(bigint,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.mail_email_code(email text, code_hash bytea, link_hash bytea, sign_in_request text, subject text, body_text text, body_html text)
 RETURNS boolean
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    found_user record;
    address text := pg_catalog.btrim(mail_email_code.email);
  begin
    select u.id, u.email, u.disabled into found_user
    from astapa.users u join astapa.projects p on p.id = u.project_id
    where u.project_id = astapa.current_project_id() and u.environment = p.mode
      and u.email_lower = pg_catalog.lower(address);
    if found then
      -- Silence, not an error, for a disabled account: the page answers the same either way.
      if found_user.disabled then
        return false;
      end if;
      -- One live code per person: a new one voids the ones before it.
      update astapa.email_codes c set used_at = pg_catalog.now()
      where c.project_id = astapa.current_project_id() and c.user_id = found_user.id and c.used_at is null;
      insert into astapa.email_codes (project_id, link_hash, user_id, code_hash, sign_in_request, expires_at)
      values (astapa.current_project_id(), link_hash, found_user.id, code_hash, sign_in_request,
        pg_catalog.now() + interval '10 minutes');
      perform api.queue_mail(found_user.email, subject, body_text, 'email_code', body_html);
      return true;
    end if;
    -- Nobody has the address: a code that creates the account, where the project allows it (else silence).
    if not astapa.email_code_sign_up() or pg_catalog.length(address) > 254
       or address !~ '^[^@[:space:]]+@[^@[:space:]]+[.][^@[:space:]]+$' then
      return false;
    end if;
    update astapa.email_codes c set used_at = pg_catalog.now()
    where c.project_id = astapa.current_project_id() and c.user_id is null
      and pg_catalog.lower(c.email) = pg_catalog.lower(address) and c.used_at is null;
    insert into astapa.email_codes (project_id, link_hash, email, code_hash, sign_in_request, expires_at)
    values (astapa.current_project_id(), link_hash, address, code_hash, sign_in_request,
      pg_catalog.now() + interval '10 minutes');
    perform api.queue_mail(address, subject, body_text, 'email_code', body_html);
    return true;
  end
  $function$;
comment on function api.mail_email_code(text,bytea,bytea,text,text,text,text) is 'Mails a sign-in code and magic link to the enabled user behind an email (current project and environment), voiding their earlier codes; 10 minutes, 5 tries. For an address without a user, where settings.email_code_sign_up allows, a code that creates the account when redeemed. Returns false, silently, when nobody qualifies.';
grant execute on function api.mail_email_code(text,bytea,bytea,text,text,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.mail_email_link(email text, purpose text, token_hash bytea, subject text, body_text text, kind text, body_html text DEFAULT NULL::text, sign_in_request text DEFAULT NULL::text)
 RETURNS boolean
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    found_user record;
  begin
    -- The enabled user of this project's current environment behind the address, in any letter case.
    select u.id, u.email, u.email_verified into found_user
    from astapa.users u join astapa.projects p on p.id = u.project_id
    where u.project_id = astapa.current_project_id() and u.environment = p.mode and not u.disabled
      and u.email_lower = pg_catalog.lower(pg_catalog.btrim(mail_email_link.email));
    -- Silence, not an error, when there is nobody to mail: the pages answer the same either way.
    if not found or (purpose = 'verify_email' and found_user.email_verified) then
      return false;
    end if;
    perform api.issue_email_token(found_user.id, purpose, token_hash, sign_in_request);
    -- To the address as registered, whatever case it was typed in now.
    perform api.queue_mail(found_user.email, subject, body_text, kind, body_html);
    return true;
  end
  $function$;
comment on function api.mail_email_link(text,text,bytea,text,text,text,text,text) is 'Issues a mailed link (verify_email: only while unverified; reset_password) for the enabled user behind an email in the current project and environment, stores the sign-in request its short link opens, and queues its mail. Returns false, silently, when nobody qualifies.';
grant execute on function api.mail_email_link(text,text,bytea,text,text,text,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.mail_passkey_sign_up_code(email text, token_hash bytea, code_hash bytea, subject text, body_text text, body_html text)
 RETURNS boolean
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    address text := pg_catalog.btrim(mail_passkey_sign_up_code.email);
    found_user record;
    project text := astapa.current_project_id();
  begin
    if pg_catalog.length(address) > 254 or address !~ '^[^@[:space:]]+@[^@[:space:]]+[.][^@[:space:]]+$' then
      return false;
    end if;
    select u.id into found_user
    from astapa.users u join astapa.projects p on p.id = u.project_id
    where u.project_id = project and u.environment = p.mode and u.email_lower = pg_catalog.lower(address);
    -- Someone who has a passkey signs in with it; a disabled account, or one with a second factor, gets
    -- nothing. Silence, not an error: the page answers the same for every address. An account with no way in
    -- yet (an abandoned sign-up, one from before passwords were turned off) may prove the address and add its
    -- first passkey.
    if found and not astapa.passkey_sign_up_open(project, found_user.id) then
      return false;
    end if;
    -- Attempts go as new ones come: the table holds minutes of sign-ups, not history.
    delete from astapa.passkey_sign_ups s
    where s.project_id = project and s.expires_at < pg_catalog.now() - interval '1 hour';
    -- One live attempt per address: a new code voids the ones before it.
    update astapa.passkey_sign_ups s set expires_at = s.created_at + interval '1 microsecond'
    where s.project_id = project and pg_catalog.lower(s.email) = pg_catalog.lower(address)
      and s.finished_at is null and s.expires_at > pg_catalog.now();
    insert into astapa.passkey_sign_ups (project_id, token_hash, email, user_id, code_hash, expires_at)
    values (project, token_hash, address, found_user.id, code_hash, pg_catalog.now() + interval '10 minutes');
    perform api.queue_mail(address, subject, body_text, 'passkey_sign_up', body_html);
    return true;
  end
  $function$;
comment on function api.mail_passkey_sign_up_code(text,bytea,bytea,text,text,text) is 'Starts a sign-up on a passkeys-only project: mails the code (10 minutes, 5 tries) to an address without an account, or to an enabled account with no passkey, voiding the address''s earlier attempts. Returns false, silently, for a malformed address, a disabled account or one that has a passkey.';
grant execute on function api.mail_passkey_sign_up_code(text,bytea,bytea,text,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.manage_own_factor(session_hash bytea, action text, method text, step bigint DEFAULT NULL::bigint, code_hash bytea DEFAULT NULL::bytea, recovery_hashes bytea[] DEFAULT NULL::bytea[], mail jsonb DEFAULT NULL::jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    person bigint;
    factor astapa.user_factors;
    target text;
  begin
    if action is null or action not in ('regenerate', 'remove') then
      raise exception 'action is regenerate or remove' using errcode = 'AS400';
    end if;
    if method is null or method not in ('totp', 'recovery') then
      raise exception 'method is totp or recovery' using errcode = 'AS400';
    end if;
    if action = 'regenerate' and pg_catalog.cardinality(recovery_hashes) is distinct from 10 then
      raise exception 'regenerating needs 10 recovery code hashes' using errcode = 'AS400';
    end if;
    person := api.login_session_user(session_hash);
    if person is null then
      raise exception 'this session has ended; sign in again' using errcode = 'AS4G0';
    end if;
    target := 'user:' || person;
    -- Row lock: a code's time step is used once, here as at sign-in (api.meet_mfa_challenge).
    select * into factor from astapa.user_factors f
    where f.project_id = project and f.user_id = person and f.kind = 'totp' and f.confirmed_at is not null
    for update;
    if not found then
      raise exception 'no authenticator app is set up' using errcode = 'AS409';
    end if;
    -- A live session alone is not enough: a fresh proof of the factor is.
    if method = 'totp' then
      if step is null or factor.last_used_step >= step then
        return pg_catalog.jsonb_build_object('accepted', false);
      end if;
      update astapa.user_factors f set last_used_step = step
      where f.project_id = project and f.user_id = person and f.kind = 'totp';
    else
      update astapa.recovery_codes r set used_at = pg_catalog.now()
      where r.project_id = project and r.user_id = person and r.code_hash = manage_own_factor.code_hash
        and r.used_at is null;
      if not found then
        return pg_catalog.jsonb_build_object('accepted', false);
      end if;
    end if;
    delete from astapa.recovery_codes r where r.project_id = project and r.user_id = person;
    if action = 'regenerate' then
      insert into astapa.recovery_codes (project_id, user_id, code_hash)
      select project, person, h from pg_catalog.unnest(recovery_hashes) as h;
      perform astapa.audit(project, 'user.recovery_codes_regenerated', target,
        pg_catalog.jsonb_build_object('proof', method));
    else
      delete from astapa.user_factors f where f.project_id = project and f.user_id = person and f.kind = 'totp';
      update astapa.remembered_browsers b set revoked_at = pg_catalog.now()
      where b.project_id = project and b.user_id = person and b.revoked_at is null;
      perform astapa.audit(project, 'user.mfa_removed', target,
        pg_catalog.jsonb_build_object('proof', method, 'by', 'user'));
      perform astapa.emit_event(project, 'user.mfa_removed', pg_catalog.jsonb_build_object(
        'user', astapa.user_json(project, person), 'factor', 'totp'));
    end if;
    if mail is not null then
      perform api.queue_mail(project, mail || pg_catalog.jsonb_build_object('to',
        (select u.email from astapa.users u where u.project_id = project and u.id = person)));
    end if;
    return pg_catalog.jsonb_build_object('accepted', true, 'user_id', person::text);
  end
  $function$;
comment on function api.manage_own_factor(bytea,text,text,bigint,bytea,bytea[],jsonb) is 'A signed-in person (session_hash: their live session''s token hash) changes their own factor after a fresh proof — method totp (a time step later than the last used) or recovery (an unused code, spent): action regenerate replaces every recovery code with the 10 hashes given (audited user.recovery_codes_regenerated); remove deletes the app and the codes and forgets remembered browsers (audited and emitted user.mfa_removed). With mail the person is told. {accepted: false} and nothing changed for a refused proof (the caller counts it); AS4G0 without a live session, AS409 without an app.';
grant execute on function api.manage_own_factor(bytea,text,text,bigint,bytea,bytea[],jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.meet_mfa_challenge(token_hash bytea, method text, step bigint DEFAULT NULL::bigint, code_hash bytea DEFAULT NULL::bytea, secret_sealed bytea DEFAULT NULL::bytea, recovery_hashes bytea[] DEFAULT NULL::bytea[], mail jsonb DEFAULT NULL::jsonb, remember bytea DEFAULT NULL::bytea, remember_days integer DEFAULT 0)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    challenge astapa.mfa_challenges;
    factor astapa.user_factors;
    project text := astapa.current_project_id();
    target text;
  begin
    -- Row locks: two instances given the same code queue here, and only the first may use its step.
    select * into challenge from astapa.mfa_challenges c
    where c.project_id = project and c.token_hash = meet_mfa_challenge.token_hash
      and c.used_at is null and c.expires_at > pg_catalog.now()
    for update;
    if not found then
      raise exception 'this sign-in step has expired' using errcode = 'AS4G0';
    end if;
    target := 'user:' || challenge.user_id;
    select * into factor from astapa.user_factors f
    where f.project_id = project and f.user_id = challenge.user_id and f.kind = 'totp'
    for update;
    if method = 'enrol' then
      -- The secret lived only in the enrolment form (sealed) until this code proved the app has it: nothing
      -- half-finished is ever stored, so an abandoned enrolment asks nobody for anything.
      if factor.confirmed_at is not null then
        raise exception 'an authenticator app is already set up for this user' using errcode = 'AS409';
      end if;
      if meet_mfa_challenge.secret_sealed is null or step is null
         or pg_catalog.cardinality(recovery_hashes) is distinct from 10 then
        raise exception 'an enrolment needs the sealed secret, a time step and 10 recovery codes'
          using errcode = 'AS400';
      end if;
      insert into astapa.user_factors (project_id, user_id, kind, secret_sealed, confirmed_at, last_used_step)
      values (project, challenge.user_id, 'totp', meet_mfa_challenge.secret_sealed, pg_catalog.now(), step);
      delete from astapa.recovery_codes r where r.project_id = project and r.user_id = challenge.user_id;
      insert into astapa.recovery_codes (project_id, user_id, code_hash)
      select project, challenge.user_id, h from pg_catalog.unnest(recovery_hashes) as h;
      perform astapa.audit(project, 'user.mfa_enrolled', target, '{"factor":"totp"}');
      perform astapa.emit_event(project, 'user.mfa_enrolled', pg_catalog.jsonb_build_object(
        'user', astapa.user_json(project, challenge.user_id), 'factor', 'totp'));
    elsif method = 'totp' then
      if factor.confirmed_at is null or step is null or factor.last_used_step >= step then
        return pg_catalog.jsonb_build_object('accepted', false);
      end if;
      update astapa.user_factors f set last_used_step = step
      where f.project_id = project and f.user_id = challenge.user_id and f.kind = 'totp';
    elsif method = 'recovery' then
      update astapa.recovery_codes r set used_at = pg_catalog.now()
      where r.project_id = project and r.user_id = challenge.user_id and r.code_hash = meet_mfa_challenge.code_hash
        and r.used_at is null and factor.confirmed_at is not null;
      if not found then
        return pg_catalog.jsonb_build_object('accepted', false);
      end if;
      perform astapa.audit(project, 'user.recovery_code_used', target, pg_catalog.jsonb_build_object(
        'left', (select pg_catalog.count(*) from astapa.recovery_codes r
          where r.project_id = project and r.user_id = challenge.user_id and r.used_at is null)));
      if mail is not null then
        perform api.queue_mail(project, mail || pg_catalog.jsonb_build_object('to',
          (select u.email from astapa.users u where u.project_id = project and u.id = challenge.user_id)));
      end if;
    else
      raise exception 'method is enrol, totp or recovery' using errcode = 'AS400';
    end if;
    update astapa.mfa_challenges c set used_at = pg_catalog.now()
    where c.project_id = project and c.token_hash = challenge.token_hash;
    if remember is not null and remember_days between 1 and 90 then
      insert into astapa.remembered_browsers (project_id, token_hash, user_id, expires_at)
      values (project, remember, challenge.user_id,
              pg_catalog.now() + pg_catalog.make_interval(days => remember_days));
    end if;
    return pg_catalog.jsonb_build_object('accepted', true, 'user_id', challenge.user_id::text,
      'amr', pg_catalog.to_jsonb(array(select distinct a from pg_catalog.unnest(challenge.amr || '{otp,mfa}'::text[]) a
        order by a)));
  end
  $function$;
comment on function api.meet_mfa_challenge(bytea,text,bigint,bytea,bytea,bytea[],jsonb,bytea,integer) is 'Meets a live challenge once: enrol (stores the sealed secret the code proved, with the code''s time step, and the 10 recovery code hashes; AS409 when a factor exists; audited, user.mfa_enrolled event), totp (a step later than the last one used: a code is accepted once), or recovery (an unused code, spent; audited and, with mail, the user told). Returns {accepted, user_id, amr}, or {accepted: false} and nothing changed (the caller counts and audits the failure); AS4G0 for a dead challenge. With remember (a cookie''s hash) and remember_days 1–90, the browser may skip the factor that long (api.start_mfa_challenge).';
grant execute on function api.meet_mfa_challenge(bytea,text,bigint,bytea,bytea,bytea[],jsonb,bytea,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.meet_mfa_challenge_by_passkey(token_hash bytea, credential_id bytea, sign_count bigint, backed_up boolean, user_verified boolean)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    challenge astapa.mfa_challenges;
    project text := astapa.current_project_id();
    used jsonb;
  begin
    select * into challenge from astapa.mfa_challenges c
    where c.project_id = project and c.token_hash = meet_mfa_challenge_by_passkey.token_hash
      and c.used_at is null and c.expires_at > pg_catalog.now()
    for update;
    if not found then
      raise exception 'this sign-in step has expired' using errcode = 'AS4G0';
    end if;
    -- Without user verification a passkey is something the person has, like the password's device: not a
    -- second factor.
    if user_verified is not true then
      return pg_catalog.jsonb_build_object('accepted', false, 'reason', 'user_not_verified');
    end if;
    -- The passkey of someone else (any account on the same device) proves nothing about this person.
    if not exists (select from astapa.passkeys k
        where k.project_id = project and k.credential_id = meet_mfa_challenge_by_passkey.credential_id
          and k.user_id = challenge.user_id) then
      return pg_catalog.jsonb_build_object('accepted', false, 'reason', 'other_user');
    end if;
    -- The sign counter under its row lock, as at a passkey sign-in (a clone is marked and audited there; the
    -- caller must commit this refusal rather than roll it back).
    used := api.use_passkey(credential_id, sign_count, backed_up);
    if (used ->> 'accepted')::boolean is not true then
      return pg_catalog.jsonb_build_object('accepted', false,
        'reason', case used ->> 'reason' when 'cloned' then 'counter_regressed' else 'unknown_credential' end);
    end if;
    update astapa.mfa_challenges c set used_at = pg_catalog.now()
    where c.project_id = project and c.token_hash = challenge.token_hash;
    return pg_catalog.jsonb_build_object('accepted', true, 'user_id', challenge.user_id::text,
      'amr', pg_catalog.to_jsonb(array(select distinct a from pg_catalog.unnest(challenge.amr
        || array[case when (used ->> 'synced')::boolean then 'swk' else 'hwk' end, 'mfa']) a order by a)));
  end
  $function$;
comment on function api.meet_mfa_challenge_by_passkey(bytea,bytea,bigint,boolean,boolean) is 'Meets a live challenge once with a passkey assertion TypeScript verified (signature, origin, RP ID, challenge): the credential must be the challenged user''s and user_verified true; its sign counter is recorded by api.use_passkey (a clone is marked there). Returns {accepted, user_id, amr} (the first factor''s amr with hwk or swk and mfa) or {accepted: false, reason: user_not_verified|other_user|counter_regressed|unknown_credential} with the challenge left open; AS4G0 for a dead challenge.';
grant execute on function api.meet_mfa_challenge_by_passkey(bytea,bytea,bigint,boolean,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.meet_mfa_challenge_by_phone(challenge_hash bytea, token_hash bytea, code_hash bytea, remember bytea DEFAULT NULL::bytea, remember_days integer DEFAULT 0)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    challenge astapa.mfa_challenges;
    pending astapa.phone_codes;
  begin
    -- Row locks on both: two instances given the same code take turns, and only the first accepts it.
    select * into challenge from astapa.mfa_challenges c
    where c.project_id = project and c.token_hash = meet_mfa_challenge_by_phone.challenge_hash
      and c.used_at is null and c.expires_at > pg_catalog.now()
    for update;
    if not found then
      raise exception 'this sign-in step has expired' using errcode = 'AS4G0';
    end if;
    select * into pending from astapa.phone_codes p
    where p.project_id = project and p.token_hash = meet_mfa_challenge_by_phone.token_hash
      and p.purpose = 'mfa' and p.user_id = challenge.user_id
    for update;
    if not found or pending.used_at is not null or pending.expires_at <= pg_catalog.now()
       or pending.attempts >= 5 or not 'phone' = any(astapa.second_factor_kinds(project, challenge.user_id)) then
      return pg_catalog.jsonb_build_object('accepted', false, 'expired', true);
    end if;
    if pending.code_hash <> meet_mfa_challenge_by_phone.code_hash then
      update astapa.phone_codes p set attempts = p.attempts + 1
      where p.project_id = project and p.token_hash = pending.token_hash;
      return pg_catalog.jsonb_build_object('accepted', false, 'expired', pending.attempts + 1 >= 5,
        'attempts_left', 4 - pending.attempts);
    end if;
    update astapa.phone_codes p set used_at = pg_catalog.now()
    where p.project_id = project and p.token_hash = pending.token_hash;
    update astapa.mfa_challenges c set used_at = pg_catalog.now()
    where c.project_id = project and c.token_hash = challenge.token_hash;
    if remember is not null and remember_days between 1 and 90 then
      insert into astapa.remembered_browsers (project_id, token_hash, user_id, expires_at)
      values (project, remember, challenge.user_id,
              pg_catalog.now() + pg_catalog.make_interval(days => remember_days));
    end if;
    -- RFC 8176: sms for a code by SMS; a WhatsApp code is a one-time password (otp).
    return pg_catalog.jsonb_build_object('accepted', true, 'user_id', challenge.user_id::text,
      'amr', pg_catalog.to_jsonb(array(select distinct a from pg_catalog.unnest(challenge.amr
        || array[case pending.channel when 'sms' then 'sms' else 'otp' end, 'mfa']) a order by a)));
  end
  $function$;
comment on function api.meet_mfa_challenge_by_phone(bytea,bytea,bytea,bytea,integer) is 'Meets a live challenge once with the code sent to the person''s phone (token_hash: that code''s, purpose mfa, theirs only): five attempts, single use, five minutes. {accepted, user_id, amr} (the first factor''s amr with sms or otp and mfa), {accepted: false, attempts_left} for a wrong code (the caller counts it toward the factor lockout), {accepted: false, expired} for a dead code; AS4G0 for a dead challenge. remember/remember_days as api.meet_mfa_challenge.';
grant execute on function api.meet_mfa_challenge_by_phone(bytea,bytea,bytea,bytea,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.member_role(project_id text, account_id bigint)
 RETURNS text
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select m.role from astapa.memberships as m
    where m.project_id = member_role.project_id and m.account_id = member_role.account_id
  $function$;
comment on function api.member_role(text,bigint) is 'The account''s role (owner, admin, viewer) in the project the transaction acts for, or null.';
grant execute on function api.member_role(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.metrics_backlog()
 RETURNS TABLE(mail_waiting bigint, payment_events_waiting bigint, payment_lag_seconds double precision, webhooks_waiting bigint)
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'metrics_backlog runs outside any project.';
    end if;
    -- The policies the workers' own definer functions open, for these aggregate reads only.
    perform pg_catalog.set_config('astapa.list_mail_projects', 'on', true);
    perform pg_catalog.set_config('astapa.list_payment_event_projects', 'on', true);
    perform pg_catalog.set_config('astapa.find_due_webhooks', 'on', true);
    return query select
      (select pg_catalog.count(*) from astapa.mail_outbox as m where m.sent_at is null and m.attempts < 8),
      (select pg_catalog.count(*) from astapa.payment_events as e where e.processed_at is null),
      (select coalesce(extract(epoch from pg_catalog.now() - pg_catalog.min(e.received_at)), 0)::double precision
       from astapa.payment_events as e where e.processed_at is null),
      (select pg_catalog.count(*) from astapa.webhook_deliveries as d where d.status in ('pending', 'sending'));
    perform pg_catalog.set_config('astapa.list_mail_projects', '', true);
    perform pg_catalog.set_config('astapa.list_payment_event_projects', '', true);
    perform pg_catalog.set_config('astapa.find_due_webhooks', '', true);
  end
  $function$;
comment on function api.metrics_backlog() is 'Definer: the metrics scrape serves the whole deployment, so it counts rows across projects (through the workers'' existing policies). Returns counts and one age only. Runs only without a project set.';
grant execute on function api.metrics_backlog() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.mfa_challenge(token_hash bytea)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'user_id', c.user_id::text,
      'email', u.email,
      'amr', pg_catalog.to_jsonb(c.amr),
      'enrolled', f.confirmed_at is not null,
      -- The sealed secret (hex), useless without the master key.
      'secret_sealed', pg_catalog.encode(f.secret_sealed, 'hex'),
      'factors', pg_catalog.to_jsonb(astapa.second_factor_kinds(c.project_id, c.user_id)),
      -- The number a second-step code goes to, while the phone factor counts (the page shows it masked).
      'phone_number', case when 'phone' = any(astapa.second_factor_kinds(c.project_id, c.user_id))
        then u.phone_number end,
      'recovery_codes_left', (select pg_catalog.count(*) from astapa.recovery_codes r
        where r.project_id = c.project_id and r.user_id = c.user_id and r.used_at is null),
      -- Passkeys that may meet the challenge instead of a code (never a key; cloned ones are refused anyway).
      'passkeys', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'id', pg_catalog.encode(k.credential_id, 'hex'), 'transports', pg_catalog.to_jsonb(k.transports))
          order by k.created_at, k.credential_id)
        from astapa.passkeys k
        where k.project_id = c.project_id and k.user_id = c.user_id and k.cloned_at is null), '[]'::jsonb))
    from astapa.mfa_challenges c
    join astapa.users u on u.project_id = c.project_id and u.id = c.user_id
    join astapa.projects p on p.id = c.project_id
    left join astapa.user_factors f on f.project_id = c.project_id and f.user_id = c.user_id and f.kind = 'totp'
    where c.project_id = astapa.current_project_id() and c.token_hash = mfa_challenge.token_hash
      and c.used_at is null and c.expires_at > pg_catalog.now() and not u.disabled and u.environment = p.mode
  $function$;
comment on function api.mfa_challenge(bytea) is 'A live factor challenge: the user, their email (for the authenticator label), the first factor''s amr, whether an app is enrolled, its sealed secret, the second factors they can present (factors) and, with a phone factor, the number its code goes to, the unused recovery codes and the user''s usable passkeys (credential id in hex, transports: a passkey with user verification meets the challenge too); null when unknown, used, expired, or the user is disabled or of the other environment.';
grant execute on function api.mfa_challenge(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.mrr_by_month(project_id text, months integer DEFAULT 12, until timestamp with time zone DEFAULT now())
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    mode text := astapa.require_project(project_id);
    first_month date;
  begin
    if months is null or months not between 1 and 36 then
      raise exception using errcode = 'AS400', message = 'months must be from 1 to 36.';
    end if;
    first_month := (pg_catalog.date_trunc('month', until at time zone 'UTC') - pg_catalog.make_interval(months => months - 1))::date;
    return (
      with bounds as (
        -- Each UTC month, measured at its start and at its end (the current month: at until).
        select pg_catalog.to_char(m, 'YYYY-MM') as month,
               (m at time zone 'UTC') as starts,
               least(((m + interval '1 month') at time zone 'UTC'), until) as ends
        from pg_catalog.generate_series(first_month::timestamp,
                                        pg_catalog.date_trunc('month', until at time zone 'UTC'),
                                        interval '1 month') as m),
      paid as (
        -- Paid subscriptions of the project's current mode, with what each is worth a month (a yearly price
        -- divided by 12, rounded down); today's plan price, since past prices are not kept.
        select s.user_id, s.created_at, coalesce(s.ended_at, 'infinity') as ended_at, s.paid_through,
               case p.interval when 'month' then p.price_idr when 'year' then p.price_idr / 12 end as monthly
        from astapa.subscriptions as s
        join astapa.users as u on u.project_id = s.project_id and u.id = s.user_id and u.environment = mode
        join astapa.plans as p on p.project_id = s.project_id and p.key = s.plan_key
        where s.project_id = mrr_by_month.project_id and s.source = 'payment' and s.paid_through is not null
          and p.price_idr > 0 and p.interval in ('month', 'year')),
      per_month as (
        select b.month,
               (select coalesce(pg_catalog.sum(x.monthly), 0) from paid as x
                where x.created_at <= b.ends and x.ended_at > b.ends and x.paid_through > b.ends)::bigint as mrr,
               (select pg_catalog.array_agg(distinct x.user_id) from paid as x
                where x.created_at <= b.starts and x.ended_at > b.starts and x.paid_through > b.starts) as at_start,
               (select pg_catalog.array_agg(distinct x.user_id) from paid as x
                where x.created_at <= b.ends and x.ended_at > b.ends and x.paid_through > b.ends) as at_end
        from bounds as b)
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'month', pm.month, 'mrr_idr', pm.mrr,
               'paying', coalesce(pg_catalog.cardinality(pm.at_end), 0),
               'new', (select pg_catalog.count(*) from pg_catalog.unnest(coalesce(pm.at_end, '{}')) as e(id)
                       where e.id <> all (coalesce(pm.at_start, '{}'))),
               'churned', (select pg_catalog.count(*) from pg_catalog.unnest(coalesce(pm.at_start, '{}')) as s(id)
                           where s.id <> all (coalesce(pm.at_end, '{}'))),
               'paying_at_start', coalesce(pg_catalog.cardinality(pm.at_start), 0))
             order by pm.month)
      from per_month as pm);
  end
  $function$;
comment on function api.mrr_by_month(text,integer,timestamp with time zone) is '[{month: YYYY-MM, mrr_idr, paying, new, churned, paying_at_start}] for the months (UTC) months ending with until''s: paid subscriptions of the project''s current mode whose paid period covers the month''s end (the current month: until), each worth its plan''s monthly price (yearly / 12). churned: paying at the month''s start and not at its end; new: the reverse. AS400 unless 1 <= months <= 36; AS404 for a project that is not visible.';
grant execute on function api.mrr_by_month(text,integer,timestamp with time zone) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.next_renewal_charge(project_id text, now timestamp with time zone, retry_seconds integer)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    rc astapa.renewal_charges;
    target astapa.checkouts;
    chosen astapa.linked_methods;
    paid_status text;
  begin
    if now is null or retry_seconds is null or retry_seconds < 0 then
      raise exception using errcode = 'AS400', message = 'The renewal charges need now and a non-negative retry delay.';
    end if;
    -- Work nobody else holds: a charge to make (or to ask again, after retry_seconds without an answer), or one
    -- Xendit took whose payment has settled, or that has waited a day for any answer.
    select * into rc from astapa.renewal_charges as r
    where r.project_id = next_renewal_charge.project_id
      and ((r.status = 'charging'
            and (r.attempted_at is null or r.attempted_at <= now - pg_catalog.make_interval(secs => retry_seconds)))
        or (r.status = 'pending'
            and (r.attempted_at <= now - interval '1 day'
                 or exists (select from astapa.payments as y
                            where y.project_id = r.project_id and y.provider = 'xendit'
                              and y.provider_id = r.provider_id and y.status <> 'pending'))))
    order by r.id
    for update of r skip locked
    limit 1;
    if not found then
      return null;
    end if;
    select * into target from astapa.checkouts as c
    where c.project_id = rc.project_id and c.id = rc.checkout_id
    for update;
    if rc.status = 'pending' then
      select y.status into paid_status from astapa.payments as y
      where y.project_id = rc.project_id and y.provider = 'xendit' and y.provider_id = rc.provider_id;
      if paid_status = 'paid' then
        update astapa.renewal_charges as r set status = 'paid', updated_at = pg_catalog.now()
        where r.project_id = rc.project_id and r.id = rc.id;
        return pg_catalog.jsonb_build_object('action', 'paid', 'charge_id', rc.public_id);
      end if;
      return astapa.fail_renewal_charge(rc, target, case paid_status when 'failed' then 'FAILED'
        when 'expired' then 'EXPIRED' else 'NO_ANSWER' end, now);
    end if;
    select * into chosen from astapa.linked_methods as m
    where m.project_id = rc.project_id and m.id = rc.linked_method_id;
    if target.status not in ('open', 'pending') then
      return astapa.fail_renewal_charge(rc, target, 'CHECKOUT_' || pg_catalog.upper(target.status), now);
    elsif chosen.status <> 'active' then
      return astapa.fail_renewal_charge(rc, target, 'METHOD_' || pg_catalog.upper(chosen.status), now);
    elsif rc.tries >= 3 then
      return astapa.fail_renewal_charge(rc, target, 'NO_ANSWER', now);
    end if;
    -- The amount is fixed at the first try: a retry is the same request under the same idempotency key.
    update astapa.renewal_charges as r set tries = r.tries + 1, attempted_at = now,
      amount = coalesce(r.amount, target.amount), updated_at = pg_catalog.now()
    where r.project_id = rc.project_id and r.id = rc.id
    returning * into rc;
    return pg_catalog.jsonb_build_object('action', 'charge', 'charge_id', rc.public_id, 'amount', rc.amount,
      'provider_method_id', chosen.provider_id, 'channel', chosen.channel, 'label', chosen.label,
      'checkout', astapa.checkout_json(target));
  end
  $function$;
comment on function api.next_renewal_charge(text,timestamp with time zone,integer) is 'The renewal pass''s next linked-method charge (FOR UPDATE SKIP LOCKED; null when none is left): action charge (claimed: tries + 1, attempted_at = now; the caller asks Xendit with idempotency key charge_id and records the answer), mail (it failed: the payment failed or expired, no answer within a day, three tries without an answer, or the method was unlinked; the caller queues the pay-link mail), paid (bookkeeping), or none (the checkout was paid some other way or expired). AS400 without now or with a negative delay.';
grant execute on function api.next_renewal_charge(text,timestamp with time zone,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.organization_billing(user_id bigint)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'organizations', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'id', o.id, 'name', o.name, 'slug', o.slug, 'role', m.role, 'plan', o.plan_key,
          'plan_name', (select p.name from astapa.plans as p where p.project_id = o.project_id and p.key = o.plan_key),
          'plan_paid_through', o.plan_paid_through, 'plan_canceled_at', o.plan_canceled_at,
          -- Unpaid past plan_paid_through: the plan is kept until the grace days are over.
          'plan_grace_until', case when o.plan_canceled_at is null and o.plan_paid_through <= pg_catalog.now()
            then o.plan_paid_through + astapa.setting_days(
              (select p.settings from astapa.projects as p where p.id = o.project_id), 'billing_grace_days', 3) end,
          'seat_limit', astapa.organization_seat_limit(o),
          'next_seat_limit', case when o.next_seat_limit_from > pg_catalog.now() then o.next_seat_limit end,
          'next_seat_limit_from', case when o.next_seat_limit_from > pg_catalog.now() then o.next_seat_limit_from end,
          'members', (select count(*) from astapa.organization_memberships as x
                      where x.project_id = o.project_id and x.organization_id = o.id),
          'payments', coalesce((
            select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
              'checkout_id', c.public_id, 'plan', c.plan_key, 'seats', c.seats, 'seats_from', c.seats_from,
              'amount', c.amount, 'paid_at', c.paid_at) order by c.paid_at desc)
            from astapa.checkouts as c
            where c.project_id = o.project_id and c.organization_id = o.id and c.status = 'paid'), '[]'))
          order by o.name)
        from astapa.organization_memberships as m
        join astapa.organizations as o on o.project_id = m.project_id and o.id = m.organization_id
        where m.project_id = astapa.current_project_id() and m.user_id = organization_billing.user_id
          and m.role in ('owner', 'admin')), '[]'),
      'team_plans', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'key', p.key, 'name', p.name, 'price_idr', p.price_idr, 'interval', p.interval,
          'seat_pricing', p.seat_pricing, 'included_seats', p.included_seats) order by p.sort_order, p.price_idr)
        from astapa.plans as p
        where p.project_id = astapa.current_project_id() and p.seat_pricing is not null and p.archived_at is null
          and p.price_idr > 0), '[]'))
  $function$;
comment on function api.organization_billing(bigint) is 'The organization billing portal of a user: the organizations they are owner or admin of, each with its team plan, seats (limit in force, a different one paid for the next period, members), paid-through date, cancel and grace, and paid team checkouts; and the team plans on sale. Members who are neither owner nor admin see none (they do not pay).';
grant execute on function api.organization_billing(bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.organization_claims(user_id bigint, organization_id text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'org_id', o.id, 'org_slug', o.slug, 'org_role', m.role,
      'org_permissions', pg_catalog.to_jsonb(astapa.organization_role_permissions(m.role)))
    from astapa.organization_memberships m
    join astapa.organizations o on o.project_id = m.project_id and o.id = m.organization_id
    where m.project_id = astapa.current_project_id() and m.user_id = organization_claims.user_id
      and m.organization_id = organization_claims.organization_id
  $function$;
comment on function api.organization_claims(bigint,text) is 'The active organization''s claims for a token: {org_id, org_slug, org_role, org_permissions}, read fresh; null once the user is no member (removed, left, organization deleted), so a refresh drops them.';
grant execute on function api.organization_claims(bigint,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.organization_invitation(token_hash bytea)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select astapa.invitation_json(i) from astapa.organization_invitations i
    where i.project_id = astapa.current_project_id() and i.token_hash = organization_invitation.token_hash
  $function$;
comment on function api.organization_invitation(bytea) is 'The invitation a link''s token (by its SHA-256) names in the current project, whatever its status (the hosted login says why one cannot be accepted); null for an unknown token or another project''s.';
grant execute on function api.organization_invitation(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.organization_renewal_step(project_id text, now timestamp with time zone, xendit_account text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    grace interval;
    notice interval;
    picked text;
    o astapa.organizations;
    action text;
    ended_plan text;
    chosen astapa.plans;
    payer bigint;
    renewal_seats integer;
    opened jsonb;
    checkout jsonb;
    linked_charge jsonb;
  begin
    -- The same checks and settings as people's renewals (api.renewal_step).
    select r.grace, r.notice into grace, notice
    from astapa.renewal_settings(organization_renewal_step.project_id, now, xendit_account) as r;
    -- Instances share the work: each takes an organization nobody else holds.
    select x.id into picked from astapa.organizations as x
    where x.project_id = organization_renewal_step.project_id and x.plan_paid_through is not null
      and astapa.organization_renewal_action(x, now, grace, notice, xendit_account is not null) is not null
    order by x.plan_paid_through, x.id
    for update skip locked
    limit 1;
    if not found then
      return null;
    end if;
    -- A new statement, so a new snapshot: whatever another pass committed before we got the lock is seen here.
    select * into o from astapa.organizations as x
    where x.project_id = organization_renewal_step.project_id and x.id = picked;
    action := astapa.organization_renewal_action(o, now, grace, notice, xendit_account is not null);
    if action is null then
      return pg_catalog.jsonb_build_object('action', 'none', 'organization', o.id);
    end if;
    if action in ('end', 'expire') then
      -- The organization falls back: no plan in its tokens (org_plan leaves at the next refresh) and no seat
      -- limit, as before it bought one. Nobody is removed.
      ended_plan := o.plan_key;
      update astapa.organizations as x
      set plan_key = null, seat_limit = null, next_seat_limit = null, next_seat_limit_from = null,
          plan_paid_through = null, plan_canceled_at = null, plan_reminded_for = null, updated_at = pg_catalog.now()
      where x.project_id = o.project_id and x.id = o.id
      returning * into o;
      perform astapa.emit_event(o.project_id, 'organization.plan_ended', pg_catalog.jsonb_build_object(
        'organization', astapa.organization_json(o), 'plan', ended_plan,
        'reason', case action when 'end' then 'canceled' else 'unpaid' end));
      perform astapa.emit_event(o.project_id, 'organization.updated',
        pg_catalog.jsonb_build_object('organization', astapa.organization_json(o)));
      perform astapa.audit(o.project_id, 'organization.plan_ended', o.id, pg_catalog.jsonb_build_object(
        'plan', ended_plan, 'reason', case action when 'end' then 'canceled' else 'unpaid' end));
      return pg_catalog.jsonb_build_object('action', action, 'organization', o.id, 'name', o.name,
        'plan', ended_plan);
    end if;
    -- remind: the next period's checkout for the seats the next period will have, paid by whoever chose a linked
    -- method for the organization (still an owner or admin; it is charged below), else by the longest-standing
    -- owner (anyone owner or admin may pay it: the link is mailed to them all).
    select * into chosen from astapa.plans as p where p.project_id = o.project_id and p.key = o.plan_key;
    select lm.user_id into payer from astapa.linked_methods as lm
    join astapa.organization_memberships as m
      on m.project_id = lm.project_id and m.organization_id = o.id and m.user_id = lm.user_id
         and m.role in ('owner', 'admin')
    join astapa.users as u on u.project_id = lm.project_id and u.id = lm.user_id and not u.disabled
    where lm.project_id = o.project_id and lm.id = o.billing_method_id and lm.status = 'active';
    if payer is null then
      select m.user_id into payer from astapa.organization_memberships as m
      join astapa.users as u on u.project_id = m.project_id and u.id = m.user_id
      where m.project_id = o.project_id and m.organization_id = o.id and m.role = 'owner' and not u.disabled
      order by m.created_at, m.user_id
      limit 1;
    end if;
    renewal_seats := case when chosen.seat_pricing = 'flat' then chosen.included_seats
                          else coalesce(case when o.next_seat_limit_from <= o.plan_paid_through then o.next_seat_limit end,
                                        o.seat_limit,
                                        (select count(*) from astapa.organization_memberships as m
                                         where m.project_id = o.project_id and m.organization_id = o.id)::integer,
                                        1) end;
    begin
      opened := api.create_checkout(o.project_id, pg_catalog.jsonb_build_object(
        'sub', payer::text, 'plan', chosen.key, 'organization', o.id, 'xendit_account', xendit_account,
        -- The link lives until the grace days are over: counted from the database's clock (expires_at).
        'ttl_seconds', least(greatest(pg_catalog.date_part('epoch', o.plan_paid_through + grace - pg_catalog.now()),
                                      3600), 31536000)::integer));
    exception when others then
      -- A checkout that cannot be opened (e.g. the owner belongs to the project's other environment) must not
      -- stop the pass: this period gets no pay link, the plan runs out through the grace days, and the audit
      -- log says why.
      update astapa.organizations as x set plan_reminded_for = o.plan_paid_through
      where x.project_id = o.project_id and x.id = o.id;
      perform astapa.audit(o.project_id, 'organization.renewal_skipped', o.id,
        pg_catalog.jsonb_build_object('plan', chosen.key, 'error', sqlerrm));
      return pg_catalog.jsonb_build_object('action', 'none', 'organization', o.id);
    end;
    update astapa.checkouts as c
    set organization_id = o.id, seats = renewal_seats, updated_at = pg_catalog.now(),
        amount = chosen.price_idr * case when chosen.seat_pricing = 'per_seat' then renewal_seats else 1 end
    where c.project_id = o.project_id and c.public_id = opened ->> 'checkout_id';
    update astapa.organizations as x set plan_reminded_for = o.plan_paid_through
    where x.project_id = o.project_id and x.id = o.id;
    -- The organization's chosen linked method is charged first (db/api/renewal_charges.sql), with the amount
    -- set just above; the pay-link mail waits for its outcome.
    linked_charge := astapa.open_renewal_charge(o.project_id, opened ->> 'checkout_id');
    select astapa.checkout_json(c) || pg_catalog.jsonb_build_object(
             'organization_id', c.organization_id, 'seats', c.seats, 'seats_from', c.seats_from)
    into checkout
    from astapa.checkouts as c where c.project_id = o.project_id and c.public_id = opened ->> 'checkout_id';
    perform astapa.emit_event(o.project_id, 'organization.renewal_due', pg_catalog.jsonb_build_object(
      'organization', astapa.organization_json(o), 'checkout_id', checkout ->> 'checkout_id',
      'amount', checkout -> 'amount', 'seats', renewal_seats, 'period_start', o.plan_paid_through,
      'auto_charge', linked_charge is not null));
    perform astapa.audit(o.project_id, 'organization.renewal_due', o.id, pg_catalog.jsonb_build_object(
      'checkout', checkout ->> 'checkout_id', 'plan', chosen.key, 'seats', renewal_seats,
      'amount', checkout -> 'amount', 'period_start', o.plan_paid_through));
    return pg_catalog.jsonb_build_object('action', action, 'organization', o.id, 'name', o.name,
      'plan', chosen.key, 'plan_name', chosen.name, 'checkout', checkout, 'period_start', o.plan_paid_through,
      'linked_charge', linked_charge,
      'emails', coalesce((
        select pg_catalog.jsonb_agg(u.email order by m.created_at, m.user_id)
        from astapa.organization_memberships as m
        join astapa.users as u on u.project_id = m.project_id and u.id = m.user_id
        where m.project_id = o.project_id and m.organization_id = o.id and m.role in ('owner', 'admin')
          and not u.disabled and u.email is not null), '[]'));
  end
  $function$;
comment on function api.organization_renewal_step(text,timestamp with time zone,text) is 'One step of the organizations'' renewal pass at `now` (FOR UPDATE SKIP LOCKED; null when nothing is left): opens the next period''s checkout of a team plan (xendit_account; null: payments not configured, none) for the seats of the next period, paid by an owner, once per period, and answers the owners'' and admins'' addresses for the pay-link mail (remind; with the organization''s chosen linked method, linked_charge: its owner pays, the method is charged and the mail waits); or, when a canceled plan''s period is over (end) or an unpaid one''s grace days are (expire), takes the plan and seat limit away. A pay link that cannot be opened is skipped for the period (audited organization.renewal_skipped; action none). Settings billing_grace_days (3) and billing_renewal_notice_days (7). AS400 without now or with an unknown account; AS404 unknown project.';
grant execute on function api.organization_renewal_step(text,timestamp with time zone,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.own_factor(session_hash bytea)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'user_id', s.user_id::text,
      'email', u.email,
      'enrolled', f.confirmed_at is not null,
      -- The sealed secret (hex), useless without the master key: the page checks the fresh code against it.
      'secret_sealed', pg_catalog.encode(f.secret_sealed, 'hex'),
      'recovery_codes_left', (select pg_catalog.count(*) from astapa.recovery_codes r
        where r.project_id = s.project_id and r.user_id = s.user_id and r.used_at is null))
    from astapa.login_sessions s
    join astapa.users u on u.project_id = s.project_id and u.id = s.user_id
    join astapa.projects p on p.id = s.project_id
    left join astapa.user_factors f on f.project_id = s.project_id and f.user_id = s.user_id and f.kind = 'totp'
      and f.confirmed_at is not null
    where s.project_id = astapa.current_project_id() and s.token_hash = own_factor.session_hash
      and s.ended_at is null and s.expires_at > pg_catalog.now() and not u.disabled and u.environment = p.mode
  $function$;
comment on function api.own_factor(bytea) is 'The signed-in person''s own factor, for the hosted "manage two-step verification" page: the user behind a live session (its token''s hash), whether an app is set up, its sealed secret and unused recovery codes; null without a live session (the same liveness rules as api.login_session).';
grant execute on function api.own_factor(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.own_passkeys(session_hash bytea)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'user_id', u.id::text,
      -- The account name a passkey manager shows: a person who signed up by phone has no email.
      'user_name', coalesce(u.email, u.phone_number, u.id::text),
      'recent', astapa.passkey_session_user(own_passkeys.session_hash, true) is not null,
      'passkeys', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'id', pg_catalog.encode(k.credential_id, 'hex'),
          'name', k.name,
          'created_at', k.created_at,
          'last_used_at', k.last_used_at,
          'synced', k.device_type = 'multiDevice',
          'transports', pg_catalog.to_jsonb(k.transports)) order by k.created_at, k.credential_id)
        from astapa.passkeys k
        where k.project_id = u.project_id and k.user_id = u.id), '[]'::jsonb))
    from astapa.users u
    where u.project_id = astapa.current_project_id()
      and u.id = astapa.passkey_session_user(own_passkeys.session_hash, false)
  $function$;
comment on function api.own_passkeys(bytea) is 'The signed-in person behind a session token hash (user_name: their email, else phone number), their passkeys (never a key) and whether they signed in recently enough to add or remove one; null without a live session.';
grant execute on function api.own_passkeys(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.passkey_for_sign_in(credential_id bytea)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object('user_id', k.user_id::text,
      'public_key', pg_catalog.encode(k.public_key, 'hex'), 'transports', pg_catalog.to_jsonb(k.transports))
    from astapa.passkeys k
    join astapa.users u on u.project_id = k.project_id and u.id = k.user_id
    join astapa.projects p on p.id = k.project_id
    where k.project_id = astapa.current_project_id() and k.credential_id = passkey_for_sign_in.credential_id
      and not u.disabled and u.environment = p.mode
  $function$;
comment on function api.passkey_for_sign_in(bytea) is 'The public key and user of a credential of this project, to check an assertion with; null for a credential of another project, a removed one, or a disabled user or one of the other environment.';
grant execute on function api.passkey_for_sign_in(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.passkey_refused(reason text, details jsonb)
 RETURNS void
 LANGUAGE sql
 SET search_path TO ''
AS $function$
    select astapa.audit(astapa.current_project_id(), 'sign_in.passkey_refused', 'passkey',
      coalesce(details, '{}'::jsonb) || pg_catalog.jsonb_build_object('reason', reason))
  $function$;
comment on function api.passkey_refused(text,jsonb) is 'Audits a refused passkey ceremony (a replayed or unknown challenge, wrong origin or RP ID, a credential this project does not know, a bad signature, malformed data) with the reason and the address.';
grant execute on function api.passkey_refused(text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.patch_user_claims(project_id text, user_id bigint, patch jsonb, source text DEFAULT 'claims_api'::text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    stored astapa.user_claims;
    custom jsonb;
    extra jsonb;
  begin
    perform astapa.raise_problems(astapa.claims_problems(patch, false));
    if astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    select * into stored from astapa.user_claims as c
    where c.project_id = patch_user_claims.project_id and c.user_id = patch_user_claims.user_id
    for update;
    -- Custom keys merge (RFC 7396): a value sets the key, null removes it.
    custom := patch - 'plan' - 'role' - 'feature_flags';
    extra := (coalesce(stored.extra, '{}') - array(select pg_catalog.jsonb_object_keys(custom)))
             || coalesce((select pg_catalog.jsonb_object_agg(e.k, e.v) from pg_catalog.jsonb_each(custom) as e(k, v)
                          where e.v <> 'null'), '{}');
    if not astapa.are_valid_custom_claims(extra) then
      raise exception using errcode = 'AS400',
        detail = '{"claims": ["Custom claims are limited to 50 keys and 4 KiB of JSON."]}',
        message = 'With this change the user''s custom claims would exceed 50 keys or 4 KiB of JSON.';
    end if;
    if patch ? 'plan' then
      perform api.assign_plan(project_id, user_id,
        coalesce(patch ->> 'plan', astapa.default_plan_key(project_id)), source);
    end if;
    if patch - 'plan' <> '{}' then
      insert into astapa.user_claims as c (project_id, user_id, role, feature_flags, extra)
      values (project_id, user_id, patch ->> 'role',
              array(select pg_catalog.jsonb_array_elements_text(coalesce(patch -> 'feature_flags', '[]'))), extra)
      on conflict on constraint user_claims_pkey do update
      set role = case when patch_user_claims.patch ? 'role' then excluded.role else c.role end,
          feature_flags = case when patch_user_claims.patch ? 'feature_flags' then excluded.feature_flags
                               else c.feature_flags end,
          extra = excluded.extra,
          updated_at = pg_catalog.now();
      perform astapa.audit(project_id, 'user_claims.set', 'user:' || user_id,
        pg_catalog.jsonb_build_object('keys', (select pg_catalog.jsonb_agg(k) from pg_catalog.jsonb_object_keys(patch) as k)));
    end if;
    return api.token_claims(project_id, user_id);
  end
  $function$;
comment on function api.patch_user_claims(text,bigint,jsonb,text) is 'Changes a user''s claims: plan (through api.assign_plan with source; null returns to the default plan), role (null clears), feature_flags (replaced), custom keys (merged; null removes). All or nothing. Returns the resulting custom_claims. AS400 with DETAIL {field: [problem]}; AS404 unknown user.';
grant execute on function api.patch_user_claims(text,bigint,jsonb,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.payment_feed(project_id text, after_event bigint, size integer DEFAULT 50)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    mode text := astapa.require_project(project_id);
    horizon bigint;
  begin
    if after_event is null or after_event < 0 then
      raise exception using errcode = 'AS400', message = 'after_event must be an event id (0 or more).';
    end if;
    if size is null or size not between 1 and 500 then
      raise exception using errcode = 'AS400', message = 'size must be from 1 to 500.';
    end if;
    horizon := astapa.payment_feed_horizon(project_id);
    return (
      with passed as (
        select e.* from astapa.payment_events as e
        where e.project_id = payment_feed.project_id and e.id > after_event
          and (horizon is null or e.id < horizon)
        order by e.id
        limit size)
      select pg_catalog.jsonb_build_object(
        'cursor', coalesce((select pg_catalog.max(passed.id) from passed), after_event)::text,
        'events', coalesce((
          select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                   'event_id', passed.id::text, 'outcome', passed.outcome,
                   'payment', astapa.dashboard_payment_json(c)) order by passed.id)
          from passed
          join astapa.checkouts as c
            on c.project_id = passed.project_id and c.public_id = passed.checkout_public_id
          where c.environment = mode), '[]')));
  end
  $function$;
comment on function api.payment_feed(text,bigint,integer) is 'Applied payment events after after_event (up to size, stopping before the oldest unapplied one) for checkouts in the project''s current mode, each with its checkout as the payments list shows it; cursor is the last event passed (also ones of the other mode). AS400 for a bad after_event or size.';
grant execute on function api.payment_feed(text,bigint,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.payment_feed_cursor(project_id text)
 RETURNS bigint
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    horizon bigint;
  begin
    perform astapa.require_project(project_id);
    horizon := astapa.payment_feed_horizon(project_id);
    return coalesce(
      (select e.id from astapa.payment_events as e
       where e.project_id = payment_feed_cursor.project_id and (horizon is null or e.id < horizon)
       order by e.id desc limit 1), 0);
  end
  $function$;
comment on function api.payment_feed_cursor(text) is 'Where a new feed starts: the id of the project''s latest payment event the feed has already passed (0 for none). A page lists payments, then follows the feed from here. AS404 for a project that is not visible.';
grant execute on function api.payment_feed_cursor(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.pending_phone_code(token_hash bytea)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object('phone_number', c.phone_number, 'channel', c.channel,
      'attempts_left', 5 - c.attempts, 'expires_at', c.expires_at)
    from astapa.phone_codes c
    where c.project_id = astapa.current_project_id() and c.token_hash = pending_phone_code.token_hash
      and c.used_at is null and c.expires_at > pg_catalog.now() and c.attempts < 5
  $function$;
comment on function api.pending_phone_code(bytea) is 'The live code a browser''s token names (number, channel, attempts left, expiry), or null.';
grant execute on function api.pending_phone_code(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.phone_provider_credentials(project_id text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('provider', k.provider,
      'credentials_sealed', pg_catalog.translate(pg_catalog.encode(k.credentials_sealed, 'base64'), E'\n', ''),
      'hint', k.hint, 'updated_at', k.updated_at) order by k.provider), '[]')
    from astapa.phone_provider_credentials as k
    where k.project_id = phone_provider_credentials.project_id
  $function$;
comment on function api.phone_provider_credentials(text) is 'A project''s own phone provider credentials: provider, the sealed credentials (base64: the sender opens them; the dashboard shows only the hint), hint and when they changed.';
grant execute on function api.phone_provider_credentials(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.plan_changes(project_id text, user_id bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  begin
    if astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    return coalesce((select pg_catalog.jsonb_agg(astapa.plan_change_json(c) order by c.id desc)
                     from astapa.plan_changes as c
                     where c.project_id = plan_changes.project_id and c.user_id = plan_changes.user_id), '[]');
  end
  $function$;
comment on function api.plan_changes(text,bigint) is 'A user''s plan changes, newest first. AS404 unknown user.';
grant execute on function api.plan_changes(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.plan_subscriber_counts(project_id text)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    mode text := astapa.require_project(project_id);
  begin
    -- Users of the project's current mode only: sandbox subscribers are not production's, and vice versa.
    return coalesce((
      select pg_catalog.jsonb_object_agg(counted.plan_key, counted.subscribers)
      from (select s.plan_key, pg_catalog.count(*) as subscribers
            from astapa.subscriptions as s
            join astapa.users as u on u.project_id = s.project_id and u.id = s.user_id
            where s.project_id = plan_subscriber_counts.project_id and s.ended_at is null
              and s.status = 'active' and u.environment = mode
            group by s.plan_key) as counted), '{}');
  end
  $function$;
comment on function api.plan_subscriber_counts(text) is 'Plan key → number of active current subscriptions of users in the project''s current mode (plans without subscribers are absent). AS404 for a project that is not visible.';
grant execute on function api.plan_subscriber_counts(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.poll_device_authorization(device_code_hash bytea, client_id text, refresh_hash bytea, resource text DEFAULT NULL::text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    request astapa.device_authorizations;
    family uuid := pg_catalog.gen_random_uuid();
    refresh_expires timestamptz;
    revoked integer;
  begin
    perform astapa.assert_grant_allowed('urn:ietf:params:oauth:grant-type:device_code');
    perform astapa.assert_dynamic_client_allowed(client_id);
    -- FOR UPDATE: polls of one device code from several instances queue here, so the interval holds.
    select * into request from astapa.device_authorizations a
    where a.project_id = astapa.current_project_id()
      and a.device_code_hash = poll_device_authorization.device_code_hash
    for update;
    if not found then
      raise exception 'the device code is unknown' using errcode = 'AS4G0';
    end if;
    if request.client_id is distinct from poll_device_authorization.client_id then
      raise exception 'the device code was issued to another client' using errcode = 'AS4G0';
    end if;
    if resource is not null and resource is distinct from request.resource then
      raise exception 'the resource differs from the one the device authorization named' using errcode = 'AS4T0';
    end if;
    if request.status = 'redeemed' then
      -- Like a replayed authorization code: whoever polls again may hold a stolen device code.
      update astapa.refresh_tokens r set revoked_at = pg_catalog.now(), revoked_reason = 'code_replayed'
      where r.project_id = request.project_id and r.family_id = request.refresh_family and r.revoked_at is null;
      get diagnostics revoked = row_count;
      return pg_catalog.jsonb_build_object('error', 'invalid_grant', 'error_description',
        'The device code was already used; tokens issued with it are revoked.', 'revoked', revoked);
    end if;
    if request.expires_at <= pg_catalog.now() then
      return pg_catalog.jsonb_build_object('error', 'expired_token', 'error_description',
        'The device code has expired: start again.');
    end if;
    if request.status = 'denied' then
      return pg_catalog.jsonb_build_object('error', 'access_denied', 'error_description',
        'The person denied this request.');
    end if;
    if request.status = 'pending' then
      -- Returned, not raised, so that the poll's time (and a longer interval) is kept.
      if request.last_polled_at is not null
         and pg_catalog.now() < request.last_polled_at + pg_catalog.make_interval(secs => request.interval_seconds) then
        update astapa.device_authorizations a
        set interval_seconds = least(request.interval_seconds + 5, 60), last_polled_at = pg_catalog.now()
        where a.project_id = request.project_id and a.device_code_hash = request.device_code_hash;
        return pg_catalog.jsonb_build_object('error', 'slow_down', 'error_description',
          pg_catalog.format('Polling too fast: wait at least %s seconds between requests.',
                            least(request.interval_seconds + 5, 60)),
          'interval', least(request.interval_seconds + 5, 60));
      end if;
      update astapa.device_authorizations a set last_polled_at = pg_catalog.now()
      where a.project_id = request.project_id and a.device_code_hash = request.device_code_hash;
      return pg_catalog.jsonb_build_object('error', 'authorization_pending', 'error_description',
        'The person has not decided yet: keep polling at the interval.');
    end if;
    perform astapa.assert_user_may_sign_in(request.user_id);
    perform astapa.assert_grant_target(request.scope, request.resource);
    refresh_expires := pg_catalog.now() + pg_catalog.make_interval(secs => (select p.refresh_ttl from astapa.token_policy() as p));
    update astapa.device_authorizations a set status = 'redeemed', refresh_family = family
    where a.project_id = request.project_id and a.device_code_hash = request.device_code_hash;
    insert into astapa.refresh_tokens (
      project_id, token_hash, family_id, user_id, client_id, scope, resource, auth_time, expires_at)
    values (request.project_id, refresh_hash, family, request.user_id, request.client_id, request.scope,
            request.resource, request.auth_time, refresh_expires);
    update astapa.users u set last_sign_in_at = pg_catalog.now()
    where u.project_id = request.project_id and u.id = request.user_id;
    return astapa.grant_result(request.user_id, nullif(request.scope, ''), request.resource, request.auth_time, null,
                               refresh_expires);
  end
  $function$;
comment on function api.poll_device_authorization(bytea,text,bytea,text) is 'The device_code grant (RFC 8628 §3.4-3.5) for the client the code was issued to: {error: authorization_pending | slow_down (interval raised by 5 s) | expired_token | access_denied} while there is nothing to issue — returned, so the poll time is kept — or, once approved, the grant with a new refresh-token family, once. A second redemption revokes that family (invalid_grant).';
grant execute on function api.poll_device_authorization(bytea,text,bytea,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.project_branding(project_id text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object('name', p.name, 'branding', coalesce(p.settings -> 'branding', '{}'))
    from astapa.projects as p
    where p.id = project_branding.project_id
  $function$;
comment on function api.project_branding(text) is 'The project''s name and settings.branding (for its stylesheet and its mail), or null when not visible.';
grant execute on function api.project_branding(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.project_logo(project_id text, sha256 bytea)
 RETURNS TABLE(content_type text, image bytea)
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select l.content_type, l.image from astapa.project_logos as l
    where l.project_id = project_logo.project_id and l.sha256 = project_logo.sha256
  $function$;
comment on function api.project_logo(text,bytea) is 'The project''s logo when its SHA-256 is the one asked for (an old or foreign hash finds nothing).';
grant execute on function api.project_logo(text,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.project_third_party_clients()
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
             'client_id', g.client_id,
             'client_name', astapa.third_party_client_name(g.client_id),
             'kind', case when astapa.is_metadata_document_client_id(g.client_id)
                          then 'metadata_document' else 'registered' end,
             'users', g.users,
             'resources', pg_catalog.to_jsonb(g.resources),
             'last_granted_at', g.last_granted_at,
             'last_used_at', greatest(g.last_granted_at, u.last_token_at)))
             order by greatest(g.last_granted_at, u.last_token_at) desc), '[]'::jsonb)
    from (select c.client_id, pg_catalog.count(distinct c.user_id) as users,
                 array(select distinct x.resource from astapa.consents x
                       where x.project_id = c.project_id and x.client_id = c.client_id order by 1) as resources,
                 pg_catalog.max(c.updated_at) as last_granted_at
          from astapa.consents c
          where c.project_id = astapa.current_project_id()
          group by c.project_id, c.client_id) g
    -- Last use: the latest refresh token issued to it or rotated by it here (a code is a grant: last_granted_at).
    left join lateral (
      select pg_catalog.max(greatest(r.created_at, r.used_at)) as last_token_at
      from astapa.refresh_tokens r
      where r.project_id = astapa.current_project_id() and r.client_id = g.client_id) u on true
  $function$;
comment on function api.project_third_party_clients() is 'The self-registered and metadata-document clients people of the current project allowed: id, own name, kind, how many users, which resources, last granted, last used (a grant, or a refresh token issued or rotated), most recently used first. For the dashboard''s list of registered clients.';
grant execute on function api.project_third_party_clients() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.projects_with_billing_work()
 RETURNS text[]
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    projects text[];
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'projects_with_billing_work runs outside any project.';
    end if;
    perform pg_catalog.set_config('astapa.list_billing_projects', 'on', true);
    select pg_catalog.array_agg(distinct w.project_id) into projects from (
      select s.project_id from astapa.subscriptions as s
      where s.ended_at is null and (s.paid_through is not null or s.status = 'trialing')
      union
      select c.project_id from astapa.checkouts as c where c.status in ('open', 'pending')
      union
      -- A refund Xendit has not settled is re-polled by the same pass, even when nothing else is left to do.
      select r.project_id from astapa.refunds as r where r.status in ('requested', 'pending')) as w;
    perform pg_catalog.set_config('astapa.list_billing_projects', '', true);
    return coalesce(projects, '{}');
  end
  $function$;
comment on function api.projects_with_billing_work() is 'Definer: the renewal scheduler serves every project, so it must learn which have paid subscriptions, unpaid checkouts or unsettled refunds. Returns project ids only; the work then runs as each project (RLS). Runs only without a project set.';
grant execute on function api.projects_with_billing_work() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.projects_with_due_webhooks(max_projects integer DEFAULT 100)
 RETURNS text[]
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    found_projects text[];
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Due webhooks are found across projects, not for one.';
    end if;
    perform pg_catalog.set_config('astapa.find_due_webhooks', 'on', true);
    select array(
      select d.project_id from astapa.webhook_deliveries as d
      where (d.status = 'pending' and d.next_attempt_at <= pg_catalog.now())
         or (d.status = 'sending' and d.lease_until <= pg_catalog.now())
      group by d.project_id
      order by min(d.next_attempt_at)
      limit max_projects) into found_projects;
    perform pg_catalog.set_config('astapa.find_due_webhooks', '', true);
    return found_projects;
  end
  $function$;
comment on function api.projects_with_due_webhooks(integer) is 'Which projects have webhook deliveries due, oldest first, so the worker can claim them per project (as the app role, under RLS). Security definer because the worker acts for no project yet: its set_config turns on the owner-only policy "definer functions find projects with due webhooks" for this one query and returns project ids only. Guard: refused while the transaction acts for a project.';
grant execute on function api.projects_with_due_webhooks(integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.projects_with_mail()
 RETURNS text[]
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    projects text[];
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'projects_with_mail runs outside any project.';
    end if;
    perform pg_catalog.set_config('astapa.list_mail_projects', 'on', true);
    select pg_catalog.array_agg(distinct m.project_id) into projects
    from astapa.mail_outbox m where m.sent_at is null and m.next_attempt_at <= pg_catalog.now();
    perform pg_catalog.set_config('astapa.list_mail_projects', '', true);
    return coalesce(projects, '{}');
  end
  $function$;
comment on function api.projects_with_mail() is 'Definer: a sender serves every project, so it must learn which have mail due; it returns ids only and then claims the mail as each project (RLS). Runs only without a project set.';
grant execute on function api.projects_with_mail() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.projects_with_organization_renewals()
 RETURNS text[]
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    projects text[];
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'projects_with_organization_renewals runs outside any project.';
    end if;
    perform pg_catalog.set_config('astapa.list_organization_renewals', 'on', true);
    select pg_catalog.array_agg(distinct o.project_id) into projects
    from astapa.organizations as o where o.plan_paid_through is not null;
    perform pg_catalog.set_config('astapa.list_organization_renewals', '', true);
    return coalesce(projects, '{}');
  end
  $function$;
comment on function api.projects_with_organization_renewals() is 'Definer: the renewal scheduler serves every project, so it must learn which have organizations with a paid team plan (beside api.projects_with_billing_work). Returns project ids only; the work then runs as each project (RLS). Runs only without a project set.';
grant execute on function api.projects_with_organization_renewals() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.projects_with_payment_events()
 RETURNS text[]
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    projects text[];
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'projects_with_payment_events runs outside any project.';
    end if;
    perform pg_catalog.set_config('astapa.list_payment_event_projects', 'on', true);
    select pg_catalog.array_agg(distinct e.project_id) into projects
    from astapa.payment_events as e where e.processed_at is null;
    perform pg_catalog.set_config('astapa.list_payment_event_projects', '', true);
    return coalesce(projects, '{}');
  end
  $function$;
comment on function api.projects_with_payment_events() is 'Definer: workers serve every project, so they must learn which projects have unprocessed payment events. Returns project ids only; the events are then applied as each project (RLS). Runs only without a project set.';
grant execute on function api.projects_with_payment_events() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.prove_passkey_sign_up(token_hash bytea, code_hash bytea)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    live astapa.passkey_sign_ups;
    person bigint;
  begin
    -- Locked: two instances given guesses for one attempt count them one after the other.
    select s.* into live from astapa.passkey_sign_ups s
    where s.project_id = astapa.current_project_id() and s.token_hash = prove_passkey_sign_up.token_hash
      and s.proven_at is null and s.expires_at > pg_catalog.now() and s.tries < 5
    for update;
    if not found then
      return null;
    end if;
    if live.code_hash <> prove_passkey_sign_up.code_hash then
      update astapa.passkey_sign_ups s set tries = s.tries + 1
      where s.project_id = live.project_id and s.token_hash = live.token_hash;
      return null;
    end if;
    person := live.user_id;
    if person is null then
      -- The mailbox answered: the account is created verified, with no way in until its passkey is stored.
      begin
        person := (api.create_user(live.project_id, live.email, null, true) ->> 'id')::bigint;
      exception when sqlstate 'AS409' then
        -- Someone signed up with the address since the code was mailed: theirs, if it may still be opened.
        select u.id into person from astapa.users u join astapa.projects p on p.id = u.project_id
        where u.project_id = live.project_id and u.environment = p.mode
          and u.email_lower = pg_catalog.lower(live.email);
      end;
    end if;
    -- Checked again now: the account may have gained a passkey or a factor, or been disabled, since the mail.
    if person is null or not astapa.passkey_sign_up_open(live.project_id, person) then
      update astapa.passkey_sign_ups s set expires_at = s.created_at + interval '1 microsecond'
      where s.project_id = live.project_id and s.token_hash = live.token_hash;
      return null;
    end if;
    update astapa.users u set email_verified = true
    where u.project_id = live.project_id and u.id = person and not u.email_verified;
    update astapa.passkey_sign_ups s
    set user_id = person, proven_at = pg_catalog.now(), expires_at = pg_catalog.now() + interval '15 minutes'
    where s.project_id = live.project_id and s.token_hash = live.token_hash;
    perform astapa.audit(live.project_id, 'sign_up.email_proven', 'user:' || person,
      pg_catalog.jsonb_build_object('created', live.user_id is null));
    return pg_catalog.jsonb_build_object('user_id', person::text);
  end
  $function$;
comment on function api.prove_passkey_sign_up(bytea,bytea) is 'Checks the code of a live sign-up attempt: right, the address is verified (the user created, verified, when new) and the attempt has 15 minutes to register a passkey: {user_id}; wrong (one of 5 tries spent), used, expired, voided or unknown: null. Audited as sign_up.email_proven.';
grant execute on function api.prove_passkey_sign_up(bytea,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.queue_mail(project_id text, mail jsonb)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    new_id bigint;
  begin
    -- "to": null is a user without an email (signed up by phone): nothing to send, nothing refused.
    if pg_catalog.jsonb_typeof(mail) = 'object' and mail -> 'to' = 'null'::jsonb then
      return null;
    end if;
    if pg_catalog.jsonb_typeof(mail) is distinct from 'object' or coalesce(mail ->> 'to', '') !~ '^[^@\s]+@[^@\s]+$'
       or coalesce(mail ->> 'subject', '') = '' or coalesce(mail ->> 'text', '') = ''
       or coalesce(mail ->> 'template', '') !~ '^[a-z_]{1,64}$' then
      raise exception using errcode = 'AS400',
        message = 'A mail needs to (an address), template, subject and text.';
    end if;
    insert into astapa.mail_outbox (project_id, to_address, kind, subject, body_text, body_html)
    values (project_id, mail ->> 'to', mail ->> 'template', mail ->> 'subject', mail ->> 'text', mail ->> 'html')
    returning id into new_id;
    perform pg_catalog.pg_notify('astapa_mail', project_id);
    return new_id;
  end
  $function$;
comment on function api.queue_mail(text,jsonb) is 'Queues {to, template, subject, text, html?} in the outbox (inside the caller''s transaction) and NOTIFYs astapa_mail with the project id. AS400 without an address, template, subject or text; "to": null (a phone-only user) queues nothing and returns null.';
grant execute on function api.queue_mail(text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.queue_mail(to_address text, subject text, body_text text, kind text, body_html text DEFAULT NULL::text)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    new_id bigint;
  begin
    -- A user who signed up by phone has no address: there is nobody to mail (docs/phone.md).
    if to_address is null then
      return null;
    end if;
    insert into astapa.mail_outbox (project_id, to_address, subject, body_text, body_html, kind)
    values (astapa.current_project_id(), to_address, subject, body_text, body_html, kind)
    returning id into new_id;
    -- Delivered on commit: a rolled-back change sends nothing.
    perform pg_catalog.pg_notify('astapa_mail', astapa.current_project_id());
    return new_id;
  end
  $function$;
comment on function api.queue_mail(text,text,text,text,text) is 'Queues a message (plain text, optionally HTML too) for the current project; null and nothing queued when to_address is null (a phone-only user).';
grant execute on function api.queue_mail(text,text,text,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.rate_limit_hit(bucket text, max_hits integer, window_seconds integer)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    counted integer;
    started timestamptz;
  begin
    if max_hits < 1 or window_seconds not between 1 and 86400 then
      raise exception 'max_hits must be positive and window_seconds between 1 and 86400' using errcode = 'AS400';
    end if;
    insert into astapa.rate_limits as r (bucket, window_start, window_seconds, hits)
      values (rate_limit_hit.bucket, pg_catalog.now(), rate_limit_hit.window_seconds, 1)
      on conflict on constraint rate_limits_pkey do update
        set hits = case when r.window_start + pg_catalog.make_interval(secs => r.window_seconds) <= pg_catalog.now()
                        then 1 else r.hits + 1 end,
            window_start = case when r.window_start + pg_catalog.make_interval(secs => r.window_seconds) <= pg_catalog.now()
                                then pg_catalog.now() else r.window_start end,
            window_seconds = excluded.window_seconds
      returning r.hits, r.window_start into counted, started;
    -- Sweep a few stale rows now and then instead of running a job.
    if pg_catalog.random() < 0.01 then
      delete from astapa.rate_limits r
      where r.ctid in (
        select s.ctid from astapa.rate_limits s
        where s.window_start + pg_catalog.make_interval(secs => s.window_seconds) < pg_catalog.now()
        limit 100);
    end if;
    if counted <= max_hits then
      return 0;
    end if;
    return greatest(1, ceil(extract(epoch from started + pg_catalog.make_interval(secs => window_seconds) - pg_catalog.now())))::integer;
  end
  $function$;
comment on function api.rate_limit_hit(text,integer,integer) is 'Counts one hit in the bucket''s window. Returns 0 while within max_hits, else the seconds until the window ends (for Retry-After).';
grant execute on function api.rate_limit_hit(text,integer,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.rate_limit_wait(bucket text, max_hits integer)
 RETURNS integer
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(max(
      greatest(1, ceil(extract(epoch from r.window_start + pg_catalog.make_interval(secs => r.window_seconds)
                                           - pg_catalog.now())))::integer), 0)
    from astapa.rate_limits r
    where r.bucket = rate_limit_wait.bucket
      and r.hits >= max_hits
      and r.window_start + pg_catalog.make_interval(secs => r.window_seconds) > pg_catalog.now()
  $function$;
comment on function api.rate_limit_wait(text,integer) is 'Without counting a hit: seconds until the bucket allows another attempt when it already holds max_hits (a lockout check before verifying a credential), else 0.';
grant execute on function api.rate_limit_wait(text,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.receipt_project(receipt_id text)
 RETURNS text
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    owner text;
  begin
    -- Only for requests that act for no project yet (the receipt page); it reveals one receipt id's project.
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'receipt_project runs outside any project.';
    end if;
    if receipt_id is null or receipt_id !~ '^rcp_[a-z2-7]{24}$' then
      return null;
    end if;
    perform pg_catalog.set_config('astapa.lookup_receipt', receipt_id, true);
    select r.project_id into owner from astapa.receipts as r where r.public_id = receipt_id;
    perform pg_catalog.set_config('astapa.lookup_receipt', '', true);
    return owner;
  end
  $function$;
comment on function api.receipt_project(text) is 'Definer: the receipt page''s URL names a receipt (its random id is the capability) but no project. Returns that receipt''s project id, nothing else; the page then reads the receipt as that project. Runs only without a project set (AS403 otherwise).';
grant execute on function api.receipt_project(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.record_client_assertion_refused(client_id text, reason text, path text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if astapa.current_project_id() is null then
      raise exception 'no project is set' using errcode = 'AS400';
    end if;
    perform astapa.audit(astapa.current_project_id(), 'client.assertion_refused',
      pg_catalog.left(client_id, 100),
      pg_catalog.jsonb_build_object('reason', pg_catalog.left(reason, 200), 'path', pg_catalog.left(path, 200)));
  end
  $function$;
comment on function api.record_client_assertion_refused(text,text,text) is 'Audits a refused client assertion (client.assertion_refused: bad signature, replay, wrong audience, …) in the project of the client or of the resource the request names.';
grant execute on function api.record_client_assertion_refused(text,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.record_client_metadata_event(client_id text, event text, reason text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if astapa.current_project_id() is null then
      raise exception 'no project is set' using errcode = 'AS400';
    end if;
    if event is null or event not in ('refused', 'redirect_uris_changed') then
      raise exception 'event must be refused or redirect_uris_changed' using errcode = 'AS400';
    end if;
    perform astapa.audit(astapa.current_project_id(), 'client_metadata.' || event,
      pg_catalog.left(client_id, 200), pg_catalog.jsonb_build_object('reason', pg_catalog.left(reason, 300)));
  end
  $function$;
comment on function api.record_client_metadata_event(text,text,text) is 'Audits, in the project whose resource the request named, a refused Client ID Metadata Document (client_metadata.refused: unreachable, redirecting, too large, invalid, another client_id) or one whose redirect URIs changed since the cached copy (client_metadata.redirect_uris_changed).';
grant execute on function api.record_client_metadata_event(text,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.record_identity_assertion_refused(client_id text, issuer text, reason text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if astapa.current_project_id() is null then
      raise exception 'no project is set' using errcode = 'AS400';
    end if;
    perform astapa.audit(astapa.current_project_id(), 'identity_assertion.refused', pg_catalog.left(client_id, 200),
      pg_catalog.jsonb_build_object('issuer', pg_catalog.left(issuer, 500), 'reason', pg_catalog.left(reason, 300)));
  end
  $function$;
comment on function api.record_identity_assertion_refused(text,text,text) is 'Audits an identity assertion refused before it reached the grant (untrusted issuer, bad signature, wrong audience or type, another client, expired, too long-lived) as identity_assertion.refused in the client''s project.';
grant execute on function api.record_identity_assertion_refused(text,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.record_method_link_answer(project_id text, method_id text, answer jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    target astapa.linked_methods;
  begin
    select * into target from astapa.linked_methods as m
    where m.project_id = record_method_link_answer.project_id and m.public_id = method_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = 'This linked method was not found.';
    end if;
    if answer ->> 'failure' is not null then
      if target.status = 'requires_action' then
        update astapa.linked_methods as m set status = 'failed',
          failure_code = pg_catalog.left(answer ->> 'failure', 500), updated_at = pg_catalog.now()
        where m.project_id = target.project_id and m.id = target.id
        returning * into target;
      end if;
    elsif coalesce(answer ->> 'provider_id', '') = '' then
      raise exception using errcode = 'AS400', message = 'answer must carry a provider_id or a failure.';
    else
      -- A callback may have come first and moved the status on; the provider id is recorded either way.
      update astapa.linked_methods as m set provider_id = coalesce(m.provider_id, answer ->> 'provider_id'),
        updated_at = pg_catalog.now()
      where m.project_id = target.project_id and m.id = target.id
      returning * into target;
    end if;
    return astapa.linked_method_json(target);
  end
  $function$;
comment on function api.record_method_link_answer(text,text,jsonb) is 'Records Xendit''s answer to a link: {provider_id} (the pm-… id) or {failure} (refused: failed). AS404 unknown method.';
grant execute on function api.record_method_link_answer(text,text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.record_payment(project_id text, checkout_id text, payment jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    target astapa.checkouts;
  begin
    if coalesce(payment ->> 'provider_id', '') = '' then
      raise exception using errcode = 'AS400', message = 'A charge needs its provider_id.';
    end if;
    -- First of all (see astapa.lock_payment_provider_id): a worker applying this charge's callback now finishes
    -- first, and one starting now waits for this row to be committed.
    perform astapa.lock_payment_provider_id(record_payment.project_id, payment ->> 'provider_id');
    select * into target from astapa.checkouts as c
    where c.project_id = record_payment.project_id and c.public_id = record_payment.checkout_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = 'This checkout was not found.';
    end if;
    if target.status in ('paid', 'expired') then
      raise exception using errcode = 'AS409', message = pg_catalog.format('This checkout is already %s.', target.status);
    end if;
    -- A pay link for a period (a renewal, a trial's first month) whose period another payment already bought:
    -- taking this one too would charge twice for one period (e.g. the trial bought on the plan picker).
    if target.period_start is not null and exists (
         select from astapa.subscriptions as s
         where s.project_id = target.project_id and s.user_id = target.user_id and s.ended_at is null
           and s.plan_key = target.plan_key and s.status in ('active', 'past_due', 'canceled')
           and s.paid_through > target.period_start) then
      raise exception using errcode = 'AS409', message = 'The period this checkout is for has already been paid.';
    end if;
    -- The charge was made for the amount its caller read; a coupon applied meanwhile changed it: refuse.
    if payment ? 'amount' and (payment ->> 'amount')::numeric is distinct from target.amount then
      raise exception using errcode = 'AS409',
        message = 'This checkout''s amount changed while the charge was made; choose the method again.';
    end if;
    insert into astapa.payments as y (project_id, checkout_id, kind, provider_id, method, bank, amount, details, expires_at)
    values (project_id, target.id, payment ->> 'kind', payment ->> 'provider_id', payment ->> 'method',
            payment ->> 'bank', target.amount, coalesce(payment -> 'details', '{}'),
            (payment ->> 'expires_at')::timestamptz)
    on conflict on constraint payments_provider_id_key do update set updated_at = pg_catalog.now();
    update astapa.checkouts as c
    set status = 'pending', method = payment ->> 'method', bank = payment ->> 'bank', updated_at = pg_catalog.now()
    where c.project_id = target.project_id and c.id = target.id
    returning * into target;
    -- A callback that beat this row here was kept as unknown_payment: put back in line (the update NOTIFYs the
    -- workers, trigger payment_events_notify_requeue), it is applied once this commits.
    update astapa.payment_events as e set processed_at = null, outcome = null
    where e.project_id = record_payment.project_id and e.provider_id = payment ->> 'provider_id'
      and e.outcome = 'unknown_payment';
    return astapa.checkout_json(target);
  end
  $function$;
comment on function api.record_payment(text,text,jsonb) is 'Attaches a Xendit charge {kind, provider_id, method, bank?, details, expires_at, amount?} to an open checkout (again: no-op) and makes it the checkout''s method; a callback for it that came first is put back in line (NOTIFY). Serialized with the worker on the payment id, so no callback is lost. AS400 without provider_id; AS404 unknown checkout; AS409 checkout paid or expired, amount (what the charge was made for) no longer the checkout''s, or the period it pays for already paid.';
grant execute on function api.record_payment(text,text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.record_payment_event(project_id text, provider_id text, provider_status text, checkout_id text, body jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    new_id bigint;
  begin
    if provider_id is null or pg_catalog.length(provider_id) not between 1 and 255
       or provider_status is null or provider_status !~ '^[A-Z_]{1,40}$' then
      raise exception using errcode = 'AS400', message = 'A callback needs a payment id and a status.';
    end if;
    insert into astapa.payment_events as e (project_id, provider_id, provider_status, checkout_public_id, body)
    values (project_id, provider_id, provider_status, checkout_id, body)
    on conflict on constraint payment_events_dedupe_key do nothing
    returning e.id into new_id;
    return pg_catalog.jsonb_build_object('event_id', new_id, 'duplicate', new_id is null);
  end
  $function$;
comment on function api.record_payment_event(text,text,text,text,jsonb) is 'Stores a verified callback; the same payment id, status, amount and currency again is a duplicate and stores nothing (a corrected amount is a new event). The insert NOTIFYs astapa_payment_events. AS400 without an id or a status.';
grant execute on function api.record_payment_event(text,text,text,text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.record_refund_answer(project_id text, refund_id text, answer jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    target astapa.refunds;
  begin
    select * into target from astapa.refunds as r
    where r.project_id = record_refund_answer.project_id and r.public_id = refund_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = 'This refund was not found.';
    end if;
    if answer ->> 'failure' is not null then
      -- Xendit refused: nothing was refunded and the amount is free again. A callback may not undo this.
      if target.status = 'requested' then
        update astapa.refunds as r set status = 'failed', failure_code = pg_catalog.left(answer ->> 'failure', 500),
          updated_at = pg_catalog.now()
        where r.project_id = target.project_id and r.id = target.id
        returning * into target;
      end if;
    else
      -- A callback that came first has already moved it on; the provider id is recorded either way.
      update astapa.refunds as r
      set provider_id = coalesce(r.provider_id, answer ->> 'provider_id'),
          status = case when r.status = 'requested' then 'pending' else r.status end,
          updated_at = pg_catalog.now()
      where r.project_id = target.project_id and r.id = target.id
      returning * into target;
    end if;
    return astapa.refund_json(target);
  end
  $function$;
comment on function api.record_refund_answer(text,text,jsonb) is 'Records Xendit''s answer to a refund request: {provider_id} (accepted: pending unless a callback already settled it) or {failure} (refused: failed, the amount is free again). AS404 unknown refund.';
grant execute on function api.record_refund_answer(text,text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.record_refused_client(client_id text, kind text, method text, path text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if astapa.current_project_id() is null then
      raise exception 'no project is set' using errcode = 'AS400';
    end if;
    perform astapa.audit(astapa.current_project_id(), 'client.refused', client_id,
      pg_catalog.jsonb_build_object('kind', kind, 'method', pg_catalog.left(method, 10),
                                    'path', pg_catalog.left(path, 200)));
  end
  $function$;
comment on function api.record_refused_client(text,text,text,text) is 'Audits a call by a known client of a kind the route does not accept (client.refused), in the client''s project.';
grant execute on function api.record_refused_client(text,text,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.record_renewal_charge(project_id text, charge_id text, answer jsonb, now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    rc astapa.renewal_charges;
    target astapa.checkouts;
    chosen astapa.linked_methods;
  begin
    if pg_catalog.jsonb_typeof(answer) is distinct from 'object' or now is null then
      raise exception using errcode = 'AS400', message = 'answer must be a JSON object, and now is needed.';
    end if;
    if answer ->> 'failure' is null and coalesce(answer ->> 'provider_id', '') = '' then
      raise exception using errcode = 'AS400', message = 'answer must carry a provider_id or a failure.';
    end if;
    -- First of all, like api.record_payment: serialized with a worker applying this payment's callback.
    if coalesce(answer ->> 'provider_id', '') <> '' then
      perform astapa.lock_payment_provider_id(record_renewal_charge.project_id, answer ->> 'provider_id');
    end if;
    select * into rc from astapa.renewal_charges as r
    where r.project_id = record_renewal_charge.project_id and r.public_id = record_renewal_charge.charge_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = 'This renewal charge was not found.';
    end if;
    select * into target from astapa.checkouts as c
    where c.project_id = rc.project_id and c.id = rc.checkout_id
    for update;
    -- Answered already (a retry of the same request, or another instance's): nothing more to record.
    if rc.status <> 'charging' then
      return pg_catalog.jsonb_build_object('action', 'none', 'charge_id', rc.public_id);
    end if;
    if answer ->> 'failure' is not null or answer ->> 'status' in ('FAILED', 'EXPIRED', 'CANCELED', 'VOIDED') then
      return astapa.fail_renewal_charge(rc, target, coalesce(answer ->> 'failure', answer ->> 'status'), now);
    end if;
    if (answer ->> 'amount')::numeric is distinct from rc.amount then
      return astapa.fail_renewal_charge(rc, target, 'AMOUNT_MISMATCH', now);
    end if;
    select * into chosen from astapa.linked_methods as m
    where m.project_id = rc.project_id and m.id = rc.linked_method_id;
    -- Recorded even when the checkout was paid meanwhile: a success is then kept as paid_again, for a refund.
    insert into astapa.payments as y (project_id, checkout_id, kind, provider_id, method, amount, details)
    values (rc.project_id, rc.checkout_id, 'payment_request', answer ->> 'provider_id',
            pg_catalog.lower(chosen.channel), rc.amount,
            pg_catalog.jsonb_build_object('linked_method', chosen.label))
    on conflict on constraint payments_provider_id_key do nothing;
    if target.status in ('open', 'pending') then
      update astapa.checkouts as c set status = 'pending', method = pg_catalog.lower(chosen.channel), bank = null,
        updated_at = pg_catalog.now()
      where c.project_id = target.project_id and c.id = target.id;
    end if;
    update astapa.renewal_charges as r set status = 'pending', provider_id = answer ->> 'provider_id',
      updated_at = pg_catalog.now()
    where r.project_id = rc.project_id and r.id = rc.id;
    -- Xendit debits right after answering: a callback that beat this row was kept as unknown_payment (one a
    -- worker was applying was waited for by the lock above). Put back in line; the update NOTIFYs the workers.
    update astapa.payment_events as e set processed_at = null, outcome = null
    where e.project_id = rc.project_id and e.provider_id = answer ->> 'provider_id'
      and e.outcome = 'unknown_payment';
    return pg_catalog.jsonb_build_object('action', 'pending', 'charge_id', rc.public_id);
  end
  $function$;
comment on function api.record_renewal_charge(text,text,jsonb,timestamp with time zone) is 'Records Xendit''s answer to a linked-method renewal charge: {provider_id, amount, status?} makes it pending with its payment row (method = the channel) and re-applies a callback that came first; {failure} or a FAILED/EXPIRED status, or another amount, fails it (action mail: the caller queues the pay-link mail). An attempt answered already changes nothing (action none). AS400 bad answer; AS404 unknown charge.';
grant execute on function api.record_renewal_charge(text,text,jsonb,timestamp with time zone) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.record_webhook_attempt(project_id text, delivery_id bigint, attempt integer, http_status integer, error text, retry_in_seconds integer)
 RETURNS text
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    outcome text := case when http_status between 200 and 299 then 'delivered'
                         when retry_in_seconds is null then 'failed'
                         else 'pending' end;
  begin
    update astapa.webhook_deliveries as d
    set status = outcome,
        lease_until = null,
        last_status = case when http_status between 100 and 599 then http_status end,
        last_error = pg_catalog.left(record_webhook_attempt.error, 500),
        delivered_at = case when outcome = 'delivered' then pg_catalog.now() end,
        next_attempt_at = case when outcome = 'pending'
                               then pg_catalog.now() + pg_catalog.make_interval(secs => greatest(retry_in_seconds, 0))
                               else d.next_attempt_at end
    -- Fencing: only the claim that made this attempt may record it (a lease that ran out was claimed again).
    where d.project_id = record_webhook_attempt.project_id and d.id = delivery_id
      and d.status = 'sending' and d.attempts = attempt;
    return case when found then outcome end;
  end
  $function$;
comment on function api.record_webhook_attempt(text,bigint,integer,integer,text,integer) is 'Records how attempt number `attempt` went: 2xx delivered; otherwise pending again in retry_in_seconds, or failed when that is null. Returns the new status, or null when the claim was no longer this attempt''s.';
grant execute on function api.record_webhook_attempt(text,bigint,integer,integer,text,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.redeem_authorization_code(code_hash bytea, client_id text, redirect_uri text, code_verifier text, refresh_hash bytea, resource text DEFAULT NULL::text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    code astapa.authorization_codes;
    family uuid := pg_catalog.gen_random_uuid();
    policy record;
    refresh_expires timestamptz;
    revoked integer;
  begin
    perform astapa.assert_grant_allowed('authorization_code');
    perform astapa.assert_dynamic_client_allowed(client_id);
    select * into code from astapa.authorization_codes c
    where c.project_id = astapa.current_project_id() and c.code_hash = redeem_authorization_code.code_hash
    for update;
    if not found then
      raise exception 'the authorization code is unknown' using errcode = 'AS4G0';
    end if;
    if code.redeemed_at is not null and code.refresh_family is null then
      return pg_catalog.jsonb_build_object('error', 'invalid_grant', 'error_description',
        'The authorization code is void: a code_verifier that did not match was presented for it.');
    end if;
    if code.redeemed_at is not null then
      -- RFC 6749 §4.1.2: a code used twice is likely stolen; revoke what the first use issued.
      update astapa.refresh_tokens r set revoked_at = pg_catalog.now(), revoked_reason = 'code_replayed'
      where r.project_id = code.project_id and r.family_id = code.refresh_family and r.revoked_at is null;
      get diagnostics revoked = row_count;
      return pg_catalog.jsonb_build_object('error', 'invalid_grant', 'error_description',
        'The authorization code was already used; tokens issued with it are revoked.', 'revoked', revoked);
    end if;
    if code.expires_at <= pg_catalog.now() then
      raise exception 'the authorization code has expired' using errcode = 'AS4G0';
    end if;
    if code.client_id is distinct from redeem_authorization_code.client_id then
      raise exception 'the authorization code was issued to another client' using errcode = 'AS4G0';
    end if;
    if code.redirect_uri is distinct from redeem_authorization_code.redirect_uri then
      raise exception 'redirect_uri does not match the authorization request' using errcode = 'AS4G0';
    end if;
    -- RFC 8707 §2.2: the token request may narrow to a resource the authorization named, never name another.
    if resource is not null and resource is distinct from code.resource then
      raise exception 'the resource differs from the one the authorization request named' using errcode = 'AS4T0';
    end if;
    if code.code_challenge is null and (pg_catalog.starts_with(code.client_id, 'dcl_')
       or astapa.is_metadata_document_client_id(code.client_id)) then
      raise exception 'dynamically registered clients must use PKCE' using errcode = 'AS4G0';
    end if;
    if code.code_challenge is null and code_verifier is not null then
      raise exception 'code_verifier was sent but the authorization request had no code_challenge'
        using errcode = 'AS4G0';
    end if;
    if code.code_challenge is not null and (
      code_verifier is null or code_verifier !~ '^[A-Za-z0-9._~-]{43,128}$'
      or astapa.pkce_s256(code_verifier) <> code.code_challenge) then
      -- Whoever holds the code without its verifier gets no second guess: the code is void from now on
      -- (returned, not raised, so that this survives the statement).
      update astapa.authorization_codes c set redeemed_at = pg_catalog.now()
      where c.project_id = code.project_id and c.code_hash = code.code_hash;
      return pg_catalog.jsonb_build_object('error', 'invalid_grant', 'error_description',
        'code_verifier does not match the code_challenge; the authorization code is now void.');
    end if;
    perform astapa.assert_user_may_sign_in(code.user_id);
    perform astapa.assert_grant_target(code.scope, code.resource);

    select * into policy from astapa.token_policy();
    refresh_expires := pg_catalog.now() + pg_catalog.make_interval(secs => policy.refresh_ttl);
    update astapa.authorization_codes c set redeemed_at = pg_catalog.now(), refresh_family = family
    where c.project_id = code.project_id and c.code_hash = code.code_hash;
    insert into astapa.refresh_tokens (
      project_id, token_hash, family_id, user_id, client_id, scope, resource, auth_time, expires_at, amr,
      organization_id)
    values (code.project_id, refresh_hash, family, code.user_id, code.client_id, code.scope, code.resource,
            code.auth_time, refresh_expires, code.amr, code.organization_id);
    update astapa.users u set last_sign_in_at = pg_catalog.now()
    where u.project_id = code.project_id and u.id = code.user_id;
    return astapa.grant_result(code.user_id, code.scope, code.resource, code.auth_time, code.nonce, refresh_expires)
      || pg_catalog.jsonb_build_object('amr', pg_catalog.to_jsonb(code.amr))
      || astapa.organization_grant(code.user_id, code.organization_id);
  end
  $function$;
comment on function api.redeem_authorization_code(bytea,text,text,text,bytea,text) is 'Redeems a code once for the client it was issued to (redirect_uri, PKCE S256 and, when sent, resource checked; scope and resource still the project''s own) and starts a refresh-token family. A second redemption revokes that family, and a wrong code_verifier voids the code: both return an invalid_grant error object. Dynamic clients need PKCE and a project that accepts them.';
grant execute on function api.redeem_authorization_code(bytea,text,text,text,bytea,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.redeem_email_code(email text, code_hash bytea)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    live astapa.email_codes;
  begin
    -- The person's live code, locked: two instances given guesses for it count them one after the other.
    select c.* into live from astapa.email_codes c
    join astapa.users u on u.project_id = c.project_id and u.id = c.user_id
    join astapa.projects p on p.id = c.project_id
    where c.project_id = astapa.current_project_id() and c.used_at is null and c.expires_at > pg_catalog.now()
      and c.tries < 5 and not u.disabled and u.environment = p.mode
      and u.email_lower = pg_catalog.lower(pg_catalog.btrim(redeem_email_code.email))
    for update of c;
    if not found then
      -- Or the address's live sign-up code (the project lets codes create accounts).
      select c.* into live from astapa.email_codes c
      where c.project_id = astapa.current_project_id() and c.user_id is null and c.used_at is null
        and c.expires_at > pg_catalog.now() and c.tries < 5 and astapa.email_code_sign_up()
        and pg_catalog.lower(c.email) = pg_catalog.lower(pg_catalog.btrim(redeem_email_code.email))
      for update of c;
      if not found then
        return null;
      end if;
    end if;
    if live.code_hash <> redeem_email_code.code_hash then
      update astapa.email_codes c set tries = c.tries + 1
      where c.project_id = live.project_id and c.link_hash = live.link_hash;
      return null;
    end if;
    return astapa.use_email_code(live);
  end
  $function$;
comment on function api.redeem_email_code(text,bytea) is 'Signs in with the 6-digit code mailed to this address: the user id and their email now verified (a sign-up code creates the user), or null (wrong — one of 5 tries spent —, used, expired, voided by a newer code, or nobody).';
grant execute on function api.redeem_email_code(text,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.redeem_email_code_link(link_hash bytea)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    live astapa.email_codes;
  begin
    select c.* into live from astapa.email_codes c
    left join astapa.users u on u.project_id = c.project_id and u.id = c.user_id
    join astapa.projects p on p.id = c.project_id
    where c.project_id = astapa.current_project_id() and c.link_hash = redeem_email_code_link.link_hash
      and c.used_at is null and c.expires_at > pg_catalog.now() and c.tries < 5
      and (case when c.user_id is null then astapa.email_code_sign_up()
                else not u.disabled and u.environment = p.mode end)
    for update of c;
    if not found then
      return null;
    end if;
    return astapa.use_email_code(live);
  end
  $function$;
comment on function api.redeem_email_code_link(bytea) is 'Signs in with the magic link of a live email code (the same code, used up): the user id, or null.';
grant execute on function api.redeem_email_code_link(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.refresh_token_owner(token_hash bytea)
 RETURNS bigint
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select r.user_id from astapa.refresh_tokens r
    where r.project_id = astapa.current_project_id() and r.token_hash = refresh_token_owner.token_hash
  $function$;
comment on function api.refresh_token_owner(bytea) is 'The user a refresh token (live or not) belongs to in the current project, or null.';
grant execute on function api.refresh_token_owner(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.refund_account(refund_id text)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    found_checkout text;
  begin
    -- Only for requests that act for no project yet (the webhook): a refund callback names our refund id.
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'refund_account runs outside any project.';
    end if;
    if refund_id is null or refund_id !~ '^rfd_[a-z2-7]{24}$' then
      return null;
    end if;
    perform pg_catalog.set_config('astapa.lookup_refund', refund_id, true);
    select r.checkout_public_id into found_checkout from astapa.refunds as r where r.public_id = refund_id;
    perform pg_catalog.set_config('astapa.lookup_refund', '', true);
    return pg_catalog.jsonb_build_object('checkout_id', found_checkout);
  end
  $function$;
comment on function api.refund_account(text) is 'Definer: a Xendit refund callback names our refund id (its reference_id) but no project. Returns the id of the checkout the refunded payment belongs to — nothing else — so the webhook checks the callback token of that checkout''s account (api.checkout_account) and stores the event. Runs only without a project set.';
grant execute on function api.refund_account(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.register_dynamic_client(client jsonb, secret_hash bytea, address text, max_per_hour integer)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    wait integer;
    new_id text;
    issued timestamptz;
  begin
    if pg_catalog.jsonb_typeof(client) is distinct from 'object'
       or pg_catalog.jsonb_typeof(client -> 'redirect_uris') is distinct from 'array'
       or pg_catalog.jsonb_typeof(coalesce(client -> 'grant_types', '[]')) <> 'array'
       or pg_catalog.jsonb_typeof(coalesce(client -> 'metadata', '{}')) <> 'object' then
      raise exception 'client must be an object with a redirect_uris array (grant_types an array, metadata an object)'
        using errcode = 'AS400';
    end if;
    -- Counted before anything is stored: every accepted registration uses up one of the address's allowance.
    wait := api.rate_limit_hit('client_registration:address:' || pg_catalog.left(coalesce(address, ''), 100),
                               max_per_hour, 3600);
    if wait > 0 then
      return pg_catalog.jsonb_build_object('wait', wait);
    end if;
    insert into astapa.dynamic_clients (
      client_id, client_name, redirect_uris, grant_types, token_endpoint_auth_method, secret_hash, scope, metadata,
      registered_from)
    values (
      astapa.random_id('dcl_', 24),
      coalesce(client ->> 'client_name', ''),
      array(select pg_catalog.jsonb_array_elements_text(client -> 'redirect_uris')),
      coalesce(nullif(array(select pg_catalog.jsonb_array_elements_text(client -> 'grant_types')), '{}'),
               '{authorization_code}'),
      coalesce(client ->> 'token_endpoint_auth_method', 'client_secret_basic'),
      secret_hash,
      coalesce(client ->> 'scope', ''),
      coalesce(client -> 'metadata', '{}'),
      pg_catalog.left(coalesce(address, ''), 100))
    returning client_id, created_at into new_id, issued;
    return api.dynamic_client(new_id) || pg_catalog.jsonb_build_object(
      'client_id_issued_at', pg_catalog.floor(extract(epoch from issued))::bigint);
  end
  $function$;
comment on function api.register_dynamic_client(jsonb,bytea,text,integer) is 'Registers a client (RFC 7591) from {client_name, redirect_uris, grant_types, token_endpoint_auth_method, scope, metadata}, secret_hash null for a public client. At most max_per_hour registrations per address: past it, returns {wait: seconds} and stores nothing. Otherwise returns the registered metadata (api.dynamic_client) plus client_id_issued_at.';
grant execute on function api.register_dynamic_client(jsonb,bytea,text,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.remove_member(project_id text, email text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    member_id bigint;
    old_role text;
  begin
    perform astapa.require_project(project_id);
    member_id := astapa.member_account_id(project_id, email);
    perform astapa.keep_an_owner(project_id, member_id);
    delete from astapa.memberships as m
    where m.project_id = remove_member.project_id and m.account_id = member_id
    returning m.role into old_role;
    perform astapa.audit(project_id, 'member.remove', 'account:' || member_id,
      pg_catalog.jsonb_build_object('role', old_role));
    return pg_catalog.jsonb_build_object('project_id', project_id, 'account_id', member_id::text, 'role', old_role);
  end
  $function$;
comment on function api.remove_member(text,text) is 'Takes the member with this email off the project (the account stays). AS404 not a member, AS409 last owner.';
grant execute on function api.remove_member(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.remove_organization_domain(organization_id text, domain text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
  begin
    delete from astapa.organization_domains x
    where x.project_id = astapa.current_project_id() and x.organization_id = o.id
      and x.domain = pg_catalog.lower(remove_organization_domain.domain);
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format(
        'Organization %s has not claimed %s.', organization_id, pg_catalog.lower(domain));
    end if;
    perform astapa.audit(astapa.current_project_id(), 'organization.domain_removed', o.id,
      pg_catalog.jsonb_build_object('domain', pg_catalog.lower(domain)));
  end
  $function$;
comment on function api.remove_organization_domain(text,text) is 'Gives up a domain claim (members who joined by it stay); audited. AS404 when not claimed.';
grant execute on function api.remove_organization_domain(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.remove_organization_member(organization_id text, user_id bigint, leaving boolean DEFAULT false)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    m astapa.organization_memberships;
  begin
    delete from astapa.organization_memberships x
    where x.project_id = o.project_id and x.organization_id = o.id and x.user_id = remove_organization_member.user_id
    returning * into m;
    if m.user_id is null then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s is not a member of %s.', user_id, o.name);
    end if;
    -- Only an owner leaving can leave it ownerless; one created without an owner still lets members go.
    if m.role = 'owner' then
      perform astapa.assert_organization_keeps_an_owner(o.id);
    end if;
    perform astapa.emit_membership('membership.deleted', m, case when leaving then 'left' else 'removed' end);
    -- Remembered, so automatic domain joining does not put them straight back.
    insert into astapa.organization_departures as d (project_id, organization_id, user_id, reason)
    values (o.project_id, o.id, m.user_id, case when leaving then 'left' else 'removed' end)
    on conflict on constraint organization_departures_pkey
    do update set reason = excluded.reason, departed_at = pg_catalog.now();
  end
  $function$;
comment on function api.remove_organization_member(text,bigint,boolean) is 'Removes a member (leaving: they left themselves, as the audit and event say); their tokens lose the organization''s claims at the next refresh, and automatic domain joining does not add them back (organization_departures). AS404 not a member, AS409 the last owner.';
grant execute on function api.remove_organization_member(text,bigint,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.remove_passkey(session_hash bytea, credential_id bytea)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    person bigint := astapa.passkey_session_user(session_hash, true);
    removed text;
  begin
    if person is null then
      raise exception using errcode = 'AS403',
        message = 'Removing a passkey needs a sign-in within the last 10 minutes.';
    end if;
    delete from astapa.passkeys k
    where k.project_id = astapa.current_project_id() and k.credential_id = remove_passkey.credential_id
      and k.user_id = person
    returning k.name into removed;
    if removed is null then
      raise exception using errcode = 'AS404', message = 'No such passkey for the signed-in person.';
    end if;
    perform astapa.audit(astapa.current_project_id(), 'user.passkey_removed', 'user:' || person,
      pg_catalog.jsonb_build_object('name', removed));
    perform astapa.emit_event(astapa.current_project_id(), 'user.passkey_removed', pg_catalog.jsonb_build_object(
      'user', astapa.user_json(astapa.current_project_id(), person), 'passkey',
      pg_catalog.jsonb_build_object('name', removed)));
  end
  $function$;
comment on function api.remove_passkey(bytea,bytea) is 'Removes one of the signed-in person''s passkeys after a recent sign-in (AS403 otherwise); AS404 for anyone else''s. Audited; emits user.passkey_removed.';
grant execute on function api.remove_passkey(bytea,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.remove_project_logo(project_id text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    perform astapa.require_project(project_id);
    delete from astapa.project_logos as l where l.project_id = remove_project_logo.project_id;
    -- Only when there is a logo: an UPDATE statement, even of no row, wakes the client caches' triggers.
    if found or exists (select from astapa.projects as p
                        where p.id = remove_project_logo.project_id and p.settings -> 'branding' ? 'logo') then
      update astapa.projects as p
      set settings = p.settings #- '{branding,logo}', updated_at = pg_catalog.now()
      where p.id = remove_project_logo.project_id;
      perform astapa.audit(project_id, 'project.branding', project_id, '{"logo": null}');
    end if;
    return coalesce((select p.settings -> 'branding' from astapa.projects as p
      where p.id = remove_project_logo.project_id), '{}');
  end
  $function$;
comment on function api.remove_project_logo(text) is 'Removes the project''s logo (idempotent; audited as project.branding when there was one). Returns settings.branding.';
grant execute on function api.remove_project_logo(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.remove_redirect_uri(project_id text, uri text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    perform astapa.require_project(project_id);
    update astapa.projects as p
    set redirect_uris = pg_catalog.array_remove(p.redirect_uris, uri), updated_at = pg_catalog.now()
    where p.id = remove_redirect_uri.project_id and uri = any (p.redirect_uris);
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Redirect URI %s is not allowed for '
        'this project, so there is nothing to remove.', uri);
    end if;
    perform astapa.audit(project_id, 'redirect_uri.remove', uri);
    return astapa.project_json(project_id);
  end
  $function$;
comment on function api.remove_redirect_uri(text,text) is 'Stops allowing a redirect URI; AS404 when it was not allowed.';
grant execute on function api.remove_redirect_uri(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.remove_resource(uri text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    delete from astapa.resources r where r.project_id = astapa.current_project_id() and r.uri = remove_resource.uri;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Resource %s is not registered.', uri);
    end if;
    -- Clients stop being allowed it at once (the grant checks the registry too; this keeps listings honest).
    update astapa.machine_clients m
    set resources = pg_catalog.array_remove(m.resources, remove_resource.uri), updated_at = pg_catalog.now()
    where m.project_id = astapa.current_project_id() and remove_resource.uri = any (m.resources);
    perform astapa.audit(astapa.current_project_id(), 'resource.remove', uri);
  end
  $function$;
comment on function api.remove_resource(text) is 'Unregisters a resource of the current project and takes it off every machine client; AS404 when unknown.';
grant execute on function api.remove_resource(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.remove_scope(name text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    delete from astapa.scopes s where s.project_id = astapa.current_project_id() and s.name = remove_scope.name;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Scope %s is not declared.', name);
    end if;
    update astapa.machine_clients m
    set scopes = pg_catalog.array_remove(m.scopes, remove_scope.name), updated_at = pg_catalog.now()
    where m.project_id = astapa.current_project_id() and remove_scope.name = any (m.scopes);
    perform astapa.audit(astapa.current_project_id(), 'scope.remove', name);
  end
  $function$;
comment on function api.remove_scope(text) is 'Withdraws a scope of the current project and takes it off every machine client; AS404 when unknown.';
grant execute on function api.remove_scope(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.remove_webhook_endpoint(project_id text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    delete from astapa.webhook_endpoints as e where e.project_id = remove_webhook_endpoint.project_id;
    if not found then
      raise exception using errcode = 'AS404', message = 'This project has no webhook endpoint.';
    end if;
    update astapa.webhook_deliveries as d
    set status = 'failed', last_error = 'The webhook endpoint was removed.', lease_until = null
    where d.project_id = remove_webhook_endpoint.project_id and d.status = 'pending';
    perform astapa.audit(project_id, 'webhook.remove', project_id);
  end
  $function$;
comment on function api.remove_webhook_endpoint(text) is 'Removes the endpoint; deliveries still waiting are marked failed. AS404 when there is none.';
grant execute on function api.remove_webhook_endpoint(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.rename_passkey(session_hash bytea, credential_id bytea, name text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    update astapa.passkeys k set name = rename_passkey.name
    where k.project_id = astapa.current_project_id() and k.credential_id = rename_passkey.credential_id
      and k.user_id = astapa.passkey_session_user(session_hash, false);
    if not found then
      raise exception using errcode = 'AS404', message = 'No such passkey for the signed-in person.';
    end if;
  end
  $function$;
comment on function api.rename_passkey(bytea,bytea,text) is 'Renames one of the signed-in person''s passkeys; AS404 for anyone else''s or without a live session.';
grant execute on function api.rename_passkey(bytea,bytea,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.renewal_step(project_id text, now timestamp with time zone, xendit_account text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    grace interval;
    notice interval;
    trial_notice interval;
    picked bigint;
    s astapa.subscriptions;
    action text;
    checkout jsonb;
    subscription jsonb;
    linked_charge jsonb;
  begin
    select r.grace, r.notice, r.trial_notice into grace, notice, trial_notice
    from astapa.renewal_settings(renewal_step.project_id, now, xendit_account) as r;
    -- Instances share the work: each takes a subscription nobody else holds.
    select s2.id into picked from astapa.subscriptions as s2
    where s2.project_id = renewal_step.project_id and s2.ended_at is null
      and (s2.paid_through is not null or s2.status = 'trialing')
      and astapa.renewal_action(s2, now, grace, notice, xendit_account is not null, trial_notice) is not null
    order by s2.paid_through, s2.id
    for update skip locked
    limit 1;
    if not found then
      return null;
    end if;
    -- A new statement, so a new snapshot: whatever another pass committed before we got the lock is seen here.
    select * into s from astapa.subscriptions as s2 where s2.project_id = renewal_step.project_id and s2.id = picked;
    action := astapa.renewal_action(s, now, grace, notice, xendit_account is not null, trial_notice);
    if action is null then
      return pg_catalog.jsonb_build_object('action', 'none', 'sub', s.user_id::text);
    end if;
    if action = 'past_due' then
      update astapa.subscriptions as s2 set status = 'past_due'
      where s2.project_id = s.project_id and s2.id = s.id
      returning * into s;
      subscription := astapa.subscription_json(s);
      perform astapa.audit(project_id, 'subscription.past_due', 'user:' || s.user_id,
        pg_catalog.jsonb_build_object('plan', s.plan_key, 'paid_through', s.paid_through));
      perform astapa.emit_event(project_id, 'subscription.updated', pg_catalog.jsonb_build_object(
        'subscription', subscription, 'previous_plan', s.plan_key));
    elsif action in ('expire', 'end', 'trial_end') then
      -- Back to the default plan through the one function that changes plans (history, audit, event). A trial
      -- that was paid for is no longer current (the payment started the paid period), so it never gets here.
      subscription := api.assign_plan(project_id, s.user_id, astapa.default_plan_key(project_id), 'default');
      if action in ('expire', 'trial_end') then
        update astapa.subscriptions as s2 set status = 'expired'
        where s2.project_id = s.project_id and s2.id = s.id;
      end if;
      perform astapa.expire_renewal_checkouts(project_id, s.user_id);
    elsif action = 'trial_reminder' then
      -- The first paid period starts when the trial ends; the pay link lives until then.
      checkout := api.create_checkout(project_id, pg_catalog.jsonb_build_object(
        'sub', s.user_id::text, 'plan', s.plan_key, 'xendit_account', xendit_account,
        'period_start', s.current_period_end,
        'ttl_seconds', least(greatest(pg_catalog.date_part('epoch', s.current_period_end - now), 3600),
                             31536000)::integer));
      -- A linked e-wallet is charged for it first, like a renewal: the reminder's pay-link mail waits for the
      -- outcome (a failure mails it, with the days left before the trial ends to pay).
      linked_charge := astapa.open_renewal_charge(project_id, checkout ->> 'checkout_id');
      subscription := astapa.subscription_json(s);
      perform astapa.emit_event(project_id, 'subscription.trial_will_end', pg_catalog.jsonb_build_object(
        'subscription', subscription, 'checkout_id', checkout ->> 'checkout_id', 'amount', checkout -> 'amount',
        'trial_ends_at', s.current_period_end, 'auto_charge', linked_charge is not null));
    else
      -- The next period's plan: a change scheduled for the period end (db/api/plan_changes.sql), else the same.
      checkout := api.create_checkout(project_id, pg_catalog.jsonb_build_object(
        'sub', s.user_id::text, 'plan', astapa.next_period_plan(s), 'xendit_account', xendit_account,
        'period_start', s.paid_through,
        'ttl_seconds', least(greatest(pg_catalog.date_part('epoch', s.paid_through + grace - now), 3600),
                             31536000)::integer));
      -- A linked e-wallet is charged first (db/api/renewal_charges.sql); the pay-link mail waits for its outcome.
      linked_charge := astapa.open_renewal_charge(project_id, checkout ->> 'checkout_id');
      subscription := astapa.subscription_json(s);
      perform astapa.emit_event(project_id, 'subscription.renewal_due', pg_catalog.jsonb_build_object(
        'subscription', subscription, 'checkout_id', checkout ->> 'checkout_id', 'amount', checkout -> 'amount',
        'period_start', s.paid_through, 'auto_charge', linked_charge is not null));
    end if;
    return pg_catalog.jsonb_build_object('action', action, 'sub', s.user_id::text, 'plan', s.plan_key,
      'subscription', subscription, 'checkout', checkout, 'linked_charge', linked_charge,
      'email', (select u.email from astapa.users as u where u.project_id = s.project_id and u.id = s.user_id));
  end
  $function$;
comment on function api.renewal_step(text,timestamp with time zone,text) is 'One step of the renewal pass at `now` (FOR UPDATE SKIP LOCKED; null when nothing is left): opens the next period''s checkout with xendit_account (null: payments not configured, no checkout) and, when the user has an active linked method, its charge (linked_charge: no pay-link mail then), or a trial''s first paid period (trial_reminder; charged to a linked method the same way), marks past_due, or ends/expires a subscription or trial back to the default plan. Settings billing_grace_days (3), billing_renewal_notice_days (7) and billing_trial_reminder_days (3). AS400 without now or with an unknown account; AS404 unknown project.';
grant execute on function api.renewal_step(text,timestamp with time zone,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.request_refund(project_id text, refund jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    pay astapa.payments;
    receipt_key text := refund ->> 'receipt';
    outstanding bigint;
    wanted bigint;
    refusal text;
    created astapa.refunds;
  begin
    if pg_catalog.jsonb_typeof(refund) is distinct from 'object' then
      raise exception using errcode = 'AS400', message = 'refund must be a JSON object.';
    end if;
    if coalesce(refund ->> 'plan_effect', '') not in ('end_now', 'keep_to_period_end', 'none') then
      raise exception using errcode = 'AS400',
        detail = '{"plan_effect": ["end_now, keep_to_period_end or none."]}',
        message = 'plan_effect must be end_now, keep_to_period_end or none.';
    end if;
    if coalesce(refund ->> 'reason', 'REQUESTED_BY_CUSTOMER') not in ('REQUESTED_BY_CUSTOMER', 'CANCELLATION',
       'DUPLICATE', 'FRAUDULENT', 'OTHERS') then
      raise exception using errcode = 'AS400',
        detail = '{"reason": ["REQUESTED_BY_CUSTOMER, CANCELLATION, DUPLICATE, FRAUDULENT or OTHERS."]}',
        message = 'reason must be REQUESTED_BY_CUSTOMER, CANCELLATION, DUPLICATE, FRAUDULENT or OTHERS.';
    end if;
    if refund ? 'amount' and (pg_catalog.jsonb_typeof(refund -> 'amount') <> 'number'
       or (refund ->> 'amount')::numeric <> pg_catalog.trunc((refund ->> 'amount')::numeric)
       or (refund ->> 'amount')::numeric not between 1 and 1000000000000) then
      raise exception using errcode = 'AS400', detail = '{"amount": ["Whole rupiah, at least 1."]}',
        message = 'amount must be whole rupiah, at least 1.';
    end if;
    -- The payment row is the lock: refunds of one payment are decided one after another, so together they
    -- never exceed what it paid, however many are asked for at once.
    select y.* into pay from astapa.payments as y
    join astapa.receipts as x on x.project_id = y.project_id and x.payment_id = y.id
    where y.project_id = request_refund.project_id and (x.public_id = receipt_key or x.number = receipt_key)
    for update of y;
    if not found then
      raise exception using errcode = 'AS404', message = 'No paid payment has this receipt.';
    end if;
    refusal := astapa.refund_refusal(pay, pg_catalog.now());
    if refusal is not null then
      raise exception using errcode = 'AS409', message = refusal;
    end if;
    select pay.amount - coalesce(pg_catalog.sum(r.amount), 0) into outstanding from astapa.refunds as r
    where r.project_id = pay.project_id and r.payment_id = pay.id and r.status <> 'failed';
    wanted := coalesce((refund ->> 'amount')::bigint, outstanding);
    if outstanding < 1 then
      raise exception using errcode = 'AS409', message = 'This payment has been refunded in full already.';
    end if;
    if wanted > outstanding then
      raise exception using errcode = 'AS409', detail = '{"amount": ["More than is left to refund."]}',
        message = pg_catalog.format('Only IDR %s of this payment is left to refund.', outstanding);
    end if;
    insert into astapa.refunds (project_id, payment_id, checkout_public_id, amount, reason, plan_effect, requested_by)
    values (pay.project_id, pay.id,
            (select c.public_id from astapa.checkouts as c where c.project_id = pay.project_id and c.id = pay.checkout_id),
            wanted, coalesce(refund ->> 'reason', 'REQUESTED_BY_CUSTOMER'),
            refund ->> 'plan_effect', coalesce(nullif(refund ->> 'requested_by', ''), 'api'))
    returning * into created;
    perform astapa.audit(project_id, 'payment.refund_requested', 'refund:' || created.public_id,
      pg_catalog.jsonb_build_object('receipt', receipt_key, 'amount', wanted, 'plan_effect', created.plan_effect,
        'by', created.requested_by));
    return astapa.refund_json(created);
  end
  $function$;
comment on function api.request_refund(text,jsonb) is 'Asks for a refund of the payment a receipt (id or number) is for: {receipt, amount? (default: all that is left), reason?, plan_effect (end_now | keep_to_period_end | none), requested_by?}. Locks the payment so refunds never exceed it. The caller then asks Xendit (idempotency key = refund_id) and records the answer with api.record_refund_answer. AS400 bad input; AS404 no such receipt; AS409 not refundable (virtual account, QRIS after 30 days) or more than is left. Audited.';
grant execute on function api.request_refund(text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.requeue_payment_event(project_id text, event_id bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    requeued bigint;
  begin
    update astapa.payment_events as e set processed_at = null, outcome = null, error = null
    where e.project_id = requeue_payment_event.project_id and e.id = event_id and e.outcome = 'error'
    returning e.id into requeued;
    if requeued is null then
      raise exception using errcode = 'AS404', message = 'No payment event with this id failed to apply.';
    end if;
    -- (The update NOTIFYs the workers: trigger payment_events_notify_requeue.)
    perform astapa.audit(project_id, 'payment_event.requeued', 'payment_event:' || event_id, '{}');
    return pg_catalog.jsonb_build_object('event_id', requeued, 'requeued', true);
  end
  $function$;
comment on function api.requeue_payment_event(text,bigint) is 'Puts an event that failed to apply (outcome error) back in line, after the cause is fixed; audited. AS404 for any other event.';
grant execute on function api.requeue_payment_event(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.resend_phone_code(token_hash bytea, channel text, code_hash bytea, address text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    pending astapa.phone_codes;
    refused jsonb;
  begin
    if channel is null or channel not in ('whatsapp', 'sms') then
      raise exception using errcode = 'AS400', message = 'The channel must be whatsapp or sms.';
    end if;
    select * into pending from astapa.phone_codes c
    where c.project_id = project and c.token_hash = resend_phone_code.token_hash
    for update;
    if not found or pending.used_at is not null or pending.expires_at <= pg_catalog.now()
       or pending.attempts >= 5 then
      return pg_catalog.jsonb_build_object('sent', false, 'reason', 'expired');
    end if;
    refused := astapa.phone_send_wait(pending.phone_number, address);
    if refused is not null then
      return refused;
    end if;
    -- A new code replaces the old one; the attempts already made still count.
    update astapa.phone_codes c
    set channel = resend_phone_code.channel, code_hash = resend_phone_code.code_hash, sends = c.sends + 1,
        expires_at = pg_catalog.now() + interval '5 minutes'
    where c.project_id = project and c.token_hash = resend_phone_code.token_hash;
    return pg_catalog.jsonb_build_object('sent', true, 'phone_number', pending.phone_number,
      'sandbox', astapa.phone_settings(project) ->> 'mode' = 'sandbox');
  end
  $function$;
comment on function api.resend_phone_code(bytea,text,bytea,text) is 'A new code for a live pending one, by another channel (SMS when WhatsApp failed or the person asks): the same limits and budget as a first send; attempts already made still count. {sent: true, phone_number, sandbox}, or {sent: false, reason: expired | rate_limited | budget, wait}.';
grant execute on function api.resend_phone_code(bytea,text,bytea,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.resend_webhook_delivery(project_id text, delivery_id bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    current_status text;
  begin
    perform astapa.require_project(project_id);
    select d.status into current_status from astapa.webhook_deliveries as d
    where d.project_id = resend_webhook_delivery.project_id and d.id = delivery_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = 'This project has no such webhook delivery.';
    end if;
    if current_status <> 'failed' then
      raise exception using errcode = 'AS409',
        message = 'Only a failed delivery can be resent; this one is ' || current_status || '.';
    end if;
    if not exists (select from astapa.webhook_endpoints as e where e.project_id = resend_webhook_delivery.project_id) then
      raise exception using errcode = 'AS409', message = 'This project has no webhook endpoint to resend to.';
    end if;
    if not (select e.enabled from astapa.webhook_endpoints as e where e.project_id = resend_webhook_delivery.project_id) then
      raise exception using errcode = 'AS409', message = 'The webhook endpoint is disabled: enable it to resend.';
    end if;
    update astapa.webhook_deliveries as d
    set status = 'pending', next_attempt_at = pg_catalog.now(), lease_until = null, delivered_at = null
    where d.project_id = resend_webhook_delivery.project_id and d.id = delivery_id;
    perform astapa.audit(project_id, 'webhook.resend', delivery_id::text);
    -- A wake-up call for the delivery workers (they LISTEN on the events channel); the row is the truth.
    perform pg_catalog.pg_notify('astapa_events', '');
    return (select pg_catalog.jsonb_build_object('id', d.id::text, 'status', d.status, 'attempts', d.attempts)
            from astapa.webhook_deliveries as d
            where d.project_id = resend_webhook_delivery.project_id and d.id = delivery_id);
  end
  $function$;
comment on function api.resend_webhook_delivery(text,bigint) is 'Queues a failed delivery again, due now (attempts carry on), and wakes the workers. AS404 for an unknown delivery; AS409 when it is not failed or the project has no enabled endpoint.';
grant execute on function api.resend_webhook_delivery(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.reset_link_usable(token_hash bytea)
 RETURNS boolean
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select exists (
      select from astapa.email_tokens t
      where t.project_id = astapa.current_project_id() and t.token_hash = reset_link_usable.token_hash
        and t.purpose = 'reset_password' and t.used_at is null and t.expires_at > pg_catalog.now()
    )
  $function$;
comment on function api.reset_link_usable(bytea) is 'True while a reset link of the current project is unused and unexpired (the same test api.reset_password makes); it does not use the link.';
grant execute on function api.reset_link_usable(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.reset_password(token_hash bytea, password_hash text)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    owner bigint;
  begin
    if password_hash !~ '^\$argon2id\$' then
      raise exception 'password hashes must be argon2id' using errcode = 'AS400';
    end if;
    update astapa.email_tokens t set used_at = pg_catalog.now()
    where t.project_id = astapa.current_project_id() and t.token_hash = reset_password.token_hash
      and t.purpose = 'reset_password' and t.used_at is null and t.expires_at > pg_catalog.now()
    returning t.user_id into owner;
    if owner is null then
      raise exception 'this reset link is unknown, used or expired' using errcode = 'AS4G0';
    end if;
    -- The mailbox proved ownership, and whoever knew the old password is now out everywhere.
    update astapa.users u set password_hash = reset_password.password_hash, email_verified = true
    where u.project_id = astapa.current_project_id() and u.id = owner;
    update astapa.login_sessions s set ended_at = pg_catalog.now()
    where s.project_id = astapa.current_project_id() and s.user_id = owner and s.ended_at is null;
    perform api.revoke_user_refresh_tokens(owner, 'revoked_by_admin');
    perform astapa.audit(astapa.current_project_id(), 'user.password_reset', 'user:' || owner);
    return owner;
  end
  $function$;
comment on function api.reset_password(bytea,text) is 'Uses a reset link once: sets the new argon2id hash, marks the email verified, ends every session and revokes every refresh token of the user.';
grant execute on function api.reset_password(bytea,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.reset_user_factors(project_id text, user_id bigint, mail jsonb DEFAULT NULL::jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    removed integer;
    kinds text[];
    email text;
  begin
    select u.email into email from astapa.users u
    where u.project_id = reset_user_factors.project_id and u.id = reset_user_factors.user_id;
    if email is null then
      raise exception 'no such user' using errcode = 'AS404';
    end if;
    select pg_catalog.array_agg(f.kind order by f.kind desc) into kinds from astapa.user_factors f
    where f.project_id = reset_user_factors.project_id and f.user_id = reset_user_factors.user_id
      and f.confirmed_at is not null;
    delete from astapa.user_factors f
    where f.project_id = reset_user_factors.project_id and f.user_id = reset_user_factors.user_id
      and f.confirmed_at is not null;
    get diagnostics removed = row_count;
    delete from astapa.user_factors f
    where f.project_id = reset_user_factors.project_id and f.user_id = reset_user_factors.user_id;
    delete from astapa.recovery_codes r
    where r.project_id = reset_user_factors.project_id and r.user_id = reset_user_factors.user_id;
    update astapa.remembered_browsers b set revoked_at = pg_catalog.now()
    where b.project_id = reset_user_factors.project_id and b.user_id = reset_user_factors.user_id
      and b.revoked_at is null;
    if removed > 0 then
      perform astapa.audit(reset_user_factors.project_id, 'user.mfa_removed', 'user:' || reset_user_factors.user_id);
      perform astapa.emit_event(reset_user_factors.project_id, 'user.mfa_removed', pg_catalog.jsonb_build_object(
        'user', astapa.user_json(reset_user_factors.project_id, reset_user_factors.user_id),
        -- The app's factor when there was one (as before phones), else the phone; factors lists them all.
        'factor', kinds[1], 'factors', pg_catalog.to_jsonb(kinds)));
      if mail is not null then
        perform api.queue_mail(reset_user_factors.project_id, mail || pg_catalog.jsonb_build_object('to', email));
      end if;
    end if;
    return pg_catalog.jsonb_build_object('removed', removed);
  end
  $function$;
comment on function api.reset_user_factors(text,bigint,jsonb) is 'An admin''s reset: removes the user''s factors and recovery codes and forgets their remembered browsers; when a factor was enrolled it is audited (user.mfa_removed), an event is emitted (factor: totp when an app was set up, else phone; factors: every kind removed) and, with mail, the user told. AS404 for an unknown user.';
grant execute on function api.reset_user_factors(text,bigint,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.resource_owner(resource text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    owner record;
    answer jsonb;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Resource lookups happen before a project is chosen.';
    end if;
    if resource is null or not astapa.is_valid_resource_uri(resource) then
      return null;
    end if;
    perform pg_catalog.set_config('astapa.lookup_resource', resource, true);
    select r.project_id, r.name into owner from astapa.resources r where r.uri = resource_owner.resource;
    perform pg_catalog.set_config('astapa.lookup_resource', '', true);
    if owner.project_id is null then
      return null;
    end if;
    -- Acts for the owning project for one read through that project's own policies, then lets go again.
    perform pg_catalog.set_config('astapa.project_id', owner.project_id, true);
    select pg_catalog.jsonb_build_object(
             'project_id', p.id, 'name', p.name, 'mode', p.mode, 'settings', p.settings,
             'resource', resource, 'resource_name', owner.name,
             'dynamic_clients', coalesce(p.settings -> 'dynamic_clients' = 'true'::jsonb, false),
             'scopes', coalesce((select pg_catalog.jsonb_agg(s.name order by s.name) from astapa.scopes s
                                 where s.project_id = p.id), '[]'::jsonb))
      into answer
    from astapa.projects p where p.id = owner.project_id;
    perform pg_catalog.set_config('astapa.project_id', '', true);
    return answer;
  end
  $function$;
comment on function api.resource_owner(text) is 'For a dynamic client''s authorization request: the project owning a protected resource (id, name, mode, settings, whether it accepts dynamic clients, its declared scopes) and the resource''s name, or null. Security definer because no project is known yet; it sees only the one resource named (policy "definer functions find the resource a lookup names"), then that project''s row and scopes through the project''s own policies, and refuses to run once a project is set.';
grant execute on function api.resource_owner(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.resume_organization_plan(project_id text, organization_id text, sub text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
  begin
    if o.project_id is distinct from resume_organization_plan.project_id then
      raise exception using errcode = 'AS404', message = 'This organization was not found in this project.';
    end if;
    perform astapa.organization_plan_actor(o, sub, 'resume');
    if o.plan_canceled_at is null or o.plan_paid_through <= pg_catalog.now() then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        '%s has no canceled team plan still running to resume.', o.name);
    end if;
    update astapa.organizations as x set plan_canceled_at = null, updated_at = pg_catalog.now()
    where x.project_id = o.project_id and x.id = o.id
    returning * into o;
    perform astapa.emit_event(o.project_id, 'organization.updated',
      pg_catalog.jsonb_build_object('organization', astapa.organization_json(o)));
    perform astapa.audit(o.project_id, 'organization.plan_resumed', o.id, pg_catalog.jsonb_build_object(
      'plan', o.plan_key, 'by', coalesce(sub, 'app')));
    return astapa.organization_json(o);
  end
  $function$;
comment on function api.resume_organization_plan(text,text,text) is 'Undoes a cancel while the paid period runs: the team plan renews again. sub: the owner or admin asking, null for the app. AS403 sub no owner or admin; AS404 unknown organization; AS409 not canceled, or already over.';
grant execute on function api.resume_organization_plan(text,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.resume_subscription(project_id text, user_id bigint, now timestamp with time zone DEFAULT now())
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    s astapa.subscriptions;
  begin
    perform from astapa.users as u
    where u.project_id = resume_subscription.project_id and u.id = resume_subscription.user_id
    for no key update;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    select * into s from astapa.subscriptions as s2
    where s2.project_id = resume_subscription.project_id and s2.user_id = resume_subscription.user_id
      and s2.ended_at is null
    for update;
    if s.id is null or s.status <> 'canceled' or s.current_period_end <= now then
      raise exception using errcode = 'AS409', message = 'There is no canceled subscription still running to resume.';
    end if;
    update astapa.subscriptions as s2 set status = case when s2.paid_through > now then 'active' else 'past_due' end
    where s2.project_id = s.project_id and s2.id = s.id
    returning * into s;
    perform astapa.audit(project_id, 'subscription.resume', 'user:' || user_id,
      pg_catalog.jsonb_build_object('plan', s.plan_key));
    perform astapa.emit_event(project_id, 'subscription.updated', pg_catalog.jsonb_build_object(
      'subscription', astapa.subscription_json(s), 'previous_plan', s.plan_key));
    return astapa.subscription_json(s);
  end
  $function$;
comment on function api.resume_subscription(text,bigint,timestamp with time zone) is 'Undoes a cancel while the paid period still runs: renewals resume. AS404 unknown user; AS409 nothing canceled and still running.';
grant execute on function api.resume_subscription(text,bigint,timestamp with time zone) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.revenue_by_method(project_id text, days integer DEFAULT 30, until timestamp with time zone DEFAULT now())
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    mode text := astapa.require_project(project_id);
    since timestamptz;
  begin
    if days is null or days not between 1 and 366 then
      raise exception using errcode = 'AS400', message = 'days must be from 1 to 366.';
    end if;
    -- The same window as signups_per_day: from the start of the first of the UTC days.
    since := (((until at time zone 'UTC')::date - (days - 1))::timestamp at time zone 'UTC');
    return (
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'method', totals.method, 'amount', totals.amount, 'payments', totals.payments)
             order by totals.position)
      from (select m.method, m.position, coalesce(pg_catalog.sum(paid.amount), 0)::bigint as amount,
                   pg_catalog.count(paid.id) as payments
            from (values ('qris', 1), ('gopay', 2), ('ovo', 3), ('bank_transfer', 4)) as m(method, position)
            left join lateral (
              select y.id, y.amount from astapa.payments as y
              join astapa.checkouts as c on c.project_id = y.project_id and c.id = y.checkout_id
              where y.project_id = revenue_by_method.project_id and y.method = m.method and y.status = 'paid'
                and c.environment = mode and y.paid_at >= since and y.paid_at <= until) as paid on true
            group by m.method, m.position) as totals);
  end
  $function$;
comment on function api.revenue_by_method(text,integer,timestamp with time zone) is '[{method, amount, payments}] for qris, gopay, ovo and bank_transfer: paid charges of the project''s current mode paid in the days (UTC) days ending on until''s. AS400 unless 1 <= days <= 366.';
grant execute on function api.revenue_by_method(text,integer,timestamp with time zone) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.revoke_consent(user_id bigint, client_id text, resource text, by_admin boolean)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    tokens integer;
  begin
    delete from astapa.consents c
    where c.project_id = astapa.current_project_id() and c.user_id = revoke_consent.user_id
      and c.client_id = revoke_consent.client_id and c.resource = revoke_consent.resource;
    if not found then
      raise exception using errcode = 'AS404', message = 'There is no such consent to revoke.';
    end if;
    -- The tokens issued under it end too: revoking consent must stop the client, not only the next prompt.
    update astapa.refresh_tokens r
    set revoked_at = pg_catalog.now(),
        revoked_reason = case when by_admin then 'revoked_by_admin' else 'consent_revoked' end
    where r.project_id = astapa.current_project_id() and r.user_id = revoke_consent.user_id
      and r.client_id = revoke_consent.client_id and r.resource = revoke_consent.resource
      and r.revoked_at is null;
    get diagnostics tokens = row_count;
    perform astapa.audit(astapa.current_project_id(), 'consent.revoked', 'user:' || user_id,
      pg_catalog.jsonb_build_object('client_id', pg_catalog.left(client_id, 200), 'resource', resource,
                                    'by', case when by_admin then 'admin' else 'user' end,
                                    'refresh_tokens', tokens));
    return pg_catalog.jsonb_build_object('refresh_tokens_revoked', tokens);
  end
  $function$;
comment on function api.revoke_consent(bigint,text,text,boolean) is 'Forgets a user''s consent for a client and resource of the current project and revokes the refresh tokens issued under it (revoked_by_admin, or consent_revoked when the person did it); audited as consent.revoked. AS404 when there is none.';
grant execute on function api.revoke_consent(bigint,text,text,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.revoke_organization_invitation(invitation_id text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    i astapa.organization_invitations;
  begin
    update astapa.organization_invitations x set revoked_at = pg_catalog.now()
    where x.project_id = astapa.current_project_id() and x.id = invitation_id
      and x.accepted_at is null and x.revoked_at is null
    returning * into i;
    if i.id is null then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('No open invitation %s in this project.', invitation_id);
    end if;
    perform astapa.audit(i.project_id, 'organization.invitation_revoked', i.organization_id,
      pg_catalog.jsonb_build_object('invitation', i.id, 'email', i.email));
    return astapa.invitation_json(i);
  end
  $function$;
comment on function api.revoke_organization_invitation(text) is 'Revokes an open invitation (its link stops working); audited. AS404 when none is open by that id.';
grant execute on function api.revoke_organization_invitation(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.revoke_self_registered_tokens(client_id text, token_hash bytea, user_id bigint, resource text)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    revoked integer;
  begin
    if token_hash is not null then
      -- A refresh token: its whole family (the one sign-in's chain of rotations), RFC 7009 §2.1.
      update astapa.refresh_tokens r set revoked_at = pg_catalog.now(), revoked_reason = 'revoked_by_client'
      where r.project_id = astapa.current_project_id() and r.revoked_at is null
        and r.client_id = revoke_self_registered_tokens.client_id
        and r.family_id in (
          select f.family_id from astapa.refresh_tokens f
          where f.project_id = astapa.current_project_id()
            and f.token_hash = revoke_self_registered_tokens.token_hash
            and f.client_id = revoke_self_registered_tokens.client_id);
    else
      -- An access token: the refresh tokens of the same grant (this person, this client, this resource).
      update astapa.refresh_tokens r set revoked_at = pg_catalog.now(), revoked_reason = 'revoked_by_client'
      where r.project_id = astapa.current_project_id() and r.revoked_at is null
        and r.client_id = revoke_self_registered_tokens.client_id
        and r.user_id = revoke_self_registered_tokens.user_id
        and r.resource is not distinct from revoke_self_registered_tokens.resource;
    end if;
    get diagnostics revoked = row_count;
    return revoked;
  end
  $function$;
comment on function api.revoke_self_registered_tokens(text,bytea,bigint,text) is 'Revokes, in the current project, the refresh tokens of one grant of a self-registered or metadata-document client: the family of the refresh token with token_hash, or (token_hash null) the tokens it holds for the user and resource an access token named. Never another client''s tokens, never the user''s other sessions. Returns how many.';
grant execute on function api.revoke_self_registered_tokens(text,bytea,bigint,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.revoke_user_refresh_tokens(user_id bigint, reason text DEFAULT 'revoked_by_client'::text)
 RETURNS integer
 LANGUAGE sql
 SET search_path TO ''
AS $function$
    with revoked as (
      update astapa.refresh_tokens r set revoked_at = pg_catalog.now(), revoked_reason = reason
      where r.project_id = astapa.current_project_id() and r.user_id = revoke_user_refresh_tokens.user_id
        and r.revoked_at is null
      returning 1)
    select count(*)::integer from revoked
  $function$;
comment on function api.revoke_user_refresh_tokens(bigint,text) is 'Revokes every live refresh token of a user in the current project; returns how many.';
grant execute on function api.revoke_user_refresh_tokens(bigint,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.rotate_client_secret(project_id text, client_secret_hash bytea)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    perform astapa.require_project(project_id);
    perform astapa.assert_secret_hash(client_secret_hash);
    update astapa.projects as p
    set client_secret_hash = rotate_client_secret.client_secret_hash, updated_at = pg_catalog.now()
    where p.id = rotate_client_secret.project_id;
    perform astapa.audit(project_id, 'client_secret.rotate', project_id);
    return astapa.project_json(project_id);
  end
  $function$;
comment on function api.rotate_client_secret(text,bytea) is 'Replaces the client secret hash; the old secret stops verifying at once (no grace period).';
grant execute on function api.rotate_client_secret(text,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.rotate_machine_client_secret(client_id text, secret_hash bytea)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    perform astapa.assert_secret_hash(secret_hash);
    update astapa.machine_clients m
    set secret_hash = rotate_machine_client_secret.secret_hash, secret_rotated_at = pg_catalog.now(),
        updated_at = pg_catalog.now()
    where m.project_id = astapa.current_project_id() and m.client_id = rotate_machine_client_secret.client_id;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Machine client %s was not found.', client_id);
    end if;
    perform astapa.audit(astapa.current_project_id(), 'machine_client.rotate_secret', client_id);
    return astapa.machine_client_json(client_id);
  end
  $function$;
comment on function api.rotate_machine_client_secret(text,bytea) is 'Replaces a machine client''s secret hash; the old secret stops verifying at once.';
grant execute on function api.rotate_machine_client_secret(text,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.rotate_refresh_token(token_hash bytea, client_id text, successor_hash bytea, requested_scope text, resource text DEFAULT NULL::text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    presented astapa.refresh_tokens;
    successor astapa.refresh_tokens;
    policy record;
    refresh_expires timestamptz;
    signed_in_at timestamptz;
    sign_in_ends timestamptz;
  begin
    perform astapa.assert_grant_allowed('refresh_token');
    perform astapa.assert_dynamic_client_allowed(client_id);
    -- FOR UPDATE: concurrent refreshes of one token queue here, so exactly one of them creates the successor.
    select * into presented from astapa.refresh_tokens r
    where r.project_id = astapa.current_project_id() and r.token_hash = rotate_refresh_token.token_hash
    for update;
    if not found or presented.revoked_at is not null or presented.expires_at <= pg_catalog.now() then
      raise exception 'the refresh token is unknown, expired or revoked' using errcode = 'AS4G0';
    end if;
    if presented.client_id is distinct from rotate_refresh_token.client_id then
      raise exception 'the refresh token was issued to another client' using errcode = 'AS4G0';
    end if;
    -- The audience stays what the sign-in was for: a refresh may not move the token to another resource.
    if resource is not null and resource is distinct from presented.resource then
      raise exception 'the resource differs from the one this refresh token was issued for'
        using errcode = 'AS4T0';
    end if;
    if requested_scope is not null and not (
      pg_catalog.string_to_array(requested_scope, ' ') <@ pg_catalog.string_to_array(presented.scope, ' ')) then
      raise exception 'the requested scope exceeds the scope originally granted' using errcode = 'AS4S0';
    end if;
    perform astapa.assert_user_may_sign_in(presented.user_id);
    -- A sign-in keeps only what its project still owns: a resource or scope withdrawn (or never the project's,
    -- from before this check) ends it here.
    perform astapa.assert_grant_target(presented.scope, presented.resource);
    -- However often it is used, a sign-in ends max_age after it happened (tokens from before auth_time was
    -- recorded fall back to the family's first token).
    signed_in_at := coalesce(presented.auth_time, (select pg_catalog.min(r.created_at) from astapa.refresh_tokens r
      where r.project_id = presented.project_id and r.family_id = presented.family_id));
    sign_in_ends := signed_in_at + pg_catalog.make_interval(secs => astapa.refresh_max_age());
    if sign_in_ends <= pg_catalog.now() then
      raise exception 'the sign-in this refresh token belongs to has reached its maximum age; sign in again'
        using errcode = 'AS4G0';
    end if;

    select * into policy from astapa.token_policy();
    if presented.used_at is not null then
      select * into successor from astapa.refresh_tokens r
      where r.project_id = presented.project_id and r.parent_id = presented.id;
      if presented.used_at > pg_catalog.now() - pg_catalog.make_interval(secs => policy.refresh_grace)
         and successor.token_hash = rotate_refresh_token.successor_hash and successor.revoked_at is null then
        -- A concurrent retry (another tab, a server render) inside the grace window: same successor, no logout.
        return astapa.grant_result(presented.user_id, coalesce(requested_scope, presented.scope),
          presented.resource, presented.auth_time, null, successor.expires_at)
          || pg_catalog.jsonb_build_object('amr', pg_catalog.to_jsonb(presented.amr))
          || astapa.organization_grant(presented.user_id, presented.organization_id);
      end if;
      update astapa.refresh_tokens r set revoked_at = pg_catalog.now(), revoked_reason = 'reuse_detected'
      where r.project_id = presented.project_id and r.family_id = presented.family_id and r.revoked_at is null;
      return pg_catalog.jsonb_build_object('error', 'invalid_grant', 'error_description',
        'The refresh token was already used; every token of this sign-in is revoked.');
    end if;

    refresh_expires := least(pg_catalog.now() + pg_catalog.make_interval(secs => policy.refresh_ttl), sign_in_ends);
    update astapa.refresh_tokens r set used_at = pg_catalog.now()
    where r.project_id = presented.project_id and r.id = presented.id;
    insert into astapa.refresh_tokens (
      project_id, token_hash, family_id, parent_id, user_id, client_id, scope, resource, auth_time, expires_at, amr,
      organization_id)
    values (presented.project_id, successor_hash, presented.family_id, presented.id, presented.user_id,
            presented.client_id, presented.scope, presented.resource, presented.auth_time, refresh_expires,
            presented.amr, presented.organization_id);
    -- The active organization stays; its claims are read fresh, so a removed member's stop here.
    return astapa.grant_result(presented.user_id, coalesce(requested_scope, presented.scope),
      presented.resource, presented.auth_time, null, refresh_expires)
      || pg_catalog.jsonb_build_object('amr', pg_catalog.to_jsonb(presented.amr))
      || astapa.organization_grant(presented.user_id, presented.organization_id);
  end
  $function$;
comment on function api.rotate_refresh_token(bytea,text,bytea,text,text) is 'Exchanges a refresh token for its successor (whose hash the caller derives from the token, so a retry yields the same one), keeping its resource (a different one is invalid_target). Reuse after the grace window revokes the family and returns an invalid_grant object. A sign-in ends astapa.refresh_max_age() after auth_time, however often its tokens are used (AS4G0), and when its scope or resource is no longer the project''s own (AS4S0 / AS4T0).';
grant execute on function api.rotate_refresh_token(bytea,text,bytea,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.rotate_signing_keys(new_next_kid text, new_next_jwk jsonb, new_next_private bytea)
 RETURNS text
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    promoted text;
  begin
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('astapa.signing_keys'));
    select kid into promoted from astapa.signing_keys where state = 'next';
    if promoted is null then
      raise exception 'there is no next key to promote; start the server once to install keys'
        using errcode = 'AS409';
    end if;
    update astapa.signing_keys set state = 'retired', retired_at = pg_catalog.now() where state = 'active';
    update astapa.signing_keys set state = 'active', activated_at = pg_catalog.now() where kid = promoted;
    insert into astapa.signing_keys (kid, state, public_jwk, private_key)
      values (new_next_kid, 'next', new_next_jwk, new_next_private);
    return promoted;
  end
  $function$;
comment on function api.rotate_signing_keys(text,jsonb,bytea) is 'Promotes the next key to active, retires the old active key (still published for a day), and stores a new next key. Returns the kid now signing.';
grant execute on function api.rotate_signing_keys(text,jsonb,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.rotate_signing_keys_if_older(max_age interval, new_next_kid text, new_next_jwk jsonb, new_next_private bytea)
 RETURNS text
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    -- The same lock as api.rotate_signing_keys: of several instances checking at once, one rotates.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('astapa.signing_keys'));
    if exists (select from astapa.signing_keys
               where state = 'active' and activated_at > pg_catalog.now() - max_age) then
      return null;
    end if;
    return api.rotate_signing_keys(new_next_kid, new_next_jwk, new_next_private);
  end
  $function$;
comment on function api.rotate_signing_keys_if_older(interval,text,jsonb,bytea) is 'Scheduled rotation: rotates only when the active key has signed for longer than max_age; returns the new active kid, or null when no rotation was due.';
grant execute on function api.rotate_signing_keys_if_older(interval,text,jsonb,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.rotate_webhook_secret(project_id text, secret_sealed bytea)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    update astapa.webhook_endpoints as e
    set secret_sealed = rotate_webhook_secret.secret_sealed, updated_at = pg_catalog.now()
    where e.project_id = rotate_webhook_secret.project_id;
    if not found then
      raise exception using errcode = 'AS404', message = 'This project has no webhook endpoint.';
    end if;
    perform astapa.audit(project_id, 'webhook.rotate_secret', project_id);
    return astapa.webhook_endpoint_json(project_id);
  end
  $function$;
comment on function api.rotate_webhook_secret(text,bytea) is 'Replaces the signing secret; deliveries from now on (retries included) are signed with the new one.';
grant execute on function api.rotate_webhook_secret(text,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.sandbox_account()
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'secret_key_sealed', pg_catalog.encode(a.secret_key_sealed, 'base64'),
      'callback_token_sealed', pg_catalog.encode(a.callback_token_sealed, 'base64'))
    from astapa.sandbox_accounts a
    where a.project_id = astapa.current_project_id()
  $function$;
comment on function api.sandbox_account() is 'The current project''s sealed simulator key and callback token (base64), or null when it has none yet.';
grant execute on function api.sandbox_account() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.sandbox_account_project(key_hash bytea)
 RETURNS text
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    found_project text;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Simulator keys are looked up before a project is chosen.';
    end if;
    if key_hash is null or pg_catalog.length(key_hash) <> 32 then
      return null;
    end if;
    perform pg_catalog.set_config('astapa.sandbox_lookup', pg_catalog.encode(key_hash, 'hex'), true);
    select a.project_id into found_project from astapa.sandbox_accounts a where a.key_hash = sandbox_account_project.key_hash;
    perform pg_catalog.set_config('astapa.sandbox_lookup', '', true);
    return found_project;
  end
  $function$;
comment on function api.sandbox_account_project(bytea) is 'The project whose simulator secret key has this SHA-256, or null: the simulator authenticates a call. Security definer because no project is known yet; it sees only the one account the hash names (policy "definer functions find the sandbox account a key names") and refuses to run once a project is set.';
grant execute on function api.sandbox_account_project(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.sandbox_charge(id text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object('kind', c.kind, 'record', c.record)
    from astapa.sandbox_charges c
    where c.project_id = astapa.current_project_id() and c.id = sandbox_charge.id
  $function$;
comment on function api.sandbox_charge(text) is 'One simulator charge of the current project, or null.';
grant execute on function api.sandbox_charge(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.sandbox_charge_owner(id text)
 RETURNS text
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    owner text;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'Charges are looked up before a project is chosen.';
    end if;
    perform pg_catalog.set_config('astapa.sandbox_charge_lookup', coalesce(id, ''), true);
    select c.project_id into owner from astapa.sandbox_charges c where c.id = sandbox_charge_owner.id;
    perform pg_catalog.set_config('astapa.sandbox_charge_lookup', '', true);
    return owner;
  end
  $function$;
comment on function api.sandbox_charge_owner(text) is 'The project a simulator charge id belongs to, or null: the hosted invoice page and "Simulate payment" name a charge, not a project (its random id is the capability, as at Xendit). Security definer because no project is known yet; it sees only the one charge named (policy "definer functions find the sandbox charge a lookup names") and refuses to run once a project is set.';
grant execute on function api.sandbox_charge_owner(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.sandbox_idempotency(key text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object('request_hash', i.request_hash, 'status', i.status, 'body', i.body)
    from astapa.sandbox_idempotency i
    where i.project_id = astapa.current_project_id() and i.key = sandbox_idempotency.key
  $function$;
comment on function api.sandbox_idempotency(text) is 'What an idempotency key of the current project was used with.';
grant execute on function api.sandbox_idempotency(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.sandbox_inbox(project_id text, max_rows integer DEFAULT 20)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    mode text := astapa.require_project(project_id);
  begin
    -- Production mail goes to real people: its links are never shown in the dashboard.
    if mode <> 'sandbox' then
      raise exception using errcode = 'AS409',
        message = 'The sandbox inbox shows a sandbox project''s mail; this project is in production.';
    end if;
    return (
      select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'id', m.id::text, 'to', m.to_address, 'kind', m.kind, 'subject', m.subject, 'text', m.body_text,
          'locale', m.locale, 'created_at', m.created_at, 'sent_at', m.sent_at) order by m.id desc), '[]')
      from (select * from astapa.mail_outbox as o
            where o.project_id = sandbox_inbox.project_id and o.environment = 'sandbox'
            order by o.id desc limit least(greatest(max_rows, 1), 100)) as m);
  end
  $function$;
comment on function api.sandbox_inbox(text,integer) is 'A sandbox project''s newest sandbox mail with its text (links included), newest first, for the dashboard''s sandbox inbox; AS409 for a production project. Delivered mail shows its erased body.';
grant execute on function api.sandbox_inbox(text,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.sandbox_invoices(external_id text, max_count integer)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.jsonb_agg(x.record order by x.created_at desc), '[]')
    from (select c.record, c.created_at from astapa.sandbox_charges c
          where c.project_id = astapa.current_project_id() and c.kind = 'invoice'
            and (sandbox_invoices.external_id is null or c.external_id = sandbox_invoices.external_id)
          order by c.created_at desc
          limit least(greatest(coalesce(max_count, 10), 1), 100)) x
  $function$;
comment on function api.sandbox_invoices(text,integer) is 'The current project''s simulator invoices, newest first, optionally by external_id (GET /v2/invoices).';
grant execute on function api.sandbox_invoices(text,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.save_sandbox_charge(id text, kind text, external_id text, status text, record jsonb)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if astapa.current_project_id() is null then
      raise exception using errcode = 'AS404', message = 'No project is set for this transaction.';
    end if;
    insert into astapa.sandbox_charges (project_id, id, kind, external_id, status, record)
    values (astapa.current_project_id(), id, kind, external_id, status, record);
  end
  $function$;
comment on function api.save_sandbox_charge(text,text,text,text,jsonb) is 'Records a charge the simulator made for the current project.';
grant execute on function api.save_sandbox_charge(text,text,text,text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.save_sandbox_idempotency(key text, request_hash text, status integer, body jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    insert into astapa.sandbox_idempotency (project_id, key, request_hash, status, body)
    values (astapa.current_project_id(), key, request_hash, status, body)
    on conflict on constraint sandbox_idempotency_pkey do nothing;
    return api.sandbox_idempotency(key);
  end
  $function$;
comment on function api.save_sandbox_idempotency(text,text,integer,jsonb) is 'Remembers an idempotency key''s request and answer unless another instance did first; answers the one kept.';
grant execute on function api.save_sandbox_idempotency(text,text,integer,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.search_environment_users(project_id text, query text, page_size integer DEFAULT 50, after_id bigint DEFAULT 0)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    current_mode text := astapa.require_project(project_id);
    q text := pg_catalog.lower(pg_catalog.btrim(coalesce(query, '')));
    -- Every string with the prefix q sorts (bytewise) at or above q and below q followed by the last code point.
    q_end text := q || pg_catalog.chr(1114111);
    domain text;
  begin
    if page_size is null or page_size not between 1 and 1000 then
      raise exception using errcode = 'AS400', message = 'A page holds 1 to 1000 users.';
    end if;
    if q = '' or pg_catalog.length(q) > 254 then
      raise exception using errcode = 'AS400', message = 'Search for 1 to 254 characters.';
    end if;
    if q ~ '^[0-9]{1,19}$' and q::numeric <= 9223372036854775807 then
      -- A sub: that one user.
      return coalesce((
        select pg_catalog.jsonb_agg(astapa.user_json(u.project_id, u.id))
        from astapa.users as u
        where u.project_id = search_environment_users.project_id and u.environment = current_mode
          and u.id = q::bigint and u.id > coalesce(after_id, 0) and u.deleted_at is null), '[]');
    end if;
    if q like '@%' then
      domain := pg_catalog.substr(q, 2);
      return coalesce((
        select pg_catalog.jsonb_agg(astapa.user_json(page.project_id, page.id) order by page.id)
        from (select u.project_id, u.id from astapa.users as u
              where u.project_id = search_environment_users.project_id and u.environment = current_mode
                and u.email_domain = domain
                and u.id > coalesce(after_id, 0) and u.deleted_at is null
              order by u.id limit page_size) as page), '[]');
    end if;
    -- Otherwise a prefix of the email or of the name (the user's `name` custom claim).
    return coalesce((
      select pg_catalog.jsonb_agg(astapa.user_json(search_environment_users.project_id, page.id) order by page.id)
      from (select found.id from (
              select u.id from astapa.users as u
              where u.project_id = search_environment_users.project_id and u.environment = current_mode
                and u.deleted_at is null and u.email_lower operator(pg_catalog.~>=~) q
                and u.email_lower operator(pg_catalog.~<~) q_end
              union
              select c.user_id from astapa.user_claims as c
              join astapa.users as u on u.project_id = c.project_id and u.id = c.user_id
              where c.project_id = search_environment_users.project_id and u.environment = current_mode
                and c.name_lower operator(pg_catalog.~>=~) q
                and c.name_lower operator(pg_catalog.~<~) q_end) as found
            where found.id > coalesce(after_id, 0)
            order by found.id limit page_size) as page), '[]');
  end
  $function$;
comment on function api.search_environment_users(text,text,integer,bigint) is 'A page (id order, after after_id) of the project''s users in its current environment matching query: digits = the sub exactly; @domain = every email at that domain; else a prefix of the email or of the `name` custom claim, in any case. AS400 empty or over-long query, bad page size; AS404 unknown project.';
grant execute on function api.search_environment_users(text,text,integer,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.self_registered_token_project(client_id text, token_hash bytea)
 RETURNS text
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    found_project text;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403',
        message = 'A self-registered client''s token is looked up outside any project.';
    end if;
    if not astapa.is_third_party_client_id(client_id) then
      return null;
    end if;
    perform pg_catalog.set_config('astapa.lookup_refresh_token_client', client_id, true);
    select r.project_id into found_project from astapa.refresh_tokens r
    where r.token_hash = self_registered_token_project.token_hash
      and r.client_id = self_registered_token_project.client_id
    limit 1;
    perform pg_catalog.set_config('astapa.lookup_refresh_token_client', '', true);
    return found_project;
  end
  $function$;
comment on function api.self_registered_token_project(text,bytea) is 'The project of a refresh token (live or not) issued to this self-registered or metadata-document client, or null. Security definer because such a client belongs to no project and the app role sees refresh tokens only inside one: it runs only with no project set, for third-party client ids, and sees just that client''s tokens through an owner-only policy switched on for its one query.';
grant execute on function api.self_registered_token_project(text,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.set_checkout_buyer(project_id text, checkout_id text, buyer jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    target astapa.checkouts;
    tax_id text := astapa.digits_only(buyer ->> 'tax_id');
    name text := nullif(pg_catalog.btrim(buyer ->> 'name'), '');
  begin
    if pg_catalog.jsonb_typeof(buyer) is distinct from 'object' then
      raise exception using errcode = 'AS400', message = 'buyer must be a JSON object {name?, tax_id?}.';
    end if;
    if tax_id is not null and tax_id !~ '^[0-9]{15,16}$' then
      raise exception using errcode = 'AS400',
        detail = '{"buyer_tax_id": ["An NPWP (15 or 16 digits) or a NIK (16 digits)."]}',
        message = 'buyer_tax_id must be an NPWP (15 or 16 digits) or a NIK (16 digits).';
    end if;
    if pg_catalog.length(name) > 200 then
      raise exception using errcode = 'AS400', detail = '{"buyer_name": ["At most 200 characters."]}',
        message = 'buyer_name is at most 200 characters.';
    end if;
    select * into target from astapa.checkouts as c
    where c.project_id = set_checkout_buyer.project_id and c.public_id = set_checkout_buyer.checkout_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = 'This checkout was not found.';
    end if;
    -- An issued receipt is never rewritten: the buyer is fixed once a payment of the checkout is receipted.
    if exists (select from astapa.receipts as r where r.project_id = target.project_id and r.checkout_id = target.id)
    then
      raise exception using errcode = 'AS409', message = 'This checkout already has a receipt; its buyer is fixed.';
    end if;
    update astapa.checkouts as c set buyer_name = name, buyer_tax_id = tax_id, updated_at = pg_catalog.now()
    where c.project_id = target.project_id and c.id = target.id;
    return pg_catalog.jsonb_build_object('checkout_id', target.public_id, 'buyer_name', name, 'buyer_tax_id', tax_id);
  end
  $function$;
comment on function api.set_checkout_buyer(text,text,jsonb) is 'Records who the receipt of a checkout is made out to: {name?, tax_id? (NPWP or NIK; dots and dashes are dropped)}. AS400 bad NPWP/NIK or name; AS404 unknown checkout; AS409 once a receipt was issued for it.';
grant execute on function api.set_checkout_buyer(text,text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.set_coupon_disabled(project_id text, code text, disabled boolean)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    changed astapa.coupons;
  begin
    if disabled is null then
      raise exception using errcode = 'AS400', detail = '{"disabled": ["disabled must be true or false."]}',
        message = 'disabled must be true or false.';
    end if;
    update astapa.coupons as c
    set disabled_at = case when set_coupon_disabled.disabled then coalesce(c.disabled_at, pg_catalog.now()) end
    where c.project_id = set_coupon_disabled.project_id and c.code = pg_catalog.upper(set_coupon_disabled.code)
    returning * into changed;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Coupon %s was not found in this project.', code);
    end if;
    perform astapa.audit(project_id, case when disabled then 'coupon.disable' else 'coupon.enable' end,
      'coupon:' || changed.code, '{}');
    return astapa.coupon_json(changed);
  end
  $function$;
comment on function api.set_coupon_disabled(text,text,boolean) is 'Disables a coupon (no new redemptions; renewals that carry it keep it) or enables it again. AS404 unknown.';
grant execute on function api.set_coupon_disabled(text,text,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.set_machine_client_jwks(client_id text, jwks jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if jwks is not null then
      perform astapa.assert_public_jwks(jwks);
    end if;
    update astapa.machine_clients m
    set jwks = set_machine_client_jwks.jwks, updated_at = pg_catalog.now()
    where m.project_id = astapa.current_project_id() and m.client_id = set_machine_client_jwks.client_id;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Machine client %s was not found.', client_id);
    end if;
    perform astapa.audit(astapa.current_project_id(), 'machine_client.set_keys', client_id,
      pg_catalog.jsonb_build_object('kids', coalesce(
        (select pg_catalog.jsonb_agg(k -> 'kid') from pg_catalog.jsonb_array_elements(jwks -> 'keys') as k),
        '[]')));
    return astapa.machine_client_json(client_id);
  end
  $function$;
comment on function api.set_machine_client_jwks(text,jsonb) is 'Sets (or, with null, removes) the public keys a machine client of the current project signs client assertions with (private_key_jwt); its secret keeps working. Audited as machine_client.set_keys.';
grant execute on function api.set_machine_client_jwks(text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.set_member_role(project_id text, email text, role text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    member_id bigint;
  begin
    perform astapa.require_project(project_id);
    if role is null or role not in ('owner', 'admin', 'viewer') then
      raise exception using errcode = 'AS400', message = 'A member''s role is owner, admin or viewer.';
    end if;
    member_id := astapa.member_account_id(project_id, email);
    if role <> 'owner' then
      perform astapa.keep_an_owner(project_id, member_id);
    end if;
    update astapa.memberships as m set role = set_member_role.role
    where m.project_id = set_member_role.project_id and m.account_id = member_id;
    perform astapa.audit(project_id, 'member.role', 'account:' || member_id, pg_catalog.jsonb_build_object('role', role));
    return pg_catalog.jsonb_build_object('project_id', project_id, 'account_id', member_id::text, 'role', role);
  end
  $function$;
comment on function api.set_member_role(text,text,text) is 'Changes the role of the member with this email. AS404 not a member, AS409 demoting the last owner.';
grant execute on function api.set_member_role(text,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.set_organization_billing_method(project_id text, user_id bigint, organization_id text, method_id text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    o astapa.organizations;
    picked astapa.linked_methods;
  begin
    select * into o from astapa.organizations as x
    where x.project_id = set_organization_billing_method.project_id
      and x.id = set_organization_billing_method.organization_id
    for no key update;
    if not found or not exists (
         select from astapa.organization_memberships as m
         where m.project_id = o.project_id and m.organization_id = o.id
           and m.user_id = set_organization_billing_method.user_id and m.role in ('owner', 'admin')) then
      raise exception using errcode = 'AS404', message = 'No organization you own or administer has this id.';
    end if;
    if method_id is not null then
      -- One's own method only: nobody chooses another person's e-wallet or card to pay for the team.
      select * into picked from astapa.linked_methods as m
      where m.project_id = o.project_id and m.public_id = set_organization_billing_method.method_id
        and m.user_id = set_organization_billing_method.user_id;
      if not found then
        raise exception using errcode = 'AS404', message = 'You have no linked method with this id.';
      elsif picked.status <> 'active' then
        raise exception using errcode = 'AS409', message = 'This method is not active: link it first.';
      end if;
    end if;
    update astapa.organizations as x set billing_method_id = picked.id, updated_at = pg_catalog.now()
    where x.project_id = o.project_id and x.id = o.id;
    perform astapa.audit(o.project_id, 'organization.billing_method_set', o.id, pg_catalog.jsonb_build_object(
      'by', set_organization_billing_method.user_id::text, 'method_id', picked.public_id, 'label', picked.label));
    return pg_catalog.jsonb_build_object('organization', o.id, 'method_id', picked.public_id,
      'label', picked.label, 'payer', case when picked.id is not null then user_id::text end);
  end
  $function$;
comment on function api.set_organization_billing_method(text,bigint,text,text) is 'An owner or admin chooses one of their own active linked methods (any kind) to pay the organization''s team plan renewals, or none (method_id null): the renewal pass then charges it, the chooser being the payer, while it stays active and they stay owner or admin. Audited. AS404 no such organization of theirs or method of theirs; AS409 method not active.';
grant execute on function api.set_organization_billing_method(text,bigint,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.set_organization_member_role(organization_id text, user_id bigint, role text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    m astapa.organization_memberships;
  begin
    perform astapa.assert_organization_role(role);
    update astapa.organization_memberships x set role = set_organization_member_role.role, updated_at = pg_catalog.now()
    where x.project_id = o.project_id and x.organization_id = o.id and x.user_id = set_organization_member_role.user_id
    returning * into m;
    if m.user_id is null then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s is not a member of %s.', user_id, o.name);
    end if;
    perform astapa.assert_organization_keeps_an_owner(o.id);
    perform astapa.emit_membership('membership.updated', m, 'role');
    return astapa.membership_json(m);
  end
  $function$;
comment on function api.set_organization_member_role(text,bigint,text) is 'Gives a member another role; emitted and audited. AS404 not a member, AS400 unknown role, AS409 when it would leave the organization without an owner.';
grant execute on function api.set_organization_member_role(text,bigint,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.set_organization_role(key text, name text, permissions text[])
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if key is null or key !~ '^[a-z][a-z0-9_:-]{0,63}$' then
      raise exception using errcode = 'AS400',
        message = 'A role key is 1 to 64 characters of a-z, 0-9, _, : and -, starting with a letter.';
    elsif name is null or pg_catalog.length(name) not between 1 and 100 or name ~ '[[:cntrl:]]' then
      raise exception using errcode = 'AS400', message = 'A role name is 1 to 100 characters.';
    elsif pg_catalog.cardinality(coalesce(permissions, '{}')) > 100 or exists (
        select from pg_catalog.unnest(permissions) p where p is null or p !~ '^[a-zA-Z0-9_:.*-]{1,64}$') then
      raise exception using errcode = 'AS400', message =
        'permissions: at most 100, each 1 to 64 characters of letters, digits, _, :, ., * and -.';
    end if;
    insert into astapa.organization_roles as r (project_id, key, name, permissions)
    values (astapa.current_project_id(), key, name,
            array(select distinct p from pg_catalog.unnest(coalesce(permissions, '{}')) p order by p))
    on conflict on constraint organization_roles_pkey do update set name = excluded.name, permissions = excluded.permissions;
    perform astapa.audit(astapa.current_project_id(), 'organization_role.set', key,
      pg_catalog.jsonb_build_object('permissions', permissions));
    return api.list_organization_roles();
  end
  $function$;
comment on function api.set_organization_role(text,text,text[]) is 'Defines (or redefines) a role of the current project''s organizations with its permissions; keyed owner, admin or member it gives that built-in role permissions. Audited; returns every role. AS400 bad key, name or permissions.';
grant execute on function api.set_organization_role(text,text,text[]) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.set_own_phone_factor(session_hash bytea, enabled boolean, fresh_seconds integer)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    person bigint := astapa.account_user(session_hash, fresh_seconds);
    target text := 'user:' || person;
    changed integer;
  begin
    if enabled is null then
      raise exception 'enabled is true or false' using errcode = 'AS400';
    end if;
    if enabled then
      if not coalesce((select p.settings -> 'mfa' -> 'phone' = 'true'::jsonb from astapa.projects p
                       where p.id = project), false) then
        raise exception 'this project does not offer a phone as second factor' using errcode = 'AS403';
      end if;
      -- The number was proven by a code when it was added (api.account_confirm_phone): no second code here.
      if not exists (select from astapa.users u where u.project_id = project and u.id = person
          and u.phone_number is not null and u.phone_number_verified) then
        raise exception 'add and verify a phone number first' using errcode = 'AS409';
      end if;
      insert into astapa.user_factors (project_id, user_id, kind, confirmed_at)
      values (project, person, 'phone', pg_catalog.now())
      on conflict on constraint user_factors_pkey do nothing;
      get diagnostics changed = row_count;
      if changed > 0 then
        perform astapa.audit(project, 'user.mfa_enrolled', target, '{"factor":"phone"}');
        perform astapa.emit_event(project, 'user.mfa_enrolled', pg_catalog.jsonb_build_object(
          'user', astapa.user_json(project, person), 'factor', 'phone'));
      end if;
    else
      delete from astapa.user_factors f where f.project_id = project and f.user_id = person and f.kind = 'phone';
      get diagnostics changed = row_count;
      if changed > 0 then
        update astapa.remembered_browsers b set revoked_at = pg_catalog.now()
        where b.project_id = project and b.user_id = person and b.revoked_at is null;
        perform astapa.audit(project, 'user.mfa_removed', target, '{"factor":"phone","by":"user"}');
        perform astapa.emit_event(project, 'user.mfa_removed', pg_catalog.jsonb_build_object(
          'user', astapa.user_json(project, person), 'factor', 'phone'));
      end if;
    end if;
    return pg_catalog.jsonb_build_object('changed', changed > 0,
      'second_factors', pg_catalog.to_jsonb(astapa.second_factor_kinds(project, person)));
  end
  $function$;
comment on function api.set_own_phone_factor(bytea,boolean,integer) is 'The signed-in person (a session fresher than fresh_seconds) turns their phone factor on (needs a verified number and settings.mfa.phone; audited and emitted user.mfa_enrolled, factor phone) or off (audited and emitted user.mfa_removed; remembered browsers forgotten). {changed, second_factors}. AS4G0 no session, AS403 not fresh or not offered, AS409 no verified number.';
grant execute on function api.set_own_phone_factor(bytea,boolean,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.set_phone_provider_credentials(project_id text, provider text, credentials_sealed bytea, hint text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if provider is null or provider not in ('whatsapp_cloud', 'twilio_verify', 'zenziva') then
      raise exception using errcode = 'AS400', message = 'provider must be whatsapp_cloud, twilio_verify or zenziva.';
    end if;
    if credentials_sealed is null then
      delete from astapa.phone_provider_credentials as k
      where k.project_id = set_phone_provider_credentials.project_id and k.provider = set_phone_provider_credentials.provider;
    else
      if hint is null or pg_catalog.length(hint) not between 1 and 100 then
        raise exception using errcode = 'AS400', message = 'hint must be 1 to 100 characters.';
      end if;
      insert into astapa.phone_provider_credentials as k (project_id, provider, credentials_sealed, hint)
      values (project_id, provider, credentials_sealed, hint)
      on conflict on constraint phone_provider_credentials_pkey do update
        set credentials_sealed = excluded.credentials_sealed, hint = excluded.hint, updated_at = pg_catalog.now();
    end if;
    perform astapa.audit(project_id, 'phone_provider.set', 'project:' || project_id,
      pg_catalog.jsonb_build_object('provider', provider, 'removed', credentials_sealed is null));
  end
  $function$;
comment on function api.set_phone_provider_credentials(text,text,bytea,text) is 'Stores (or, given null, removes) a project''s own sealed credentials for a phone code provider with the dashboard''s hint; audited phone_provider.set (the provider, whether removed; never the credentials). AS400 for an unknown provider or a missing hint.';
grant execute on function api.set_phone_provider_credentials(text,text,bytea,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.set_plan_seats(project_id text, plan_key text, seat_pricing text, included_seats integer DEFAULT NULL::integer)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    changed astapa.plans;
    held bigint;
  begin
    perform astapa.require_project(project_id);
    if seat_pricing is not null and seat_pricing not in ('per_seat', 'flat') then
      raise exception using errcode = 'AS400', message = 'seat_pricing must be per_seat, flat or null (a personal plan).';
    elsif seat_pricing = 'flat' and coalesce(included_seats not between 1 and 100000, true) then
      raise exception using errcode = 'AS400', message = 'A flat team plan needs included_seats, from 1 to 100000.';
    elsif seat_pricing is distinct from 'flat' and included_seats is not null then
      raise exception using errcode = 'AS400', message = 'Only a flat team plan has included_seats.';
    end if;
    select * into changed from astapa.plans as p
    where p.project_id = set_plan_seats.project_id and p.key = plan_key
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('There is no plan %s in this project.', plan_key);
    end if;
    -- A plan changes hands only when nobody holds it: a person is never renewed into a team plan (refused rather
    -- than ended at renewal, so nobody loses a paid plan to a settings change), nor an organization into a
    -- personal one. api.assign_plan takes this row FOR SHARE, so a subscription starting meanwhile is seen.
    if seat_pricing is not null and changed.interval not in ('month', 'year') then
      -- A team plan's period (astapa.team_period), renewal and proration count in months or years.
      raise exception using errcode = 'AS400', detail = '{"interval": ["A team plan renews each month or year."]}',
        message = pg_catalog.format('Plan %s is paid once (one_time): a team plan renews each month or year.', plan_key);
    end if;
    if seat_pricing is not null and changed.seat_pricing is null then
      if changed.is_default then
        raise exception using errcode = 'AS409',
          message = pg_catalog.format('Plan %s is the default plan: make another plan the default first.', plan_key);
      end if;
      held := (select count(*) from astapa.subscriptions as s
               where s.project_id = set_plan_seats.project_id and s.plan_key = set_plan_seats.plan_key
                 and s.ended_at is null)
            + (select count(*) from astapa.plan_changes as c
               where c.project_id = set_plan_seats.project_id and c.to_plan = set_plan_seats.plan_key
                 and c.status = 'scheduled')
            + (select count(*) from astapa.checkouts as c
               where c.project_id = set_plan_seats.project_id and c.plan_key = set_plan_seats.plan_key
                 and c.organization_id is null and c.status in ('open', 'pending'));
      if held > 0 then
        raise exception using errcode = 'AS409', message = pg_catalog.format(
          'Plan %s is held by people (%s subscriptions, scheduled changes or unpaid checkouts): a team plan '
          'cannot be; create a new plan for organizations.', plan_key, held);
      end if;
    elsif seat_pricing is null and changed.seat_pricing is not null then
      held := (select count(*) from astapa.organizations as o
               where o.project_id = set_plan_seats.project_id and o.plan_key = set_plan_seats.plan_key)
            + (select count(*) from astapa.checkouts as c
               where c.project_id = set_plan_seats.project_id and c.plan_key = set_plan_seats.plan_key
                 and c.organization_id is not null and c.status in ('open', 'pending'));
      if held > 0 then
        raise exception using errcode = 'AS409', message = pg_catalog.format(
          'Plan %s is held by organizations (%s plans or unpaid checkouts): it stays a team plan; create a new '
          'plan for people.', plan_key, held);
      end if;
    end if;
    update astapa.plans as p
    set seat_pricing = set_plan_seats.seat_pricing, included_seats = set_plan_seats.included_seats,
        updated_at = pg_catalog.now()
    where p.project_id = set_plan_seats.project_id and p.key = plan_key
    returning * into changed;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('There is no plan %s in this project.', plan_key);
    end if;
    perform astapa.audit(project_id, 'plan.seats', plan_key,
      pg_catalog.jsonb_build_object('seat_pricing', seat_pricing, 'included_seats', included_seats));
    return pg_catalog.jsonb_build_object('plan', changed.key, 'seat_pricing', changed.seat_pricing,
      'included_seats', changed.included_seats, 'price_idr', changed.price_idr, 'interval', changed.interval);
  end
  $function$;
comment on function api.set_plan_seats(text,text,text,integer) is 'Makes a plan a team plan (seat_pricing per_seat: price_idr per seat; flat: price_idr for up to included_seats) or a personal one again (null); audited. AS400 bad pricing or seats, or a one_time plan; AS404 unknown plan; AS409 making a plan people hold (current subscription, scheduled change, unpaid checkout) or the default plan a team plan, or a team plan organizations hold (plan, unpaid checkout) a personal one.';
grant execute on function api.set_plan_seats(text,text,text,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.set_project_logo(project_id text, content_type text, image bytea, width integer, height integer)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    digest bytea := pg_catalog.sha256(image);
    logo jsonb;
  begin
    perform astapa.require_project(project_id);
    -- The server decoded the image already; these are the limits it checked, kept by the table too.
    if content_type is null or content_type not in ('image/png', 'image/jpeg', 'image/webp') then
      raise exception using errcode = 'AS400', message = 'The logo must be a PNG, JPEG or WebP image.';
    end if;
    if image is null or pg_catalog.octet_length(image) not between 1 and 262144 then
      raise exception using errcode = 'AS400', message = 'The logo must be at most 256 KB.';
    end if;
    if width is null or height is null or width not between 1 and 2048 or height not between 1 and 2048 then
      raise exception using errcode = 'AS400', message = 'The logo must be at most 2048 × 2048 pixels.';
    end if;
    insert into astapa.project_logos as l (project_id, sha256, content_type, image, width, height)
    values (set_project_logo.project_id, digest, set_project_logo.content_type, set_project_logo.image,
      set_project_logo.width, set_project_logo.height)
    on conflict on constraint project_logos_pkey do update
      set sha256 = excluded.sha256, content_type = excluded.content_type, image = excluded.image,
          width = excluded.width, height = excluded.height, created_at = pg_catalog.now();
    logo := pg_catalog.jsonb_build_object('sha256', pg_catalog.encode(digest, 'hex'), 'type', content_type,
      'width', width, 'height', height);
    update astapa.projects as p
    set settings = pg_catalog.jsonb_set(p.settings, '{branding}',
          coalesce(p.settings -> 'branding', '{}') || pg_catalog.jsonb_build_object('logo', logo)),
        updated_at = pg_catalog.now()
    where p.id = set_project_logo.project_id;
    perform astapa.audit(project_id, 'project.branding', project_id, pg_catalog.jsonb_build_object('logo', logo));
    return (select p.settings -> 'branding' from astapa.projects as p where p.id = set_project_logo.project_id);
  end
  $function$;
comment on function api.set_project_logo(text,text,bytea,integer,integer) is 'Stores the project''s logo (PNG, JPEG or WebP, at most 256 KiB and 2048×2048 px; the server has decoded it) and names its SHA-256 in settings.branding.logo, replacing any earlier logo. Audited as project.branding. Returns settings.branding. AS400 with the reason; AS404 unknown project.';
grant execute on function api.set_project_logo(text,text,bytea,integer,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.set_tax_settings(project_id text, settings jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    current jsonb;
    merged jsonb;
    npwp text;
  begin
    perform astapa.require_project(project_id);
    if pg_catalog.jsonb_typeof(settings) is distinct from 'object' or settings = '{}'::jsonb then
      raise exception using errcode = 'AS400', message = 'Give the tax settings to change as a JSON object.';
    end if;
    if exists (select from pg_catalog.jsonb_object_keys(settings) as k
               where k not in ('pkp', 'ppn_rate', 'tax_base_numerator', 'tax_base_denominator', 'seller_name',
                               'seller_npwp', 'seller_address')) then
      raise exception using errcode = 'AS400', message = 'Tax settings are pkp, ppn_rate, tax_base_numerator, '
        'tax_base_denominator, seller_name, seller_npwp and seller_address.';
    end if;
    current := astapa.tax_settings_json(project_id) - 'project_name';
    -- null removes a value: the default applies again.
    merged := current || settings;
    if pg_catalog.jsonb_typeof(merged -> 'pkp') is distinct from 'boolean' and merged -> 'pkp' <> 'null' then
      raise exception using errcode = 'AS400', detail = '{"pkp": ["true or false."]}',
        message = 'pkp must be true or false.';
    end if;
    if coalesce(pg_catalog.jsonb_typeof(merged -> 'ppn_rate'), 'null') not in ('number', 'null')
       or (merged ->> 'ppn_rate')::numeric not between 0 and 100
       or (merged ->> 'ppn_rate')::numeric <> pg_catalog.round((merged ->> 'ppn_rate')::numeric, 2) then
      raise exception using errcode = 'AS400', detail = '{"ppn_rate": ["A percentage from 0 to 100."]}',
        message = 'ppn_rate must be a percentage from 0 to 100 with at most two decimals.';
    end if;
    if coalesce(pg_catalog.jsonb_typeof(merged -> 'tax_base_numerator'), 'null') not in ('number', 'null')
       or coalesce(pg_catalog.jsonb_typeof(merged -> 'tax_base_denominator'), 'null') not in ('number', 'null')
       or (merged ->> 'tax_base_numerator')::numeric not between 1 and 1000
       or (merged ->> 'tax_base_denominator')::numeric not between 1 and 1000
       or (merged ->> 'tax_base_numerator')::numeric <> pg_catalog.trunc((merged ->> 'tax_base_numerator')::numeric)
       or (merged ->> 'tax_base_denominator')::numeric <> pg_catalog.trunc((merged ->> 'tax_base_denominator')::numeric)
       or (merged ->> 'tax_base_numerator')::numeric > (merged ->> 'tax_base_denominator')::numeric then
      raise exception using errcode = 'AS400',
        detail = '{"tax_base_numerator": ["A fraction of whole numbers from 1/1000 to 1/1, e.g. 11/12."]}',
        message = 'The tax base is a fraction tax_base_numerator/tax_base_denominator of whole numbers '
          '(1–1000, at most 1), e.g. 11/12.';
    end if;
    npwp := astapa.digits_only(merged ->> 'seller_npwp');
    if npwp is not null and npwp !~ '^[0-9]{15,16}$' then
      raise exception using errcode = 'AS400', detail = '{"seller_npwp": ["15 or 16 digits."]}',
        message = 'seller_npwp must be an NPWP of 15 or 16 digits.';
    end if;
    if pg_catalog.length(merged ->> 'seller_name') > 200 or pg_catalog.length(merged ->> 'seller_address') > 500 then
      raise exception using errcode = 'AS400', message = 'seller_name is at most 200 characters, seller_address 500.';
    end if;
    insert into astapa.tax_settings as t (project_id, pkp, ppn_rate, tax_base_numerator, tax_base_denominator,
                                          seller_name, seller_npwp, seller_address)
    values (project_id, coalesce((merged ->> 'pkp')::boolean, false), coalesce((merged ->> 'ppn_rate')::numeric, 12),
            coalesce((merged ->> 'tax_base_numerator')::integer, 11),
            coalesce((merged ->> 'tax_base_denominator')::integer, 12),
            nullif(pg_catalog.btrim(merged ->> 'seller_name'), ''), npwp,
            nullif(pg_catalog.btrim(merged ->> 'seller_address'), ''))
    on conflict on constraint tax_settings_pkey do update
    set pkp = excluded.pkp, ppn_rate = excluded.ppn_rate, tax_base_numerator = excluded.tax_base_numerator,
        tax_base_denominator = excluded.tax_base_denominator, seller_name = excluded.seller_name,
        seller_npwp = excluded.seller_npwp, seller_address = excluded.seller_address, updated_at = pg_catalog.now();
    perform astapa.audit(project_id, 'project.tax_settings', project_id, settings);
    return astapa.tax_settings_json(project_id);
  end
  $function$;
comment on function api.set_tax_settings(text,jsonb) is 'Changes the project''s PPN settings (keys given change, null restores the default, others stay): pkp, ppn_rate (%), tax_base_numerator/denominator, seller_name, seller_npwp, seller_address. Affects receipts issued from now on. Audited. AS400 with the reason; AS404 unknown project.';
grant execute on function api.set_tax_settings(text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.set_user_claims(project_id text, user_id bigint, claims jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    problem text := astapa.claims_problem(claims);
    patch jsonb;
  begin
    if problem is not null then
      raise exception using errcode = 'AS400', message = problem;
    end if;
    patch := claims - 'extra';
    if claims ? 'extra' then
      patch := patch || coalesce((
        select pg_catalog.jsonb_object_agg(k, 'null'::jsonb) from astapa.user_claims as c, pg_catalog.jsonb_object_keys(c.extra) as k
        where c.project_id = set_user_claims.project_id and c.user_id = set_user_claims.user_id), '{}')
        || (claims -> 'extra');
    end if;
    return api.patch_user_claims(project_id, user_id, patch, 'claims_api');
  end
  $function$;
comment on function api.set_user_claims(text,bigint,jsonb) is 'Sets some of plan, role, feature_flags, extra (keys given replace, null clears, absent keys stay) through api.patch_user_claims and returns the resulting token claims. AS400 when invalid, AS404 unknown user.';
grant execute on function api.set_user_claims(text,bigint,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.set_user_phone(project_id text, user_id bigint, phone_number text, verified boolean)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    previous text;
    has_email boolean;
  begin
    if verified is null then
      raise exception using errcode = 'AS400',
        message = 'verified must be true or false: say whether you checked that the person holds the number.';
    end if;
    if set_user_phone.phone_number is not null and set_user_phone.phone_number !~ '^\+[1-9][0-9]{6,14}$' then
      raise exception using errcode = 'AS400', message = 'A phone number is given in E.164, e.g. +6281234567890.';
    end if;
    select u.phone_number, u.email is not null into previous, has_email from astapa.users u
    where u.project_id = set_user_phone.project_id and u.id = set_user_phone.user_id and u.deleted_at is null
    for update;
    if not found then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    if set_user_phone.phone_number is null and not has_email then
      raise exception using errcode = 'AS409',
        message = 'This user has no email: their phone number is how they sign in, so it cannot be removed.';
    end if;
    begin
      update astapa.users u
      set phone_number = set_user_phone.phone_number,
          phone_number_verified = set_user_phone.phone_number is not null and verified
      where u.project_id = set_user_phone.project_id and u.id = set_user_phone.user_id;
    exception when unique_violation then
      raise exception using errcode = 'AS409',
        message = 'Another user of this project already has this phone number.';
    end;
    perform astapa.audit(set_user_phone.project_id, 'user.profile_updated', 'user:' || user_id,
      pg_catalog.jsonb_build_object('fields', pg_catalog.jsonb_build_array('phone_number'), 'by', 'platform_api',
        'previous', previous, 'verified', set_user_phone.phone_number is not null and verified));
    return astapa.user_json(set_user_phone.project_id, user_id);
  end
  $function$;
comment on function api.set_user_phone(text,bigint,text,boolean) is 'The app sets (or, null, removes) a user''s phone number (E.164) and says whether it is verified (required: a verified number signs in by code; an unverified one only once a code proves it). AS409 when another user of the project and environment holds it, or when removing it would leave a user without email or phone; AS404 unknown user. Audited user.profile_updated (by platform_api). Returns the user.';
grant execute on function api.set_user_phone(text,bigint,text,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.set_webhook_endpoint(project_id text, url text, secret_sealed bytea, events text[] DEFAULT NULL::text[])
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    problems jsonb := '{}';
  begin
    perform astapa.require_project(project_id);
    if url is null or not astapa.is_valid_redirect_uri(url) then
      problems := problems || '{"url": ["Use an absolute https URL (http only on localhost, 127.0.0.1 or [::1]) without a fragment."]}';
    end if;
    if events is not null and (pg_catalog.cardinality(events) not between 1 and pg_catalog.cardinality(astapa.webhook_event_types())
                               or not events <@ astapa.webhook_event_types()) then
      problems := problems || pg_catalog.jsonb_build_object('events', pg_catalog.jsonb_build_array(
        'events must name one or more of ' || pg_catalog.array_to_string(astapa.webhook_event_types(), ', ') || '.'));
    end if;
    if secret_sealed is null and astapa.webhook_endpoint_json(project_id) is null then
      problems := problems || '{"secret": ["A new webhook endpoint needs a signing secret."]}';
    end if;
    perform astapa.raise_problems(nullif(problems, '{}'));
    update astapa.webhook_endpoints as e
    set url = set_webhook_endpoint.url,
        secret_sealed = coalesce(set_webhook_endpoint.secret_sealed, e.secret_sealed),
        events = coalesce(set_webhook_endpoint.events, e.events),
        updated_at = pg_catalog.now()
    where e.project_id = set_webhook_endpoint.project_id;
    if not found then
      insert into astapa.webhook_endpoints (project_id, url, secret_sealed, events)
      values (project_id, url, secret_sealed, coalesce(events, astapa.webhook_event_types()));
    end if;
    perform astapa.audit(project_id, 'webhook.set', url,
      pg_catalog.jsonb_build_object('events', (select e.events from astapa.webhook_endpoints as e
                                               where e.project_id = set_webhook_endpoint.project_id),
                                    'new_secret', secret_sealed is not null));
    return astapa.webhook_endpoint_json(project_id);
  end
  $function$;
comment on function api.set_webhook_endpoint(text,text,bytea,text[]) is 'Sets the project''s webhook endpoint (url, optional event types). A new endpoint needs a sealed secret; an existing one keeps its secret when secret_sealed is null. AS400 names the field at fault.';
grant execute on function api.set_webhook_endpoint(text,text,bytea,text[]) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.set_webhook_endpoint_enabled(project_id text, enabled boolean)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if enabled is null then
      raise exception using errcode = 'AS400', message = 'enabled must be true or false.';
    end if;
    update astapa.webhook_endpoints as e
    set enabled = set_webhook_endpoint_enabled.enabled, updated_at = pg_catalog.now()
    where e.project_id = set_webhook_endpoint_enabled.project_id;
    if not found then
      raise exception using errcode = 'AS404', message = 'This project has no webhook endpoint.';
    end if;
    if not enabled then
      update astapa.webhook_deliveries as d
      set status = 'failed', last_error = 'The webhook endpoint was disabled.', lease_until = null
      where d.project_id = set_webhook_endpoint_enabled.project_id and d.status = 'pending';
    end if;
    perform astapa.audit(project_id, case when enabled then 'webhook.enable' else 'webhook.disable' end, project_id);
    return astapa.webhook_endpoint_json(project_id);
  end
  $function$;
comment on function api.set_webhook_endpoint_enabled(text,boolean) is 'Enables or pauses the project''s webhook endpoint; pausing marks waiting deliveries failed (resendable later). AS404 when there is no endpoint.';
grant execute on function api.set_webhook_endpoint_enabled(text,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.set_xendit_keys(project_id text, environment text, secret_key_sealed bytea, callback_token_sealed bytea)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if environment is null or environment not in ('sandbox', 'production') then
      raise exception using errcode = 'AS400', message = 'environment must be sandbox or production.';
    end if;
    if secret_key_sealed is null or callback_token_sealed is null then
      delete from astapa.xendit_keys as k
      where k.project_id = set_xendit_keys.project_id and k.environment = set_xendit_keys.environment;
    else
      insert into astapa.xendit_keys as k (project_id, environment, secret_key_sealed, callback_token_sealed)
      values (project_id, environment, secret_key_sealed, callback_token_sealed)
      on conflict on constraint xendit_keys_pkey do update
        set secret_key_sealed = excluded.secret_key_sealed, callback_token_sealed = excluded.callback_token_sealed,
            updated_at = pg_catalog.now();
    end if;
    perform astapa.audit(project_id, 'xendit_keys.set', 'project:' || project_id,
      pg_catalog.jsonb_build_object('environment', environment, 'removed', secret_key_sealed is null));
  end
  $function$;
comment on function api.set_xendit_keys(text,text,bytea,bytea) is 'Stores (or, given nulls, removes) a project''s sealed Xendit keys for one environment. AS400 bad environment.';
grant execute on function api.set_xendit_keys(text,text,bytea,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.sign_in_with_identity(provider text, subject text, email text, email_verified boolean)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    mode text;
    -- Named columns, not users%rowtype: the app role may not read password_hash.
    found_user record;
    existed boolean;
    linked_user_id bigint;
    clean_email text := pg_catalog.btrim(email);
  begin
    if project is null then
      raise exception using errcode = 'AS403', message = 'Social sign-in acts for one project.';
    end if;
    mode := astapa.require_project(project);
    if provider is null or provider not in ('google', 'github') then
      raise exception using errcode = 'AS400', message = 'The provider must be google or github.';
    end if;
    if subject is null or pg_catalog.length(subject) not between 1 and 255 then
      raise exception using errcode = 'AS400', message = 'The provider''s subject must be 1 to 255 characters.';
    end if;
    -- Two first sign-ins of one identity at once must not create two users.
    perform pg_catalog.pg_advisory_xact_lock(
      pg_catalog.hashtextextended(project || ' ' || provider || ' ' || subject, 0));

    select i.user_id into linked_user_id from astapa.identities i
    where i.project_id = project and i.provider = sign_in_with_identity.provider
      and i.subject = sign_in_with_identity.subject;

    if linked_user_id is not null then
      select u.id, u.email, u.email_verified, u.disabled, u.environment into found_user
      from astapa.users u where u.project_id = project and u.id = linked_user_id;
      if found_user.environment <> mode then
        raise exception using errcode = 'AS409',
          message = 'This account belongs to the project''s other environment (sandbox or production).';
      end if;
      if found_user.disabled then
        raise exception using errcode = 'AS403', message = 'This account is disabled.';
      end if;
      -- The provider has just proved control of the user's address: that is a verification.
      if email_verified and not found_user.email_verified
         and pg_catalog.lower(found_user.email) = pg_catalog.lower(clean_email) then
        update astapa.users u set email_verified = true where u.project_id = project and u.id = found_user.id;
      end if;
      return pg_catalog.jsonb_build_object('user_id', found_user.id::text, 'created', false, 'linked', false);
    end if;

    perform astapa.assert_email(clean_email);
    select u.id, u.email, u.email_verified, u.disabled, u.environment into found_user
    from astapa.users u
    where u.project_id = project and u.environment = mode and u.email_lower = pg_catalog.lower(clean_email);
    existed := found;

    if not existed then
      linked_user_id := (api.create_user(project, clean_email, null, coalesce(email_verified, false)) ->> 'id')::bigint;
    elsif not coalesce(email_verified, false) then
      raise exception using errcode = 'AS409', message =
        'An account with this email already exists, and the provider has not verified the address, so they '
        'are not linked. Sign in with your password instead.';
    elsif not found_user.email_verified then
      raise exception using errcode = 'AS409', message =
        'An account with this email already exists but its address is not confirmed yet, so they are not '
        'linked. Confirm the email from the message we sent, or sign in with your password.';
    elsif found_user.disabled then
      raise exception using errcode = 'AS403', message = 'This account is disabled.';
    else
      linked_user_id := found_user.id;
    end if;

    insert into astapa.identities (project_id, provider, subject, user_id, email)
    values (project, sign_in_with_identity.provider, sign_in_with_identity.subject, linked_user_id, clean_email);
    perform astapa.audit(project, 'user.identity_link', 'user:' || linked_user_id,
      pg_catalog.jsonb_build_object('provider', sign_in_with_identity.provider,
                                    'created', not existed));
    return pg_catalog.jsonb_build_object('user_id', linked_user_id::text, 'created', not existed,
                                         'linked', existed);
  end
  $function$;
comment on function api.sign_in_with_identity(text,text,text,boolean) is 'Social sign-in for the current project: the user a provider identity belongs to, else a new link to the user with the same email when both sides verified it, else a new user (email_verified as the provider says). Returns {user_id, created, linked}. AS409 when an account with the email exists but cannot be linked safely, or belongs to the other environment; AS403 when the user is disabled.';
grant execute on function api.sign_in_with_identity(text,text,text,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.sign_out_everywhere(project_id text, user_id bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    sessions integer;
    refresh_tokens integer;
  begin
    if project_id is distinct from astapa.current_project_id() or astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    with ended as (
      update astapa.login_sessions as s set ended_at = pg_catalog.now()
      where s.project_id = sign_out_everywhere.project_id and s.user_id = sign_out_everywhere.user_id
        and s.ended_at is null
      returning 1)
    select pg_catalog.count(*)::integer into sessions from ended;
    -- The same revocation POST /api/platform/revoke performs.
    refresh_tokens := api.revoke_user_refresh_tokens(user_id, 'revoked_by_admin');
    perform astapa.audit(project_id, 'user.sign_out_everywhere', 'user:' || user_id,
      pg_catalog.jsonb_build_object('sessions', sessions, 'refresh_tokens', refresh_tokens));
    return pg_catalog.jsonb_build_object('sessions', sessions, 'refresh_tokens', refresh_tokens);
  end
  $function$;
comment on function api.sign_out_everywhere(text,bigint) is 'Ends every hosted-login session of the user and revokes every refresh token (api.revoke_user_refresh_tokens, reason revoked_by_admin); audits user.sign_out_everywhere with the counts. AS404 unknown user.';
grant execute on function api.sign_out_everywhere(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.signing_keys(retired_for interval DEFAULT '1 day'::interval)
 RETURNS TABLE(kid text, state text, public_jwk jsonb, private_key bytea)
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select k.kid, k.state, k.public_jwk, k.private_key
    from astapa.signing_keys k
    where k.state <> 'retired' or k.retired_at > pg_catalog.now() - retired_for
    order by case k.state when 'active' then 0 when 'next' then 1 else 2 end, k.created_at desc
  $function$;
comment on function api.signing_keys(interval) is 'The keys to publish and sign with: active first, then next, then keys retired within retired_for.';
grant execute on function api.signing_keys(interval) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.signups_per_day(project_id text, days integer DEFAULT 30, until timestamp with time zone DEFAULT now())
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    mode text := astapa.require_project(project_id);
    last_day date;
  begin
    if days is null or days not between 1 and 366 then
      raise exception using errcode = 'AS400', message = 'days must be from 1 to 366.';
    end if;
    last_day := (until at time zone 'UTC')::date;
    return (
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'day', pg_catalog.to_char(d.day, 'YYYY-MM-DD'),
               'count', (select pg_catalog.count(*) from astapa.users as u
                         where u.project_id = signups_per_day.project_id and u.environment = mode
                           and u.deleted_at is null -- a deleted account (tombstone) is no user any more
                           and u.created_at >= (d.day::timestamp at time zone 'UTC')
                           and u.created_at < ((d.day + 1)::timestamp at time zone 'UTC')))
             order by d.day)
      from pg_catalog.generate_series(0, days - 1) as g(n)
      cross join lateral (select last_day - (days - 1) + g.n as day) as d);
  end
  $function$;
comment on function api.signups_per_day(text,integer,timestamp with time zone) is '[{day: YYYY-MM-DD, count}] for the days (UTC) days ending on until''s: users created in the project''s current mode and not deleted since (tombstones do not count). AS400 unless 1 <= days <= 366; AS404 for a project that is not visible.';
grant execute on function api.signups_per_day(text,integer,timestamp with time zone) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.start_dashboard_session(session_hash bytea, account_id bigint, ttl_seconds integer)
 RETURNS timestamp with time zone
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    expires timestamptz;
  begin
    if session_hash is null or pg_catalog.length(session_hash) <> 32 then
      raise exception using errcode = 'AS400', message = 'A session is stored as a SHA-256 digest (32 bytes).';
    end if;
    if ttl_seconds is null or ttl_seconds not between 60 and 2592000 then
      raise exception using errcode = 'AS400', message = 'Dashboard sessions last 1 minute to 30 days.';
    end if;
    if not exists (select from astapa.accounts as a where a.id = start_dashboard_session.account_id) then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Account %s was not found.', account_id);
    end if;
    insert into astapa.dashboard_sessions (session_hash, account_id, expires_at)
    values (session_hash, account_id, pg_catalog.now() + pg_catalog.make_interval(secs => ttl_seconds))
    returning expires_at into expires;
    return expires;
  end
  $function$;
comment on function api.start_dashboard_session(bytea,bigint,integer) is 'Starts a dashboard session for the account, stored by the SHA-256 of its cookie token; returns its expiry.';
grant execute on function api.start_dashboard_session(bytea,bigint,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.start_device_authorization(device_code_hash bytea, user_code text, client_id text, scope text, resource text, expires_in integer, max_per_minute integer)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    wait integer;
  begin
    perform astapa.assert_grant_allowed('urn:ietf:params:oauth:grant-type:device_code');
    perform astapa.assert_dynamic_client_allowed(client_id);
    if astapa.is_metadata_document_client_id(client_id) then
      raise exception 'clients known by a metadata document URL cannot use the device grant here'
        using errcode = 'AS4U0';
    end if;
    if pg_catalog.starts_with(client_id, 'dcl_') and not exists (
      select from astapa.dynamic_clients d
      where d.client_id = start_device_authorization.client_id
        and 'urn:ietf:params:oauth:grant-type:device_code' = any (d.grant_types)) then
      raise exception 'this client did not register the device_code grant type' using errcode = 'AS4U0';
    end if;
    if exists (select from astapa.dynamic_clients d
               where d.client_id = start_device_authorization.client_id and d.scope <> ''
                 and not pg_catalog.string_to_array(coalesce(start_device_authorization.scope, ''), ' ')
                         <@ pg_catalog.string_to_array(d.scope, ' ')) then
      raise exception 'the scope exceeds the scope this client registered' using errcode = 'AS4S0';
    end if;
    perform astapa.assert_grant_target(scope, resource);
    if expires_in is null or expires_in not between 60 and 1800 then
      raise exception 'expires_in must be 60 to 1800 seconds' using errcode = 'AS400';
    end if;
    wait := api.rate_limit_hit(pg_catalog.format('device_authorization:%s:%s', astapa.current_project_id(),
                                                 pg_catalog.left(client_id, 100)), max_per_minute, 60);
    if wait > 0 then
      return pg_catalog.jsonb_build_object('wait', wait);
    end if;
    -- Expired requests free their user codes.
    delete from astapa.device_authorizations a
    where a.ctid in (select e.ctid from astapa.device_authorizations e
                     where e.project_id = astapa.current_project_id() and e.expires_at < pg_catalog.now()
                     limit 100);
    insert into astapa.device_authorizations (
      project_id, device_code_hash, user_code, client_id, scope, resource, expires_at)
    values (astapa.current_project_id(), device_code_hash, user_code, client_id, coalesce(scope, ''), resource,
            pg_catalog.now() + pg_catalog.make_interval(secs => expires_in))
    on conflict do nothing;
    if not found then
      return pg_catalog.jsonb_build_object('conflict', true);
    end if;
    perform astapa.audit(astapa.current_project_id(), 'device_authorization.started', client_id,
      pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('scope', nullif(scope, ''), 'resource', resource)));
    return pg_catalog.jsonb_build_object('expires_in', expires_in, 'interval', 5);
  end
  $function$;
comment on function api.start_device_authorization(bytea,text,text,text,text,integer,integer) is 'Starts a device authorization (RFC 8628 §3.1-3.2) for a client of the current project: the device code as SHA-256 and the user code chosen by the caller. Checks the grant is allowed (a dynamic client must have registered it), scope and resource, and at most max_per_minute requests per client. Returns {expires_in, interval}, {wait: seconds} past the limit, or {conflict: true} when the user code is taken (pick another).';
grant execute on function api.start_device_authorization(bytea,text,text,text,text,integer,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.start_login_session(user_id bigint, token_hash bytea, ttl_seconds integer DEFAULT 604800, amr text[] DEFAULT '{pwd}'::text[])
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if ttl_seconds not between 60 and 2592000 then
      raise exception 'login sessions last between a minute and 30 days' using errcode = 'AS400';
    end if;
    insert into astapa.login_sessions (project_id, token_hash, user_id, expires_at, amr)
    values (astapa.current_project_id(), token_hash, user_id,
            pg_catalog.now() + pg_catalog.make_interval(secs => ttl_seconds), coalesce(amr, '{pwd}'));
    update astapa.users u set last_sign_in_at = pg_catalog.now()
    where u.project_id = astapa.current_project_id() and u.id = start_login_session.user_id;
    perform astapa.audit(astapa.current_project_id(), 'user.sign_in', 'user:' || user_id,
      pg_catalog.jsonb_build_object('amr', pg_catalog.to_jsonb(coalesce(amr, '{pwd}'))));
  end
  $function$;
comment on function api.start_login_session(bigint,bytea,integer,text[]) is 'Records a signed-in browser for the current project (7 days by default), how the person signed in (amr, RFC 8176) and the sign-in time.';
grant execute on function api.start_login_session(bigint,bytea,integer,text[]) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.start_method_link(project_id text, user_id bigint, link jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    chosen text := pg_catalog.upper(coalesce(link ->> 'channel', ''));
    mobile text := link ->> 'mobile_number';
    enabled jsonb;
    created astapa.linked_methods;
  begin
    if pg_catalog.jsonb_typeof(link) is distinct from 'object' then
      raise exception using errcode = 'AS400', message = 'link must be a JSON object.';
    end if;
    if chosen not in ('OVO', 'DANA', 'SHOPEEPAY', 'GOPAY') then
      raise exception using errcode = 'AS400', detail = '{"channel": ["OVO, DANA, SHOPEEPAY or GOPAY."]}',
        message = 'channel must be OVO, DANA, SHOPEEPAY or GOPAY.';
    end if;
    if mobile is not null and mobile !~ '^\+62[0-9]{8,13}$' then
      raise exception using errcode = 'AS400', detail = '{"mobile_number": ["An Indonesian number, +62…"]}',
        message = 'mobile_number must be an Indonesian number in the form +628….';
    end if;
    if chosen = 'OVO' and mobile is null then
      raise exception using errcode = 'AS400', detail = '{"mobile_number": ["OVO links the account of a number."]}',
        message = 'Linking OVO needs the OVO account''s mobile_number.';
    end if;
    if coalesce(link ->> 'xendit_account', '') not in ('project', 'deployment', 'simulator')
       or coalesce(link ->> 'environment', '') not in ('sandbox', 'production') then
      raise exception using errcode = 'AS400', message = 'A link needs the xendit_account and environment it goes through.';
    end if;
    -- Linking is off until the project turns it on; ShopeePay and GoPay recurring linking also need Xendit's
    -- approval of the merchant, so each is off until the project says.
    select p.settings -> 'linked_methods' into enabled from astapa.projects as p where p.id = start_method_link.project_id;
    if coalesce((enabled ->> 'enabled')::boolean, false) is not true then
      raise exception using errcode = 'AS409',
        message = 'Linking e-wallets is not enabled for this project (settings.linked_methods.enabled).';
    end if;
    if (chosen = 'SHOPEEPAY' and coalesce((enabled ->> 'shopeepay')::boolean, false) is not true)
       or (chosen = 'GOPAY' and coalesce((enabled ->> 'gopay_recurring')::boolean, false) is not true) then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        '%s account linking is not enabled for this project (settings.linked_methods).', chosen);
    end if;
    perform from astapa.users as u
    where u.project_id = start_method_link.project_id and u.id = start_method_link.user_id and not u.disabled
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    -- Under the user's row lock: an active link of this channel stands; a link never completed is replaced.
    if exists (select from astapa.linked_methods as m
               where m.project_id = start_method_link.project_id and m.user_id = start_method_link.user_id
                 and m.channel = chosen and m.status = 'active') then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('A %s account is linked already: unlink it first.', chosen);
    end if;
    update astapa.linked_methods as m set status = 'failed', failure_code = 'SUPERSEDED', updated_at = pg_catalog.now()
    where m.project_id = start_method_link.project_id and m.user_id = start_method_link.user_id
      and m.channel = chosen and m.status = 'requires_action';
    insert into astapa.linked_methods (project_id, user_id, environment, xendit_account, channel, label)
    values (start_method_link.project_id, start_method_link.user_id, link ->> 'environment',
            link ->> 'xendit_account', chosen,
            chosen || coalesce(' •••• ' || pg_catalog.right(mobile, 4), ''))
    returning * into created;
    return astapa.linked_method_json(created);
  end
  $function$;
comment on function api.start_method_link(text,bigint,jsonb) is 'Starts linking a user''s e-wallet: {channel (OVO | DANA | SHOPEEPAY | GOPAY), mobile_number (+62…, OVO needs it), xendit_account, environment}. Only when settings.linked_methods.enabled; ShopeePay and GoPay only when settings.linked_methods enables them too. A link of the same channel not yet approved is replaced (failed, SUPERSEDED). The caller then asks Xendit (reference_id = method_id) and records the answer with api.record_method_link_answer. AS400 bad input; AS404 unknown user; AS409 channel not enabled or already linked.';
grant execute on function api.start_method_link(text,bigint,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.start_mfa_challenge(user_id bigint, token_hash bytea, amr text[], required boolean, remembered bytea DEFAULT NULL::bytea)
 RETURNS boolean
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if amr is null or pg_catalog.cardinality(amr) = 0 then
      raise exception 'a factor challenge follows a first factor (amr)' using errcode = 'AS400';
    end if;
    -- Someone with any second factor (an app, a passkey, a phone factor) is asked for one.
    if not required and pg_catalog.cardinality(
        astapa.second_factor_kinds(astapa.current_project_id(), start_mfa_challenge.user_id)) = 0 then
      return false;
    end if;
    -- A browser this person let skip the factor (only offered when the request itself does not ask for MFA).
    if remembered is not null and exists (select from astapa.remembered_browsers b
        where b.project_id = astapa.current_project_id() and b.token_hash = remembered
          and b.user_id = start_mfa_challenge.user_id and b.revoked_at is null and b.expires_at > pg_catalog.now())
       and pg_catalog.cardinality(
        astapa.second_factor_kinds(astapa.current_project_id(), start_mfa_challenge.user_id)) > 0 then
      return false;
    end if;
    insert into astapa.mfa_challenges (project_id, token_hash, user_id, amr, expires_at)
    values (astapa.current_project_id(), token_hash, user_id, amr, pg_catalog.now() + interval '10 minutes');
    return true;
  end
  $function$;
comment on function api.start_mfa_challenge(bigint,bytea,text[],boolean,bytea) is 'After a first factor (amr): when the user has a second factor (astapa.second_factor_kinds: app, passkey or phone), or one is required (the project''s policy, or the app asked for MFA), records that a second is owed and returns true; the browser holds the token for 10 minutes. Otherwise false and nothing is stored — also for a live remembered browser (`remembered`, its token''s hash) of a user with a factor. Nothing signs anyone in until api.meet_mfa_challenge.';
grant execute on function api.start_mfa_challenge(bigint,bytea,text[],boolean,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.start_mfa_phone_code(challenge_hash bytea, country text, channel text, token_hash bytea, code_hash bytea, address text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    challenge astapa.mfa_challenges;
    number text;
    decision jsonb;
  begin
    select * into challenge from astapa.mfa_challenges c
    where c.project_id = project and c.token_hash = start_mfa_phone_code.challenge_hash
      and c.used_at is null and c.expires_at > pg_catalog.now();
    if not found then
      raise exception 'this sign-in step has expired' using errcode = 'AS4G0';
    end if;
    if not 'phone' = any(astapa.second_factor_kinds(project, challenge.user_id)) then
      raise exception 'this person has no phone factor here' using errcode = 'AS409';
    end if;
    select u.phone_number into number from astapa.users u where u.project_id = project and u.id = challenge.user_id;
    -- The same limits, budget and countries as every phone code (astapa.insert_phone_code).
    decision := astapa.insert_phone_code(number, country, channel, token_hash, code_hash, address,
      challenge.user_id, 'mfa');
    if (decision ->> 'sent')::boolean then
      decision := decision || pg_catalog.jsonb_build_object('phone_number', number);
    end if;
    return decision;
  end
  $function$;
comment on function api.start_mfa_phone_code(bytea,text,text,bytea,bytea,text) is 'Sends the second step of a live challenge (challenge_hash) to the person''s verified number: a code (purpose mfa, bound to them) under the limits, budget and countries of every phone code (country: the number''s, from the caller''s parser). {sent: true, sandbox, phone_number} or {sent: false, reason, wait}. AS4G0 dead challenge; AS409 no usable phone factor; AS403 settings.mfa.phone off.';
grant execute on function api.start_mfa_phone_code(bytea,text,text,bytea,bytea,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.start_passkey_challenge(challenge_hash bytea, purpose text, session_hash bytea DEFAULT NULL::bytea, address text DEFAULT NULL::text, per_minute integer DEFAULT 30)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    person bigint;
    wait integer;
  begin
    if purpose = 'register' then
      person := astapa.passkey_session_user(session_hash, true);
      if person is null then
        raise exception using errcode = 'AS403',
          message = 'Adding a passkey needs a sign-in within the last 10 minutes.';
      end if;
    elsif purpose is distinct from 'sign_in' then
      raise exception 'purpose is register or sign_in' using errcode = 'AS400';
    end if;
    -- Every option request stores a row: one address may not open them faster than people sign in. The bucket
    -- spans projects (the address is the same attacker whichever project it names).
    if address is not null then
      wait := api.rate_limit_hit('passkey_options:address:' || address, per_minute, 60);
      if wait > 0 then
        return wait;
      end if;
    end if;
    -- Old challenges go as new ones come: the table holds minutes of ceremonies, not history.
    delete from astapa.webauthn_challenges c
    where c.project_id = astapa.current_project_id() and c.expires_at < pg_catalog.now() - interval '1 hour';
    insert into astapa.webauthn_challenges (project_id, challenge_hash, purpose, user_id, expires_at)
    values (astapa.current_project_id(), challenge_hash, purpose, person, pg_catalog.now() + interval '5 minutes');
    return 0;
  end
  $function$;
comment on function api.start_passkey_challenge(bytea,text,bytea,text,integer) is 'Opens a passkey ceremony''s challenge (its SHA-256) for 5 minutes: sign_in (anyone; the authenticator names the user), or register (bound to the user of session_hash, who must have signed in within 10 minutes; AS403 otherwise). With address, at most per_minute challenges a minute from it (across instances and projects): returns 0 when opened, else the seconds to wait (nothing opened).';
grant execute on function api.start_passkey_challenge(bytea,text,bytea,text,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.start_passkey_sign_up_challenge(token_hash bytea, challenge_hash bytea, address text DEFAULT NULL::text, per_minute integer DEFAULT 30)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    proven astapa.passkey_sign_ups := astapa.proven_passkey_sign_up(token_hash);
    wait integer;
  begin
    if proven.user_id is null then
      raise exception using errcode = 'AS403', message = 'This sign-up has expired. Start again.';
    end if;
    -- The same bucket as every other passkey option request from the address.
    if address is not null then
      wait := api.rate_limit_hit('passkey_options:address:' || address, per_minute, 60);
      if wait > 0 then
        return pg_catalog.jsonb_build_object('wait', wait);
      end if;
    end if;
    insert into astapa.webauthn_challenges (project_id, challenge_hash, purpose, user_id, expires_at)
    values (proven.project_id, challenge_hash, 'register', proven.user_id, pg_catalog.now() + interval '5 minutes');
    return pg_catalog.jsonb_build_object('wait', 0, 'user_id', proven.user_id::text, 'user_name', proven.email);
  end
  $function$;
comment on function api.start_passkey_sign_up_challenge(bytea,bytea,text,integer) is 'Opens a register challenge (5 minutes) for the user of a proven sign-up attempt: {wait: 0, user_id, user_name}; with address, at most per_minute option requests a minute from it ({wait: seconds}, nothing opened); AS403 when the attempt is not proven, finished, expired or its user disabled.';
grant execute on function api.start_passkey_sign_up_challenge(bytea,bytea,text,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.start_phone_code(phone_number text, country text, channel text, token_hash bytea, code_hash bytea, address text)
 RETURNS jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
    select astapa.insert_phone_code(phone_number, country, channel, token_hash, code_hash, address, null, 'sign_in')
  $function$;
comment on function api.start_phone_code(text,text,text,bytea,bytea,text) is 'Starts a sign-in code for a phone number (E.164, its country from the caller''s parser) of the current project: refused with {sent: false, reason: country} outside settings.phone.countries, or rate_limited / budget with a wait (astapa.phone_send_wait). Else stores the code (5 minutes) and returns {sent: true, sandbox}: the caller then sends it and logs the message (api.log_phone_message). AS403 when phone sign-in is off.';
grant execute on function api.start_phone_code(text,text,text,bytea,bytea,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.start_trial(project_id text, user_id bigint, plan_key text, now timestamp with time zone DEFAULT now())
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    chosen astapa.plans;
    current astapa.subscriptions;
    ends_at timestamptz;
    started jsonb;
  begin
    if now is null then
      raise exception using errcode = 'AS400', message = 'Starting a trial needs the time it starts at (now).';
    end if;
    -- The user's row lock queues this behind any other plan change of theirs (as api.assign_plan does).
    perform from astapa.users as u
    join astapa.projects as p on p.id = u.project_id
    where u.project_id = start_trial.project_id and u.id = start_trial.user_id and not u.disabled
      and u.environment = p.mode
    for no key update of u;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    select * into chosen from astapa.plans as p
    where p.project_id = start_trial.project_id and p.key = start_trial.plan_key and p.archived_at is null;
    if chosen.seat_pricing is not null then
      -- A team plan is an organization's (api.create_organization_checkout), so a person cannot trial it.
      raise exception using errcode = 'AS400', detail = '{"plan": ["A team plan: buy it for an organization."]}',
        message = pg_catalog.format('Plan %s is a team plan: buy it for an organization.', chosen.key);
    end if;
    if not found or chosen.trial_days < 1 or chosen.price_idr < 1 or chosen.interval not in ('month', 'year') then
      raise exception using errcode = 'AS400', detail = '{"plan": ["This plan offers no trial."]}',
        message = pg_catalog.format('Plan %s offers no trial.', plan_key);
    end if;
    select * into current from astapa.subscriptions as s
    where s.project_id = start_trial.project_id and s.user_id = start_trial.user_id and s.ended_at is null;
    if current.id is not null and astapa.grants_plan(current)
       and exists (select from astapa.plans as p
                   where p.project_id = current.project_id and p.key = current.plan_key and p.price_idr > 0) then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('User %s already has the paid plan %s (or a trial of it).', user_id, current.plan_key);
    end if;
    ends_at := now + pg_catalog.make_interval(days => chosen.trial_days);
    -- One trial per user and plan: the primary key decides, also between two concurrent starts.
    insert into astapa.trials (project_id, user_id, plan_key, started_at, ends_at)
    values (project_id, user_id, chosen.key, now, ends_at)
    on conflict on constraint trials_pkey do nothing;
    if not found then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('User %s has already had a trial of plan %s.', user_id, chosen.key);
    end if;
    started := api.assign_plan(project_id, user_id, chosen.key, 'trial', pg_catalog.tstzrange(now, ends_at));
    perform astapa.audit(project_id, 'subscription.trial_start', 'user:' || user_id,
      pg_catalog.jsonb_build_object('plan', chosen.key, 'trial_ends_at', ends_at));
    return started;
  end
  $function$;
comment on function api.start_trial(text,bigint,text,timestamp with time zone) is 'Starts a free trial of a plan for a user, once per user and plan: a trialing subscription until now + the plan''s trial_days (through api.assign_plan, source trial). AS400 a plan without a trial, or a team plan (an organization''s); AS404 unknown, disabled or other-environment user; AS409 a second trial of the plan, or the user already on a paid plan.';
grant execute on function api.start_trial(text,bigint,text,timestamp with time zone) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.store_client_metadata_document(client_id text, document jsonb, max_age_seconds integer)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    previous text[];
    uris text[];
  begin
    if not astapa.is_metadata_document_client_id(client_id) or document ->> 'client_id' is distinct from client_id then
      raise exception 'the document''s client_id must equal the URL it was fetched from' using errcode = 'AS400';
    end if;
    if pg_catalog.jsonb_typeof(document -> 'redirect_uris') is distinct from 'array' then
      raise exception 'the document needs redirect_uris' using errcode = 'AS400';
    end if;
    if max_age_seconds is null or max_age_seconds not between 1 and 86400 then
      raise exception 'max_age_seconds must be between 1 and 86400' using errcode = 'AS400';
    end if;
    uris := array(select pg_catalog.jsonb_array_elements_text(document -> 'redirect_uris'));
    select d.redirect_uris into previous from astapa.client_metadata_documents d
    where d.client_id = store_client_metadata_document.client_id for update;
    insert into astapa.client_metadata_documents as d (client_id, document, redirect_uris, expires_at)
    values (client_id, document, uris, pg_catalog.now() + pg_catalog.make_interval(secs => max_age_seconds))
    on conflict on constraint client_metadata_documents_pkey do update
      set document = excluded.document, redirect_uris = excluded.redirect_uris, fetched_at = pg_catalog.now(),
          expires_at = excluded.expires_at, last_used_at = pg_catalog.now();
    return pg_catalog.jsonb_build_object(
      'redirect_uris_changed', previous is not null
        and not (previous @> uris and uris @> previous),
      'previous_redirect_uris', pg_catalog.to_jsonb(previous));
  end
  $function$;
comment on function api.store_client_metadata_document(text,jsonb,integer) is 'Keeps a freshly fetched and validated metadata document for max_age_seconds (1–86400) and says whether its redirect_uris differ from the copy it replaces (redirect_uris_changed, previous_redirect_uris).';
grant execute on function api.store_client_metadata_document(text,jsonb,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.sweep_grants()
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    codes integer;
    tokens integer;
    registrations integer;
    documents integer;
  begin
    if astapa.current_project_id() is not null then
      raise exception using errcode = 'AS403', message = 'The grant sweeper runs outside any project.';
    end if;
    perform pg_catalog.set_config('astapa.sweep_grants', 'on', true);
    delete from astapa.authorization_codes c where c.expires_at < pg_catalog.now() - interval '1 day';
    get diagnostics codes = row_count;
    delete from astapa.refresh_tokens r
    where (r.project_id, r.family_id) in (
      select f.project_id, f.family_id from astapa.refresh_tokens f
      group by f.project_id, f.family_id
      having pg_catalog.bool_and(f.revoked_at is not null or f.used_at is not null or f.expires_at < pg_catalog.now())
         and pg_catalog.max(greatest(f.created_at, f.used_at, f.revoked_at)) < pg_catalog.now() - interval '7 days');
    get diagnostics tokens = row_count;
    -- Registrations never used (no code ever issued) 30 days after they were made, and cached metadata
    -- documents nobody used for 30 days (issue 26 item 6).
    delete from astapa.dynamic_clients d
    where d.last_used_at is null and d.created_at < pg_catalog.now() - interval '30 days';
    get diagnostics registrations = row_count;
    delete from astapa.client_metadata_documents m where m.last_used_at < pg_catalog.now() - interval '30 days';
    get diagnostics documents = row_count;
    perform pg_catalog.set_config('astapa.sweep_grants', '', true);
    return pg_catalog.jsonb_build_object('authorization_codes', codes, 'refresh_tokens', tokens,
      'dynamic_clients', registrations, 'client_metadata_documents', documents);
  end
  $function$;
comment on function api.sweep_grants() is 'Deletes authorization codes a day past expiry and refresh-token families entirely dead for a week, across projects, registrations never used 30 days after they were made, and metadata documents unused for 30 days. Security definer because the app role may not delete grants at all; it runs only with no project set and sees other projects through owner-only policies switched on for its own duration.';
grant execute on function api.sweep_grants() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.take_passkey_challenge(challenge_hash bytea, purpose text)
 RETURNS jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
    update astapa.webauthn_challenges c set used_at = pg_catalog.now()
    where c.project_id = astapa.current_project_id() and c.challenge_hash = take_passkey_challenge.challenge_hash
      and c.purpose = take_passkey_challenge.purpose and c.used_at is null and c.expires_at > pg_catalog.now()
    returning pg_catalog.jsonb_build_object('user_id', c.user_id::text)
  $function$;
comment on function api.take_passkey_challenge(bytea,text) is 'Uses up an open challenge of this purpose before its response is checked, so a response is tried once: {user_id} (null for sign_in), or null when unknown, used, expired, of another purpose or another project.';
grant execute on function api.take_passkey_challenge(bytea,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.tax_settings(project_id text)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  begin
    perform astapa.require_project(project_id);
    return astapa.tax_settings_json(project_id);
  end
  $function$;
comment on function api.tax_settings(text) is 'The project''s PPN settings as receipts use them: {pkp, ppn_rate, tax_base_numerator, tax_base_denominator, seller_name, seller_npwp, seller_address, project_name}. AS404 unknown project.';
grant execute on function api.tax_settings(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.token_claims(project_id text, user_id bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    user_disabled boolean;
    claims astapa.user_claims;
    plan_key text;
    trial_ends_at bigint;
    granted jsonb;
  begin
    select u.disabled into user_disabled
    from astapa.users as u where u.project_id = token_claims.project_id and u.id = token_claims.user_id
      and u.deleted_at is null; -- a deleted account's tombstone is nobody
    if user_disabled is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    elsif user_disabled then
      raise exception using errcode = 'AS403', message = 'This user is disabled, so no token may describe them.';
    end if;
    select * into claims
    from astapa.user_claims as c where c.project_id = token_claims.project_id and c.user_id = token_claims.user_id;
    plan_key := astapa.user_plan(project_id, user_id);
    select pg_catalog.floor(pg_catalog.date_part('epoch', s.current_period_end))::bigint into trial_ends_at
    from astapa.subscriptions as s
    where s.project_id = token_claims.project_id and s.user_id = token_claims.user_id and s.ended_at is null
      and s.status = 'trialing';
    granted := coalesce((select p.claims from astapa.plans as p
                         where p.project_id = token_claims.project_id and p.key = plan_key), '{}');
    -- Custom keys: the plan's, then the user's over them. plan, role, feature_flags last, so nothing shadows them.
    return (granted - 'feature_flags') || coalesce(claims.extra, '{}') || pg_catalog.jsonb_strip_nulls(
      pg_catalog.jsonb_build_object(
        'plan', plan_key,
        'role', claims.role,
        -- While the plan is a free trial: when it ends, as a NumericDate (seconds, like exp).
        'trial_ends_at', trial_ends_at,
        -- The plan's flags, then the user's own, each once, in that order.
        'feature_flags', coalesce((
          select pg_catalog.jsonb_agg(f.flag order by f.position)
          from (select flag, min(position) as position
                from (select g.flag, g.position
                      from pg_catalog.jsonb_array_elements_text(coalesce(granted -> 'feature_flags', '[]'))
                        with ordinality as g(flag, position)
                      union all
                      select u.flag, 1000 + u.position
                      from pg_catalog.unnest(coalesce(claims.feature_flags, '{}'::text[]))
                        with ordinality as u(flag, position)) as both_flags
                group by flag) as f), '[]')));
  end
  $function$;
comment on function api.token_claims(text,bigint) is 'Exactly the access token''s custom_claims: plan (the current subscription''s, else the default plan), role (when set), feature_flags (the plan''s and the user''s, always, maybe []), trial_ends_at (seconds, only while the plan is a trial), and custom claims at the top level (the user''s over the plan''s). AS404 unknown user, AS403 disabled user.';
grant execute on function api.token_claims(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.token_lifetime_limits()
 RETURNS jsonb
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO ''
AS $function$ select astapa.token_lifetime_limits() $function$;
comment on function api.token_lifetime_limits() is 'The token lifetime settings with their default, min and max (seconds), for pages and tools to show.';
grant execute on function api.token_lifetime_limits() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.transfer_organization_ownership(organization_id text, from_user_id bigint, to_user_id bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    giver astapa.organization_memberships;
    taker astapa.organization_memberships;
  begin
    select * into giver from astapa.organization_memberships x
    where x.project_id = o.project_id and x.organization_id = o.id and x.user_id = from_user_id;
    if giver.role is distinct from 'owner' then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('User %s is not an owner of %s, so has no ownership to transfer.', from_user_id, o.name);
    end if;
    if from_user_id = to_user_id then
      raise exception using errcode = 'AS400', message = 'Ownership is transferred to another member.';
    end if;
    update astapa.organization_memberships x set role = 'owner', updated_at = pg_catalog.now()
    where x.project_id = o.project_id and x.organization_id = o.id and x.user_id = to_user_id
    returning * into taker;
    if taker.user_id is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format(
        'User %s is not a member of %s: invite them first.', to_user_id, o.name);
    end if;
    update astapa.organization_memberships x set role = 'admin', updated_at = pg_catalog.now()
    where x.project_id = o.project_id and x.organization_id = o.id and x.user_id = from_user_id
    returning * into giver;
    perform astapa.emit_membership('membership.updated', taker, 'transfer');
    perform astapa.emit_membership('membership.updated', giver, 'transfer');
    return api.list_organization_members(o.id);
  end
  $function$;
comment on function api.transfer_organization_ownership(text,bigint,bigint) is 'Makes a member owner and the giving owner an admin, in one step; emitted and audited. AS409 the giver is no owner, AS404 the taker is no member, AS400 the same person.';
grant execute on function api.transfer_organization_ownership(text,bigint,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.transition_sandbox_charge(id text, from_statuses text[], status text, record jsonb)
 RETURNS boolean
 LANGUAGE sql
 SET search_path TO ''
AS $function$
    with changed as (
      update astapa.sandbox_charges c
      set status = transition_sandbox_charge.status, record = transition_sandbox_charge.record,
          updated_at = pg_catalog.now()
      where c.project_id = astapa.current_project_id() and c.id = transition_sandbox_charge.id
        and c.status = any (from_statuses)
      returning 1)
    select exists (select 1 from changed)
  $function$;
comment on function api.transition_sandbox_charge(text,text[],text,jsonb) is 'Moves a charge of the current project to a new status if it is still in one of from_statuses (compare and set: two instances paying at once pay once); true when it moved.';
grant execute on function api.transition_sandbox_charge(text,text[],text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.trust_identity_provider(issuer text, jwks jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if issuer is null or issuer !~ '^https://[^\s#?]+$' or pg_catalog.length(issuer) > 500 then
      raise exception 'issuer must be an https URL without query or fragment' using errcode = 'AS400';
    end if;
    perform astapa.assert_public_jwks(jwks);
    insert into astapa.trusted_identity_providers as i (project_id, issuer, jwks)
    values (astapa.current_project_id(), issuer, jwks)
    on conflict on constraint trusted_identity_providers_pkey do update
      set jwks = excluded.jwks, updated_at = pg_catalog.now();
    perform astapa.audit(astapa.current_project_id(), 'identity_provider.trusted', issuer,
      pg_catalog.jsonb_build_object('kids', coalesce(
        (select pg_catalog.jsonb_agg(k -> 'kid') from pg_catalog.jsonb_array_elements(jwks -> 'keys') as k), '[]')));
    return api.list_trusted_identity_providers();
  end
  $function$;
comment on function api.trust_identity_provider(text,jsonb) is 'Trusts (or re-keys) an enterprise identity provider for the current project: its https issuer and 1–5 public keys. Audited as identity_provider.trusted. Returns the whole list.';
grant execute on function api.trust_identity_provider(text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.unlink_method(project_id text, user_id bigint, method_id text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    target astapa.linked_methods;
  begin
    select * into target from astapa.linked_methods as m
    where m.project_id = unlink_method.project_id and m.user_id = unlink_method.user_id
      and m.public_id = method_id
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = 'This linked method was not found.';
    end if;
    if target.status in ('requires_action', 'active') then
      update astapa.linked_methods as m set status = 'expired', updated_at = pg_catalog.now()
      where m.project_id = target.project_id and m.id = target.id
      returning * into target;
      perform astapa.audit(target.project_id, 'billing.method_unlinked', 'linked_method:' || target.public_id,
        pg_catalog.jsonb_build_object('sub', target.user_id::text, 'channel', target.channel));
    end if;
    return astapa.linked_method_json(target);
  end
  $function$;
comment on function api.unlink_method(text,bigint,text) is 'Unlinks a user''s method (after the caller expired it at Xendit): expired, never charged again. Unlinking one already ended changes nothing. AS404 not this user''s method.';
grant execute on function api.unlink_method(text,bigint,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.unlink_sign_in_method(project_id text, user_id bigint, provider text, subject text DEFAULT NULL::text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    methods jsonb;
  begin
    if project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403', message = 'Sign-in methods are changed for the project the request acts for.';
    end if;
    if provider is null or provider not in ('password', 'google', 'github') then
      raise exception using errcode = 'AS400', message = 'A sign-in method is password, google or github.';
    end if;
    -- One change at a time per user, so two unlinks cannot together remove the last two methods.
    perform from astapa.users as u
    where u.project_id = unlink_sign_in_method.project_id and u.id = unlink_sign_in_method.user_id
    for no key update;
    methods := api.user_sign_in_methods(project_id, user_id);
    if not exists (select from pg_catalog.jsonb_array_elements(methods) as m
                   where m ->> 'provider' = provider
                     and (provider = 'password' or m ->> 'subject' = unlink_sign_in_method.subject)) then
      raise exception using errcode = 'AS404', message = case when provider = 'password'
        then 'This user has no password to remove.'
        else pg_catalog.format('This user has no %s identity %s.', provider, coalesce(subject, '(none given)')) end;
    end if;
    if pg_catalog.jsonb_array_length(methods) = 1 then
      raise exception using errcode = 'AS409',
        message = 'This is the only way this user can sign in: link another method (or let them set a password) first.';
    end if;
    if provider = 'password' then
      update astapa.users as u set password_hash = null
      where u.project_id = unlink_sign_in_method.project_id and u.id = unlink_sign_in_method.user_id;
    else
      delete from astapa.identities as i
      where i.project_id = unlink_sign_in_method.project_id and i.user_id = unlink_sign_in_method.user_id
        and i.provider = unlink_sign_in_method.provider and i.subject = unlink_sign_in_method.subject;
    end if;
    perform astapa.audit(project_id, 'identity.unlink', 'user:' || user_id,
      pg_catalog.jsonb_build_object('provider', provider));
    return api.user_sign_in_methods(project_id, user_id);
  end
  $function$;
comment on function api.unlink_sign_in_method(text,bigint,text,text) is 'Removes one way to sign in (the password, or a google/github identity by subject), never the last one, and audits identity.unlink. Security definer because it must see whether a password is set (the app role cannot); the guard refuses any project but the current one. AS400 unknown provider; AS404 no such method; AS409 the last method.';
grant execute on function api.unlink_sign_in_method(text,bigint,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.update_machine_client(client_id text, name text DEFAULT NULL::text, scopes text[] DEFAULT NULL::text[], resources text[] DEFAULT NULL::text[], access_token_ttl integer DEFAULT NULL::integer, enabled boolean DEFAULT NULL::boolean)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    new_scopes text[] := array(select distinct s from pg_catalog.unnest(scopes) as s order by s);
    new_resources text[] := array(select distinct r from pg_catalog.unnest(resources) as r order by r);
  begin
    -- access_token_ttl 0 means "the project's lifetime again"; null leaves it as it is.
    perform astapa.assert_machine_client_fields(name, coalesce(new_scopes, '{}'), coalesce(new_resources, '{}'),
                                                nullif(access_token_ttl, 0));
    update astapa.machine_clients m
    set name = coalesce(pg_catalog.btrim(update_machine_client.name), m.name),
        scopes = case when update_machine_client.scopes is null then m.scopes else new_scopes end,
        resources = case when update_machine_client.resources is null then m.resources else new_resources end,
        access_token_ttl = case when update_machine_client.access_token_ttl is null then m.access_token_ttl
                                else nullif(update_machine_client.access_token_ttl, 0) end,
        enabled = coalesce(update_machine_client.enabled, m.enabled),
        updated_at = pg_catalog.now()
    where m.project_id = astapa.current_project_id() and m.client_id = update_machine_client.client_id;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Machine client %s was not found.', client_id);
    end if;
    perform astapa.audit(astapa.current_project_id(), 'machine_client.update', client_id,
      pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('name', name, 'scopes', scopes,
        'resources', resources, 'access_token_ttl', access_token_ttl, 'enabled', enabled)));
    return astapa.machine_client_json(client_id);
  end
  $function$;
comment on function api.update_machine_client(text,text,text[],text[],integer,boolean) is 'Changes a machine client; null leaves a field as it is, access_token_ttl 0 returns to the project''s lifetime.';
grant execute on function api.update_machine_client(text,text,text[],text[],integer,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.update_organization(organization_id text, patch jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    o astapa.organizations := astapa.lock_organization(organization_id);
    members integer;
  begin
    if pg_catalog.jsonb_typeof(patch) is distinct from 'object' or exists (
        select from pg_catalog.jsonb_object_keys(patch) k where k not in ('name', 'slug', 'metadata', 'plan', 'seat_limit')) then
      raise exception using errcode = 'AS400',
        message = 'Only name, slug, metadata, plan and seat_limit of an organization can be changed.';
    elsif patch ? 'name' and (pg_catalog.jsonb_typeof(patch -> 'name') <> 'string'
          or pg_catalog.length(pg_catalog.btrim(patch ->> 'name')) not between 1 and 200 or patch ->> 'name' ~ '[[:cntrl:]]') then
      raise exception using errcode = 'AS400', message = 'name must be 1 to 200 characters.';
    elsif patch ? 'slug' and (pg_catalog.jsonb_typeof(patch -> 'slug') <> 'string'
          or patch ->> 'slug' !~ '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$') then
      raise exception using errcode = 'AS400',
        message = 'slug must be 1 to 64 characters of a-z, 0-9 and -, not starting or ending with -.';
    elsif patch ? 'metadata' and (pg_catalog.jsonb_typeof(patch -> 'metadata') <> 'object'
          or pg_catalog.octet_length((patch -> 'metadata')::text) > 4096) then
      raise exception using errcode = 'AS400', message = 'metadata must be a JSON object of at most 4 KiB.';
    elsif patch ? 'plan' and pg_catalog.jsonb_typeof(patch -> 'plan') <> 'null' and (
          pg_catalog.jsonb_typeof(patch -> 'plan') <> 'string' or not exists (
            select from astapa.plans p where p.project_id = o.project_id and p.key = patch ->> 'plan'
              and p.archived_at is null)) then
      raise exception using errcode = 'AS400',
        message = 'plan must be null or the key of a plan of this project that is not archived.';
    elsif patch ? 'seat_limit' and pg_catalog.jsonb_typeof(patch -> 'seat_limit') <> 'null' and (
          pg_catalog.jsonb_typeof(patch -> 'seat_limit') <> 'number' or (patch ->> 'seat_limit') !~ '^[0-9]{1,6}$'
          or (patch ->> 'seat_limit')::integer not between 1 and 100000) then
      raise exception using errcode = 'AS400', message = 'seat_limit must be null or a whole number from 1 to 100000.';
    elsif exists (select from astapa.organizations x where x.project_id = o.project_id
                    and x.slug = patch ->> 'slug' and x.id <> o.id) then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('Another organization of this project has the slug %s.', patch ->> 'slug');
    end if;
    if patch ? 'seat_limit' and pg_catalog.jsonb_typeof(patch -> 'seat_limit') = 'number' then
      -- Fewer seats than members would leave people the organization cannot hold: remove them first.
      select count(*) into members from astapa.organization_memberships m
      where m.project_id = o.project_id and m.organization_id = o.id;
      if members > (patch ->> 'seat_limit')::integer then
        raise exception using errcode = 'AS409', message = pg_catalog.format(
          '%s has %s members, more than %s seats: remove members first.', o.name, members, patch ->> 'seat_limit');
      end if;
    end if;
    update astapa.organizations x set
      name = coalesce(pg_catalog.btrim(patch ->> 'name'), x.name),
      slug = coalesce(patch ->> 'slug', x.slug),
      metadata = coalesce(patch -> 'metadata', x.metadata),
      plan_key = case when patch ? 'plan' then patch ->> 'plan' else x.plan_key end,
      seat_limit = case when patch ? 'seat_limit' then (patch ->> 'seat_limit')::integer else x.seat_limit end,
      -- A plan the app sets itself runs until it changes it: no paid period of Astapa's applies.
      plan_paid_through = case when patch ? 'plan' then null else x.plan_paid_through end,
      plan_canceled_at = case when patch ? 'plan' then null else x.plan_canceled_at end,
      plan_reminded_for = case when patch ? 'plan' then null else x.plan_reminded_for end,
      -- A limit or plan the app sets itself replaces any lower limit paid for a later period.
      next_seat_limit = case when patch ? 'plan' or patch ? 'seat_limit' then null else x.next_seat_limit end,
      next_seat_limit_from = case when patch ? 'plan' or patch ? 'seat_limit' then null else x.next_seat_limit_from end,
      updated_at = pg_catalog.now()
    where x.project_id = o.project_id and x.id = o.id
    returning * into o;
    perform astapa.emit_event(o.project_id, 'organization.updated',
      pg_catalog.jsonb_build_object('organization', astapa.organization_json(o)));
    perform astapa.audit(o.project_id, 'organization.updated', o.id, patch - 'metadata');
    return astapa.organization_json(o);
  end
  $function$;
comment on function api.update_organization(text,jsonb) is 'Changes an organization''s name, slug, metadata, plan (a team plan the app sells itself; null: none) or seat_limit (null: no limit) — the keys of patch; emitted and audited. AS400 bad patch, AS404 unknown organization, AS409 slug taken or fewer seats than members.';
grant execute on function api.update_organization(text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.update_plan(project_id text, key text, changes jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    current astapa.plans;
  begin
    perform astapa.require_project(project_id);
    perform astapa.raise_problems(astapa.plan_problems(changes, false));
    select * into current from astapa.plans as p
    where p.project_id = update_plan.project_id and p.key = update_plan.key
    for update;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Plan %s was not found in this project.', key);
    end if;
    if current.is_default and changes -> 'archived' = 'true' then
      raise exception using errcode = 'AS400', detail = '{"archived": ["The default plan cannot be archived."]}',
        message = 'The default plan cannot be archived; make another plan the default first.';
    end if;
    if changes -> 'default' = 'true' and (current.archived_at is not null and changes -> 'archived' is distinct from 'false') then
      raise exception using errcode = 'AS400', detail = '{"default": ["An archived plan cannot be the default."]}',
        message = 'An archived plan cannot be the default; unarchive it too.';
    end if;
    if current.seat_pricing is not null and changes ->> 'interval' not in ('month', 'year') then
      raise exception using errcode = 'AS400', detail = '{"interval": ["A team plan renews each month or year."]}',
        message = pg_catalog.format('Plan %s is a team plan: it renews each month or year, it cannot be one_time.', key);
    end if;
    -- The default plan is what people fall back to (api.assign_plan): a team plan never is a person's.
    if changes -> 'default' = 'true' and current.seat_pricing is not null then
      raise exception using errcode = 'AS400', detail = '{"default": ["A team plan cannot be the default."]}',
        message = pg_catalog.format('Plan %s is a team plan: it cannot be the default plan.', key);
    end if;
    if changes -> 'default' = 'true' then
      update astapa.plans as p set is_default = false, updated_at = pg_catalog.now()
      where p.project_id = update_plan.project_id and p.is_default and p.key <> update_plan.key;
    end if;
    update astapa.plans as p
    set name = coalesce(pg_catalog.btrim(changes ->> 'name'), p.name),
        description = coalesce(changes ->> 'description', p.description),
        price_idr = coalesce((changes ->> 'price_idr')::bigint, p.price_idr),
        interval = coalesce(changes ->> 'interval', p.interval),
        claims = coalesce(changes -> 'claims', p.claims),
        sort_order = coalesce((changes ->> 'sort_order')::integer, p.sort_order),
        trial_days = coalesce((changes ->> 'trial_days')::integer, p.trial_days),
        is_default = p.is_default or coalesce(changes -> 'default' = 'true', false),
        archived_at = case when changes -> 'archived' = 'true' then coalesce(p.archived_at, pg_catalog.now())
                           when changes -> 'archived' = 'false' then null
                           else p.archived_at end,
        updated_at = pg_catalog.now()
    where p.project_id = update_plan.project_id and p.key = update_plan.key;
    perform astapa.audit(project_id,
      case when changes -> 'archived' = 'true' then 'plan.archive' else 'plan.update' end,
      'plan:' || key, changes - 'description');
    return astapa.plan_json(project_id, key);
  end
  $function$;
comment on function api.update_plan(text,text,jsonb) is 'Changes some of a plan''s fields (archived: true archives it; its subscribers keep it). AS404 unknown plan, AS400 per-field problems, including archiving the default plan, making a team plan the default or one_time.';
grant execute on function api.update_plan(text,text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.update_project(project_id text, name text DEFAULT NULL::text, mode text DEFAULT NULL::text, settings jsonb DEFAULT NULL::jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    changes jsonb := pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('name', name, 'mode', mode));
    current_mode text;
  begin
    current_mode := astapa.require_project(project_id);
    if name is not null and pg_catalog.length(pg_catalog.btrim(name)) not between 1 and 100 then
      raise exception using errcode = 'AS400', message = 'A project name must be 1 to 100 characters.';
    end if;
    if mode is not null and mode not in ('sandbox', 'production') then
      raise exception using errcode = 'AS400', message = 'A project''s mode is sandbox or production.';
    end if;
    if settings is not null and (pg_catalog.jsonb_typeof(settings) <> 'object'
                                 or pg_catalog.octet_length(settings::text) > 16384) then
      raise exception using errcode = 'AS400', message = 'Project settings must be a JSON object of at most 16 KiB.';
    end if;
    -- The console takes no payments (it signs developers in), so it is the one project exempt.
    if mode = 'production' and current_mode <> 'production'
       and not exists (select from astapa.deployment as d where d.console_project_id = update_project.project_id)
       and not astapa.can_take_live_payments(project_id) then
      raise exception using errcode = 'AS409',
        message = 'Add live Xendit keys before going live: set this project''s live secret key and webhook '
          'verification token on the project''s Settings page, or give the deployment XENDIT_SECRET_KEY and '
          'XENDIT_CALLBACK_TOKEN with a live key. Production projects cannot take payments without them.';
    end if;
    update astapa.projects as p
    set name = coalesce(pg_catalog.btrim(update_project.name), p.name),
        mode = coalesce(update_project.mode, p.mode),
        settings = coalesce(update_project.settings, p.settings),
        updated_at = pg_catalog.now()
    where p.id = update_project.project_id;
    if settings is not null then
      changes := changes || '{"settings": "changed"}';
    end if;
    perform astapa.audit(project_id, 'project.update', project_id, changes);
    return astapa.project_json(project_id);
  end
  $function$;
comment on function api.update_project(text,text,text,jsonb) is 'Changes name, mode and/or settings (null leaves a field as it is). Mode applies to users created from now on. Switching to production needs live Xendit keys (the project''s own, or the deployment''s as stated by astapa.deployment_live_xendit); AS409 says how to add them. The console project is exempt.';
grant execute on function api.update_project(text,text,text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.update_project_settings(project_id text, changes jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    change record;
    problem text;
    merged jsonb;
    logged jsonb := '{}';
  begin
    perform astapa.require_project(project_id);
    if changes is null or pg_catalog.jsonb_typeof(changes) <> 'object' or changes = '{}'::jsonb then
      raise exception using errcode = 'AS400', message = 'Give the settings to change as a non-empty JSON object.';
    end if;
    for change in select e.key, e.value from pg_catalog.jsonb_each(changes) as e loop
      problem := astapa.setting_problem(change.key, change.value);
      if problem is not null then
        raise exception using errcode = 'AS400', message = problem;
      end if;
      -- The audit log never holds secrets: sealed provider secrets are logged as which providers changed.
      logged := logged || pg_catalog.jsonb_build_object(change.key, case
        when change.key = 'social_login' and pg_catalog.jsonb_typeof(change.value) = 'object' then
          (select pg_catalog.jsonb_object_agg(k, case
             when coalesce(change.value -> k, 'null') = 'null' then 'default'
             when change.value -> k -> 'enabled' = 'false' then 'off'
             else 'own_app' end)
           from pg_catalog.jsonb_object_keys(change.value) as k)
        else change.value end);
    end loop;
    select p.settings into merged from astapa.projects as p where p.id = update_project_settings.project_id
    for update;
    -- Providers merge one by one, so changing Google leaves GitHub as it was; null removes a provider.
    if pg_catalog.jsonb_typeof(changes -> 'social_login') = 'object' then
      changes := pg_catalog.jsonb_set(changes, '{social_login}',
        coalesce(merged -> 'social_login', '{}') || (changes -> 'social_login'));
    end if;
    -- Branding merges key by key too, and keeps its logo (set by api.set_project_logo only).
    if pg_catalog.jsonb_typeof(changes -> 'branding') = 'object' then
      changes := pg_catalog.jsonb_set(changes, '{branding}',
        coalesce(merged -> 'branding', '{}') || (changes -> 'branding'));
    end if;
    -- branding: null removes all of it, the uploaded logo too (no image left behind that nothing names).
    if changes -> 'branding' = 'null'::jsonb then
      delete from astapa.project_logos as l where l.project_id = update_project_settings.project_id;
    end if;
    merged := pg_catalog.jsonb_strip_nulls(merged || changes);
    -- Without passwords a person needs another way in: refused whichever change would leave none.
    if merged -> 'passwords' = 'false'::jsonb and merged -> 'passkeys' is distinct from 'true'::jsonb
       and merged -> 'email_codes' is distinct from 'true'::jsonb then
      raise exception using errcode = 'AS400', message = 'Passwords can be off only while email codes or '
        'passkeys are on: turn one of them on first (or in the same change).';
    end if;
    if pg_catalog.octet_length(merged::text) > 16384 then
      raise exception using errcode = 'AS400', message = 'Project settings must stay within 16 KiB.';
    end if;
    update astapa.projects as p set settings = merged, updated_at = pg_catalog.now()
    where p.id = update_project_settings.project_id;
    perform astapa.audit(project_id, 'project.settings', project_id, logged);
    return astapa.project_json(project_id);
  end
  $function$;
comment on function api.update_project_settings(text,jsonb) is 'Sets (or, given null, removes) allowed_origins, access_token_ttl, refresh_token_ttl, refresh_grace_seconds, require_verified_email, social_login, mfa, passkeys, email_codes, email_code_sign_up, passwords (false only beside email_codes or passkeys), mail_sender_name, mail_texts and branding, each validated (AS400 with the reason); other settings are kept. branding: null also deletes the uploaded logo. Audited as project.settings without secrets.';
grant execute on function api.update_project_settings(text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.upgrade_imported_password(project_id text, user_id bigint, old_hash text, new_hash text)
 RETURNS boolean
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
  begin
    if project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403', message = 'A password is re-hashed for the project the request acts for.';
    end if;
    if new_hash is null or new_hash !~ '^\$argon2id\$' then
      raise exception using errcode = 'AS400', message = 'Password hashes must be argon2id.';
    end if;
    update astapa.users as u set password_hash = new_hash
    where u.project_id = upgrade_imported_password.project_id and u.id = upgrade_imported_password.user_id
      and u.password_hash = old_hash;
    if not found then
      return false; -- another sign-in re-hashed it first, or the password changed meanwhile
    end if;
    perform astapa.audit(project_id, 'user.rehash_password', 'user:' || user_id,
      pg_catalog.jsonb_build_object('from', pg_catalog.substring(old_hash, '^\$?([a-z0-9_-]+)')));
    return true;
  end
  $function$;
comment on function api.upgrade_imported_password(text,bigint,text,text) is 'After a sign-in verified an imported (foreign) hash: replaces it with the argon2id hash of the same password, only while the stored hash is still old_hash; true when replaced. Security definer because the app role cannot read password_hash (the compare); refuses any project but the one the transaction acts for.';
grant execute on function api.upgrade_imported_password(text,bigint,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.use_passkey(credential_id bytea, sign_count bigint, backed_up boolean)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    key astapa.passkeys;
  begin
    -- A row lock: two instances given one assertion queue here, and the counter lets only one through.
    select * into key from astapa.passkeys k
    where k.project_id = project and k.credential_id = use_passkey.credential_id
    for update;
    if not found then
      return pg_catalog.jsonb_build_object('accepted', false, 'reason', 'unknown');
    end if;
    if key.cloned_at is not null then
      return pg_catalog.jsonb_build_object('accepted', false, 'reason', 'cloned');
    end if;
    -- WebAuthn §6.1.1: a counter that does not move forwards (when either is non-zero) means two copies of the
    -- key exist. The credential is marked and refused from now on; the person adds a new passkey.
    if (use_passkey.sign_count > 0 or key.sign_count > 0) and use_passkey.sign_count <= key.sign_count then
      update astapa.passkeys k set cloned_at = pg_catalog.now()
      where k.project_id = project and k.credential_id = key.credential_id;
      perform astapa.audit(project, 'user.passkey_cloned', 'user:' || key.user_id, pg_catalog.jsonb_build_object(
        'name', key.name, 'stored_count', key.sign_count, 'presented_count', use_passkey.sign_count));
      return pg_catalog.jsonb_build_object('accepted', false, 'reason', 'cloned');
    end if;
    update astapa.passkeys k set sign_count = use_passkey.sign_count, backed_up = use_passkey.backed_up,
      last_used_at = pg_catalog.now()
    where k.project_id = project and k.credential_id = key.credential_id;
    return pg_catalog.jsonb_build_object('accepted', true, 'user_id', key.user_id::text,
      'synced', key.device_type = 'multiDevice');
  end
  $function$;
comment on function api.use_passkey(bytea,bigint,boolean) is 'Records a verified assertion: the new sign counter, backup state and last use. A counter that did not move forwards marks the credential cloned (audited user.passkey_cloned) and refuses it, now and later. Returns {accepted, user_id, synced} or {accepted: false, reason: unknown|cloned}.';
grant execute on function api.use_passkey(bytea,bigint,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.user_consents(user_id bigint)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
             'client_id', c.client_id,
             'client_name', astapa.third_party_client_name(c.client_id),
             'client_host', case when astapa.is_metadata_document_client_id(c.client_id)
                                 then pg_catalog.substring(c.client_id, '^https?://([^/?#]+)') end,
             'resource', c.resource,
             'resource_name', (select r.name from astapa.resources r
                               where r.project_id = c.project_id and r.uri = c.resource),
             'scopes', pg_catalog.to_jsonb(c.scopes),
             'granted_at', c.granted_at,
             'updated_at', c.updated_at)) order by c.updated_at desc), '[]'::jsonb)
    from astapa.consents c
    where c.project_id = astapa.current_project_id() and c.user_id = user_consents.user_id
  $function$;
comment on function api.user_consents(bigint) is 'The consents a user of the current project gave third-party clients: client (id, its own unverified name, and the host of a metadata-document URL), resource, scopes, when granted and last widened. For the dashboard user page and the person''s own account page.';
grant execute on function api.user_consents(bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.user_factors(project_id text, user_id bigint)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'mfa_enrolled', pg_catalog.cardinality(astapa.second_factor_kinds(user_factors.project_id,
        user_factors.user_id)) > 0,
      'second_factors', pg_catalog.to_jsonb(astapa.second_factor_kinds(user_factors.project_id,
        user_factors.user_id)),
      'factors', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('kind', f.kind,
          'enrolled_at', f.confirmed_at) order by f.kind)
        from astapa.user_factors f
        where f.project_id = user_factors.project_id and f.user_id = user_factors.user_id
          and f.confirmed_at is not null), '[]'),
      'recovery_codes_left', (select pg_catalog.count(*) from astapa.recovery_codes r
        where r.project_id = user_factors.project_id and r.user_id = user_factors.user_id and r.used_at is null))
  $function$;
comment on function api.user_factors(text,bigint) is 'A user''s confirmed factors (kind totp or phone, enrolled_at), the second factors they can present now (second_factors: astapa.second_factor_kinds, passkeys included; mfa_enrolled when any) and unused recovery codes: for the dashboard and the Platform API. Never a secret or a code hash.';
grant execute on function api.user_factors(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.user_for_sign_in(project_id text, email text)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
  begin
    if project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403', message = 'Sign-in lookups are for the project the request acts for.';
    end if;
    return (
      select pg_catalog.jsonb_build_object('id', u.id::text, 'password_hash', u.password_hash, 'disabled', u.disabled,
                                          'email_verified', u.email_verified)
      from astapa.users as u
      join astapa.projects as p on p.id = u.project_id and p.mode = u.environment
      where u.project_id = user_for_sign_in.project_id
        and u.email_lower = pg_catalog.lower(pg_catalog.btrim(user_for_sign_in.email)));
  end
  $function$;
comment on function api.user_for_sign_in(text,text) is 'For the hosted login: the user''s id, argon2id password hash, disabled and email_verified flags, or null, so the server can verify a password. Security definer because the app role cannot select password hashes; RLS still applies (the owner is not exempt) and the guard refuses any project but the one the transaction acts for.';
grant execute on function api.user_for_sign_in(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.user_info(user_id bigint)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    -- Standard claims a user lacks (a phone-only user's email) are left out, not null.
    select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'sub', u.id::text, 'email', u.email, 'email_verified', case when u.email is not null then u.email_verified end,
      'phone_number', u.phone_number,
      'phone_number_verified', case when u.phone_number is not null then u.phone_number_verified end,
      'project_id', u.project_id)) || pg_catalog.jsonb_build_object(
      'custom_claims', api.token_claims(u.project_id, u.id))
    from astapa.users u
    join astapa.projects p on p.id = u.project_id
    where u.project_id = astapa.current_project_id() and u.id = user_info.user_id and not u.disabled
      and u.environment = p.mode
  $function$;
comment on function api.user_info(bigint) is 'OpenID userinfo claims for an enabled user of the current project in the project''s current environment.';
grant execute on function api.user_info(bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.user_organizations(user_id bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    joinable text;
  begin
    -- automatic: people are joined to their domain's organizations when the hosted login lists them.
    if astapa.domain_join_mode() = 'automatic' then
      -- Never back into one they left or were removed from (organization_departures): that is offered only.
      for joinable in select d from astapa.domain_organizations(user_id) d
                      where not exists (select from astapa.organization_departures x
                                        where x.project_id = astapa.current_project_id() and x.organization_id = d
                                          and x.user_id = user_organizations.user_id) loop
        begin
          perform astapa.add_membership(astapa.lock_organization(joinable), user_id, 'member', 'domain');
        exception when sqlstate 'AS409' then
          null; -- a full organization is offered, not joined
        end;
      end loop;
    end if;
    return pg_catalog.jsonb_build_object(
      'memberships', coalesce((
        select pg_catalog.jsonb_agg(astapa.membership_json(m) || pg_catalog.jsonb_build_object(
                 'organization_name', o.name, 'organization_slug', o.slug) order by o.name, o.id)
        from astapa.organization_memberships m
        join astapa.organizations o on o.project_id = m.project_id and o.id = m.organization_id
        where m.project_id = astapa.current_project_id() and m.user_id = user_organizations.user_id), '[]'),
      'joinable', coalesce((
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', o.id, 'name', o.name, 'slug', o.slug)
                 order by o.name, o.id)
        from astapa.organizations o
        where o.project_id = astapa.current_project_id() and o.id in (select astapa.domain_organizations(user_id))), '[]'));
  end
  $function$;
comment on function api.user_organizations(bigint) is 'A user''s own organizations (memberships with role, permissions and the organization''s name) and those they may join by their verified domain; with organization_domain_join automatic, joins them first (a full organization, or one they left or were removed from, stays joinable). What the org picker and the account page list.';
grant execute on function api.user_organizations(bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.user_own_claims(project_id text, user_id bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  begin
    if astapa.user_json(project_id, user_id) is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    return coalesce((
      select pg_catalog.jsonb_build_object('role', c.role, 'feature_flags', pg_catalog.to_jsonb(c.feature_flags),
                                          'extra', c.extra)
      from astapa.user_claims as c
      where c.project_id = user_own_claims.project_id and c.user_id = user_own_claims.user_id),
      '{"role": null, "feature_flags": [], "extra": {}}');
  end
  $function$;
comment on function api.user_own_claims(text,bigint) is 'The claims set on the user themself (role, feature_flags, extra custom claims), without the plan''s: what the dashboard''s claims form edits. AS404 unknown user.';
grant execute on function api.user_own_claims(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.user_sign_in_methods(project_id text, user_id bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    has_password boolean;
    registered_email text;
    registered_at timestamptz;
  begin
    if project_id is distinct from astapa.current_project_id() then
      raise exception using errcode = 'AS403', message = 'Sign-in methods are listed for the project the request acts for.';
    end if;
    select u.password_hash is not null, u.email, u.created_at into has_password, registered_email, registered_at
    from astapa.users as u where u.project_id = user_sign_in_methods.project_id and u.id = user_sign_in_methods.user_id;
    if not found then
      raise exception using errcode = 'AS404', message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    return (
      select coalesce(pg_catalog.jsonb_agg(m.method order by m.linked_at, m.method ->> 'provider'), '[]')
      from (
        select pg_catalog.jsonb_build_object('provider', 'password', 'subject', null, 'email', registered_email,
                 'linked_at', registered_at) as method, registered_at as linked_at
        where has_password
        union all
        select pg_catalog.jsonb_build_object('provider', i.provider, 'subject', i.subject, 'email', i.email,
                 'linked_at', i.created_at), i.created_at
        from astapa.identities as i
        where i.project_id = user_sign_in_methods.project_id and i.user_id = user_sign_in_methods.user_id) as m);
  end
  $function$;
comment on function api.user_sign_in_methods(text,bigint) is 'A user''s ways to sign in: {provider: password|google|github, subject, email, linked_at}, oldest first. Security definer because the app role cannot read password hashes (it learns only whether one is set); RLS still applies and the guard refuses any project but the one the transaction acts for. AS404 unknown user.';
grant execute on function api.user_sign_in_methods(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.user_trials(project_id text, user_id bigint)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'plan', t.plan_key, 'started_at', t.started_at, 'ends_at', t.ends_at) order by t.started_at), '[]')
    from astapa.trials as t
    where t.project_id = user_trials.project_id and t.user_id = user_trials.user_id
  $function$;
comment on function api.user_trials(text,bigint) is 'The trials a user has started, oldest first (a plan listed here offers them no second trial).';
grant execute on function api.user_trials(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.verify_client(client_id text, client_secret_hash bytea)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    found jsonb;
  begin
    perform astapa.assert_secret_hash(client_secret_hash);
    if client_id is null or client_id !~ '^(cid|mcl)_[a-z2-7]{24}$' then
      return null;
    end if;
    -- Shows the owner this one client for the next query only (on an error, rollback undoes it).
    perform pg_catalog.set_config('astapa.lookup_client_id', client_id, true);
    -- Comparing digests: the caller controls only the secret, not its SHA-256, so `=` on bytea stopping at
    -- the first differing byte reveals nothing useful about the stored hash.
    if pg_catalog.starts_with(client_id, 'cid_') then
      select pg_catalog.jsonb_build_object('project_id', p.id, 'kind', 'project', 'enabled', true) into found
      from astapa.projects as p
      where p.client_id = verify_client.client_id and p.client_secret_hash = verify_client.client_secret_hash;
    else
      select pg_catalog.jsonb_build_object('project_id', m.project_id, 'kind', 'machine', 'enabled', m.enabled)
      into found
      from astapa.machine_clients as m
      where m.client_id = verify_client.client_id and m.secret_hash = verify_client.client_secret_hash;
    end if;
    perform pg_catalog.set_config('astapa.lookup_client_id', '', true);
    return found;
  end
  $function$;
comment on function api.verify_client(text,bytea) is 'The client whose id and secret (given as SHA-256) match, as {project_id, kind: project|machine, enabled}, or null. Security definer because it runs before any project is known and reads secret hashes the app role cannot select; it sees only the one client its id names, through the owner-only policies "definer functions find the project a client id names" and "… the machine client a client id names", turned on by set_config for its one query and off again before it returns.';
grant execute on function api.verify_client(text,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.verify_client_credentials(client_id text, client_secret_hash bytea)
 RETURNS text
 LANGUAGE sql
 SET search_path TO ''
AS $function$
    select v.found ->> 'project_id'
    from (select api.verify_client(client_id, client_secret_hash) as found) as v
    where (v.found ->> 'enabled')::boolean
  $function$;
comment on function api.verify_client_credentials(text,bytea) is 'The project whose enabled client (the project''s own or a machine client) has this id and secret (SHA-256), or null. See api.verify_client.';
grant execute on function api.verify_client_credentials(text,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.verify_dynamic_client(client_id text, secret_hash bytea)
 RETURNS boolean
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
  begin
    perform astapa.assert_secret_hash(secret_hash);
    -- Comparing digests: the caller controls the secret, not its SHA-256, so `=` reveals nothing useful.
    return exists (select from astapa.dynamic_clients d
                   where d.client_id = verify_dynamic_client.client_id
                     and d.secret_hash = verify_dynamic_client.secret_hash);
  end
  $function$;
comment on function api.verify_dynamic_client(text,bytea) is 'True when a confidential dynamic client''s id and secret (as SHA-256) match. Security definer because the app role may not select secret hashes; it answers yes or no for the one client named and nothing else.';
grant execute on function api.verify_dynamic_client(text,bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.verify_email(token_hash bytea)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    owner bigint;
  begin
    update astapa.email_tokens t set used_at = pg_catalog.now()
    where t.project_id = astapa.current_project_id() and t.token_hash = verify_email.token_hash
      and t.purpose = 'verify_email' and t.used_at is null and t.expires_at > pg_catalog.now()
    returning t.user_id into owner;
    if owner is null then
      raise exception 'this verification link is unknown, used or expired' using errcode = 'AS4G0';
    end if;
    update astapa.users u set email_verified = true
    where u.project_id = astapa.current_project_id() and u.id = owner;
    perform astapa.audit(astapa.current_project_id(), 'user.email_verified', 'user:' || owner);
    return owner;
  end
  $function$;
comment on function api.verify_email(bytea) is 'Uses a verification link once and marks the address verified.';
grant execute on function api.verify_email(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.verify_organization_domain(organization_id text, domain text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    d astapa.organization_domains;
    o astapa.organizations := astapa.lock_organization(organization_id);
  begin
    if exists (select from astapa.organization_domains x
               where x.project_id = astapa.current_project_id() and x.domain = pg_catalog.lower(verify_organization_domain.domain)
                 and x.organization_id <> o.id and x.verified_at is not null) then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        '%s is already verified for another organization of this project.', pg_catalog.lower(domain));
    end if;
    begin
      update astapa.organization_domains x set verified_at = coalesce(x.verified_at, pg_catalog.now())
      where x.project_id = astapa.current_project_id() and x.organization_id = o.id
        and x.domain = pg_catalog.lower(verify_organization_domain.domain)
      returning * into d;
    exception when unique_violation then
      -- Two organizations verified the same domain at once: the one that committed first keeps it.
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        '%s is already verified for another organization of this project.', pg_catalog.lower(domain));
    end;
    if d.domain is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format(
        'Organization %s has not claimed %s: add the domain first.', organization_id, pg_catalog.lower(domain));
    end if;
    perform astapa.audit(d.project_id, 'organization.domain_verified', d.organization_id,
      pg_catalog.jsonb_build_object('domain', d.domain));
    return pg_catalog.jsonb_build_object('domain', d.domain, 'verified', true, 'verified_at', d.verified_at,
      'verification_token', d.verification_token);
  end
  $function$;
comment on function api.verify_organization_domain(text,text) is 'Marks a claimed domain verified (the caller checked its DNS TXT record, or the project vouches for it); audited. AS409 when another organization of the project has it verified (also when both try at once), AS404 when not claimed.';
grant execute on function api.verify_organization_domain(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.webhook_delivery_page(project_id text, before_id bigint DEFAULT NULL::bigint, max_deliveries integer DEFAULT 25)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    rows jsonb;
  begin
    perform astapa.require_project(project_id);
    if max_deliveries not between 1 and 200 then
      raise exception using errcode = 'AS400', message = 'Show 1 to 200 deliveries a page.';
    end if;
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'id', d.id::text, 'event_id', ev.public_id, 'event_type', ev.type, 'status', d.status,
        'attempts', d.attempts, 'last_status', d.last_status, 'last_error', d.last_error,
        'last_attempt_at', d.last_attempt_at, 'next_attempt_at',
        case when d.status = 'pending' then d.next_attempt_at end,
        'delivered_at', d.delivered_at, 'created_at', d.created_at) order by d.id desc), '[]')
    into rows
    from (select * from astapa.webhook_deliveries as w
          where w.project_id = webhook_delivery_page.project_id
            and (before_id is null or w.id < before_id)
          order by w.id desc limit max_deliveries + 1) as d
    join astapa.events as ev on ev.project_id = d.project_id and ev.id = d.event_id;
    -- One row more than a page was read to learn whether an older page exists.
    return pg_catalog.jsonb_build_object(
      'deliveries', pg_catalog.jsonb_path_query_array(rows, pg_catalog.format('$[0 to %s]', max_deliveries - 1)::jsonpath),
      'older', case when pg_catalog.jsonb_array_length(rows) > max_deliveries
                    then rows -> (max_deliveries - 1) ->> 'id' end);
  end
  $function$;
comment on function api.webhook_delivery_page(text,bigint,integer) is 'One page of the project''s webhook deliveries, newest first, older than before_id when given: {deliveries, older}; older is the id to pass as before_id for the next page, or null on the last page.';
grant execute on function api.webhook_delivery_page(text,bigint,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION api.xendit_keys(project_id text, environment text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'secret_key_sealed', pg_catalog.translate(pg_catalog.encode(k.secret_key_sealed, 'base64'), E'\n', ''),
      'callback_token_sealed', pg_catalog.translate(pg_catalog.encode(k.callback_token_sealed, 'base64'), E'\n', ''))
    from astapa.xendit_keys as k
    where k.project_id = xendit_keys.project_id and k.environment = xendit_keys.environment
  $function$;
comment on function api.xendit_keys(text,text) is 'A project''s sealed Xendit keys for an environment (base64), or null when it has none.';
grant execute on function api.xendit_keys(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.account_json(account_id bigint)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object('id', a.id::text, 'email', a.email,
      'deployment_owner', a.deployment_owner, 'console_user_id', a.console_user_id::text)
    from astapa.accounts as a
    where a.id = account_json.account_id
  $function$;
comment on function astapa.account_json(bigint) is 'A developer account as the dashboard sees it (never the password hash); null when there is none.';
grant execute on function astapa.account_json(bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.account_user(session_hash bytea, fresh_seconds integer DEFAULT NULL::integer)
 RETURNS bigint
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    person bigint;
    started timestamptz;
  begin
    select s.user_id, s.created_at into person, started
    from astapa.login_sessions s
    join astapa.users u on u.project_id = s.project_id and u.id = s.user_id
    join astapa.projects p on p.id = s.project_id
    where s.project_id = astapa.current_project_id() and s.token_hash = account_user.session_hash
      and s.ended_at is null and s.expires_at > pg_catalog.now()
      and not u.disabled and u.deleted_at is null and u.environment = p.mode;
    if person is null then
      raise exception 'this session has ended; sign in again' using errcode = 'AS4G0';
    end if;
    if fresh_seconds is not null and started < pg_catalog.now() - pg_catalog.make_interval(secs => fresh_seconds) then
      raise exception 'sign in again to do this (a fresh sign-in is needed)' using errcode = 'AS403';
    end if;
    return person;
  end
  $function$;
comment on function astapa.account_user(bytea,integer) is 'The person behind a live session of the current project (same liveness rules as api.login_session, and not deleted). With fresh_seconds the session must have started that recently (max_age). AS4G0 no live session; AS403 not fresh.';
grant execute on function astapa.account_user(bytea,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.add_membership(o astapa.organizations, user_id bigint, role text, reason text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    m astapa.organization_memberships;
  begin
    if not exists (select from astapa.users u where u.project_id = o.project_id and u.id = add_membership.user_id) then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('User %s was not found in this project.', user_id);
    end if;
    if exists (select from astapa.organization_memberships x
               where x.project_id = o.project_id and x.organization_id = o.id and x.user_id = add_membership.user_id) then
      raise exception using errcode = 'AS409',
        message = pg_catalog.format('User %s is already a member of %s.', user_id, o.name);
    end if;
    perform astapa.assert_organization_role(role);
    perform astapa.assert_organization_seat(o, false);
    insert into astapa.organization_memberships (project_id, organization_id, user_id, role)
    values (o.project_id, o.id, user_id, role) returning * into m;
    perform astapa.emit_membership('membership.created', m, reason);
    return astapa.membership_json(m);
  end
  $function$;
comment on function astapa.add_membership(astapa.organizations,bigint,text,text) is 'Makes a user of the project a member of the (locked) organization with a role, within its seat limit; emitted and audited. AS404 unknown user, AS409 already a member or no free seat, AS400 unknown role.';
grant execute on function astapa.add_membership(astapa.organizations,bigint,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.apply_paid_organization_checkout(target astapa.checkouts)
 RETURNS timestamp with time zone
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    o astapa.organizations;
    chosen astapa.plans;
    period_start timestamptz;
    seats_now integer;
  begin
    select * into o from astapa.organizations as x
    where x.project_id = target.project_id and x.id = target.organization_id
    for update;
    if not found then
      return null;  -- deleted since: the payment is kept (and receipted) for a refund
    end if;
    select * into chosen from astapa.plans as p where p.project_id = target.project_id and p.key = target.plan_key;
    seats_now := astapa.organization_seat_limit(o);
    if target.seats_from is not null and o.plan_key = target.plan_key and o.plan_paid_through > pg_catalog.now() then
      -- Added seats: the period stays, the limit grows (never shrinks: two seat checkouts paid in any order) and
      -- holds until plan_paid_through, which the prorated price covered, so a lower later limit is dropped.
      update astapa.organizations as x
      set seat_limit = greatest(seats_now, target.seats), next_seat_limit = null, next_seat_limit_from = null,
          updated_at = pg_catalog.now()
      where x.project_id = o.project_id and x.id = o.id
      returning * into o;
    elsif o.plan_key = target.plan_key and o.plan_paid_through > pg_catalog.now() and target.seats <> seats_now then
      -- The next period of the same plan, for other seats: the running period keeps the seats it was paid for
      -- (more seats are not paid before the new period starts; fewer would cut a paid period short); the new
      -- limit starts with the new period.
      update astapa.organizations as x
      set seat_limit = seats_now, next_seat_limit = target.seats, next_seat_limit_from = o.plan_paid_through,
          plan_canceled_at = null, updated_at = pg_catalog.now(),
          plan_paid_through = case chosen.interval when 'year' then o.plan_paid_through + interval '1 year'
                                   else o.plan_paid_through + interval '1 month' end
      where x.project_id = o.project_id and x.id = o.id
      returning * into o;
    else
      -- A period of the plan: from the end of the one paid for the same plan — also when paid in the grace days
      -- after it (the plan was kept meanwhile, api.organization_renewal_step) — else from now.
      period_start := case when o.plan_key = target.plan_key and o.plan_paid_through is not null
                                and o.plan_paid_through + case chosen.interval when 'year' then interval '1 year'
                                                                else interval '1 month' end > pg_catalog.now()
                           then o.plan_paid_through else pg_catalog.now() end;
      update astapa.organizations as x
      set plan_key = target.plan_key, seat_limit = target.seats, next_seat_limit = null,
          next_seat_limit_from = null, plan_canceled_at = null, updated_at = pg_catalog.now(),
          plan_paid_through = case chosen.interval when 'year' then period_start + interval '1 year'
                                   else period_start + interval '1 month' end
      where x.project_id = o.project_id and x.id = o.id
      returning * into o;
    end if;
    perform astapa.emit_event(o.project_id, 'organization.updated',
      pg_catalog.jsonb_build_object('organization', astapa.organization_json(o)));
    perform astapa.audit(o.project_id, 'organization.plan_paid', o.id, pg_catalog.jsonb_build_object(
      'checkout', target.public_id, 'plan', o.plan_key, 'seat_limit', o.seat_limit,
      'next_seat_limit', o.next_seat_limit, 'next_seat_limit_from', o.next_seat_limit_from,
      'paid_through', o.plan_paid_through));
    return o.plan_paid_through;
  end
  $function$;
comment on function astapa.apply_paid_organization_checkout(astapa.checkouts) is 'What a paid team plan checkout does (called by astapa.apply_payment_event_row): the organization gets the plan, its seats as seat_limit and a period (after the one already paid for that plan, also when paid in the grace days); other seats for the next period of the running plan become next_seat_limit from that period''s start (the running one keeps its seats); a checkout adding seats only raises seat_limit. Paying undoes a cancel. Returns the paid-through date; null when the organization was deleted.';
grant execute on function astapa.apply_paid_organization_checkout(astapa.checkouts) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.apply_paid_plan_change(target astapa.checkouts)
 RETURNS timestamp with time zone
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    change astapa.plan_changes;
    current astapa.subscriptions;
    to_plan astapa.plans;
    period_start timestamptz;
    period_end timestamptz;
  begin
    select * into change from astapa.plan_changes as c
    where c.project_id = target.project_id and c.id = target.plan_change_id
    for update;
    select * into to_plan from astapa.plans as p where p.project_id = change.project_id and p.key = change.to_plan;
    select * into current from astapa.subscriptions as s
    where s.project_id = target.project_id and s.user_id = target.user_id and s.ended_at is null;
    if change.period_end is not null then
      -- Same interval: the current period, on the new plan (never shortened, should it have been renewed since).
      period_start := coalesce(current.current_period_start, pg_catalog.now());
      period_end := greatest(change.period_end, current.paid_through);
    else
      period_start := pg_catalog.now();
      period_end := period_start + case to_plan.interval when 'year' then interval '1 year' else interval '1 month' end;
    end if;
    if period_end <= period_start then
      period_end := period_start + interval '1 second';
    end if;
    perform api.assign_plan(target.project_id, target.user_id, change.to_plan, 'payment',
      pg_catalog.tstzrange(period_start, period_end), period_end);
    update astapa.plan_changes as c set status = 'applied', resolved_at = pg_catalog.now()
    where c.project_id = change.project_id and c.id = change.id;
    -- A renewal opened for the old plan is replaced by one for the new plan on the next pass.
    perform astapa.expire_open_renewal_checkouts(target.project_id, target.user_id);
    perform astapa.emit_event(target.project_id, 'subscription.plan_change', pg_catalog.jsonb_build_object(
      'change', astapa.plan_change_json((select c from astapa.plan_changes as c
                                         where c.project_id = change.project_id and c.id = change.id))));
    return period_end;
  end
  $function$;
comment on function astapa.apply_paid_plan_change(astapa.checkouts) is 'Applies the upgrade a paid checkout was for (called by astapa.apply_payment_event_row): the new plan through api.assign_plan for the priced period, the change applied; returns the new paid_through.';
grant execute on function astapa.apply_paid_plan_change(astapa.checkouts) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.apply_payment_event_row(ev astapa.payment_events)
 RETURNS text
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    pay astapa.payments;
    target astapa.checkouts;
    chosen astapa.plans;
    current astapa.subscriptions;
    new_status text;
    applied_outcome text;
    amount_paid numeric;
    period_start timestamptz;
    period_end timestamptz;
  begin
    -- Refund callbacks share the durable events table and this worker (db/api/refunds.sql).
    if ev.body ->> 'event' like 'refund.%' then
      return astapa.apply_refund_event(ev);
    end if;
    new_status := astapa.payment_status(ev.provider_status);
    -- Waits for a charge of this id being recorded right now, so the select below sees its committed row.
    perform astapa.lock_payment_provider_id(ev.project_id, ev.provider_id);
    select * into pay from astapa.payments as y
    where y.project_id = ev.project_id and y.provider = ev.provider and y.provider_id = ev.provider_id
    for update;
    if not found then
      applied_outcome := 'unknown_payment';
    elsif pay.status = 'paid' or new_status = 'pending' or (pay.status <> 'pending' and new_status <> 'paid') then
      -- Paid is final; a late PENDING undoes nothing; a duplicate changes nothing.
      applied_outcome := 'no_change';
    else
      select * into target from astapa.checkouts as c
      where c.project_id = pay.project_id and c.id = pay.checkout_id
      for update;
      if new_status in ('failed', 'expired') then
        update astapa.payments as y set status = new_status, updated_at = pg_catalog.now()
        where y.project_id = pay.project_id and y.id = pay.id;
        applied_outcome := new_status;
        perform astapa.emit_event(ev.project_id, 'payment.failed', pg_catalog.jsonb_build_object(
          'checkout_id', target.public_id, 'sub', target.user_id::text, 'plan', target.plan_key,
          'method', pay.method, 'status', new_status, 'amount', pay.amount));
      else
        amount_paid := coalesce(ev.body #>> '{data,amount}', ev.body ->> 'paid_amount', ev.body ->> 'amount')::numeric;
        -- Both amount and currency must be the checkout's: 100,000 of another currency is not Rp100,000.
        -- (Xendit's callbacks always name the currency; one that names none is taken as the charge's own.)
        if coalesce(ev.body #>> '{data,currency}', ev.body ->> 'currency', target.currency)
           is distinct from target.currency then
          applied_outcome := 'currency_mismatch';
        elsif amount_paid is distinct from pay.amount then
          applied_outcome := 'amount_mismatch';
        else
          update astapa.payments as y set status = 'paid', paid_at = pg_catalog.now(), updated_at = pg_catalog.now()
          where y.project_id = pay.project_id and y.id = pay.id;
          if target.status = 'paid' then
            -- A second charge for a checkout already paid: recorded (for a refund), not a second extension.
            applied_outcome := 'paid_again';
            perform astapa.issue_receipt(pay, null, null);
          else
            update astapa.checkouts as c set status = 'paid', paid_at = pg_catalog.now(), method = pay.method,
              bank = pay.bank, updated_at = pg_catalog.now()
            where c.project_id = target.project_id and c.id = target.id;
            if target.plan_change_id is not null then
              -- An upgrade's checkout: the change it priced is applied (db/api/plan_changes.sql).
              period_end := astapa.apply_paid_plan_change(target);
            elsif target.organization_id is not null then
              -- A team plan for an organization (db/api/team_plans.sql): the organization's plan, not the payer's.
              period_end := astapa.apply_paid_organization_checkout(target);
            else  -- (the body below keeps its indentation, so merges with other billing work stay line-for-line)
            select * into chosen from astapa.plans as p
            where p.project_id = target.project_id and p.key = target.plan_key;
            select * into current from astapa.subscriptions as s
            where s.project_id = target.project_id and s.user_id = target.user_id and s.ended_at is null;
            -- A renewal pays for its own period; paying again for the plan one has extends from paid_through.
            -- A pay link whose period another payment bought meanwhile (both charged before either was paid)
            -- buys the next period: no rupiah is taken for nothing.
            period_start := coalesce(
              case when target.period_start is not null and current.plan_key = target.plan_key
                        and current.status in ('active', 'past_due', 'canceled')
                        and current.paid_through > target.period_start then current.paid_through
                   else target.period_start end,
              case when current.plan_key = target.plan_key and current.status in ('active', 'past_due', 'canceled')
                        and current.paid_through > pg_catalog.now() then current.paid_through
                   -- Paying for the plan one is trying keeps the trial's remaining days.
                   when current.plan_key = target.plan_key and current.status = 'trialing'
                        and current.current_period_end > pg_catalog.now() then current.current_period_end end,
              pg_catalog.now());
            period_end := case chosen.interval
              when 'month' then period_start + interval '1 month'
              when 'year' then period_start + interval '1 year' end;
            perform api.assign_plan(target.project_id, target.user_id, target.plan_key, 'payment',
              pg_catalog.tstzrange(period_start, period_end), period_end);
            -- Pay links of this plan for periods this payment covered (a trial's reminder when the plan was
            -- bought on the picker) expire while no charge was made on them; one with a charge is refused a
            -- second charge by api.record_payment and, if paid anyway, buys the next period (above).
            perform astapa.expire_covered_checkouts(target, period_end);
            end if;
            -- Every paid payment gets its numbered receipt in the same transaction (db/api/receipts.sql); an
            -- upgrade's receipt covers the rest of the period it paid for.
            perform astapa.issue_receipt(pay, coalesce(period_start, pg_catalog.now()), period_end);
            perform astapa.emit_event(ev.project_id, 'payment.succeeded', pg_catalog.jsonb_build_object(
              'checkout_id', target.public_id, 'sub', target.user_id::text, 'plan', target.plan_key,
              'method', pay.method, 'amount', pay.amount, 'paid_through', period_end));
            applied_outcome := 'paid';
          end if;
        end if;
      end if;
      perform pg_catalog.pg_notify('astapa_checkouts', target.public_id);
    end if;
    return applied_outcome;
  end
  $function$;
comment on function astapa.apply_payment_event_row(astapa.payment_events) is 'Applies one locked payment event and answers its outcome (see api.apply_payment_event); raises when it cannot. A success whose currency or amount is not the checkout''s changes nothing (currency_mismatch, amount_mismatch).';
grant execute on function astapa.apply_payment_event_row(astapa.payment_events) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.apply_refund_event(ev astapa.payment_events)
 RETURNS text
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    target astapa.refunds;
    pay astapa.payments;
    bought astapa.checkouts;
    current astapa.subscriptions;
    new_status text := case ev.provider_status when 'SUCCEEDED' then 'succeeded' when 'FAILED' then 'failed'
                         when 'CANCELLED' then 'failed' else 'pending' end;
    refunded_amount numeric;
  begin
    select * into target from astapa.refunds as r
    where r.project_id = ev.project_id and r.public_id = ev.body #>> '{data,reference_id}'
    for update;
    if not found then
      return 'unknown_refund';
    end if;
    -- Succeeded and failed are final: a duplicate, a late PENDING or a contradicting callback changes nothing.
    if target.status in ('succeeded', 'failed') or new_status = 'pending' then
      return 'no_change';
    end if;
    refunded_amount := (ev.body #>> '{data,amount}')::numeric;
    if coalesce(ev.body #>> '{data,currency}', 'IDR') <> 'IDR' then
      return 'currency_mismatch';
    end if;
    if refunded_amount is distinct from target.amount then
      return 'amount_mismatch';
    end if;
    select * into pay from astapa.payments as y where y.project_id = target.project_id and y.id = target.payment_id;
    if new_status = 'failed' then
      update astapa.refunds as r set status = 'failed', provider_id = coalesce(r.provider_id, ev.provider_id),
        failure_code = pg_catalog.left(coalesce(ev.body #>> '{data,failure_code}', 'FAILED'), 500),
        updated_at = pg_catalog.now()
      where r.project_id = target.project_id and r.id = target.id;
      return 'refund_failed';
    end if;
    update astapa.refunds as r set status = 'succeeded', provider_id = coalesce(r.provider_id, ev.provider_id),
      succeeded_at = pg_catalog.now(), updated_at = pg_catalog.now()
    where r.project_id = target.project_id and r.id = target.id;
    select * into bought from astapa.checkouts as c where c.project_id = pay.project_id and c.id = pay.checkout_id;
    -- The plan effect touches the subscription only while it is still the one this payment bought.
    select * into current from astapa.subscriptions as s
    where s.project_id = bought.project_id and s.user_id = bought.user_id and s.ended_at is null
    for update;
    if current.plan_key = bought.plan_key and current.paid_through is not null
       and current.status in ('active', 'past_due', 'canceled') then
      if target.plan_effect = 'end_now' then
        perform api.assign_plan(bought.project_id, bought.user_id, astapa.default_plan_key(bought.project_id),
          'default');
        perform astapa.expire_renewal_checkouts(bought.project_id, bought.user_id);
      elsif target.plan_effect = 'keep_to_period_end' then
        perform api.cancel_subscription(bought.project_id, bought.user_id);
        perform astapa.expire_renewal_checkouts(bought.project_id, bought.user_id);
      end if;
    end if;
    perform astapa.emit_event(ev.project_id, 'payment.refunded', pg_catalog.jsonb_build_object(
      'refund_id', target.public_id, 'checkout_id', bought.public_id, 'sub', bought.user_id::text,
      'plan', bought.plan_key, 'method', pay.method, 'amount', target.amount,
      'refunded_total', astapa.refunded_amount(pay.project_id, pay.id), 'payment_amount', pay.amount,
      'plan_effect', target.plan_effect,
      'receipt_number', (select x.number from astapa.receipts as x
                         where x.project_id = pay.project_id and x.payment_id = pay.id)));
    perform pg_catalog.pg_notify('astapa_checkouts', bought.public_id);
    return 'refunded';
  end
  $function$;
comment on function astapa.apply_refund_event(astapa.payment_events) is 'Applies one locked refund callback (data.reference_id = our refund id): SUCCEEDED marks the refund succeeded, applies its plan effect to the subscription the payment bought (end_now: default plan; keep_to_period_end: canceled at period end; unpaid renewal checkouts expire) and emits payment.refunded; FAILED frees the amount. Final states stay; a wrong amount or currency changes nothing.';
grant execute on function astapa.apply_refund_event(astapa.payment_events) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.are_valid_custom_claims(claims jsonb)
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_typeof(claims) = 'object'
      and pg_catalog.octet_length(claims::text) <= 4096
      and (select count(*) <= 50 and coalesce(bool_and(astapa.custom_claim_name_problem(k) is null), true)
           from pg_catalog.jsonb_object_keys(claims) as k)
  $function$;
comment on function astapa.are_valid_custom_claims(jsonb) is 'An object of at most 50 custom claims with allowed names, at most 4 KiB as JSON.';
grant execute on function astapa.are_valid_custom_claims(jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.are_valid_feature_flags(flags text[])
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$
    select pg_catalog.cardinality(flags) <= 50
      and pg_catalog.array_position(flags, null) is null
      and coalesce(bool_and(f ~ '^[^[:cntrl:]]{1,64}$'), true)
      and count(distinct f) = pg_catalog.cardinality(flags)
    from pg_catalog.unnest(flags) as f
  $function$;
comment on function astapa.are_valid_feature_flags(text[]) is 'At most 50 distinct feature flags, each 1–64 characters without control characters.';
grant execute on function astapa.are_valid_feature_flags(text[]) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.are_valid_plan_claims(claims jsonb)
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$
    select astapa.are_valid_custom_claims(claims - 'feature_flags')
      and case when not claims ? 'feature_flags' then true
               when pg_catalog.jsonb_typeof(claims -> 'feature_flags') <> 'array' then false
               else not exists (select from pg_catalog.jsonb_array_elements(claims -> 'feature_flags') as f
                                where pg_catalog.jsonb_typeof(f) <> 'string')
                    and astapa.are_valid_feature_flags(
                      array(select pg_catalog.jsonb_array_elements_text(claims -> 'feature_flags'))) end
  $function$;
comment on function astapa.are_valid_plan_claims(jsonb) is 'What a plan may grant: valid feature_flags and custom claims (astapa.are_valid_custom_claims).';
grant execute on function astapa.are_valid_plan_claims(jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.are_valid_redirect_uris(uris text[])
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$
    select pg_catalog.cardinality(uris) <= 50
      and pg_catalog.array_position(uris, null) is null
      and coalesce(bool_and(astapa.is_valid_redirect_uri(u)), true)
      and count(distinct u) = pg_catalog.cardinality(uris)
    from pg_catalog.unnest(uris) as u
  $function$;
comment on function astapa.are_valid_redirect_uris(text[]) is 'At most 50 distinct valid redirect URIs (see astapa.is_valid_redirect_uri).';
grant execute on function astapa.are_valid_redirect_uris(text[]) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.assert_dynamic_client_allowed(client_id text)
 RETURNS void
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  begin
    if astapa.dynamic_client_allowed(client_id) then
      return;
    end if;
    if pg_catalog.starts_with(client_id, 'dcl_') then
      raise exception 'this project does not accept dynamically registered clients' using errcode = 'AS4U0';
    end if;
    raise exception 'this project does not accept clients known by a metadata document URL' using errcode = 'AS4U0';
  end
  $function$;
comment on function astapa.assert_dynamic_client_allowed(text) is 'Raises AS4U0 (unauthorized_client) for a dynamic client (dcl_…) unless the current project''s settings.dynamic_clients is true, and for a client known by its metadata document URL unless settings.client_metadata_documents is true.';
grant execute on function astapa.assert_dynamic_client_allowed(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.assert_email(email text)
 RETURNS void
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  begin
    if email is null or pg_catalog.length(email) > 254 or email !~ '^[^@\s]+@[^@\s]+$' then
      raise exception using errcode = 'AS400', message = 'An email address looks like name@example.com.';
    end if;
  end
  $function$;
comment on function astapa.assert_email(text) is 'Raises AS400 unless the text looks like an email address.';
grant execute on function astapa.assert_email(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.assert_grant_allowed(grant_type text)
 RETURNS void
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  begin
    -- settings.grant_types, when present, lists the grants the project's client may use; absent means all.
    if exists (select from astapa.projects p
               where p.id = astapa.current_project_id() and p.settings ? 'grant_types'
                 and not (p.settings -> 'grant_types') ? grant_type) then
      raise exception 'this client may not use the % grant', grant_type using errcode = 'AS4U0';
    end if;
  end
  $function$;
comment on function astapa.assert_grant_allowed(text) is 'Raises AS4U0 (unauthorized_client) when the current project''s settings.grant_types leaves out this grant.';
grant execute on function astapa.assert_grant_allowed(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.assert_grant_target(scope text, resource text)
 RETURNS void
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    undeclared text;
  begin
    select pg_catalog.string_agg(s, ' ' order by s) into undeclared
    from pg_catalog.unnest(pg_catalog.string_to_array(coalesce(scope, ''), ' ')) as s
    where s <> '' and s not in ('openid', 'email', 'profile', 'offline_access')
      and not exists (select from astapa.scopes d
                      where d.project_id = astapa.current_project_id() and d.name = s);
    if undeclared is not null then
      raise exception 'not a scope this project declares: %', undeclared using errcode = 'AS4S0';
    end if;
    if resource is not null and not exists (
      select from astapa.resources r
      where r.project_id = astapa.current_project_id() and r.uri = assert_grant_target.resource) then
      raise exception 'the resource is not one this project registered' using errcode = 'AS4T0';
    end if;
  end
  $function$;
comment on function astapa.assert_grant_target(text,text) is 'Raises AS4S0 (invalid_scope) for a scope the current project did not declare (the OpenID user scopes are always allowed) and AS4T0 (invalid_target) for a resource it did not register. Every user grant calls it.';
grant execute on function astapa.assert_grant_target(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.assert_machine_client_fields(name text, scopes text[], resources text[], access_token_ttl integer)
 RETURNS void
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    missing text;
  begin
    if name is not null and pg_catalog.length(pg_catalog.btrim(name)) not between 1 and 100 then
      raise exception using errcode = 'AS400', message = 'A machine client name must be 1 to 100 characters.';
    end if;
    if pg_catalog.cardinality(scopes) > 50 or pg_catalog.cardinality(resources) > 50
       or pg_catalog.array_position(scopes, null) is not null
       or pg_catalog.array_position(resources, null) is not null then
      raise exception using errcode = 'AS400', message = 'A machine client has at most 50 scopes and 50 resources.';
    end if;
    select s into missing from pg_catalog.unnest(scopes) as s
    where not exists (select from astapa.scopes d where d.project_id = astapa.current_project_id() and d.name = s)
    limit 1;
    if missing is not null then
      raise exception using errcode = 'AS400', message = pg_catalog.format(
        'Scope %s is not declared for this project: declare it first.', missing);
    end if;
    select r into missing from pg_catalog.unnest(resources) as r
    where not exists (select from astapa.resources d where d.project_id = astapa.current_project_id() and d.uri = r)
    limit 1;
    if missing is not null then
      raise exception using errcode = 'AS400', message = pg_catalog.format(
        'Resource %s is not registered for this project: register it first.', missing);
    end if;
    if access_token_ttl is not null and access_token_ttl not between 300 and 86400 then
      raise exception using errcode = 'AS400', message = 'access_token_ttl must be 300 to 86400 seconds.';
    end if;
  end
  $function$;
comment on function astapa.assert_machine_client_fields(text,text[],text[],integer) is 'Raises AS400 with a readable message unless the name, scopes (declared), resources (registered) and lifetime are acceptable for the current project.';
grant execute on function astapa.assert_machine_client_fields(text,text[],text[],integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.assert_organization_keeps_an_owner(organization_id text)
 RETURNS void
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  begin
    if not exists (select from astapa.organization_memberships m
                   where m.project_id = astapa.current_project_id()
                     and m.organization_id = assert_organization_keeps_an_owner.organization_id and m.role = 'owner') then
      raise exception using errcode = 'AS409', message = 'An organization keeps at least one owner: '
        'make another member owner first (transfer the ownership), or delete the organization.';
    end if;
  end
  $function$;
comment on function astapa.assert_organization_keeps_an_owner(text) is 'AS409 when a change left the organization without an owner (its transaction then rolls back).';
grant execute on function astapa.assert_organization_keeps_an_owner(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.assert_organization_role(role text)
 RETURNS void
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  begin
    if role is null or not (role in ('owner', 'admin', 'member') or exists (
        select from astapa.organization_roles r where r.project_id = astapa.current_project_id() and r.key = role)) then
      raise exception using errcode = 'AS400', message = pg_catalog.format(
        'Role %s is neither owner, admin, member nor one this project defined.', coalesce(role, '(none)'));
    end if;
  end
  $function$;
comment on function astapa.assert_organization_role(text) is 'AS400 unless the role is built in (owner, admin, member) or defined by the current project.';
grant execute on function astapa.assert_organization_role(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.assert_organization_seat(o astapa.organizations, counting_invitations boolean)
 RETURNS void
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    taken integer;
    seats integer := astapa.organization_seat_limit(o);
  begin
    if seats is null then
      return;
    end if;
    select count(*) into taken from astapa.organization_memberships m
    where m.project_id = o.project_id and m.organization_id = o.id;
    if counting_invitations then
      taken := taken + (select count(*) from astapa.organization_invitations i
                        where i.project_id = o.project_id and i.organization_id = o.id
                          and i.accepted_at is null and i.revoked_at is null and i.expires_at > pg_catalog.now());
    end if;
    if taken >= seats then
      raise exception using errcode = 'AS409', message = pg_catalog.format(
        'Organization %s has all of its %s seats taken%s: remove a member%s or move to a plan with more seats.',
        o.name, seats, case when counting_invitations then ' (members and open invitations)' else '' end,
        case when counting_invitations then ', revoke an invitation' else '' end);
    end if;
  end
  $function$;
comment on function astapa.assert_organization_seat(astapa.organizations,boolean) is 'AS409 when the (locked) organization has no free seat: members, and open invitations when inviting.';
grant execute on function astapa.assert_organization_seat(astapa.organizations,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.assert_public_jwks(jwks jsonb)
 RETURNS void
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  begin
    if pg_catalog.jsonb_typeof(jwks) is distinct from 'object'
       or pg_catalog.jsonb_typeof(jwks -> 'keys') is distinct from 'array'
       or pg_catalog.jsonb_array_length(jwks -> 'keys') not between 1 and 5
       or pg_catalog.octet_length(jwks::text) > 8192 then
      raise exception 'jwks must be a JWK Set of 1 to 5 keys' using errcode = 'AS400';
    end if;
    -- Only public keys: a private member (d, p, q, dp, dq, qi) or a symmetric key (k) is refused.
    if exists (select from pg_catalog.jsonb_array_elements(jwks -> 'keys') as k
               where pg_catalog.jsonb_typeof(k) is distinct from 'object'
                  or k ?| array['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']
                  or coalesce(k ->> 'kty', '') not in ('RSA', 'EC', 'OKP')) then
      raise exception 'jwks must hold public RSA, EC or OKP keys only' using errcode = 'AS400';
    end if;
  end
  $function$;
comment on function astapa.assert_public_jwks(jsonb) is 'Raises AS400 unless jwks is a JWK Set of 1 to 5 public RSA, EC or OKP keys (no private or symmetric members).';
grant execute on function astapa.assert_public_jwks(jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.assert_redirect_uri(uri text)
 RETURNS void
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  begin
    if uri is null or not astapa.is_valid_redirect_uri(uri) then
      raise exception using errcode = 'AS400',
        message = pg_catalog.format('Redirect URI %s is not allowed: use an absolute https URL (http only on '
          'localhost, 127.0.0.1 or [::1]) without a fragment.', coalesce(uri, 'null'));
    end if;
  end
  $function$;
comment on function astapa.assert_redirect_uri(text) is 'Raises AS400 with a readable message for a bad redirect URI.';
grant execute on function astapa.assert_redirect_uri(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.assert_secret_hash(secret_hash bytea)
 RETURNS void
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  begin
    if secret_hash is null or pg_catalog.length(secret_hash) <> 32 then
      raise exception using errcode = 'AS400', message = 'The client secret hash must be a SHA-256 digest (32 bytes).';
    end if;
  end
  $function$;
comment on function astapa.assert_secret_hash(bytea) is 'Raises AS400 unless given a 32-byte digest.';
grant execute on function astapa.assert_secret_hash(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.assert_user_may_sign_in(user_id bigint)
 RETURNS void
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    candidate record;
  begin
    select u.disabled, u.environment, p.mode into candidate
    from astapa.users u join astapa.projects p on p.id = u.project_id
    where u.project_id = astapa.current_project_id() and u.id = user_id;
    if not found then
      raise exception 'the user no longer exists' using errcode = 'AS4G0';
    end if;
    if candidate.disabled then
      raise exception 'the user is disabled' using errcode = 'AS4G0';
    end if;
    -- Sandbox and production data never mix: once a project goes live, its sandbox users get no tokens.
    if candidate.environment <> candidate.mode then
      raise exception 'this user belongs to the project''s % data, and the project is in % mode',
        candidate.environment, candidate.mode using errcode = 'AS4G0';
    end if;
  end
  $function$;
comment on function astapa.assert_user_may_sign_in(bigint) is 'Raises AS4G0 unless the user exists, is enabled, and belongs to the environment the project is in now.';
grant execute on function astapa.assert_user_may_sign_in(bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.audit(project_id text, action text, target text, details jsonb DEFAULT '{}'::jsonb)
 RETURNS void
 LANGUAGE sql
 SET search_path TO ''
AS $function$
    insert into astapa.audit_log (project_id, actor, action, target, details)
    values (project_id, astapa.current_actor(), action, target, details)
  $function$;
comment on function astapa.audit(text,text,text,jsonb) is 'Appends one entry to the audit log as the current actor. Callers run it inside their own transaction.';
grant execute on function astapa.audit(text,text,text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.audit_user_id(target text)
 RETURNS bigint
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$ select case when target ~ '^user:[0-9]{1,18}$' then pg_catalog.substr(target, 6)::bigint end $function$;
comment on function astapa.audit_user_id(text) is 'The user an audit target names (user:<id>), or null.';
grant execute on function astapa.audit_user_id(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.branding_problem(value jsonb)
 RETURNS text
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  declare
    field text;
    item jsonb;
    text_value text;
    contrast numeric;
  begin
    if pg_catalog.jsonb_typeof(value) <> 'object' then
      return 'branding must be an object: display_name, primary_color, theme, terms_url, privacy_url, '
        'support_email.';
    end if;
    for field, item in select e.key, e.value from pg_catalog.jsonb_each(value) as e loop
      continue when item = 'null'::jsonb; -- null removes the key: the default applies again
      if field = 'logo' then
        return 'branding.logo is set by uploading an image, not as a setting.';
      end if;
      if field not in ('display_name', 'primary_color', 'theme', 'terms_url', 'privacy_url', 'support_email') then
        return pg_catalog.format('branding.%s is not a branding setting.', field);
      end if;
      if pg_catalog.jsonb_typeof(item) <> 'string' then
        return pg_catalog.format('branding.%s must be a string.', field);
      end if;
      text_value := item #>> '{}';
      case field
      when 'display_name' then
        if pg_catalog.btrim(text_value) = '' or text_value ~ '[[:cntrl:]]' or pg_catalog.length(text_value) > 80 then
          return 'branding.display_name must be one line of 1 to 80 characters.';
        end if;
      when 'primary_color' then
        contrast := astapa.contrast_with_white(text_value);
        if contrast is null then
          return 'branding.primary_color must be a colour written #rrggbb, e.g. #1d4ed8.';
        end if;
        if contrast < 4.5 then
          return pg_catalog.format('branding.primary_color %s is too light: white text on it has a contrast of '
            '%s:1, and WCAG AA needs at least 4.5:1. Choose a darker colour.', text_value, contrast);
        end if;
      when 'theme' then
        if text_value not in ('light', 'dark', 'auto') then
          return 'branding.theme must be light, dark or auto (the visitor''s system setting).';
        end if;
      when 'terms_url', 'privacy_url' then
        if pg_catalog.length(text_value) > 500
           or text_value !~* '^https?://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?([/?#][^[:space:][:cntrl:]<>"]*)?$' then
          return pg_catalog.format('branding.%s must be an http(s) address of at most 500 characters, e.g. '
            'https://example.com/%s.', field, case field when 'terms_url' then 'terms' else 'privacy' end);
        end if;
      when 'support_email' then
        if pg_catalog.length(text_value) > 254
           or text_value !~* '^[^[:space:][:cntrl:]@<>",;:()\[\]\\]+@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$' then
          return 'branding.support_email must be one email address, e.g. support@example.com.';
        end if;
      end case;
    end loop;
    return null;
  end
  $function$;
comment on function astapa.branding_problem(jsonb) is 'A readable reason settings.branding is refused, or null: display_name (1–80 characters, one line), primary_color (#rrggbb on which white text passes WCAG AA, 4.5:1), theme (light, dark, auto), terms_url and privacy_url (http or https), support_email. The logo is not a setting (api.set_project_logo).';
grant execute on function astapa.branding_problem(jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.can_take_live_payments(project_id text)
 RETURNS boolean
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.current_setting('astapa.deployment_live_xendit', true), '') = 'on'
      or exists (select from astapa.xendit_keys as k
                 where k.project_id = can_take_live_payments.project_id and k.environment = 'production')
  $function$;
comment on function astapa.can_take_live_payments(text) is 'True when the project has its own live Xendit keys, or the caller says the deployment has default live keys (astapa.deployment_live_xendit = on).';
grant execute on function astapa.can_take_live_payments(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.carry_coupon(target astapa.checkouts)
 RETURNS astapa.checkouts
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    carried astapa.coupons;
    discount bigint;
  begin
    -- The user's latest paid redemption of a repeating or forever coupon valid for this plan, with periods left
    -- (each paid checkout carrying it is one period).
    select c.* into carried
    from astapa.coupon_redemptions as r
    join astapa.coupons as c on c.project_id = r.project_id and c.code = r.coupon_code
    join astapa.checkouts as k on k.project_id = r.project_id and k.id = r.checkout_id and k.status = 'paid'
    where r.project_id = target.project_id and r.user_id = target.user_id
      and c.duration in ('repeating', 'forever')
      and (c.plan_keys is null or target.plan_key = any (c.plan_keys))
      and (c.duration = 'forever' or (select pg_catalog.count(*) from astapa.checkouts as x
                                      where x.project_id = r.project_id and x.user_id = r.user_id
                                        and x.coupon_code = c.code and x.status = 'paid') < c.duration_periods)
    order by r.created_at desc
    limit 1;
    if not found then
      return target;
    end if;
    discount := astapa.coupon_discount(carried, target.amount + target.discount_idr);
    if target.amount + target.discount_idr - discount < 1 then
      return target;
    end if;
    update astapa.checkouts as k
    set amount = k.amount + k.discount_idr - discount, coupon_code = carried.code, discount_idr = discount,
        updated_at = pg_catalog.now()
    where k.project_id = target.project_id and k.id = target.id
    returning * into target;
    return target;
  end
  $function$;
comment on function astapa.carry_coupon(astapa.checkouts) is 'A renewal checkout keeps the user''s repeating coupon (while periods are left) or forever coupon, without a new redemption; returns the (maybe discounted) checkout.';
grant execute on function astapa.carry_coupon(astapa.checkouts) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.checkout_json(c astapa.checkouts)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'checkout_id', c.public_id, 'sub', c.user_id::text, 'plan', c.plan_key,
      'plan_name', (select p.name from astapa.plans as p where p.project_id = c.project_id and p.key = c.plan_key),
      'interval', (select p.interval from astapa.plans as p where p.project_id = c.project_id and p.key = c.plan_key),
      'amount', c.amount, 'currency', c.currency, 'status', c.status, 'method', c.method, 'bank', c.bank,
      'coupon_code', c.coupon_code, 'discount_idr', c.discount_idr,
      'buyer_name', c.buyer_name, 'buyer_tax_id', c.buyer_tax_id,
      'xendit_account', c.xendit_account, 'environment', c.environment, 'period_start', c.period_start,
      'success_url', c.success_url, 'failure_url', c.failure_url, 'expires_at', c.expires_at,
      'paid_at', c.paid_at, 'created_at', c.created_at,
      'organization', (select pg_catalog.jsonb_build_object('id', o.id, 'name', o.name, 'seats', c.seats,
                         'seats_from', c.seats_from)
                       from astapa.organizations as o
                       where o.project_id = c.project_id and o.id = c.organization_id),
      'payment', (select pg_catalog.jsonb_build_object('kind', y.kind, 'provider_id', y.provider_id,
                    'method', y.method, 'bank', y.bank, 'status', y.status, 'details', y.details,
                    'expires_at', y.expires_at, 'paid_at', y.paid_at)
                  from astapa.payments as y
                  where y.project_id = c.project_id and y.checkout_id = c.id
                  order by (y.status = 'paid') desc, y.id desc limit 1))
  $function$;
comment on function astapa.checkout_json(astapa.checkouts) is 'A checkout as the API and the checkout page show it, with its latest (or paid) payment and, for a team plan, its organization {id, name, seats, seats_from}.';
grant execute on function astapa.checkout_json(astapa.checkouts) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.claims_problem(claims jsonb)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO ''
AS $function$
    select case
      when pg_catalog.jsonb_typeof(claims) is distinct from 'object' then
        'Claims must be a JSON object with any of: plan, role, feature_flags, extra.'
      when exists (select from pg_catalog.jsonb_object_keys(claims) as k
                   where k not in ('plan', 'role', 'feature_flags', 'extra')) then
        'Unknown claim: only plan, role, feature_flags and extra can be set.'
      when claims ? 'plan' and pg_catalog.jsonb_typeof(claims -> 'plan') <> 'null'
           and (pg_catalog.jsonb_typeof(claims -> 'plan') <> 'string' or claims ->> 'plan' !~ '^[a-z0-9_-]{1,64}$') then
        'plan must be null or 1 to 64 characters of a-z, 0-9, _ and -.'
      when claims ? 'role' and pg_catalog.jsonb_typeof(claims -> 'role') <> 'null'
           and (pg_catalog.jsonb_typeof(claims -> 'role') <> 'string' or claims ->> 'role' !~ '^[^[:cntrl:]]{1,64}$') then
        'role must be null or a string of 1 to 64 characters.'
      when claims ? 'feature_flags' and (pg_catalog.jsonb_typeof(claims -> 'feature_flags') <> 'array'
           or exists (select from pg_catalog.jsonb_array_elements(claims -> 'feature_flags') as f
                      where pg_catalog.jsonb_typeof(f) <> 'string')
           or not astapa.are_valid_feature_flags(array(
                select pg_catalog.jsonb_array_elements_text(claims -> 'feature_flags')))) then
        'feature_flags must be an array of at most 50 distinct strings of 1 to 64 characters.'
      when claims ? 'extra' and (pg_catalog.jsonb_typeof(claims -> 'extra') <> 'object'
           or pg_catalog.octet_length((claims -> 'extra')::text) > 4096) then
        'extra must be a JSON object of at most 4 KiB.'
    end
  $function$;
comment on function astapa.claims_problem(jsonb) is 'Why a claims update is invalid, in words, or null when it is valid. The table''s checks back it up.';
grant execute on function astapa.claims_problem(jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.claims_problems(claims jsonb, for_plan boolean)
 RETURNS jsonb
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  declare
    problems jsonb := '{}';
    key text;
    value jsonb;
    custom jsonb := '{}';
  begin
    if pg_catalog.jsonb_typeof(claims) is distinct from 'object' then
      return '{"claims": ["Claims must be a JSON object."]}';
    end if;
    for key, value in select * from pg_catalog.jsonb_each(claims) loop
      if key = 'plan' and for_plan then
        problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
          'A plan cannot grant a plan.'));
      elsif key = 'plan' then
        if pg_catalog.jsonb_typeof(value) <> 'null'
           and (pg_catalog.jsonb_typeof(value) <> 'string' or value #>> '{}' !~ '^[a-z0-9_-]{1,64}$') then
          problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
            'plan must be null or the key of one of the project''s plans (a-z, 0-9, _ and -).'));
        end if;
      elsif key = 'role' and for_plan then
        problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
          'A plan cannot grant a role; set roles per user.'));
      elsif key = 'role' then
        if pg_catalog.jsonb_typeof(value) <> 'null'
           and (pg_catalog.jsonb_typeof(value) <> 'string' or value #>> '{}' !~ '^[^[:cntrl:]]{1,64}$') then
          problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
            'role must be null or a string of 1 to 64 characters.'));
        end if;
      elsif key = 'feature_flags' then
        if pg_catalog.jsonb_typeof(value) <> 'array'
           or exists (select from pg_catalog.jsonb_array_elements(value) as f where pg_catalog.jsonb_typeof(f) <> 'string')
           or not astapa.are_valid_feature_flags(array(select pg_catalog.jsonb_array_elements_text(value))) then
          problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
            'feature_flags must be an array of at most 50 distinct strings of 1 to 64 characters.'));
        end if;
      elsif astapa.custom_claim_name_problem(key) is not null then
        problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
          astapa.custom_claim_name_problem(key)));
      else
        custom := custom || pg_catalog.jsonb_build_object(key, value);
      end if;
    end loop;
    if (select count(*) from pg_catalog.jsonb_object_keys(custom)) > 50
       or pg_catalog.octet_length(custom::text) > 4096 then
      problems := problems || '{"claims": ["Custom claims are limited to 50 keys and 4 KiB of JSON."]}';
    end if;
    return nullif(problems, '{}');
  end
  $function$;
comment on function astapa.claims_problems(jsonb,boolean) is 'Field → list of problems for claims sent by a caller (a plan''s grants when for_plan, else a user patch), or null when they are valid. Callers raise AS400 with the result as DETAIL, which the API returns as fields.';
grant execute on function astapa.claims_problems(jsonb,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.clamp_setting(settings jsonb, key text)
 RETURNS integer
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$
    select least(greatest(coalesce(astapa.setting_seconds(settings, key), (l ->> 'default')::integer),
                          (l ->> 'min')::integer), (l ->> 'max')::integer)
    from (select astapa.token_lifetime_limits() -> key as l) as limits
  $function$;
comment on function astapa.clamp_setting(jsonb,text) is 'A token lifetime setting in seconds: its default when absent, clamped to its bounds.';
grant execute on function astapa.clamp_setting(jsonb,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.client_lockout_wait(buckets jsonb)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    entry jsonb;
    wait integer;
  begin
    if pg_catalog.jsonb_typeof(buckets) is distinct from 'array' or exists (
      select from pg_catalog.jsonb_array_elements(buckets) as b(value)
      where pg_catalog.jsonb_typeof(b.value -> 'name') is distinct from 'string'
         or pg_catalog.jsonb_typeof(b.value -> 'max') is distinct from 'number'
         or pg_catalog.jsonb_typeof(b.value -> 'window_seconds') is distinct from 'number'
         or pg_catalog.jsonb_typeof(b.value -> 'spare_if_clean') not in ('string', 'null')) then
      raise exception 'buckets must be an array of {name, max, window_seconds, spare_if_clean?}'
        using errcode = 'AS400';
    end if;
    for entry in select b.value from pg_catalog.jsonb_array_elements(buckets) as b(value) loop
      wait := api.rate_limit_wait(entry ->> 'name', (entry ->> 'max')::integer);
      if wait > 0 and entry ->> 'spare_if_clean' is not null and not exists (
        select from astapa.rate_limits r
        where r.bucket = entry ->> 'spare_if_clean' and r.hits > 0
          and r.window_start + pg_catalog.make_interval(secs => r.window_seconds) > pg_catalog.now()) then
        wait := 0;
      end if;
      if wait > 0 then
        return wait;
      end if;
    end loop;
    return 0;
  end
  $function$;
comment on function astapa.client_lockout_wait(jsonb) is 'Seconds to wait before the first locked bucket of [{name, max, window_seconds, spare_if_clean?}] allows another attempt; 0 when none is locked. A locked bucket naming spare_if_clean does not lock a caller whose bucket of that name holds no failure in its window. AS400 for malformed buckets.';
grant execute on function astapa.client_lockout_wait(jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.close_open_plan_change(project_id text, user_id bigint)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    open_change astapa.plan_changes;
  begin
    select * into open_change from astapa.plan_changes as c
    where c.project_id = close_open_plan_change.project_id and c.user_id = close_open_plan_change.user_id
      and c.status in ('awaiting_payment', 'scheduled')
    for update;
    if not found then
      return null;
    end if;
    -- An upgrade whose charge is under way cannot be withdrawn: the money may already be moving.
    if exists (select from astapa.checkouts as k
               where k.project_id = open_change.project_id and k.plan_change_id = open_change.id
                 and k.status in ('pending', 'paid')) then
      raise exception using errcode = 'AS409',
        message = 'A plan change is waiting for its payment; it can be changed once that payment succeeds or expires.';
    end if;
    update astapa.plan_changes as c set status = 'canceled', resolved_at = pg_catalog.now()
    where c.project_id = open_change.project_id and c.id = open_change.id;
    update astapa.checkouts as k set status = 'expired', updated_at = pg_catalog.now()
    where k.project_id = open_change.project_id and k.plan_change_id = open_change.id and k.status = 'open';
    if open_change.kind = 'scheduled' then
      perform astapa.expire_open_renewal_checkouts(project_id, user_id);
    end if;
    return open_change.id;
  end
  $function$;
comment on function astapa.close_open_plan_change(text,bigint) is 'Cancels a user''s open plan change (its unpaid checkout expires) and answers its id, or null when none is open. AS409 when its charge is under way.';
grant execute on function astapa.close_open_plan_change(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.contrast_with_white(color text)
 RETURNS numeric
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  declare
    channel numeric;
    luminance numeric := 0;
    weights numeric[] := array[0.2126, 0.7152, 0.0722];
  begin
    if color is null or color !~ '^#[0-9a-fA-F]{6}$' then
      return null;
    end if;
    -- WCAG 2.2 relative luminance of sRGB, then (L1 + 0.05) / (L2 + 0.05) with white (L = 1) as the lighter.
    for i in 1..3 loop
      channel := ('x' || pg_catalog.substr(color, 2 * i, 2))::bit(8)::integer / 255.0;
      channel := case when channel <= 0.04045 then channel / 12.92
                 else pg_catalog.power((channel + 0.055) / 1.055, 2.4) end;
      luminance := luminance + weights[i] * channel;
    end loop;
    return pg_catalog.round(1.05 / (luminance + 0.05), 2);
  end
  $function$;
comment on function astapa.contrast_with_white(text) is 'The WCAG 2.2 contrast ratio of white text on a #rrggbb colour (1 to 21, rounded to 2 places), or null for anything that is not #rrggbb.';
grant execute on function astapa.contrast_with_white(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.count_client_failure(buckets jsonb)
 RETURNS void
 LANGUAGE sql
 SET search_path TO ''
AS $function$
    -- Every instance's client-credential cache stops answering for these buckets (lib/oauth/verified_clients.ts):
    -- the payload is the bucket's name, the key of its astapa.rate_limits row.
    select api.rate_limit_hit(b.value ->> 'name', (b.value ->> 'max')::integer, (b.value ->> 'window_seconds')::integer),
           pg_catalog.pg_notify('astapa_client_failures', b.value ->> 'name')
    from pg_catalog.jsonb_array_elements(buckets) as b(value)
  $function$;
comment on function astapa.count_client_failure(jsonb) is 'Counts one failed client authentication in every bucket and announces each bucket on NOTIFY astapa_client_failures (payload: the bucket name), so no instance answers those buckets from its cache.';
grant execute on function astapa.count_client_failure(jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.coupon_discount(c astapa.coupons, list_price bigint)
 RETURNS bigint
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO ''
AS $function$
    -- Rounded down: the customer never pays less than the coupon says, nor is a rupiah invented.
    select case when c.percent_off is not null then list_price * c.percent_off / 100
                else least(c.amount_off_idr, list_price) end
  $function$;
comment on function astapa.coupon_discount(astapa.coupons,bigint) is 'Rupiah a coupon takes off list_price: percent_off of it rounded down, or amount_off_idr (at most the price).';
grant execute on function astapa.coupon_discount(astapa.coupons,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.coupon_json(c astapa.coupons)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'code', c.code, 'percent_off', c.percent_off, 'amount_off_idr', c.amount_off_idr, 'duration', c.duration,
      'duration_periods', c.duration_periods, 'max_redemptions', c.max_redemptions, 'plans', c.plan_keys,
      'expires_at', c.expires_at, 'disabled', c.disabled_at is not null, 'disabled_at', c.disabled_at,
      'created_at', c.created_at, 'redemptions', astapa.coupon_redemption_count(c.project_id, c.code),
      'paid_redemptions', (select pg_catalog.count(*)::integer from astapa.coupon_redemptions as r
                           join astapa.checkouts as k on k.project_id = r.project_id and k.id = r.checkout_id
                           where r.project_id = c.project_id and r.coupon_code = c.code and k.status = 'paid'))
  $function$;
comment on function astapa.coupon_json(astapa.coupons) is 'A coupon as the API and dashboard show it, with its counted and its paid redemptions.';
grant execute on function astapa.coupon_json(astapa.coupons) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.coupon_problems(coupon jsonb)
 RETURNS jsonb
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  declare
    problems jsonb := '{}';
    key text;
    value jsonb;
    problem text;
  begin
    if pg_catalog.jsonb_typeof(coupon) is distinct from 'object' then
      return '{"coupon": ["A coupon is a JSON object."]}';
    end if;
    if not coupon ? 'code' then
      problems := problems || '{"code": ["code is required."]}';
    end if;
    if (coupon ? 'percent_off') = (coupon ? 'amount_off_idr') then
      problems := problems || '{"percent_off": ["Give exactly one of percent_off and amount_off_idr."]}';
    end if;
    if (coupon ->> 'duration' = 'repeating') <> (coupon ? 'duration_periods') then
      problems := problems || '{"duration_periods": ["duration_periods goes with duration repeating, and only with it."]}';
    end if;
    for key, value in select * from pg_catalog.jsonb_each(coupon) loop
      problem := case
        when key not in ('code', 'percent_off', 'amount_off_idr', 'duration', 'duration_periods', 'max_redemptions',
                         'plans', 'expires_at') then pg_catalog.format('Unknown field %s.', key)
        when key = 'code' and (pg_catalog.jsonb_typeof(value) <> 'string'
                               or pg_catalog.upper(value #>> '{}') !~ '^[A-Z0-9_-]{3,40}$') then
          'code must be 3 to 40 characters of A-Z, 0-9, _ and - (case does not matter).'
        when key = 'percent_off' and not astapa.is_whole_number(value, 1, 99) then
          'percent_off must be a whole number from 1 to 99.'
        when key = 'amount_off_idr' and not astapa.is_whole_number(value, 1, 1000000000000) then
          'amount_off_idr must be a whole number of rupiah from 1 to 1,000,000,000,000.'
        when key = 'duration' and (pg_catalog.jsonb_typeof(value) <> 'string'
                                   or value #>> '{}' not in ('once', 'repeating', 'forever')) then
          'duration must be once, repeating or forever.'
        when key = 'duration_periods' and not astapa.is_whole_number(value, 1, 120) then
          'duration_periods must be a whole number from 1 to 120.'
        when key = 'max_redemptions' and value <> 'null' and not astapa.is_whole_number(value, 1, 1000000000) then
          'max_redemptions must be a whole number from 1, or null.'
        when key = 'plans' and value <> 'null' and (pg_catalog.jsonb_typeof(value) <> 'array'
               or pg_catalog.jsonb_array_length(value) not between 1 and 100
               or exists (select from pg_catalog.jsonb_array_elements(value) as p
                          where pg_catalog.jsonb_typeof(p) <> 'string' or p #>> '{}' !~ '^[a-z0-9_-]{1,64}$')) then
          'plans must be null or a list of 1 to 100 plan keys.'
        when key = 'expires_at' and value <> 'null' and (pg_catalog.jsonb_typeof(value) <> 'string'
               or value #>> '{}' !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$') then
          'expires_at must be null or an ISO 8601 time with a zone, e.g. 2030-01-31T23:59:59Z.'
      end;
      if problem is not null then
        problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(problem));
      end if;
    end loop;
    return nullif(problems, '{}');
  end
  $function$;
comment on function astapa.coupon_problems(jsonb) is 'Field → problems for a coupon to create; null when valid.';
grant execute on function astapa.coupon_problems(jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.coupon_redemption_count(project_id text, code text)
 RETURNS integer
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.count(*)::integer
    from astapa.coupon_redemptions as r
    join astapa.checkouts as c on c.project_id = r.project_id and c.id = r.checkout_id
    where r.project_id = coupon_redemption_count.project_id and r.coupon_code = coupon_redemption_count.code
      and c.status <> 'expired'
  $function$;
comment on function astapa.coupon_redemption_count(text,text) is 'Redemptions that count towards a coupon''s max_redemptions: those whose checkout did not expire unpaid.';
grant execute on function astapa.coupon_redemption_count(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.create_free_plan()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    insert into astapa.plans (project_id, key, name, price_idr, interval, is_default)
    values (new.id, 'free', 'Free', 0, 'month', true);
    return null;
  end
  $function$;
comment on function astapa.create_free_plan() is 'Trigger: gives a new project its default plan, free.';
grant execute on function astapa.create_free_plan() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.current_actor()
 RETURNS text
 LANGUAGE sql
 STABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$ select coalesce(nullif(pg_catalog.current_setting('astapa.actor', true), ''), 'app') $function$;
comment on function astapa.current_actor() is 'Who the transaction acts as, for the audit log: the transaction-local setting astapa.actor (e.g. cli, account:12), or app when unset.';
grant execute on function astapa.current_actor() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.current_client_kind()
 RETURNS text
 LANGUAGE sql
 STABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$ select nullif(pg_catalog.current_setting('astapa.client_kind', true), '') $function$;
comment on function astapa.current_client_kind() is 'The kind of OAuth client the transaction acts for (project, machine, dynamic), from the transaction-local setting astapa.client_kind; null when no client authenticated (dashboard, CLI, hosted login, workers).';
grant execute on function astapa.current_client_kind() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.current_project_id()
 RETURNS text
 LANGUAGE sql
 STABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$ select nullif(pg_catalog.current_setting('astapa.project_id', true), '') $function$;
comment on function astapa.current_project_id() is 'The project the current transaction acts for, or null when none is set (tenant tables then show no rows). Policies call it as (select astapa.current_project_id()) so Postgres evaluates it once per statement.';
grant execute on function astapa.current_project_id() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.custom_claim_name_problem(name text)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$
    select case
      when pg_catalog.lower(name) = any (astapa.reserved_claim_names()) then
        pg_catalog.format('%s is a reserved claim name; pick another name for a custom claim.', name)
      when name !~ '^[A-Za-z_][A-Za-z0-9_]{0,63}$' then
        'Custom claim names are 1 to 64 letters, digits and _, not starting with a digit.'
    end
  $function$;
comment on function astapa.custom_claim_name_problem(text) is 'Why a name cannot be a custom claim, in words, or null when it can.';
grant execute on function astapa.custom_claim_name_problem(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.dashboard_payment_json(c astapa.checkouts)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'id', c.id::text, 'checkout_id', c.public_id, 'status', c.status, 'method', c.method, 'bank', c.bank,
      'amount', c.amount, 'currency', c.currency, 'sub', c.user_id::text,
      'email', (select u.email from astapa.users as u where u.project_id = c.project_id and u.id = c.user_id),
      'plan', c.plan_key,
      'plan_name', (select p.name from astapa.plans as p where p.project_id = c.project_id and p.key = c.plan_key),
      'environment', c.environment, 'created_at', c.created_at, 'paid_at', c.paid_at)
  $function$;
comment on function astapa.dashboard_payment_json(astapa.checkouts) is 'A checkout as a row of the dashboard''s payments list (with the user''s email and the plan''s name).';
grant execute on function astapa.dashboard_payment_json(astapa.checkouts) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.default_plan_key(project_id text)
 RETURNS text
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(
      (select p.key from astapa.plans as p where p.project_id = default_plan_key.project_id and p.is_default),
      'free')
  $function$;
comment on function astapa.default_plan_key(text) is 'The key of the project''s default plan (free for a project older than plans that has none).';
grant execute on function astapa.default_plan_key(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.digits_only(value text)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$ select nullif(pg_catalog.regexp_replace(pg_catalog.btrim(value), '[\s.\-]', '', 'g'), '') $function$;
comment on function astapa.digits_only(text) is 'An NPWP or NIK as people write it (12.345.678.9-012.345) without the dots, dashes and spaces; null if empty.';
grant execute on function astapa.digits_only(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.domain_join_mode()
 RETURNS text
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce((select case when p.settings ->> 'organization_domain_join' in ('suggest', 'automatic')
                                 then p.settings ->> 'organization_domain_join' end
                     from astapa.projects p where p.id = astapa.current_project_id()), 'off')
  $function$;
comment on function astapa.domain_join_mode() is 'The current project''s organization_domain_join setting: off (default), suggest (people at a verified domain may join its organization) or automatic (they are joined when they sign in with a verified address).';
grant execute on function astapa.domain_join_mode() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.domain_organizations(user_id bigint)
 RETURNS SETOF text
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select d.organization_id from astapa.users u
    join astapa.organization_domains d on d.project_id = u.project_id and d.verified_at is not null
      and d.domain = pg_catalog.lower(pg_catalog.split_part(u.email, '@', 2))
    where u.project_id = astapa.current_project_id() and u.id = user_id and u.email_verified
      and astapa.domain_join_mode() <> 'off'
      and not exists (select from astapa.organization_memberships m where m.project_id = u.project_id
                        and m.organization_id = d.organization_id and m.user_id = u.id)
  $function$;
comment on function astapa.domain_organizations(bigint) is 'Organizations a user is not a member of whose verified domain is their verified address''s (none while the project''s organization_domain_join is off).';
grant execute on function astapa.domain_organizations(bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.dynamic_client_allowed(client_id text)
 RETURNS boolean
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select case
      when pg_catalog.starts_with(client_id, 'dcl_') then exists (
        select from astapa.projects p
        where p.id = astapa.current_project_id() and p.settings -> 'dynamic_clients' = 'true'::jsonb)
      when astapa.is_metadata_document_client_id(client_id) then exists (
        select from astapa.projects p
        where p.id = astapa.current_project_id() and p.settings -> 'client_metadata_documents' = 'true'::jsonb)
      else true
    end
  $function$;
comment on function astapa.dynamic_client_allowed(text) is 'Whether the current project accepts this client''s kind: a dynamic client (dcl_…) only while settings.dynamic_clients is true, a client known by its metadata document URL only while settings.client_metadata_documents is true; every other client id is true.';
grant execute on function astapa.dynamic_client_allowed(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.email_code_sign_up()
 RETURNS boolean
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce((select p.settings -> 'email_code_sign_up' = 'true'::jsonb
                     from astapa.projects p where p.id = astapa.current_project_id()), false)
  $function$;
comment on function astapa.email_code_sign_up() is 'Whether the current project lets an email code create an account (settings.email_code_sign_up).';
grant execute on function astapa.email_code_sign_up() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.emit_event(project_id text, type text, data jsonb)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    new_id bigint;
  begin
    insert into astapa.events (project_id, type, data) values (project_id, type, data) returning id into new_id;
    -- Delivered at commit, and not at all on rollback: listeners never hear of an event that did not happen.
    perform pg_catalog.pg_notify('astapa_events', new_id::text);
    return new_id;
  end
  $function$;
comment on function astapa.emit_event(text,text,jsonb) is 'Records an event and notifies astapa_events with its id. Called inside the transaction that made the change.';
grant execute on function astapa.emit_event(text,text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.emit_membership(type text, m astapa.organization_memberships, reason text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    -- One literal per type, so tests/sql/event_types_test.ts sees every type this file emits.
    case type
      when 'membership.created' then
        perform astapa.emit_event(m.project_id, 'membership.created', pg_catalog.jsonb_build_object(
          'membership', astapa.membership_json(m), 'reason', reason));
      when 'membership.updated' then
        perform astapa.emit_event(m.project_id, 'membership.updated', pg_catalog.jsonb_build_object(
          'membership', astapa.membership_json(m), 'reason', reason));
      else
        perform astapa.emit_event(m.project_id, 'membership.deleted', pg_catalog.jsonb_build_object(
          'membership', astapa.membership_json(m), 'reason', reason));
    end case;
    perform astapa.audit(m.project_id, type, m.organization_id,
      pg_catalog.jsonb_build_object('user_id', m.user_id::text, 'role', m.role, 'reason', reason));
  end
  $function$;
comment on function astapa.emit_membership(text,astapa.organization_memberships,text) is 'Emits membership.created|updated|deleted for a membership and audits it with the reason (added, invitation, domain, role, transfer, removed, left).';
grant execute on function astapa.emit_membership(text,astapa.organization_memberships,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.emit_user_created()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    perform astapa.emit_event(new.project_id, 'user.created',
      pg_catalog.jsonb_build_object('user', astapa.user_json(new.project_id, new.id)));
    return null;
  end
  $function$;
comment on function astapa.emit_user_created() is 'Trigger: every new user is a user.created event.';
grant execute on function astapa.emit_user_created() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.erase_user(user_id bigint)
 RETURNS boolean
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    deleted timestamptz;
    former text;
    user_environment text;
    placeholder text := 'deleted-' || erase_user.user_id || '@deleted.invalid';
    m astapa.organization_memberships;
  begin
    select u.deleted_at, u.email_lower, u.environment into deleted, former, user_environment from astapa.users u
    where u.project_id = project and u.id = erase_user.user_id for update;
    if not found or deleted is not null then
      return false; -- deleted already (or never here): a second deletion changes nothing
    end if;
    perform astapa.emit_event(project, 'user.deleted', pg_catalog.jsonb_build_object(
      'user', pg_catalog.jsonb_build_object('id', user_id::text, 'deleted_at', pg_catalog.now())));
    -- The row stays as a tombstone (payments, receipts and the audit keep its id); nothing personal remains.
    update astapa.users u set email = placeholder, email_verified = false,
      phone_number = null, phone_number_verified = false,
      password_hash = null, disabled = true, external_id = null, deleted_at = pg_catalog.now()
    where u.project_id = project and u.id = erase_user.user_id;
    -- Memberships end as if the person left (membership.deleted, reason account_deleted), without the
    -- last-owner check: an organization whose only owner this was keeps its members, and an admin names one.
    for m in select * from astapa.organization_memberships x
             where x.project_id = project and x.user_id = erase_user.user_id for update loop
      delete from astapa.organization_memberships x
      where x.project_id = m.project_id and x.organization_id = m.organization_id and x.user_id = m.user_id;
      perform astapa.emit_membership('membership.deleted', m, 'account_deleted');
    end loop;
    delete from astapa.passkeys k where k.project_id = project and k.user_id = erase_user.user_id;
    update astapa.email_codes e set used_at = pg_catalog.now()
    where e.project_id = project and e.user_id = erase_user.user_id and e.used_at is null;
    delete from astapa.consents c where c.project_id = project and c.user_id = erase_user.user_id;
    delete from astapa.identities i where i.project_id = project and i.user_id = erase_user.user_id;
    delete from astapa.user_factors f where f.project_id = project and f.user_id = erase_user.user_id;
    delete from astapa.recovery_codes r where r.project_id = project and r.user_id = erase_user.user_id;
    delete from astapa.email_changes e where e.project_id = project and e.user_id = erase_user.user_id;
    update astapa.user_claims c set extra = '{}', role = null, feature_flags = '{}', updated_at = pg_catalog.now()
    where c.project_id = project and c.user_id = erase_user.user_id;
    update astapa.login_sessions s set ended_at = coalesce(s.ended_at, pg_catalog.now()), user_agent = null
    where s.project_id = project and s.user_id = erase_user.user_id;
    perform api.revoke_user_refresh_tokens(user_id, 'user_disabled');
    update astapa.email_tokens t set used_at = pg_catalog.now()
    where t.project_id = project and t.user_id = erase_user.user_id and t.used_at is null;
    update astapa.remembered_browsers b set revoked_at = pg_catalog.now()
    where b.project_id = project and b.user_id = erase_user.user_id and b.revoked_at is null;
    update astapa.checkouts c set buyer_name = null, buyer_tax_id = null
    where c.project_id = project and c.user_id = erase_user.user_id
      and (c.buyer_name is not null or c.buyer_tax_id is not null);
    update astapa.subscriptions s set status = 'canceled', ended_at = pg_catalog.now()
    where s.project_id = project and s.user_id = erase_user.user_id and s.ended_at is null;
    -- The outbox forgets the address too: only the pseudonymous placeholder stays. Mail not sent yet is
    -- dropped (nobody to send it to), except the goodbye queued in this transaction, which still goes out
    -- and loses its address once delivered (api.mail_delivered).
    if former is not null then
      update astapa.mail_outbox o
      set to_address = placeholder,
          attempts = case when o.sent_at is null then 8 else o.attempts end,
          last_error = case when o.sent_at is null then 'not sent: the account was deleted' else o.last_error end,
          body_text = case when o.sent_at is null then '(erased: the account was deleted)' else o.body_text end,
          body_html = null
      where o.project_id = project and pg_catalog.lower(o.to_address) = former
        and (o.environment is null or o.environment = user_environment)
        and not (o.sent_at is null and o.kind = 'account_deleted' and o.created_at = pg_catalog.now());
    end if;
    perform astapa.audit(project, 'user.deleted', 'user:' || user_id, pg_catalog.jsonb_build_object('by', 'user'));
    return true;
  end
  $function$;
comment on function astapa.erase_user(bigint) is 'Erases a user of the current project, once: emits user.deleted, keeps the users row as a pseudonymous tombstone (deleted_at, a placeholder address, no phone number) and removes or blanks identities, factors, passkeys, recovery codes, email codes, consents, organization memberships (membership.deleted), claims, sessions, refresh tokens, mailed links, remembered browsers, buyer names, the address on its outbox mail (unsent mail is dropped, but for the goodbye queued with the deletion), and ends subscriptions. False when already deleted.';
grant execute on function astapa.erase_user(bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.expire_covered_checkouts(paid astapa.checkouts, paid_through timestamp with time zone)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    expired_id text;
  begin
    for expired_id in
      update astapa.checkouts as c set status = 'expired', updated_at = pg_catalog.now()
      where c.project_id = paid.project_id and c.user_id = paid.user_id and c.id <> paid.id
        and c.plan_key = paid.plan_key and c.status = 'open' and c.period_start is not null
        and c.period_start < paid_through
      returning c.public_id
    loop
      perform pg_catalog.pg_notify('astapa_checkouts', expired_id);
    end loop;
  end
  $function$;
comment on function astapa.expire_covered_checkouts(astapa.checkouts,timestamp with time zone) is 'Expires a user''s open pay links (no charge yet) of the plan a payment just bought, for periods starting before what it paid through: they would charge a second time for a period already paid.';
grant execute on function astapa.expire_covered_checkouts(astapa.checkouts,timestamp with time zone) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.expire_open_renewal_checkouts(project_id text, user_id bigint)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    expired_id text;
  begin
    -- Only those without a charge: one being paid right now is left to finish (paid wins).
    for expired_id in
      update astapa.checkouts as k set status = 'expired', updated_at = pg_catalog.now()
      where k.project_id = expire_open_renewal_checkouts.project_id and k.user_id = expire_open_renewal_checkouts.user_id
        and k.period_start is not null and k.status = 'open'
      returning k.public_id
    loop
      perform pg_catalog.pg_notify('astapa_checkouts', expired_id);
    end loop;
  end
  $function$;
comment on function astapa.expire_open_renewal_checkouts(text,bigint) is 'Expires a user''s renewal checkouts that have no charge yet: the next period''s plan or price changed, and the renewal pass opens the right one again.';
grant execute on function astapa.expire_open_renewal_checkouts(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.expire_renewal_checkouts(project_id text, user_id bigint)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    expired_id text;
  begin
    for expired_id in
      update astapa.checkouts as c set status = 'expired', updated_at = pg_catalog.now()
      where c.project_id = expire_renewal_checkouts.project_id and c.user_id = expire_renewal_checkouts.user_id
        and c.period_start is not null and c.status in ('open', 'pending')
      returning c.public_id
    loop
      perform pg_catalog.pg_notify('astapa_checkouts', expired_id);
    end loop;
  end
  $function$;
comment on function astapa.expire_renewal_checkouts(text,bigint) is 'Expires a user''s unpaid renewal checkouts (their subscription ended: there is no period left to pay for).';
grant execute on function astapa.expire_renewal_checkouts(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.fail_renewal_charge(rc astapa.renewal_charges, target astapa.checkouts, failure text, now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    mail boolean := target.status in ('open', 'pending');
  begin
    update astapa.renewal_charges as r set status = 'failed', failure_code = pg_catalog.left(failure, 500),
      mailed_at = case when mail then now end, updated_at = pg_catalog.now()
    where r.project_id = rc.project_id and r.id = rc.id;
    perform astapa.audit(rc.project_id, 'billing.renewal_charge_failed', 'user:' || target.user_id,
      pg_catalog.jsonb_build_object('checkout_id', target.public_id, 'charge_id', rc.public_id,
        'failure_code', pg_catalog.left(failure, 500)));
    -- The checkout paid some other way or expired: nothing is left to pay, so nobody is mailed.
    return pg_catalog.jsonb_build_object('action', case when mail then 'mail' else 'none' end,
      'charge_id', rc.public_id, 'failure_code', pg_catalog.left(failure, 500), 'purpose', rc.purpose,
      'label', (select m.label from astapa.linked_methods as m
                where m.project_id = rc.project_id and m.id = rc.linked_method_id),
      'checkout', astapa.checkout_json(target),
      'email', (select u.email from astapa.users as u where u.project_id = target.project_id and u.id = target.user_id),
      -- A team plan's pay link goes to every owner and admin, as api.organization_renewal_step's does.
      'organization', case when target.organization_id is not null then (
        select pg_catalog.jsonb_build_object('id', o.id, 'name', o.name, 'period_start', o.plan_paid_through,
          'emails', coalesce((
          select pg_catalog.jsonb_agg(u.email order by m.created_at, m.user_id)
          from astapa.organization_memberships as m
          join astapa.users as u on u.project_id = m.project_id and u.id = m.user_id
          where m.project_id = o.project_id and m.organization_id = o.id and m.role in ('owner', 'admin')
            and not u.disabled and u.email is not null), '[]'))
        from astapa.organizations as o where o.project_id = target.project_id and o.id = target.organization_id)
      end);
  end
  $function$;
comment on function astapa.fail_renewal_charge(astapa.renewal_charges,astapa.checkouts,text,timestamp with time zone) is 'Marks a linked-method renewal charge failed (audited) and answers action mail (the caller queues the pay-link mail in the same transaction; mailed_at = now) while the checkout can still be paid, else action none.';
grant execute on function astapa.fail_renewal_charge(astapa.renewal_charges,astapa.checkouts,text,timestamp with time zone) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.grant_result(user_id bigint, scope text, resource text, auth_time timestamp with time zone, nonce text, refresh_expires_at timestamp with time zone)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    -- Everything the token endpoint signs, read fresh: a plan or role change shows in the next token.
    select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'sub', u.id::text,
      'email', u.email,
      'email_verified', case when u.email is not null then u.email_verified end,
      'phone_number', u.phone_number,
      'phone_number_verified', case when u.phone_number is not null then u.phone_number_verified end,
      'project_id', u.project_id,
      -- Only sandbox tokens say where they come from, so production tokens stay exactly as documented.
      'environment', nullif(u.environment, 'production'),
      'custom_claims', api.token_claims(u.project_id, u.id),
      'scope', scope,
      'resource', resource,
      'auth_time', pg_catalog.floor(extract(epoch from auth_time))::bigint,
      'nonce', nonce,
      'access_ttl', (select access_ttl from astapa.token_policy()),
      'refresh_expires_in', pg_catalog.floor(extract(epoch from refresh_expires_at - pg_catalog.now()))::bigint))
    from astapa.users u
    where u.project_id = astapa.current_project_id() and u.id = user_id
  $function$;
comment on function astapa.grant_result(bigint,text,text,timestamp with time zone,text,timestamp with time zone) is 'The claims and metadata a successful grant returns for signing.';
grant execute on function astapa.grant_result(bigint,text,text,timestamp with time zone,text,timestamp with time zone) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.grants_plan(s astapa.subscriptions)
 RETURNS boolean
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select s.ended_at is null and (s.status in ('trialing', 'active', 'past_due')
      or (s.status = 'canceled' and s.current_period_end > pg_catalog.now()))
  $function$;
comment on function astapa.grants_plan(astapa.subscriptions) is 'Whether a subscription puts its plan in tokens now: current and trialing (the renewal pass ends trials), active, past_due (grace), or canceled with its paid period still running.';
grant execute on function astapa.grants_plan(astapa.subscriptions) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.import_user(project_id text, mode text, r jsonb, plan_source text)
 RETURNS text
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    wanted_email text := pg_catalog.btrim(r ->> 'email');
    external text := r ->> 'external_id';
    by_external bigint;
    by_email bigint;
    target bigint;
    outcome text;
    patch jsonb := '{}';
    identity jsonb;
    linked_to bigint;
    was_disabled boolean := false;
  begin
    perform astapa.assert_email(wanted_email);
    if r ? 'password_hash' and r ->> 'password_hash' is not null
       and r ->> 'password_hash' !~ '^(\$argon2id\$|\$2[aby]\$|\$argon2i\$|\$scrypt\$|\$pbkdf2-sha(256|512)\$|pbkdf2_sha256\$|\$firebase-scrypt\$)' then
      raise exception using errcode = 'AS400', message = 'The password hash is in no format Astapa imports.';
    end if;
    if external is not null then
      select u.id into by_external from astapa.users as u
      where u.project_id = import_user.project_id and u.environment = mode and u.external_id = external;
    end if;
    select u.id into by_email from astapa.users as u
    where u.project_id = import_user.project_id and u.environment = mode
      and u.email_lower = pg_catalog.lower(wanted_email);
    if by_external is not null and by_email is not null and by_external <> by_email then
      raise exception using errcode = 'AS409',
        message = 'This external_id belongs to one user and this email to another; change one of them first.';
    end if;
    target := coalesce(by_external, by_email);
    if target is null then
      target := astapa.insert_user(project_id, mode, wanted_email, coalesce((r ->> 'email_verified')::boolean, false),
                                   r ->> 'password_hash', external, (r ->> 'created_at')::timestamptz);
      outcome := 'created';
    else
      select u.disabled into was_disabled from astapa.users as u
      where u.project_id = import_user.project_id and u.id = target;
      update astapa.users as u set
        email = wanted_email,
        email_verified = coalesce((r ->> 'email_verified')::boolean, u.email_verified),
        external_id = coalesce(external, u.external_id),
        created_at = coalesce((r ->> 'created_at')::timestamptz, u.created_at),
        -- Enabled until the end of this row: api.set_user_claims refuses a disabled user (no one sees this
        -- state, the row is one transaction); the last statement below sets the flag the import states.
        disabled = false,
        -- A hash Astapa made (the person signed in or reset since) is newer than anything in an export.
        password_hash = case
          when r ->> 'password_hash' is null or u.password_hash ~ '^\$argon2id\$v=19\$m=19456,t=2,p=1\$' then u.password_hash
          else r ->> 'password_hash' end
      where u.project_id = import_user.project_id and u.id = target;
      outcome := 'updated';
    end if;
    if r ? 'role' then patch := patch || pg_catalog.jsonb_build_object('role', r -> 'role'); end if;
    if r ? 'feature_flags' then patch := patch || pg_catalog.jsonb_build_object('feature_flags', r -> 'feature_flags'); end if;
    if r ? 'custom_claims' or r ? 'name' then
      patch := patch || pg_catalog.jsonb_build_object('extra', coalesce(r -> 'custom_claims', '{}')
        || case when r ->> 'name' is null then '{}' else pg_catalog.jsonb_build_object('name', r ->> 'name') end);
    end if;
    if patch <> '{}' then
      perform api.set_user_claims(project_id, target, patch);
    end if;
    if r ->> 'plan' is not null then
      perform api.assign_plan(project_id, target, r ->> 'plan', plan_source);
    end if;
    for identity in select * from pg_catalog.jsonb_array_elements(coalesce(r -> 'identities', '[]')) loop
      select i.user_id into linked_to from astapa.identities as i
      where i.project_id = import_user.project_id and i.provider = identity ->> 'provider'
        and i.subject = identity ->> 'subject';
      if linked_to is null then
        insert into astapa.identities (project_id, provider, subject, user_id, email)
        values (project_id, identity ->> 'provider', identity ->> 'subject', target, identity ->> 'email');
      elsif linked_to <> target then
        raise exception using errcode = 'AS409', message = pg_catalog.format(
          'The %s identity %s already signs in another user of this project.', identity ->> 'provider', identity ->> 'subject');
      end if;
    end loop;
    if coalesce((r ->> 'disabled')::boolean, was_disabled) then
      update astapa.users as u set disabled = true where u.project_id = import_user.project_id and u.id = target;
    end if;
    return outcome;
  end
  $function$;
comment on function astapa.import_user(text,text,jsonb,text) is 'One row of api.import_users: finds the user by external_id, then by email (any case), in the environment given; creates or updates them, their claims, plan and identities; returns created or updated. Raises on a bad row (the caller rolls that row back alone).';

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.insert_phone_code(phone_number text, country text, channel text, token_hash bytea, code_hash bytea, address text, user_id bigint, purpose text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    settings jsonb := astapa.phone_settings(project);
    refused jsonb;
  begin
    if project is null or settings is null then
      raise exception using errcode = 'AS403', message = 'Phone codes act for one project.';
    end if;
    if purpose is null or purpose not in ('sign_in', 'account', 'mfa')
       or (purpose = 'sign_in') <> (insert_phone_code.user_id is null) then
      raise exception using errcode = 'AS400', message = 'A phone code is for sign_in (no user), account or mfa.';
    end if;
    -- A second-step code needs the phone factor on (settings.mfa.phone), not phone sign-in.
    if purpose = 'mfa' then
      if not coalesce((select p.settings -> 'mfa' -> 'phone' = 'true'::jsonb from astapa.projects p
                       where p.id = project), false) then
        raise exception using errcode = 'AS403', message = 'This project does not offer a phone as second factor.';
      end if;
    elsif not (settings ->> 'enabled')::boolean then
      raise exception using errcode = 'AS403', message = 'This project does not offer sign-in by phone.';
    end if;
    if phone_number is null or phone_number !~ '^\+[1-9][0-9]{6,14}$' then
      raise exception using errcode = 'AS400', message = 'A phone number is given in E.164, e.g. +6281234567890.';
    end if;
    if channel is null or channel not in ('whatsapp', 'sms') then
      raise exception using errcode = 'AS400', message = 'The channel must be whatsapp or sms.';
    end if;
    if country is null or not (settings -> 'countries') ? country then
      return pg_catalog.jsonb_build_object('sent', false, 'reason', 'country');
    end if;
    refused := astapa.phone_send_wait(phone_number, address);
    if refused is not null then
      return refused;
    end if;
    insert into astapa.phone_codes (project_id, token_hash, phone_number, channel, code_hash, address, expires_at,
                                    user_id, purpose)
    values (project, token_hash, phone_number, channel, code_hash, pg_catalog.left(address, 100),
            pg_catalog.now() + interval '5 minutes', insert_phone_code.user_id, insert_phone_code.purpose);
    return pg_catalog.jsonb_build_object('sent', true, 'sandbox', settings ->> 'mode' = 'sandbox');
  end
  $function$;
comment on function astapa.insert_phone_code(text,text,text,bytea,bytea,text,bigint,text) is 'Stores a new code for a number of the current project unless phone codes are off (AS403: settings.phone.enabled, or settings.mfa.phone for purpose mfa), the input is malformed (AS400), the country is not allowed ({sent: false, reason: country}) or a limit or the budget refuses it (astapa.phone_send_wait). purpose: sign_in (user_id null), account (user_id: the account the number is being added to) or mfa (user_id: the person whose second step it is).';
grant execute on function astapa.insert_phone_code(text,text,text,bytea,bytea,text,bigint,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.insert_user(project_id text, environment text, email text, email_verified boolean, password_hash text, external_id text DEFAULT NULL::text, created_at timestamp with time zone DEFAULT NULL::timestamp with time zone)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    new_id bigint;
    violated text;
  begin
    -- Two users created in the same millisecond draw the same 22 random bits once in about four million
    -- pairs (an import creates thousands a second): that id clash is drawn again; any other is the caller's.
    for attempt in 1..5 loop
      begin
        if external_id is null and created_at is null then
          -- The app role may insert only these columns (an import, which sets the others, runs as the owner).
          insert into astapa.users (project_id, email, email_verified, password_hash, environment)
          values (project_id, email, email_verified, password_hash, environment)
          returning id into new_id;
        else
          insert into astapa.users (project_id, email, email_verified, password_hash, environment, external_id,
                                    created_at)
          values (project_id, email, email_verified, password_hash, environment, external_id,
                  coalesce(created_at, pg_catalog.now()))
          returning id into new_id;
        end if;
        return new_id;
      exception when unique_violation then
        get stacked diagnostics violated = constraint_name;
        if violated is distinct from 'users_pkey' or attempt = 5 then
          raise;
        end if;
      end;
    end loop;
  end
  $function$;
comment on function astapa.insert_user(text,text,text,boolean,text,text,timestamp with time zone) is 'The one place a user row is inserted: returns the new id, drawing it again when it clashes with an existing one (users_pkey); any other unique violation (the email) is raised to the caller unchanged. external_id and created_at need the owner''s rights (api.import_users).';
grant execute on function astapa.insert_user(text,text,text,boolean,text,text,timestamp with time zone) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.invitation_json(i astapa.organization_invitations)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'id', i.id, 'organization_id', i.organization_id, 'organization_name', o.name, 'email', i.email,
      'role', i.role, 'invited_by', i.invited_by::text, 'expires_at', i.expires_at,
      'status', case when i.accepted_at is not null then 'accepted' when i.revoked_at is not null then 'revoked'
                     when i.expires_at <= pg_catalog.now() then 'expired' else 'pending' end,
      'accepted_by', i.accepted_by::text, 'created_at', i.created_at)
    from astapa.organizations o where o.project_id = i.project_id and o.id = i.organization_id
  $function$;
comment on function astapa.invitation_json(astapa.organization_invitations) is 'An invitation as the API shows it, with status pending, accepted, revoked or expired (never its token).';
grant execute on function astapa.invitation_json(astapa.organization_invitations) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.is_app_url(project_id text, url text)
 RETURNS boolean
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.length(url) <= 2000 and exists (
      select from astapa.projects as p, pg_catalog.unnest(p.redirect_uris) as u
      where p.id = is_app_url.project_id and astapa.url_origin(u) = astapa.url_origin(is_app_url.url))
  $function$;
comment on function astapa.is_app_url(text,text) is 'True when url (http or https, at most 2,000 characters) is on the origin of one of the project''s redirect URIs: where a link Astapa sends or redirects to on the app''s behalf may lead (see attacks: links that travel).';
grant execute on function astapa.is_app_url(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.is_exact_origin(origin text)
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$
    select pg_catalog.length(origin) <= 300
      and (origin ~ '^https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$'
        or origin ~ '^http://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?$')
  $function$;
comment on function astapa.is_exact_origin(text) is 'True for an origin as browsers send it: https://host[:port] (lower case), or http on localhost, 127.0.0.1 or [::1]; no path, query, fragment, userinfo or trailing slash.';
grant execute on function astapa.is_exact_origin(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.is_metadata_document_client_id(client_id text)
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.starts_with(client_id, 'https://') or pg_catalog.starts_with(client_id, 'http://')
  $function$;
comment on function astapa.is_metadata_document_client_id(text) is 'True when a client id is a URL: a client known by its Client ID Metadata Document.';
grant execute on function astapa.is_metadata_document_client_id(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.is_third_party_client_id(client_id text)
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.starts_with(client_id, 'dcl_') or astapa.is_metadata_document_client_id(client_id)
  $function$;
comment on function astapa.is_third_party_client_id(text) is 'True for clients no project vetted: self-registered (dcl_…) or known by a metadata document URL.';
grant execute on function astapa.is_third_party_client_id(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.is_valid_redirect_uri(uri text)
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$
    select pg_catalog.length(uri) <= 2000
      and uri !~ '[\s#]'
      and (uri ~ '^https://[^/?@\s:]+(:[0-9]{1,5})?(/.*)?(\?.*)?$'
        or uri ~ '^http://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?(/.*)?(\?.*)?$')
  $function$;
comment on function astapa.is_valid_redirect_uri(text) is 'True for an absolute https URL, or http on localhost/127.0.0.1/[::1]; no fragment, no whitespace, no userinfo.';
grant execute on function astapa.is_valid_redirect_uri(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.is_valid_resource_uri(uri text)
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$
    select pg_catalog.length(uri) <= 2000
      and uri !~ '[\s#]'
      and (uri ~ '^https://[a-z0-9.-]+(:[0-9]{1,5})?([/?].*)?$'
        or uri ~ '^http://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?([/?].*)?$')
      and uri !~ '^[a-z]+://[^/?]+/$'
  $function$;
comment on function astapa.is_valid_resource_uri(text) is 'True for a canonical resource URI: https (http only on loopback), lower-case host, no fragment or userinfo, a bare origin without trailing slash.';
grant execute on function astapa.is_valid_resource_uri(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.is_valid_scope_name(name text)
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$
    -- RFC 6749 §3.3 scope-token characters: %x21 / %x23-5B / %x5D-7E.
    select name ~ '^[!#-\[\]-~]{1,100}$'
      and name not in ('openid', 'email', 'profile', 'offline_access')
  $function$;
comment on function astapa.is_valid_scope_name(text) is 'An RFC 6749 scope token of 1 to 100 characters that is not one of the OpenID user scopes.';
grant execute on function astapa.is_valid_scope_name(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.is_whole_number(value jsonb, min numeric, max numeric)
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$
    -- CASE, not AND: only a JSON number may be cast to numeric.
    select case when pg_catalog.jsonb_typeof(value) = 'number'
                then (value #>> '{}')::numeric between min and max
                     and (value #>> '{}')::numeric = pg_catalog.trunc((value #>> '{}')::numeric)
                else false end
  $function$;
comment on function astapa.is_whole_number(jsonb,numeric,numeric) is 'True for a JSON number that is whole and within min..max.';
grant execute on function astapa.is_whole_number(jsonb,numeric,numeric) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.issue_receipt(pay astapa.payments, period_start timestamp with time zone, period_end timestamp with time zone)
 RETURNS astapa.receipts
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    issued astapa.receipts;
    target astapa.checkouts;
    checkout_fields jsonb;
    tax jsonb;
    split jsonb;
    receipt_year integer;
    next_sequence integer;
  begin
    select * into issued from astapa.receipts as r where r.project_id = pay.project_id and r.payment_id = pay.id;
    if found then
      return issued;
    end if;
    select * into target from astapa.checkouts as c where c.project_id = pay.project_id and c.id = pay.checkout_id;
    -- Columns a later feature adds to checkouts (a coupon's discount) are read by name, so none is required.
    checkout_fields := pg_catalog.to_jsonb(target);
    tax := astapa.tax_settings_json(pay.project_id);
    split := astapa.ppn_breakdown(pay.amount, (tax ->> 'pkp')::boolean, (tax ->> 'ppn_rate')::numeric,
      (tax ->> 'tax_base_numerator')::integer, (tax ->> 'tax_base_denominator')::integer);
    receipt_year := pg_catalog.date_part('year', coalesce(pay.paid_at, pg_catalog.now()) at time zone 'Asia/Jakarta');
    -- The counter row is locked until commit: instances issuing at once take turns, and a rollback returns the
    -- number, so each year's numbers run 1, 2, 3… with no gap and no duplicate.
    insert into astapa.receipt_counters as rc (project_id, environment, year, last_sequence)
    values (pay.project_id, target.environment, receipt_year, 1)
    on conflict on constraint receipt_counters_pkey do update set last_sequence = rc.last_sequence + 1
    returning rc.last_sequence into next_sequence;
    insert into astapa.receipts (project_id, payment_id, checkout_id, user_id, year, sequence, number, issued_at,
      seller, buyer_email, buyer_name, buyer_tax_id, plan_key, plan_name, period_start, period_end, method, bank,
      discount_idr, coupon_code, amount, pkp, ppn_rate, tax_base_numerator, tax_base_denominator,
      price_before_tax_idr, tax_base_idr, ppn_idr, environment)
    values (pay.project_id, pay.id, target.id, target.user_id, receipt_year, next_sequence,
      -- Sandbox receipts are numbered apart and marked, so test payments never leave a gap in the real sequence.
      pg_catalog.format('%sR-%s-%s', case when target.environment = 'sandbox' then 'TEST-' else '' end, receipt_year,
        pg_catalog.lpad(next_sequence::text, 6, '0')),
      coalesce(pay.paid_at, pg_catalog.now()),
      pg_catalog.jsonb_build_object('project_name', tax ->> 'project_name',
        'name', coalesce(tax ->> 'seller_name', tax ->> 'project_name'), 'npwp', tax ->> 'seller_npwp',
        'address', tax ->> 'seller_address'),
      (select u.email from astapa.users as u where u.project_id = target.project_id and u.id = target.user_id),
      checkout_fields ->> 'buyer_name', checkout_fields ->> 'buyer_tax_id', target.plan_key,
      (select p.name from astapa.plans as p where p.project_id = target.project_id and p.key = target.plan_key),
      issue_receipt.period_start, issue_receipt.period_end,
      pay.method, pay.bank, nullif((checkout_fields ->> 'discount_idr')::bigint, 0), -- none: null
      checkout_fields ->> 'coupon_code',
      pay.amount, (tax ->> 'pkp')::boolean,
      case when (tax ->> 'pkp')::boolean then (tax ->> 'ppn_rate')::numeric end,
      case when (tax ->> 'pkp')::boolean then (tax ->> 'tax_base_numerator')::integer end,
      case when (tax ->> 'pkp')::boolean then (tax ->> 'tax_base_denominator')::integer end,
      (split ->> 'price_before_tax_idr')::bigint, (split ->> 'tax_base_idr')::bigint, (split ->> 'ppn_idr')::bigint,
      target.environment)
    returning * into issued;
    return issued;
  end
  $function$;
comment on function astapa.issue_receipt(astapa.payments,timestamp with time zone,timestamp with time zone) is 'Issues the receipt of a paid payment (once: again returns the same one) with the next number of the project''s environment and year in Asia/Jakarta (TEST-R-… in sandbox), snapshotting seller, buyer, plan, the period it bought (null for a second payment of a paid checkout) and the PPN split. Called by astapa.apply_payment_event_row inside the transaction that marks the payment paid.';
grant execute on function astapa.issue_receipt(astapa.payments,timestamp with time zone,timestamp with time zone) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.keep_an_owner(project_id text, account_id bigint)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    -- Lock the project's owners first, so two owners removing each other at once cannot both succeed:
    -- the second waits, then counts the owners the first left.
    perform from astapa.memberships as m
    where m.project_id = keep_an_owner.project_id and m.role = 'owner'
    for update;
    if exists (
      select from astapa.memberships as m
      where m.project_id = keep_an_owner.project_id and m.account_id = keep_an_owner.account_id and m.role = 'owner'
    ) and not exists (
      select from astapa.memberships as m
      where m.project_id = keep_an_owner.project_id and m.role = 'owner' and m.account_id <> keep_an_owner.account_id
    ) then
      raise exception using errcode = 'AS409',
        message = 'This is the project''s last owner: make another member owner first.';
    end if;
  end
  $function$;
comment on function astapa.keep_an_owner(text,bigint) is 'Refuses (AS409) taking the owner role from the project''s last owner; locks the owners while it checks.';
grant execute on function astapa.keep_an_owner(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.linked_method_json(m astapa.linked_methods)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'method_id', m.public_id, 'sub', m.user_id::text, 'channel', m.channel, 'label', m.label,
      'status', m.status, 'provider_id', m.provider_id, 'failure_code', m.failure_code,
      'environment', m.environment, 'xendit_account', m.xendit_account, 'created_at', m.created_at,
      'activated_at', m.activated_at, 'updated_at', m.updated_at)
  $function$;
comment on function astapa.linked_method_json(astapa.linked_methods) is 'A linked method as the portal, the API and the renewal pass read it (the label is already masked).';
grant execute on function astapa.linked_method_json(astapa.linked_methods) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.linked_methods_settings_problem(value jsonb)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO ''
AS $function$
    select case
      when pg_catalog.jsonb_typeof(value) <> 'object'
        or exists (select from pg_catalog.jsonb_each(value) as e
                   where e.key not in ('enabled', 'shopeepay', 'gopay_recurring')
                      or pg_catalog.jsonb_typeof(e.value) <> 'boolean')
      then 'linked_methods must be {"enabled": true|false, "shopeepay": true|false, "gopay_recurring": true|false} '
           '(enable ShopeePay or GoPay only once Xendit has approved your account for their linking).'
    end
  $function$;
comment on function astapa.linked_methods_settings_problem(jsonb) is 'Why a settings.linked_methods value is refused (linking on the portal at all, and the ShopeePay and GoPay recurring linking switches), or null.';
grant execute on function astapa.linked_methods_settings_problem(jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.lock_organization(organization_id text)
 RETURNS astapa.organizations
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    o astapa.organizations;
  begin
    select * into o from astapa.organizations as x
    where x.project_id = astapa.current_project_id()
      and (x.id = lock_organization.organization_id or x.slug = lock_organization.organization_id)
    for update;
    if o.id is null then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('Organization %s was not found in this project.', organization_id);
    end if;
    return o;
  end
  $function$;
comment on function astapa.lock_organization(text) is 'The current project''s organization (by id or slug: a slug never contains _), locked for the rest of the transaction so that membership changes to it happen one after another; AS404 when there is none.';
grant execute on function astapa.lock_organization(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.lock_payment_provider_id(project_id text, provider_id text)
 RETURNS void
 LANGUAGE sql
 SET search_path TO ''
AS $function$
    select pg_catalog.pg_advisory_xact_lock(20230, pg_catalog.hashtext(project_id || ' ' || provider_id))
  $function$;
comment on function astapa.lock_payment_provider_id(text,text) is 'Takes the transaction''s lock on one Xendit payment id of a project (an advisory lock; a hash collision only makes two payments wait for each other). Recording a charge and applying its callback both take it before anything else, so a worker never decides "unknown payment" while the charge''s row is being committed, and a recording always sees, and puts back in line, a callback applied before it.';
grant execute on function astapa.lock_payment_provider_id(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.machine_client_json(client_id text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
      'client_id', m.client_id, 'project_id', m.project_id, 'name', m.name,
      'scopes', pg_catalog.to_jsonb(m.scopes), 'resources', pg_catalog.to_jsonb(m.resources),
      'access_token_ttl', m.access_token_ttl, 'enabled', m.enabled, 'secret_rotated_at', m.secret_rotated_at,
      'jwks', m.jwks, 'created_at', m.created_at, 'updated_at', m.updated_at))
    from astapa.machine_clients m
    where m.project_id = astapa.current_project_id() and m.client_id = machine_client_json.client_id
  $function$;
comment on function astapa.machine_client_json(text) is 'A machine client as the API returns it (never the secret hash); null when not visible.';
grant execute on function astapa.machine_client_json(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.mail_texts_problem(value jsonb)
 RETURNS text
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  declare
    kind text;
    lang text;
    field text;
    text_value jsonb;
    longest integer;
  begin
    if pg_catalog.jsonb_typeof(value) <> 'object' then
      return 'mail_texts must be an object keyed by verify_email and/or reset_password.';
    end if;
    for kind in select pg_catalog.jsonb_object_keys(value) loop
      if kind not in ('verify_email', 'reset_password') or pg_catalog.jsonb_typeof(value -> kind) <> 'object' then
        return pg_catalog.format('mail_texts.%s: only verify_email and reset_password, each an object by language '
          '(en, id).', kind);
      end if;
      for lang in select pg_catalog.jsonb_object_keys(value -> kind) loop
        if lang not in ('en', 'id') or pg_catalog.jsonb_typeof(value -> kind -> lang) <> 'object' then
          return pg_catalog.format('mail_texts.%s.%s: the languages are en and id, each {subject?, intro?}.', kind,
            lang);
        end if;
        for field, text_value in select e.key, e.value from pg_catalog.jsonb_each(value -> kind -> lang) as e loop
          if field not in ('subject', 'intro') then
            return pg_catalog.format('mail_texts.%s.%s.%s: only subject and intro can be changed.', kind, lang, field);
          end if;
          -- One line each (a subject is a header), printable, and short enough for a phone's screen.
          longest := case field when 'subject' then 150 else 300 end;
          if pg_catalog.jsonb_typeof(text_value) <> 'string' or pg_catalog.btrim(text_value #>> '{}') = ''
             or text_value #>> '{}' ~ '[[:cntrl:]]' or pg_catalog.length(text_value #>> '{}') > longest then
            return pg_catalog.format('mail_texts.%s.%s.%s must be one line of text, at most %s characters.', kind,
              lang, field, longest);
          end if;
        end loop;
      end loop;
    end loop;
    return null;
  end
  $function$;
comment on function astapa.mail_texts_problem(jsonb) is 'A readable reason settings.mail_texts ({verify_email|reset_password: {en|id: {subject?, intro?}}}) is refused, or null when it is valid.';
grant execute on function astapa.mail_texts_problem(jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.member_account_id(project_id text, email text)
 RETURNS bigint
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    found_id bigint;
  begin
    select m.account_id into found_id
    from astapa.memberships as m
    join astapa.accounts as a on a.id = m.account_id
    where m.project_id = member_account_id.project_id
      and pg_catalog.lower(a.email) = pg_catalog.lower(pg_catalog.btrim(member_account_id.email));
    if found_id is null then
      raise exception using errcode = 'AS404',
        message = pg_catalog.format('%s is not a member of this project.', pg_catalog.btrim(email));
    end if;
    return found_id;
  end
  $function$;
comment on function astapa.member_account_id(text,text) is 'The account of the project''s member with this email (any case); AS404 when none.';
grant execute on function astapa.member_account_id(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.member_organization(user_id bigint, organization text)
 RETURNS text
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    found_id text;
  begin
    if organization is null then
      return null;
    end if;
    select o.id into found_id from astapa.organizations o
    join astapa.organization_memberships m on m.project_id = o.project_id and m.organization_id = o.id
      and m.user_id = member_organization.user_id
    where o.project_id = astapa.current_project_id() and (o.id = organization or o.slug = organization);
    if found_id is null then
      raise exception using errcode = 'AS403', message = pg_catalog.format(
        'You are not a member of the organization %s in this app.', organization);
    end if;
    return found_id;
  end
  $function$;
comment on function astapa.member_organization(bigint,text) is 'The id of the organization (named by id or slug) the user is a member of; null for none; AS403 when they are no member of such an organization of the current project.';
grant execute on function astapa.member_organization(bigint,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.membership_json(m astapa.organization_memberships)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'organization_id', m.organization_id, 'user_id', m.user_id::text, 'email', u.email, 'role', m.role,
      'permissions', pg_catalog.to_jsonb(astapa.organization_role_permissions(m.role)),
      'created_at', m.created_at, 'updated_at', m.updated_at)
    from astapa.users u where u.project_id = m.project_id and u.id = m.user_id
  $function$;
comment on function astapa.membership_json(astapa.organization_memberships) is 'A membership as the API shows it: organization_id, user_id (the sub), email, role, permissions, timestamps.';
grant execute on function astapa.membership_json(astapa.organization_memberships) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.new_user_id()
 RETURNS bigint
 LANGUAGE sql
 SET search_path TO ''
AS $function$
    select ((pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp()) * 1000)::bigint
             - 1577836800000) << 22)
           | (('x' || pg_catalog.substr(pg_catalog.md5(pg_catalog.gen_random_uuid()::text), 1, 8))::bit(32)::bigint
              & 4194303)
  $function$;
comment on function astapa.new_user_id() is 'A new user''s id: milliseconds since 2020-01-01 shifted left 22 bits, OR 22 bits from gen_random_uuid() (a strong random source). Positive, below 2^63 until about 2089, not guessable from a neighbour, and ordered by time to the millisecond.';
grant execute on function astapa.new_user_id() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.next_period_plan(s astapa.subscriptions)
 RETURNS text
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce((select c.to_plan from astapa.plan_changes as c
                     where c.project_id = s.project_id and c.user_id = s.user_id and c.status = 'scheduled'),
                    s.plan_key)
  $function$;
comment on function astapa.next_period_plan(astapa.subscriptions) is 'The plan the next period renews into: a scheduled change''s, else the subscription''s own.';
grant execute on function astapa.next_period_plan(astapa.subscriptions) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.note_client_change()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    noted bigint;
  begin
    insert into astapa.client_changes (source) values (tg_table_name) returning seq into noted;
    if noted % 100 = 0 then
      delete from astapa.client_changes c where c.changed_at < pg_catalog.now() - interval '1 day';
    end if;
    -- Other instances hear it on commit; this session's own process hears the notice at once, before the
    -- statement returns, so a change made through one instance is never answered from that instance's cache.
    perform pg_catalog.pg_notify('astapa_client_changes', noted::text);
    raise notice using message = 'astapa_client_change', detail = noted::text;
    return null;
  end
  $function$;
comment on function astapa.note_client_change() is 'Statement trigger on what a client_credentials grant depends on: records the change in astapa.client_changes, sends NOTIFY astapa_client_changes (payload: seq) and raises the notice astapa_client_change for its own session, so every instance drops its cached client credentials.';

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.notify_payment_event()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    -- Delivered at commit: a worker never wakes for a row it cannot see yet.
    perform pg_catalog.pg_notify('astapa_payment_events', new.id::text);
    return null;
  end
  $function$;
comment on function astapa.notify_payment_event() is 'Trigger: NOTIFY astapa_payment_events with the id of an event stored or put back in line (processed_at back to null): workers wake for every event they have to apply, whoever queued it.';
grant execute on function astapa.notify_payment_event() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.open_renewal_charge(project_id text, checkout_id text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    target astapa.checkouts;
    switches jsonb;
    chosen astapa.linked_methods;
    opened astapa.renewal_charges;
    charge_purpose text;
  begin
    select * into target from astapa.checkouts as c
    where c.project_id = open_renewal_charge.project_id and c.public_id = open_renewal_charge.checkout_id;
    -- Only pay links the renewal pass opened: a period's (a renewal, a trial's first paid period) or a team plan's.
    if not found or target.status <> 'open' or (target.period_start is null and target.organization_id is null) then
      return null;
    end if;
    charge_purpose := case
      when target.organization_id is not null then 'organization'
      when exists (select from astapa.subscriptions as s
                   where s.project_id = target.project_id and s.user_id = target.user_id and s.ended_at is null
                     and s.status = 'trialing' and s.plan_key = target.plan_key
                     and s.current_period_end = target.period_start) then 'trial'
      else 'renewal' end;
    -- The project's switches decide, at each renewal, whether linked methods are charged at all.
    select p.settings -> 'linked_methods' into switches from astapa.projects as p
    where p.id = open_renewal_charge.project_id;
    if switches -> 'enabled' is distinct from 'true'::jsonb then
      return null;
    end if;
    -- Only a method linked through the same Xendit account and environment can be charged by the checkout's keys.
    -- A team plan: only the method an owner or admin chose for the organization, and only its owner's checkout
    -- (api.organization_renewal_step makes them the payer); a person's: any of theirs.
    select * into chosen from astapa.linked_methods as m
    where m.project_id = target.project_id and m.user_id = target.user_id and m.status = 'active'
      and (target.organization_id is null or m.id = (
            select o.billing_method_id from astapa.organizations as o
            join astapa.organization_memberships as om
              on om.project_id = o.project_id and om.organization_id = o.id and om.user_id = target.user_id
                 and om.role in ('owner', 'admin')
            where o.project_id = target.project_id and o.id = target.organization_id))
      and m.provider_id is not null and m.environment = target.environment
      and m.xendit_account = target.xendit_account
      and (m.channel <> 'SHOPEEPAY' or switches -> 'shopeepay' = 'true'::jsonb)
      and (m.channel <> 'GOPAY' or switches -> 'gopay_recurring' = 'true'::jsonb)
    order by m.activated_at desc nulls last, m.id desc
    limit 1;
    if not found then
      return null;
    end if;
    insert into astapa.renewal_charges as r (project_id, checkout_id, linked_method_id, purpose)
    values (target.project_id, target.id, chosen.id, charge_purpose)
    on conflict on constraint renewal_charges_checkout_key do nothing
    returning * into opened;
    if opened.id is null then
      select * into opened from astapa.renewal_charges as r
      where r.project_id = target.project_id and r.checkout_id = target.id;
    end if;
    return pg_catalog.jsonb_build_object('charge_id', opened.public_id, 'method_id', chosen.public_id,
      'channel', chosen.channel, 'label', chosen.label, 'purpose', opened.purpose);
  end
  $function$;
comment on function astapa.open_renewal_charge(text,text) is 'Opens the linked-method charge of a pay link the renewal pass just opened — a renewal, a trial''s first paid period (purpose trial), a team plan''s (purpose organization: only the organization''s chosen method, its owner being the payer and still an owner or admin) — (one per checkout: again answers the same) when settings.linked_methods.enabled and the user has an active method linked through the checkout''s Xendit account and environment (ShopeePay and GoPay only while their switches are on); null otherwise. Answers {charge_id, method_id, channel, label, purpose}: the pay-link mail is held back while it runs.';
grant execute on function astapa.open_renewal_charge(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.organization_grant(user_id bigint, organization_id text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select case when claims is null then '{}'::jsonb
                else pg_catalog.jsonb_build_object('organization', claims, 'organization_custom_claims',
                                                   astapa.organization_plan_claims(organization_id)) end
    from (select api.organization_claims(user_id, organization_id) as claims) as active
  $function$;
comment on function astapa.organization_grant(bigint,text) is 'What a grant adds for its active organization while the user is a member: {organization: {org_id, org_slug, org_role, org_permissions}, organization_custom_claims: its team plan''s {org_plan, org_feature_flags} or {}}; else {} (no active organization, removed, organization deleted).';
grant execute on function astapa.organization_grant(bigint,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.organization_json(o astapa.organizations)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'id', o.id, 'name', o.name, 'slug', o.slug, 'metadata', o.metadata, 'plan', o.plan_key,
      'plan_paid_through', o.plan_paid_through, 'plan_canceled_at', o.plan_canceled_at,
      'seat_limit', astapa.organization_seat_limit(o),
      'next_seat_limit', case when o.next_seat_limit_from > pg_catalog.now() then o.next_seat_limit end,
      'next_seat_limit_from', case when o.next_seat_limit_from > pg_catalog.now() then o.next_seat_limit_from end,
      'members', (select count(*) from astapa.organization_memberships m
                  where m.project_id = o.project_id and m.organization_id = o.id),
      'created_at', o.created_at, 'updated_at', o.updated_at)
  $function$;
comment on function astapa.organization_json(astapa.organizations) is 'An organization as the API shows it: id, name, slug, metadata, plan (its team plan''s key or null), plan_paid_through (when bought through Astapa), plan_canceled_at (canceled: ends at plan_paid_through), seat_limit (in force now), next_seat_limit and next_seat_limit_from (fewer seats paid for a later period, from its start; else null), members (a count), timestamps.';
grant execute on function astapa.organization_json(astapa.organizations) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.organization_plan_actor(o astapa.organizations, sub text, verb text)
 RETURNS void
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  begin
    if sub is not null and not exists (
        select from astapa.organization_memberships as m
        where m.project_id = o.project_id and m.organization_id = o.id and m.user_id::text = sub
          and m.role in ('owner', 'admin')) then
      raise exception using errcode = 'AS403',
        message = pg_catalog.format('Only an owner or admin of %s can %s its plan.', o.name, verb);
    end if;
  end
  $function$;
comment on function astapa.organization_plan_actor(astapa.organizations,text,text) is 'Refuses (AS403) a person (sub) who is not an owner or admin of the organization; null sub is the app itself.';
grant execute on function astapa.organization_plan_actor(astapa.organizations,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.organization_plan_claims(organization_id text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce((
      select pg_catalog.jsonb_build_object(
        'org_plan', p.key,
        'org_feature_flags', coalesce(p.claims -> 'feature_flags', '[]'::jsonb))
      from astapa.organizations o
      join astapa.plans p on p.project_id = o.project_id and p.key = o.plan_key
      where o.project_id = astapa.current_project_id() and o.id = organization_plan_claims.organization_id
        -- A team plan bought through Astapa lapses when its paid period ends — after the grace days when unpaid
        -- (the renewal pass then takes it away, api.organization_renewal_step), at once when canceled.
        and (o.plan_paid_through is null or o.plan_paid_through > pg_catalog.now()
             or (o.plan_canceled_at is null
                 and o.plan_paid_through + astapa.setting_days(
                   (select x.settings from astapa.projects as x where x.id = o.project_id), 'billing_grace_days', 3)
                   > pg_catalog.now()))),
      '{}'::jsonb)
  $function$;
comment on function astapa.organization_plan_claims(text) is 'What an organization''s team plan adds to custom_claims: {org_plan, org_feature_flags} (the plan''s flags, maybe []), or {} without a plan or once its paid period ended (and the grace days, billing_grace_days, unless canceled). Beside the person''s own plan and flags, never replacing them.';
grant execute on function astapa.organization_plan_claims(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.organization_renewal_action(o astapa.organizations, now timestamp with time zone, grace interval, notice interval, can_renew boolean)
 RETURNS text
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select case
      when o.plan_key is null or o.plan_paid_through is null then null
      when o.plan_canceled_at is not null then case when o.plan_paid_through <= now then 'end' end
      when o.plan_paid_through + grace <= now then 'expire'
      when can_renew and o.plan_paid_through - notice <= now
        and o.plan_reminded_for is distinct from o.plan_paid_through
        and exists (select from astapa.plans as p
                    where p.project_id = o.project_id and p.key = o.plan_key and p.archived_at is null
                      and p.price_idr > 0 and p.interval in ('month', 'year') and p.seat_pricing is not null)
        and exists (select from astapa.organization_memberships as m
                    join astapa.users as u on u.project_id = m.project_id and u.id = m.user_id
                    where m.project_id = o.project_id and m.organization_id = o.id and m.role = 'owner'
                      and not u.disabled)
        then 'remind'
    end
  $function$;
comment on function astapa.organization_renewal_action(astapa.organizations,timestamp with time zone,interval,interval,boolean) is 'What the renewal pass must do with an organization''s paid team plan at `now`: end (canceled, period over), expire (unpaid, grace over), remind (the next period''s pay link is due and was not sent for this period; only with payments configured, a plan on sale and an owner who can pay), or null.';
grant execute on function astapa.organization_renewal_action(astapa.organizations,timestamp with time zone,interval,interval,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.organization_role_permissions(role text)
 RETURNS text[]
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce((select r.permissions from astapa.organization_roles r
                     where r.project_id = astapa.current_project_id() and r.key = role), '{}')
  $function$;
comment on function astapa.organization_role_permissions(text) is 'The permissions a role carries in the current project (its organization_roles row''s; none otherwise).';
grant execute on function astapa.organization_role_permissions(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.organization_seat_limit(o astapa.organizations)
 RETURNS integer
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select case when o.next_seat_limit_from <= pg_catalog.now() then o.next_seat_limit else o.seat_limit end
  $function$;
comment on function astapa.organization_seat_limit(astapa.organizations) is 'The seat limit in force now: next_seat_limit once its period has begun (fewer seats paid for a later period), else seat_limit; null: no limit.';
grant execute on function astapa.organization_seat_limit(astapa.organizations) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.passkey_session_user(session_hash bytea, recent boolean)
 RETURNS bigint
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select s.user_id
    from astapa.login_sessions s
    join astapa.users u on u.project_id = s.project_id and u.id = s.user_id
    join astapa.projects p on p.id = s.project_id
    where s.project_id = astapa.current_project_id() and s.token_hash = passkey_session_user.session_hash
      and s.ended_at is null and s.expires_at > pg_catalog.now() and not u.disabled and u.environment = p.mode
      and (not recent or s.created_at > pg_catalog.now() - interval '10 minutes')
  $function$;
comment on function astapa.passkey_session_user(bytea,boolean) is 'The user of a live session, or null; with recent, only when they signed in within the last 10 minutes (adding or removing a passkey needs a fresh sign-in, so a stolen session cookie alone cannot).';
grant execute on function astapa.passkey_session_user(bytea,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.passkey_sign_up_open(project text, user_id bigint)
 RETURNS boolean
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select exists (
      select from astapa.users u join astapa.projects p on p.id = u.project_id
      where u.project_id = passkey_sign_up_open.project and u.id = passkey_sign_up_open.user_id
        and u.environment = p.mode and not u.disabled
        and not exists (select from astapa.passkeys k where k.project_id = u.project_id and k.user_id = u.id)
        and not exists (select from astapa.user_factors f where f.project_id = u.project_id
                        and f.user_id = u.id and f.confirmed_at is not null))
  $function$;
comment on function astapa.passkey_sign_up_open(text,bigint) is 'Whether an existing account may gain its first passkey by proving its mailbox (passkey sign-up): enabled, in the project''s current environment, with no passkey and no confirmed second factor (a mailbox alone must not get past either).';
grant execute on function astapa.passkey_sign_up_open(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.payment_feed_horizon(project_id text)
 RETURNS bigint
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select e.id from astapa.payment_events as e
    where e.project_id = payment_feed_horizon.project_id and e.processed_at is null
    order by e.id limit 1
  $function$;
comment on function astapa.payment_feed_horizon(text) is 'The id of the project''s oldest unapplied payment event (the feed stops before it), or null.';
grant execute on function astapa.payment_feed_horizon(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.payment_status(provider_status text)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$
    select case
      when provider_status in ('SUCCEEDED', 'PAID', 'SETTLED', 'COMPLETED', 'CAPTURED') then 'paid'
      when provider_status in ('FAILED', 'CANCELED', 'CANCELLED', 'VOIDED') then 'failed'
      when provider_status = 'EXPIRED' then 'expired'
      else 'pending'
    end
  $function$;
comment on function astapa.payment_status(text) is 'A Xendit status (Payment Request or Invoice) as a payments.status.';
grant execute on function astapa.payment_status(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.phone_budget_alert(project_id text, daily_budget integer, sent_today integer)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    today text := pg_catalog.to_char(pg_catalog.now() at time zone 'UTC', 'YYYY-MM-DD');
  begin
    -- Once per project and UTC day, whichever instance gets there first: a bucket of one hit per day (its key
    -- names the day) counts the alert under the rate limiter's row lock.
    if api.rate_limit_hit('phone:budget_alert:' || project_id || ':' || today, 1, 86400) > 0 then
      return;
    end if;
    perform astapa.emit_event(project_id, 'phone.budget_reached', pg_catalog.jsonb_build_object(
      'date', today, 'daily_budget', daily_budget, 'sent_today', sent_today,
      'resets_at', pg_catalog.date_trunc('day', pg_catalog.now() at time zone 'UTC') at time zone 'UTC'
        + interval '1 day'));
  end
  $function$;
comment on function astapa.phone_budget_alert(text,integer,integer) is 'The app webhook phone.budget_reached ({date, daily_budget, sent_today, resets_at}), at most once per project and UTC day: called when the last message the budget allows is logged, or a send is refused for the budget.';
grant execute on function astapa.phone_budget_alert(text,integer,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.phone_send_wait(phone_number text, address text)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    project text := astapa.current_project_id();
    settings jsonb := astapa.phone_settings(project);
    sandbox boolean := settings ->> 'mode' = 'sandbox';
    -- SMS pumping walks a number range: the number without its last four digits is its range.
    prefix text := pg_catalog.left(phone_number, pg_catalog.length(phone_number) - 4);
    wait integer;
    sent_today integer;
  begin
    -- Every bucket counts this send, so a refused burst still uses up its allowance.
    wait := greatest(
      api.rate_limit_hit('phone:number:' || project || ':' || phone_number, case when sandbox then 20 else 5 end, 3600),
      api.rate_limit_hit('phone:address:' || project || ':' || coalesce(address, '-'),
                         case when sandbox then 50 else 10 end, 3600),
      api.rate_limit_hit('phone:prefix:' || project || ':' || prefix, case when sandbox then 100 else 20 end, 3600),
      api.rate_limit_hit('phone:project:' || project, (settings ->> 'hourly_limit')::integer, 3600));
    if wait > 0 then
      return pg_catalog.jsonb_build_object('sent', false, 'reason', 'rate_limited', 'wait', wait);
    end if;
    select count(*) into sent_today from astapa.phone_messages m
    where m.project_id = project and m.created_at >= pg_catalog.date_trunc('day', pg_catalog.now())
      and m.status in ('sent', 'sandbox');
    if sent_today >= (settings ->> 'daily_budget')::integer then
      perform astapa.audit(project, 'phone.budget_reached', 'project:' || project,
        pg_catalog.jsonb_build_object('daily_budget', (settings ->> 'daily_budget')::integer));
      perform astapa.phone_budget_alert(project, (settings ->> 'daily_budget')::integer, sent_today);
      return pg_catalog.jsonb_build_object('sent', false, 'reason', 'budget', 'wait',
        greatest(1, pg_catalog.ceil(extract(epoch from
          pg_catalog.date_trunc('day', pg_catalog.now()) + interval '1 day' - pg_catalog.now())))::integer);
    end if;
    return null;
  end
  $function$;
comment on function astapa.phone_send_wait(text,text) is 'Counts one code message for the current project against its limits (per number 5, per address 10, per number range 20 an hour in production; 20/50/100 in sandbox; settings.phone.hourly_limit per project) and its daily budget. Null when it may go, else {sent: false, reason: rate_limited | budget, wait} (a reached budget is audited as phone.budget_reached).';
grant execute on function astapa.phone_send_wait(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.phone_settings(project_id text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    -- Defaults first, the project's choices over them: Indonesia only, a budget that caps a day's cost.
    select pg_catalog.jsonb_build_object(
      'enabled', false, 'signup', true, 'countries', pg_catalog.jsonb_build_array('ID'),
      'daily_budget', case when p.mode = 'production' then 1000 else 200 end,
      'hourly_limit', case when p.mode = 'production' then 200 else 100 end,
      'mode', p.mode) || coalesce(p.settings -> 'phone', '{}'::jsonb)
    from astapa.projects p
    where p.id = phone_settings.project_id
  $function$;
comment on function astapa.phone_settings(text) is 'A project''s phone sign-in settings with the defaults filled in (off; sign-up allowed; countries ["ID"]; daily_budget 1000 messages in production, 200 in sandbox; hourly_limit 200 / 100), plus its mode.';
grant execute on function astapa.phone_settings(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.phone_settings_problem(value jsonb)
 RETURNS text
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  begin
    if pg_catalog.jsonb_typeof(value) <> 'object'
       or exists (select from pg_catalog.jsonb_object_keys(value) as k
                  where k not in ('enabled', 'signup', 'countries', 'daily_budget', 'hourly_limit')) then
      return 'phone must be an object with enabled, signup, countries, daily_budget and/or hourly_limit.';
    end if;
    if exists (select from pg_catalog.jsonb_each(value) as e
               where e.key in ('enabled', 'signup') and pg_catalog.jsonb_typeof(e.value) <> 'boolean') then
      return 'phone.enabled and phone.signup must be true or false.';
    end if;
    if value ? 'countries' and (pg_catalog.jsonb_typeof(value -> 'countries') <> 'array'
       or pg_catalog.jsonb_array_length(value -> 'countries') not between 1 and 50
       or exists (select from pg_catalog.jsonb_array_elements(value -> 'countries') as c
                  where pg_catalog.jsonb_typeof(c) <> 'string' or c #>> '{}' !~ '^[A-Z]{2}$')) then
      return 'phone.countries must list 1 to 50 two-letter country codes in capitals, e.g. ["ID"].';
    end if;
    if exists (select from pg_catalog.jsonb_each(value) as e
               where e.key in ('daily_budget', 'hourly_limit')
                 and (pg_catalog.jsonb_typeof(e.value) <> 'number'
                      or e.value::numeric <> pg_catalog.trunc(e.value::numeric)
                      or e.value::numeric not between 1 and 1000000)) then
      return 'phone.daily_budget and phone.hourly_limit must be whole numbers of messages from 1 to 1000000.';
    end if;
    return null;
  end
  $function$;
comment on function astapa.phone_settings_problem(jsonb) is 'A readable reason a settings.phone value is refused ({enabled, signup, countries, daily_budget, hourly_limit}), or null when it is valid.';
grant execute on function astapa.phone_settings_problem(jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.pkce_s256(verifier text)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$
    select pg_catalog.translate(
      pg_catalog.rtrim(pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(verifier, 'UTF8')), 'base64'), '='),
      '+/', '-_')
  $function$;
comment on function astapa.pkce_s256(text) is 'BASE64URL(SHA256(verifier)), the S256 code challenge (RFC 7636 §4.2).';
grant execute on function astapa.pkce_s256(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.plan_change_json(c astapa.plan_changes)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'id', c.id, 'sub', c.user_id::text, 'from_plan', c.from_plan, 'to_plan', c.to_plan, 'kind', c.kind,
      'status', c.status, 'list_amount', c.list_amount, 'credit_idr', c.credit_idr, 'amount_idr', c.amount_idr,
      'period_end', c.period_end, 'effective_at', c.effective_at, 'created_at', c.created_at,
      'resolved_at', c.resolved_at,
      'checkout_id', (select k.public_id from astapa.checkouts as k
                      where k.project_id = c.project_id and k.plan_change_id = c.id order by k.id desc limit 1))
  $function$;
comment on function astapa.plan_change_json(astapa.plan_changes) is 'A plan change as the API and events show it.';
grant execute on function astapa.plan_change_json(astapa.plan_changes) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.plan_json(project_id text, key text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'key', p.key, 'name', p.name, 'description', p.description, 'price_idr', p.price_idr,
      'interval', p.interval, 'trial_days', p.trial_days, 'claims', p.claims, 'default', p.is_default,
      'sort_order', p.sort_order, 'seat_pricing', p.seat_pricing, 'included_seats', p.included_seats,
      'archived', p.archived_at is not null, 'archived_at', p.archived_at,
      'created_at', p.created_at, 'updated_at', p.updated_at)
    from astapa.plans as p
    where p.project_id = plan_json.project_id and p.key = plan_json.key
  $function$;
comment on function astapa.plan_json(text,text) is 'A plan as the API returns it (seat_pricing and included_seats: a team plan, db/api/team_plans.sql); null when not visible.';
grant execute on function astapa.plan_json(text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.plan_problems(plan jsonb, creating boolean)
 RETURNS jsonb
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  declare
    problems jsonb := '{}';
    known text[] := array['name', 'description', 'price_idr', 'interval', 'claims', 'default', 'sort_order',
                          'archived', 'trial_days'] || case when creating then array['key'] else array[]::text[] end;
    key text;
    value jsonb;
    problem text;
  begin
    if pg_catalog.jsonb_typeof(plan) is distinct from 'object' then
      return '{"plan": ["A plan is a JSON object."]}';
    end if;
    if creating then
      foreach key in array array['key', 'name'] loop
        if not plan ? key then
          problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(
            pg_catalog.format('%s is required.', key)));
        end if;
      end loop;
    end if;
    for key, value in select * from pg_catalog.jsonb_each(plan) loop
      problem := case
        when not key = any (known) then
          case when key = 'key' then 'A plan''s key cannot change; create another plan instead.'
               else pg_catalog.format('Unknown field %s.', key) end
        when key = 'key' and (pg_catalog.jsonb_typeof(value) <> 'string' or value #>> '{}' !~ '^[a-z0-9_-]{1,64}$') then
          'key must be 1 to 64 characters of a-z, 0-9, _ and -.'
        when key = 'name' and (pg_catalog.jsonb_typeof(value) <> 'string'
                               or pg_catalog.length(pg_catalog.btrim(value #>> '{}')) not between 1 and 100) then
          'name must be 1 to 100 characters.'
        when key = 'description' and (pg_catalog.jsonb_typeof(value) <> 'string'
                                      or pg_catalog.length(value #>> '{}') > 1000) then
          'description must be a string of at most 1000 characters.'
        when key = 'price_idr' and not astapa.is_whole_number(value, 0, 1000000000000) then
          'price_idr must be a whole number of rupiah from 0 to 1,000,000,000,000.'
        when key = 'interval' and (pg_catalog.jsonb_typeof(value) <> 'string'
                                   or value #>> '{}' not in ('month', 'year', 'one_time')) then
          'interval must be month, year or one_time.'
        when key = 'trial_days' and not astapa.is_whole_number(value, 0, 365) then
          'trial_days must be a whole number of days from 0 to 365.'
        when key = 'sort_order' and not astapa.is_whole_number(value, -1000000, 1000000) then
          'sort_order must be a whole number from -1,000,000 to 1,000,000.'
        when key = 'default' and value <> 'true'::jsonb then
          'default can only be set to true (making this plan the default unsets the previous one).'
        when key = 'archived' and pg_catalog.jsonb_typeof(value) <> 'boolean' then
          'archived must be true or false.'
      end;
      if problem is not null then
        problems := problems || pg_catalog.jsonb_build_object(key, pg_catalog.jsonb_build_array(problem));
      elsif key = 'claims' then
        -- A claim problem is reported under claims.<name>, as zod names nested fields.
        problems := problems || coalesce((
          select pg_catalog.jsonb_object_agg(case when e.k = 'claims' then e.k else 'claims.' || e.k end, e.v)
          from pg_catalog.jsonb_each(astapa.claims_problems(value, true)) as e(k, v)), '{}');
      end if;
    end loop;
    if plan -> 'default' = 'true' and plan -> 'archived' = 'true' then
      problems := problems || '{"archived": ["The default plan cannot be archived."]}';
    end if;
    return nullif(problems, '{}');
  end
  $function$;
comment on function astapa.plan_problems(jsonb,boolean) is 'Field → problems for a plan to create (creating) or a change to one; null when valid.';
grant execute on function astapa.plan_problems(jsonb,boolean) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.ppn_breakdown(amount bigint, pkp boolean, ppn_rate numeric, tax_base_numerator integer, tax_base_denominator integer)
 RETURNS jsonb
 LANGUAGE plpgsql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$
  declare
    effective numeric;
    ppn bigint;
    price bigint;
  begin
    if not coalesce(pkp, false) then
      return pg_catalog.jsonb_build_object('price_before_tax_idr', amount, 'tax_base_idr', null, 'ppn_idr', 0);
    end if;
    -- The price is tax-inclusive: amount = price + rate × (numerator/denominator × price). PPN is rounded to
    -- whole rupiah and the price before tax is what is left, so the two always add up to what was paid.
    effective := ppn_rate / 100 * tax_base_numerator / tax_base_denominator;
    ppn := pg_catalog.round(amount * effective / (1 + effective));
    price := amount - ppn;
    return pg_catalog.jsonb_build_object('price_before_tax_idr', price,
      'tax_base_idr', pg_catalog.round(price::numeric * tax_base_numerator / tax_base_denominator)::bigint,
      'ppn_idr', ppn);
  end
  $function$;
comment on function astapa.ppn_breakdown(bigint,boolean,numeric,integer,integer) is 'Splits a tax-inclusive amount into the price before PPN, the tax base (DPP = price × numerator/denominator) and PPN (rate % of the DPP), in whole rupiah that add up to the amount. Not a PKP: no PPN.';
grant execute on function astapa.ppn_breakdown(bigint,boolean,numeric,integer,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.project_json(project_id text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'project_id', p.id, 'name', p.name, 'mode', p.mode, 'client_id', p.client_id,
      'redirect_uris', pg_catalog.to_jsonb(p.redirect_uris), 'settings', p.settings,
      'created_at', p.created_at, 'updated_at', p.updated_at)
    from astapa.projects as p
    where p.id = project_json.project_id
  $function$;
comment on function astapa.project_json(text) is 'A project as the API returns it (never the secret hash); null when the project is not visible.';
grant execute on function astapa.project_json(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.proven_passkey_sign_up(token_hash bytea)
 RETURNS astapa.passkey_sign_ups
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select s.* from astapa.passkey_sign_ups s
    where s.project_id = astapa.current_project_id() and s.token_hash = proven_passkey_sign_up.token_hash
      and s.proven_at is not null and s.finished_at is null and s.expires_at > pg_catalog.now()
      and astapa.passkey_sign_up_open(s.project_id, s.user_id)
  $function$;
comment on function astapa.proven_passkey_sign_up(bytea) is 'The proven, unfinished, live sign-up attempt behind a token hash whose user may still gain a first passkey (astapa.passkey_sign_up_open), or a row of nulls.';
grant execute on function astapa.proven_passkey_sign_up(bytea) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.queue_webhook_deliveries()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    insert into astapa.webhook_deliveries (project_id, event_id)
    select e.project_id, new.id from astapa.webhook_endpoints as e
    where e.project_id = new.project_id and e.enabled and new.type = any (e.events);
    return null;
  end
  $function$;
comment on function astapa.queue_webhook_deliveries() is 'Trigger: queues a delivery of each new event to the project''s endpoint when it is enabled and subscribes to its type.';
grant execute on function astapa.queue_webhook_deliveries() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.raise_problems(problems jsonb)
 RETURNS void
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  begin
    if problems is not null then
      raise exception using errcode = 'AS400',
        message = (select v #>> '{0}' from pg_catalog.jsonb_each(problems) as e(k, v) order by k limit 1),
        detail = problems::text;
    end if;
  end
  $function$;
comment on function astapa.raise_problems(jsonb) is 'Raises AS400 when given field problems: the message is one problem, DETAIL the whole {field: [problem]} object (lib/http/errors.ts turns it into the error''s fields).';
grant execute on function astapa.raise_problems(jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.random_id(prefix text, length integer)
 RETURNS text
 LANGUAGE sql
 PARALLEL SAFE
 SET search_path TO ''
AS $function$
    select prefix || pg_catalog.string_agg(
      pg_catalog.substr('abcdefghijklmnopqrstuvwxyz234567', (pg_catalog.get_byte(r.bytes, s.i) & 31) + 1, 1),
      '' order by s.i)
    from (select pg_catalog.uuid_send(pg_catalog.gen_random_uuid())
                 || pg_catalog.uuid_send(pg_catalog.gen_random_uuid()) as bytes) as r,
         lateral (select i from pg_catalog.generate_series(0, 31) as i
                  where i not in (6, 22) order by i limit length) as s
  $function$;
comment on function astapa.random_id(text,integer) is 'A public identifier: prefix + up to 30 random base32 characters (5 bits each) from gen_random_uuid().';
grant execute on function astapa.random_id(text,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.receipt_json(r astapa.receipts)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'receipt_id', r.public_id, 'number', r.number, 'year', r.year, 'sequence', r.sequence,
      'issued_at', r.issued_at, 'seller', r.seller, 'sub', r.user_id::text,
      'buyer', pg_catalog.jsonb_build_object('email', r.buyer_email, 'name', r.buyer_name,
        'tax_id', r.buyer_tax_id),
      'checkout_id', (select c.public_id from astapa.checkouts as c
                      where c.project_id = r.project_id and c.id = r.checkout_id),
      'provider_id', (select y.provider_id from astapa.payments as y
                      where y.project_id = r.project_id and y.id = r.payment_id),
      'plan', r.plan_key, 'plan_name', r.plan_name, 'period_start', r.period_start, 'period_end', r.period_end,
      'method', r.method, 'bank', r.bank, 'discount_idr', r.discount_idr, 'coupon_code', r.coupon_code,
      'amount', r.amount, 'currency', 'IDR', 'pkp', r.pkp, 'ppn_rate', r.ppn_rate,
      'tax_base_numerator', r.tax_base_numerator, 'tax_base_denominator', r.tax_base_denominator,
      'price_before_tax_idr', r.price_before_tax_idr, 'tax_base_idr', r.tax_base_idr, 'ppn_idr', r.ppn_idr,
      'environment', r.environment,
      -- Refunds that succeeded (db/api/refunds.sql): amount - refunded_idr is what the buyer kept paying.
      'refunded_idr', astapa.refunded_amount(r.project_id, r.payment_id))
  $function$;
comment on function astapa.receipt_json(astapa.receipts) is 'A receipt as the API, the page and the mail show it.';
grant execute on function astapa.receipt_json(astapa.receipts) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.redeem_coupon(target astapa.checkouts, code text, now timestamp with time zone)
 RETURNS astapa.checkouts
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    chosen astapa.coupons;
    list_price bigint;
    discount bigint;
    used_by_user text;
    changed astapa.checkouts;
    problem text;
  begin
    -- The checkout first, then the coupon: every redeemer of a coupon queues on its row, so the count
    -- below (a fresh snapshot after the lock) cannot be passed by a concurrent checkout.
    select * into target from astapa.checkouts as k
    where k.project_id = target.project_id and k.id = target.id
    for update;
    if target.status <> 'open' then
      raise exception using errcode = 'AS409',
        message = 'A coupon can only be applied before a payment method is chosen (this checkout is ' || target.status || ').';
    end if;
    list_price := target.amount + target.discount_idr;
    select * into chosen from astapa.coupons as c
    where c.project_id = target.project_id and c.code = pg_catalog.upper(pg_catalog.btrim(redeem_coupon.code))
    for update;
    problem := case
      when not found then 'There is no such coupon.'
      when chosen.disabled_at is not null then 'This coupon is no longer valid.'
      when chosen.expires_at <= now then 'This coupon has expired.'
      when chosen.plan_keys is not null and not target.plan_key = any (chosen.plan_keys) then
        'This coupon is not valid for this plan.'
    end;
    if problem is not null then
      raise exception using errcode = 'AS400', message = problem,
        detail = pg_catalog.jsonb_build_object('coupon', pg_catalog.jsonb_build_array(problem))::text;
    end if;
    select k.status into used_by_user from astapa.coupon_redemptions as r
    join astapa.checkouts as k on k.project_id = r.project_id and k.id = r.checkout_id
    where r.project_id = target.project_id and r.coupon_code = chosen.code and r.user_id = target.user_id;
    if used_by_user = 'paid' then
      raise exception using errcode = 'AS409', message = 'This coupon has already been used by this account.',
        detail = '{"coupon": ["This coupon has already been used by this account."]}';
    end if;
    if chosen.max_redemptions is not null and used_by_user is distinct from 'open'
       and used_by_user is distinct from 'pending'
       and astapa.coupon_redemption_count(chosen.project_id, chosen.code) >= chosen.max_redemptions then
      raise exception using errcode = 'AS409', message = 'This coupon has been used up.',
        detail = '{"coupon": ["This coupon has been used up."]}';
    end if;
    discount := astapa.coupon_discount(chosen, list_price);
    if list_price - discount < 1 then
      raise exception using errcode = 'AS400', message = 'A coupon cannot make a payment free; a trial can.',
        detail = '{"coupon": ["A coupon cannot make a payment free."]}';
    end if;
    -- Another coupon on this checkout before: its redemption is released.
    delete from astapa.coupon_redemptions as r
    where r.project_id = target.project_id and r.checkout_id = target.id and r.coupon_code <> chosen.code;
    insert into astapa.coupon_redemptions as r (project_id, coupon_code, user_id, checkout_id)
    values (target.project_id, chosen.code, target.user_id, target.id)
    on conflict on constraint coupon_redemptions_pkey
    do update set checkout_id = excluded.checkout_id, created_at = pg_catalog.now();
    update astapa.checkouts as k
    set amount = list_price - discount, coupon_code = chosen.code, discount_idr = discount,
        updated_at = pg_catalog.now()
    where k.project_id = target.project_id and k.id = target.id
    returning * into changed;
    perform astapa.audit(target.project_id, 'coupon.redeem', 'user:' || target.user_id,
      pg_catalog.jsonb_build_object('coupon', chosen.code, 'checkout', target.public_id, 'discount_idr', discount));
    return changed;
  end
  $function$;
comment on function astapa.redeem_coupon(astapa.checkouts,text,timestamp with time zone) is 'Applies a coupon to an open checkout at `now` (amount = list price − discount; coupon_code, discount_idr set; the user''s redemption recorded, a previous coupon''s released). AS400 unknown, disabled, expired, other-plan or too-large coupon; AS409 a checkout with a charge already, used up, or used by this user.';
grant execute on function astapa.redeem_coupon(astapa.checkouts,text,timestamp with time zone) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.refresh_max_age()
 RETURNS integer
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select astapa.clamp_setting(p.settings, 'refresh_token_max_age')
    from astapa.projects p where p.id = astapa.current_project_id()
  $function$;
comment on function astapa.refresh_max_age() is 'How long a sign-in of the current project lasts at most, in seconds: settings.refresh_token_max_age clamped to astapa.token_lifetime_limits() (1 h–10 years, default 90 days).';
grant execute on function astapa.refresh_max_age() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.refresh_user_statistics()
 RETURNS boolean
 LANGUAGE plpgsql
 SET search_path TO ''
 SET lock_timeout TO '50ms'
AS $function$
  begin
    -- The rows this transaction inserted are sampled too.
    analyze astapa.users;
    return true;
  exception when lock_not_available then
    return false; -- another import (or autovacuum) is analyzing: go on with the statistics there are
  end
  $function$;
comment on function astapa.refresh_user_statistics() is 'ANALYZE astapa.users; false at once when another transaction holds its lock. api.import_users calls it as it grows a project: while the planner believes the project has no users, every index starting with project_id looks as cheap for a lookup by email, and it picked one that scans all of the project''s users (an import into an empty project was quadratic).';

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.refund_json(r astapa.refunds)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'refund_id', r.public_id, 'amount', r.amount, 'currency', 'IDR', 'reason', r.reason,
      'plan_effect', r.plan_effect, 'status', r.status, 'provider_id', r.provider_id,
      'failure_code', r.failure_code, 'requested_by', r.requested_by, 'created_at', r.created_at,
      'succeeded_at', r.succeeded_at,
      'payment', (select pg_catalog.jsonb_build_object('kind', y.kind, 'provider_id', y.provider_id,
                    'method', y.method, 'amount', y.amount,
                    'refunded', astapa.refunded_amount(y.project_id, y.id))
                  from astapa.payments as y where y.project_id = r.project_id and y.id = r.payment_id),
      'receipt_id', (select x.public_id from astapa.receipts as x
                     where x.project_id = r.project_id and x.payment_id = r.payment_id),
      'receipt_number', (select x.number from astapa.receipts as x
                         where x.project_id = r.project_id and x.payment_id = r.payment_id),
      'checkout', (select pg_catalog.jsonb_build_object('checkout_id', c.public_id, 'sub', c.user_id::text,
                     'plan', c.plan_key, 'xendit_account', c.xendit_account, 'environment', c.environment)
                   from astapa.payments as y join astapa.checkouts as c
                     on c.project_id = y.project_id and c.id = y.checkout_id
                   where y.project_id = r.project_id and y.id = r.payment_id))
  $function$;
comment on function astapa.refund_json(astapa.refunds) is 'A refund as the API and the dashboard show it, with its payment, receipt and checkout.';
grant execute on function astapa.refund_json(astapa.refunds) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.refund_refusal(pay astapa.payments, now timestamp with time zone)
 RETURNS text
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select case
      when pay.method = 'bank_transfer' then
        'Virtual account payments cannot be refunded through Xendit: pay the customer back by bank transfer '
        'outside Astapa.'
      when pay.method = 'qris' and pay.paid_at < now - interval '30 days' then
        'QRIS payments can be refunded only within 30 days of payment.'
    end
  $function$;
comment on function astapa.refund_refusal(astapa.payments,timestamp with time zone) is 'Why a paid payment cannot be refunded through Xendit''s Refund API (virtual accounts; QRIS after 30 days), or null.';
grant execute on function astapa.refund_refusal(astapa.payments,timestamp with time zone) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.refunded_amount(project_id text, payment_id bigint)
 RETURNS bigint
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(pg_catalog.sum(r.amount), 0)::bigint from astapa.refunds as r
    where r.project_id = refunded_amount.project_id and r.payment_id = refunded_amount.payment_id
      and r.status = 'succeeded'
  $function$;
comment on function astapa.refunded_amount(text,bigint) is 'What has been refunded of a payment (succeeded refunds).';
grant execute on function astapa.refunded_amount(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.refuse_foreign_client_writes()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    if astapa.current_client_kind() in ('machine', 'dynamic') then
      raise exception 'only the project''s own client may change % (this is a % client)',
        tg_table_name, astapa.current_client_kind()
        using errcode = 'AS4U3';
    end if;
    return null;
  end
  $function$;
comment on function astapa.refuse_foreign_client_writes() is 'Statement trigger on the tables the Platform management API changes: a transaction acting for a machine or self-registered client may not write them (AS4U3, answered as 403 unauthorized_client).';

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.release_resource(key text, mode text)
 RETURNS text
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
  declare
    acting text := astapa.current_project_id();
    held record;
  begin
    perform pg_catalog.set_config('astapa.claim_resource_key', key, true);
    select r.project_id, r.uri, r.verified_at into held
    from astapa.resources r
    where astapa.resource_key(r.uri) = key and r.project_id is distinct from acting;
    if held.project_id is null then
      perform pg_catalog.set_config('astapa.claim_resource_key', '', true);
      return 'free';
    end if;
    if mode = 'look' or mode = 'unproven' and held.verified_at is not null then
      perform pg_catalog.set_config('astapa.claim_resource_key', '', true);
      return 'held';
    end if;
    delete from astapa.resources r where r.project_id = held.project_id and r.uri = held.uri;
    perform pg_catalog.set_config('astapa.claim_resource_key', '', true);
    -- The holder's own policies for its machine clients and audit log, then back to the acting project.
    perform pg_catalog.set_config('astapa.project_id', held.project_id, true);
    update astapa.machine_clients m
    set resources = pg_catalog.array_remove(m.resources, held.uri), updated_at = pg_catalog.now()
    where m.project_id = held.project_id and held.uri = any (m.resources);
    perform astapa.audit(held.project_id, 'resource.displaced', held.uri,
      pg_catalog.jsonb_build_object('by', coalesce(acting, 'deployment owner')));
    perform pg_catalog.set_config('astapa.project_id', coalesce(acting, ''), true);
    return 'released';
  end
  $function$;
comment on function astapa.release_resource(text,text) is 'Reports, or takes away, another project''s registration of a resource key: for a proven claim (only an unproven holder) or the deployment owner''s assignment (any holder). Security definer because the holder is another project: it sees that one registration through the policy "definer functions see the registration a claim names" and acts in the holder''s project for the clean-up. Not granted to the app role; only api.add_resource and api.assign_resource call it, each after its own guard.';

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.remember_consent(user_id bigint, client_id text, resource text, scope text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    asked text[] := array(select s from pg_catalog.unnest(pg_catalog.string_to_array(coalesce(scope, ''), ' ')) s
                          where s <> '' order by s);
  begin
    if not astapa.is_third_party_client_id(client_id) or resource is null then
      return;
    end if;
    insert into astapa.consents as c (project_id, user_id, client_id, resource, scopes)
    values (astapa.current_project_id(), user_id, client_id, resource, asked)
    on conflict on constraint consents_pkey do update
      set scopes = array(select distinct s from pg_catalog.unnest(c.scopes || excluded.scopes) s order by s),
          updated_at = pg_catalog.now();
    if pg_catalog.starts_with(client_id, 'dcl_') then
      update astapa.dynamic_clients d set last_used_at = pg_catalog.now()
      where d.client_id = remember_consent.client_id
        and (d.last_used_at is null or d.last_used_at < pg_catalog.now() - interval '1 hour');
    end if;
  end
  $function$;
comment on function astapa.remember_consent(bigint,text,text,text) is 'Remembers (widening, never narrowing) the scopes a person allowed a third-party client for a resource of the current project, and marks a registration used. Called when an authorization code is issued to such a client.';
grant execute on function astapa.remember_consent(bigint,text,text,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.renewal_action(s astapa.subscriptions, now timestamp with time zone, grace interval, notice interval, can_renew boolean, trial_notice interval)
 RETURNS text
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select case
      when s.ended_at is not null then null
      -- A trial ends at current_period_end; its reminder is a checkout for the first paid period, opened once.
      when s.status = 'trialing' then case
        when s.current_period_end <= now then 'trial_end'
        when can_renew and s.current_period_end - trial_notice <= now
          and exists (select from astapa.plans as p
                      where p.project_id = s.project_id and p.key = s.plan_key and p.archived_at is null
                        and p.price_idr > 0 and p.interval in ('month', 'year') and p.seat_pricing is null)
          and exists (select from astapa.users as u
                      where u.project_id = s.project_id and u.id = s.user_id and not u.disabled)
          and not exists (select from astapa.checkouts as c
                          where c.project_id = s.project_id and c.user_id = s.user_id and c.plan_key = s.plan_key
                            and c.period_start = s.current_period_end) then 'trial_reminder' end
      when s.paid_through is null then null
      when s.status = 'canceled' then
        case when coalesce(s.current_period_end, s.paid_through) <= now then 'end' end
      when s.status not in ('active', 'past_due') then null
      when s.paid_through + grace <= now then 'expire'
      when s.status = 'active' and s.paid_through <= now then 'past_due'
      when can_renew and s.paid_through - notice <= now
        and exists (select from astapa.plans as p
                    where p.project_id = s.project_id and p.key = astapa.next_period_plan(s) and p.archived_at is null
                      and p.price_idr > 0 and p.interval in ('month', 'year') and p.seat_pricing is null)
        and exists (select from astapa.users as u
                    where u.project_id = s.project_id and u.id = s.user_id and not u.disabled)
        and not exists (select from astapa.checkouts as c
                        where c.project_id = s.project_id and c.user_id = s.user_id
                          and c.plan_key = astapa.next_period_plan(s) and c.period_start = s.paid_through)
        then 'renew'
    end
  $function$;
comment on function astapa.renewal_action(astapa.subscriptions,timestamp with time zone,interval,interval,boolean,interval) is 'What the renewal pass must do with a subscription at `now`: trial_end (trial over), trial_reminder (the trial ends within trial_notice and its pay link is missing), end (canceled, period over), expire (grace over), past_due (paid_through passed), renew (next period''s checkout is due and missing), or null. A team plan (an organization''s; only left on a person by data from before api.set_plan_seats refused it) gets no pay link: the subscription runs out through past_due and expire.';
grant execute on function astapa.renewal_action(astapa.subscriptions,timestamp with time zone,interval,interval,boolean,interval) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.renewal_settings(project_id text, now timestamp with time zone, xendit_account text, OUT grace interval, OUT notice interval, OUT trial_notice interval)
 RETURNS record
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    settings jsonb;
  begin
    if now is null then
      raise exception using errcode = 'AS400', message = 'The renewal pass needs the time it runs at (now).';
    end if;
    if xendit_account is not null and xendit_account not in ('project', 'deployment', 'simulator') then
      raise exception using errcode = 'AS400', message = 'xendit_account must be project, deployment or simulator.';
    end if;
    select p.settings into settings from astapa.projects as p where p.id = renewal_settings.project_id;
    if not found then
      raise exception using errcode = 'AS404', message = 'This project was not found.';
    end if;
    grace := astapa.setting_days(settings, 'billing_grace_days', 3);
    notice := astapa.setting_days(settings, 'billing_renewal_notice_days', 7);
    trial_notice := astapa.setting_days(settings, 'billing_trial_reminder_days', 3);
  end
  $function$;
comment on function astapa.renewal_settings(text,timestamp with time zone,text) is 'The preamble both renewal steps share (api.renewal_step, api.organization_renewal_step): checks now and xendit_account (AS400) and the project (AS404), and reads billing_grace_days (3), billing_renewal_notice_days (7) and billing_trial_reminder_days (3) as intervals.';
grant execute on function astapa.renewal_settings(text,timestamp with time zone,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.require_project(project_id text)
 RETURNS text
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
  declare
    found_mode text;
  begin
    select p.mode into found_mode from astapa.projects as p where p.id = require_project.project_id;
    if found_mode is null then
      raise exception using errcode = 'AS404', message = pg_catalog.format('Project %s was not found.', project_id);
    end if;
    return found_mode;
  end
  $function$;
comment on function astapa.require_project(text) is 'The visible project''s mode, or AS404. Another project''s id is not found, by RLS.';
grant execute on function astapa.require_project(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.reserved_claim_names()
 RETURNS text[]
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$
    select array[
      -- RFC 7519 registered claims, RFC 9068 / OpenID Connect claims Astapa's tokens use or may use
      'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'scope', 'client_id', 'auth_time', 'nonce', 'azp',
      'acr', 'amr', 'sid', 'at_hash', 'c_hash', 'cnf', 'act', 'may_act', 'typ', 'email', 'email_verified',
      -- Astapa's own
      'project_id', 'custom_claims', 'extra', 'plan', 'role', 'feature_flags', 'trial_ends_at']
  $function$;
comment on function astapa.reserved_claim_names() is 'Names no custom claim may take (compared case-insensitively): JWT/OIDC claims and Astapa''s own keys.';
grant execute on function astapa.reserved_claim_names() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.resource_json(r astapa.resources)
 RETURNS jsonb
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object('uri', r.uri, 'name', r.name, 'created_at', r.created_at,
      'verified', r.verified_at is not null)
  $function$;
comment on function astapa.resource_json(astapa.resources) is 'A protected resource as the API returns it.';
grant execute on function astapa.resource_json(astapa.resources) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.resource_key(uri text)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$ select pg_catalog.lower(pg_catalog.rtrim(uri, '/')) $function$;
comment on function astapa.resource_key(text) is 'The identity of a resource URI for deployment-wide uniqueness: case-folded, trailing slashes dropped. Two URIs with one key are one resource (a variant cannot be registered by another project).';
grant execute on function astapa.resource_key(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.retire_client_id(project_id text)
 RETURNS void
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
  begin
    if not exists (select from astapa.projects as p
                   where p.id = retire_client_id.project_id and p.id = astapa.current_project_id()
                     and p.deleted_at is not null) then
      raise exception using errcode = 'AS403', message = 'Only a deleted project''s client id is retired.';
    end if;
    update astapa.projects as p set client_id = astapa.random_id('cid_', 24)
    where p.id = retire_client_id.project_id;
  end
  $function$;
comment on function astapa.retire_client_id(text) is 'Gives a deleted project a new random client id, so the old one names nothing (hosted login, billing). Security definer because the app role may never change a client id; guard: only the project the transaction acts for, and only once api.delete_project has marked it deleted.';
grant execute on function astapa.retire_client_id(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.second_factor_kinds(project_id text, user_id bigint)
 RETURNS text[]
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    -- One definition of "has a second factor" for the sign-in policy, mfa_enrolled, /account and the dashboard:
    -- each kind counts only while the project lets it meet the challenge on /auth/mfa.
    select pg_catalog.array_remove(array[
      case when exists (select from astapa.passkeys k
          where k.project_id = u.project_id and k.user_id = u.id and k.cloned_at is null)
        and p.settings -> 'passkeys' = 'true'::jsonb then 'passkey' end,
      case when exists (select from astapa.user_factors f
          where f.project_id = u.project_id and f.user_id = u.id and f.kind = 'phone' and f.confirmed_at is not null)
        and u.phone_number is not null and u.phone_number_verified
        and p.settings -> 'mfa' -> 'phone' = 'true'::jsonb then 'phone' end,
      case when exists (select from astapa.user_factors f
          where f.project_id = u.project_id and f.user_id = u.id and f.kind = 'totp' and f.confirmed_at is not null)
        then 'totp' end], null)
    from astapa.users as u
    join astapa.projects as p on p.id = u.project_id
    where u.project_id = second_factor_kinds.project_id and u.id = second_factor_kinds.user_id
  $function$;
comment on function astapa.second_factor_kinds(text,bigint) is 'The second factors a user can present now, sorted: passkey (one not marked cloned, where the project offers passkeys), phone (a phone factor, a verified number, and settings.mfa.phone on), totp (a confirmed app). Empty: no second factor. Null for an unknown user.';
grant execute on function astapa.second_factor_kinds(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.set_mail_environment()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    select p.mode, p.settings ->> 'mail_sender_name', p.settings ->> 'mail_from_address'
    into new.environment, new.from_name, new.from_address
    from astapa.projects as p where p.id = new.project_id;
    new.locale := pg_catalog.substring(new.body_html, '^<!doctype html><html lang="([A-Za-z-]{2,12})"');
    return new;
  end
  $function$;
comment on function astapa.set_mail_environment() is 'Trigger: stamps queued mail with the environment (the project''s mode) it was written in, its locale and the project''s sender name and from address (settings.mail_sender_name, mail_from_address).';
grant execute on function astapa.set_mail_environment() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.setting_days(settings jsonb, key text, fallback integer)
 RETURNS interval
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$
    select pg_catalog.make_interval(days => case
      when pg_catalog.jsonb_typeof(settings -> key) = 'number' and (settings ->> key)::numeric between 0 and 365
      then (settings ->> key)::numeric::integer else fallback end)
  $function$;
comment on function astapa.setting_days(jsonb,text,integer) is 'A whole number of days (0–365) from project settings as an interval; anything else is the fallback.';
grant execute on function astapa.setting_days(jsonb,text,integer) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.setting_problem(key text, value jsonb)
 RETURNS text
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  declare
    limits jsonb := astapa.token_lifetime_limits() -> key;
    origin text;
    provider text;
  begin
    if value is null or value = 'null'::jsonb then
      return null;
    end if;
    if limits is not null then
      if pg_catalog.jsonb_typeof(value) <> 'number' or value::numeric <> pg_catalog.trunc(value::numeric)
         or value::numeric not between (limits ->> 'min')::numeric and (limits ->> 'max')::numeric then
        return pg_catalog.format('%s must be a whole number of seconds from %s to %s.', key, limits ->> 'min',
          limits ->> 'max');
      end if;
      return null;
    end if;
    case key
    when 'require_verified_email' then
      if pg_catalog.jsonb_typeof(value) <> 'boolean' then
        return 'require_verified_email must be true or false.';
      end if;
    when 'mfa' then
      -- The second-factor policy (docs/mfa.md): who is asked, and how long a remembered browser is trusted.
      if pg_catalog.jsonb_typeof(value) <> 'object' or not (value ?| array['policy'])
         or exists (select from pg_catalog.jsonb_object_keys(value) as k
                    where k not in ('policy', 'remember_days', 'phone'))
         or coalesce(value ->> 'policy', '') not in ('off', 'optional', 'required') then
        return 'mfa must be {"policy": "off" | "optional" | "required"}, optionally with remember_days and phone.';
      end if;
      if value ? 'phone' and pg_catalog.jsonb_typeof(value -> 'phone') <> 'boolean' then
        return 'mfa.phone (a phone code as second factor) must be true or false.';
      end if;
      if value ? 'remember_days' and (pg_catalog.jsonb_typeof(value -> 'remember_days') <> 'number'
         or (value ->> 'remember_days')::numeric <> pg_catalog.trunc((value ->> 'remember_days')::numeric)
         or (value ->> 'remember_days')::numeric not between 0 and 90) then
        return 'mfa.remember_days must be a whole number of days from 0 to 90.';
      end if;
    when 'passkeys' then
      -- Passkey sign-in and management on the hosted login (docs/passkeys.md).
      if pg_catalog.jsonb_typeof(value) <> 'boolean' then
        return 'passkeys must be true or false.';
      end if;
    when 'email_codes' then
      -- "Email me a code" on the sign-in page (docs/passkeys.md).
      if pg_catalog.jsonb_typeof(value) <> 'boolean' then
        return 'email_codes must be true or false.';
      end if;
    when 'email_code_sign_up' then
      -- An emailed code to an unknown address creates the account when redeemed (docs/passkeys.md).
      if pg_catalog.jsonb_typeof(value) <> 'boolean' then
        return 'email_code_sign_up must be true or false.';
      end if;
    when 'passwords' then
      -- false: a password-free project (docs/passkeys.md); whether another way in is on is checked on the merge.
      if pg_catalog.jsonb_typeof(value) <> 'boolean' then
        return 'passwords must be true or false.';
      end if;
    when 'allowed_origins' then
      if pg_catalog.jsonb_typeof(value) <> 'array' then
        return 'allowed_origins must be a list of origins.';
      end if;
      if pg_catalog.jsonb_array_length(value) > 50 then
        return 'A project may allow at most 50 origins.';
      end if;
      for origin in select pg_catalog.jsonb_array_elements(value)::text loop
        if pg_catalog.left(origin, 1) <> '"' or not astapa.is_exact_origin(origin::jsonb #>> '{}') then
          return pg_catalog.format('Allowed origin %s is not an origin: use scheme://host[:port] in lower case, '
            'with no path and no trailing slash (https, or http on localhost), e.g. https://app.example.',
            origin::jsonb #>> '{}');
        end if;
      end loop;
      if (select count(distinct o) from pg_catalog.jsonb_array_elements_text(value) as o)
         <> pg_catalog.jsonb_array_length(value) then
        return 'Each allowed origin may be listed once.';
      end if;
    when 'mail_sender_name' then
      if pg_catalog.jsonb_typeof(value) <> 'string' or pg_catalog.btrim(value #>> '{}') = ''
         or value #>> '{}' !~ '^[^[:cntrl:]<>"\\@]{1,80}$' then
        return 'mail_sender_name must be 1 to 80 characters, without <, >, ", \, @ or line breaks.';
      end if;
    when 'mail_from_address' then
      -- A bare address (no display name, no quoting): the name is mail_sender_name. Whether the deployment may
      -- send for its domain is the sender's check (MAIL_FROM_DOMAINS is configuration, not data).
      if pg_catalog.jsonb_typeof(value) <> 'string' or pg_catalog.length(value #>> '{}') > 254
         or value #>> '{}' !~ '^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$' then
        return 'mail_from_address must be a plain email address such as halo@shop.example.';
      end if;
    when 'mail_texts' then
      return astapa.mail_texts_problem(value);
    when 'branding' then
      return astapa.branding_problem(value);
    when 'phone' then
      return astapa.phone_settings_problem(value);
    when 'linked_methods' then
      return astapa.linked_methods_settings_problem(value);
    when 'social_login' then
      if pg_catalog.jsonb_typeof(value) <> 'object' then
        return 'social_login must be an object with google and/or github.';
      end if;
      for provider in select pg_catalog.jsonb_object_keys(value) loop
        if astapa.social_provider_problem(provider, value -> provider) is not null then
          return astapa.social_provider_problem(provider, value -> provider);
        end if;
      end loop;
    else
      return pg_catalog.format('%s is not a setting this function changes.', key);
    end case;
    return null;
  end
  $function$;
comment on function astapa.setting_problem(text,jsonb) is 'A readable reason a value is refused for one of the settings api.update_project_settings changes, or null.';
grant execute on function astapa.setting_problem(text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.setting_seconds(settings jsonb, key text)
 RETURNS integer
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$
    select case when pg_catalog.jsonb_typeof(settings -> key) = 'number'
                then least(greatest((settings ->> key)::numeric, 0), 2147483647)::integer end
  $function$;
comment on function astapa.setting_seconds(jsonb,text) is 'A whole number of seconds from a settings object, or null when the key is absent or not a number.';
grant execute on function astapa.setting_seconds(jsonb,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.settle_plan_changes(project_id text, user_id bigint, plan_key text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    -- The plan changed (a paid renewal, an expiry, an assignment): a scheduled change is now done or moot.
    update astapa.plan_changes as c
    set status = case when c.to_plan = settle_plan_changes.plan_key then 'applied' else 'canceled' end,
        resolved_at = pg_catalog.now()
    where c.project_id = settle_plan_changes.project_id and c.user_id = settle_plan_changes.user_id
      and c.status = 'scheduled';
  end
  $function$;
comment on function astapa.settle_plan_changes(text,bigint,text) is 'Called by api.assign_plan: a scheduled change to the plan just assigned is applied, any other canceled.';
grant execute on function astapa.settle_plan_changes(text,bigint,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.social_provider_problem(provider text, entry jsonb)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$
    select case
      when entry is null or entry = 'null'::jsonb then null
      when provider not in ('google', 'github') then
        pg_catalog.format('Social sign-in providers are google and github, not %s.', provider)
      when pg_catalog.jsonb_typeof(entry) <> 'object'
        or exists (select from pg_catalog.jsonb_object_keys(entry) as k
                   where k not in ('enabled', 'client_id', 'client_secret_sealed')) then
        pg_catalog.format('social_login.%s takes enabled, client_id and client_secret_sealed only.', provider)
      when entry ? 'enabled' and pg_catalog.jsonb_typeof(entry -> 'enabled') <> 'boolean' then
        pg_catalog.format('social_login.%s.enabled must be true or false.', provider)
      when (entry ? 'client_id') <> (entry ? 'client_secret_sealed') then
        pg_catalog.format('social_login.%s needs both a client id and a client secret.', provider)
      when entry ? 'client_id' and (pg_catalog.jsonb_typeof(entry -> 'client_id') <> 'string'
        or pg_catalog.length(pg_catalog.btrim(entry ->> 'client_id')) not between 1 and 500) then
        pg_catalog.format('The %s client id must be 1 to 500 characters.', provider)
      when entry ? 'client_secret_sealed' and (pg_catalog.jsonb_typeof(entry -> 'client_secret_sealed') <> 'string'
        or (entry ->> 'client_secret_sealed') !~ '^[A-Za-z0-9_-]{40,}$'
        or pg_catalog.length(entry ->> 'client_secret_sealed') > 4000) then
        pg_catalog.format('The %s client secret must be sealed by the server (base64url).', provider)
    end
  $function$;
comment on function astapa.social_provider_problem(text,jsonb) is 'A readable reason a settings.social_login.<provider> entry is refused, or null when it is valid.';
grant execute on function astapa.social_provider_problem(text,jsonb) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.store_passkey(project text, user_id bigint, credential_id bytea, public_key bytea, sign_count bigint, transports text[], device_type text, backed_up boolean, name text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  begin
    begin
      insert into astapa.passkeys (project_id, credential_id, user_id, public_key, sign_count, transports,
        device_type, backed_up, name)
      values (project, credential_id, user_id, public_key, sign_count, coalesce(transports, '{}'), device_type,
        backed_up, name);
    exception when unique_violation then
      raise exception using errcode = 'AS409', message = 'This passkey is registered already.';
    end;
    perform astapa.audit(project, 'user.passkey_added', 'user:' || user_id, pg_catalog.jsonb_build_object(
      'name', name, 'synced', device_type = 'multiDevice'));
    -- The app hears of it too (a security notice of its own, a list of sign-in methods).
    perform astapa.emit_event(project, 'user.passkey_added', pg_catalog.jsonb_build_object(
      'user', astapa.user_json(project, store_passkey.user_id),
      'passkey', pg_catalog.jsonb_build_object('name', name, 'synced', device_type = 'multiDevice')));
  end
  $function$;
comment on function astapa.store_passkey(text,bigint,bytea,bytea,bigint,text[],text,boolean,text) is 'Stores a verified passkey for a user (AS409 when the project has the credential id already), audits user.passkey_added and emits it. Callers check who may add it (api.add_passkey, api.finish_passkey_sign_up).';
grant execute on function astapa.store_passkey(text,bigint,bytea,bytea,bigint,text[],text,boolean,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.subscription_json(s astapa.subscriptions)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'sub', s.user_id::text, 'plan', s.plan_key, 'status', s.status, 'source', s.source,
      'current_period_start', s.current_period_start, 'current_period_end', s.current_period_end,
      'paid_through', s.paid_through, 'created_at', s.created_at, 'ended_at', s.ended_at,
      'trial_ends_at', case when s.status = 'trialing' then s.current_period_end end)
  $function$;
comment on function astapa.subscription_json(astapa.subscriptions) is 'A subscription as the API and events show it.';
grant execute on function astapa.subscription_json(astapa.subscriptions) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.tax_settings_json(project_id text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'pkp', coalesce(t.pkp, false), 'ppn_rate', coalesce(t.ppn_rate, 12),
      'tax_base_numerator', coalesce(t.tax_base_numerator, 11),
      'tax_base_denominator', coalesce(t.tax_base_denominator, 12),
      'seller_name', t.seller_name, 'seller_npwp', t.seller_npwp, 'seller_address', t.seller_address,
      'project_name', p.name)
    from astapa.projects as p
    left join astapa.tax_settings as t on t.project_id = p.id
    where p.id = tax_settings_json.project_id
  $function$;
comment on function astapa.tax_settings_json(text) is 'A project''s tax settings with the defaults filled in (not a PKP; 12 % of 11/12 once it is one).';
grant execute on function astapa.tax_settings_json(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.team_period(paid_through timestamp with time zone, plan_interval text)
 RETURNS tstzrange
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.tstzrange(
      case plan_interval when 'year' then paid_through - interval '1 year' else paid_through - interval '1 month' end,
      paid_through)
  $function$;
comment on function astapa.team_period(timestamp with time zone,text) is 'The running period of a team plan paid through paid_through: one interval (month or year) back from it.';
grant execute on function astapa.team_period(timestamp with time zone,text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.third_party_client_name(client_id text)
 RETURNS text
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(
      (select d.client_name from astapa.dynamic_clients d where d.client_id = third_party_client_name.client_id),
      (select m.document ->> 'client_name' from astapa.client_metadata_documents m
       where m.client_id = third_party_client_name.client_id))
  $function$;
comment on function astapa.third_party_client_name(text) is 'The name a self-registered or metadata-document client gives itself (unverified), or null.';
grant execute on function astapa.third_party_client_name(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.token_lifetime_limits()
 RETURNS jsonb
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$
    select '{"access_token_ttl": {"default": 3600, "min": 300, "max": 86400},
             "refresh_token_ttl": {"default": 2592000, "min": 3600, "max": 31536000},
             "refresh_grace_seconds": {"default": 10, "min": 0, "max": 60},
             "refresh_token_max_age": {"default": 7776000, "min": 3600, "max": 315360000}}'::jsonb
  $function$;
comment on function astapa.token_lifetime_limits() is 'Token lifetime settings: default, min and max seconds for access_token_ttl, refresh_token_ttl, refresh_grace_seconds and refresh_token_max_age. The one source of these numbers.';
grant execute on function astapa.token_lifetime_limits() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.token_policy(OUT access_ttl integer, OUT refresh_ttl integer, OUT refresh_grace integer)
 RETURNS record
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    -- Per-project lifetimes from settings, clamped to astapa.token_lifetime_limits(). A setting that is not a
    -- number is ignored rather than failing every token request of the project.
    select
      astapa.clamp_setting(s, 'access_token_ttl'),
      astapa.clamp_setting(s, 'refresh_token_ttl'),
      astapa.clamp_setting(s, 'refresh_grace_seconds')
    from (select p.settings as s from astapa.projects p where p.id = astapa.current_project_id()) as project
  $function$;
comment on function astapa.token_policy() is 'Token lifetimes of the current project from its settings, each clamped to astapa.token_lifetime_limits().';
grant execute on function astapa.token_policy() to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.url_origin(url text)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$ select pg_catalog.lower(pg_catalog.substring(url, '^(https?://[^/?#]+)')) $function$;
comment on function astapa.url_origin(text) is 'scheme://host[:port] of an http(s) URL, lower-cased; null otherwise.';
grant execute on function astapa.url_origin(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.use_email_code(live astapa.email_codes)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
  declare
    person bigint := live.user_id;
    created boolean := false;
  begin
    update astapa.email_codes c set used_at = pg_catalog.now()
    where c.project_id = live.project_id and c.link_hash = live.link_hash;
    if person is null then
      -- A sign-up code: the mailbox answered, so the account is created verified. Someone who signed up with
      -- the address since the code was mailed is that person: they are signed in, unless disabled.
      begin
        person := (api.create_user(live.project_id, live.email, null, true) ->> 'id')::bigint;
        created := true;
      exception when sqlstate 'AS409' then
        select u.id into person from astapa.users u join astapa.projects p on p.id = u.project_id
        where u.project_id = live.project_id and u.environment = p.mode and not u.disabled
          and u.email_lower = pg_catalog.lower(live.email);
        if person is null then
          return null;
        end if;
      end;
    end if;
    -- The mailbox answered: the address is the person's.
    update astapa.users u set email_verified = true
    where u.project_id = live.project_id and u.id = person and not u.email_verified;
    perform astapa.audit(live.project_id, 'sign_in.email_code', 'user:' || person,
      case when created then '{"created": true}'::jsonb else '{}'::jsonb end);
    -- created: the page offers a new person a passkey next, as after a password sign-up.
    return pg_catalog.jsonb_build_object('user_id', person::text, 'created', created);
  end
  $function$;
comment on function astapa.use_email_code(astapa.email_codes) is 'Uses up a live email code (by code or link), creates the user of a sign-up code (verified), verifies the address, audits sign_in.email_code ({created: true} for a new account); returns {user_id, created}.';
grant execute on function astapa.use_email_code(astapa.email_codes) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.user_json(project_id text, user_id bigint)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object(
      'id', u.id::text, 'email', u.email, 'email_verified', u.email_verified,
      'phone_number', u.phone_number, 'phone_number_verified', u.phone_number_verified, 'disabled', u.disabled,
      'environment', u.environment, 'created_at', u.created_at, 'last_sign_in_at', u.last_sign_in_at,
      'mfa_enrolled', pg_catalog.cardinality(astapa.second_factor_kinds(u.project_id, u.id)) > 0)
    from astapa.users as u
    where u.project_id = user_json.project_id and u.id = user_json.user_id and u.deleted_at is null
  $function$;
comment on function astapa.user_json(text,bigint) is 'A user as the API returns it (id as a string, the JWT sub; never the password hash; mfa_enrolled: has a second factor, astapa.second_factor_kinds; email or phone_number may be null, not both); null when not visible or deleted (a tombstone, api.delete_own_account).';
grant execute on function astapa.user_json(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.user_plan(project_id text, user_id bigint)
 RETURNS text
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select coalesce(
      (select s.plan_key from astapa.subscriptions as s
       where s.project_id = user_plan.project_id and s.user_id = user_plan.user_id and s.ended_at is null
         and astapa.grants_plan(s)),
      astapa.default_plan_key(project_id))
  $function$;
comment on function astapa.user_plan(text,bigint) is 'The plan a user''s tokens name: their current subscription''s while it grants it, else the project''s default plan.';
grant execute on function astapa.user_plan(text,bigint) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.webhook_endpoint_json(project_id text)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
    select pg_catalog.jsonb_build_object('url', e.url, 'events', pg_catalog.to_jsonb(e.events),
      'enabled', e.enabled, 'created_at', e.created_at, 'updated_at', e.updated_at)
    from astapa.webhook_endpoints as e
    where e.project_id = webhook_endpoint_json.project_id
  $function$;
comment on function astapa.webhook_endpoint_json(text) is 'A webhook endpoint as the API shows it (never its secret).';
grant execute on function astapa.webhook_endpoint_json(text) to astapa_app;

-- owner: astapa_owner
CREATE OR REPLACE FUNCTION astapa.webhook_event_types()
 RETURNS text[]
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO ''
AS $function$ select array['user.created', 'subscription.updated', 'payment.succeeded', 'payment.failed',
                     'user.mfa_enrolled', 'user.mfa_removed', 'payment.refunded', 'user.deleted',
                     'organization.created', 'organization.updated', 'organization.deleted',
                     'membership.created', 'membership.updated', 'membership.deleted',
                     'user.passkey_added', 'user.passkey_removed',
                     'phone.budget_reached',
                     'organization.renewal_due', 'organization.plan_ended'] $function$;
comment on function astapa.webhook_event_types() is 'The event types an app can subscribe its webhook endpoint to.';
grant execute on function astapa.webhook_event_types() to astapa_app;

-- default privileges of astapa_owner in schema - on functions: {astapa_owner=X/astapa_owner}

