-- Team plans with seats (issue 28 item 3): a plan sold to organizations, per seat or flat with a seat limit; a
-- checkout that buys one for an organization (its seats, and the seats already paid when it adds seats
-- mid-period at a prorated price); how long an organization's paid plan runs. Functions: db/api/team_plans.sql.
alter table astapa.plans add column seat_pricing text;
alter table astapa.plans add column included_seats integer;
alter table astapa.plans add constraint plans_seat_pricing_check check (seat_pricing in ('per_seat', 'flat'));
alter table astapa.plans add constraint plans_included_seats_check
  check (case when seat_pricing = 'flat' then coalesce(included_seats between 1 and 100000, false)
              else included_seats is null end);
comment on column astapa.plans.seat_pricing is
  'null: a plan for a person; per_seat: a team plan priced per seat (price_idr each); flat: a team plan at '
  'price_idr for up to included_seats members.';
comment on column astapa.plans.included_seats is 'A flat team plan''s seat limit; null otherwise.';
grant update (seat_pricing, included_seats) on astapa.plans to astapa_app;

alter table astapa.checkouts add column organization_id text;
alter table astapa.checkouts add column seats integer;
alter table astapa.checkouts add column seats_from integer;
alter table astapa.checkouts add constraint checkouts_organization_fkey foreign key (project_id, organization_id)
  references astapa.organizations (project_id, id) on delete set null (organization_id);
alter table astapa.checkouts add constraint checkouts_seats_check
  check (seats is null and seats_from is null
         or seats between 1 and 100000 and (seats_from is null or seats_from between 1 and seats - 1));
-- api.create_organization_checkout opens the checkout with api.create_checkout, then makes it the organization's.
grant update (organization_id, seats, seats_from) on astapa.checkouts to astapa_app;
comment on column astapa.checkouts.organization_id is
  'The organization a team plan checkout buys for (user_id is the owner or admin who pays); null: a personal one.';
comment on column astapa.checkouts.seats is 'The seats a team plan checkout buys (the organization''s seat limit once paid).';
comment on column astapa.checkouts.seats_from is
  'Seats already paid for the running period when this checkout adds seats at a prorated price; null: a full period.';

alter table astapa.organizations add column plan_paid_through timestamptz;
comment on column astapa.organizations.plan_paid_through is
  'Until when the organization''s team plan is paid (null: not bought through Astapa, e.g. set by the API).';
