-- Linked-method charges beyond renewals (issue 23): a trial's first paid period and an organization's team plan
-- renewal are charged through the same attempts table (one per checkout, so never twice); purpose says which,
-- so a failed charge falls back to the right pay-link mail. Functions: db/api/renewal_charges.sql.
alter table astapa.renewal_charges add column purpose text not null default 'renewal';
alter table astapa.renewal_charges add constraint renewal_charges_purpose_check
  check (purpose in ('renewal', 'trial', 'organization'));
comment on column astapa.renewal_charges.purpose is
  'What the checkout pays for: renewal (a person''s next period), trial (the first paid period after a trial) or '
  'organization (a team plan''s next period). A failed charge mails that pay link.';
grant insert (purpose) on astapa.renewal_charges to astapa_app;
