-- A project's Xendit publishable key beside its sealed secret key (issue 23, cards on file): the portal's card
-- form tokenises the card in the browser with Xendit.js and this key, so the card number never reaches Astapa.
-- Public by nature (Xendit shows it to every visitor of a merchant's checkout), so it is stored in clear.

alter table astapa.xendit_keys add column public_key text
  constraint xendit_keys_public_key_check check (public_key ~ '^xnd_public_(development|production)_[A-Za-z0-9_+/=-]{1,200}$');

grant update (public_key) on astapa.xendit_keys to astapa_app;

comment on column astapa.xendit_keys.public_key is
  'The account''s publishable key (xnd_public_…), given to Xendit.js in the customer''s browser; null until set.';
