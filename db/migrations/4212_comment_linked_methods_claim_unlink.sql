-- A claim (astapa.claim_unproven_account) marks every live linked method of the account for unlink: whoever
-- linked them held the account without proving its address or number, so the owner's renewals must never be
-- charged to them. The billing pass finishes those unlinks at Xendit on its next pass rather than after the
-- stall window; what says so is the try's time, '-infinity' (never tried: due at once), and the actor, claim.
-- Only the columns' comments change: the check (attempted null exactly when requested is) and the index on
-- (project_id, unlink_attempted_at), where '-infinity' sorts first, hold as they are.

comment on column astapa.linked_methods.unlink_attempted_at is
  'When the unlink under way was last tried: its request (api.request_method_unlink), or the billing pass '
  'finishing it once it stalled (api.next_stalled_unlink). ''-infinity'': never tried yet and due at once — a '
  'claim marked it (astapa.unlink_claimed_methods), and the next billing pass takes it. Null exactly when '
  'unlink_requested_at is.';

comment on column astapa.linked_methods.unlink_actor is
  'Who asked for that unlink (the audit log''s actor: account:<id>, user:<id>, api; claim when a claim of the '
  'account marked it, astapa.unlink_claimed_methods): the actor the unlink is audited as, even when Xendit''s '
  'expiry callback records it.';

comment on column astapa.linked_methods.unlink_requested_at is
  'When the latest unlink began (api.request_method_unlink, or a claim: astapa.unlink_claimed_methods); null '
  'when none is under way. A method with it set is never charged; cleared again only when Xendit refused to '
  'expire it (never a claim''s: Xendit''s refusal ends that method all the same). Kept once the method has ended.';
