-- Passkeys (issue 20): WebAuthn credentials of a project's users, and the single-use challenges their
-- ceremonies answer. Attestation, assertion, CBOR and COSE are @simplewebauthn/server's work in TypeScript;
-- Postgres keeps the state every instance shares: which challenge is still open, each credential's public key,
-- sign counter and backup flags, and which credential looked cloned.

create table astapa.passkeys (
  project_id text not null,
  credential_id bytea not null,
  user_id bigint not null,
  public_key bytea not null,
  sign_count bigint not null default 0,
  transports text[] not null default '{}',
  device_type text not null,
  backed_up boolean not null,
  name text not null,
  created_at timestamptz not null default pg_catalog.now(),
  last_used_at timestamptz,
  cloned_at timestamptz,
  constraint passkeys_pkey primary key (project_id, credential_id),
  constraint passkeys_user_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint passkeys_credential_id_check check (pg_catalog.length(credential_id) between 16 and 1023),
  constraint passkeys_sign_count_check check (sign_count >= 0),
  constraint passkeys_device_type_check check (device_type in ('singleDevice', 'multiDevice')),
  constraint passkeys_name_check check (pg_catalog.length(name) between 1 and 64)
);

create index passkeys_user_idx on astapa.passkeys (project_id, user_id);

comment on table astapa.passkeys is
  'WebAuthn credentials (passkeys) of a project''s users: the COSE public key, the last sign counter (a '
  'counter going backwards marks the credential cloned_at and refuses it), the backup flags (multiDevice: a '
  'synced passkey, amr swk; singleDevice: bound to one authenticator, amr hwk), a name the person chose and '
  'when it was last used. The credential id is unique per project (another project''s is unknown here).';

alter table astapa.passkeys enable row level security;
alter table astapa.passkeys force row level security;

grant select, insert, delete on astapa.passkeys to astapa_app;
grant update (sign_count, backed_up, name, last_used_at, cloned_at) on astapa.passkeys to astapa_app;

create table astapa.webauthn_challenges (
  project_id text not null,
  challenge_hash bytea not null,
  purpose text not null,
  user_id bigint,
  created_at timestamptz not null default pg_catalog.now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  constraint webauthn_challenges_pkey primary key (project_id, challenge_hash),
  constraint webauthn_challenges_user_fkey foreign key (project_id, user_id)
    references astapa.users (project_id, id) on delete cascade,
  constraint webauthn_challenges_challenge_hash_check check (pg_catalog.length(challenge_hash) = 32),
  constraint webauthn_challenges_purpose_check check (purpose in ('register', 'sign_in')),
  constraint webauthn_challenges_user_check check ((purpose = 'sign_in') = (user_id is null)),
  constraint webauthn_challenges_lifetime_check check (expires_at > created_at)
);

create index webauthn_challenges_expires_idx on astapa.webauthn_challenges (expires_at);

comment on table astapa.webauthn_challenges is
  'The random challenge of each passkey ceremony (SHA-256 here), single use and short-lived, so a ceremony '
  'started on one instance finishes on any other. register: bound to the signed-in user adding a passkey; '
  'sign_in: no user (discoverable credentials: the authenticator says who).';

alter table astapa.webauthn_challenges enable row level security;
alter table astapa.webauthn_challenges force row level security;

grant select, insert, delete on astapa.webauthn_challenges to astapa_app;
grant update (used_at) on astapa.webauthn_challenges to astapa_app;
