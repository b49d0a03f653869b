-- Per-project credentials for the phone code providers (issue 27): a project may send its codes through its own
-- WhatsApp Cloud, Twilio Verify or Zenziva account instead of the deployment's (the environment's, the
-- fallback). The credentials are sealed in TypeScript (AES-256-GCM under the master key, bound to the project
-- and the provider); Postgres keeps the ciphertext and a hint for the dashboard (never the secret).
create table astapa.phone_provider_credentials (
  project_id text not null,
  provider text not null,
  credentials_sealed bytea not null,
  hint text not null,
  created_at timestamptz not null default pg_catalog.now(),
  updated_at timestamptz not null default pg_catalog.now(),
  constraint phone_provider_credentials_pkey primary key (project_id, provider),
  constraint phone_provider_credentials_project_id_fkey foreign key (project_id) references astapa.projects (id)
    on delete cascade,
  constraint phone_provider_credentials_provider_check
    check (provider in ('whatsapp_cloud', 'twilio_verify', 'zenziva')),
  constraint phone_provider_credentials_hint_check check (pg_catalog.length(hint) between 1 and 100)
);

comment on table astapa.phone_provider_credentials is
  'A project''s own credentials for a phone code provider (whatsapp_cloud, twilio_verify, zenziva), sealed with '
  'the master key (a JSON object of the provider''s fields); its sends use them before the deployment''s. hint: '
  'what the dashboard shows (an account id or the last characters), never enough to send.';

alter table astapa.phone_provider_credentials enable row level security;
alter table astapa.phone_provider_credentials force row level security;

grant select, insert, delete on astapa.phone_provider_credentials to astapa_app;
grant update (credentials_sealed, hint, updated_at) on astapa.phone_provider_credentials to astapa_app;
