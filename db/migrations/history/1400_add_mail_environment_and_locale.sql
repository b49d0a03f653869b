-- The dashboard's mail page needs two facts the outbox did not keep: the environment a message belongs to
-- (production pages never show sandbox users' mail) and the language it was written in.

alter table astapa.mail_outbox
  add column environment text,
  -- Stamped on insert (not generated: the body is erased once the mail is delivered, the locale stays).
  add column locale text,
  add constraint mail_outbox_environment_check check (environment in ('sandbox', 'production'));

comment on column astapa.mail_outbox.environment is
  'The project''s mode when the mail was queued (set by a trigger, so every way of queueing is covered); null '
  'for mail queued before this column existed.';
comment on column astapa.mail_outbox.locale is
  'The HTML part''s <html lang> when the mail was queued (the hosted login writes one into every HTML part), or '
  'null for plain-text-only mail.';

create function astapa.set_mail_environment() returns trigger
  language plpgsql
  volatile
  set search_path = ''
  as $$
  begin
    select p.mode into new.environment from astapa.projects as p where p.id = new.project_id;
    new.locale := pg_catalog.substring(new.body_html, '^<!doctype html><html lang="([A-Za-z-]{2,12})"');
    return new;
  end
  $$;

comment on function astapa.set_mail_environment() is
  'Trigger: stamps queued mail with the environment (the project''s mode) it was written in and its locale.';

grant execute on function astapa.set_mail_environment() to astapa_app;

create trigger mail_outbox_set_environment before insert on astapa.mail_outbox
  for each row execute function astapa.set_mail_environment();
