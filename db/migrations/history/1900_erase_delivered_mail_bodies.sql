-- Delivered mail keeps its envelope (to, subject, kind, times) but not its body: verification and reset
-- mail hold single-use links, and a copy in the database (and in every backup) is one more place to steal
-- them from. Unsent mail keeps its body — it still has to go out, or be read by the operator without SMTP.

grant update (body_text, body_html) on astapa.mail_outbox to astapa_app;

create or replace function api.mail_delivered(id bigint, error text default null) returns void
  language sql
  volatile
  set search_path = ''
  as $$
    update astapa.mail_outbox m
    set sent_at = case when error is null then pg_catalog.now() end,
        last_error = error,
        body_text = case when error is null then '(erased after delivery)' else m.body_text end,
        body_html = case when error is null then null else m.body_html end
    where m.project_id = astapa.current_project_id() and m.id = mail_delivered.id
  $$;

comment on function api.mail_delivered(bigint, text) is
  'Records a delivery attempt: sent (the body is erased; it may hold single-use links), or the error to retry '
  'after (the body is kept).';
