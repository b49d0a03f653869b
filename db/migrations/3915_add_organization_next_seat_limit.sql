-- Fewer seats paid for the next period of a team plan (issue 28): the running period keeps the seats it was paid
-- for, and the lower limit starts with the new period. Set by astapa.apply_paid_organization_checkout
-- (db/api/team_plans.sql); read through astapa.organization_seat_limit (db/api/organizations.sql).
alter table astapa.organizations add column next_seat_limit integer;
alter table astapa.organizations add column next_seat_limit_from timestamptz;
alter table astapa.organizations add constraint organizations_next_seat_limit_check
  check (next_seat_limit is null and next_seat_limit_from is null
         or next_seat_limit between 1 and 100000 and next_seat_limit_from is not null);
comment on column astapa.organizations.next_seat_limit is
  'A lower seat limit paid for a later period of the team plan, in force from next_seat_limit_from; null: none.';
comment on column astapa.organizations.next_seat_limit_from is
  'When next_seat_limit replaces seat_limit (the start of the period it was paid for).';
