-- The language a person joined the waitlist in (the hosted page's, en or id), so the approval mail goes in that
-- language only. Entries from before have none: their mail stays in both languages.
alter table astapa.waitlist_entries
  add column lang text,
  add constraint waitlist_entries_lang_check check (lang in ('en', 'id'));

comment on column astapa.waitlist_entries.lang is
  'The hosted page''s language when the address joined (en or id); null for entries from before it was kept.';

-- Joining takes the language and the per-address limits now: its form without them goes (if exists: a new
-- database runs migrations before db/api creates any); the current one is in db/api/waitlist.sql.
drop function if exists api.join_waitlist(text);
