-- A project's settings are read by each of its requests and stay within 16 KiB; its mail texts (settings.mail_texts),
-- read only to send mail, get a budget of their own (astapa.settings_size_problem, db/api/projects.sql): wording
-- every kind of mail in both languages at full length no longer crowds out the rest.
alter table astapa.projects drop constraint projects_settings_check;
alter table astapa.projects add constraint projects_settings_check check (
  pg_catalog.jsonb_typeof(settings) = 'object'
  and pg_catalog.octet_length((settings operator(pg_catalog.-) 'mail_texts')::text) <= 16384
  and pg_catalog.octet_length(coalesce(settings -> 'mail_texts', '{}')::text) <= 131072);
