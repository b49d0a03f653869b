-- An unlink no longer holds its method's row lock (and a pooled connection) across its call to Xendit: a first
-- short transaction marks the method as being unlinked, by whom (docs/payments.md "Unlinking"), the call to
-- Xendit holds no transaction, and a second one ends it. While marked, the method is never charged, and
-- Xendit's payment_method.expired callback, should it come first, records the unlink with the actor who asked.

alter table astapa.linked_methods
  add column unlink_requested_at timestamptz,
  add column unlink_actor text,
  add constraint linked_methods_unlink_check
    check ((unlink_requested_at is null) = (unlink_actor is null)
           and pg_catalog.length(unlink_actor) between 1 and 200);

grant update (unlink_requested_at, unlink_actor) on astapa.linked_methods to astapa_app;

comment on column astapa.linked_methods.unlink_requested_at is
  'When the latest unlink began (api.request_method_unlink); null when none is under way. A method with it set '
  'is never charged; cleared again only when Xendit refused to expire it. Kept once the method has ended.';
comment on column astapa.linked_methods.unlink_actor is
  'Who asked for that unlink (the audit log''s actor: account:<id>, user:<id>, api): the actor the unlink is '
  'audited as, even when Xendit''s expiry callback records it.';
