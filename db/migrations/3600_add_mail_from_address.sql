-- A project's own from address (issue 29 item 13): stamped on each message when it is queued, like from_name.
-- The sender uses it only while its domain is one this deployment may send for (MAIL_FROM's domain or
-- MAIL_FROM_DOMAINS), so a domain whose SPF/DKIM does not cover the server never appears in From.
alter table astapa.mail_outbox add column from_address text
  constraint mail_outbox_from_address_check check (pg_catalog.length(from_address) between 3 and 254);
comment on column astapa.mail_outbox.from_address is
  'The project''s mail_from_address when queued; used as From only when its domain is allowed (MAIL_FROM_DOMAINS).';
