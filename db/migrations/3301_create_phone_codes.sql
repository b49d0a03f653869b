-- Phone one-time codes (issue 27): the pending code a browser holds a cookie for, and every message sent (or
-- refused by the provider) with its provider, status and cost: the message log and the daily budget.
create table astapa.phone_codes (
  project_id text not null,
  token_hash bytea not null,
  phone_number text not null,
  channel text not null,
  code_hash bytea not null,
  attempts integer not null default 0,
  sends integer not null default 1,
  address text,
  created_at timestamptz not null default pg_catalog.now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  constraint phone_codes_pkey primary key (project_id, token_hash),
  constraint phone_codes_project_id_fkey foreign key (project_id) references astapa.projects (id) on delete cascade,
  constraint phone_codes_token_hash_check check (pg_catalog.length(token_hash) = 32),
  constraint phone_codes_code_hash_check check (pg_catalog.length(code_hash) = 32),
  constraint phone_codes_phone_number_check check (phone_number ~ '^\+[1-9][0-9]{6,14}$'),
  constraint phone_codes_channel_check check (channel in ('whatsapp', 'sms')),
  constraint phone_codes_lifetime_check check (expires_at > created_at)
);

create index phone_codes_expires_at_idx on astapa.phone_codes (project_id, expires_at);

comment on table astapa.phone_codes is
  'A 6-digit code sent to a phone for sign-in: the browser holds the token (SHA-256 here); code_hash is '
  'SHA-256 of token and code together, so a leaked row does not give the code. Five minutes, five attempts, '
  'single use (used_at).';

alter table astapa.phone_codes enable row level security;
alter table astapa.phone_codes force row level security;

grant select, insert on astapa.phone_codes to astapa_app;
grant update (channel, code_hash, attempts, sends, expires_at, used_at) on astapa.phone_codes to astapa_app;

create table astapa.phone_messages (
  project_id text not null,
  id bigint generated always as identity,
  phone_number text not null,
  channel text not null,
  provider text not null,
  status text not null,
  provider_message_id text,
  cost numeric(12, 6),
  currency text,
  error text,
  address text,
  created_at timestamptz not null default pg_catalog.now(),
  constraint phone_messages_pkey primary key (project_id, id),
  constraint phone_messages_project_id_fkey foreign key (project_id) references astapa.projects (id)
    on delete cascade,
  constraint phone_messages_channel_check check (channel in ('whatsapp', 'sms')),
  constraint phone_messages_status_check check (status in ('sent', 'failed', 'sandbox')),
  constraint phone_messages_provider_check check (provider ~ '^[a-z_]{1,40}$'),
  constraint phone_messages_error_check check (pg_catalog.length(error) <= 500),
  constraint phone_messages_currency_check check (currency ~ '^[A-Z]{3}$')
);

create index phone_messages_created_at_idx on astapa.phone_messages (project_id, created_at);

comment on table astapa.phone_messages is
  'Every one-time-code message a project sent or tried to send: provider, channel, status (sent, failed, '
  'sandbox: shown on the sandbox inbox instead), the provider''s id and cost when it reports them. Never the '
  'code. Counts toward settings.phone.daily_budget.';

alter table astapa.phone_messages enable row level security;
alter table astapa.phone_messages force row level security;

grant select, insert on astapa.phone_messages to astapa_app;

-- Sandbox projects send nothing: the message text (with its code) waits on the sandbox inbox page instead.
alter table astapa.phone_messages add column sandbox_text text,
  add constraint phone_messages_sandbox_text_check check (sandbox_text is null or status = 'sandbox');
comment on column astapa.phone_messages.sandbox_text is
  'Sandbox projects only: the text that would have been sent, shown on the dashboard''s message log.';
