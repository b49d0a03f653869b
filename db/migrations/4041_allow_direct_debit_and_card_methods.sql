-- Direct debit (BRI, Mandiri) and cards on file (RECURRING) become linkable for automatic renewal beside the
-- e-wallets (issue 23 item 6): a linked method's channel may be BRI, MANDIRI or CARD, and a renewal charged to
-- one is recorded as method direct_debit or card.

alter table astapa.linked_methods drop constraint linked_methods_channel_check;
alter table astapa.linked_methods add constraint linked_methods_channel_check
  check (channel in ('OVO', 'DANA', 'SHOPEEPAY', 'GOPAY', 'BRI', 'MANDIRI', 'CARD'));

alter table astapa.payments drop constraint payments_method_check;
alter table astapa.payments add constraint payments_method_check
  check (method in ('qris', 'bank_transfer', 'ovo', 'gopay', 'dana', 'shopeepay', 'direct_debit', 'card'));
alter table astapa.checkouts drop constraint checkouts_method_check;
alter table astapa.checkouts add constraint checkouts_method_check
  check (method is null
         or method in ('qris', 'bank_transfer', 'ovo', 'gopay', 'dana', 'shopeepay', 'direct_debit', 'card'));

comment on table astapa.linked_methods is
  'Reusable methods users linked for automatic renewal (Xendit Payment Methods, MULTIPLE_USE): e-wallets (OVO, '
  'DANA, SHOPEEPAY, GOPAY), direct debit (BRI, MANDIRI) and cards on file (CARD). status: requires_action (the '
  'customer has not approved yet: in the e-wallet, at the bank, by OTP or 3-D Secure), active (chargeable), '
  'failed (declined or never completed) or expired (unlinked; final). label is masked (channel or card network '
  'and the last four digits), never a full number. One requires_action or active method per user and channel.';
