-- The throwaway-mail domains settings.sign_up.block_disposable_domains refuses (db/api/sign_up_rules.sql): one
-- list for every project, not a project's data, so no project_id and no RLS. Its rows come from the mailchecker
-- npm package through migrations that scripts/disposable_email_domains.ts writes (docs/database.md, "The
-- disposable-domain list"). It lives here, not in the servers: 56,000 names held in each would cost memory
-- (docs/performance.md), and the rule is SQL's. A domain is listed in its ASCII form, lower case, no trailing
-- dot, as astapa.email_domain writes an address's; the primary key is the one index a lookup probes, once
-- per label of the address's domain.
create table astapa.disposable_email_domains (
  domain text constraint disposable_email_domains_pkey primary key,
  constraint disposable_email_domains_domain_check check (domain ~ '^[a-z0-9-]+(\.[a-z0-9-]+)+$')
);
comment on table astapa.disposable_email_domains is
  'Domains of throwaway mail services (from the mailchecker package, scripts/disposable_email_domains.ts): an '
  'address at one of them or at any of their subdomains is disposable (astapa.disposable_domain).';
grant select on astapa.disposable_email_domains to astapa_app;
