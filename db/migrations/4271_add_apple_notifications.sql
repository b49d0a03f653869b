-- Sign in with Apple server-to-server notifications (docs/social-login.md): Apple tells the app when a person
-- turns their private relay's forwarding off or on, stops using Sign in with Apple for the app, or deletes their
-- Apple ID. The identity records the relay's forwarding; each event is taken once per project.
alter table astapa.identities
  add column email_forwarding boolean,
  add column email_forwarding_at timestamptz;
comment on column astapa.identities.email_forwarding is
  'Apple only: whether Apple''s private relay forwards mail to the person (its email-enabled/email-disabled '
  'notifications); null when Apple has not said. Shown on the dashboard''s user page.';
comment on column astapa.identities.email_forwarding_at is
  'When Apple''s event that set email_forwarding happened (its event_time): an older event arriving later changes nothing.';
grant update (email_forwarding, email_forwarding_at) on astapa.identities to astapa_app;

create table astapa.apple_notifications (
  project_id text not null,
  event_id text not null,
  type text not null,
  received_at timestamptz not null default now(),
  constraint apple_notifications_pkey primary key (project_id, event_id),
  constraint apple_notifications_project_id_fkey foreign key (project_id) references astapa.projects (id),
  constraint apple_notifications_event_id_check check (length(event_id) between 1 and 300),
  constraint apple_notifications_type_check check (length(type) between 1 and 100)
);
alter table astapa.apple_notifications enable row level security;
alter table astapa.apple_notifications force row level security;
comment on table astapa.apple_notifications is
  'The Sign in with Apple server-to-server notifications a project took (event_id: the JWT''s jti, or a digest '
  'of its events when it has none), so a replay changes nothing; kept two days, past the one hour a '
  'notification''s iat is accepted for.';
create index apple_notifications_received_at_idx on astapa.apple_notifications (project_id, received_at);
grant select, insert (project_id, event_id, type), delete on astapa.apple_notifications to astapa_app;

insert into astapa.refresh_token_revocation_reasons (reason) values ('apple_consent_revoked');

-- A notification names Apple's subject only: the projects holding it are found by it.
create index identities_provider_subject_idx on astapa.identities (provider, subject);
