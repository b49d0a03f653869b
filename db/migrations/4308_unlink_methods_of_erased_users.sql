-- An erased account's linked payment methods stayed authorised at Xendit (and an organization that chose one kept
-- it): the erasure now unlinks them as a claim does. The claim's two functions take who unlinks:
-- astapa.unlink_every_method(project, user, actor) and astapa.clear_unlinked_billing_methods(..., actor) in
-- db/api/linked_methods.sql and db/api/team_plans.sql replace these.
drop function if exists astapa.unlink_claimed_methods(text, bigint);
drop function if exists astapa.clear_claimed_billing_methods(text, bigint[], boolean);
