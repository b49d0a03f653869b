-- Team receipts name the organization (issue 28): a team plan is bought for an organization and paid by one of
-- its owners or admins, so its receipt is made out to the organization "paid by" that person. A snapshot like
-- the rest of the receipt: renaming or deleting the organization later does not alter an issued receipt.
-- Functions: db/api/receipts.sql (astapa.issue_receipt, astapa.receipt_json).
alter table astapa.receipts add column organization_id text;
alter table astapa.receipts add column organization_name text;
alter table astapa.receipts add constraint receipts_organization_check
  check ((organization_id is null) = (organization_name is null));
comment on column astapa.receipts.organization_id is
  'The organization a team plan payment was for (org_…; no foreign key: the receipt outlives it); null for a '
  'person''s plan.';
comment on column astapa.receipts.organization_name is
  'The organization''s name when the receipt was issued; buyer_email is then the owner or admin who paid.';
