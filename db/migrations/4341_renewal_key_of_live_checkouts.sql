-- One pay link a period counts only payable ones (open, or pending: being charged). An expired link (voided by a
-- cancel, a refund or a plan change) no longer holds its period, so after a resume or a withdrawn plan change the
-- renewal pass opens it again (astapa.period_checkout_exists says when: not while the period is paid, nor after a
-- link ran out its time, nor while an expired link's charge is pending). A paid one is left out too: an expired
-- link whose ended charge is paid late after all becomes paid beside the period's new link (which that payment
-- then expires); counted, its callback failed on this index with the money taken.
drop index astapa.checkouts_renewal_key;
create unique index checkouts_renewal_key on astapa.checkouts (project_id, user_id, plan_key, period_start)
  where period_start is not null and status in ('open', 'pending');
