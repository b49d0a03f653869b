-- Short mail links (issue 29 item 13): a mailed link carries only its token; the sign-in request it continues
-- (the hosted-login path and query, without the token) is stored with the token and looked up when followed.
-- Mail also carries the project's sender name, stamped when queued. The two api functions that issue links
-- take the stored request as a new last argument (db/api/login.sql), so their old signatures go.
alter table astapa.email_tokens add column sign_in_request text
  constraint email_tokens_sign_in_request_check
  check (sign_in_request is null or (pg_catalog.length(sign_in_request) <= 8192 and sign_in_request ~ '^/auth/[a-z]+\?'));
comment on column astapa.email_tokens.sign_in_request is
  'The hosted-login page and query the mailed link opens (without the token), e.g. /auth/reset?client_id=…';

alter table astapa.mail_outbox add column from_name text
  constraint mail_outbox_from_name_check check (pg_catalog.length(from_name) between 1 and 80);
comment on column astapa.mail_outbox.from_name is
  'The sender name shown with the deployment''s MAIL_FROM address (the project''s mail_sender_name when queued).';

drop function api.issue_email_token(bigint, text, bytea);
drop function api.mail_email_link(text, text, bytea, text, text, text, text);
