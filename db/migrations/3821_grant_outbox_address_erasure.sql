-- Deleting an account erases its address from the mail outbox too (astapa.erase_user, issue 21): the app role
-- may now replace to_address (with the tombstone's placeholder), found by the lowercase address.
grant update (to_address) on astapa.mail_outbox to astapa_app;
create index mail_outbox_to_address_idx on astapa.mail_outbox (project_id, lower(to_address));
