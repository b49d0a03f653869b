-- Sign in with Microsoft (docs/social-login.md): a Microsoft identity (the ID token's `sub`, pairwise per app) is
-- linked to a user like a Google one, and a first Microsoft sign-in may be held for legal consent as the others.
-- Only the provider checks widen; existing rows all pass them.
alter table astapa.identities drop constraint identities_provider_check;
alter table astapa.identities add constraint identities_provider_check
  check (provider in ('google', 'github', 'apple', 'microsoft'));
alter table astapa.held_social_sign_ups drop constraint held_social_sign_ups_provider_check;
alter table astapa.held_social_sign_ups add constraint held_social_sign_ups_provider_check
  check (provider in ('google', 'github', 'apple', 'microsoft'));
