-- Why did the billing pass stop reconciling a charge or a refund? reconcile_errors counted the errors and
-- reconcile_stopped_at said when it stopped (4186, 4190), but nothing said what went wrong: neither the operator
-- nor the developer could tell a refused API key from a bug of ours. Now every failed question about a charge
-- or a refund keeps its last error — a short code (lib/payments/reconcile_errors.ts classifies Xendit's answer
-- as lib/payments/provider_errors.ts does), a message of ours (never a key, never Xendit's body) and when —
-- until the next error replaces it: a resume keeps it for the record, and reconcile_resumed_at says when the
-- reconciliation was resumed. Written by the record_*_reconcile_error functions (astapa.next_reconcile_error).

alter table astapa.payments
  add column reconcile_error_code text
    constraint payments_reconcile_error_code_check check (reconcile_error_code in (
      'credentials_refused', 'provider_refused', 'rate_limited', 'provider_5xx', 'provider_timeout',
      'provider_unreachable', 'provider_interrupted', 'unexpected_answer', 'internal_error')),
  add column reconcile_error_message text
    constraint payments_reconcile_error_message_check check (pg_catalog.char_length(reconcile_error_message)
      between 1 and 300),
  add column reconcile_error_at timestamptz,
  add column reconcile_resumed_at timestamptz,
  add constraint payments_reconcile_error_check check (
    (reconcile_error_code is null) = (reconcile_error_message is null)
    and (reconcile_error_code is null) = (reconcile_error_at is null));

alter table astapa.refunds
  add column reconcile_error_code text
    constraint refunds_reconcile_error_code_check check (reconcile_error_code in (
      'credentials_refused', 'provider_refused', 'rate_limited', 'provider_5xx', 'provider_timeout',
      'provider_unreachable', 'provider_interrupted', 'unexpected_answer', 'internal_error')),
  add column reconcile_error_message text
    constraint refunds_reconcile_error_message_check check (pg_catalog.char_length(reconcile_error_message)
      between 1 and 300),
  add column reconcile_error_at timestamptz,
  add column reconcile_resumed_at timestamptz,
  add constraint refunds_reconcile_error_check check (
    (reconcile_error_code is null) = (reconcile_error_message is null)
    and (reconcile_error_code is null) = (reconcile_error_at is null));

grant update (reconcile_error_code, reconcile_error_message, reconcile_error_at, reconcile_resumed_at)
  on astapa.payments to astapa_app;
grant update (reconcile_error_code, reconcile_error_message, reconcile_error_at, reconcile_resumed_at)
  on astapa.refunds to astapa_app;

comment on column astapa.payments.reconcile_error_code is
  'What the last failed question to Xendit about this charge met (null: none yet): credentials_refused (401, '
  '403), provider_refused (another 4xx), rate_limited (429), provider_5xx, provider_timeout, '
  'provider_unreachable, provider_interrupted (Xendit''s silence or a cut-off answer), unexpected_answer (one '
  'we could not read) or internal_error (a bug of ours). Only provider_refused, unexpected_answer and '
  'internal_error count towards reconcile_errors (astapa.reconcile_error_counts). Kept until the next error.';
comment on column astapa.payments.reconcile_error_message is
  'That error in a sentence of ours, at most 300 characters: Xendit''s status and error code at most — never a '
  'key, never Xendit''s body.';
comment on column astapa.payments.reconcile_error_at is 'When that error happened (the billing pass''s now).';
comment on column astapa.payments.reconcile_resumed_at is
  'When its stopped reconciliation was last resumed (api.resume_payment_reconciliation); null if never.';

comment on column astapa.refunds.reconcile_error_code is
  'What the last failed question to Xendit about this refund met (null: none yet), as '
  'payments.reconcile_error_code: credentials_refused, provider_refused, rate_limited, provider_5xx, '
  'provider_timeout, provider_unreachable, provider_interrupted, unexpected_answer or internal_error. Only '
  'provider_refused, unexpected_answer and internal_error count towards reconcile_errors. Kept until the next '
  'error.';
comment on column astapa.refunds.reconcile_error_message is
  'That error in a sentence of ours, at most 300 characters: Xendit''s status and error code at most — never a '
  'key, never Xendit''s body.';
comment on column astapa.refunds.reconcile_error_at is 'When that error happened (the billing pass''s now).';
comment on column astapa.refunds.reconcile_resumed_at is
  'When its stopped reconciliation was last resumed (api.resume_refund_reconciliation); null if never.';
