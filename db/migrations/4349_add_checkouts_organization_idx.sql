-- An organization's checkouts, found by organization_id: the renewal pass's "a charge of the period under way"
-- (astapa.organization_period_charge_under_way, for every organization it looks at), ending a plan, a cancel's,
-- refund's or plan change's renewal links (astapa.hold_organization_renewal_checkouts and the expiries after it),
-- the last buyer and the billing page. Without it each scanned the project's checkouts, a person's ones too.
-- Partial: a person's checkouts (most rows) have none.
create index checkouts_organization_idx on astapa.checkouts (project_id, organization_id, id)
  where organization_id is not null;
