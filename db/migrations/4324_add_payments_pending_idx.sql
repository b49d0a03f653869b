-- The billing pass visits every project with a charge still reconciled (api.projects_with_billing_work), a paid
-- checkout's other charges included, once a minute: the few pending charges, not the whole payments table.
create index payments_pending_idx on astapa.payments (project_id)
  where status = 'pending' and reconcile_stopped_at is null;
