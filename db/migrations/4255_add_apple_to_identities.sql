-- Sign in with Apple (docs/social-login.md): an Apple identity (the stable `sub` Apple gives per team) is linked
-- to a user like a Google or GitHub one. Only the provider check widens; existing rows all pass it.
alter table astapa.identities drop constraint identities_provider_check;
alter table astapa.identities add constraint identities_provider_check
  check (provider in ('google', 'github', 'apple'));
