-- Legal consent for sign-ups that start away from the sign-up form (docs/hosted-login.md#legal-consent-at-sign-up).
--
-- A first Google/GitHub/Apple sign-in from the sign-in page, under settings.sign_up.require_legal_consent, is held
-- here while the person is asked to agree: the identity the provider proved (never sent to the browser), keyed by
-- the hash of a random token the browser holds, ten minutes, single use, as an emailed code. Agreeing signs in with
-- it (api.sign_up_with_held_identity); the grant sweeper deletes the rows a day past their expiry.
create table astapa.held_social_sign_ups (
  project_id text not null references astapa.projects (id) on delete cascade,
  token_hash bytea not null,
  provider text not null,
  subject text not null,
  email text,
  email_verified boolean not null,
  profile jsonb not null default '{}'::jsonb,
  sign_in_request text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  constraint held_social_sign_ups_pkey primary key (project_id, token_hash),
  constraint held_social_sign_ups_token_hash_check check (length(token_hash) = 32),
  constraint held_social_sign_ups_provider_check check (provider in ('google', 'github', 'apple')),
  constraint held_social_sign_ups_subject_check check (length(subject) between 1 and 255),
  constraint held_social_sign_ups_email_check check (length(email) <= 254),
  constraint held_social_sign_ups_profile_check check (jsonb_typeof(profile) = 'object'
                                                       and length(profile::text) <= 20000),
  constraint held_social_sign_ups_sign_in_request_check check (length(sign_in_request) <= 8000),
  constraint held_social_sign_ups_lifetime_check check (expires_at > created_at)
);
alter table astapa.held_social_sign_ups enable row level security;
alter table astapa.held_social_sign_ups force row level security;
comment on table astapa.held_social_sign_ups is
  'A first Google/GitHub/Apple sign-in held until the person agrees to the project''s terms '
  '(settings.sign_up.require_legal_consent): the identity the provider proved and the authorization request it '
  'came with, keyed by the hash of a token the browser holds; 10 minutes, single use '
  '(api.sign_up_with_held_identity). Swept a day past expiry (api.sweep_grants).';
grant insert, select on astapa.held_social_sign_ups to astapa_app;
grant update (used_at) on astapa.held_social_sign_ups to astapa_app;

-- A magic link is opened from the mail, where no box can be ticked: a sign-up code requested with the box ticked
-- keeps that statement, so its code or its link makes the account with it (astapa.use_email_code).
alter table astapa.email_codes add column legal_consent boolean not null default false;
comment on column astapa.email_codes.legal_consent is
  'A sign-up code requested with "I agree to the terms" ticked (settings.sign_up.require_legal_consent): the '
  'account its code or link makes records the consent (legal_accepted_at).';
