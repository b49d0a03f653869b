-- An unlink that got no answer from Xendit (timeout, unreachable, 5xx) or whose instance died between its mark
-- and its end used to leave the method marked for good: never charged, yet listed as linked. The billing pass
-- now finishes such an unlink once its mark is older than the window (15 minutes, docs/payments.md "Unlinking
-- a method"): it asks Xendit to expire the method again, then ends it here, or clears the mark when Xendit
-- refuses. unlink_attempted_at is when the unlink was last tried, by whoever asked or by the pass, so a pass
-- takes each stalled unlink at most once per window, and instances never try the same one together.

alter table astapa.linked_methods
  add column unlink_attempted_at timestamptz;

update astapa.linked_methods set unlink_attempted_at = unlink_requested_at where unlink_requested_at is not null;

alter table astapa.linked_methods
  add constraint linked_methods_unlink_attempted_check
    check ((unlink_attempted_at is null) = (unlink_requested_at is null));

grant update (unlink_attempted_at) on astapa.linked_methods to astapa_app;

create index linked_methods_unlink_idx on astapa.linked_methods (project_id, unlink_attempted_at)
  where unlink_requested_at is not null and status in ('requires_action', 'active');

comment on column astapa.linked_methods.unlink_attempted_at is
  'When the unlink under way was last tried: its request (api.request_method_unlink), or the billing pass '
  'finishing it once it stalled (api.next_stalled_unlink). Null exactly when unlink_requested_at is.';
