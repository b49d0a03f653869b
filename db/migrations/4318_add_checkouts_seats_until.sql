-- A checkout adding seats is priced for the rest of one period, but paying it did not know which: paid after
-- that period ended it bought a whole next period (and the seats) for a sliver of its price, and paid after the
-- next period was bought it kept the added seats through that one too. It now remembers the period end its
-- price covered; api.create_organization_checkout sets it, astapa.apply_paid_organization_checkout reads it.
alter table astapa.checkouts add column seats_until timestamptz;
alter table astapa.checkouts add constraint checkouts_seats_until_check
  check (seats_until is null or seats_from is not null);
grant update (seats_until) on astapa.checkouts to astapa_app;
comment on column astapa.checkouts.seats_until is
  'For a checkout adding seats (seats_from): the end of the paid period its prorated price covers; the seats '
  'hold until then only, and paid after it they add nothing. Null before migration 4318 (read as the period '
  'running when it is paid).';
